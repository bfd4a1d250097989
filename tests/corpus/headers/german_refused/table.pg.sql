create table partners (id serial primary key, company text not null, phone text, city text)
