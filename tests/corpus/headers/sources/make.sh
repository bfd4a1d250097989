#!/usr/bin/env bash
# Remakes the input.xlsx of each case from the sources here, as a user's
# office suite saves them: LibreOffice Calc (HTML tables, merged cells) and
# Gnumeric (a CSV). Not run by the tests; run it after editing a source.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$here" && soffice --headless --infilter="HTML (StarCalc)" --convert-to xlsx --outdir "$out" ./*.html >/dev/null)
ssconvert "$here/synonyms.csv" "$out/synonyms.xlsx" >/dev/null 2>&1
while read -r case src; do
  cp "$out/$src.xlsx" "$here/../$case/input.xlsx"
done <<'LIST'
title_rows title_rows
header_row_n title_rows
header_row_wrong title_rows
synonyms synonyms
reordered_extra reordered_extra
units_punct units_punct
two_row_header two_row_header
no_header no_header
no_header_misordered no_header_misordered
german_refused german
german_map_file german
german_map german
wrong_shape wrong_shape
short_rows short_rows
short_rows_none short_rows
LIST
