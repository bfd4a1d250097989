/* rejects.c - the rejects file: one CSV line per rejected row (source row,
 * reason, SQLSTATE, then the row's original cells), sorted by row. A real
 * import writes it at the end from the ledger (sheetload_rejects holds the
 * rejects of every run of a resumed import); a dry run, which has no
 * ledger, keeps its rejects in memory (struct sl_rejects). Used by the
 * calling thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/csvw.h"
#include "base/err.h"
#include "load/load.h"

struct kept {
    long long num;
    char *line; /* "reason,sqlstate,cells" */
};

struct sl_rejects {
    struct kept *v;
    size_t n, cap;
};

struct sl_rejects *sl_rejects_new(void)
{
    return sl_calloc(1, sizeof(struct sl_rejects));
}

void sl_rejects_free(struct sl_rejects *rj)
{
    if (!rj)
        return;
    for (size_t i = 0; i < rj->n; i++)
        sl_free(rj->v[i].line);
    sl_free(rj->v);
    sl_free(rj);
}

static void tail(struct sl_buf *b, const char *reason, const char *sqlstate)
{
    sl_csvw_add(b, reason ? reason : "", reason ? strlen(reason) : 0, SL_REJECT_CSVW);
    sl_buf_addch(b, ',');
    sl_buf_addstr(b, sqlstate ? sqlstate : "");
}

int sl_rejects_add(struct sl_rejects *rj, const struct sl_brow *r)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    tail(&b, r->reason, r->sqlstate);
    if (r->ncells) {
        sl_buf_addch(&b, ',');
        sl_csv_record(&b, r->cells, r->ncells);
    }
    if (b.err) {
        sl_buf_release(&b);
        return SL_ENOMEM;
    }
    if (rj->n == rj->cap) {
        size_t cap = rj->cap ? rj->cap * 2 : 64;
        struct kept *v = sl_realloc(rj->v, cap * sizeof *v);
        if (!v) {
            sl_buf_release(&b);
            return SL_ENOMEM;
        }
        rj->v = v;
        rj->cap = cap;
    }
    rj->v[rj->n].num = r->num;
    rj->v[rj->n].line = sl_buf_detach(&b, NULL);
    if (!rj->v[rj->n].line)
        return SL_ENOMEM;
    rj->n++;
    return 0;
}

struct out {
    const struct sl_plan *plan;
    const char *path;
    FILE *f;
    long long n;
    int err;
    struct sl_buf line;
};

/* The header line: row,reason,sqlstate and the file's column names (when
 * the plan knows them). */
static int put_header(struct out *o)
{
    struct sl_buf *b = &o->line;
    sl_buf_reset(b);
    sl_buf_addstr(b, "row,reason,sqlstate");
    for (size_t i = 0; o->plan && i < o->plan->nheader; i++) {
        sl_buf_addch(b, ',');
        sl_csvw_add(b, o->plan->header[i], strlen(o->plan->header[i]), SL_REJECT_CSVW);
    }
    sl_buf_addch(b, '\n');
    if (b->err || fwrite(b->data, 1, b->len, o->f) != b->len) {
        o->err = b->err ? ENOMEM : errno;
        return SL_EIO;
    }
    return 0;
}

static int open_out(struct out *o)
{
    if (o->f)
        return 0;
    o->f = fopen(o->path, "w");
    if (!o->f) {
        o->err = errno;
        return SL_EIO;
    }
    return put_header(o);
}

static int put_line(struct out *o, long long num, const char *rest)
{
    if (open_out(o))
        return SL_EIO;
    if (fprintf(o->f, "%lld,%s\n", num, rest) < 0) {
        o->err = errno;
        return SL_EIO;
    }
    o->n++;
    return 0;
}

static int db_cb(void *arg, int ncols, const char *const *v)
{
    struct out *o = arg;
    if (ncols < 4 || !v[0])
        return 0;
    struct sl_buf *b = &o->line;
    sl_buf_reset(b);
    tail(b, v[1], v[2]);
    if (v[3] && *v[3]) {
        sl_buf_addch(b, ',');
        sl_buf_addstr(b, v[3]);
    }
    if (b->err)
        return SL_ENOMEM;
    char *line = sl_buf_detach(b, NULL);
    int rc = put_line(o, strtoll(v[0], NULL, 10), line);
    sl_free(line);
    return rc;
}

static int by_num(const void *a, const void *b)
{
    const struct kept *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

/* Every rejected row of import_id in the ledger, in row order. */
static int from_ledger(struct out *o, struct sl_sink *s, long long import_id, struct sl_error *err)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", import_id);
    const char *params[1] = {ids};
    return sl_sink_query(s,
                         "SELECT row_num, reason, sqlstate, vals FROM sheetload_rejects "
                         "WHERE import_id = $1 ORDER BY row_num",
                         1, params, db_cb, o, err);
}

int sl_rejects_stream(struct sl_sink *s, long long import_id, FILE *f, long long *written,
                      struct sl_error *err)
{
    struct out o = {NULL, NULL, f, 0, 0, {0}};
    sl_buf_init(&o.line, 0);
    int rc = put_header(&o);
    if (!rc)
        rc = from_ledger(&o, s, import_id, err);
    if (!rc && fflush(f)) {
        o.err = errno;
        rc = SL_EIO;
    }
    if (rc == SL_EIO || rc == SL_ENOMEM)
        sl_err_set(err, rc, "cannot write the rejects of import %lld: %s", import_id,
                   strerror(o.err ? o.err : ENOMEM));
    sl_buf_release(&o.line);
    *written = o.n;
    return rc;
}

int sl_rejects_write(struct sl_rejects *rj, struct sl_sink *s, long long import_id,
                     const struct sl_plan *p, const char *path, long long *written,
                     struct sl_error *err)
{
    struct out o = {p, path, NULL, 0, 0, {0}};
    int rc = 0;
    sl_buf_init(&o.line, 0);
    if (s) {
        rc = from_ledger(&o, s, import_id, err);
    } else if (rj) {
        qsort(rj->v, rj->n, sizeof *rj->v, by_num);
        for (size_t i = 0; i < rj->n && !rc; i++)
            rc = put_line(&o, rj->v[i].num, rj->v[i].line);
    }
    if (o.f && fclose(o.f) && !rc) {
        o.err = errno;
        rc = SL_EIO;
    }
    if (rc == SL_EIO || rc == SL_ENOMEM)
        sl_err_set(err, rc,
                   "cannot write the rejects file '%s': %s; use --rejects to put it "
                   "elsewhere",
                   path, strerror(o.err ? o.err : ENOMEM));
    sl_buf_release(&o.line);
    *written = o.n;
    return rc;
}
