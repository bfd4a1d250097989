/* ledger.c - job state that survives a restart: GET /imports/N and
 * GET /imports/N/rejects for an import the server no longer holds in memory
 * (it was restarted, or the job aged out), from the import ledger in the
 * target database through the public API (sheetload_import_info,
 * sheetload_import_rejects: the ledger's SQL lives in src/load). In-memory
 * job ids start with a letter; ledger ids are numbers, and a finished job
 * shows its ledger id as import_id. A finished job's rejects come from the
 * ledger too, so both answers have one format.
 *
 * Each call opens its own connection on the calling connection's thread;
 * nothing here is shared.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "http/internal.h"

int sl_ledger_id(const char *s)
{
    if (!*s || strlen(s) > 18)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

static json_t *str(const char *v)
{
    return *v ? json_string(v) : json_null();
}

int sl_http_ledger_get(const struct sl_http_server *s, const char *id, json_t **out,
                       struct sl_error *err)
{
    struct sheetload_import_info in;
    *out = NULL;
    int rc = sheetload_import_info(s->db, strtoll(id, NULL, 10), &in, err);
    if (rc)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_sprintf("%lld", in.id));
    json_object_set_new(o, "import_id", json_integer(in.id));
    json_object_set_new(o, "status", str(in.status));
    json_object_set_new(o, "method", str(in.method));
    json_object_set_new(o, "file", str(in.file));
    json_object_set_new(o, "created_at", str(in.started_at));
    json_object_set_new(o, "finished_at", str(in.finished_at));
    json_object_set_new(o, "table", str(in.table));
    json_object_set_new(o, "stats",
                        json_pack("{s:I,s:I,s:I,s:I}", "total_records", in.total_records,
                                  "success_count", in.success_count, "error_count", in.error_count,
                                  "skipped_blank", in.skipped_blank));
    if (in.message[0])
        json_object_set_new(o, "error", json_string(in.message));
    json_object_set_new(o, "source", json_string("ledger"));
    json_object_set_new(o, "progress",
                        json_pack("{s:I,s:I,s:I}", "rows_done", in.rows_done, "rows_inserted",
                                  in.rows_inserted, "rows_rejected", in.rows_rejected));
    *out = o;
    return 0;
}

int sl_http_ledger_rejects(const struct sl_http_server *s, long long id, int *fd, size_t *len,
                           struct sl_error *err)
{
    FILE *f = tmpfile();
    *fd = -1;
    if (!f)
        return sl_err_set(err, SL_EIO, "cannot make a temporary file for the rejects");
    int rc = sheetload_import_rejects(s->db, id, f, NULL, err);
    long end = rc ? -1 : ftell(f);
    if (!rc && end < 0)
        rc = sl_err_set(err, SL_EIO, "cannot measure the rejects of import %lld", id);
    if (!rc && (*fd = dup(fileno(f))) < 0)
        rc = sl_err_set(err, SL_EIO, "out of file descriptors sending the rejects");
    fclose(f);
    *len = rc ? 0 : (size_t)end;
    return rc;
}
