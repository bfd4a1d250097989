#!/usr/bin/env bash
# sheetload serve, issue 11 point 1: SIGTERM while synchronous uploads run
# (PostgreSQL). Every import that finishes within the grace must have its
# answer delivered: each round starts a server, sends 6 uploads at once,
# stops the server while they run, and every client must get its 200 with
# the statistics (never an empty reply); the table then holds every row.
# 4 rounds x 6 answers: a loss of 1 in 5 answers is caught with
# probability 1 - 0.8^24 > 99.5%.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
ROUNDS=4
K=6
count() { psql "$DB" -XtAq -c "select count(*) from businesses"; }
for i in $(seq 1 $K); do
  "$SHEETLOAD" gen --rows $((500 + 100 * i)) --seed $((50 + i)) -o "f$i.csv" >/dev/null || fail "gen f$i"
done
"$SHEETLOAD" gen --rows 10 --seed 49 -o warm.csv >/dev/null || fail "gen warm"
want=10
# Some import running (or, on a machine fast enough, all already done).
any_running() {
  req "$URL/imports"
  [ "$(jq_get "$BODY" '[.imports[] | select(.status == "running")] | length')" -gt 0 ] ||
    [ "$(jq_get "$BODY" '[.imports[] | select(.status == "completed")] | length')" -ge $K ]
}
# Every upload of the round is a job of the server (one that reached it
# after SIGTERM is rightly refused with 503, so SIGTERM waits for this).
all_known() {
  req "$URL/imports"
  [ "$(jq_get "$BODY" '.imports | length')" -ge $((K + warm)) ]
}
warm=1
for round in $(seq 1 $ROUNDS); do
  serve_start "$T/log$round" --db "$DB" --max-jobs $K --upload-dir "$T/up" --shutdown-timeout 120s
  if [ "$round" = 1 ]; then
    req -X POST "$URL/upload" -F "file=@warm.csv"; expect 200 "warm-up upload"
  fi
  pids=""
  for i in $(seq 1 $K); do
    curl -s -m "$WAIT" -o "r$round.$i.json" -w '%{http_code}' \
      -X POST "$URL/upload?method=sequential&force=1" -F "file=@f$i.csv" >"r$round.$i.code" 2>"r$round.$i.err" &
    pids="$pids $!"
  done
  wait_for any_running || fail "round $round: no import ran"
  wait_for all_known || fail "round $round: not every upload reached the server"
  warm=0
  kill -TERM "$SRV_PID"
  for p in $pids; do wait "$p"; done
  wait "$SRV_PID"; rc=$?
  [ "$rc" = 0 ] || fail "round $round: server exited $rc after SIGTERM"
  for i in $(seq 1 $K); do
    code=$(cat "r$round.$i.code")
    b=$(cat "r$round.$i.json")
    [ "$code" = 200 ] || fail "round $round upload $i: HTTP $code ($(cat "r$round.$i.err")): $b; log: $(grep -v 'import j' "$T/log$round" | tail -5)"
    [ "$(jq_get "$b" ".message")" = "Import completed successfully" ] || fail "round $round upload $i: $b"
    want=$((want + $(jq_get "$b" ".stats.success_count")))
  done
done
[ "$(count)" = "$want" ] || fail "table holds $(count) rows, want $want"
done_ok
