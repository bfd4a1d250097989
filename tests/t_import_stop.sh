#!/usr/bin/env bash
# Stopping and resuming: --timeout, SIGINT and --max-errors stop an import
# cleanly (exit 124 / 130 / 1) in the middle, whatever the machine's speed
# (a trigger holds rows back in PostgreSQL; one writer and the third bad
# row in SQLite); the table then holds exactly the rows the statistics
# report as inserted; running the same command again resumes from the
# ledger and ends with every good row exactly once. --resume ID, --restart.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
CHECK="python3 $SL_SRC/tests/t_import_check.py"
dbq() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
"$SHEETLOAD" gen --rows 6000 --bad 20 --seed 11 --bad-list "$T/bad.txt" -o "$T/x.csv" >/dev/null || fail gen

good=$((6000 - $(grep -c '^[0-9]' "$T/bad.txt")))
# some_not_all COUNT WHAT: a stop in the middle left some rows, not all.
some_not_all() { [ "$1" -gt 0 ] && [ "$1" -lt $good ] || fail "$2 left $1 rows; want some, not all $good"; }

# A gate that makes the stop land mid-import whatever the machine's speed:
# once 300 rows are visible to a writer, every further row waits in the
# database until the import cancels its statement. With batches of 100
# rows, a writer that waits sees at least 200 committed rows. The table and
# the ledger are made first by importing the header alone.
head -1 "$T/x.csv" >"$T/h.csv"
"$SHEETLOAD" import "$T/h.csv" --db "$DB" --quiet >/dev/null 2>"$T/err" || fail "header-only import: $(cat "$T/err")"
gate_on() {
  dbq "CREATE OR REPLACE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS \$\$
       BEGIN IF (SELECT count(*) FROM businesses) >= 300 THEN PERFORM pg_sleep(600); END IF;
       RETURN NEW; END \$\$;
       CREATE TRIGGER gate BEFORE INSERT ON businesses FOR EACH ROW EXECUTE FUNCTION gate()"
}
gate_off() { dbq "DROP TRIGGER gate ON businesses"; }
last_status() { dbq "select status from sheetload_imports order by id desc limit 1"; }

# --timeout: the deadline stops the import at the gate at the latest.
# (A stop that cannot interrupt the waiting statement would hang: kill it
# after a minute.)
gate_on
timeout -s KILL 60 "$SHEETLOAD" import "$T/x.csv" --db "$DB" --method concurrent --batch-size 100 --timeout 1s \
  --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err"
check_rc 124 $? "--timeout: $(cat "$T/err")"
grep -q "deadline" "$T/err" || fail "--timeout message: $(cat "$T/err")"
rows=$(dbq "select count(*) from businesses")
[ "$rows" -lt $good ] || fail "--timeout left all $rows rows"
echo "--timeout stopped with $rows of $good rows in"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" --partial || fail "after --timeout"
[ "$(last_status)" = cancelled ] || fail "ledger status after --timeout"
gate_off
# Again, without the deadline: resumed, exact.
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --method copy --batch-size 300 --rejects "$T/rej.csv" \
  --json >"$T/out" 2>"$T/err"
check_rc 0 $? "resume after --timeout: $(cat "$T/err")"
grep -q '"resumed":true' "$T/out" || fail "not resumed: $(cat "$T/out")"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" || fail "after resume"
[ "$(last_status)" = completed ] || fail "ledger status after resume"

# SIGINT in the middle: wait until rows are in (the gate holds the rest
# back), then interrupt.
dbq "TRUNCATE businesses; TRUNCATE sheetload_batches; DELETE FROM sheetload_imports WHERE status <> 'completed' OR id > 1"
gate_on
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --method sequential --batch-size 100 \
  --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err" &
