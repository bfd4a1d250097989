#!/usr/bin/env bash
# 'sheetload gen': determinism, row count, header, bad rows where the
# bad-list says and of the kind it says, unique emails, xlsx in both string
# modes, and usage errors.
set -u
. "$SL_SRC/tests/lib.sh"

"$SHEETLOAD" gen --help >"$T/help"; check_rc 0 $? "gen --help"
grep -q -- "--bad-list" "$T/help" || fail "--help does not mention --bad-list"

# Determinism: the same seed gives the same bytes; another seed does not.
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 7 -o "$T/a.csv" --bad-list "$T/a.bad"; check_rc 0 $? "gen a.csv"
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 7 -o "$T/b.csv" --bad-list "$T/b.bad"; check_rc 0 $? "gen b.csv"
cmp -s "$T/a.csv" "$T/b.csv" || fail "same seed, different csv"
cmp -s "$T/a.bad" "$T/b.bad" || fail "same seed, different bad-list"
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 8 -o "$T/c.csv"; check_rc 0 $? "gen c.csv"
cmp -s "$T/a.csv" "$T/c.csv" && fail "seeds 7 and 8 gave the same csv"
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 7 -o - >"$T/d.csv"; check_rc 0 $? "gen -o -"
cmp -s "$T/a.csv" "$T/d.csv" || fail "-o - differs from the file"

# Header and row count (no field holds a newline, so lines = records).
[ "$(head -1 "$T/a.csv")" = "name,category,phone,email,address,city,country,website,description" ] ||
  fail "header is '$(head -1 "$T/a.csv")'"
[ "$(wc -l <"$T/a.csv")" -eq 3001 ] || fail "a.csv has $(wc -l <"$T/a.csv") lines, want 3001"
[ "$(tail -c 1 "$T/a.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "a.csv does not end with LF"
grep -q $'\r' "$T/a.csv" && fail "a.csv has a CR"

# Unique emails among the good rows (field 4: name, category and phone never
# hold a comma or a quote).
dups=$(tail -n +2 "$T/a.csv" | cut -d, -f4 | grep -v '^$' | sort | uniq -d | head -3)
[ -z "$dups" ] || fail "duplicate emails: $dups"
# Some non-ASCII, some quoted fields, descriptions present.
grep -q 'ø\|é\|ü' "$T/a.csv" || fail "no non-ASCII letters"
grep -q '"' "$T/a.csv" || fail "no quoted field"

# The bad-list: 40 lines, increasing rows in 2..3001, each row of its kind.
[ "$(wc -l <"$T/a.bad")" -eq 40 ] || fail "bad-list has $(wc -l <"$T/a.bad") lines, want 40"
prev=1
declare -A seen=()
while IFS=, read -r row kind; do
  [ "$row" -gt "$prev" ] && [ "$row" -le 3001 ] || fail "bad row $row out of order or range"
  prev=$row
  seen[$kind]=1
  line=$(sed -n "${row}p" "$T/a.csv")
  email=$(echo "$line" | cut -d, -f4)
  case $kind in
  missing_name) [ "${line:0:1}" = "," ] || fail "row $row ($kind): $line" ;;
  email_no_at) [[ "$email" != *@* && -n "$email" ]] || fail "row $row ($kind): $email" ;;
  email_two_at) [[ "$email" == *@@* ]] || fail "row $row ($kind): $email" ;;
  email_space) [[ "$email" == *" "*@* ]] || fail "row $row ($kind): $email" ;;
  email_no_dot) [[ "$email" == *@localhost ]] || fail "row $row ($kind): $email" ;;
  website_space) echo "$line" | grep -qE ',www\.[a-z]+ [a-z0-9.]+,' || fail "row $row ($kind): $line" ;;
  blank) [ "$line" = ",,,,,,,," ] || fail "row $row ($kind): $line" ;;
  *) fail "unknown kind '$kind'" ;;
  esac
done <"$T/a.bad"
[ "${#seen[@]}" -eq 7 ] || fail "bad-list has ${#seen[@]} kinds, want 7"
# The good rows are good: every other row has a name and one '@' in its email.
bad_rows=" $(cut -d, -f1 "$T/a.bad" | tr '\n' ' ')"
awk -F, -v bad="$bad_rows" 'NR > 1 && !index(bad, " " NR " ") {
    if ($1 == "") { print "good row " NR " has no name"; exit 1 }
    if ($4 !~ /^[a-z]+[0-9]+@[a-z0-9]+\.[a-z.]+$/) { print "good row " NR ": email " $4; exit 1 }
  }' "$T/a.csv" >"$T/awk.out" || fail "$(cat "$T/awk.out")"

