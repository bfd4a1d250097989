/* ledger.c - job state that survives a restart: GET /imports/N and
 * GET /imports/N/rejects for an import the server no longer holds in memory
 * (it was restarted, or the job aged out) read the import ledger in the
 * target database (sheetload_imports, sheetload_batches, sheetload_rejects,
 * written by the importer). In-memory job ids start with a letter; ledger
 * ids are numbers, and a finished job shows its ledger id as import_id.
 *
 * Each call opens its own connection on the calling connection's thread;
 * nothing here is shared.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csvw.h"
#include "base/err.h"
#include "http/internal.h"
#include "sink/sink.h"

int sl_ledger_id(const char *s)
{
    if (!*s || strlen(s) > 18)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

static json_t *num(const char *v) { return json_integer(v ? strtoll(v, NULL, 10) : 0); }
static json_t *str(const char *v) { return v ? json_string(v) : json_null(); }

static int import_row(void *arg, int n, const char *const *v)
{
    json_t *o = arg;
    if (n < 12)
        return 0;
    json_object_set_new(o, "id", str(v[0]));
    json_object_set_new(o, "import_id", num(v[0]));
    json_object_set_new(o, "status", str(v[1]));
    json_object_set_new(o, "method", str(v[2]));
    json_object_set_new(o, "file", str(v[3]));
    json_object_set_new(o, "created_at", str(v[4]));
    json_object_set_new(o, "finished_at", str(v[5]));
    json_object_set_new(o, "table", str(v[6]));
    json_object_set_new(o, "stats", json_pack("{s:o,s:o,s:o,s:o}", "total_records", num(v[7]),
                                              "success_count", num(v[8]), "error_count", num(v[9]),
                                              "skipped_blank", num(v[10])));
    if (v[11] && *v[11])
        json_object_set_new(o, "error", json_string(v[11]));
    json_object_set_new(o, "source", json_string("ledger"));
    return 0;
}

static int batches_row(void *arg, int n, const char *const *v)
{
    json_t *o = arg;
    if (n >= 3)
        json_object_set_new(o, "progress",
                            json_pack("{s:o,s:o,s:o}", "rows_done", num(v[0]), "rows_inserted",
                                      num(v[1]), "rows_rejected", num(v[2])));
    return 0;
}

int sl_http_ledger_get(const struct sl_http_server *s, const char *id, json_t **out,
                       struct sl_error *err)
{
    struct sl_sink *sink = NULL;
    json_t *o = json_object();
    const char *params[1] = {id};
    *out = NULL;
    int rc = sl_sink_open(&sink, s->db, err);
    if (!rc)
        rc = sl_sink_query(sink,
                           "SELECT id, status, method, file_name, started_at, finished_at, "
                           "target_table, total_records, success_count, error_count, "
                           "skipped_blank, message FROM sheetload_imports WHERE id = $1",
                           1, params, import_row, o, err);
    if (!rc && !json_object_get(o, "id"))
        rc = sl_err_set(err, SL_ENOTFOUND, "import '%s' not found", id);
    if (!rc)
        rc = sl_sink_query(sink,
                           "SELECT coalesce(sum(rows_done), 0), coalesce(sum(rows_inserted), 0), "
                           "coalesce(sum(rows_rejected), 0) FROM sheetload_batches "
                           "WHERE import_id = $1",
                           1, params, batches_row, o, err);
    if (sink)
        sl_sink_close(sink);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

static void csv_field(struct sl_buf *b, const char *v)
{
    if (v)
        sl_csvw_add(b, v, strlen(v), SL_CSVW_QUOTE_SPACE | SL_CSVW_NUL_FFFD);
}

static int reject_row(void *arg, int n, const char *const *v)
{
    struct sl_buf *b = arg;
    if (n < 4)
        return 0;
    sl_buf_addstr(b, v[0] ? v[0] : "");
    sl_buf_addch(b, ',');
    csv_field(b, v[1]);
    sl_buf_addch(b, ',');
    csv_field(b, v[2]);
    if (v[3] && *v[3]) {
        sl_buf_addch(b, ',');
        sl_buf_addstr(b, v[3]); /* the original cells, already CSV */
    }
    sl_buf_addch(b, '\n');
    return b->err;
}

int sl_http_ledger_rejects(const struct sl_http_server *s, const char *id, struct sl_buf *b,
                           struct sl_error *err)
{
    struct sl_sink *sink = NULL;
    const char *params[1] = {id};
    json_t *probe = NULL;
    int rc = sl_http_ledger_get(s, id, &probe, err);
    json_decref(probe);
    if (rc)
        return rc;
    sl_buf_addstr(b, "row,reason,sqlstate\n");
    rc = sl_sink_open(&sink, s->db, err);
    if (!rc)
        rc = sl_sink_query(sink,
                           "SELECT row_num, reason, sqlstate, vals FROM sheetload_rejects "
                           "WHERE import_id = $1 ORDER BY row_num",
                           1, params, reject_row, b, err);
    if (sink)
        sl_sink_close(sink);
    if (!rc && b->err)
        rc = sl_err_set(err, b->err, "the rejects of import '%s' are too large to send", id);
    return rc;
}
