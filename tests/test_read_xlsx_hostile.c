/* test_read_xlsx_hostile.c - broken and hostile workbooks (SPEC §8): each is
 * refused with a one-line error naming the part, or read correctly, never a
 * crash, a hang or unbounded memory. The files are made at run time by the
 * python3 script below (zipfile + zlib, streamed: the 1.5 GiB bomb never
 * touches the disk inflated) in a temporary folder. Each case runs in a
 * child process with an alarm, and its peak RSS is checked. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"
#include "read/xlsx.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RSS_SLACK_MB 700 /* the sanitizer's shadow memory and quarantine */
#else
#define RSS_SLACK_MB 0
#endif

static const char *gen_py =
    "import os, sys, struct, zipfile, zlib\n"
    "D = sys.argv[1]\n"
    "CT = '<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>'\n"
    "RELS = ('<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">'\n"
    "        '<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
    "Target=\"xl/workbook.xml\"/></Relationships>')\n"
    "WB = ('<?xml version=\"1.0\"?><workbook "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" '\n"
    "      "
    "'xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>'\n"
    "      '<sheet name=\"Data\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"Other\" sheetId=\"2\" "
    "r:id=\"rId2\"/></sheets></workbook>')\n"
    "WBRELS = ('<?xml version=\"1.0\"?><Relationships "
    "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">'\n"
    "          '<Relationship Id=\"rId1\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>'\n"
    "          '<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet2.xml\"/>'\n"
    "          '<Relationship Id=\"rId3\" "
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
    "Target=\"sharedStrings.xml\"/></Relationships>')\n"
    "HEAD = '<?xml version=\"1.0\"?><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>'\n"
    "TAIL = '</sheetData></worksheet>'\n"
    "SST_HEAD = '<?xml version=\"1.0\"?><sst "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">'\n"
    "\n"
    "_plain = zipfile._get_compressor\n"
    "def rle_compressor(on=True):\n"
    "    # zlib's run-length strategy: fast on the runs of one byte made here\n"
    "    zipfile._get_compressor = (lambda t, l=None: zlib.compressobj(9, zlib.DEFLATED, -15, 9, "
    "zlib.Z_RLE)) if on else _plain\n"
    "\n"
    "def book(name, sheet=None, sst=None, drop=(), streams=None, bs=False):\n"
    "    \"\"\"A workbook; sheet/sst are str or bytes; streams: {part: iterator of bytes}.\"\"\"\n"
    "    with zipfile.ZipFile(os.path.join(D, name), 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "        parts = {'[Content_Types].xml': CT, '_rels/.rels': RELS, 'xl/workbook.xml': WB,\n"
    "                 'xl/_rels/workbook.xml.rels': WBRELS,\n"
    "                 'xl/worksheets/sheet2.xml': HEAD + '<row r=\"1\"><c "
    "r=\"A1\"><v>2</v></c></row>' + TAIL}\n"
    "        if sheet is not None:\n"
    "            parts['xl/worksheets/sheet1.xml'] = sheet\n"
    "        if sst is not None:\n"
    "            parts['xl/sharedStrings.xml'] = sst\n"
    "        for p, v in parts.items():\n"
    "            if p not in drop:\n"
    "                z.writestr(p.replace('/', '\\\\') if bs and p[0] != '[' else p, v)\n"
    "        for p, it in (streams or {}).items():\n"
    "            with z.open(p, 'w', force_zip64=True) as f:\n"
    "                for chunk in it:\n"
    "                    f.write(chunk)\n"
    "\n"
    "def w(name, data):\n"
    "    with open(os.path.join(D, name), 'wb') as f:\n"
    "        f.write(data)\n"
    "\n"
    "ok_sheet = HEAD + '<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c "
    "r=\"B1\"><v>1.5</v></c></row>' + TAIL\n"
    "ok_sst = SST_HEAD + '<si><t>hello</t></si></sst>'\n"
    "book('ok.xlsx', ok_sheet, ok_sst)\n"
    "# Every part name written with backslashes, as some producers do.\n"
    "book('backslash.xlsx', ok_sheet, ok_sst, bs=True)\n"
    "w('notzip.xlsx', b'%PDF-1.4 this is not a zip archive at all\\n' * 10)\n"
    "w('empty.xlsx', b'')\n"
    "data = open(os.path.join(D, 'ok.xlsx'), 'rb').read()\n"
    "w('truncated.xlsx', data[:len(data) // 2])\n"
    "with zipfile.ZipFile(os.path.join(D, 'noworkbook.xlsx'), 'w') as z:\n"
    "    z.writestr('hello.txt', 'no workbook here')\n"
    "book('nosheetpart.xlsx', None, ok_sst)\n"
    "book('cutxml.xlsx', ok_sheet[:len(ok_sheet) - 40], ok_sst)\n"
    "laughs = ('<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">'\n"
    "          + ''.join('<!ENTITY lol%d \"%s\">' % (i, ('&lol%d;' % (i - 1) if i > 1 else "
    "'&lol;') * 10) for i in range(1, 10))\n"
    "          + ']><worksheet "
    "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>'\n"
    "          '<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>' + "
    "TAIL)\n"
    "book('laughs.xlsx', laughs, ok_sst)\n"
    "book('laughs_sst.xlsx', ok_sheet, laughs.replace('<worksheet', "
    "'<sst').replace('</sheetData></worksheet>', '</sst>'))\n"
    "book('deep.xlsx', HEAD + '<x>' * 200000 + '</x>' * 200000 + TAIL, ok_sst)\n"
    "book('sstpast.xlsx', HEAD + '<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"D3\" "
    "t=\"s\"><v>7</v></c></row>' + TAIL, ok_sst)\n"
    "book('sstnan.xlsx', HEAD + '<row r=\"2\"><c r=\"B2\" t=\"s\"><v>abc</v></c></row>' + TAIL, "
    "ok_sst)\n"
    "book('rowpast.xlsx', HEAD + '<row "
    "r=\"1048576\"><c><v>1</v></c></row><row><c><v>2</v></c></row>' + TAIL, ok_sst)\n"
    "book('colpast.xlsx', HEAD + '<row r=\"2\"><c r=\"XFD2\"><v>1</v></c><c "
    "r=\"XFE2\"><v>2</v></c></row>' + TAIL, ok_sst)\n"
    "book('nosst.xlsx', HEAD + '<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>' + TAIL, "
    "None)\n"
    "# 100 MB of text in one cell; a 30,000-byte period (inside deflate's 32 KiB\n"
    "# window) keeps it near 100:1, under the ratio limit, so the cell limit acts.\n"
    "import random\n"
    "rnd = random.Random(7)\n"
    "period = bytes(rnd.choice(b'abcdefghijklmnopqrstuvwxyz ') for _ in range(30000))\n"
    "unit = period * 35  # ~1 MB\n"
    "big = 100\n"
    "book('bigcell_inline.xlsx', None, ok_sst, streams={'xl/worksheets/sheet1.xml': iter(\n"
    "    [(HEAD + '<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>').encode()] + [unit] * big\n"
    "    + [('</t></is></c></row>' + TAIL).encode()])})\n"
    "book('bigcell_sst.xlsx', ok_sheet, None, streams={'xl/sharedStrings.xml': iter(\n"
    "    [(SST_HEAD + '<si><t>').encode()] + [unit] * big + [b'</t></si></sst>'])})\n"
    "rle_compressor(False)\n"
    "n = 10000000\n"
    "book('sst10m.xlsx', HEAD + '<row r=\"1\"><c r=\"A1\" t=\"s\"><v>%d</v></c><c r=\"B1\" "
    "t=\"s\"><v>%d</v></c>'\n"
    "     '<c r=\"C1\"><v>42</v></c></row><row r=\"2\"><c r=\"A2\" "
    "t=\"s\"><v>5000000</v></c></row>' % (n, n - 1) + TAIL,\n"
    "     None, streams={'xl/sharedStrings.xml': iter(\n"
    "         [SST_HEAD.encode()] + [b'<si><t/></si>' * 100000] * (n // 100000) + "
    "[b'<si><t>end</t></si></sst>'])})\n"
    "rle_compressor()\n"
    "gib = 1536\n"
    "book('bomb.xlsx', None, ok_sst, streams={'xl/worksheets/sheet1.xml': iter(\n"
    "    [HEAD.encode()] + [b' ' * (1 << 20)] * gib + [TAIL.encode()])})\n"
    "# A smaller bomb whose headers lie: 64 MiB inflated, declared as 1000 bytes.\n"
    "book('liar.xlsx', None, ok_sst, streams={})\n"
    "with zipfile.ZipFile(os.path.join(D, 'liar.xlsx'), 'a', zipfile.ZIP_DEFLATED) as z:\n"
    "    z.writestr('xl/worksheets/sheet1.xml', HEAD + ' ' * (64 << 20) + TAIL)\n"
    "b = bytearray(open(os.path.join(D, 'liar.xlsx'), 'rb').read())\n"
    "name = b'xl/worksheets/sheet1.xml'\n"
    "i = b.find(b'PK\\x01\\x02' + b'\\x00' * 0)  # patch the sheet's central entry and local "
    "header\n"
    "while i >= 0:\n"
    "    nl = struct.unpack('<H', b[i + 28:i + 30])[0]\n"
    "    if b[i + 46:i + 46 + nl] == name:\n"
    "        struct.pack_into('<I', b, i + 24, 1000)\n"
    "        loc = struct.unpack('<I', b[i + 42:i + 46])[0]\n"
    "        struct.pack_into('<I', b, loc + 22, 1000)\n"
    "    i = b.find(b'PK\\x01\\x02', i + 4)\n"
    "w('liar.xlsx', bytes(b))\n"
    "# Shared strings whose headers lie: ~1 MB inflated, declared as 1000 bytes\n"
    "# (the table is sized by the declared size, so it must be refused).\n"
    "book('liarsst.xlsx', ok_sheet, None, streams={})\n"
    "with zipfile.ZipFile(os.path.join(D, 'liarsst.xlsx'), 'a', zipfile.ZIP_DEFLATED) as z:\n"
    "    z.writestr('xl/sharedStrings.xml', SST_HEAD + '<si><t>x</t></si>' * 60000 + '</sst>')\n"
    "b = bytearray(open(os.path.join(D, 'liarsst.xlsx'), 'rb').read())\n"
    "name = b'xl/sharedStrings.xml'\n"
    "i = b.find(b'PK\\x01\\x02')\n"
    "while i >= 0:\n"
    "    nl = struct.unpack('<H', b[i + 28:i + 30])[0]\n"
    "    if b[i + 46:i + 46 + nl] == name:\n"
    "        struct.pack_into('<I', b, i + 24, 1000)\n"
    "        loc = struct.unpack('<I', b[i + 42:i + 46])[0]\n"
    "        struct.pack_into('<I', b, loc + 22, 1000)\n"
    "    i = b.find(b'PK\\x01\\x02', i + 4)\n"
    "w('liarsst.xlsx', bytes(b))\n"
    "# The sheet's CRC-32 wrong in both headers: inflating must notice.\n"
    "def patch(src, dst, part, fn):\n"
    "    b = bytearray(open(os.path.join(D, src), 'rb').read())\n"
    "    i = b.find(b'PK\\x01\\x02')\n"
    "    while i >= 0:\n"
    "        nl = struct.unpack('<H', b[i + 28:i + 30])[0]\n"
    "        if b[i + 46:i + 46 + nl] == part:\n"
    "            fn(b, i, struct.unpack('<I', b[i + 42:i + 46])[0])\n"
    "        i = b.find(b'PK\\x01\\x02', i + 4)\n"
    "    w(dst, bytes(b))\n"
    "def badcrc(b, i, loc):\n"
    "    b[i + 16] ^= 0x55\n"
    "    b[loc + 14] ^= 0x55\n"
    "book('crc.xlsx', HEAD + '<row r=\"1\"><c r=\"A1\"><v>7</v></c></row>' * 3000 + TAIL, ok_sst)\n"
    "patch('crc.xlsx', 'crc.xlsx', b'xl/worksheets/sheet1.xml', badcrc)\n"
    "# The sheet's deflate stream cut short: both headers say 8 compressed bytes fewer.\n"
    "def cut(b, i, loc):\n"
    "    comp = struct.unpack('<I', b[i + 20:i + 24])[0]\n"
    "    struct.pack_into('<I', b, i + 20, comp - 8)\n"
    "    struct.pack_into('<I', b, loc + 18, comp - 8)\n"
    "book('cutdeflate.xlsx', HEAD + '<row r=\"1\"><c r=\"A1\"><v>7</v></c></row>' * 3000 + TAIL, "
    "ok_sst)\n"
    "patch('cutdeflate.xlsx', 'cutdeflate.xlsx', b'xl/worksheets/sheet1.xml', cut)\n"
    "\n";

static char dir[256];

/* Opens path and reads every row; returns the code, msg filled; cells of
 * the first two rows copied into first (for the success cases). */
static int read_all(const char *name, const struct sheetload_limits *lim, char *msg, size_t cap,
                    char first[2][4][16])
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct sl_reader_opts opts;
    memset(&opts, 0, sizeof opts);
    if (lim)
        opts.limits = *lim;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_xlsx *x = NULL;
    int rc = sl_xlsx_open(&x, path, &opts, &err);
    struct sl_row row;
    int nrow = 0;
    while (!rc && (rc = sl_xlsx_next(x, &row, &err)) == 1) {
        if (first && nrow < 2)
            for (size_t c = 0; c < row.ncells && c < 4; c++)
                snprintf(first[nrow][c], 16, "%.15s", row.cells[c].text);
        nrow++;
        rc = 0;
    }
    sl_xlsx_close(x);
    sl_err_format(&err, msg, cap);
    return rc;
}

