/* sniff.c - the one content sniffer: what the first bytes of a file say it
 * is. The reader (import, cat) and the upload service (sheetload_sniff)
 * both ask it, so a file is taken or refused, with the same words,
 * wherever it comes in. A table of signatures, then a look at the text;
 * and the rule that a name claiming a workbook must hold one. */
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "read/reader.h"

/* Signatures, first match wins. A format of 0 refuses, with why. */
static const struct sig {
    const char *magic;
    size_t len;
    int format;
    const char *why;
} sigs[] = {
    {"PK\3\4", 4, SL_FORMAT_XLSX, NULL},
    {"PK\7\10", 4, SL_FORMAT_XLSX, NULL}, /* a spanned archive's marker */
    {"PK\5\6", 4, 0, "an empty zip archive: it holds no workbook"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, SL_FORMAT_XLS, NULL},
    {"%PDF", 4, 0, "a PDF document, not a spreadsheet; export the table as .xlsx or .csv"},
    {"\x7F"
     "ELF",
     4, 0, "a program (ELF), not a spreadsheet"},
    {"\x1F\x8B", 2, 0, "gzip-compressed; decompress it (gunzip) and load the file inside"},
    {"\xFD"
     "7zXZ",
     5, 0, "a compressed archive, not a spreadsheet; extract the .xlsx or .csv inside"},
    {"7z\xBC\xAF\x27\x1C", 6, 0,
     "a compressed archive, not a spreadsheet; extract the .xlsx or .csv inside"},
    {"Rar!", 4, 0, "a compressed archive, not a spreadsheet; extract the .xlsx or .csv inside"},
    {"\x89PNG", 4, 0, "a PNG image, not a spreadsheet"},
    {"GIF8", 4, 0, "a GIF image, not a spreadsheet"},
    {"\xFF\xD8\xFF", 3, 0, "a JPEG image, not a spreadsheet"},
    {"{\\rtf", 5, 0, "an RTF document, not a spreadsheet; save the table as .xlsx or .csv"},
};

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid, -1 if
 * cut short by the end of the buffer. */
static int u8seq(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    int k;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        k = 1;
    else if (b >= 0xE0 && b <= 0xEF)
        k = 2;
    else if (b >= 0xF0 && b <= 0xF4)
        k = 3;
    else
        return 0;
    for (int j = 1; j <= k; j++) {
        if ((size_t)j >= n)
            return -1;
        if ((s[j] & 0xC0) != 0x80)
            return 0;
    }
    if ((b == 0xE0 && s[1] < 0xA0) || (b == 0xED && s[1] > 0x9F) || (b == 0xF0 && s[1] < 0x90) ||
        (b == 0xF4 && s[1] > 0x8F))
        return 0;
    return k + 1;
}

/* Binary: a NUL, or more than 1 byte in 8 (and at least 8 bytes) that is a
 * control character other than the usual ones (TAB, LF, VT, FF, CR), or
 * more than half of the bytes not UTF-8. Text in an 8-bit encoding
 * (Windows-1252, Mac Roman) is not binary: the CSV reader reports it with
 * the option that reads it. */
static int looks_binary(const unsigned char *s, size_t n)
{
    if (memchr(s, 0, n))
        return 1;
    size_t ctrl = 0, bad = 0;
    for (size_t i = 0; i < n;) {
        int k = u8seq(s + i, n - i);
        if (k < 0)
            break; /* a character cut by the sniff window */
        if (k == 0) {
            bad++;
            i++;
            continue;
        }
        if (k == 1 && (s[i] < 0x20 || s[i] == 0x7F) && s[i] != '\t' && s[i] != '\n' &&
            s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            ctrl++;
        i += (size_t)k;
    }
    return (ctrl * 8 > n && ctrl >= 8) || (bad * 2 > n && bad >= 8);
}

/* Text with a NUL in every other byte, mostly: UTF-16 of Latin text. */
static int utf16_without_bom(const unsigned char *s, size_t n)
{
    size_t even = 0, odd = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        even += s[i] == 0;
        odd += s[i + 1] == 0;
    }
    size_t half = n / 2;
    return half >= 4 && (even * 4 > half * 3 || odd * 4 > half * 3);
}

static int has(const unsigned char *p, size_t n, const char *magic, size_t m)
{
    return n >= m && !memcmp(p, magic, m);
}

/* What text is: CSV, or why not. encoding: the user named the text's
 * encoding, so only what is certainly not text is refused. */
static int text_kind(const unsigned char *p, size_t n, int encoding, const char **why)
{
    if (n >= 4 && p[0] == 0x09 && (p[1] == 0x00 || p[1] == 0x02 || p[1] == 0x04) &&
        (p[2] == 0x04 || p[2] == 0x06 || p[2] == 0x08) && p[3] == 0x00) {
        *why = "an Excel 2.x-4.x worksheet (BIFF2-4), which sheetload does not read; save it as "
               ".xlsx";
        return 0;
    }
    if (has(p, n, "BZh", 3) && n > 3 && p[3] >= '1' && p[3] <= '9') {
        *why = "bzip2-compressed; decompress it (bunzip2) and load the file inside";
        return 0;
    }
    if (encoding || has(p, n, "\xFF\xFE", 2) || has(p, n, "\xFE\xFF", 2) ||
        has(p, n, "\0\0\xFE\xFF", 4))
        return SL_FORMAT_CSV; /* a byte-order mark or the user's word: the CSV reader decodes */
    if (utf16_without_bom(p, n)) {
        *why = "UTF-16 text without a byte-order mark; give its encoding with --encoding "
               "utf-16le (or utf-16be)";
        return 0;
    }
    if (looks_binary(p, n)) {
        *why = "a binary file, neither a workbook (.xlsx, .xls) nor CSV text";
        return 0;
    }
    return SL_FORMAT_CSV;
}

/* Does name end with an extension that claims a workbook? Returns it. */
static const char *workbook_name(const char *name)
{
    static const char *const ext[] = {".xlsx", ".xlsm", ".xls"};
    size_t len = name ? strlen(name) : 0;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (len > e && !strcasecmp(name + len - e, ext[i]))
            return ext[i];
    }
    return NULL;
}

int sl_sniff(const void *head, size_t n, const char *name, const char *encoding, const char **why)
{
    const unsigned char *p = head;
    *why = NULL;
    if (n > SHEETLOAD_SNIFF_BYTES)
        n = SHEETLOAD_SNIFF_BYTES;
    if (n == 0) {
        *why = "an empty file; there is nothing to read";
        return 0;
    }
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (has(p, n, sigs[i].magic, sigs[i].len)) {
            *why = sigs[i].why;
            return sigs[i].format;
        }
    int format = text_kind(p, n, encoding && *encoding, why);
    const char *ext = workbook_name(name);
    if (format == SL_FORMAT_CSV && ext) {
        *why = ext[3] == 's' && !ext[4]
                   ? "text, not a workbook, although its name ends in .xls (an export saved "
                     "as text or HTML?); open it in Excel and save it as .xlsx, or rename it "
                     "to .csv if it is CSV"
                   : "text, not a workbook, although its name says workbook (.xlsx, .xlsm); "
                     "save it from Excel as a workbook, or rename it to .csv if it is CSV";
        return 0;
    }
    return format;
}

int sheetload_sniff(const void *head, size_t n, const char *name, const char *encoding, char *why,
                    size_t cap)
{
    const char *w = NULL;
    int format = sl_sniff(head, n, name, encoding, &w);
    if (why && cap)
        sl_strlcpy(why, w ? w : "", cap);
    return format;
}
