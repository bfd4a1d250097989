/* xlsx_sheet.c - streaming one worksheet part, one row at a time.
 *
 * expat calls the handlers below as it parses; at the end of a <row> that
 * holds a value, the row is finished and the parser suspended, so the
 * caller gets it from sl_xlsx_next() before any more XML is read. Memory is
 * one row: the cells array and a text buffer reused from row to row.
 * Shared-string cells point into the shared strings' arena (no copy); other
 * cells' text is appended to the row's text buffer, and the pointers are set
 * when the row is finished (the buffer may move while it grows).
 *
 * Positions follow SPEC §3: <row r> or the previous row + 1; <c r> gives the
 * column (its row part is not used: cells are placed in their <row>), a
 * <c> without r is the previous cell's column + 1; a later cell at the same
 * position replaces an earlier one, an empty later cell clears it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/cellfmt.h"
#include "read/scan.h"
#include "read/xlsx_int.h"
#include "read/xml.h"

#define MAX_COL   16384           /* XFD: the last column a sheet can have */
#define MAX_ROW   1048576LL       /* the last row a sheet can have */
#define PARSE_MAX 1000000000000LL /* a row number past it is not read on */
#define SST_TAG   ((size_t)1 << (sizeof(size_t) * 8 - 1)) /* cell_off: a shared string */

static void fail_cell(struct sl_xlsx *x, int code, const char *fmt, const char *what)
{
    x->err_row = x->rownum;
    x->err_col = x->col;
    sl_xml_fail(x->xml, code, fmt, what);
}

/* The current cell is past the last column a sheet can have. */
static void fail_col(struct sl_xlsx *x)
{
    fail_cell(x, SL_EXLSX,
              "a cell passes column %s (16,384), the last one a sheet can have; the workbook is "
              "malformed",
              "XFD");
}

/* Parses "A1", "$B$7", ... (the n bytes at r, followed by a byte that is
 * no letter, digit or '$': the value's quote or NUL) into a column; 0 when
 * it is no such reference. */
static long ref_col(const char *r, size_t n)
{
    const unsigned char *p = (const unsigned char *)r, *l;
    unsigned u;
    long col = 0;
    p += *p == '$';
    for (l = p; (u = (unsigned)(*p | 0x20) - 'a') <= 25 && p - l < 4; p++)
        col = col * 26 + (long)u + 1; /* a letter of either case: 0..25 */
    if (p == l || p - l > 3)
        return 0;
    p += *p == '$';
    for (l = p; (unsigned)(*p - '0') <= 9;)
        p++;
    return p > l && p == (const unsigned char *)r + n ? col : 0;
}

static int parse_ll(const char *s, long long *out)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '+')
        s++;
    long long v = 0;
    const char *d = s;
    while (*s >= '0' && *s <= '9') {
        if (v > PARSE_MAX)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (s == d || *s)
        return -1;
    *out = v;
    return 0;
}

static int ctype_of(const char *t)
{
    if (!t)
        return CT_N;
    switch (t[0]) {
    case 's':
        if (!t[1])
            return CT_S;
        if (!strcmp(t, "str"))
            return CT_STR;
        break;
    case 'i':
        if (!strcmp(t, "inlineStr"))
            return CT_INLINE;
        break;
    case 'b':
        if (!t[1])
            return CT_B;
        break;
    case 'e':
        if (!t[1])
            return CT_E;
        break;
    case 'd':
        if (!t[1])
            return CT_D;
        break;
    }
    return CT_N;
}

static long style_of(const struct sl_xlsx *x, const char *s)
{
    long long v;
    if (!s || !*s)
        v = 0;
    else if (s[0] == '-') /* a negative index names no xf */
        return -1;
    else if (parse_ll(s, &v))
        v = 0;
    return v < (long long)x->nxf ? (long)v : -1;
}

static void row_begin(struct sl_xlsx *x)
{
    for (size_t i = 0; i < x->used; i++) {
        x->cells[i].text = "";
        x->cells[i].len = 0;
        x->cells[i].kind = SL_CELL_EMPTY;
    }
    x->used = 0;
    sl_buf_reset(&x->rowtext);
    x->col = 0;
}

static int grow_cells(struct sl_xlsx *x, size_t n);

