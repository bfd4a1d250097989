create table parcels (id integer primary key, ref text not null, weight_kg numeric(8,2), price_eur numeric(10,2), shipped_on date, fragile boolean, dest_city text, remarks text)
