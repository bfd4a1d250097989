# tests/serve/lib.sh - helpers for the t_serve*.sh tests (sourced after
# tests/lib.sh and, when used, pg_fresh_db).
# Gives: WAIT (seconds to wait for anything; longer under sanitizers),
# serve_start LOG ARGS... (starts 'sheetload serve' on a free loopback port,
# sets SRV_PID and URL; every server started is killed at exit),
# serve_stop (SIGTERM, then the exit code must be 0), req (curl -s with the
# status in $CODE and the body in $BODY), jq_get JSON FILTER, wait_for CMD.
WAIT=60
[ -n "${SL_SANITIZE:-}" ] && WAIT=240
SRV_PIDS=""
eval "set -- $(trap -p EXIT)"
_serve_prev_trap=${3:-}
trap 'for p in $SRV_PIDS; do kill -9 $p 2>/dev/null; done; eval "$_serve_prev_trap"' EXIT

serve_start() { # LOG ARGS...
  local log=$1 i; shift
  "$SHEETLOAD" serve --listen 127.0.0.1:0 "$@" 2>"$log" &
  SRV_PID=$!
  SRV_PIDS="$SRV_PIDS $SRV_PID"
  URL=""
  for ((i = 0; i < WAIT * 10; i++)); do
    URL=$(sed -n -e 's#^sheetload: listening on \(http://[0-9.]*:[0-9]*\)$#\1#p' \
      -e 's#.*"msg":"listening on \(http://[0-9.]*:[0-9]*\)"}$#\1#p' "$log")
    [ -n "$URL" ] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || { cat "$log" >&2; fail "server exited before listening"; }
    sleep 0.1
  done
  fail "server did not print 'listening on' within ${WAIT}s"
}

serve_stop() { # waits for a graceful exit
  kill -TERM "$SRV_PID"
  wait "$SRV_PID"
  local rc=$?
  [ "$rc" -eq 0 ] || fail "server exited $rc after SIGTERM, want 0"
}

# req ARGS... : curl; sets CODE and BODY.
req() {
  local out
  out=$(curl -s -m "$WAIT" -w '\n%{http_code}' "$@")
  CODE=${out##*$'\n'}
  BODY=${out%$'\n'*}
}
expect() { # WANT-CODE WHAT
  [ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, want $1; body: $BODY"
}
# jq_get JSON FILTER: jq -r FILTER of JSON (e.g. ".stats.total_records").
# Without jq (not in scripts/deps.sh), the subset used here, in python3.
if command -v jq >/dev/null; then
  jq_get() { jq -r "$2" <<<"$1"; }
else
  jq_get() {
    python3 - "$1" "$2" <<'PY'
import json, re, sys
v = json.loads(sys.argv[1]); f = sys.argv[2]
m = re.fullmatch(r'\[(.*) \| select\(\.status == "(\w+)"\)\] \| length', f)
if m:
    print(sum(1 for x in v["imports"] if x["status"] == m.group(2))); sys.exit()
cmp = None
if " == " in f:
    f, cmp = f.split(" == ")
for k in re.findall(r'\.(\w+)|\[(\d+)\]', f):
    v = (v.get(k[0]) if isinstance(v, dict) else None) if k[0] else v[int(k[1])]
if cmp is not None:
    print("true" if v == json.loads(cmp) else "false")
elif isinstance(v, bool) or v is None:
    print(json.dumps(v))
else:
    print(v)
PY
  }
fi
# wait_for CMD... : retries CMD every 0.1 s until it succeeds or WAIT passes.
wait_for() {
  local i
  for ((i = 0; i < WAIT * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
