#!/usr/bin/env bash
# t_xlsx_hostile.sh - broken workbooks through 'sheetload cat', as a user
# meets them: a non-zero exit, nothing on stdout but rows read before the
# problem, and ONE line on stderr naming the part (and row/column in a sheet).
# The heavy cases (bombs, 100 MB cell, 10M shared strings, memory bounds) are
# in tests/test_read_xlsx_hostile.c; this checks the CLI end of the contract.
. "$SL_SRC/tests/lib.sh"

python3 - "$T" <<'PY' || fail "could not generate the test files"
import os, sys, zipfile
D = sys.argv[1]
RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
      '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
WBRELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = '</sheetData></worksheet>'
SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>a</t></si></sst>'
def book(name, sheet, sst=SST, parts=None):
    with zipfile.ZipFile(os.path.join(D, name), 'w', zipfile.ZIP_DEFLATED) as z:
        p = parts if parts is not None else {'_rels/.rels': RELS, 'xl/workbook.xml': WB,
                                             'xl/_rels/workbook.xml.rels': WBRELS,
                                             'xl/sharedStrings.xml': sst}
        for k, v in p.items():
            z.writestr(k, v)
        if sheet is not None:
            z.writestr('xl/worksheets/sheet1.xml', sheet)
row1 = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>2</v></c></row>'
book('good.xlsx', HEAD + row1 + TAIL)
data = open(os.path.join(D, 'good.xlsx'), 'rb').read()
open(os.path.join(D, 'truncated.xlsx'), 'wb').write(data[:len(data) * 2 // 3])
book('noworkbook.xlsx', None, parts={'hello.txt': 'hi'})
book('nosheet.xlsx', None)
book('emptysheet.xlsx', '')
book('cut.xlsx', (HEAD + row1 + '<row r="2"><c r="A2"><v>1</v></c></row>' + TAIL)[:-30])
book('dtd.xlsx', '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + HEAD + row1 + TAIL)
book('deep.xlsx', HEAD + '<x>' * 5000 + '</x>' * 5000 + TAIL)
book('sstpast.xlsx', HEAD + row1 + '<row r="2"><c r="C2" t="s"><v>9</v></c></row>' + TAIL)
book('sstnan.xlsx', HEAD + '<row r="4"><c r="B4" t="s"><v>x1</v></c></row>' + TAIL)
# The shared strings are loaded by a thread while the sheet is read: a table
# broken after the strings the rows use still fails the read, with the
# table's own message (no row, no column); a big table is waited for.
SSTH = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
book('sstbad.xlsx', HEAD + row1 + TAIL, SSTH + '<si><t>a</t></si>' + '<si><t>b</t></si>' * 50000 + '<si><t>c</sst>')
n = 1000000
book('bigsst.xlsx', HEAD + '<row r="1"><c r="A1" t="s"><v>%d</v></c><c r="B1" t="s"><v>0</v></c></row>'
     '<row r="2"><c r="A2" t="s"><v>%d</v></c></row>' % (n - 1, n // 2) + TAIL,
     SSTH + ''.join('<si><t>s%d</t></si>' % i for i in range(n)) + '</sst>')
PY

"$SHEETLOAD" cat "$T/good.xlsx" >"$T/out" 2>"$T/err" || fail "good.xlsx: exit $? ($(cat "$T/err"))"
[ "$(cat "$T/out")" = "a,2" ] || fail "good.xlsx: got '$(cat "$T/out")'"

# case FILE PATTERN: cat must fail with one stderr line matching PATTERN.
case_fails() {
  local f=$1 pat=$2 rc=0
  "$SHEETLOAD" cat "$T/$f" >"$T/out" 2>"$T/err" || rc=$?
  [ "$rc" -ne 0 ] || fail "$f: exit 0, want an error"
  [ "$rc" -lt 128 ] || fail "$f: killed by a signal (exit $rc)"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "$f: stderr is not one line: $(cat "$T/err")"
  grep -qE -- "$pat" "$T/err" || fail "$f: stderr '$(cat "$T/err")' lacks /$pat/"
}
case_fails truncated.xlsx "truncated zip archive"

# Errors about the archive name the file once (in err->file), never a spool
# file: zip magic followed by junk, by path and on standard input.
printf 'PK\3\4 this is not really a zip archive\n' >"$T/fakezip.xlsx"
case_fails fakezip.xlsx "^sheetload cat: '$T/fakezip.xlsx': the file is a truncated zip archive \\(its central directory is missing\\)$"
[ "$(grep -o "$T/fakezip.xlsx" "$T/err" | wc -l)" -eq 1 ] || fail "fakezip.xlsx: the path is named twice: $(cat "$T/err")"
rc=0; "$SHEETLOAD" cat - <"$T/fakezip.xlsx" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || fail "fakezip on stdin: exit $rc"
[ "$(cat "$T/err")" = "sheetload cat: 'standard input': the file is a truncated zip archive (its central directory is missing)" ] ||
  fail "fakezip on stdin: $(cat "$T/err")"
case_fails truncated.xlsx "^sheetload cat: '$T/truncated.xlsx': the file is a truncated zip archive"
case_fails noworkbook.xlsx "no workbook"
case_fails nosheet.xlsx "'xl/worksheets/sheet1.xml': sheet 'Data' is named in 'xl/_rels/workbook.xml.rels' but the archive has no such part"
case_fails emptysheet.xlsx "'xl/worksheets/sheet1.xml' line 1: no element found"
case_fails cut.xlsx "'xl/worksheets/sheet1.xml' line 1: .*not well-formed"
case_fails dtd.xlsx "'xl/worksheets/sheet1.xml' line 1: has a DTD"
case_fails deep.xlsx "'xl/worksheets/sheet1.xml' line 1: XML nested deeper than the limit of 256"
case_fails sstpast.xlsx "row 2, column C: 'xl/worksheets/sheet1.xml' line 1: shared string 9 does not exist"
case_fails sstnan.xlsx "row 4, column B: .*shared string index 'x1' is not a number"
case_fails sstbad.xlsx "^sheetload cat: '$T/sstbad.xlsx': 'xl/sharedStrings.xml' line 1: mismatched tag; the part is not well-formed XML$"
[ ! -s "$T/out" ] || fail "sstbad.xlsx: rows printed before the error: $(head -c 200 "$T/out")"
"$SHEETLOAD" cat "$T/bigsst.xlsx" >"$T/out" 2>"$T/err" || fail "bigsst.xlsx: exit $? ($(cat "$T/err"))"
[ "$(cat "$T/out")" = "$(printf 's999999,s0\ns500000,')" ] || fail "bigsst.xlsx: got '$(head -c 200 "$T/out")'"
# Closed while the table is still loading: the thread is stopped, no hang.
"$SHEETLOAD" cat --list-sheets "$T/bigsst.xlsx" >"$T/out" 2>"$T/err" || fail "bigsst.xlsx --list-sheets: exit $? ($(cat "$T/err"))"
[ "$(cat "$T/out")" = "Data" ] || fail "bigsst.xlsx --list-sheets: got '$(cat "$T/out")'"
done_ok
