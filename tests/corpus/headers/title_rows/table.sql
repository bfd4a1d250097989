create table partners (id integer primary key, company_name text not null, e_mail text, city text, rating integer default 3)
