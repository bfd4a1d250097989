#!/usr/bin/env bash
# sheetload serve, stopping imports: DELETE cancels a running job, a client
# that disconnects from /upload cancels its import, SIGTERM during an import
# stops gracefully (exit 0) and leaves a resumable ledger that a restarted
# server resumes; every stopped import resumes to the exact row count.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
N=8000
"$SHEETLOAD" gen --rows $N --seed 9 -o big.csv >/dev/null || fail "gen big.csv"
"$SHEETLOAD" gen --rows $N --seed 10 -o big2.csv >/dev/null || fail "gen big2.csv"
"$SHEETLOAD" gen --rows $N --seed 11 -o big3.csv >/dev/null || fail "gen big3.csv"
count() { psql "$DB" -XtAq -c "select count(*) from businesses"; }
status_of() { req "$URL/imports/$1"; jq_get "$BODY" ".status"; }
# job ID: GET /imports/ID into BODY (in this shell) and check its status.
job_is() { req "$URL/imports/$1"; expect 200 "GET /imports/$1"; [ "$(jq_get "$BODY" ".status")" = "$2" ]; }
running_with_rows() { # ID: running and some rows done
  req "$URL/imports/$1"
  [ "$(jq_get "$BODY" ".status")" = running ] && [ "$(jq_get "$BODY" ".progress.rows_done")" -gt 0 ]
}
ended() { local s; s=$(status_of "$1"); [ "$s" != running ] && [ "$s" != queued ]; }

serve_start "$T/log" --db "$DB" --upload-dir "$T/up" --shutdown-timeout 0.2s

# 1. DELETE /imports/ID cancels a running job (sequential: one row per
#    statement, slow enough to catch running).
req -X POST "$URL/imports?method=sequential" -F "file=@big.csv"; expect 202 "POST /imports"
id=$(jq_get "$BODY" ".id")
wait_for running_with_rows "$id" || fail "job $id never ran: $BODY"
req -X DELETE "$URL/imports/$id"; expect 202 "DELETE running job"
wait_for ended "$id" || fail "job $id did not stop"
job_is "$id" cancelled || fail "after DELETE: $BODY"
done1=$(jq_get "$BODY" ".stats.success_count")
[ "$(count)" = "$done1" ] || fail "table holds $(count) rows, stats say $done1"
[ "$done1" -lt $N ] || fail "the import finished before the cancel"
st=$(psql "$DB" -XtAq -c "select status from sheetload_imports order by id desc limit 1")
[ "$st" != completed ] || fail "ledger says completed after a cancel"
# The same file again resumes and completes: exactly N rows.
req -X POST "$URL/upload?method=sequential" -F "file=@big.csv"; expect 200 "resume after DELETE"
[ "$(count)" = $N ] || fail "after resume the table holds $(count) rows, want $N"

# 2. A client that disconnects during a synchronous /upload cancels it.
curl -s -m "$WAIT" -o /dev/null -X POST "$URL/upload?method=sequential" -F "file=@big2.csv" &
cpid=$!
newest_running() { req "$URL/imports"; id=$(jq_get "$BODY" ".imports[0].id"); running_with_rows "$id"; }
wait_for newest_running || fail "the synchronous upload never ran"
kill "$cpid"; wait "$cpid" 2>/dev/null
wait_for ended "$id" || fail "import $id went on after its client left"
job_is "$id" cancelled || fail "after disconnect: $BODY"
grep -q "import $id: the client disconnected" log || fail "no log line for the disconnect"
part2=$(jq_get "$BODY" ".stats.success_count")
[ "$(count)" = $((N + part2)) ] || fail "table holds $(count) rows, want $N + $part2"

# 3. SIGTERM during an import: exit 0 after the grace, ledger resumable.
req -X POST "$URL/imports?method=sequential" -F "file=@big3.csv"; expect 202 "POST /imports big3"
id=$(jq_get "$BODY" ".id")
wait_for running_with_rows "$id" || fail "job $id never ran"
serve_stop
grep -q "cancelling 1 running import" log || fail "no log line for the cancel at shutdown"
st=$(psql "$DB" -XtAq -c "select status from sheetload_imports order by id desc limit 1")
[ "$st" != completed ] || fail "ledger says completed after SIGTERM"
[ -z "$(ls -A up)" ] || fail "files left in the upload dir: $(ls -A up)"
# A new server knows the stopped import from the ledger, and the same file
# again resumes it.
lid=$(psql "$DB" -XtAq -c "select max(id) from sheetload_imports")
serve_start "$T/log2" --db "$DB" --upload-dir "$T/up"
req "$URL/imports/$lid"; expect 200 "GET /imports/$lid after restart"
[ "$(jq_get "$BODY" ".status")" = "$st" ] || fail "ledger view after restart: $BODY"
[ "$(jq_get "$BODY" ".progress.rows_done")" -gt 0 ] || fail "ledger view without progress: $BODY"
req -X POST "$URL/upload?method=sequential" -F "file=@big3.csv"; expect 200 "upload after restart"
r=$(jq_get "$BODY" ".stats.resumed")
[ "$r" = true ] || [ "$r" = 1 ] || fail "the upload after SIGTERM did not resume: $BODY"
[ "$(jq_get "$BODY" ".stats.total_records")" = $N ] || fail "resumed import does not cover the file: $BODY"
# big2 was cancelled and not resumed: the table holds N (big) + what big2
# committed + N (big3), each row once.
[ "$(count)" = $((2 * N + part2)) ] || fail "table holds $(count) rows, want $((2 * N + part2))"
serve_stop
done_ok
