#!/usr/bin/env bash
# 'sheetload cat' and the reader's detection by content: generated xlsx
# (both string modes) and csv print the same CSV; CSV input is normalised
# (delimiter, padding, trailing empty rows); standard input; every refused
# input gives exit 1 and exactly one line naming the file; usage errors.
set -u
. "$SL_SRC/tests/lib.sh"

one_line_error() { # what file-in-message
  local n; n=$(wc -l <"$T/err")
  [ "$n" -eq 1 ] || fail "$1: want one line on stderr, got $n: $(cat "$T/err")"
  grep -q "^sheetload cat: " "$T/err" || fail "$1: message does not start 'sheetload cat: ': $(cat "$T/err")"
  grep -qF -- "$2" "$T/err" || fail "$1: message lacks '$2': $(cat "$T/err")"
}
expect_refusal() { # what file message-part
  "$SHEETLOAD" cat "$2" >"$T/out" 2>"$T/err"; check_rc 1 $? "$1"
  [ ! -s "$T/out" ] || fail "$1: wrote to stdout"
  one_line_error "$1" "$3"
}

# gen → cat round trip: xlsx (shared and inline strings) and csv agree.
"$SHEETLOAD" gen --rows 2500 --bad 25 --seed 11 -o "$T/g.csv" || fail "gen csv"
"$SHEETLOAD" gen --rows 2500 --bad 25 --seed 11 -o "$T/g.xlsx" || fail "gen xlsx"
"$SHEETLOAD" gen --rows 2500 --bad 25 --seed 11 --inline-strings -o "$T/gi.xlsx" || fail "gen inline"
for f in g.csv g.xlsx gi.xlsx; do
  "$SHEETLOAD" cat "$T/$f" >"$T/out.csv"; check_rc 0 $? "cat $f"
  cmp -s "$T/out.csv" "$T/g.csv" || fail "cat $f differs from the generated csv"
done
"$SHEETLOAD" cat "$T/g.xlsx" -o "$T/o.csv"; check_rc 0 $? "cat -o"
cmp -s "$T/o.csv" "$T/g.csv" || fail "cat -o differs"
"$SHEETLOAD" cat --sheet Businesses "$T/g.xlsx" | cmp -s - "$T/g.csv" || fail "--sheet by name"
"$SHEETLOAD" cat --sheet 1 "$T/g.xlsx" | cmp -s - "$T/g.csv" || fail "--sheet 1"
[ "$("$SHEETLOAD" cat --list-sheets "$T/g.xlsx")" = "Businesses" ] || fail "--list-sheets xlsx"
[ "$("$SHEETLOAD" cat --list-sheets "$T/g.csv")" = "g" ] || fail "--list-sheets csv"

# Standard input: xlsx is spooled, CSV streamed.
"$SHEETLOAD" cat - <"$T/g.xlsx" | cmp -s - "$T/g.csv" || fail "xlsx on stdin"
cat "$T/g.csv" | "$SHEETLOAD" cat - | cmp -s - "$T/g.csv" || fail "csv through a pipe"
ls "${TMPDIR:-/tmp}"/sheetload-stdin.* >/dev/null 2>&1 && fail "spooled stdin file left behind"

# CSV normalisation: detected ';', BOM dropped, CRLF → LF, ragged rows
# padded to the widest, empty rows kept between values, trailing ones dropped.
printf '\xef\xbb\xbfa;b\r\n1;"x;y";3\r\n\r\n;\r\n4\r\n;;\r\n\r\n' >"$T/semi.csv"
printf 'a,b,\n1,x;y,3\n,,\n,,\n4,,\n' >"$T/semi.want"
"$SHEETLOAD" cat "$T/semi.csv" >"$T/out"; check_rc 0 $? "cat semi.csv"
cmp -s "$T/out" "$T/semi.want" || fail "semi.csv: got $(od -c "$T/out" | head -5)"
printf 'a|b\n' | "$SHEETLOAD" cat --delimiter '|' - | cmp -s - <(printf 'a,b\n') || fail "--delimiter |"
printf 'a\tb,c\n' | "$SHEETLOAD" cat --delimiter '\t' - | cmp -s - <(printf 'a,"b,c"\n') || fail "--delimiter \\t"
printf ',,\n\n' >"$T/blank.csv"
"$SHEETLOAD" cat "$T/blank.csv" >"$T/out"; check_rc 0 $? "cat blank.csv"
[ ! -s "$T/out" ] || fail "a sheet without values must print 0 bytes"

# Past the 16 MiB hold: streaming, and a later wider row keeps every value.
"$SHEETLOAD" gen --rows 70000 --seed 3 -o "$T/big.csv" || fail "gen big"
"$SHEETLOAD" cat "$T/big.csv" | cmp -s - "$T/big.csv" || fail "big csv round trip"
{ cat "$T/big.csv"; printf 'w1,w2,w3,w4,w5,w6,w7,w8,w9,w10,w11\nlast\n'; } >"$T/wide.csv"
{ cat "$T/big.csv"; printf 'w1,w2,w3,w4,w5,w6,w7,w8,w9,w10,w11\nlast,,,,,,,,\n'; } >"$T/wide.want"
"$SHEETLOAD" cat "$T/wide.csv" | cmp -s - "$T/wide.want" || fail "wide row after the hold"

