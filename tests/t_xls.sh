#!/usr/bin/env bash
# .xls (Excel 97-2003 and 95) through the CLI: every tests/corpus/xls file
# printed by 'cat' sheet by sheet (by position and by name) must equal its
# NAME.N.expected.csv (made from the .xlsx source by the reference
# implementation of SPEC.md); --list-sheets; standard input; and the refusals
# of OLE2 files that are not workbooks.
set -u
. "$SL_SRC/tests/lib.sh"
dir="$SL_SRC/tests/corpus/xls"
total=0
for exp in "$dir"/*.expected.csv; do
  base=$(basename "$exp" .expected.csv) # NAME.N
  name=${base%.*}
  n=${base##*.}
  "$SHEETLOAD" cat --sheet "$n" "$dir/$name.xls" >"$T/out.csv" 2>"$T/err"
  check_rc 0 $? "cat $name sheet $n: $(cat "$T/err")"
  [ -s "$T/err" ] && fail "cat $name sheet $n: stderr: $(cat "$T/err")"
  cmp -s "$T/out.csv" "$exp" || { diff "$exp" "$T/out.csv" | head -5 >&2; fail "cat $name sheet $n differs from $base.expected.csv"; }
  total=$((total + 1))
done
[ $total -ge 10 ] || fail "only $total expected CSVs in $dir"

# The first sheet by default; sheets by name (Unicode included).
"$SHEETLOAD" cat "$dir/lo-mixed.xls" | cmp -s - "$dir/lo-mixed.1.expected.csv" || fail "default sheet"
"$SHEETLOAD" cat --sheet 'Dates 1900' "$dir/gn-mixed.xls" | cmp -s - "$dir/gn-mixed.2.expected.csv" ||
  fail "sheet by name"
"$SHEETLOAD" cat --sheet 'Ünïcode sheet' "$dir/lo-mixed.xls" | cmp -s - "$dir/lo-mixed.4.expected.csv" ||
  fail "sheet by Unicode name"
printf 'Values\nDates 1900\nEmpty\nÜnïcode sheet\n' >"$T/sheets"
"$SHEETLOAD" cat --list-sheets "$dir/lo-mixed.xls" | cmp -s - "$T/sheets" || fail "--list-sheets (LibreOffice)"
"$SHEETLOAD" cat --list-sheets "$dir/gn-mixed.xls" | cmp -s - "$T/sheets" || fail "--list-sheets (Gnumeric)"
"$SHEETLOAD" cat --sheet Nope "$dir/lo-mixed.xls" >/dev/null 2>"$T/err"
check_rc 1 $? "missing sheet"
grep -q "sheet 'Nope' not found; the workbook has 'Values', 'Dates 1900', 'Empty', 'Ünïcode sheet'" "$T/err" ||
  fail "missing sheet message: $(cat "$T/err")"
"$SHEETLOAD" cat --sheet 5 "$dir/lo-mixed.xls" >/dev/null 2>&1
check_rc 1 $? "sheet 5 of 4"

# Standard input (spooled: the container needs seeking), and a pipe.
"$SHEETLOAD" cat - <"$dir/gn-mixed.xls" | cmp -s - "$dir/gn-mixed.1.expected.csv" || fail "stdin file"
cat "$dir/gn-biff5.xls" | "$SHEETLOAD" cat - | cmp -s - "$dir/gn-biff5.1.expected.csv" || fail "stdin pipe"

# One line, exit 1, for what is not a readable workbook.
refuse() { # WHAT FILE TEXT
  "$SHEETLOAD" cat "$2" >"$T/out" 2>"$T/err"
  check_rc 1 $? "$1"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$1: not one line: $(cat "$T/err")"
  grep -qF -- "$3" "$T/err" || fail "$1: message lacks '$3': $(cat "$T/err")"
  [ -s "$T/out" ] && fail "$1: printed rows"
  return 0
}
head -c 3000 "$dir/lo-mixed.xls" >"$T/cut.xls"
refuse "truncated in the header" "$T/cut.xls" "truncated or corrupt"
head -c 20000 "$dir/lo-mixed.xls" >"$T/half.xls"
refuse "truncated in the middle" "$T/half.xls" "truncated or corrupt"
printf '\x09\x00\x04\x00\x02\x00\x10\x00' >"$T/biff2.xls"
refuse "BIFF2" "$T/biff2.xls" "Excel 2.x-4.x worksheet (BIFF2-4)"
done_ok