pid=$!
n=0
for _ in $(seq 1 2400); do
  n=$(dbq "select count(*) from businesses")
  [ "$n" -gt 0 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
[ "$n" -gt 0 ] || { kill $pid; fail "no row ever committed: $(cat "$T/err")"; }
kill -INT $pid
wait $pid
check_rc 130 $? "SIGINT: $(cat "$T/err")"
grep -q '"cancelled":true' "$T/out" || fail "SIGINT statistics: $(cat "$T/out")"
some_not_all "$(dbq "select count(*) from businesses")" SIGINT
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" --partial || fail "after SIGINT"
gate_off
id=$(dbq "select id from sheetload_imports order by id desc limit 1")
# --resume ID, with another method: exact.
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --resume "$id" --method batch --rejects "$T/rej.csv" \
  --json >"$T/out" 2>"$T/err"
check_rc 0 $? "--resume $id: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" || fail "after --resume"
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --resume "$id" >/dev/null 2>"$T/err"
check_rc 3 $? "--resume of a completed import"
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --resume 999 >/dev/null 2>"$T/err"
check_rc 1 $? "--resume of an unknown import"
grep -q "no import 999" "$T/err" || fail "message: $(cat "$T/err")"

# SQLite: --max-errors stops the import at the third bad row (rows are
# written in order by one writer: some rows are in, not all), then the same
# command without it resumes and ends exact.
S="sqlite:$T/s.db"
"$SHEETLOAD" import "$T/x.csv" --db "$S" --method sequential --batch-size 250 --max-errors 3 \
  --rejects "$T/srej.csv" --json >"$T/out" 2>"$T/err"
check_rc 1 $? "sqlite --max-errors: $(cat "$T/err")"
grep -q "stopped after 3 rejected rows" "$T/err" || fail "--max-errors message: $(cat "$T/err")"
some_not_all "$(sqlite3 "$T/s.db" "select count(*) from businesses")" "sqlite --max-errors"
$CHECK "$T/x.csv" "$T/bad.txt" "$S" "$T/srej.csv" "$T/out" --partial || fail "sqlite after --max-errors"
[ "$(sqlite3 "$T/s.db" "select status from sheetload_imports")" = cancelled ] || fail "sqlite ledger status"
"$SHEETLOAD" import "$T/x.csv" --db "$S" --method batch --batch-size 250 \
  --rejects "$T/srej.csv" --json >"$T/out" 2>"$T/err"
check_rc 0 $? "sqlite resume: $(cat "$T/err")"
grep -q '"resumed":true' "$T/out" || fail "sqlite not resumed: $(cat "$T/out")"
$CHECK "$T/x.csv" "$T/bad.txt" "$S" "$T/srej.csv" "$T/out" || fail "sqlite after resume"
[ "$(sqlite3 "$T/s.db" 'pragma integrity_check')" = ok ] || fail "sqlite integrity"

# A resume given a smaller --batch-size than the ledger's: the reader reads
# ahead in blocks of 50 while the ledger is asked, then cuts them again by
# the ledger's 2000 (batches are cut by position): exact.
S3="sqlite:$T/b.db"
"$SHEETLOAD" import "$T/x.csv" --db "$S3" --method sequential --batch-size 2000 --max-errors 3 \
  --rejects "$T/brej.csv" --quiet >/dev/null 2>&1
check_rc 1 $? "sqlite --max-errors (batch size case)"
"$SHEETLOAD" import "$T/x.csv" --db "$S3" --batch-size 50 --rejects "$T/brej.csv" --json \
  >"$T/out" 2>"$T/err"
check_rc 0 $? "resume with another batch size: $(cat "$T/err")"
grep -q "with its batch size 2000 (not 50)" "$T/err" || fail "no batch size warning: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "$S3" "$T/brej.csv" "$T/out" || fail "after a resume with another batch size"
[ "$(sqlite3 "$T/b.db" "select count(*) || ' ' || max(rows_total) from sheetload_batches")" = "3 2000" ] ||
  fail "ledger batches after the resume: $(sqlite3 "$T/b.db" "select batch_no, rows_total from sheetload_batches")"

# --restart abandons an unfinished import (its rows stay) and starts anew.
S2="sqlite:$T/r.db"
"$SHEETLOAD" import "$T/x.csv" --db "$S2" --method sequential --max-errors 1 --quiet >/dev/null 2>&1
check_rc 1 $? "sqlite --max-errors (restart case)"
"$SHEETLOAD" import "$T/x.csv" --db "$S2" --restart --rejects "$T/r.csv" --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--restart: $(cat "$T/err")"
[ "$(sqlite3 "$T/r.db" "select group_concat(status) from (select status from sheetload_imports order by id)")" = "abandoned,completed" ] ||
  fail "--restart statuses"
done_ok
