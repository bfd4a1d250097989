#!/usr/bin/env bash
# t_page_api.sh - the API behind the web page, black box against SQLite:
# GET / and its CSP, GET /info and the token, previews (sheets, first
# rows, suggested mapping, dry run; a changed mapping; refusals), the
# preview's files kept for --preview-ttl within --preview-space, import of
# a preview, fixed rows as a follow-up linked in the ledger and exactly
# once, GET /history, and the history and results after a restart.
set -u
. "$SL_SRC/tests/lib.sh"
. "$SL_SRC/tests/serve/lib.sh"
cd "$T" || fail "cd"
DBF="$T/t.db"
"$SHEETLOAD" gen --rows 2000 --bad 10 -o dir.xlsx >/dev/null 2>&1 || fail "gen dir.xlsx"
"$SHEETLOAD" gen --rows 4000 --seed 3 -o big.xlsx >/dev/null 2>&1 || fail "gen big.xlsx"
"$SHEETLOAD" gen --rows 20 --seed 4 -o small.csv >/dev/null 2>&1 || fail "gen small.csv"
printf '%%PDF-1.4 not a sheet\n' >report.xlsx
TOKEN=api-token-77
H=(-H "Authorization: Bearer $TOKEN")
SHEETLOAD_TOKEN=$TOKEN serve_start "$T/log" --db "sqlite:$DBF" --upload-dir "$T/up"

# ---- the page: no token needed to load it, a strict CSP, small.
total=0
for p in / /app.js /app.css; do
  curl -s -D hdr -o body "$URL$p" || fail "GET $p"
  grep -q '^HTTP/1.1 200' hdr || fail "GET $p: $(head -1 hdr)"
  csp=$(grep -i '^Content-Security-Policy:' hdr) || fail "GET $p has no CSP"
  for want in "default-src 'none'" "script-src 'self'" "style-src 'self'" "frame-ancestors 'none'"; do
    grep -qF "$want" <<<"$csp" || fail "GET $p: CSP lacks $want: $csp"
  done
  grep -q "unsafe" <<<"$csp" && fail "GET $p: CSP allows something unsafe: $csp"
  grep -qi '^X-Content-Type-Options: nosniff' hdr || fail "GET $p: no nosniff"
  total=$((total + $(stat -c %s body)))
done
[ "$total" -lt 100000 ] || fail "the page is $total bytes, over 100 KB"
grep -q 'http' <(grep -o 'src="[^"]*"\|href="[^"]*"' <(curl -s "$URL/") | grep -v 'href="#') &&
  fail "the page loads something from another origin"
curl -s "$URL/" | grep -q '<script>' && fail "the page has an inline script"

# ---- /info and the token.
req "$URL/info"; expect 401 "info without the token"
req -H "Authorization: Bearer wrong" "$URL/info"; expect 401 "info with a wrong token"
req "${H[@]}" "$URL/info"; expect 200 "info"
[ "$(jq_get "$BODY" .token_required)" = true ] || fail "info: $BODY"
[ "$(jq_get "$BODY" .max_upload)" = 100000000 ] || fail "info: $BODY"

# ---- a preview.
req "${H[@]}" -F file=@dir.xlsx "$URL/previews"; expect 201 "preview"
P=$BODY
ID=$(jq_get "$P" .id)
[ "$(jq -r '.sheets | join(",")' <<<"$P")" = Businesses ] || fail "sheets: $P"
[ "$(jq_get "$P" .header_row)" = 1 ] || fail "header_row: $(jq_get "$P" .header_row)"
[ "$(jq '.rows | length' <<<"$P")" = 20 ] || fail "first rows: $(jq '.rows | length' <<<"$P")"
[ "$(jq_get "$P" '.rows[0].row')" = 2 ] || fail "the first data row is row 2"
[ "$(jq -r '.suggested | join(",")' <<<"$P")" = name,category,phone,email,address,city,country,website,description ] ||
  fail "suggested: $(jq -c .suggested <<<"$P")"
[ "$(jq -r '.table_columns | join(",")' <<<"$P")" = name,category,phone,email,address,city,country,website,description ] ||
  fail "table_columns: $(jq -c .table_columns <<<"$P")"
