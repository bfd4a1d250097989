#!/usr/bin/env bash
# sheetload serve against careless and hostile clients (issue 11), on
# PostgreSQL: requests curl cannot make come from raw sockets (python3).
#   point 5: every request is answered; invalid UTF-8 in a path or query
#            gets 400/404 JSON (valid UTF-8).
#   point 9: JSON numbers without binary noise, 401 with WWW-Authenticate,
#            ?method= empty is 400.
#   point 2: a file name that is not UTF-8, or too long, is made valid
#            UTF-8 and cut on a character boundary; the import succeeds.
#   point 3: an urlencoded body or a 'file' text field is "No file uploaded";
#            text named .xlsx/.xls is "Only Excel files allowed".
#   point 4: a multipart body without its closing boundary is 400 and
#            imports nothing.
#   point 6: answers name the client's file, never a server path or the
#            database target; a 500/503 of the server carries a request id
#            that finds the log line.
#   point 8: --max-rows for serve (422) and import (exit 1): the import
#            stops cleanly with an error that says so.
#   point 10: GET /metrics in the Prometheus text format with the counts of
#            what happened; --log-format json: one JSON object per line.
set -u
. "$SL_SRC/tests/lib.sh"
pg_fresh_db
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
SOCK="python3 $SL_SRC/tests/serve/sock.py"
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
# raw REQUEST-HEX: sends it, sets CODE and BODY (the last line) and ANS.
# raw HEX [MODE]: MODE rawopen keeps the sending side open (sock.py).
raw() {
  ANS=$($SOCK "${2:-raw}" 127.0.0.1 "$PORT" "$1" | tr -d '\r')
  CODE=$(printf '%s' "$ANS" | head -1 | cut -d' ' -f2)
  BODY=$(printf '%s' "$ANS" | tail -1)
}
# valid_json: BODY is a JSON object with an "error" (and is valid UTF-8).
valid_json() { python3 -c 'import json,sys; o=json.loads(sys.stdin.buffer.read().decode("utf-8")); assert "error" in o' <<<"$BODY"; }
"$SHEETLOAD" gen --rows 300 --seed 5 -o some.csv >/dev/null || fail "gen some.csv"

