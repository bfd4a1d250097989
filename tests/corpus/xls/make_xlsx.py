#!/usr/bin/python3
"""make_xlsx.py OUTDIR - writes the .xlsx sources of this corpus with
hand-made XML (standard library only): mixed.xlsx (four sheets: values,
dates in the 1900 system, an empty sheet, a Unicode name), dates1904.xlsx
(the 1904 system) and biff5.xlsx (what an Excel 95 file can hold), plus
one single-sheet copy of every sheet (NAME.sheetN.xlsx) for the reference
tools/xlsx_expected.py, which reads first sheets only. make.sh converts them
with LibreOffice and Gnumeric."""
import sys, zipfile
from xml.sax.saxutils import escape

def col(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s

# styles: 0 general, 1 date (14), 2 datetime (22), 3 time (21), 4 elapsed (46),
# 5 custom yyyy-mm-dd hh:mm, 6 zero pad 00000, 7 percent (10), 8 custom h:mm AM/PM, 9 text @
STYLES = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/><numFmt numFmtId="165" formatCode="00000"/><numFmt numFmtId="166" formatCode="h:mm\\ AM/PM"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="10">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="46" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>'''

def sheet_xml(rows, sst):
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows):
        if row is None:
            continue
        cells = []
        for c, cell in enumerate(row):
            if cell is None:
                continue
            kind, val = cell[0], cell[1]
            st = cell[2] if len(cell) > 2 else 0
            ref = '%s%d' % (col(c), r + 1)
            sa = ' s="%d"' % st if st else ''
            if kind == 's':
                if val not in sst:
                    sst[val] = len(sst)
                cells.append('<c r="%s" t="s"%s><v>%d</v></c>' % (ref, sa, sst[val]))
            elif kind == 'n':
                cells.append('<c r="%s"%s><v>%s</v></c>' % (ref, sa, val))
            elif kind == 'b':
                cells.append('<c r="%s" t="b"%s><v>%d</v></c>' % (ref, sa, 1 if val else 0))
            elif kind == 'e':
                f = cell[3]
                cells.append('<c r="%s" t="e"%s><f>%s</f><v>%s</v></c>' % (ref, sa, escape(f), escape(val)))
            elif kind == 'fn':  # numeric formula with cached value
                cells.append('<c r="%s"%s><f>%s</f><v>%s</v></c>' % (ref, sa, escape(cell[3]), val))
            elif kind == 'fs':  # string formula with cached value
                cells.append('<c r="%s" t="str"%s><f>%s</f><v>%s</v></c>' % (ref, sa, escape(cell[3]), escape(val)))
            elif kind == 'fb':
                cells.append('<c r="%s" t="b"%s><f>%s</f><v>%d</v></c>' % (ref, sa, escape(cell[3]), val))
            elif kind == 'st':  # styled empty cell
                cells.append('<c r="%s"%s/>' % (ref, sa))
        out.append('<row r="%d">%s</row>' % (r + 1, ''.join(cells)))
    out.append('</sheetData></worksheet>')
    return ''.join(out)

def write(path, sheets, date1904=False):
    sst = {}
    parts = [(name, sheet_xml(rows, sst)) for name, rows in sheets]
    z = zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED)
    z.writestr('[Content_Types].xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + ''.join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1) for i in range(len(parts)))
        + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>')
    z.writestr('_rels/.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')
    z.writestr('xl/workbook.xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<workbookPr%s/><sheets>' % (' date1904="1"' if date1904 else '')
        + ''.join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (escape(n, {'"': '&quot;'}), i + 1, i + 1) for i, (n, _) in enumerate(parts))
        + '</sheets></workbook>')
    n = len(parts)
    z.writestr('xl/_rels/workbook.xml.rels', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + ''.join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1) for i in range(n))
        + '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' % (n + 1)
        + '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' % (n + 2)
        + '</Relationships>')
    for i, (_, xml) in enumerate(parts):
        z.writestr('xl/worksheets/sheet%d.xml' % (i + 1), xml)
    strs = sorted(sst, key=sst.get)
    z.writestr('xl/sharedStrings.xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(strs), len(strs))
        + ''.join('<si><t xml:space="preserve">%s</t></si>' % escape(s) for s in strs) + '</sst>')
    z.writestr('xl/styles.xml', STYLES)
    z.close()

S = lambda v: ('s', v)
N = lambda v, st=0: ('n', repr(v) if isinstance(v, float) else str(v), st)

values = [
    [S('kind'), S('value'), S('note')],
    [S('int'), N(42)],
    [S('negative'), N(-40)],
    [S('zero'), N(0)],
    [S('decimal'), N(0.1)],
    [S('noise'), N(12.618328720000001)],
    [S('small'), N(1.5e-07)],
    [S('big int'), N(123456789012345)],
    [S('1e15'), N(1e15)],
    [S('huge'), N(1.23456789e+22)],
    [S('pi'), N(3.141592653589793)],
    [S('percent'), N(0.25, 7)],
    [S('zip'), N(501, 6)],
    [S('true'), ('b', True)],
    [S('false'), ('b', False)],
    [S('div0'), ('e', '#DIV/0!', 0, '1/0')],
    [S('na'), ('e', '#N/A', 0, 'NA()')],
    [S('formula'), ('fn', '6', 0, 'B2/7')],
    [S('formula str'), ('fs', 'forty-two', 0, '"forty-"&"two"')],
    [S('formula bool'), ('fb', 1, 0, 'B2>0')],
    None,
    [S('after gap'), S('x'), None, None, S('far')],
    [S('unicode'), S('Zürich – 東京 – Ελλάδα – 😀')],
    [S('latin1'), S('café crème')],
    [S('comma'), S('a, b "quoted"')],
    [S('newline'), S('line1\nline2')],
    [S('spaces'), S('  padded  ')],
    [S('long'), S('lorem ipsum ' * 400)],
    [S('long wide'), S('Ελλάδα – ' * 500)],
    [S('long formula'), ('fs', 'ab' * 4500, 0, 'REPT("ab",4500)')],
    [S('control'), S('tab\there')],
    [S('styled empty'), ('st', None, 7)],
    [S('text num'), ('s', '00123', 9)],
]

def dates(s1904):
    base = 1462 if s1904 else 0
    return [
        [S('kind'), S('serial'), S('shown')],
        [S('date'), N(41689 - base, 1)],
        [S('date frac'), N(41689.4375 - base, 1)],
        [S('datetime'), N(41689.4375 - base, 2)],
        [S('datetime midnight'), N(41689 - base, 2)],
        [S('time'), N(0.75, 3)],
        [S('time with day'), N(3.5, 3)],
        [S('elapsed'), N(1.5, 4)],
        [S('custom dt'), N(45000.5 - base, 5)],
        [S('ampm'), N(0.5625, 8)],
        [S('half sec'), N(41689 - base + 0.5 / 86400, 2)],
        [S('2100-03-01'), N(73110 - base, 1)],
        [S('9999-12-31'), N(2958465 - base, 1)],
        [S('early'), N(100, 1)],
        [S('negative'), N(-1, 1)],
    ]

biff5 = [
    [S('name'), S('amount'), S('when'), S('ok')],
    [S('café crème'), N(3.5), N(41689, 1), ('b', True)],
    [S('Zürich'), N(-12), N(41689.75, 2), ('b', False)],
    [S('plain'), N(1e-05), N(0.25, 3), ('e', '#N/A', 0, 'NA()')],
]

if __name__ == '__main__':
    out = sys.argv[1]
    books = {
        'mixed': ([('Values', values), ('Dates 1900', dates(False)), ('Empty', []),
                   ('Ünïcode sheet', [[S('α'), N(1)], [S('β'), N(2)]])], False),
        'dates1904': ([('Dates 1904', dates(True))], True),
        'biff5': ([('Excel 95', biff5)], False),
    }
    for name, (sheets, d1904) in books.items():
        write('%s/%s.xlsx' % (out, name), sheets, date1904=d1904)
        for i, sh in enumerate(sheets):
            write('%s/%s.sheet%d.xlsx' % (out, name, i + 1), [sh], date1904=d1904)
