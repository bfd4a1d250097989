/* fixes.c - POST /imports/ID/fixes: rejected rows corrected by a person,
 * imported as a follow-up of import ID (linked in the ledger by
 * parent_id), and GET /history: the ledger's newest imports.
 *
 * Exactly once: the fixed rows become a small CSV file (the header names
 * the columns, then the rows in the order given), imported like any file.
 * The ledger refuses the same content twice for the same table, so the same
 * fixes sent again import nothing and answer 409 with the import that did
 * it. Follow-up imports run one at a time (fix_mu), so two presses at once
 * cannot both pass the ledger's check. The import runs on the request's
 * thread: a few rows, a short wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "http/internal.h"

#define MAX_FIX_ROWS 10000
#define MAX_FIX_COLS 1024

/* The ledger id and table of import r->arg (a job id or a ledger id).
 * Returns 0, or replied (MHD_YES/NO) in *ret. */
static int find_parent(struct sl_req *r, struct MHD_Connection *c, long long *id, char *table,
                       size_t cap, int *ret)
{
    struct sl_jobs *j = &r->srv->jobs;
    struct sl_job *job = sl_jobs_get(j, r->arg);
    char ids[32];
    sl_strlcpy(ids, r->arg, sizeof ids);
    if (job) {
        int state, rc;
        struct sheetload_stats *st = sl_calloc(1, sizeof *st);
        if (st)
            sl_jobs_snapshot(j, job, &state, &rc, st);
        sl_jobs_release(j, job);
        if (!st) {
            *ret = sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
            return -1;
        }
        long long iid = st->import_id;
        sl_free(st);
        if (state <= SL_JOB_RUNNING || !iid) {
            *ret = sl_reply_error(r, c, MHD_HTTP_CONFLICT,
                                  "import '%s' has not finished; fix its rows when it has", r->arg);
            return -1;
        }
        snprintf(ids, sizeof ids, "%lld", iid);
    } else if (!sl_ledger_id(r->arg)) {
        *ret = sl_reply_error(r, c, MHD_HTTP_NOT_FOUND, "import '%s' not found", r->arg);
        return -1;
    }
    struct sl_error err;
    json_t *o = NULL;
    sl_err_clear(&err);
    int rc = sl_http_ledger_get(r->srv, ids, &o, &err);
    if (rc) {
        *ret = rc == SL_ENOTFOUND || rc == SL_EDB
                   ? sl_reply_error(r, c, MHD_HTTP_NOT_FOUND, "import '%s' not found", r->arg)
                   : sl_reply_error(r, c, sl_http_status_for(rc), "%s", err.msg);
        return -1;
    }
    *id = strtoll(ids, NULL, 10);
    const char *t = json_string_value(json_object_get(o, "table"));
    sl_strlcpy(table, t ? t : "", cap);
    json_decref(o);
    return 0;
}

/* The body's columns and rows, checked: cols[ncols], cells[nrows*ncols]
 * (borrowed from body), rownums[nrows]. NULL message = fine. */
struct fixes {
    size_t ncols, nrows;
    const char **cols;
    const char **cells;
    long long *rownums;
};

static const char *parse_fixes(json_t *b, struct fixes *f)
{
    json_t *cols = json_object_get(b, "columns"), *rows = json_object_get(b, "rows"), *v;
    size_t i;
    if (!json_is_array(cols) || !json_array_size(cols) || json_array_size(cols) > MAX_FIX_COLS)
        return "'columns' must be an array of the table's column names, one per cell";
    if (!json_is_array(rows) || !json_array_size(rows))
        return "'rows' must be an array of {\"row\": N, \"cells\": [...]} with at least one row";
    if (json_array_size(rows) > MAX_FIX_ROWS)
        return "too many rows in one call (at most 10000)";
    f->ncols = json_array_size(cols);
    f->nrows = json_array_size(rows);
    f->cols = sl_calloc(f->ncols, sizeof *f->cols);
    f->cells = sl_calloc(f->ncols * f->nrows, sizeof *f->cells);
    f->rownums = sl_calloc(f->nrows, sizeof *f->rownums);
    if (!f->cols || !f->cells || !f->rownums)
        return "out of memory";
    json_array_foreach(cols, i, v)
    {
        const char *t = json_string_value(v);
        if (!t || !*t || strpbrk(t, ",\r\n"))
            return "each of 'columns' must be the name of a column of the table";
        f->cols[i] = t;
    }
    json_array_foreach(rows, i, v)
    {
        json_t *cells = json_object_get(v, "cells"), *cell;
        size_t k;
        if (json_array_size(cells) != f->ncols)
            return "each row's 'cells' must hold one value per name in 'columns'";
        f->rownums[i] = json_integer_value(json_object_get(v, "row"));
        json_array_foreach(cells, k, cell)
        {
            if (!json_is_string(cell) && !json_is_null(cell))
                return "a cell must be text (or null for empty)";
            f->cells[i * f->ncols + k] = json_string_value(cell);
        }
    }
    return NULL;
}

