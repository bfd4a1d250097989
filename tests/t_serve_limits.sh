#!/usr/bin/env bash
# sheetload serve, issue 11 point 7: one client cannot lock everyone out.
# 64 idle sockets from one address (127.0.0.2) while another client
# (127.0.0.1) gets /health and a 2,000-row upload through; a connection over
# the per-address or the total limit is answered 503 JSON at once; headers
# that never end, a body that stalls and a body that trickles are cut by
# their deadlines (408), and the stalled upload leaves no temp file.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
SOCK="python3 $SL_SRC/tests/serve/sock.py"
"$SHEETLOAD" gen --rows 2000 --seed 7 -o two.csv >/dev/null || fail "gen two.csv"
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }

# hold SRC N: N idle connections from SRC until release; sets HOLD_PID.
hold() {
  local fifo="$T/fifo.$1"
  mkfifo "$fifo"
  $SOCK hold "$1" 127.0.0.1 "$PORT" "$2" "$fifo" >"$T/hold.$1" &
  HOLD_PID=$!
  SRV_PIDS="$SRV_PIDS $HOLD_PID" # killed at exit, whatever happens
  wait_for grep -q '^held' "$T/hold.$1" || fail "could not open $2 connections from $1"
}
release() { echo >"$T/fifo.$1"; }

# Server A: long header deadline, so only the per-address limit protects.
serve_start "$T/logA" --db "$DB" --upload-dir "$T/upA" --header-timeout 60s
PORT=${URL##*:}
hold 127.0.0.2 64
grep -q '^held 64' "$T/hold.127.0.0.2" || fail "hold: $(cat "$T/hold.127.0.0.2")"
req -m 15 "$URL/health"; expect 200 "/health while one address holds 64 sockets"
req -m 30 -X POST "$URL/upload" -F "file=@two.csv"; expect 200 "upload while one address holds 64 sockets"
[ "$(jq_get "$BODY" ".stats.success_count")" = 2000 ] || fail "upload: $BODY"
# The 17th connection of one address is answered 503 JSON and closed.
hold 127.0.0.3 16
out=$($SOCK raw 127.0.0.1 "$PORT" "$(hex $'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')" 2>&1) || fail "raw: $out"
[[ "$out" == "HTTP/1.1 200"* ]] || fail "a first connection from 127.0.0.1 got: $out"
out=$(python3 - "$PORT" <<'PY'
import socket, sys
s = socket.socket(); s.bind(("127.0.0.3", 0)); s.settimeout(20)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
d = b""
while True:
    b = s.recv(4096)
    if not b: break
    d += b
print(d.decode())
PY
) || fail "17th connection: $out"
[[ "$out" == "HTTP/1.1 503"* ]] || fail "17th connection from one address: $out"
echo "$out" | grep -qi '^Connection: close' || fail "503 without Connection: close: $out"
echo "$out" | tail -1 | grep -q '^{"error":"too many connections; retry later"}$' || fail "503 body: $out"
release 127.0.0.3
release 127.0.0.2
grep -q 'over the limit' "$T/logA" || fail "no log line for the refused connection"
serve_stop

# Server B: short deadlines, a small total limit.
serve_start "$T/logB" --db "$DB" --upload-dir "$T/upB" --header-timeout 1s --body-timeout 1s \
  --max-connections 8 --max-connections-per-ip 4
PORT=${URL##*:}
# Headers that never end: 408 (or closed), well before the 60 s idle timeout.
v=$($SOCK stall 127.0.0.1 "$PORT" "$(hex $'GET /health HTTP/1.1\r\nHost: x\r\n')")
[ "$v" = "answered 408" ] || fail "unfinished headers: $v"
# A body that stalls after 1000 of 100000 bytes: dropped, no temp file.
body=$(printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\n\r\n%01000d' 0)
v=$($SOCK stall 127.0.0.1 "$PORT" "$(hex $'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n')$(hex "$body")")
[ "$v" = "answered 408" ] || fail "stalled body: $v"
wait_for bash -c '[ -z "$(find "$0" -type f)" ]' "$T/upB" || fail "temp file left: $(find "$T/upB")"
# A body that trickles a byte every 0.2 s (never idle, never enough).
v=$($SOCK trickle 127.0.0.1 "$PORT" "$(hex $'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n')")
[ "$v" = "answered 408" ] || [ "$v" = closed ] || fail "trickled body: $v"
grep -q 'the request body stalled' "$T/logB" || fail "no log line for the stalled body"
serve_stop

# Server C: the total limit (and a header deadline long enough that the
# idle connections stay): 4 + 4 idle from two addresses fill 8; a third
# address gets 503.
serve_start "$T/logC" --db "$DB" --header-timeout 120s --max-connections 8 \
  --max-connections-per-ip 4
PORT=${URL##*:}
hold 127.0.0.4 4
hold 127.0.0.5 4
req -m 15 "$URL/health"; expect 503 "over --max-connections"
[ "$BODY" = '{"error":"too many connections; retry later"}' ] || fail "503 body: $BODY"
release 127.0.0.4
release 127.0.0.5
serve_stop
done_ok
