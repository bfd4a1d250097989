/* db.c - the public API's questions to a database that are not an import:
 * is it there (sheetload_ping), what does the ledger say about import N
 * (sheetload_import_info), its rejected rows (sheetload_import_rejects, in
 * the rejects file's format), and dropping a table (bench). Each call opens
 * its own connection and closes it; nothing is shared. The front ends reach
 * the ledger only through these: its SQL lives in src/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "load/load.h"
#include "sink/sink.h"

const char *sl_load_target(const char *db)
{
    const char *env = getenv("DATABASE_URL");
    return db ? db : env && *env ? env : SL_LOAD_DEFAULT_TARGET; /* "" = libpq's PG* */
}

void sheetload_target_shown(const char *db, char *out, size_t cap)
{
    sl_target_redact(sl_load_target(db), out, cap);
}

int sheetload_ping(const char *db, struct sheetload_error *err)
{
    struct sl_sink *s = NULL;
    int rc = sl_sink_open(&s, sl_load_target(db), err);
    if (!rc)
        rc = sl_sink_ping(s, err);
    if (s)
        sl_sink_close(s);
    return rc;
}

static int info_row(void *arg, int n, const char *const *v)
{
    struct sheetload_import_info *in = arg;
    if (n < 12)
        return 0;
    in->id = sl_col_num(v[0]);
    sl_col_text(in->status, sizeof in->status, v[1]);
    sl_col_text(in->method, sizeof in->method, v[2]);
    sl_col_text(in->file, sizeof in->file, v[3]);
    sl_col_text(in->started_at, sizeof in->started_at, v[4]);
    sl_col_text(in->finished_at, sizeof in->finished_at, v[5]);
    sl_col_text(in->table, sizeof in->table, v[6]);
    in->total_records = sl_col_num(v[7]);
    in->success_count = sl_col_num(v[8]);
    in->error_count = sl_col_num(v[9]);
    in->skipped_blank = sl_col_num(v[10]);
    sl_col_text(in->message, sizeof in->message, v[11]);
    return 0;
}

static int progress_row(void *arg, int n, const char *const *v)
{
    struct sheetload_import_info *in = arg;
    if (n >= 3) {
        in->rows_done = sl_col_num(v[0]);
        in->rows_inserted = sl_col_num(v[1]);
        in->rows_rejected = sl_col_num(v[2]);
    }
    return 0;
}

/* Reads import id's row and its batches' progress on s. */
static int read_info(struct sl_sink *s, long long id, struct sheetload_import_info *in,
                     struct sl_error *err)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    memset(in, 0, sizeof *in);
    int rc = sl_sink_query(s,
                           "SELECT id, status, method, file_name, started_at, finished_at, "
                           "target_table, total_records, success_count, error_count, "
                           "skipped_blank, message FROM sheetload_imports WHERE id = $1",
                           1, params, info_row, in, err);
    if (!rc && !in->id)
        return sl_err_set(err, SL_ENOTFOUND, "import %lld not found", id);
    if (!rc)
        rc = sl_sink_query(s,
                           "SELECT coalesce(sum(rows_done), 0), coalesce(sum(rows_inserted), 0), "
                           "coalesce(sum(rows_rejected), 0) FROM sheetload_batches "
                           "WHERE import_id = $1",
                           1, params, progress_row, in, err);
    return rc;
}

int sheetload_import_info(const char *db, long long id, struct sheetload_import_info *info,
                          struct sheetload_error *err)
{
    struct sl_sink *s = NULL;
    int rc = sl_sink_open(&s, sl_load_target(db), err);
    if (!rc)
        rc = read_info(s, id, info, err);
    if (s)
        sl_sink_close(s);
    return rc;
}

int sheetload_import_rejects(const char *db, long long id, FILE *out, long long *rows,
                             struct sheetload_error *err)
{
    struct sl_sink *s = NULL;
    struct sheetload_import_info in;
    long long n = 0;
    int rc = sl_sink_open(&s, sl_load_target(db), err);
    if (!rc)
        rc = read_info(s, id, &in, err);
    if (!rc)
        rc = sl_rejects_stream(s, id, out, &n, err);
    if (s)
        sl_sink_close(s);
    if (rows)
        *rows = n;
    return rc;
}

static int count_row(void *arg, int n, const char *const *v)
{
    if (n > 0)
        *(long long *)arg = sl_col_num(v[0]);
    return 0;
}

int sheetload_drop_table(const char *db, const char *table, int only_if_empty, long long *rows,
                         struct sheetload_error *err)
{
    struct sl_sink *s = NULL;
    char q[640], id[600], shown[512];
    const char *target = sl_load_target(db);
    long long n = 0;
    *rows = 0;
    if (sl_sink_quote_table(table, id, sizeof id))
        return sl_err_set(err, SL_ELIMIT, "table name '%.200s' is too long", table);
    int rc = sl_sink_open(&s, target, err);
    if (!rc && only_if_empty) {
        struct sl_sink_column col;
        size_t ncols = 0;
        rc = sl_sink_table_columns(s, table, &col, 1, &ncols, err);
        snprintf(q, sizeof q, "SELECT count(*) FROM %s", id);
        if (!rc && ncols > 0)
            rc = sl_sink_query(s, q, 0, NULL, count_row, &n, err);
        if (!rc && n > 0) {
            *rows = n;
            sl_target_redact(target, shown, sizeof shown);
            rc = sl_err_set(err, SL_EEXISTS, "table '%s' in '%s' holds %lld rows", table, shown, n);
        }
    }
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS %s", id);
    if (!rc)
        rc = sl_sink_exec(s, q, 0, NULL, err);
    if (s)
        sl_sink_close(s);
    return rc;
}