static void fixes_free(struct fixes *f)
{
    sl_free(f->cols);
    sl_free(f->cells);
    sl_free(f->rownums);
}

/* A fresh private directory in the upload dir; its path in out. */
static int fix_dir(struct sl_http_server *s, char *out, size_t cap)
{
    char name[64];
    if (sl_updir_mkdir(s, "fx-", name, sizeof name))
        return -1;
    snprintf(out, cap, "%s/%s", s->updir, name);
    return 0;
}

/* The rows of the follow-up that were rejected again, by their index in
 * the request (the file's row 2 is the first row given). */
static json_t *still_bad(const struct sl_http_server *s, long long id, const struct fixes *f)
{
    char *text = NULL;
    struct sl_error err;
    sl_err_clear(&err);
    json_t *out = json_array();
    if (sheetload_rejects_list(s->db, id, &text, &err))
        return out;
    json_t *a = json_loads(text, 0, NULL), *v;
    sheetload_free(text);
    size_t i;
    json_array_foreach(a, i, v)
    {
        long long k = json_integer_value(json_object_get(v, "row")) - 2;
        if (k < 0 || (size_t)k >= f->nrows)
            continue;
        json_array_append_new(out, json_pack("{s:I,s:I,s:O}", "index", (json_int_t)k, "row",
                                             (json_int_t)f->rownums[k], "reason",
                                             json_object_get(v, "reason")));
    }
    json_decref(a);
    return out;
}

/* Where a follow-up import keeps its files: dir/upload (the rows as CSV),
 * dir/rejects.csv. */
struct fix_files {
    char dir[PATH_MAX], path[PATH_MAX + 16], rej[PATH_MAX + 16];
};

/* The rows of f as a CSV file, imported into table as a follow-up of
 * parent (one at a time: s->fix_mu). st and err say how it went. */
static int import_fixes(struct sl_http_server *s, const struct fix_files *ff, long long parent,
                        const char *table, const struct fixes *f, struct sheetload_stats *st,
                        struct sl_error *err)
{
    char display[96];
    struct sl_buf cols;
    snprintf(display, sizeof display, "fixes for import %lld", parent);
    int rc = sheetload_rows_file(ff->path, f->cols, f->ncols, f->cells, f->nrows, err);
    if (rc)
        return rc;
    sl_buf_init(&cols, 1 << 20);
    for (size_t k = 0; k < f->ncols; k++)
        sl_buf_addf(&cols, "%s%s", k ? "," : "", f->cols[k]);
    struct sheetload_opts o;
    memset(&o, 0, sizeof o);
    o.file = ff->path;
    o.display_name = display;
    o.db = s->db;
    o.table = strcmp(table, "businesses") ? table : NULL;
    o.columns = cols.data;
    o.header_row = 1;
    o.parent_id = parent;
    o.rejects_path = ff->rej;
    o.method = SHEETLOAD_BATCH;
    pthread_mutex_lock(&s->fix_mu);
    rc = sheetload_import(&o, st);
    pthread_mutex_unlock(&s->fix_mu);
    *err = st->err;
    sl_buf_release(&cols);
    return rc;
}