[ "$(jq -c '.dry_run | [.rows, .good, .bad, .blank]' <<<"$P")" = '[2000,1990,9,1]' ] || fail "dry run: $(jq -c .dry_run <<<"$P")"
[ "$(jq '.dry_run.problems | length' <<<"$P")" = 9 ] || fail "problems: $(jq -c .dry_run.problems <<<"$P")"
[ "$(jq_get "$P" '.dry_run.problems[0].row')" = 102 ] || fail "first problem: $(jq -c '.dry_run.problems[0]' <<<"$P")"
[ -z "$(sqlite3 "$DBF" "select name from sqlite_master where name = 'businesses'" 2>/dev/null)" ] ||
  fail "a preview wrote to the database"
req "${H[@]}" "$URL/previews/$ID"; expect 200 "GET preview"
[ "$(jq_get "$BODY" .id)" = "$ID" ] || fail "GET preview: $BODY"

# A changed mapping: column H (website) skipped; its bad row becomes good.
M='["name","category","phone","email","address","city","country","","description"]'
req "${H[@]}" -X POST -d "{\"mapping\":$M}" "$URL/previews/$ID"; expect 200 "new mapping"
[ "$(jq -c '.dry_run | [.good, .bad]' <<<"$BODY")" = '[1991,8]' ] || fail "dry run with H skipped: $(jq -c .dry_run <<<"$BODY")"
[ "$(jq -c .mapping <<<"$BODY")" = "$M" ] || fail "mapping kept: $(jq -c .mapping <<<"$BODY")"
# A mapping the importer refuses (no name) is a dry-run error, the rows stay.
req "${H[@]}" -X POST -d '{"mapping":["","category"]}' "$URL/previews/$ID"; expect 200 "mapping without name"
jq -r .dry_run.error <<<"$BODY" | grep -q "'name'" || fail "no-name mapping: $(jq -c .dry_run <<<"$BODY")"
[ "$(jq '.rows | length' <<<"$BODY")" = 20 ] || fail "rows with a refused mapping"
for bad in '{"mapping":"name"}' '{"mapping":[1]}' '{"mapping":["na,me"]}' '[1]' 'not json'; do
  req "${H[@]}" -X POST -d "$bad" "$URL/previews/$ID"; expect 400 "mapping $bad"
done
req "${H[@]}" -X POST -d "{\"mapping\":$M}" "$URL/previews/$ID"; expect 200 "mapping back"

# Refusals of the upload.
req "${H[@]}" -F file=@report.xlsx "$URL/previews"; expect 400 "a PDF"
[ "$(jq_get "$BODY" .error)" = "Only Excel files allowed" ] || fail "PDF: $BODY"
jq_get "$BODY" .detail | grep -q "^'report.xlsx' is a PDF document" || fail "PDF detail: $BODY"
: >empty.csv
req "${H[@]}" -F file=@empty.csv "$URL/previews"; expect 422 "an empty file"
req "${H[@]}" -F other=@dir.xlsx "$URL/previews"; expect 400 "no file part"
req -F file=@dir.xlsx "$URL/previews"; expect 401 "preview without the token"
req "${H[@]}" "$URL/previews/pnothing"; expect 404 "unknown preview"
req "${H[@]}" -F file=@small.csv "$URL/previews"; expect 201 "csv preview"
[ "$(jq -c '[.header_row, (.rows|length), .dry_run.good]' <<<"$BODY")" = '[1,20,20]' ] || fail "csv preview: $BODY"

# The header is found where the importer finds it (rows above it skipped),
# and matched as the importer matches it (synonyms).
printf 'Partner directory\nExported 2024-05-01\n\nCompany Name,E-mail,Town\nAcme,a@acme.example,Oslo\nBeta,b@beta.example,Rome\n' >titled.csv
req "${H[@]}" -F file=@titled.csv "$URL/previews"; expect 201 "a titled csv"
[ "$(jq -c '[.header_row, .suggested, [.columns[].header], [.rows[].row], .dry_run.good]' <<<"$BODY")" = \
  '[4,["name","email","city"],["Company Name","E-mail","Town"],[5,6],2]' ] || fail "titled csv: $BODY"

