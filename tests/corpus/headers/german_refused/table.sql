create table partners (id integer primary key, company text not null, phone text, city text)