/* The answer to a follow-up import that returned rc. */
static int reply_fixes(struct sl_req *r, struct MHD_Connection *c, int rc,
                       const struct sheetload_stats *st, const struct sl_error *err,
                       long long parent, const struct fixes *f)
{
    if (rc == SL_EEXISTS)
        return sl_reply_json(
            r, c, MHD_HTTP_CONFLICT,
            json_pack("{s:s,s:I,s:I}", "error",
                      "these rows were already imported; nothing was imported twice", "import_id",
                      (json_int_t)st->import_id, "parent_id", (json_int_t)parent));
    if (rc)
        return sl_reply_error(
            r, c, rc == SL_ENOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR : sl_http_status_for(rc), "%s",
            err->msg[0] ? err->msg : sl_strerror(rc));
    char buf[8192];
    size_t n = sheetload_stats_json(st, buf, sizeof buf);
    json_t *sj = n < sizeof buf ? json_loads(buf, 0, NULL) : NULL;
    json_t *bad = st->error_count ? still_bad(r->srv, st->import_id, f) : json_array();
    sl_info("import %lld: %lld fixed rows of import %lld (%lld rejected again)", st->import_id,
            st->success_count, parent, st->error_count);
    return sl_reply_json(r, c, MHD_HTTP_OK,
                         json_pack("{s:I,s:I,s:o,s:o}", "import_id", (json_int_t)st->import_id,
                                   "parent_id", (json_int_t)parent, "stats",
                                   sj ? sj : json_object(), "rejects", bad));
}

static int run_fixes(struct sl_req *r, struct MHD_Connection *c, long long parent,
                     const char *table, const struct fixes *f)
{
    struct sl_http_server *s = r->srv;
    struct fix_files ff;
    struct sl_error err;
    sl_err_clear(&err);
    if (fix_dir(s, ff.dir, sizeof ff.dir))
        return sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "the server could not store the rows; see its log");
    snprintf(ff.path, sizeof ff.path, "%s/upload", ff.dir);
    snprintf(ff.rej, sizeof ff.rej, "%s/rejects.csv", ff.dir);
    struct sheetload_stats *st = sl_calloc(1, sizeof *st);
    int rc = st ? import_fixes(s, &ff, parent, table, f, st, &err) : SL_ENOMEM;
    int ret = reply_fixes(r, c, rc, st, &err, parent, f);
    unlink(ff.rej);
    sl_upload_remove(ff.path); /* and the directory */
    sl_free(st);
    return ret;
}

int sl_route_fixes(struct sl_req *r, struct MHD_Connection *c)
{
    long long parent = 0;
    char table[256];
    int ret;
    json_error_t je;
    if (r->body_too_big)
        return sl_reply_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is too large");
    json_t *b = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
    if (!json_is_object(b)) {
        json_decref(b);
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST,
                              "the body must be a JSON object {\"columns\": [...], \"rows\": "
                              "[{\"row\": N, \"cells\": [...]}]}");
    }
    struct fixes f = {0};
    const char *bad = parse_fixes(b, &f);
    if (bad)
        ret = sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", bad);
    else if (!find_parent(r, c, &parent, table, sizeof table, &ret))
        ret = run_fixes(r, c, parent, table, &f);
    fixes_free(&f);
    json_decref(b);
    return ret;
}

static int limit_arg(const char *s)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : 0;
    return s && *s && !*end && v > 0 && v <= 1000 ? (int)v : 50;
}

int sl_route_history(struct sl_req *r, struct MHD_Connection *c)
{
    const char *l = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    char *text = NULL;
    struct sl_error err;
    sl_err_clear(&err);
    int rc = sheetload_history(r->srv->db, limit_arg(l), &text, &err);
    if (rc)
        return sl_reply_error(r, c, sl_http_status_for(rc), "cannot read the import ledger: %s",
                              err.msg);
    json_t *a = json_loads(text, 0, NULL);
    sheetload_free(text);
    return sl_reply_json(r, c, MHD_HTTP_OK, json_pack("{s:o}", "imports", a ? a : json_array()));
}