struct hcase {
    const char *file;
    int code;         /* expected result */
    const char *want; /* substring of the message */
    long max_rss_mb;  /* peak RSS of the child */
};

static const struct hcase cases[] = {
    {"ok.xlsx", 0, "", 64},
    {"backslash.xlsx", 0, "", 64},
    {"notzip.xlsx", SL_EZIP, "not a zip archive", 64},
    {"empty.xlsx", SL_EZIP, "is empty", 64},
    {"truncated.xlsx", SL_EZIP, "is a truncated zip archive", 64},
    {"noworkbook.xlsx", SL_EXLSX,
     "no workbook: '_rels/.rels' names none and there is no 'xl/workbook.xml' (the archive holds "
     "1: 'hello.txt')",
     64},
    {"nosheetpart.xlsx", SL_EXLSX,
     "'xl/worksheets/sheet1.xml': sheet 'Data' is named in 'xl/_rels/workbook.xml.rels' but the "
     "archive has no such part (it holds 6: '[Content_Types].xml', '_rels/.rels', "
     "'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet2.xml', "
     "'xl/sharedStrings.xml')",
     64},
    {"cutxml.xlsx", SL_EXML, "'xl/worksheets/sheet1.xml' line 1: ", 64},
    {"laughs.xlsx", SL_EXML, "'xl/worksheets/sheet1.xml' line 1: has a DTD", 64},
    {"laughs_sst.xlsx", SL_EXML, "'xl/sharedStrings.xml' line 1: has a DTD", 64},
    {"deep.xlsx", SL_ELIMIT,
     "'xl/worksheets/sheet1.xml' line 1: XML nested deeper than the limit of 256", 64},
    {"sstpast.xlsx", SL_EXLSX,
     "sheet 'Data', row 3, column D: 'xl/worksheets/sheet1.xml' line 1: shared string 7 does not "
     "exist (the table has 1 strings)",
     64},
    {"sstnan.xlsx", SL_EXLSX,
     "row 2, column B: 'xl/worksheets/sheet1.xml' line 1: shared string index 'abc' is not a "
     "number",
     64},
    {"rowpast.xlsx", SL_EXLSX,
     "row 1048577: 'xl/worksheets/sheet1.xml' line 1: row 1048577 passes row 1,048,576, the last "
     "one a sheet can have; the workbook is malformed",
     64},
    {"colpast.xlsx", SL_EXLSX,
     "row 2, column XFE: 'xl/worksheets/sheet1.xml' line 1: a cell passes column XFD (16,384), the "
     "last one a sheet can have; the workbook is malformed",
     64},
    {"nosst.xlsx", SL_EXLSX, "shared string 0 does not exist", 64},
    {"bigcell_inline.xlsx", SL_ELIMIT,
     "row 1, column A: 'xl/worksheets/sheet1.xml' line 1: a text passes the limit of 67108864 "
     "bytes for one cell",
     200},
    {"bigcell_sst.xlsx", SL_ELIMIT,
     "'xl/sharedStrings.xml' line 1: a text passes the limit of 67108864 bytes for one cell", 200},
    {"bomb.xlsx", SL_ELIMIT,
     "'xl/worksheets/sheet1.xml': compression ratio passes the limit of 1000:1 (a zip bomb?)", 64},
    {"sst10m.xlsx", 0, "", 160},
    {"crc.xlsx", SL_EZIP, "'xl/worksheets/sheet1.xml': broken zip entry", 64},
    {"cutdeflate.xlsx", SL_EZIP, "'xl/worksheets/sheet1.xml': broken zip entry", 64},
    {"liarsst.xlsx", SL_EZIP,
     "'xl/sharedStrings.xml': inflates to more than the 1000 bytes its zip header declares; the "
     "file is broken",
     64},
};

