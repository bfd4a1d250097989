#!/usr/bin/env bash
# make.sh - remakes the .xls files of this corpus and their expected CSVs.
# Needs LibreOffice (soffice), Gnumeric (ssconvert), python3 and a built
# sheetload (for the business file). Not run by the tests: the files are
# committed. Each NAME.xls has NAME.N.expected.csv for its sheet N, written
# by ../../../../shared/corpus/tools/xlsx_expected.py from the .xlsx source
# of that sheet (the reference implementation of SPEC.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ref=${SL_XLSX_EXPECTED:-$here/../../../../shared/corpus/tools/xlsx_expected.py}
sheetload=${SHEETLOAD:-$here/../../../build/sheetload}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/make_xlsx.py" "$tmp"
cd "$tmp"
soffice --headless --convert-to xls --outdir lo mixed.xlsx dates1904.xlsx >/dev/null 2>&1
for f in mixed dates1904; do
  ssconvert -T Gnumeric_Excel:excel_biff8 "$f.xlsx" "gn-$f.xls" 2>/dev/null
done
ssconvert -T Gnumeric_Excel:excel_biff7 biff5.xlsx gn-biff5.xls 2>/dev/null
cp lo/mixed.xls "$here/lo-mixed.xls"
cp lo/dates1904.xls "$here/lo-dates1904.xls"
cp gn-mixed.xls gn-dates1904.xls gn-biff5.xls "$here/"
for book in mixed dates1904 biff5; do
  for src in "$book".sheet*.xlsx; do
    n=${src#"$book".sheet}
    n=${n%.xlsx}
    for p in lo gn; do # LibreOffice no longer writes Excel 95 (BIFF5): Gnumeric only
      [ -f "$here/$p-$book.xls" ] || continue
      /usr/bin/python3 "$ref" "$src" >"$here/$p-$book.$n.expected.csv"
    done
  done
done
# The business file of 'sheetload gen', saved as .xls by LibreOffice.
"$sheetload" gen --rows 120 --bad 7 --seed 7 -o biz.xlsx >/dev/null
soffice --headless --convert-to xls --outdir lo biz.xlsx >/dev/null 2>&1
cp lo/biz.xls "$here/gen-business.xls"
"$sheetload" cat biz.xlsx >"$here/gen-business.1.expected.csv"
ls -l "$here"
