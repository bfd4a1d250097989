/* xls_sheet.c - the chosen sheet of a .xls: its substream from BOF to EOF
 * (nested chart substreams skipped), cell records (LABELSST, LABEL,
 * RSTRING, NUMBER, RK, MULRK, BOOLERR, FORMULA and the STRING after it)
 * into cells of text (cellfmt.c: numbers, dates by the XF's number format,
 * zero padding) in one array, sorted by (row, column, order in the file) so
 * the later duplicate wins. */
#include <stdlib.h>

#include "read/cellfmt.h"
#include "read/xls_int.h"

/* The error's cell, 1-based. */
static int at_cell(struct sl_error *err, unsigned row, unsigned col, int rc)
{
    if (err && !err->row) {
        err->row = (long long)row + 1;
        err->col = (int)col + 1;
    }
    return rc;
}

static int new_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, int sst, size_t off,
                    size_t len, struct sl_error *err)
{
    if (len == 0)
        return 0; /* an empty string has no value */
    if (len > x->lim.max_cell_bytes) {
        sl_err_set(err, SL_ELIMIT, "a cell's text is longer than the limit of %llu bytes",
                   (unsigned long long)x->lim.max_cell_bytes);
        goto at;
    }
    if (x->ncells == x->cellcap &&
        (uint64_t)(x->cellcap ? x->cellcap * 2 : 4096) * sizeof(struct xcell) + x->text.len >
            x->lim.max_sst_bytes) {
        sl_err_set(err, SL_ELIMIT, "the sheet's cells pass the memory limit of %llu bytes",
                   (unsigned long long)x->lim.max_sst_bytes);
        goto at;
    }
    if (sl_xls_grow(&x->cells, &x->cellcap, x->ncells, sizeof *x->cells, 4096)) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        goto at;
    }
    struct xcell *c = &x->cells[x->ncells];
    c->row = row;
    c->col = (uint16_t)col;
    c->seq = (uint32_t)x->ncells;
    c->kind = (uint8_t)kind;
    c->sst = (uint8_t)sst;
    c->off = off;
    c->len = (uint32_t)len;
    x->ncells++;
    return 0;
at:
    if (err) {
        err->row = (long long)row + 1;
        err->col = (int)col + 1;
    }
    return err ? err->code : SL_ELIMIT;
}

/* A cell whose text is appended to x->text by the caller from start. */
static int text_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, size_t start,
                     struct sl_error *err)
{
    if (x->text.err || sl_buf_addch(&x->text, '\0')) {
        int code = sl_xls_text_full(&x->text, err);
        if (err) {
            err->row = (long long)row + 1;
            err->col = (int)col + 1;
        }
        return code;
    }
    size_t len = x->text.len - 1 - start;
    int rc = new_cell(x, row, col, kind, 0, start, len, err);
    if (!len)
        x->text.len = start; /* nothing kept */
    return rc;
}

static int number_cell(struct sl_xls *x, unsigned row, unsigned col, unsigned xf, double v,
                       struct sl_error *err)
{
    char buf[SL_CELLFMT_MAX];
    size_t n = 0;
    int kind = xf < x->nxf ? x->xf_kind[xf] : 0, pad = xf < x->nxf ? x->xf_pad[xf] : 0;
    int ck = SL_CELL_NUMBER;
    if (kind != SL_NF_NONE && (n = sl_fmt_serial(v, kind, x->date1904, buf)) > 0)
        ck = SL_CELL_DATE;
    else
        n = pad > 0 ? sl_fmt_number_padded(v, pad, buf) : sl_fmt_number(v, buf);
    size_t start = x->text.len;
    sl_buf_add(&x->text, buf, n);
    return text_cell(x, row, col, ck, start, err);
}

static double rk_value(uint32_t rk)
{
    double d;
    if (rk & 2) {
        d = (double)((int32_t)rk >> 2);
    } else {
        uint64_t b = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&d, &b, sizeof d);
    }
    return (rk & 1) ? d / 100 : d;
}