static int run_case(const struct hcase *c)
{
    char msg[2048];
    char first[2][4][16];
    memset(first, 0, sizeof first);
    int rc = read_all(c->file, NULL, msg, sizeof msg, first);
    if (rc != c->code) {
        fprintf(stderr, "%s: code %d (%s), want %d\n", c->file, rc, msg, c->code);
        return 1;
    }
    if (c->code && (!strstr(msg, c->want) || strchr(msg, '\n'))) {
        fprintf(stderr, "%s: message \"%s\" lacks \"%s\" (or is not one line)\n", c->file, msg,
                c->want);
        return 1;
    }
    if ((!strcmp(c->file, "ok.xlsx") || !strcmp(c->file, "backslash.xlsx")) &&
        (strcmp(first[0][0], "hello") || strcmp(first[0][1], "1.5"))) {
        fprintf(stderr, "%s: got '%s','%s'\n", c->file, first[0][0], first[0][1]);
        return 1;
    }
    if (!strcmp(c->file, "sst10m.xlsx") && (strcmp(first[0][0], "end") || first[0][1][0] ||
                                            strcmp(first[0][2], "42") || first[1][0][0])) {
        fprintf(stderr, "sst10m.xlsx: got '%s','%s','%s' / '%s'\n", first[0][0], first[0][1],
                first[0][2], first[1][0]);
        return 1;
    }
    fprintf(stderr, "   %-22s %s\n", c->file, c->code ? msg : "read");
    return 0;
}

