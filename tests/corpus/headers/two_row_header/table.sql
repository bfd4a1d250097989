create table directory (id integer primary key, name text not null, sector text, phone text, e_mail text, web text, city text, country text, listed boolean default true)
