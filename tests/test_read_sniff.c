/* test_read_sniff.c - the one content sniffer (read/sniff.c), as the
 * reader and the upload service ask it: signatures, text, and the rule
 * that a name claiming a workbook must hold one. */
#include "read/reader.h"
#include "test.h"

struct sniff_case {
    const char *what;
    const char *head;
    size_t len;
    const char *name;
    const char *encoding;
    int want;
    const char *why; /* a piece of the refusal, for 0 */
};

#define C(what, bytes, name, enc, want, why)                \
    {                                                       \
        what, bytes, sizeof bytes - 1, name, enc, want, why \
    }

static const struct sniff_case cases[] = {
    C("zip", "PK\3\4\24\0\0\0", "a.xlsx", NULL, SL_FORMAT_XLSX, NULL),
    C("zip named .csv: content wins", "PK\3\4\24\0\0\0", "a.csv", NULL, SL_FORMAT_XLSX, NULL),
    C("empty zip", "PK\5\6\0\0\0\0\0\0\0\0", "a.xlsx", NULL, 0, "empty zip"),
    C("OLE2", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "a.xls", NULL, SL_FORMAT_XLS, NULL),
    C("CSV", "name,city\nAcme,Paris\n", "a.csv", NULL, SL_FORMAT_CSV, NULL),
    C("CSV without a name", "name,city\nAcme,Paris\n", NULL, NULL, SL_FORMAT_CSV, NULL),
    C("CSV with a form feed", "name,city\nAcme,Par\fis\n", "a.csv", NULL, SL_FORMAT_CSV, NULL),
    C("CSV named .xlsx", "name,city\nAcme,Paris\n", "prices.xlsx", NULL, 0, "not a workbook"),
    C("CSV named .XLS", "name,city\nAcme,Paris\n", "OLD.XLS", NULL, 0, "ends in .xls"),
    C("CSV named .xlsm", "name,city\n", "m.xlsm", NULL, 0, "not a workbook"),
    C("UTF-16 with a BOM", "\xFF\xFEn\0a\0m\0e\0\n\0", "a.csv", NULL, SL_FORMAT_CSV, NULL),
    C("UTF-16 without a BOM", "n\0a\0m\0e\0,\0c\0i\0t\0y\0\n\0", "a.csv", NULL, 0, "--encoding"),
    C("UTF-16 without a BOM, encoding given", "n\0a\0m\0e\0,\0c\0i\0t\0y\0\n\0", "a.csv",
      "utf-16le", SL_FORMAT_CSV, NULL),
    C("PDF", "%PDF-1.4\n", "doc.xlsx", NULL, 0, "PDF"),
    C("PDF, encoding given", "%PDF-1.4\n", "doc.csv", "cp1252", 0, "PDF"),
    C("PNG", "\x89PNG\r\n\x1a\n", "x.csv", NULL, 0, "PNG"),
    C("RTF", "{\\rtf1\\ansi", "x.csv", NULL, 0, "RTF"),
    C("gzip", "\x1F\x8B\x08\0", "x.csv", NULL, 0, "gzip"),
    C("bzip2", "BZh91AY", "x.csv", NULL, 0, "bzip2"),
    C("a CSV that starts with BZh", "BZhang,city\n", "x.csv", NULL, SL_FORMAT_CSV, NULL),
    C("BIFF2", "\x09\x00\x04\x00\x02\x00", "x.xls", "cp1252", 0, "BIFF2-4"),
    C("binary", "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11", "x.csv", NULL, 0, "binary"),
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct sniff_case *c = &cases[i];
        const char *why = NULL;
        int got = sl_sniff(c->head, c->len, c->name, c->encoding, &why);
        if (got != c->want)
            T_FAIL("%s: format %d, want %d (%s)", c->what, got, c->want, why ? why : "");
        if (c->want == 0 && (!why || !strstr(why, c->why)))
            T_FAIL("%s: why '%s' lacks '%s'", c->what, why ? why : "(null)", c->why);
        char buf[512];
        T_EQ_INT(sheetload_sniff(c->head, c->len, c->name, c->encoding, buf, sizeof buf), got);
        if (got == 0)
            T_EQ_STR(buf, why);
    }
}

/* Only the first SHEETLOAD_SNIFF_BYTES count: text that turns binary later
 * is the CSV reader's to report, for the reader and an upload alike. */
static void test_window(void)
{
    static char buf[SHEETLOAD_SNIFF_BYTES + 64];
    memset(buf, 'a', sizeof buf);
    memset(buf + SHEETLOAD_SNIFF_BYTES, 0, 64);
    const char *why;
    T_EQ_INT(sl_sniff(buf, sizeof buf, "x.csv", NULL, &why), SL_FORMAT_CSV);
    T_EQ_INT(sl_sniff(buf, 0, "x.csv", NULL, &why), 0);
}

int main(void)
{
    T_RUN(test_cases);
    T_RUN(test_window);
    return 0;
}
