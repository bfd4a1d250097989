#!/usr/bin/env bash
# Two rows the database refuses in the middle of one 1,000-row batch: a
# unique-constraint violation (row 401 repeats a code already in the table)
# and a type error (row 701 has qty 'seven' for an integer column). With
# --batch-size 1000 and methods batch and copy, exactly those two rows are
# rejected with the server's message and SQLSTATE; the 998 others are in the
# table, value for value. The same against an SQLite STRICT table.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
dbq() { psql "$DB" -v ON_ERROR_STOP=1 -XtAq -c "$1"; }

# The file: 1,000 data rows; the header is row 1, so data row i is sheet row i+1.
python3 - "$T" <<'PY'
import sys, datetime
t = sys.argv[1]
d0 = datetime.date(2024, 1, 1)
with open(t + "/items.csv", "w") as f, open(t + "/want.txt", "w") as w:
    f.write("Code,Qty,Price,Day,OK\n")
    for i in range(1, 1001):
        code, qty = "C-%04d" % i, str(i)
        if i == 400: code = "TAKEN"          # already in the table: 23505
        if i == 700: qty = "seven"           # not an integer: 22P02
        day = (d0 + datetime.timedelta(days=i)).isoformat()
        ok = "true" if i % 3 else "false"
        f.write("%s,%s,%d.%02d,%s,%s\n" % (code, qty, i * 5 // 4, (i * 25) % 100, day, ok))
        if i not in (400, 700):
            w.write("%s|%s|%d.%02d|%s|%s\n" % (code, qty, i * 5 // 4, (i * 25) % 100, day, ok[0]))
PY
sort "$T/want.txt" >"$T/want.sorted"

for m in batch copy; do
  dbq "SET client_min_messages = warning; DROP TABLE IF EXISTS items, sheetload_rejects, sheetload_batches, sheetload_imports CASCADE;
          CREATE TABLE items (code text NOT NULL UNIQUE, qty integer, price numeric(10,2), day date, ok boolean);
          INSERT INTO items VALUES ('TAKEN', 0, 0, '2000-01-01', false)" || fail "setup"
  rm -f "$T/rej.csv"
  "$SHEETLOAD" import "$T/items.csv" --db "$DB" --table items --method $m --batch-size 1000 \
    --rejects "$T/rej.csv" --json --quiet >"$T/out" 2>"$T/err"
  check_rc 0 $? "$m: import (stderr: $(head -c 600 "$T/err"))"
  n=$(dbq "select count(*) from items where code <> 'TAKEN' or qty <> 0")
  [ "$n" = 998 ] || fail "$m: $n rows of the file in the table, want 998"
  psql "$DB" -XtAq -F'|' -c "select code, qty, price, day, ok from items where qty <> 0" | sort >"$T/got.sorted"
  cmp -s "$T/got.sorted" "$T/want.sorted" ||
    fail "$m: table contents differ from the 998 good rows: $(diff "$T/want.sorted" "$T/got.sorted" | head -5)"
  rows=$(grep -oE '^[0-9]+' "$T/rej.csv" | tr '\n' ' ')
  [ "$rows" = "401 701 " ] || fail "$m: rejects file lists rows '$rows', want '401 701'"
  grep '^401,' "$T/rej.csv" | grep -q 'duplicate key value violates unique constraint' ||
    fail "$m: row 401's reason is not the server's message: $(grep '^401,' "$T/rej.csv")"
  grep '^401,' "$T/rej.csv" | grep -q '23505' || fail "$m: row 401 lacks SQLSTATE 23505: $(grep '^401,' "$T/rej.csv")"
  grep '^701,' "$T/rej.csv" | grep -q 'invalid input syntax for type integer' ||
    fail "$m: row 701's reason is not the server's message: $(grep '^701,' "$T/rej.csv")"
  grep '^701,' "$T/rej.csv" | grep -q '22P02' || fail "$m: row 701 lacks SQLSTATE 22P02: $(grep '^701,' "$T/rej.csv")"
  grep -q '"success_count": *998' "$T/out" || fail "$m: stats: $(cat "$T/out")"
  grep -q '"error_count": *2[,}[:space:]]' "$T/out" || fail "$m: stats: $(cat "$T/out")"
  grep -q '"total_records": *1000' "$T/out" || fail "$m: stats: $(cat "$T/out")"
done

# SQLite: a STRICT table refuses 'seven' for an INTEGER column.
for m in batch copy; do
  db="$T/items-$m.db"
  sqlite3 "$db" "CREATE TABLE items (code TEXT NOT NULL UNIQUE, qty INTEGER, price REAL, day TEXT, ok TEXT) STRICT;
                 INSERT INTO items VALUES ('TAKEN', 0, 0, '2000-01-01', 'false');" || fail "sqlite setup"
  rm -f "$T/rej.csv"
  "$SHEETLOAD" import "$T/items.csv" --db "sqlite:$db" --table items --method $m --batch-size 1000 \
    --rejects "$T/rej.csv" --json --quiet >"$T/out" 2>"$T/err"
  check_rc 0 $? "sqlite $m: import (stderr: $(head -c 600 "$T/err"))"
  sqlite3 -separator '|' "$db" "select code, qty from items where qty <> 0" | sort >"$T/got.sorted"
  cut -d'|' -f1,2 "$T/want.sorted" | sort | cmp -s - "$T/got.sorted" ||
    fail "sqlite $m: table differs from the 998 good rows: $(cut -d'|' -f1,2 "$T/want.sorted" | sort | diff - "$T/got.sorted" | head -5)"
  rows=$(grep -oE '^[0-9]+' "$T/rej.csv" | tr '\n' ' ')
  [ "$rows" = "401 701 " ] || fail "sqlite $m: rejects file lists rows '$rows', want '401 701'"
  grep '^401,' "$T/rej.csv" | grep -q 'UNIQUE constraint failed' || fail "sqlite $m: row 401: $(grep '^401,' "$T/rej.csv")"
  grep '^701,' "$T/rej.csv" | grep -qi 'cannot store TEXT value in INTEGER column' || fail "sqlite $m: row 701: $(grep '^701,' "$T/rej.csv")"
  [ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] || fail "sqlite $m: integrity_check"
done
done_ok