# ---- import of the preview.
req "${H[@]}" -X POST -d '{"method":"nope"}' "$URL/previews/$ID/import"; expect 400 "bad method"
req "${H[@]}" -X POST -d '{}' "$URL/previews/$ID/import"; expect 202 "import"
J=$(jq_get "$BODY" .id)
done_job() { req "${H[@]}" "$URL/imports/$J"; [ "$(jq_get "$BODY" .status)" != queued ] && [ "$(jq_get "$BODY" .status)" != running ]; }
wait_for done_job || fail "the import did not end: $BODY"
[ "$(jq_get "$BODY" .status)" = completed ] || fail "import: $BODY"
[ "$(jq -c '[.stats.success_count, .stats.error_count, .preview]' <<<"$BODY")" = "[1991,8,\"$ID\"]" ] || fail "import: $BODY"
[ "$(jq -c .mapping <<<"$BODY")" = "$M" ] || fail "the job's mapping: $(jq -c .mapping <<<"$BODY")"
IMP=$(jq_get "$BODY" .import_id)
[ "$(sqlite3 "$DBF" 'select count(*) from businesses')" = 1991 ] || fail "rows after the import"
[ "$(sqlite3 "$DBF" 'select count(*) from businesses where website is not null')" = 0 ] || fail "column H was imported"
req "${H[@]}" "$URL/imports/$IMP"; expect 200 "the import by its ledger id"
[ "$(jq -c '[.source, .job.id, .job.preview]' <<<"$BODY")" = "[\"ledger\",\"$J\",\"$ID\"]" ] ||
  fail "ledger id of a job in memory: $BODY"
# The same preview again: the ledger refuses it (the job fails, no row added).
req "${H[@]}" -X POST -d '{}' "$URL/previews/$ID/import"; expect 202 "import again"
J=$(jq_get "$BODY" .id)
wait_for done_job || fail "the second import did not end"
[ "$(jq_get "$BODY" .status)" = failed ] && jq_get "$BODY" .error | grep -q "already imported" || fail "again: $BODY"
[ "$(sqlite3 "$DBF" 'select count(*) from businesses')" = 1991 ] || fail "rows after importing again"

# ---- fixed rows: a follow-up import, exactly once.
C='["name","category","phone","email","address","city","country","description"]'
F="{\"columns\":$C,\"rows\":[{\"row\":102,\"cells\":[\"Fixed 102\",\"Café\",\"1\",\"a@b.example\",\"x\",\"y\",\"z\",null]},{\"row\":302,\"cells\":[\"Still Bad\",\"Café\",\"1\",\"no-at\",\"x\",\"y\",\"z\",\"d\"]}]}"
req "${H[@]}" -X POST -d "$F" "$URL/imports/$IMP/fixes"; expect 200 "fixes"
FIX=$(jq_get "$BODY" .import_id)
[ "$(jq -c '[.parent_id, .stats.success_count, .stats.error_count]' <<<"$BODY")" = "[$IMP,1,1]" ] || fail "fixes: $BODY"
[ "$(jq -c '[.rejects[0].index, .rejects[0].row]' <<<"$BODY")" = '[1,302]' ] || fail "fixes rejects: $BODY"
jq -r '.rejects[0].reason' <<<"$BODY" | grep -q "no '@'" || fail "fixes reason: $BODY"
req "${H[@]}" -X POST -d "$F" "$URL/imports/$IMP/fixes"; expect 409 "the same fixes again"
[ "$(jq_get "$BODY" .import_id)" = "$FIX" ] || fail "409 names the import: $BODY"
# Two presses at once: one imports, the other is refused.
F2="{\"columns\":[\"name\"],\"rows\":[{\"row\":1502,\"cells\":[\"Fixed 1502\"]}]}"
curl -s -o a.out -w '%{http_code}\n' "${H[@]}" -d "$F2" "$URL/imports/$IMP/fixes" >a.code &
other=$!
curl -s -o b.out -w '%{http_code}\n' "${H[@]}" -d "$F2" "$URL/imports/$IMP/fixes" >b.code
wait $other
[ "$(sort a.code b.code | tr '\n' ' ')" = "200 409 " ] || fail "two presses: $(cat a.code b.code)"
[ "$(sqlite3 "$DBF" "select count(*) from businesses where name in ('Fixed 102', 'Fixed 1502')")" = 2 ] ||
  fail "fixed rows are not there exactly once"