/* Runs fn in a child with a time limit; returns its exit status, *rss_mb its
 * peak RSS. */
static int in_child(int (*fn)(const void *), const void *arg, long *rss_mb)
{
    fflush(NULL);
    pid_t pid = fork();
    T_OK(pid >= 0);
    if (pid == 0) {
        alarm(300);
        _exit(fn(arg));
    }
    int st = 0;
    struct rusage ru;
    T_OK(wait4(pid, &st, 0, &ru) == pid);
    *rss_mb = ru.ru_maxrss / 1024;
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "child killed by signal %d\n", WTERMSIG(st));
        return 1;
    }
    return WEXITSTATUS(st);
}

static int case_fn(const void *arg)
{
    return run_case(arg);
}

/* The headers of liar.xlsx say 1000 bytes; 64 MiB come out. With the entry
 * limit at 16 MiB it must be stopped while inflating. */
static int liar_fn(const void *arg)
{
    struct sheetload_limits lim;
    memset(&lim, 0, sizeof lim);
    lim.max_entry_bytes = 16u << 20;
    char msg[2048];
    int rc = read_all("liar.xlsx", &lim, msg, sizeof msg, NULL);
    fprintf(stderr, "   %-22s %s\n", "liar.xlsx", msg);
    if (rc >= 0 || !strstr(msg, "'xl/worksheets/sheet1.xml'")) {
        fprintf(stderr, "liar.xlsx: code %d: %s\n", rc, msg);
        return 1;
    }
    return 0;
}