static const char *error_text(unsigned code)
{
    switch (code) {
    case 0x00:
        return "#NULL!";
    case 0x07:
        return "#DIV/0!";
    case 0x0F:
        return "#VALUE!";
    case 0x17:
        return "#REF!";
    case 0x1D:
        return "#NAME?";
    case 0x24:
        return "#NUM!";
    case 0x2A:
        return "#N/A";
    case 0x2B:
        return "#GETTING_DATA";
    default:
        return "#ERROR!";
    }
}

static int const_cell(struct sl_xls *x, unsigned row, unsigned col, int kind, const char *s,
                      struct sl_error *err)
{
    size_t start = x->text.len;
    sl_buf_addstr(&x->text, s);
    return text_cell(x, row, col, kind, start, err);
}

static int boolerr(struct sl_xls *x, unsigned row, unsigned col, unsigned v, int is_err,
                   struct sl_error *err)
{
    if (is_err)
        return const_cell(x, row, col, SL_CELL_ERROR, error_text(v), err);
    return const_cell(x, row, col, SL_CELL_BOOL, v ? "TRUE" : "FALSE", err);
}

/* A string cell: the string starts at rec + off (LABEL, RSTRING: cch u16). */
static int label(struct sl_xls *x, unsigned row, unsigned col, struct sl_error *err)
{
    size_t start = x->text.len;
    struct rd r = {6, 0};
    int rc = sl_xls_rd_string(x, &r, 2, 0, &x->text, err, "a string cell runs past its record");
    if (rc)
        return at_cell(err, row, col, rc);
    return text_cell(x, row, col, SL_CELL_STRING, start, err);
}

struct pending {
    int on;
    unsigned row, col;
};

/* The STRING record after a FORMULA whose result is a string. */
static int string_result(struct sl_xls *x, struct pending *pf, struct sl_error *err)
{
    if (!pf->on)
        return 0;
    pf->on = 0;
    size_t start = x->text.len;
    struct rd r = {0, 1};
    int rc =
        sl_xls_rd_string(x, &r, 2, 0, &x->text, err, "a formula's string runs past its record");
    if (rc)
        return at_cell(err, pf->row, pf->col, rc);
    return text_cell(x, pf->row, pf->col, SL_CELL_STRING, start, err);
}

static int labelsst(struct sl_xls *x, unsigned row, unsigned col, struct sl_error *err)
{
    if (x->rlen < 10)
        return sl_xls_corrupt(x, err, "a LABELSST record is too short");
    uint32_t i = u32(x->rec + 6);
    if (i >= x->sst.n) {
        sl_err_set(err, SL_EXLSX,
                   "'Workbook' stream: shared string %lu does not exist (the table has %zu "
                   "strings); the file is corrupt",
                   (unsigned long)i, x->sst.n);
        return at_cell(err, row, col, SL_EXLSX);
    }
    return new_cell(x, row, col, SL_CELL_STRING, 1, i, sl_xls_sst_len(x, i), err);
}

/* rw, colFirst, (ixfe, rk) x k, colLast */
static int mulrk(struct sl_xls *x, unsigned row, unsigned col, struct sl_error *err)
{
    unsigned n = x->rlen;
    if (n < 12 || (n - 6) % 6)
        return sl_xls_corrupt(x, err, "a MULRK record has a wrong length");
    unsigned cnt = (n - 6) / 6;
    for (unsigned i = 0; i < cnt; i++) {
        const unsigned char *e = x->rec + 4 + 6 * i;
        if (col + i >= MAX_COLS)
            return sl_xls_corrupt(x, err, "a MULRK record runs past the last column");
        int rc = number_cell(x, row, col + i, u16(e), rk_value(u32(e + 2)), err);
        if (rc)
            return rc;
    }
    return 0;
}

/* A FORMULA's cached result: a number, a boolean, an error, an empty
 * string, or a string in the STRING record that follows. */
static int formula(struct sl_xls *x, struct pending *pf, unsigned row, unsigned col, unsigned xf,
                   struct sl_error *err)
{
    const unsigned char *b = x->rec;
    if (x->rlen < 20)
        return sl_xls_corrupt(x, err, "a FORMULA record is too short");
    if (b[12] != 0xFF || b[13] != 0xFF)
        return number_cell(x, row, col, xf, f64(b + 6), err);
    switch (b[6]) {
    case 0:
        *pf = (struct pending){1, row, col};
        return 0;
    case 1:
        return boolerr(x, row, col, b[8], 0, err);
    case 2:
        return boolerr(x, row, col, b[8], 1, err);
    default: /* 3: an empty string */
        return 0;
    }
}

