#!/usr/bin/env bash
# --table: a table with typed columns (integer, numeric, date, boolean), a
# unique constraint and a NOT NULL column; rows the database refuses are
# isolated by bisection (batch and copy, one 1000-row batch) and rejected
# with the server's message and SQLSTATE; the others all go in. The same in
# SQLite (unique and NOT NULL). Header mapping: case, spaces and underscores
# ignored; unknown headers warned about; a missing NOT NULL column is an
# error before anything is written; --columns maps by position.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
dbq() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
python3 - "$T/items.csv" <<'PY'
import sys
bad = {101: ("qty", "abc"), 302: ("sku", "SKU-7"), 503: ("sold", "2024-02-30"),
       704: ("price", "123456789012"), 905: ("active", "maybe")}
with open(sys.argv[1], "w") as f:
    f.write("ID,S K U,Qty,price,Sold_On,Active,Extra\n")
    for i in range(1, 1001):
        v = {"sku": "SKU-%d" % i, "qty": str(i % 50), "price": "%d.%02d" % (i, i % 100),
             "sold": "2024-%02d-%02d" % (i % 12 + 1, i % 28 + 1), "active": "true" if i % 2 else "FALSE"}
        if i in bad:
            v[bad[i][0]] = bad[i][1]
        f.write("%d,%s,%s,%s,%s,%s,x\n" % (i, v["sku"], v["qty"], v["price"], v["sold"], v["active"]))
PY
ddl="create table items (id integer primary key, sku text not null unique, qty integer,
     price numeric(10,2), sold_on date, active boolean, note text default 'n')"
for m in batch copy; do
  dbq "drop table if exists items; drop table if exists sheetload_imports, sheetload_batches, sheetload_rejects" 2>/dev/null
  dbq "$ddl"
  rm -f "$T/rej.csv"
  "$SHEETLOAD" import "$T/items.csv" --db "$DB" --table items --method $m --batch-size 1000 \
    --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err"
  check_rc 0 $? "$m: $(cat "$T/err")"
  grep -q "ignoring header cells that name no column of table 'items': 'Extra' (G)" "$T/err" ||
    fail "$m: no warning for the unknown header: $(cat "$T/err")"
  grep -q '"success_count":995,"error_count":5' "$T/out" || fail "$m: statistics $(cat "$T/out")"
  [ "$(dbq 'select count(*), count(distinct sku), sum(id) from items')" = "995|995|$((500500 - 302 - 101 - 503 - 704 - 905))" ] ||
    fail "$m: table contents $(dbq 'select count(*), count(distinct sku), sum(id) from items')"
  [ "$(dbq "select qty, price, sold_on, active, note from items where id = 12")" = "12|12.12|2024-01-13|f|n" ] ||
    fail "$m: typed values $(dbq 'select * from items where id = 12')"
  got=$(python3 -c "import csv,sys; print(' '.join(r[0]+','+r[2] for r in csv.reader(open(sys.argv[1]))), end=' ')" "$T/rej.csv")
  [ "$got" = "row,sqlstate 102,22P02 303,23505 504,22008 705,22003 906,22P02 " ] || fail "$m: rejects $got"
  grep -q '^303,.*duplicate key' "$T/rej.csv" || fail "$m: server message missing: $(cat "$T/rej.csv")"
done

# A missing NOT NULL column: an error before any row is written.
dbq "create table need (id int, must text not null)"
printf 'id,other\n1,a\n' >"$T/need.csv"
"$SHEETLOAD" import "$T/need.csv" --db "$DB" --table need >/dev/null 2>"$T/err"
check_rc 1 $? "missing NOT NULL column"
grep -q "column 'must' of table 'need' is NOT NULL without a default" "$T/err" || fail "message: $(cat "$T/err")"
"$SHEETLOAD" import "$T/need.csv" --db "$DB" --table nosuch >/dev/null 2>"$T/err"
check_rc 1 $? "missing table"
grep -q "table 'nosuch' does not exist" "$T/err" || fail "message: $(cat "$T/err")"
# --columns by position: the header row is skipped when it names the columns.
printf 'id,must\n1,a\n2,b\n' >"$T/pos.csv"
"$SHEETLOAD" import "$T/pos.csv" --db "$DB" --table need --columns id,must --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--columns: $(cat "$T/err")"
printf '3,c\n4,d\n' >"$T/pos2.csv"
"$SHEETLOAD" import "$T/pos2.csv" --db "$DB" --table need --columns id,must --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--columns without header: $(cat "$T/err")"
[ "$(dbq "select string_agg(must, '' order by id) from need")" = abcd ] || fail "--columns rows"

# SQLite: a unique violation and a NOT NULL violation in one batch.
S="sqlite:$T/s.db"
sqlite3 "$T/s.db" "create table items (id integer primary key, sku text not null unique, qty integer,
  price numeric, sold_on date, active boolean, note text default 'n')"
python3 -c "
import sys
print('id,sku,qty')
for i in range(1, 501):
    sku = 'S1' if i == 250 else ('' if i == 400 else 'S%d' % i)
    print('%d,%s,%d' % (i, sku, i))" >"$T/s.csv"
for m in batch copy sequential; do
  sqlite3 "$T/s.db" "delete from items; delete from sheetload_imports" 2>/dev/null
  "$SHEETLOAD" import "$T/s.csv" --db "$S" --table items --method $m --rejects "$T/srej.csv" \
    --force --json >"$T/out" 2>"$T/err"
  check_rc 0 $? "sqlite $m: $(cat "$T/err")"
  [ "$(sqlite3 "$T/s.db" 'select count(*) from items')" = 498 ] || fail "sqlite $m: rows"
  [ "$(cut -d, -f1 "$T/srej.csv" | tr '\n' ' ')" = "row 251 401 " ] || fail "sqlite $m: rejects $(cat "$T/srej.csv")"
done
done_ok