/* A missing sheet names the ones there are. */
static int sheet_fn(const void *arg)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ok.xlsx", dir);
    struct sl_reader_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.sheet = "Prices";
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_xlsx *x = NULL;
    T_EQ_INT(sl_xlsx_open(&x, path, &opts, &err), SL_ENOTFOUND);
    T_EQ_STR(err.msg, "sheet 'Prices' not found; the workbook has 'Data', 'Other'");
    memset(&err, 0, sizeof err);
    opts.sheet = "2";
    T_EQ_INT(sl_xlsx_open(&x, path, &opts, &err), 0);
    T_EQ_INT(sl_xlsx_current_sheet(x), 1);
    T_EQ_INT(sl_xlsx_sheet_count(x), 2);
    T_EQ_STR(sl_xlsx_sheet_name(x, 1), "Other");
    struct sl_row row;
    T_EQ_INT(sl_xlsx_next(x, &row, &err), 1);
    T_EQ_STR(row.cells[0].text, "2");
    T_EQ_INT(sl_xlsx_next(x, &row, &err), 0);
    sl_xlsx_close(x);
    return 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/sl-xlsx-hostile.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    T_OK(mkdtemp(dir));
    char script[300], cmd[700];
    snprintf(script, sizeof script, "%s/gen.py", dir);
    FILE *f = fopen(script, "w");
    T_OK(f);
    fputs(gen_py, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", script, dir);
    int st = system(cmd);
    int failed = 0;
    if (st != 0) {
        fprintf(stderr, "FAIL: the generator failed (%d)\n", st);
        failed = 1;
    }
    for (size_t i = 0; !failed && i < sizeof cases / sizeof cases[0]; i++) {
        long rss = 0;
        int bad = in_child(case_fn, &cases[i], &rss);
        fprintf(stderr, "      (peak RSS %ld MB)\n", rss);
        if (bad) {
            fprintf(stderr, "FAIL: %s\n", cases[i].file);
            failed++;
        } else if (rss > cases[i].max_rss_mb + RSS_SLACK_MB) {
            fprintf(stderr, "FAIL: %s: peak RSS %ld MB, limit %ld MB\n", cases[i].file, rss,
                    cases[i].max_rss_mb + RSS_SLACK_MB);
            failed++;
        }
    }
    long rss = 0;
    if (!failed && in_child(liar_fn, NULL, &rss)) {
        fprintf(stderr, "FAIL: liar.xlsx\n");
        failed++;
    }
    if (!failed && in_child(sheet_fn, NULL, &rss)) {
        fprintf(stderr, "FAIL: sheet choice\n");
        failed++;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    if (failed)
        return 1;
    printf("xlsx hostile inputs: all refused or read as they should\n");
    return 0;
}
