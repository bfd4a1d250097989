create table contacts (id integer primary key, ext_id integer not null unique, company text not null, city text, e_mail text, notes text)