static inline int ensure_cells(struct sl_xlsx *x, size_t n)
{
    return n <= x->cells_cap ? 0 : grow_cells(x, n);
}

static int grow_cells(struct sl_xlsx *x, size_t n)
{
    size_t cap = x->cells_cap ? x->cells_cap : 64;
    while (cap < n)
        cap *= 2;
    struct sl_cell *c = sl_realloc(x->cells, cap * sizeof *c);
    if (!c)
        return SL_ENOMEM;
    x->cells = c;
    size_t *o = sl_realloc(x->cell_off, cap * sizeof *o);
    if (!o)
        return SL_ENOMEM;
    x->cell_off = o;
    for (size_t i = x->cells_cap; i < cap; i++) {
        c[i].text = "";
        c[i].len = 0;
        c[i].kind = SL_CELL_EMPTY;
    }
    x->cells_cap = cap;
    return 0;
}

/* <row>: its number (r, else the previous + 1), a fresh row. */
static void row_start(struct sl_xlsx *x, const char **atts)
{
    const char *r = sl_xlsx_attr(atts, "r");
    long long num;
    if (!r) {
        num = x->rownum + 1;
    } else if (parse_ll(r, &num)) {
        x->col = 0;
        fail_cell(x, SL_EXLSX, "row number '%s' is not a number", r);
        return;
    }
    if (num > MAX_ROW) {
        char what[32];
        snprintf(what, sizeof what, "%lld", num);
        x->rownum = num;
        x->col = 0;
        fail_cell(x, SL_EXLSX,
                  "row %s passes row 1,048,576, the last one a sheet can have; the workbook is "
                  "malformed",
                  what);
        return;
    }
    x->rownum = num;
    x->in_row = 1;
    row_begin(x);
}

/* <c>: its column (r, else the previous + 1), type and style. */
static void cell_start(struct sl_xlsx *x, const char **atts)
{
    const char *r = NULL, *t = NULL, *s = NULL;
    for (const char **a = atts; a[0]; a += 2) {
        const char *an = a[0];
        if (an[1])
            continue;
        if (an[0] == 'r')
            r = a[1];
        else if (an[0] == 't')
            t = a[1];
        else if (an[0] == 's')
            s = a[1];
    }
    long col = r ? ref_col(r, strlen(r)) : 0;
    x->col = col ? col : x->col + 1;
    x->ctype = ctype_of(t);
    x->style = style_of(x, s);
    x->in_c = 1;
    x->have_v = x->have_is = 0;
    if (x->col > MAX_COL)
        fail_col(x);
}

/* A child of <c>: the first <v> is collected, the first <is> opened. */
static void value_start(struct sl_xlsx *x, const char *name)
{
    if (name[0] == 'v' && !name[1] && !x->have_v) {
        x->have_v = 1;
        sl_buf_reset(&x->vbuf);
        sl_xml_collect(x->xml, &x->vbuf);
    } else if (!x->have_is && !strcmp(name, "is")) {
        x->have_is = x->in_is = 1;
        sl_buf_reset(&x->isbuf);
    }
}