# --bad 0 and --bad N.
"$SHEETLOAD" gen --rows 50 -o "$T/z.csv" --bad-list "$T/z.bad"; check_rc 0 $? "gen no bad"
[ ! -s "$T/z.bad" ] || fail "bad-list not empty with --bad 0"
"$SHEETLOAD" gen --rows 14 --bad 14 -o "$T/all.csv" --bad-list "$T/all.bad"; check_rc 0 $? "gen all bad"
[ "$(wc -l <"$T/all.bad")" -eq 14 ] || fail "--bad 14 of 14"
[ "$(tail -1 "$T/all.csv")" != ",,,,,,,," ] || fail "last row blank"

# XLSX: shared strings by default, inline strings on request, same bad-list.
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 7 -o "$T/a.xlsx" --bad-list "$T/x.bad"; check_rc 0 $? "gen a.xlsx"
cmp -s "$T/a.bad" "$T/x.bad" || fail "xlsx bad-list differs from csv's"
unzip -l "$T/a.xlsx" >"$T/l1" 2>&1 || fail "a.xlsx is not a zip"
grep -q 'xl/sharedStrings.xml' "$T/l1" || fail "default xlsx has no shared strings"
unzip -p "$T/a.xlsx" xl/worksheets/sheet1.xml | grep -q 'dimension ref="A1:I3001"' || fail "a.xlsx dimension"
"$SHEETLOAD" gen --rows 3000 --bad 40 --seed 7 --inline-strings -o "$T/i.xlsx"; check_rc 0 $? "gen inline"
unzip -p "$T/i.xlsx" xl/worksheets/sheet1.xml | grep -q 't="inlineStr"' || fail "no inline strings"
# The streamed shared-strings writer (gen_xlsx.c) writes sheet1.xml and
# sharedStrings.xml byte for byte as libxlsxwriter 1.1.4's default mode did
# for the same cells (this digest is of the parts libxlsxwriter wrote), and
# both xlsx modes hold the CSV's values, note columns included.
"$SHEETLOAD" gen --rows 300 --bad 10 --seed 7 --text-columns 12 -o "$T/n.xlsx"; check_rc 0 $? "gen notes"
sum=$(unzip -p "$T/n.xlsx" xl/worksheets/sheet1.xml xl/sharedStrings.xml | sha256sum | cut -c1-64)
[ "$sum" = 207591bf1bc328bf6c7f92aebbecfeb8209dcfa108df6b885ee4a44caf031f97 ] ||
  fail "sheet1.xml + sharedStrings.xml differ from libxlsxwriter's: $sum"
"$SHEETLOAD" gen --rows 300 --bad 10 --seed 7 --text-columns 12 -o "$T/n.csv"; check_rc 0 $? "gen notes csv"
"$SHEETLOAD" gen --rows 300 --bad 10 --seed 7 --text-columns 12 --inline-strings -o "$T/ni.xlsx"
check_rc 0 $? "gen notes inline"
for x in n ni; do
  "$SHEETLOAD" cat "$T/$x.xlsx" -o "$T/$x.cat.csv"; check_rc 0 $? "cat $x.xlsx"
  cmp -s "$T/n.csv" "$T/$x.cat.csv" || fail "$x.xlsx does not hold n.csv's values"
done
"$SHEETLOAD" gen --rows 10 --format csv -o "$T/f.data"; check_rc 0 $? "--format csv"
[ "$(wc -l <"$T/f.data")" -eq 11 ] || fail "--format csv rows"

# Usage errors (exit 2) and write errors (exit 1), with a message.
"$SHEETLOAD" gen --rows 5 --bad 6 -o "$T/e.csv" 2>"$T/err"; check_rc 2 $? "--bad > --rows"
grep -q "more than --rows" "$T/err" || fail "message for --bad > --rows: $(cat "$T/err")"
"$SHEETLOAD" gen --rows 5 -o "$T/e.txt" 2>"$T/err"; check_rc 2 $? "unknown extension"
"$SHEETLOAD" gen --rows 5 2>"$T/err"; check_rc 2 $? "no -o"
"$SHEETLOAD" gen --rows x -o "$T/e.csv" 2>"$T/err"; check_rc 2 $? "bad --rows"
"$SHEETLOAD" gen --rows 1048576 -o "$T/e.xlsx" 2>"$T/err"; check_rc 2 $? "too many xlsx rows"
"$SHEETLOAD" gen --rows 5 --inline-strings -o "$T/e.csv" 2>"$T/err"; check_rc 2 $? "--inline-strings csv"
"$SHEETLOAD" gen --rows 5 -o "$T/no/such/dir/e.csv" 2>"$T/err"; check_rc 1 $? "unwritable"
grep -q "cannot write '$T/no/such/dir/e.csv'" "$T/err" || fail "message for unwritable: $(cat "$T/err")"
"$SHEETLOAD" gen --rows 5 -o "$T/no/such/dir/e.xlsx" 2>"$T/err"; check_rc 1 $? "unwritable xlsx"
ls "$T"/*.tmp* >/dev/null 2>&1 && fail "temporary file left behind"
done_ok