[ "$(sqlite3 "$DBF" 'select count(*) from businesses')" = 1993 ] || fail "rows after the fixes"
[ "$(sqlite3 "$DBF" "select count(*) from sheetload_imports where parent_id = $IMP")" = 2 ] || fail "parent links"
for bad in '{}' '{"columns":[],"rows":[]}' "{\"columns\":$C,\"rows\":[{\"row\":1,\"cells\":[\"a\"]}]}" \
  '{"columns":["na,me"],"rows":[{"row":1,"cells":["a"]}]}' '{"columns":["name"],"rows":[{"row":1,"cells":[1]}]}'; do
  req "${H[@]}" -X POST -d "$bad" "$URL/imports/$IMP/fixes"; expect 400 "fixes $bad"
done
req "${H[@]}" -X POST -d '{"columns":["nope"],"rows":[{"row":1,"cells":["a"]}]}' "$URL/imports/$IMP/fixes"
expect 422 "a column the table lacks"
req "${H[@]}" -X POST -d "$F2" "$URL/imports/99999/fixes"; expect 404 "fixes of an unknown import"
req "${H[@]}" -X POST -d "$F2" "$URL/imports/jnothing/fixes"; expect 404 "fixes of an unknown job"

# ---- history, newest first, and after a restart.
req "${H[@]}" "$URL/history"; expect 200 "history"
# (the refused second import of the preview never reached the ledger)
[ "$(jq -c '[.imports[] | .parent_id]' <<<"$BODY")" = "[$IMP,$IMP,null]" ] || fail "history: $BODY"
[ "$(jq -c '[.imports[] | .id]' <<<"$BODY")" = "[$((IMP + 2)),$((IMP + 1)),$IMP]" ] || fail "history order: $BODY"
serve_stop
[ -z "$(ls up)" ] || fail "files left in the upload dir after a stop: $(ls up)"
SHEETLOAD_TOKEN=$TOKEN serve_start "$T/log2" --db "sqlite:$DBF" --upload-dir "$T/up" \
  --preview-ttl 1s --preview-space 300KB
req "${H[@]}" "$URL/history"; expect 200 "history after a restart"
[ "$(jq '.imports | length' <<<"$BODY")" = 3 ] || fail "history after a restart: $BODY"
req "${H[@]}" "$URL/imports/$IMP"; expect 200 "an import after a restart"
[ "$(jq -c '[.source, .stats.success_count, .job]' <<<"$BODY")" = '["ledger",1991,null]' ] ||
  fail "import after a restart: $BODY"
req "${H[@]}" -X POST -d "$F2" "$URL/imports/$IMP/fixes"; expect 409 "the same fixes after a restart"

# ---- kept files: a bounded time and a bounded space.
req "${H[@]}" -F file=@dir.xlsx "$URL/previews"; expect 201 "preview 1"
P1=$(jq_get "$BODY" .id)
# (a GET is a use: watch the directory instead)
gone() { [ -z "$(ls up)" ]; }
wait_for gone || fail "a preview outlived --preview-ttl 1s: files: $(ls up)"
req "${H[@]}" "$URL/previews/$P1"; expect 404 "an expired preview"
serve_stop
SHEETLOAD_TOKEN=$TOKEN serve_start "$T/log3" --db "sqlite:$DBF" --upload-dir "$T/up" --preview-space 300KB
req "${H[@]}" -F file=@dir.xlsx "$URL/previews"; expect 201 "preview 1 of 300KB"
P1=$(jq_get "$BODY" .id)
req "${H[@]}" -F file=@small.csv "$URL/previews"; expect 201 "preview 2 of 300KB"
P2=$(jq_get "$BODY" .id)
req "${H[@]}" -F file=@dir.xlsx "$URL/previews"; expect 201 "preview 3: the oldest unused makes room"
req "${H[@]}" "$URL/previews/$P1"; expect 404 "the least recently used preview was dropped"
req "${H[@]}" "$URL/previews/$P2"; expect 200 "the other preview stays"
req "${H[@]}" -F file=@big.xlsx "$URL/previews"; expect 507 "a file over --preview-space"
jq_get "$BODY" .error | grep -q "preview-space" || fail "507: $BODY"
req "${H[@]}" -X DELETE "$URL/previews/$P2"; expect 200 "delete a preview"
req "${H[@]}" "$URL/previews/$P2"; expect 404 "a deleted preview"
[ "$(ls up | wc -l)" = 1 ] || fail "kept files: $(ls up)"
grep -q "preview .*deleted" "$T/log3" || fail "no log line for a deleted preview"
serve_stop
done_ok