serve_start "$T/log" --db "$DB" --upload-dir "$T/up" --max-rows 5500
PORT=${URL##*:}

# --- point 5: every request answered, invalid UTF-8 in path or query.
raw "$(hex 'GET /')ff$(hex $' HTTP/1.1\r\nHost: x\r\n\r\n')"
[ "$CODE" = 404 ] || fail "GET /\\xff: '$ANS'"
valid_json || fail "GET /\\xff body is not JSON: $BODY"
raw "$(hex 'GET /imports/')c3$(hex $' HTTP/1.1\r\nHost: x\r\n\r\n')"
[ "$CODE" = 404 ] || fail "GET /imports/\\xc3: '$ANS'"
valid_json || fail "GET /imports/\\xc3 body: $BODY"
req "$URL/imports/%ff%fe"; expect 404 "GET /imports/%ff%fe"
valid_json || fail "%ff body: $BODY"
req "$URL/%C0%AF..%2f..%2fetc"; expect 404 "overlong and encoded slash"
valid_json || fail "overlong body: $BODY"
req -X POST "$URL/upload?method=%ff" -F "file=@some.csv"; expect 400 "?method=%ff"
valid_json || fail "?method=%ff body: $BODY"
raw "$(hex 'GET /health?x=')fe$(hex $' HTTP/1.1\r\nHost: x\r\n\r\n')"
[ "$CODE" = 200 ] || fail "GET /health?x=\\xfe: '$ANS'"
raw "$(hex 'GET /he')01$(hex $'alth HTTP/1.1\r\nHost: x\r\n\r\n')"
[ -n "$CODE" ] || fail "control byte in the path: no answer"
# Headers past libmicrohttpd's 256 KiB buffer: its own 431, still an answer.
ANS=$(python3 -c 'print(("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a" * 300000 + "\r\n\r\n").encode().hex(), end="")' |
  $SOCK raw 127.0.0.1 "$PORT" - | tr -d '\r')
CODE=$(printf '%s' "$ANS" | head -1 | cut -d' ' -f2)
[ "$CODE" = 431 ] || fail "300 KB of headers: '$(printf '%s' "$ANS" | head -3)'"
grep -q $'\xff' log && fail "raw invalid bytes in the log"
grep -q 'GET /\\ufffd\|GET /�' log || fail "no log line for GET /\\xff: $(grep GET log | head -3)"

# --- point 9: numbers, 401, empty ?method=.
req -X POST "$URL/upload?method=batch" -F "file=@some.csv"; expect 200 "upload"
echo "$BODY" | grep -Eq '"records_per_second":[0-9]+(\.[0-9])?[,}]' ||
  fail "records_per_second with noise: $BODY"
echo "$BODY" | grep -Eq '"duration_ms":[0-9]+(\.[0-9]{1,3})?[,}]' || fail "duration_ms with noise: $BODY"
req -X POST "$URL/upload?method=" -F "file=@some.csv"; expect 400 "?method= (empty)"
[ "$BODY" = '{"error":"Invalid method. Use: sequential, concurrent, batch, or copy"}' ] || fail "empty method: $BODY"

# --- point 2: the client's file name.
count() { psql "$DB" -XtAq -c "select count(*) from businesses"; }
"$SHEETLOAD" gen --rows 20 --seed 31 -o n1.csv >/dev/null || fail "gen n1"
"$SHEETLOAD" gen --rows 21 --seed 32 -o n2.csv >/dev/null || fail "gen n2"
req -X POST "$URL/imports" -F "file=@n1.csv;filename=$(printf 'caf\xe9.csv')"; expect 202 "Latin-1 file name"
id=$(jq_get "$BODY" ".id")
ended() { req "$URL/imports/$id"; s=$(jq_get "$BODY" ".status"); [ "$s" != queued ] && [ "$s" != running ]; }
wait_for ended || fail "job $id did not end"
[ "$(jq_get "$BODY" ".status")" = completed ] || fail "Latin-1 name: $BODY"
[ "$(jq_get "$BODY" ".file")" = "caf"$'\xef\xbf\xbd'".csv" ] || fail "Latin-1 name shown as: $(jq_get "$BODY" ".file")"
long=$(python3 -c 'print("\u00e9" * 300 + ".csv", end="")')
req -X POST "$URL/upload" -F "file=@n2.csv;filename=$long"; expect 200 "600-byte UTF-8 name"
name=$(jq_get "$BODY" ".stats.file")
python3 -c 'import sys; b=sys.argv[1].encode("utf-8","strict"); assert 0 < len(b) <= 255 and set(sys.argv[1]) == {"\u00e9"}, len(b)' "$name" ||
  fail "long name not cut on a character boundary: $name"
[ "$(psql "$DB" -XtAq -c "select count(*) from sheetload_imports where file_name like 'caf%'")" = 1 ] ||
  fail "the ledger has no row for the Latin-1 name"

# --- point 3 (what is not an uploaded file).
before=$(count)
req -X POST "$URL/upload" --data "file=abc"; expect 400 "urlencoded file=abc"
[ "$BODY" = '{"error":"No file uploaded"}' ] || fail "urlencoded: $BODY"
req -X POST "$URL/upload" -F "file=xyz123"; expect 400 "a text field named file"
[ "$BODY" = '{"error":"No file uploaded"}' ] || fail "text field: $BODY"

printf 'just text' >evil.xlsx
req -X POST "$URL/upload" -F "file=@evil.xlsx"; expect 400 "text named .xlsx"
[ "$(jq_get "$BODY" ".error")" = "Only Excel files allowed" ] || fail "text named .xlsx: $BODY"
req -X POST "$URL/upload" -F "file=@some.csv;filename=Report.XLS"; expect 400 "CSV named .XLS"
[ "$(count)" = "$before" ] || fail "a refused upload changed the table"

# --- point 4: a multipart body cut before its closing boundary.
"$SHEETLOAD" gen --rows 5 --seed 33 -o cut.csv >/dev/null || fail "gen cut"
printf 'Test Biz,Café,+27 11 555 0101,info@testbiz.co.za,1 Main Rd,Johannesburg,South Africa,https://testbiz.co.za,Johannesburg-Northcliff-Extension' >>cut.csv
part=$(printf -- '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n'; cat cut.csv)
len=$(printf '%s' "$part" | wc -c)
raw "$(hex $'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: '"$len"$'\r\n\r\n')$(hex "$part")"
[ "$CODE" = 400 ] || fail "truncated multipart: '$ANS'"
[[ "$BODY" == *'"the upload is incomplete'* ]] || fail "truncated multipart body: $BODY"
[ "$(count)" = "$before" ] || fail "a refused upload changed the table: $(count), was $before"
# The same body with its closing boundary (and no CRLF after it) is whole.
# The client keeps its side open while it waits: a half-close would be taken
# as a client gone and cancel the import whenever it outlasts the first check.
part="$part"$'\r\n--XyZ--'
len=$(printf '%s' "$part" | wc -c)
raw "$(hex $'POST /upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: '"$len"$'\r\n\r\n')$(hex "$part")" rawopen
[ "$CODE" = 200 ] || fail "complete multipart: '$ANS'"
[ "$(jq_get "$BODY" ".stats.total_records")" = 6 ] || fail "complete multipart: $BODY"
[ "$(psql "$DB" -XtAq -c "select count(*) from businesses where description = 'Johannesburg-Northcliff-Extension'")" = 1 ] ||
  fail "the last value was not stored whole: $BODY"
wait_for bash -c '[ -z "$(find "$0" -name upload)" ]' "$T/up" || fail "temp file left: $(find "$T/up")"

# --- point 10: /metrics.
curl -s -D mhdr -o metrics "$URL/metrics" || fail "GET /metrics"
grep -q '^HTTP/1.1 200' mhdr || fail "/metrics: $(head -1 mhdr)"
grep -qi '^Content-Type: text/plain; version=0.0.4' mhdr || fail "/metrics type: $(cat mhdr)"
bad=$(grep -v '^#' metrics | grep -Ev '^[a-z_]+(\{[a-z]+="[^"]*"\})? [0-9]+(\.[0-9]+)?$')
[ -z "$bad" ] || fail "lines not in the text format: $bad"
metric() { awk -v k="$1" '$1 == k { print $2 }' metrics; }
[ "$(metric 'sheetload_uploads_total{status="200"}')" = 3 ] || fail "uploads 200: $(grep uploads metrics)"
[ "$(metric 'sheetload_uploads_total{status="202"}')" = 1 ] || fail "uploads 202: $(grep uploads metrics)"
[ "$(metric 'sheetload_uploads_total{status="400"}')" = 7 ] || fail "uploads 400: $(grep uploads metrics)"
[ "$(metric 'sheetload_imports_total{state="completed"}')" = 4 ] || fail "imports: $(grep imports_total metrics)"
[ "$(metric sheetload_rows_inserted_total)" = 347 ] || fail "rows inserted: $(grep rows_ metrics)"
[ "$(metric sheetload_rows_rejected_total)" = 0 ] || fail "rows rejected: $(grep rows_ metrics)"
[ "$(metric sheetload_import_duration_seconds_count)" = 4 ] || fail "histogram count: $(grep duration metrics)"
[ "$(metric 'sheetload_import_duration_seconds_bucket{le="+Inf"}')" = 4 ] || fail "histogram +Inf"
[ "$(metric sheetload_jobs_queued)" = 0 ] && [ "$(metric sheetload_jobs_running)" = 0 ] || fail "jobs gauges"
[ "$(metric sheetload_http_connections)" -ge 1 ] || fail "connections gauge: $(grep connections metrics)"
size=$(stat -c %s some.csv)
[ "$(metric sheetload_http_received_bytes_total)" -ge "$size" ] || fail "bytes received: $(grep bytes metrics)"

# --- point 8: the format's own limits (1,048,576 rows, 16,384 columns).
python3 - <<'PY' || fail "make the xlsx files"
import zipfile
def book(path, rows):
    z = zipfile.ZipFile(path, "w")
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows + '</sheetData></worksheet>')
    z.close()
