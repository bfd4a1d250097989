create table firms (id integer primary key, company text not null, city text, founded date, staff integer)
