/* history.c - the ledger read back for front ends: the newest imports
 * (sheetload_history) and the rejected rows of one import
 * (sheetload_rejects_list), as JSON. Each call opens its own connection on
 * the calling thread. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "load/load.h"

static json_t *num(const char *v)
{
    return v ? json_integer(strtoll(v, NULL, 10)) : json_null();
}
static json_t *str(const char *v)
{
    return v ? json_string(v) : json_null();
}

static int import_row(void *arg, int n, const char *const *v)
{
    static const char *const names[] = {
        "id",          "parent_id",     "status",      "method",        "file",
        "table",       "started_at",    "finished_at", "total_records", "success_count",
        "error_count", "skipped_blank", "error"};
    if (n < 13)
        return SL_EDB;
    json_t *o = json_object();
    for (int i = 0; i < 13; i++) {
        int numeric = i < 2 || (i >= 8 && i <= 11);
        json_object_set_new(o, names[i], numeric ? num(v[i]) : str(v[i]));
    }
    return json_array_append_new(arg, o) ? SL_ENOMEM : 0;
}

static int dump(json_t *a, char **json, struct sl_error *err)
{
    *json = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return *json ? 0 : sl_err_set(err, SL_ENOMEM, "out of memory");
}

static int open_db(const char *db, struct sl_sink **s, struct sl_error *err)
{
    const char *env = getenv("DATABASE_URL");
    return sl_sink_open(s, db ? db : env && *env ? env : SL_LOAD_DEFAULT_TARGET, err);
}

/* Does the ledger exist yet? (a fresh database has none) */
static int has_ledger(struct sl_sink *s, int *yes, struct sl_error *err)
{
    struct sl_sink_column cols[32];
    size_t n = 0;
    int rc = sl_sink_table_columns(s, "sheetload_imports", cols, 32, &n, err);
    *yes = n > 0;
    return rc;
}

/* Opens db and asks whether its ledger exists. */
static int open_ledger_db(const char *db, struct sl_sink **s, int *yes, struct sl_error *err)
{
    int rc = open_db(db, s, err);
    return rc ? rc : has_ledger(*s, yes, err);
}

/* Closes s; the answer is a as JSON, unless rc. */
static int answer(struct sl_sink *s, int rc, json_t *a, char **json, struct sl_error *err)
{
    if (s)
        sl_sink_close(s);
    if (rc) {
        json_decref(a);
        return rc;
    }
    return dump(a, json, err);
}

int sheetload_history(const char *db, int limit, char **json, struct sl_error *err)
{
    struct sl_sink *s = NULL;
    json_t *a = json_array();
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit > 0 && limit <= 1000 ? limit : 50);
    const char *params[1] = {lim};
    int yes = 0;
    *json = NULL;
    int rc = open_ledger_db(db, &s, &yes, err);
    if (!rc && yes)
        rc = sl_sink_query(s,
                           "SELECT id, parent_id, status, method, file_name, target_table, "
                           "started_at, finished_at, total_records, success_count, error_count, "
                           "skipped_blank, message FROM sheetload_imports ORDER BY id DESC "
                           "LIMIT CAST($1 AS integer)",
                           1, params, import_row, a, err);
    return answer(s, rc, a, json, err);
}

static int reject_row(void *arg, int n, const char *const *v)
{
    if (n < 3)
        return SL_EDB;
    return json_array_append_new(arg, json_pack("{s:o,s:o,s:o}", "row", num(v[0]), "reason",
                                                str(v[1]), "sqlstate", str(v[2])))
               ? SL_ENOMEM
               : 0;
}

static int count_cb(void *arg, int n, const char *const *v)
{
    *(long long *)arg = n >= 1 && v[0] ? strtoll(v[0], NULL, 10) : 0;
    return 0;
}

int sheetload_rejects_list(const char *db, long long id, char **json, struct sl_error *err)
{
    struct sl_sink *s = NULL;
    json_t *a = json_array();
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    long long found = 0;
    int yes = 0;
    *json = NULL;
    int rc = open_ledger_db(db, &s, &yes, err);
    if (!rc && yes)
        rc = sl_sink_query(s, "SELECT count(*) FROM sheetload_imports WHERE id = $1", 1, params,
                           count_cb, &found, err);
    if (!rc && !found)
        rc = sl_err_set(err, SL_ENOTFOUND, "import %lld not found", id);
    if (!rc)
        rc = sl_sink_query(s,
                           "SELECT row_num, reason, sqlstate FROM sheetload_rejects "
                           "WHERE import_id = $1 ORDER BY row_num",
                           1, params, reject_row, a, err);
    return answer(s, rc, a, json, err);
}
