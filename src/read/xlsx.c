/* xlsx.c - the workbook: open the package, find the workbook part through
 * _rels/.rels, list its sheets, resolve the chosen sheet, shared strings and
 * styles through the workbook's relationships, then stream the sheet
 * (xlsx_sheet.c) while a thread loads the shared strings (xlsx_sst.c).
 * Part lookup is exact first, then ASCII-case-insensitive
 * (zip.c); relationship types are matched on their suffix, so Transitional
 * and Strict packages read the same. */
#include "read/xlsx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/sheets.h"
#include "read/xlsx_int.h"
#include "read/xml.h"
#include "read/zip.h"

struct wb_ctx {
    struct sl_xlsx *x;
    int in_sheets, seen_sheets, seen_pr, oom;
    size_t cap;
};

static void wb_start(void *ud, const char *name, const char **atts, int depth)
{
    struct wb_ctx *c = ud;
    struct sl_xlsx *x = c->x;
    if (depth == 2) {
        if (!c->seen_pr && !strcmp(name, "workbookPr")) {
            c->seen_pr = 1;
            const char *v = sl_xlsx_attr(atts, "date1904");
            if (v) {
                while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
                    v++;
                size_t n = strlen(v);
                while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\n' ||
                             v[n - 1] == '\r'))
                    n--;
                x->date1904 = (n == 1 && v[0] == '1') || (n == 4 && !strncasecmp(v, "true", 4));
            }
        } else if (!c->seen_sheets && !strcmp(name, "sheets")) {
            c->in_sheets = c->seen_sheets = 1;
        }
        return;
    }
    if (depth != 3 || !c->in_sheets || strcmp(name, "sheet"))
        return;
    const char *sname = NULL, *rid = NULL;
    for (const char **a = atts; a[0]; a += 2) {
        if (!strcmp(a[0], "name"))
            sname = a[1];
        else if (sl_xml_has_ns(a[0]) && !strcmp(sl_xml_local(a[0]), "id"))
            rid = a[1];
    }
    if (x->nsheets == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct sl_xlsx_sheet *v = sl_realloc(x->sheets, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        x->sheets = v;
        c->cap = cap;
    }
    struct sl_xlsx_sheet *s = &x->sheets[x->nsheets];
    s->name = sl_strdup(sname ? sname : "");
    s->rid = rid ? sl_strdup(rid) : NULL;
    if (!s->name || (rid && !s->rid)) {
        sl_free(s->name);
        sl_free(s->rid);
        c->oom = 1;
        return;
    }
    x->nsheets++;
}

static void wb_end(void *ud, int depth)
{
    struct wb_ctx *c = ud;
    if (depth == 2)
        c->in_sheets = 0;
}

static const char *sheet_name(const void *ctx, size_t i)
{
    return ((const struct sl_xlsx *)ctx)->sheets[i].name;
}

/* The sheet chosen by opts->sheet: a name, else a 1-based number. */
static int choose_sheet(struct sl_xlsx *x, const char *want, struct sl_error *err)
{
    x->cur = 0;
    if (!want) {
        if (x->nsheets == 0)
            return sl_err_set(err, SL_EXLSX, "the workbook '%s' lists no sheets", x->wb_part);
        return 0;
    }
    return sl_sheet_choose(want, x->nsheets, sheet_name, x, &x->cur, err);
}

/* The workbook part, through _rels/.rels (else xl/workbook.xml): its
 * index, x->wb_part set; < 0 with err set. */