def c(ref, v):
    return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, v)
head = '<row r="1">' + c("A1", "name") + c("B1", "category") + '</row><row r="2">' + c("A2", "Alpha") + c("B2", "Shop") + '</row>'
book("rows.xlsx", head + '<row r="1048577">' + c("A1048577", "Beyond") + c("B1048577", "Shop") + '</row>')
book("cols.xlsx", head + '<row r="3">' + c("A3", "Wide") + c("XFE3", "x") + '</row>')
PY
req -X POST "$URL/upload" -F "file=@rows.xlsx"; expect 422 "a row past 1,048,576"
[[ "$(jq_get "$BODY" ".error")" == *"passes row 1,048,576"* ]] || fail "row past the limit: $BODY"
req -X POST "$URL/upload" -F "file=@cols.xlsx"; expect 422 "a column past XFD"
[[ "$(jq_get "$BODY" ".error")" == *"passes column XFD"* ]] || fail "column past the limit: $BODY"

# --- point 6: nothing of the server in answers.
no_server() { # WHAT: BODY names no server path and no target
  case "$BODY" in
    *"$T/up"* | *sheetload-uploads* | *'"target"'* | *'"rejects_file"'* | *postgres* | *127.0.0.1*)
      fail "$1 shows server internals: $BODY" ;;
  esac
}
# (past the first batch of 5000 rows, so that the ledger knows the import)
"$SHEETLOAD" gen --rows 5100 --seed 36 -o q.csv >/dev/null || fail "gen q"
printf 'A,B,1,a@b.c,x,y,z,http://a.b,"open\n' >>q.csv
req -X POST "$URL/upload" -F "file=@q.csv;filename=mine.csv"; expect 422 "unterminated quote"
no_server "422"
[[ "$(jq_get "$BODY" ".error")" == "'mine.csv', row 5102"* ]] || fail "422 does not name the client's file: $BODY"
id=$(jq_get "$BODY" ".id"); lid=$(jq_get "$BODY" ".stats.import_id")
req "$URL/imports/$id"; expect 200 "failed job"; no_server "GET /imports/ID"
[ "$lid" -gt 0 ] || fail "no import_id: $BODY"
req "$URL/imports/$lid"; expect 200 "ledger view"; no_server "GET /imports/N"
"$SHEETLOAD" gen --rows 40 --bad 3 --seed 34 -o rj.csv >/dev/null || fail "gen rj"
req -X POST "$URL/upload" -F "file=@rj.csv"; expect 200 "upload with rejects"
[ "$(jq_get "$BODY" ".stats.error_count")" -gt 0 ] || fail "no rejects: $BODY"
no_server "200 with rejects"
req "$URL/imports"; no_server "GET /imports"

