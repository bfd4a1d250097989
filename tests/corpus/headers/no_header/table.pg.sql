create table plain (id serial primary key, name text not null, category text, phone text, email text, address text, city text, country text, website text, description text)