static int is_cell_record(unsigned type)
{
    static const unsigned short known[] = {REC_LABELSST, REC_LABEL, REC_RSTRING, REC_NUMBER,
                                           REC_RK,       REC_MULRK, REC_BOOLERR, REC_FORMULA};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (known[k] == type)
            return 1;
    return 0;
}

static int cell_record(struct sl_xls *x, struct pending *pf, struct sl_error *err)
{
    const unsigned char *b = x->rec;
    unsigned n = x->rlen;
    if (x->rtype == REC_STRING)
        return string_result(x, pf, err);
    if (!is_cell_record(x->rtype))
        return 0; /* SHRFMLA, ARRAY, TABLE, CONTINUE may come between a FORMULA and its STRING */
    pf->on = 0;
    if (n < 6)
        return sl_xls_corrupt(x, err, "a cell record is too short");
    unsigned row = u16(b), col = u16(b + 2), xf = u16(b + 4);
    switch (x->rtype) {
    case REC_LABELSST:
        return labelsst(x, row, col, err);
    case REC_LABEL:
    case REC_RSTRING:
        return label(x, row, col, err);
    case REC_NUMBER:
        if (n < 14)
            return sl_xls_corrupt(x, err, "a NUMBER record is too short");
        return number_cell(x, row, col, xf, f64(b + 6), err);
    case REC_RK:
        if (n < 10)
            return sl_xls_corrupt(x, err, "an RK record is too short");
        return number_cell(x, row, col, xf, rk_value(u32(b + 6)), err);
    case REC_MULRK:
        return mulrk(x, row, col, err);
    case REC_BOOLERR:
        if (n < 8)
            return sl_xls_corrupt(x, err, "a BOOLERR record is too short");
        return boolerr(x, row, col, b[6], b[7] != 0, err);
    default:
        return formula(x, pf, row, col, xf, err);
    }
}

static int cmp_cell(const void *a, const void *b)
{
    const struct xcell *p = a, *q = b;
    if (p->row != q->row)
        return p->row < q->row ? -1 : 1;
    if (p->col != q->col)
        return p->col < q->col ? -1 : 1;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

int sl_xls_read_sheet(struct sl_xls *x, struct sl_error *err)
{
    struct sheet *s = &x->sheets[x->cur];
    if (s->pos >= x->size || sl_xls_gsf.input_seek(x->wb, s->pos, G_SEEK_SET)) {
        sl_err_set(err, SL_EXLSX,
                   "the sheet starts at offset %lu, past the end of the 'Workbook' stream "
                   "(%llu bytes); the file is truncated or corrupt",
                   (unsigned long)s->pos, (unsigned long long)x->size);
        return SL_EXLSX;
    }
    x->pushed = 0;
    int rc = sl_xls_next_record(x, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || x->rtype != REC_BOF)
        return sl_err_set(err, SL_EXLSX,
                          "the sheet has no BOF record at offset %lu of the 'Workbook' stream; the "
                          "file is corrupt",
                          (unsigned long)s->pos);
    int depth = 1;
    struct pending pf = {0, 0, 0};
    while (depth > 0) {
        if ((rc = sl_xls_next_record(x, err)) < 0)
            return rc;
        if (rc == 0)
            return sl_err_set(err, SL_EXLSX,
                              "the sheet ends without its EOF record; the file is truncated");
        if (x->rtype == REC_BOF)
            depth++;
        else if (x->rtype == REC_EOF)
            depth--;
        else if (depth == 1 && (rc = cell_record(x, &pf, err)))
            return rc;
    }
    x->sheet_bytes = x->rpos + 4 - s->pos;
    int sorted = 1;
    for (size_t i = 1; i < x->ncells && sorted; i++)
        sorted = cmp_cell(&x->cells[i - 1], &x->cells[i]) < 0;
    if (!sorted)
        qsort(x->cells, x->ncells, sizeof *x->cells, cmp_cell);
    return 0;
}

/* ---- open ---- */
