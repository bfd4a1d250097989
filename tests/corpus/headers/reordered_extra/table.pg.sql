create table contacts (id serial primary key, ext_id integer not null unique, company text not null, city text, e_mail text, notes text)
