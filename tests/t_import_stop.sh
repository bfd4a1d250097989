#!/usr/bin/env bash
# Stopping and resuming: --timeout and SIGINT stop an import cleanly (exit
# 124 / 130); the table then holds exactly the rows the statistics report
# as inserted; running the same command again resumes from the ledger and
# ends with every good row exactly once. --resume ID, --restart.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
CHECK="python3 $SL_SRC/tests/t_import_check.py"
dbq() { psql "$DB" -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
"$SHEETLOAD" gen --rows 6000 --bad 20 --seed 11 --bad-list "$T/bad.txt" -o "$T/x.csv" >/dev/null || fail gen

# --timeout: a per-row import cannot finish 6000 rows in 0.5 s.
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --method concurrent --batch-size 300 --timeout 0.3s \
  --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err"
check_rc 124 $? "--timeout: $(cat "$T/err")"
grep -q "deadline" "$T/err" || fail "--timeout message: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" --partial || fail "after --timeout"
[ "$(dbq "select status from sheetload_imports")" = cancelled ] || fail "ledger status after --timeout"
# Again, without the deadline: resumed, exact.
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --method copy --batch-size 300 --rejects "$T/rej.csv" \
  --json >"$T/out" 2>"$T/err"
check_rc 0 $? "resume after --timeout: $(cat "$T/err")"
grep -q '"resumed":true' "$T/out" || fail "not resumed: $(cat "$T/out")"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" || fail "after resume"
[ "$(dbq "select status from sheetload_imports")" = completed ] || fail "ledger status after resume"

# SIGINT while a larger import runs: wait for a committed batch in the
# ledger, then interrupt.
dbq "set client_min_messages=warning; drop schema public cascade; create schema public"
"$SHEETLOAD" import "$T/x.csv" --db "$DB" --method sequential --batch-size 100 \
  --rejects "$T/rej.csv" --json >"$T/out" 2>"$T/err" &
pid=$!
for _ in $(seq 1 600); do
  n=$(dbq "select count(*) from sheetload_batches" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 2 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -INT $pid
wait $pid
check_rc 130 $? "SIGINT: $(cat "$T/err")"
grep -q '"cancelled":true' "$T/out" || fail "SIGINT statistics: $(cat "$T/out")"
$CHECK "$T/x.csv" "$T/bad.txt" "$DB" "$T/rej.csv" "$T/out" --partial || fail "after SIGINT"
id=$(dbq "select id from sheetload_imports")
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

# SQLite: a deadline, then the same command again: exact.
S="sqlite:$T/s.db"
"$SHEETLOAD" import "$T/x.csv" --db "$S" --method sequential --batch-size 250 --timeout 0.3s \
  --rejects "$T/srej.csv" --json >"$T/out" 2>"$T/err"
check_rc 124 $? "sqlite --timeout: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "$S" "$T/srej.csv" "$T/out" --partial || fail "sqlite after --timeout"
"$SHEETLOAD" import "$T/x.csv" --db "$S" --method batch --batch-size 250 \
  --rejects "$T/srej.csv" --json >"$T/out" 2>"$T/err"
check_rc 0 $? "sqlite resume: $(cat "$T/err")"
$CHECK "$T/x.csv" "$T/bad.txt" "$S" "$T/srej.csv" "$T/out" || fail "sqlite after resume"
[ "$(sqlite3 "$T/s.db" 'pragma integrity_check')" = ok ] || fail "sqlite integrity"

# --restart abandons an unfinished import (its rows stay) and starts anew.
S2="sqlite:$T/r.db"
"$SHEETLOAD" import "$T/x.csv" --db "$S2" --method sequential --timeout 0.2s --quiet >/dev/null 2>&1
check_rc 124 $? "sqlite --timeout (restart case)"
"$SHEETLOAD" import "$T/x.csv" --db "$S2" --restart --rejects "$T/r.csv" --quiet >/dev/null 2>"$T/err"
check_rc 0 $? "--restart: $(cat "$T/err")"
[ "$(sqlite3 "$T/r.db" "select group_concat(status) from (select status from sheetload_imports order by id)")" = "abandoned,completed" ] ||
  fail "--restart statuses"
done_ok