static void sheet_start(void *ud, const char *name, const char **atts, int depth)
{
    struct sl_xlsx *x = ud;
    switch (depth) { /* a start tag ends any collecting (xml.h) */
    case 2:
        if (!x->seen_sd && !strcmp(name, "sheetData"))
            x->in_sd = x->seen_sd = 1;
        return;
    case 3:
        if (x->in_sd && name[0] == 'r' && name[1] == 'o' && !strcmp(name, "row"))
            row_start(x, atts);
        return;
    case 4:
        if (x->in_row && name[0] == 'c' && !name[1])
            cell_start(x, atts);
        return;
    case 5:
        if (x->in_c)
            value_start(x, name);
        return;
    case 6:
        if (!x->in_is)
            return;
        if (name[0] == 't' && !name[1])
            sl_xml_collect(x->xml, &x->isbuf);
        else if (name[0] == 'r' && !name[1])
            x->in_r = 1;
        return;
    case 7:
        if (x->in_r && name[0] == 't' && !name[1])
            sl_xml_collect(x->xml, &x->isbuf);
        return;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The current cell's slot in the row (counted as used), or NULL: out of
 * memory, the parse failed. */
static inline struct sl_cell *cell_slot(struct sl_xlsx *x)
{
    size_t i = (size_t)x->col - 1;
    if (ensure_cells(x, i + 1)) {
        fail_cell(x, SL_ENOMEM, "%s", "out of memory");
        return NULL;
    }
    if (i >= x->used)
        x->used = i + 1;
    return &x->cells[i];
}

/* Puts text into the current cell (len 0 clears it). ext: text that lives
 * elsewhere (a shared string), else it is copied into the row's buffer. */
static void put_cell(struct sl_xlsx *x, const char *text, size_t len, int kind, int ext)
{
    struct sl_cell *c = cell_slot(x);
    size_t i = (size_t)x->col - 1;
    if (!c)
        return;
    if (len == 0) {
        c->text = "";
        c->len = 0;
        c->kind = SL_CELL_EMPTY;
        return;
    }
    c->len = len;
    c->kind = kind;
    if (ext) {
        c->text = text;
        x->cell_off[i] = SIZE_MAX;
        return;
    }
    x->cell_off[i] = x->rowtext.len;
    sl_buf_add(&x->rowtext, text, len);
    sl_buf_addch(&x->rowtext, '\0');
    if (x->rowtext.err)
        fail_cell(x, x->rowtext.err, "%s",
                  x->rowtext.err == SL_ELIMIT ? "the row's text passes its memory limit"
                                              : "out of memory");
}

static void put_string(struct sl_xlsx *x, struct sl_buf *b, int kind)
{
    size_t n = b->data ? sl_xesc_decode(b->data, b->len) : 0;
    put_cell(x, b->data, n, kind, 0);
}

/* The value's text without white space at either end: *n bytes. */
static const char *trimmed(const struct sl_buf *b, size_t *n)
{
    const char *s = b->data;
    size_t k = b->len;
    while (k && is_blank(*s))
        s++, k--;
    while (k && is_blank(s[k - 1]))
        k--;
    *n = k;
    return s;
}

/* The current cell holds shared string v (its <v>, a number). */
static void cell_shared_idx(struct sl_xlsx *x, uint64_t v)
{
    size_t have = 0;
    int w = v < x->sst_ready ? 0 : sl_xlsx_sst_wait(x, v, &have);
    if (w < 0) { /* the table failed to load: its error is the one to give */
        sl_xml_fail(x->xml, w, "the shared strings could not be read");
        return;
    }
    if (w > 0) {
        char what[64];
        snprintf(what, sizeof what, "%llu", (unsigned long long)v);
        x->err_row = x->rownum;
        x->err_col = x->col;
        sl_xml_fail(x->xml, SL_EXLSX, "shared string %s does not exist (the table has %zu strings)",
                    what, have);
        return;
    }
    /* Resolved when the row ends: the table is large and read at random,
     * so the row's lookups are prefetched and their misses overlap. (What
     * put_cell would do for an ext cell, for the commonest cell there is.) */
    struct sl_cell *c = cell_slot(x);
    if (!c)
        return;
    c->text = "";
    c->len = 1;
    c->kind = SL_CELL_STRING;
    x->cell_off[x->col - 1] = SST_TAG | (size_t)v;
    if (!x->defer_sst)
        sl_xlsx_sst_prefetch(x, v);
}

static void cell_shared(struct sl_xlsx *x)
{
    size_t n;
    const char *s = trimmed(&x->vbuf, &n);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        if (v < 1000000000000ULL)
            v = v * 10 + (uint64_t)(s[i] - '0');
    if (i == 0 || i < n) {
        fail_cell(x, SL_EXLSX, "shared string index '%s' is not a number", x->vbuf.data);
        return;
    }
    cell_shared_idx(x, v);
}

static void cell_number(struct sl_xlsx *x)
{
    double d;
    char out[SL_CELLFMT_MAX];
    if (sl_parse_double(x->vbuf.data, x->vbuf.len, &d)) {
        /* Not a number: keep the text rather than lose it. */
        size_t k = 0;
        while (k < x->vbuf.len && is_blank(x->vbuf.data[k]))
            k++;
        put_cell(x, x->vbuf.data, k == x->vbuf.len ? 0 : x->vbuf.len, SL_CELL_STRING, 0);
        return;
    }
    const struct sl_xlsx_xf *f = x->style >= 0 ? &x->xf[x->style] : &x->xf_none;
    if (f->kind != SL_NF_NONE) {
        size_t n = sl_fmt_serial(d, f->kind, x->date1904, out);
        if (n) {
            put_cell(x, out, n, SL_CELL_DATE, 0);
            return;
        }
    }
    size_t n = sl_fmt_number_padded(d, f->pad, out);
    put_cell(x, out, n, SL_CELL_NUMBER, 0);
}

static void cell_end(struct sl_xlsx *x)
{
    x->in_c = x->in_is = x->in_r = 0;
    if (x->ctype == CT_INLINE && x->have_is) {
        put_string(x, &x->isbuf, SL_CELL_STRING);
        return;
    }
    if (!x->have_v || x->vbuf.len == 0) {
        put_cell(x, "", 0, SL_CELL_EMPTY, 0);
        return;
    }
    switch (x->ctype) {
    case CT_S:
        cell_shared(x);
        return;
    case CT_INLINE:
    case CT_STR:
        put_string(x, &x->vbuf, SL_CELL_STRING);
        return;
    case CT_B: {
        size_t n;
        const char *s = trimmed(&x->vbuf, &n);
        int t = (n == 1 && s[0] == '1') || (n == 4 && !memcmp(s, "true", 4));
        put_cell(x, t ? "TRUE" : "FALSE", t ? 4 : 5, SL_CELL_BOOL, 0);
        return;
    }
    case CT_E:
        put_cell(x, x->vbuf.data, x->vbuf.len, SL_CELL_ERROR, 0);
        return;
    case CT_D: {
        char out[SL_CELLFMT_MAX];
        const struct sl_xlsx_xf *f = x->style >= 0 ? &x->xf[x->style] : &x->xf_none;
        size_t n = sl_fmt_iso(x->vbuf.data, x->vbuf.len, f->kind, out);
        if (n)
            put_cell(x, out, n, SL_CELL_DATE, 0);
        else
            put_cell(x, x->vbuf.data, x->vbuf.len, SL_CELL_STRING, 0);
        return;
    }
    default:
        cell_number(x);
    }
}

/* Finishes the row: pointers into the row's text, ncells; suspends the
 * parser when the row holds a value. */
static void row_end(struct sl_xlsx *x)
{
    x->in_row = 0;
    size_t n = x->used;
    while (n && x->cells[n - 1].kind == SL_CELL_EMPTY)
        n--;
    if (!n)
        return;
    if (x->sst_window && !x->defer_sst)
        sl_xlsx_sst_row(x);
    for (size_t i = 0; i < n; i++) {
        struct sl_cell *c = &x->cells[i];
        size_t o = x->cell_off[i];
        if (c->kind == SL_CELL_EMPTY || o == SIZE_MAX)
            continue;
        if (o & SST_TAG) {
            size_t v = o & ~SST_TAG;
            if (x->defer_sst) { /* the reader's caller resolves it */
                c->text = NULL;
                c->len = v;
                continue;
            }
            c->text = sl_xlsx_sst_get(x, v, &c->len);
            __builtin_prefetch(c->text); /* the caller reads it next */
            if (c->len == 0) {           /* an empty shared string: no value */
                c->text = "";
                c->kind = SL_CELL_EMPTY;
            }
        } else {
            c->text = x->rowtext.data + o;
        }
    }
    while (n && x->cells[n - 1].kind == SL_CELL_EMPTY)
        n--;
    if (!n)
        return;
    x->out.num = x->rownum;
    x->out.ncells = n;
    x->out.cells = x->cells;
    if (x->ahead) { /* parsed ahead: into the block, suspend when it is full */
        int rc = sl_xlsx_ahead_take(x);
        if (rc < 0)
            fail_cell(x, rc, "%s", "out of memory");
        else if (rc > 0)
            sl_xml_suspend(x->xml);
        return;
    }
    sl_xml_suspend(x->xml);
}

static void sheet_end(void *ud, int depth)
{
    struct sl_xlsx *x = ud;
    switch (depth) {
    case 2:
        x->in_sd = 0;
        return;
    case 3:
        if (x->in_row)
            row_end(x);
        return;
    case 4:
        if (x->in_c)
            cell_end(x);
        return;
    case 5:
        x->in_is = 0;
        return;
    case 6:
        x->in_r = 0;
        return;
    }
}

/* The fast lane: whole <c> elements of the shapes every writer uses, taken
 * from the bytes rather than five events each:
 *   <c r="A2" t="s" s="3"><v>TEXT</v></c>   or   ...><is><t>TEXT</t></is></c>
 * attributes r, t, s (each at most once, any order, one or more spaces
 * before each) with values of ASCII letters and digits in double quotes,
 * TEXT character data that needs no decoding (sl_scan_plain). A shared
 * string's index (t="s", TEXT of up to 15 digits) is read from the bytes
 * in place. The rest (another attribute, an entity, a line end, <f>, rich
 * text, an empty <c/>, anything in doubt) goes the usual way, which also
 * judges what is not well-formed. Nothing is written to the window. */

/* The bytes of values the lanes take: LANE_ALNUM, ASCII letters and digits
 * (a cell's attributes); LANE_RVAL, those and ":.-" (a row's, as in
 * spans="1:9" or ht="15.75"). */
enum { LANE_ALNUM = 1, LANE_RVAL = 2 };
static const unsigned char lane_cls[256] = {
    ['0'] = 3, ['1'] = 3, ['2'] = 3, ['3'] = 3, ['4'] = 3, ['5'] = 3, ['6'] = 3, ['7'] = 3,
    ['8'] = 3, ['9'] = 3, ['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3,
    ['G'] = 3, ['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3,
    ['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3, ['V'] = 3,
    ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3, ['a'] = 3, ['b'] = 3, ['c'] = 3, ['d'] = 3,
    ['e'] = 3, ['f'] = 3, ['g'] = 3, ['h'] = 3, ['i'] = 3, ['j'] = 3, ['k'] = 3, ['l'] = 3,
    ['m'] = 3, ['n'] = 3, ['o'] = 3, ['p'] = 3, ['q'] = 3, ['r'] = 3, ['s'] = 3, ['t'] = 3,
    ['u'] = 3, ['v'] = 3, ['w'] = 3, ['x'] = 3, ['y'] = 3, ['z'] = 3, [':'] = 2, ['.'] = 2,
    ['-'] = 2};

/* The attributes of the start tag at p: v[k], n[k] for r, t, s (NULL when
 * absent) and *gt at its '>'; 0 when it is not of the shape above. The
 * byte loops need no bound: the window ends in a NUL (scan.h), which no
 * class takes. */
static int whole_atts(char *p, char *e, char *v[3], size_t n[3], char **gt)
{
    char *q = p + 2;
    unsigned seen = 0;
    v[0] = v[1] = v[2] = NULL;
    while (q < e && *q == ' ') {
        while (q < e && *q == ' ')
            q++;
        if (q + 3 >= e || q[1] != '=' || q[2] != '"')
            break;
        int k = q[0] == 'r' ? 0 : q[0] == 't' ? 1 : q[0] == 's' ? 2 : -1;
        if (k < 0 || (seen & (1u << k)))
            return 0;
        seen |= 1u << k;
        char *w = q + 3;
        while (lane_cls[(unsigned char)*w] & LANE_ALNUM)
            w++;
        if (w >= e || *w != '"')
            return 0;
        v[k] = q + 3;
        n[k] = (size_t)(w - v[k]);
        q = w + 1;
    }
    if (q >= e || *q != '>' || !seen)
        return 0;
    *gt = q;
    return 1;
}

/* A shared string's value at d: DIGITS</v></c> (up to 15 digits): *idx
 * and the end of the cell, else NULL. The digit loop stops at the NUL
 * after the window. */
static inline const char *shared_value(const char *d, const char *e, uint64_t *idx)
{
    const char *d0 = d;
    unsigned dig;
    *idx = 0;
    while ((dig = (unsigned)(*d - '0')) <= 9)
        *idx = *idx * 10 + dig, d++;
    if (d == d0 || d - d0 > 15 || e - d < 8 || !sl_scan_is(d, "</v></c>", 8))
        return NULL;
    return d + 8;
}

/* The lanes' cells: column col (past the last one: an error), then the
 * value. */
static inline int lane_col(struct sl_xlsx *x, long col, int ctype)
{
    x->col = col;
    x->ctype = ctype;
    if (col <= MAX_COL)
        return 1;
    fail_col(x);
    return 0;
}

/* <c ...><v>DIGITS</v></c> with t="s": the bytes taken, else 0. */
static size_t whole_shared(struct sl_xlsx *x, char *p, char *e, char *v[3], size_t n[3], char *gt)
{
    uint64_t idx;
    const char *end;
    if (!v[1] || n[1] != 1 || v[1][0] != 's' || e - gt < 13 || !sl_scan_is(gt + 1, "<v>", 3) ||
        !(end = shared_value(gt + 4, e, &idx)))
        return 0;
    long col = v[0] ? ref_col(v[0], n[0]) : 0;
    if (lane_col(x, col ? col : x->col + 1, CT_S))
        cell_shared_idx(x, idx);
    return (size_t)(end - p);
}

/* An inline string's text into the current cell: copied into the row, its
 * _xHHHH_ escapes decoded there (the window is not written). */
static inline void put_inline(struct sl_xlsx *x, const char *text, size_t len)
{
    put_cell(x, text, len, SL_CELL_STRING, 0);
    if (!sl_xesc_first(text, len) || sl_xml_failed(x->xml))
        return;
    char *s = x->rowtext.data + x->cell_off[x->col - 1];
    size_t k = sl_xesc_decode(s, len);
    if (k < len) { /* the row's text ends with this cell's: it shrinks */
        s[k] = '\0';
        x->rowtext.len -= len - k;
        x->rowtext.data[x->rowtext.len] = '\0';
        x->cells[x->col - 1].len = k;
    }
}

/* The commonest cells of all, as Excel and libxlsxwriter write them,
 * matched byte for byte:
 *   <c r="B7"[ s="3"] t="s"><v>12</v></c>
 *   <c r="B7"[ s="3"] t="inlineStr"><is><t>TEXT</t></is></c>
 * (column letters in upper case, no '$'; TEXT as sl_scan_plain takes it).
 * The bytes taken, else 0: whole_atts and the general lane judge any
 * other shape, with the same result for these. The byte loops stop at the
 * NUL after the window; fixed strings are compared once the bound allows. */
static inline size_t lane(struct sl_xlsx *x, const char *p, const char *e)
{
    const unsigned char *q = (const unsigned char *)p + 3, *l, *ue = (const unsigned char *)e;
    unsigned u;
    long col = 0;
    if (q[0] != 'r' || q[1] != '=' || q[2] != '"')
        return 0;
    for (q += 3, l = q; (u = (unsigned)*q - 'A') <= 25 && q - l < 4; q++)
        col = col * 26 + (long)u + 1;
    if (q == l || q - l > 3)
        return 0;
    for (l = q; (unsigned)(*q - '0') <= 9;)
        q++;
    if (q == l || *q++ != '"')
        return 0;
    if (q[0] == ' ' && q[1] == 's') { /* s="N": no matter to a string */
        if (q[2] != '=' || q[3] != '"')
            return 0;
        for (q += 4, l = q; (unsigned)(*q - '0') <= 9;)
            q++;
        if (q == l || *q++ != '"')
            return 0;
    }
    const char *c = (const char *)q, *end;
    if (ue - q >= 10 + 1 + 8 && sl_scan_is(c, " t=\"s\"><v>", 10)) {
        uint64_t idx;
        if (!(end = shared_value(c + 10, e, &idx)))
            return 0;
        if (lane_col(x, col, CT_S))
            cell_shared_idx(x, idx);
        return (size_t)(end - p);
    }
    if (ue - q >= 22 + 13 && sl_scan_is(c, " t=\"inlineStr\"><is><t>", 22)) {
        const char *text = c + 22;
        size_t len = sl_scan_plain(text, (size_t)(e - text));
        end = text + len;
        if (e - end < 13 || !sl_scan_is(end, "</t></is></c>", 13) || len > x->lim.max_cell_bytes)
            return 0;
        if (lane_col(x, col, CT_INLINE))
            put_inline(x, text, len);
        return (size_t)(end + 13 - p);
    }
    return 0;
}

/* One whole <c> at p: the bytes taken, else 0. */
static inline __attribute__((always_inline)) size_t whole_cell(struct sl_xlsx *x, char *p, size_t n)
{
    char *e = p + n, *q, *text, *gt, *v[3];
    size_t vn[3];
    if (n < 24 || p[0] != '<' || p[1] != 'c' || p[2] != ' ')
        return 0;
    size_t k = lane(x, p, e);
    if (k)
        return k;
    if (!whole_atts(p, e, v, vn, &gt))
        return 0;
    k = whole_shared(x, p, e, v, vn, gt);
    if (k)
        return k;
    int is = 0;
    size_t len;
    /* The children first (nothing is written before all of it matches). */
    if (e - gt < 12)
        return 0;
    if (sl_scan_is(gt + 1, "<v>", 3)) {
        text = gt + 4;
    } else if (e - gt > 8 && sl_scan_is(gt + 1, "<is><t>", 7)) {
        text = gt + 8;
        is = 1;
    } else {
        return 0;
    }
    len = sl_scan_plain(text, (size_t)(e - text));
    q = text + len;
    const char *tail = is ? "</t></is></c>" : "</v></c>";
    size_t nt = is ? 13 : 8;
    if ((size_t)(e - q) < nt || !sl_scan_is(q, tail, nt) || len > x->lim.max_cell_bytes)
        return 0;
    static const char *const names[] = {"r", "t", "s"};
    const char *atts[7];
    char val[3][24]; /* the values copied: the window is left as it is, for
                      * a row the lane gives back (whole_row) */
    size_t na = 0;
    for (int i = 0; i < 3; i++)
        if (v[i]) {
            if (vn[i] >= sizeof val[i])
                return 0;
            memcpy(val[i], v[i], vn[i]);
            val[i][vn[i]] = '\0';
            atts[na++] = names[i];
            atts[na++] = val[i];
        }
    atts[na] = NULL;
    cell_start(x, atts);
    struct sl_buf *b = is ? &x->isbuf : &x->vbuf;
    sl_buf_reset(b);
    if (sl_buf_add(b, text, len))
        sl_xml_fail(x->xml, SL_ENOMEM, "out of memory"); /* as text() in xml.c */
    if (is)
        x->have_is = 1;
    else
        x->have_v = 1;
    cell_end(x);
    return (size_t)(q + nt - p);
}

/* A row's start tag as the lane takes it: <row ATTS> with attributes of
 * plain names (ASCII letters and digits, no prefix, no xmlns) and values of
 * letters, digits and ":.-" in double quotes, single spaces before each, at
 * most 8, none twice. *r gets r's value (NULL: none), its length *rn; the
 * bytes of the tag, else 0. */
#define ROW_ATTS 8
static size_t row_tag(const char *p, const char *e, const char **r, size_t *rn)
{
    const char *name[ROW_ATTS], *q = p + 4;
    size_t nlen[ROW_ATTS], na = 0;
    *r = NULL;
    *rn = 0;
    if (e - p < 6 || !sl_scan_is(p, "<row", 4))
        return 0;
    while (*q == ' ') {
        const char *nm = ++q;
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
            return 0; /* also a second space: the usual way */
        while (lane_cls[(unsigned char)*q] & LANE_ALNUM)
            q++;
        size_t len = (size_t)(q - nm);
        if (e - q < 3 || q[0] != '=' || q[1] != '"' || na == ROW_ATTS ||
            (len >= 5 && !memcmp(nm, "xmlns", 5)))
            return 0;
        for (size_t i = 0; i < na; i++)
            if (nlen[i] == len && !memcmp(name[i], nm, len))
                return 0; /* twice: the usual way gives the error */
        name[na] = nm;
        nlen[na++] = len;
        const char *v = q += 2;
        while (lane_cls[(unsigned char)*q] & LANE_RVAL)
            q++;
        if (q >= e || *q != '"')
            return 0;
        if (len == 1 && nm[0] == 'r') {
            *r = v;
            *rn = (size_t)(q - v);
        }
        q++;
    }
    return q < e && *q == '>' ? (size_t)(q + 1 - p) : 0;
}

/* A whole <row> whose every cell takes the lane (whole_cell), taken in one
 * step: what row_start, the cells and row_end do. A row with anything else
 * in it (or a row number row_start would refuse) is left to the parser
 * after all, its state reset for row_start; then the next 8 rows are not
 * tried, 16 after a second in a row and so on (up to 1,024), so a sheet
 * whose rows all hold a formula is not read twice, and one where a row in
 * five has an entity still has most of the others taken. A cell that fails
 * fails here as it would there (the bytes before it are the same
 * well-formed ones, on the same line). */
static size_t whole_row(struct sl_xlsx *x, char *p, size_t n)
{
    char *e = p + n;
    const char *r;
    size_t rn, k;
    if (x->row_lane_skip) {
        x->row_lane_skip--;
        return 0;
    }
    size_t at = row_tag(p, e, &r, &rn);
    if (!at)
        return 0;
    long long num = 0;
    if (!r) {
        num = x->rownum + 1;
    } else {
        if (rn == 0 || rn > 7)
            return 0;
        for (size_t i = 0; i < rn; i++) {
            if ((unsigned)(r[i] - '0') > 9)
                return 0;
            num = num * 10 + (r[i] - '0');
        }
    }
    if (num > MAX_ROW)
        return 0;
    long long before = x->rownum;
    x->rownum = num;
    x->in_row = 1;
    row_begin(x);
    while ((k = whole_cell(x, p + at, n - at)) != 0) {
        at += k;
        if (sl_xml_failed(x->xml))
            return at;
    }
    if (n - at < 6 || !sl_scan_is(p + at, "</row>", 6)) { /* not all of it: undone */
        x->rownum = before;
        x->in_row = 0;
        row_begin(x);
        if (x->row_lane_fails < 128)
            x->row_lane_fails++;
        x->row_lane_skip = 8 * x->row_lane_fails;
        return 0;
    }
    x->row_lane_fails = 0;
    row_end(x);
    return at + 6;
}

/* The whole handler: in sheetData, whole rows; in a row, as many of its
 * cells in a row as take the lane. */
static size_t sheet_whole(void *ud, char *p, size_t n, int depth)
{
    struct sl_xlsx *x = ud;
    size_t took = 0, k;
    if (depth == 2) {
        if (!x->in_sd || x->in_row)
            return 0;
        while ((k = whole_row(x, p + took, n - took)) != 0) {
            took += k;
            if (sl_xml_failed(x->xml) || sl_xml_suspend_asked(x->xml))
                break;
        }
        return took;
    }
    if (!x->in_row)
        return 0;
    while ((k = whole_cell(x, p + took, n - took)) != 0) {
        took += k;
        if (sl_xml_failed(x->xml))
            break;
    }
    return took;
}

int sl_xlsx_sheet_start(struct sl_xlsx *x, long idx, struct sl_error *err)
{
    sl_buf_init(&x->vbuf, 0);
    sl_buf_init(&x->isbuf, 0);
    sl_buf_init(&x->rowtext, 0);
    struct sl_xml_handler h = {sheet_start, sheet_end, sheet_whole, (1u << 2) | (1u << 3)};
    return sl_xml_open_fast(&x->xml, x->zip, idx, &h, x, &x->lim, err);
}

int sl_xlsx_sheet_start_mem(struct sl_xlsx *x, const char *data, size_t len, size_t step, int fast,
                            struct sl_error *err)
{
    sl_buf_init(&x->vbuf, 0);
    sl_buf_init(&x->isbuf, 0);
    sl_buf_init(&x->rowtext, 0);
    struct sl_xml_handler h = {sheet_start, sheet_end, sheet_whole, (1u << 2) | (1u << 3)};
    return sl_xml_open_mem(&x->xml, data, len, step, "sheet.xml", &h, x, &x->lim, fast, err);
}

void sl_xlsx_sheet_free(struct sl_xlsx *x)
{
    sl_xml_close(x->xml);
    x->xml = NULL;
    sl_buf_release(&x->vbuf);
    sl_buf_release(&x->isbuf);
    sl_buf_release(&x->rowtext);
    sl_free(x->cells);
    sl_free(x->cell_off);
    x->cells = NULL;
    x->cell_off = NULL;
    x->cells_cap = x->used = 0;
}