static long find_workbook(struct sl_xlsx *x, struct sl_error *err)
{
    struct sl_xlsx_rels root = {0};
    long rc = sl_xlsx_read_rels(x, "", &root, err);
    if (rc) {
        sl_xlsx_rels_free(&root);
        return rc;
    }
    const char *wb = sl_xlsx_rel_by_type(&root, "/officeDocument");
    long wi = sl_zip_find(x->zip, wb ? wb : "xl/workbook.xml");
    char held[400];
    if (wi < 0) {
        size_t n = sl_zip_list(x->zip, held, sizeof held);
        if (wb)
            rc = sl_err_set(err, SL_EXLSX,
                            "'_rels/.rels' names the workbook part '%s', but the archive has no "
                            "such part (it holds %zu: %s); the file is broken",
                            wb, n, held);
        else
            rc = sl_err_set(err, SL_EXLSX,
                            "no workbook: '_rels/.rels' names none and there is no "
                            "'xl/workbook.xml' (the archive holds %zu: %s); is this an .xlsx "
                            "file?",
                            n, held);
    } else if (!(x->wb_part = sl_strdup(sl_zip_name(x->zip, wi)))) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
    } else {
        for (char *q = x->wb_part; *q; q++) /* 'xl\\workbook.xml': its rels are found by '/' */
            if (*q == '\\')
                *q = '/';
        rc = wi;
    }
    sl_xlsx_rels_free(&root);
    return rc;
}

/* The workbook's sheets and date1904, the sheet chosen. */
static int read_workbook(struct sl_xlsx *x, long wi, const char *want, struct sl_error *err)
{
    struct wb_ctx c = {x, 0, 0, 0, 0, 0};
    struct sl_xml_handler h = {wb_start, wb_end, NULL, 0};
    int rc = sl_xlsx_parse_part(x, wi, &h, &c, NULL, err);
    if (!rc && c.oom)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
    return rc ? rc : choose_sheet(x, want, err);
}

/* The name of the workbook's relationships part (for messages; freed by
 * the caller), NULL when out of memory. */
static char *rels_name(const char *part)
{
    const char *slash = strrchr(part, '/');
    size_t need = strlen(part) + 16;
    char *name = sl_malloc(need);
    if (name && slash)
        snprintf(name, need, "%.*s/_rels/%s.rels", (int)(slash - part), part, slash + 1);
    else if (name)
        snprintf(name, need, "_rels/%s.rels", part);
    return name;
}

/* The chosen sheet's part through the workbook's relationships wbr (named
 * wbrels): its index, < 0 with err set. */
static long find_sheet(struct sl_xlsx *x, const struct sl_xlsx_rels *wbr, const char *wbrels,
                       struct sl_error *err)
{
    struct sl_xlsx_sheet *sh = &x->sheets[x->cur];
    const char *target = NULL;
    for (size_t i = 0; sh->rid && i < wbr->n; i++)
        if (!strcmp(wbr->v[i].id, sh->rid))
            target = wbr->v[i].target;
    if (!target)
        return sl_err_set(err, SL_EXLSX,
                          "sheet '%s': its relationship '%s' is not in '%s'; the file is broken",
                          sh->name, sh->rid ? sh->rid : "(none)", wbrels);
    long si = sl_zip_find(x->zip, target);
    if (si < 0) {
        char held[400];
        size_t n = sl_zip_list(x->zip, held, sizeof held);
        return sl_err_set(err, SL_EXLSX,
                          "'%s': sheet '%s' is named in '%s' but the archive has no such part "
                          "(it holds %zu: %s); the file is broken",
                          target, sh->name, wbrels, n, held);
    }
    return si;
}

/* Shared strings (their loader starts) and styles, both optional. */
static int open_tables(struct sl_xlsx *x, const char *path, const struct sl_xlsx_rels *wbr,
                       struct sl_error *err)
{
    const char *sst = sl_xlsx_rel_by_type(wbr, "/sharedStrings");
    long ssi = sst ? sl_zip_find(x->zip, sst) : sl_zip_find(x->zip, "xl/sharedStrings.xml");
    int rc;
    if (ssi >= 0 && (rc = sl_xlsx_sst_start(x, path, ssi, err)))
        return rc;
    const char *sty = sl_xlsx_rel_by_type(wbr, "/styles");
    long sti = sty ? sl_zip_find(x->zip, sty) : -1;
    return sti >= 0 ? sl_xlsx_load_styles(x, sti, err) : 0;
}