# --- point 8: --max-rows.
"$SHEETLOAD" gen --rows 5501 --seed 35 -o many.csv >/dev/null || fail "gen many"
before=$(count)
req -X POST "$URL/upload" -F "file=@many.csv"; expect 422 "over --max-rows"
[[ "$(jq_get "$BODY" ".error")" == *"more than 5500 data rows (--max-rows 5500)"* ]] || fail "--max-rows: $BODY"
[ "$(count)" = $((before + $(jq_get "$BODY" ".stats.success_count"))) ] || fail "stats and table disagree: $BODY"
"$SHEETLOAD" import many.csv --db "$DB" --max-rows 5500 --force >out 2>err; check_rc 1 $? "import --max-rows"
grep -q 'more than 5500 data rows (--max-rows 5500)' err || fail "import --max-rows: $(cat err)"
"$SHEETLOAD" import many.csv --db "$DB" --max-rows 5501 --force >out 2>err; check_rc 0 $? "import --max-rows 5501"
serve_stop

serve_start "$T/log3" --db "postgresql://sl@127.0.0.1:1/nodb?connect_timeout=2"
req "$URL/health"; expect 503 "health, database down"; no_server "503 health"
rid=$(jq_get "$BODY" ".request_id")
grep -q "request $rid: .*127.0.0.1" "$T/log3" || fail "no log line for request $rid"
req -X POST "$URL/upload" -F "file=@some.csv"; expect 503 "upload, database down"; no_server "503 upload"
rid=$(jq_get "$BODY" ".request_id")
[ -n "$rid" ] && grep -q "request $rid: POST /upload: 503: .*127.0.0.1" "$T/log3" || fail "no log line for request $rid: $BODY"
serve_stop

# --- points 9 and 10: 401 with WWW-Authenticate; JSON log lines.
SHEETLOAD_TOKEN=tok serve_start "$T/log2" --db "$DB" --log-format json
PORT=${URL##*:}
curl -s -D hdr -o /dev/null "$URL/imports" || fail "curl"
grep -q '^HTTP/1.1 401' hdr || fail "no 401: $(head -1 hdr)"
grep -qi '^WWW-Authenticate: Bearer' hdr || fail "401 without WWW-Authenticate: $(cat hdr)"
req -H "Authorization: Bearer tok" -X POST "$URL/upload?method=copy&force=1" -F "file=@some.csv"
expect 200 "upload with the token"
raw "$(hex 'GET /')ff$(hex $' HTTP/1.1\r\nHost: x\r\n\r\n')"
serve_stop
python3 - "$T/log2" <<'PY' || fail "JSON log: $(cat "$T/log2")"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
objs = [json.loads(l) for l in lines]          # every line is one object
for o in objs:
    assert "time" in o and "level" in o, o
reqs = [o for o in objs if o.get("event") == "request"]
up = [o for o in reqs if o["path"] == "/upload"]
assert up and up[0]["status"] == 200 and up[0]["method"] == "POST", up
for k in ("request_id", "bytes", "ms"):
    assert k in up[0], (k, up[0])
assert up[0]["import_id"], up[0]
assert any(o["status"] == 401 for o in reqs), reqs
assert any(o["status"] == 404 and o["path"].startswith("/") for o in reqs), reqs
imp = [o for o in objs if o.get("event") == "import"]
assert imp and imp[-1]["state"] == "completed" and imp[-1]["inserted"] == 300, imp
assert imp[-1]["id"] == up[0]["import_id"], (imp, up)
assert any(o.get("msg", "").startswith("listening on") for o in objs)
PY
done_ok
