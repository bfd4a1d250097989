#!/usr/bin/env bash
# sheetload import, every method into PostgreSQL and SQLite: a generated
# file with known bad rows; the table must equal the expected rows exactly
# (row by row), the rejects file must list exactly the bad rows, and the
# statistics must add up. Also the default target, --dry-run, the refusal
# of a second import of the same file and --force.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
CHECK="python3 $SL_SRC/tests/t_import_check.py"
"$SHEETLOAD" gen --rows 1000 --bad 12 --seed 7 --bad-list "$T/bad.txt" -o "$T/x.csv" >/dev/null ||
  fail "gen csv"
"$SHEETLOAD" gen --rows 1000 --bad 12 --seed 7 -o "$T/x.xlsx" >/dev/null || fail "gen xlsx"
dbq() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
pg_reset() { dbq "set client_min_messages=warning; drop schema public cascade; create schema public" >/dev/null; }

n=0
for target in sqlite pg; do
  for m in sequential concurrent batch copy; do
    n=$((n + 1))
    file=$T/x.csv; [ $((n % 2)) -eq 0 ] && file=$T/x.xlsx
    if [ $target = sqlite ]; then db="sqlite:$T/t$n.db"; else pg_reset; db=$DB; fi
    rm -f "$T/rej.csv"
    "$SHEETLOAD" import "$file" --db "$db" --method $m --batch-size 400 --workers 3 \
      --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err"
    check_rc 0 $? "$target $m $(basename "$file"): $(cat "$T/err")"
    $CHECK "$T/x.csv" "$T/bad.txt" "$db" "$T/rej.csv" "$T/out" || fail "$target $m $(basename "$file")"
    grep -q "\"method\":\"$m\"" "$T/out" || fail "$target $m: method not in the statistics"
  done
done

# The same file again into the same table: refused (exit 3), naming the import.
"$SHEETLOAD" import "$T/x.xlsx" --db "$DB" --json >"$T/out" 2>"$T/err"
check_rc 3 $? "second import of the same file"
grep -q "already imported into table 'businesses' (import [0-9]" "$T/err" || fail "refusal message: $(cat "$T/err")"
[ "$(dbq 'select count(*) from businesses')" = 988 ] || fail "the refused import changed the table"
# --force imports it again.
"$SHEETLOAD" import "$T/x.xlsx" --db "$DB" --force --quiet >"$T/out" 2>"$T/err"
check_rc 0 $? "--force: $(cat "$T/err")"
[ "$(dbq 'select count(*) from businesses')" = 1976 ] || fail "--force did not import again"
grep -q "988 inserted" "$T/out" || fail "summary: $(cat "$T/out")"

# --dry-run writes nothing (not even the database file), and reports the rejects.
( cd "$T" && "$SHEETLOAD" import x.csv --dry-run --json --rejects dry.csv >out.dry 2>err.dry )
check_rc 0 $? "--dry-run: $(cat "$T/err.dry")"
[ ! -e "$T/businesses.db" ] || fail "--dry-run created businesses.db"
grep -q '"success_count":988' "$T/out.dry" || fail "--dry-run statistics: $(cat "$T/out.dry")"
[ "$(grep -c '^[0-9]' "$T/dry.csv")" = 11 ] || fail "--dry-run rejects file"
dbq "create table untouched (id int)" >/dev/null
before=$(dbq "select count(*) from businesses")
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --dry-run --force --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--dry-run into PostgreSQL: $(cat "$T/err")"
[ "$(dbq 'select count(*) from businesses')" = "$before" ] || fail "--dry-run wrote rows"

# The default target: sqlite:businesses.db in the working directory.
( cd "$T" && DATABASE_URL= "$SHEETLOAD" import x.csv --quiet >out.def 2>err.def )
check_rc 0 $? "default target: $(cat "$T/err.def")"
[ "$(sqlite3 "$T/businesses.db" 'select count(*) from businesses')" = 988 ] || fail "default target rows"
[ -s "$T/x.rejects.csv" ] || fail "default rejects file x.rejects.csv missing"

# --max-errors: a clean stop (exit 1) with exact statistics.
"$SHEETLOAD" import "$T/x.csv" --db "sqlite:$T/m.db" --batch-size 50 --max-errors 3 --json \
  --rejects "$T/mrej.csv" >"$T/out" 2>"$T/err"
check_rc 1 $? "--max-errors"
grep -q "stopped after [0-9]* rejected rows (--max-errors 3)" "$T/err" || fail "--max-errors message: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "sqlite:$T/m.db" "$T/mrej.csv" "$T/out" --partial || fail "after --max-errors"

# Usage errors.
"$SHEETLOAD" import >/dev/null 2>&1; check_rc 2 $? "no file"
"$SHEETLOAD" import "$T/x.csv" --method fast >/dev/null 2>"$T/err"; check_rc 2 $? "bad method"
grep -q "unknown method 'fast'" "$T/err" || fail "bad method message"
"$SHEETLOAD" import "$T/x.csv" --batch-size 0 >/dev/null 2>&1; check_rc 2 $? "batch size 0"
"$SHEETLOAD" import "$T/nope.csv" --db "sqlite:$T/n.db" >/dev/null 2>"$T/err"; check_rc 1 $? "missing file"
grep -q "nope.csv" "$T/err" || fail "missing file message: $(cat "$T/err")"
done_ok