static int open_parts(struct sl_xlsx *x, const char *path, const struct sl_reader_opts *opts,
                      struct sl_error *err)
{
    struct sl_xlsx_rels wbr = {0};
    char *wbrels = NULL;
    long wi = find_workbook(x, err), si = -1;
    int rc = wi < 0 ? (int)wi : read_workbook(x, wi, opts ? opts->sheet : NULL, err);
    if (!rc)
        rc = sl_xlsx_read_rels(x, x->wb_part, &wbr, err);
    if (!rc && !(wbrels = rels_name(x->wb_part)))
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
    if (!rc && (si = find_sheet(x, &wbr, wbrels, err)) < 0)
        rc = (int)si;
    if (!rc)
        rc = open_tables(x, path, &wbr, err);
    if (!rc)
        rc = sl_xlsx_sheet_start(x, si, err);
    sl_xlsx_rels_free(&wbr);
    sl_free(wbrels);
    return rc;
}

int sl_xlsx_open(struct sl_xlsx **out, const char *path, const struct sl_reader_opts *opts,
                 struct sl_error *err)
{
    *out = NULL;
    struct sl_xlsx *x = sl_calloc(1, sizeof *x);
    if (!x)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    if (opts) {
        x->lim = opts->limits;
        x->tmp_dir = opts->tmp_dir;
    }
    sl_limits_defaults(&x->lim);
    int rc = sl_zip_open(&x->zip, path, &x->lim, err);
    if (!rc)
        rc = open_parts(x, path, opts, err);
    if (rc) {
        sl_xlsx_close(x);
        return rc;
    }
    (void)sl_xlsx_ahead_start(x); /* without a thread, next parses */
    *out = x;
    return 0;
}

int sl_xlsx_next(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err)
{
    if (x->ahead)
        return sl_xlsx_ahead_next(x, row, err);
    return sl_xlsx_next_here(x, row, err);
}

int sl_xlsx_next_here(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err)
{
    if (x->finished)
        return 0;
    int rc = sl_xml_run(x->xml, err);
    if (rc == 1) {
        *row = x->out;
        return 1;
    }
    x->finished = 1;
    /* The shared strings come first in the file's order of things: their
     * error, if any, is the workbook's, whatever the sheet met meanwhile. */
    struct sl_error serr;
    memset(&serr, 0, sizeof serr);
    int src = sl_xlsx_sst_finish(x, &serr);
    if (src) {
        if (err) {
            err->code = serr.code;
            memcpy(err->msg, serr.msg, sizeof err->msg);
            err->sheet[0] = '\0';
            err->row = 0;
            err->col = 0;
        }
        return src;
    }
    if (rc < 0 && err) {
        if (x->nsheets)
            sl_strlcpy(err->sheet, x->sheets[x->cur].name, sizeof err->sheet);
        if (x->err_row) {
            err->row = x->err_row;
            err->col = x->err_col > 0 && x->err_col < 100000 ? (int)x->err_col : 0;
        } else if (x->in_row && !err->row) { /* a failure inside a row: say where */
            err->row = x->rownum;
            err->col = x->in_c && x->col > 0 && x->col < 100000 ? (int)x->col : 0;
        }
    }
    return rc;
}

void sl_xlsx_close(struct sl_xlsx *x)
{
    if (!x)
        return;
    sl_xlsx_sst_cancel(x); /* first: the sheet's thread may wait for a string */
    sl_xlsx_ahead_stop(x);
    sl_xlsx_sheet_free(x);
    sl_xlsx_sst_free(x);
    sl_free(x->xf);
    for (size_t i = 0; i < x->nsheets; i++) {
        sl_free(x->sheets[i].name);
        sl_free(x->sheets[i].rid);
    }
    sl_free(x->sheets);
    sl_free(x->wb_part);
    sl_zip_close(x->zip);
    sl_free(x);
}

size_t sl_xlsx_sheet_count(const struct sl_xlsx *x)
{
    return x->nsheets;
}

const char *sl_xlsx_sheet_name(const struct sl_xlsx *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

size_t sl_xlsx_current_sheet(const struct sl_xlsx *x)
{
    return x->cur;
}

uint64_t sl_xlsx_bytes_read(const struct sl_xlsx *x)
{
    return x->xml ? sl_xml_pos(x->xml) : 0;
}

uint64_t sl_xlsx_bytes_total(const struct sl_xlsx *x)
{
    return x->xml ? sl_xml_size(x->xml) : 0;
}
