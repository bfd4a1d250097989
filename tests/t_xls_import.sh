#!/usr/bin/env bash
# .xls imports into SQLite and PostgreSQL: the business file of
# 'sheetload gen' saved as .xls by LibreOffice imports exactly like its .xlsx
# (same table, same rejects, row by row); the mixed corpus sheet lands in a
# text table exactly as 'cat' prints it (trimmed, empty = NULL, the loader's
# rules); 'serve' takes an .xls upload and refuses a Word document.
set -u
. "$SL_SRC/tests/lib.sh"
. "$SL_SRC/tests/serve/lib.sh"
pg_fresh_db
dir="$SL_SRC/tests/corpus/xls"
CHECK="python3 $SL_SRC/tests/t_import_check.py"
dbq() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
pg_reset() { dbq "set client_min_messages=warning; drop schema public cascade; create schema public" >/dev/null; }
cols="name, category, phone, email, address, city, country, website, description"

"$SHEETLOAD" gen --rows 120 --bad 7 --seed 7 --bad-list "$T/bad.txt" -o "$T/x.csv" >/dev/null || fail "gen csv"
"$SHEETLOAD" gen --rows 120 --bad 7 --seed 7 -o "$T/x.xlsx" >/dev/null || fail "gen xlsx"
"$SHEETLOAD" cat "$T/x.xlsx" | cmp -s - "$dir/gen-business.1.expected.csv" ||
  fail "'sheetload gen' no longer makes the workbook saved in gen-business.xls: remake it with tests/corpus/xls/make.sh"

n=0
for target in sqlite pg; do
  methods="sequential batch"
  [ $target = pg ] && methods="batch copy"
  for m in $methods; do
    n=$((n + 1))
    for f in xls xlsx; do
      file=$dir/gen-business.xls
      [ $f = xlsx ] && file=$T/x.xlsx
      if [ $target = sqlite ]; then db="sqlite:$T/$f$n.db"; else pg_reset; db=$DB; fi
      rm -f "$T/rej.$f.csv"
      "$SHEETLOAD" import "$file" --db "$db" --method $m --batch-size 50 --workers 2 \
        --rejects "$T/rej.$f.csv" --json >"$T/out.$f" 2>"$T/err"
      check_rc 0 $? "$target $m $f: $(cat "$T/err")"
      $CHECK "$T/x.csv" "$T/bad.txt" "$db" "$T/rej.$f.csv" "$T/out.$f" || fail "$target $m $f"
      if [ $target = sqlite ]; then
        sqlite3 -csv "$T/$f$n.db" "select $cols from businesses order by $cols" >"$T/rows.$f"
      else
        dbq "copy (select $cols from businesses order by $cols) to stdout with csv" >"$T/rows.$f"
      fi
    done
    cmp -s "$T/rows.xls" "$T/rows.xlsx" || fail "$target $m: the .xls and the .xlsx give different tables"
    cmp -s "$T/rej.xls.csv" "$T/rej.xlsx.csv" || fail "$target $m: different rejects"
    [ "$(wc -l <"$T/rows.xls")" -eq 113 ] || fail "$target $m: $(wc -l <"$T/rows.xls") rows, want 113"
  done
done

# Every value kind into text columns: the table equals the CSV of 'cat'.
cat >"$T/vals.py" <<'PY'
import csv, sqlite3, subprocess, sys
exp, db = sys.argv[1], sys.argv[2]
WS = " \t\r\n\v\f"
want = []
with open(exp, newline="", encoding="utf-8") as f:
    for row in list(csv.reader(f))[1:]:
        row = [(c.strip(WS) or None) for c in (row + ["", "", ""])[:3]]
        if any(row):
            want.append(row)
q = "select kind, value, note from vals order by id"
if db.startswith("sqlite:"):
    got = [list(r) for r in sqlite3.connect(db[7:]).execute(q)]
else:
    out = subprocess.run(["psql", db, "-XqAt", "-c", "copy (%s) to stdout with csv" % q],
                         check=True, capture_output=True, text=True).stdout
    got = [[c if c != "" else None for c in r] for r in csv.reader(out.splitlines(True))]
    # COPY CSV writes NULL as an empty unquoted field and '' as "": no '' here
if got != want:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            print("row %d: got %r want %r" % (i + 2, g, w), file=sys.stderr)
            break
    print("got %d rows, want %d" % (len(got), len(want)), file=sys.stderr)
    sys.exit(1)
PY
for book in lo-mixed gn-mixed; do
  sqlite3 "$T/v$book.db" "create table vals (id integer primary key, kind text, value text, note text)"
  "$SHEETLOAD" import "$dir/$book.xls" --db "sqlite:$T/v$book.db" --table vals --quiet >/dev/null 2>"$T/err"
  check_rc 0 $? "$book into SQLite: $(cat "$T/err")"
  python3 "$T/vals.py" "$dir/$book.1.expected.csv" "sqlite:$T/v$book.db" || fail "$book: SQLite table"
  pg_reset
  dbq "create table vals (id serial primary key, kind text, value text, note text)"
  "$SHEETLOAD" import "$dir/$book.xls" --db "$DB" --table vals --method copy --quiet >/dev/null 2>"$T/err"
  check_rc 0 $? "$book into PostgreSQL: $(cat "$T/err")"
  python3 "$T/vals.py" "$dir/$book.1.expected.csv" "$DB" || fail "$book: PostgreSQL table"
done
# A sheet by name, and the ledger keys an .xls import by its sheet.
pg_reset
dbq "create table dates (kind text, serial text)"
"$SHEETLOAD" import "$dir/lo-mixed.xls" --db "$DB" --table dates --sheet 'Dates 1900' --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--sheet 'Dates 1900': $(cat "$T/err")"
[ "$(dbq "select serial from dates where kind = 'elapsed'")" = "36:00:00" ] || fail "Dates 1900 sheet"
[ "$(dbq "select sheet from sheetload_imports")" = "Dates 1900" ] ||
  fail "ledger sheet: $(dbq "select sheet from sheetload_imports" 2>&1)"

# serve: an .xls upload is imported; an OLE2 file that is not a workbook is a 422.
cd "$T" || fail "cd"
serve_start "$T/log" --db "sqlite:$T/srv.db"
req -X POST "$URL/upload?method=batch" -F "file=@$dir/gen-business.xls"; expect 200 "xls upload"
[ "$(jq_get "$BODY" ".stats.success_count")" = 113 ] || fail "upload statistics: $BODY"
[ "$(sqlite3 "$T/srv.db" 'select count(*) from businesses')" = 113 ] || fail "upload rows"
head -c 4000 "$dir/gn-dates1904.xls" >"$T/cut.xls"
req -X POST "$URL/upload" -F "file=@$T/cut.xls"; expect 422 "truncated xls"
echo "$BODY" | grep -q "truncated or corrupt" || fail "truncated xls body: $BODY"
serve_stop
done_ok