# Refusals: exit 1 and one line that names the file and the problem.
: >"$T/empty.csv"
expect_refusal "empty file" "$T/empty.csv" "'$T/empty.csv': the file is empty"
printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0' >"$T/old.xls"
expect_refusal "truncated xls" "$T/old.xls" "Office 97-2003 (OLE2) file that is truncated or corrupt"
printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n' >"$T/doc.pdf"
expect_refusal "pdf" "$T/doc.pdf" "a PDF document"
expect_refusal "elf" "$SHEETLOAD" "a program (ELF)"
gzip -c "$T/g.csv" >"$T/g.csv.gz"
expect_refusal "gzip" "$T/g.csv.gz" "gzip-compressed"
printf 'a\0b\0c\0\1\2\3' >"$T/bin.dat"
expect_refusal "binary" "$T/bin.dat" "a binary file"
for i in $(seq 1 40); do printf '\x80\x9f\xc0\x01\xfe\x02\xa5\x7f'; done >"$T/nonul.bin"
expect_refusal "binary without NUL" "$T/nonul.bin" "a binary file"
printf 'name\nCaf\xe9\n' >"$T/latin1.csv"
expect_refusal "latin-1 csv" "$T/latin1.csv" "row 2, column A: invalid UTF-8 (byte 0xE9)"
printf 'a\0,\0b\0\n\0' >"$T/u16.csv"
expect_refusal "utf-16 without a byte-order mark" "$T/u16.csv" "UTF-16 text without a byte-order mark"
# With a byte-order mark, UTF-16 is read (issue 17).
printf '\xff\xfea\0,\0\xe9\0\n\0' >"$T/u16bom.csv"
[ "$("$SHEETLOAD" cat "$T/u16bom.csv")" = "a,é" ] || fail "utf-16 with a BOM: $("$SHEETLOAD" cat "$T/u16bom.csv" 2>&1)"
expect_refusal "missing file" "$T/nope.xlsx" "'$T/nope.xlsx': cannot open"
expect_refusal "directory" "$T" "is a directory"
printf 'PK\5\6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$T/emptyzip.xlsx"
expect_refusal "empty zip" "$T/emptyzip.xlsx" "'$T/emptyzip.xlsx'"
(cd "$T" && zip -q notbook.xlsx g.csv) || fail "zip"
expect_refusal "zip without a workbook" "$T/notbook.xlsx" "'$T/notbook.xlsx'"
head -c 3000 "$T/g.xlsx" >"$T/trunc.xlsx"
expect_refusal "truncated zip" "$T/trunc.xlsx" "'$T/trunc.xlsx'"
{ printf 'a,b,c\n'; for i in 2 3 4 5 6; do printf 'x,y,z\n'; done; printf 'x,y,ab\xffc\n'; } >"$T/bad8.csv"
expect_refusal "invalid UTF-8" "$T/bad8.csv" "row 7, column C: invalid UTF-8 (byte 0xFF)"
printf 'a,b\n1,"open\nmore\n' >"$T/quote.csv"
expect_refusal "unterminated quote" "$T/quote.csv" "row 2, column B: unterminated quoted field"
"$SHEETLOAD" cat --sheet Other "$T/g.csv" >/dev/null 2>"$T/err"; check_rc 1 $? "--sheet on csv"
one_line_error "--sheet on csv" "sheet 'Other' not found"
"$SHEETLOAD" cat --sheet 2 "$T/g.xlsx" >/dev/null 2>"$T/err"; check_rc 1 $? "--sheet 2"
one_line_error "--sheet 2" "'$T/g.xlsx'"
# A failed read leaves no -o file behind.
"$SHEETLOAD" cat "$T/quote.csv" -o "$T/partial.csv" 2>/dev/null; check_rc 1 $? "-o on error"
[ ! -e "$T/partial.csv" ] || fail "-o file left after an error"
# ... but an -o that is not a regular file (a FIFO here; /dev/null for real)
# is never removed.
mkfifo "$T/fifo"
cat "$T/fifo" >/dev/null &
"$SHEETLOAD" cat "$T/quote.csv" -o "$T/fifo" 2>/dev/null; check_rc 1 $? "-o FIFO on error"
wait
[ -p "$T/fifo" ] || fail "an -o FIFO was removed after an error"

# Usage errors: exit 2.
"$SHEETLOAD" cat 2>"$T/err"; check_rc 2 $? "no file"
grep -q "no input file" "$T/err" || fail "no-file message"
"$SHEETLOAD" cat a b 2>/dev/null; check_rc 2 $? "two files"
"$SHEETLOAD" cat --delimiter ab "$T/g.csv" 2>/dev/null; check_rc 2 $? "bad --delimiter"
"$SHEETLOAD" cat --bogus "$T/g.csv" 2>/dev/null; check_rc 2 $? "unknown option"
"$SHEETLOAD" cat --help | grep -q "16 MiB" || fail "--help does not document the hold"
done_ok
