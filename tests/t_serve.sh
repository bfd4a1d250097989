#!/usr/bin/env bash
# sheetload serve against SQLite: the tutorial's routes and every error code,
# safety (traversal names, private dir, upload limit while streaming,
# token), jobs and their rejects, request logs, graceful stop.
set -u
. "$SL_SRC/tests/lib.sh"
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
mkdir -p up cwd/a/b
DBF="$T/t.db"

"$SHEETLOAD" gen --rows 50 --seed 1 -o sample_data.xlsx >/dev/null || fail "gen sample_data.xlsx"
"$SHEETLOAD" gen --rows 200 --bad 7 --seed 2 --bad-list bad.txt -o bad.csv >/dev/null || fail "gen bad.csv"
"$SHEETLOAD" gen --rows 30 --seed 3 -o small.csv >/dev/null || fail "gen small.csv"
"$SHEETLOAD" gen --rows 3000 --seed 4 -o big.csv >/dev/null || fail "gen big.csv"
cd cwd/a/b || fail "cd"
serve_start "$T/log" --db "sqlite:$DBF" --upload-dir "$T/up" --max-upload 100KB
cd "$T" || fail "cd"
PORT=${URL##*:}

# The private upload directory.
[ "$(stat -c %a up)" = 700 ] || fail "upload dir mode $(stat -c %a up), want 700"

# GET /health
req "$URL/health"; expect 200 "health"
[ "$(jq_get "$BODY" ".status")" = healthy ] && [ -n "$(jq_get "$BODY" ".node")" ] ||
  fail "health body (status healthy and the node's name): $BODY"

# The tutorial's exact command.
out=$(curl -s -X POST "http://localhost:$PORT/upload?method=batch" -F "file=@sample_data.xlsx") || fail "tutorial curl"
[ "$(jq_get "$out" ".message")" = "Import completed successfully" ] || fail "tutorial upload: $out"
[ "$(jq_get "$out" ".method")" = batch ] || fail "method: $out"
[ "$(jq_get "$out" ".stats.total_records")" = 50 ] || fail "total_records: $out"
[ "$(jq_get "$out" ".stats.success_count")" = 50 ] || fail "success_count: $out"
[ "$(sqlite3 "$DBF" 'select count(*) from businesses')" = 50 ] || fail "table does not hold 50 rows"

# The same file again: refused by the importer's ledger (409), unless forced.
req -X POST "$URL/upload?method=batch" -F "file=@sample_data.xlsx"; expect 409 "re-upload"
echo "$BODY" | grep -q '"error"' || fail "409 without error: $BODY"
req -X POST "$URL/upload?method=batch&force=1" -F "file=@sample_data.xlsx"; expect 200 "forced re-upload"
[ "$(sqlite3 "$DBF" 'select count(*) from businesses')" = 100 ] || fail "forced re-upload did not add 50 rows"

# Every method name, and 'copy'.
seed=20
for m in sequential concurrent copy; do
  seed=$((seed + 1))
  "$SHEETLOAD" gen --rows 20 --seed $seed -o "m_$m.csv" >/dev/null || fail "gen m_$m.csv"
  req -X POST "$URL/upload?method=$m" -F "file=@m_$m.csv"; expect 200 "method $m"
  [ "$(jq_get "$BODY" ".method")" = "$m" ] || fail "method $m echoed as: $BODY"
done

# 400s
req -X POST "$URL/upload"; expect 400 "no body"
[ "$BODY" = '{"error":"No file uploaded"}' ] || fail "no file body: $BODY"
req -X POST "$URL/upload" -F "other=1"; expect 400 "form without file"
[ "$BODY" = '{"error":"No file uploaded"}' ] || fail "no file body: $BODY"
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n' >doc.xlsx
req -X POST "$URL/upload" -F "file=@doc.xlsx"; expect 400 "pdf"
[ "$(jq_get "$BODY" .error)" = "Only Excel files allowed" ] || fail "pdf body: $BODY"
jq_get "$BODY" .detail | grep -q "^'doc.xlsx' is a PDF document" || fail "pdf detail: $BODY"
# One sniffer for the CLI and the server (read/sniff.c): a CSV with a form
# feed is text for both; an empty zip is refused by both; a name that
# claims a workbook must hold one, and the answer names the client's file.
printf 'name,city\nAcme,Par\fis\n' >ff.csv
req -X POST "$URL/upload" -F "file=@ff.csv"; expect 200 "a CSV with a form feed"
"$SHEETLOAD" import ff.csv --db "sqlite:$T/ff.db" --quiet >/dev/null 2>&1 || fail "import of a CSV with a form feed"
printf 'PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >empty.xlsx
req -X POST "$URL/upload" -F "file=@empty.xlsx"; expect 400 "an empty zip"
jq_get "$BODY" .detail | grep -q "empty zip" || fail "empty zip detail: $BODY"
"$SHEETLOAD" import empty.xlsx --db "sqlite:$T/e.db" >/dev/null 2>"$T/cli.err"; check_rc 1 $? "import of an empty zip"
grep -q "empty zip" "$T/cli.err" || fail "import of an empty zip: $(cat "$T/cli.err")"
cp small.csv prices.xlsx
req -X POST "$URL/upload" -F "file=@prices.xlsx"; expect 400 "CSV named .xlsx"
jq_get "$BODY" .detail | grep -q "^'prices.xlsx' is text, not a workbook" || fail "CSV named .xlsx: $BODY"
"$SHEETLOAD" import prices.xlsx --db "sqlite:$T/p.db" >/dev/null 2>"$T/cli.err"; check_rc 1 $? "import of a CSV named .xlsx"
grep -q "prices.xlsx.*not a workbook" "$T/cli.err" || fail "import of a CSV named .xlsx: $(cat "$T/cli.err")"
head -c 3000 /dev/urandom | tr -d 'P' >junk.xlsx
req -X POST "$URL/upload" -F "file=@junk.xlsx"; expect 400 "random bytes"
req -X POST "$URL/upload?method=fast" -F "file=@small.csv"; expect 400 "bad method"
[ "$BODY" = '{"error":"Invalid method. Use: sequential, concurrent, batch, or copy"}' ] || fail "method body: $BODY"

# 422: a zip that is not a workbook; an empty file.
python3 -c 'import zipfile; z=zipfile.ZipFile("notbook.xlsx","w"); z.writestr("hello.txt","hi"); z.close()' || fail "zip"
req -X POST "$URL/upload" -F "file=@notbook.xlsx"; expect 422 "zip without a workbook"
echo "$BODY" | grep -q '"error"' || fail "422 without error: $BODY"
: >empty.csv
req -X POST "$URL/upload" -F "file=@empty.csv"; expect 422 "empty file"

# 404, 405
req "$URL/nope"; expect 404 "unknown route"
req "$URL/imports/doesnotexist"; expect 404 "unknown job"
req -X PUT "$URL/upload"; expect 405 "PUT /upload"
req -X DELETE "$URL/health"; expect 405 "DELETE /health"

# 413: by Content-Length before the body is read, and while streaming a
# chunked body (no Content-Length); neither leaves a file behind.
# (curl asks "Expect: 100-continue" and sends the body only after the
# server's answer or its timeout, 1 s by default: under TSan the 413 could
# come later, curl then sent the body into a closed connection and saw a
# reset, HTTP 000. It waits for the answer now, however slow the server.)
req -X POST "$URL/upload" --expect100-timeout 120 -F "file=@big.csv"; expect 413 "over the limit"
req -X POST "$URL/upload" -H "Transfer-Encoding: chunked" -F "file=@big.csv"; expect 413 "over the limit, chunked"
grep -q "POST /upload 413" log || fail "no log line for the 413"

# A traversal file name lands only in the private dir, under our name.
req -X POST "$URL/upload" -F "file=@small.csv;filename=../../etc/passwd.csv"; expect 200 "traversal name"
[ "$(jq_get "$BODY" ".stats.total_records")" = 30 ] || fail "traversal upload: $BODY"
[ ! -e cwd/etc ] && [ ! -e cwd/a/etc ] && [ ! -e etc ] || fail "a file appeared outside the upload dir"
find "$T" -name 'passwd*' | grep -q . && fail "a file named passwd* exists: $(find "$T" -name 'passwd*')"

# Jobs: 202 + Location, progress to the end, listing, rejects as CSV.
out=$(curl -s -D hdr -X POST "$URL/imports?method=batch" -F "file=@bad.csv") || fail "POST /imports"
grep -q '^HTTP/1.1 202' hdr || fail "POST /imports: $(head -1 hdr)"
id=$(jq_get "$out" ".id")
grep -qi "^Location: /imports/$id" hdr || fail "no Location header"
done_job() { req "$URL/imports/$id"; [ "$(jq_get "$BODY" ".status")" != queued ] && [ "$(jq_get "$BODY" ".status")" != running ]; }
wait_for done_job || fail "job $id did not end"
[ "$(jq_get "$BODY" ".status")" = completed ] || fail "job: $BODY"
[ "$(jq_get "$BODY" ".stats.total_records")" = 200 ] || fail "job total: $BODY"
nbad=$(grep -vc ',blank$' bad.txt)
[ "$(jq_get "$BODY" ".stats.error_count")" = "$nbad" ] || fail "job errors, want $nbad: $BODY"
[ "$(jq_get "$BODY" ".progress.percent == 100")" = true ] || fail "job percent: $BODY"
lid=$(jq_get "$BODY" ".import_id")
req "$URL/imports"; expect 200 "GET /imports"
[ "$(jq_get "$BODY" ".imports[0].id")" = "$id" ] || fail "GET /imports: $BODY"
curl -s -D rhdr "$URL/imports/$id/rejects" >rejects.csv || fail "GET rejects"
grep -qi '^Content-Type: text/csv' rhdr || fail "rejects content type: $(cat rhdr)"
[ "$(tail -n +2 rejects.csv | wc -l)" = "$nbad" ] || fail "rejects: want $nbad rows: $(cat rejects.csv)"
for r in $(grep -v ',blank$' bad.txt | cut -d, -f1); do
  grep -q "^$r," rejects.csv || fail "row $r missing from the rejects"
done
# The same import by its ledger id (what survives a restart).
req "$URL/imports/$lid"; expect 200 "GET /imports/<ledger id>"
[ "$(jq_get "$BODY" ".source")" = ledger ] && [ "$(jq_get "$BODY" ".status")" = completed ] ||
  fail "ledger view: $BODY"
[ "$(jq_get "$BODY" ".stats.error_count")" = "$nbad" ] || fail "ledger errors, want $nbad: $BODY"
curl -s "$URL/imports/$lid/rejects" >lrejects.csv || fail "GET ledger rejects"
[ "$(tail -n +2 lrejects.csv | wc -l)" = "$nbad" ] || fail "ledger rejects: want $nbad rows: $(cat lrejects.csv)"
# One format: the job's answer and the ledger's are the same bytes.
cmp -s rejects.csv lrejects.csv || fail "the job's rejects and the ledger's differ: $(diff rejects.csv lrejects.csv | head -5)"
req "$URL/imports/999999"; expect 404 "unknown ledger id"
req -X DELETE "$URL/imports/$id"; expect 200 "DELETE of a finished job"
[ "$(jq_get "$BODY" ".status")" = completed ] || fail "DELETE finished: $BODY"

# No upload is left in the private dir once its import ended.
wait_for bash -c '[ -z "$(find up -name upload)" ]' || fail "uploads left in upload dir: $(find up)"

# Logs: one line per request and per import.
grep -Eq '^sheetload: http: GET /health 200 [0-9]+ bytes [0-9.]+ ms$' log || fail "no request log line"
grep -Eq "^sheetload: import [0-9a-z]+: file 'sample_data.xlsx': completed, 50 rows" log || fail "no import log line"

serve_stop
[ -z "$(ls -A up)" ] || fail "upload dir not empty after stop: $(ls -A up)"

# Token: every route but /health needs it; constant-time compare.
SHEETLOAD_TOKEN=s3cret serve_start "$T/log2" --db "sqlite:$DBF"
req "$URL/health"; expect 200 "health without token"
req "$URL/imports"; expect 401 "no token"
[ "$BODY" = '{"error":"unauthorized"}' ] || fail "401 body: $BODY"
req -H "Authorization: Bearer s3cre" "$URL/imports"; expect 401 "wrong token"
req -H "Authorization: Bearer s3cret2" "$URL/imports"; expect 401 "longer token"
req -H "Authorization: Basic s3cret" "$URL/imports"; expect 401 "basic scheme"
req -X POST "$URL/upload" -F "file=@small.csv"; expect 401 "upload without token"
req -H "Authorization: Bearer s3cret" "$URL/imports"; expect 200 "right token"
serve_stop

# An unreachable database: 503 from /health.
serve_start "$T/log3" --db "postgresql://sl@127.0.0.1:1/nodb?connect_timeout=2"
req "$URL/health"; expect 503 "health with the database down"
[ "$(jq_get "$BODY" ".status")" = unhealthy ] || fail "503 body: $BODY"
[ -n "$(jq_get "$BODY" ".error")" ] || fail "503 without a reason: $BODY"
serve_stop

# Usage errors.
"$SHEETLOAD" serve --max-upload lots 2>err; check_rc 2 $? "--max-upload lots"
grep -q "max-upload 'lots'" err || fail "no message for --max-upload lots"
"$SHEETLOAD" serve --listen 127.0.0.1:99999 2>err; check_rc 1 $? "bad port"
done_ok
