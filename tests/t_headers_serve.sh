#!/usr/bin/env bash
# The upload service reads people's files as the CLI does (issue 17): the
# same header finder and matcher (title rows skipped, a header that names
# nothing refused with 422 and nothing written), ?map= and ?header=, and
# the encodings: a UTF-16 upload is read, a Windows-1252 one is refused with
# the option to add and read with ?encoding=cp1252.
set -u
. "$SL_SRC/tests/lib.sh"
. "$SL_SRC/tests/serve/lib.sh"
H=$SL_SRC/tests/corpus/headers
E=$SL_SRC/tests/corpus/encodings
DBF=$T/t.db
rows() { sqlite3 "$DBF" "select count(*) from businesses" 2>/dev/null || echo 0; }
serve_start "$T/log" --db "sqlite:$DBF" --upload-dir "$T/up"

# Title rows above the header: skipped, and said so in the statistics.
req -X POST "$URL/upload" -F "file=@$H/title_rows/input.xlsx"; expect 200 "title rows"
[ "$(jq_get "$BODY" ".stats.header.row")" = 4 ] || fail "header row: $BODY"
[ "$(jq_get "$BODY" ".stats.header.skipped_above")" = 3 ] || fail "skipped: $BODY"
[ "$(jq_get "$BODY" ".stats.success_count")" = 4 ] || fail "rows: $BODY"
[ "$(sqlite3 "$DBF" "select name from businesses where email = 'kontor@oresund.dk'")" = "Øresund Trading ApS" ] ||
  fail "table: $(sqlite3 "$DBF" 'select * from businesses')"

# A header that names nothing: 422 with the cells, nothing written.
before=$(rows)
req -X POST "$URL/upload" -F "file=@$H/german_refused/input.xlsx"; expect 422 "names nothing"
grep -qF "row 1 looks like a header ('Firma'" <<<"$BODY" ||
  grep -qF "these cells name no column: 'Firma' (A)" <<<"$BODY" || fail "message: $BODY"
[ "$(rows)" = "$before" ] || fail "rows written by a refused upload"
# The same file with ?map= (URL-encoded): read.
req -X POST "$URL/upload?map=Firma%3Dname%2COrt%3Dcity" -F "file=@$H/german_refused/input.xlsx"
expect 200 "?map="
[ "$(sqlite3 "$DBF" "select city from businesses where name = 'Bäckerei Schön'")" = "München" ] || fail "?map= table"
req -X POST "$URL/upload?header=sideways" -F "file=@$H/title_rows/input.xlsx"; expect 400 "?header= bad"
req -X POST "$URL/upload?header=none&force=1" -F "file=@$H/short_rows/input.xlsx"; expect 200 "?header=none"
[ "$(sqlite3 "$DBF" "select count(*) from businesses where name = 'Café Müller' and category = 'Food'")" = 1 ] ||
  fail "?header=none table"

# Encodings: UTF-16 with a BOM is read; Windows-1252 needs ?encoding=.
req -X POST "$URL/upload" -F "file=@$E/utf16_unicode_text/input.txt"; expect 200 "utf-16"
[ "$(jq_get "$BODY" ".stats.encoding")" = UTF-16LE ] || fail "encoding: $BODY"
[ "$(sqlite3 "$DBF" "select city from businesses where name = 'Łódź Meble'")" = "Łódź" ] || fail "utf-16 table"
before=$(rows)
map='Firmenname%3Dname%2CBranche%3Dcategory%2COrt%3Dcity'
req -X POST "$URL/upload?map=$map" -F "file=@$E/cp1252_option/input.csv"; expect 422 "cp1252 without encoding"
grep -qF "as Windows-1252: if that is right, add --encoding cp1252 (?encoding=cp1252 on upload" <<<"$BODY" ||
  fail "cp1252 message: $BODY"
[ "$(rows)" = "$before" ] || fail "rows written by a refused upload"
req -X POST "$URL/upload?map=$map&encoding=cp1252" -F "file=@$E/cp1252_option/input.csv"; expect 200 "?encoding="
[ "$(sqlite3 "$DBF" "select city from businesses where name = 'Crème & Co'")" = "Besançon" ] || fail "cp1252 table"
# UTF-16 without a byte-order mark: refused as text unless its encoding is named.
printf 'n\0a\0m\0e\0\n\0Z\0e\0d\0\n\0' >"$T/nobom.csv"
req -X POST "$URL/upload" -F "file=@$T/nobom.csv"; expect 400 "utf-16 without a BOM"
req -X POST "$URL/upload?encoding=utf-16le" -F "file=@$T/nobom.csv"; expect 200 "utf-16 without a BOM, named"
[ "$(sqlite3 "$DBF" "select count(*) from businesses where name = 'Zed'")" = 1 ] || fail "utf-16le table"
req -X POST "$URL/upload?encoding=klingon" -F "file=@$E/cp1252_option/input.csv"; expect 400 "unknown encoding"
grep -qF "unknown encoding 'klingon'" <<<"$BODY" || fail "unknown encoding: $BODY"
serve_stop
done_ok
