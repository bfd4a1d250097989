/* sqlite.c - the SQLite sink: one connection, WAL, a reused prepared INSERT.
 *
 * There is no COPY: insert_rows and copy_rows step the one-row prepared
 * statement in a loop, binding the borrowed values with SQLITE_STATIC (no
 * copy, no allocation per row). Threads: the sink is used by one thread at
 * a time; only sl_sink_cancel (sqlite3_interrupt, documented as safe from
 * another thread) may come from elsewhere, and only while the sink is open.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "sink/sink_int.h"

#define NCACHE        8
#define CACHE_MAX_SQL 2048

struct sl_sqlite {
    struct sl_sink base;
    sqlite3 *db;
    char *path;
    sqlite3_stmt *ins; /* INSERT INTO t (cols) VALUES (?1..?n) */
    size_t ncols;
    /* exec/query statements kept prepared (the per-row ledger upsert, BEGIN,
     * COMMIT...): single statements only, keyed by their text, replaced
     * round-robin; each is reset after every use. */
    struct {
        char *sql;
        sqlite3_stmt *st;
    } cache[NCACHE];
    unsigned cache_next;
};

static const char *code_name(int rc)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
        return "SQLITE_CONSTRAINT_UNIQUE";
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return "SQLITE_CONSTRAINT_PRIMARYKEY";
    case SQLITE_CONSTRAINT_NOTNULL:
        return "SQLITE_CONSTRAINT_NOTNULL";
    case SQLITE_CONSTRAINT_CHECK:
        return "SQLITE_CONSTRAINT_CHECK";
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return "SQLITE_CONSTRAINT_FOREIGNKEY";
    case SQLITE_CONSTRAINT_TRIGGER:
        return "SQLITE_CONSTRAINT_TRIGGER";
#ifdef SQLITE_CONSTRAINT_DATATYPE
    case SQLITE_CONSTRAINT_DATATYPE:
        return "SQLITE_CONSTRAINT_DATATYPE";
#endif
    case SQLITE_CONSTRAINT:
        return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH:
        return "SQLITE_MISMATCH";
    case SQLITE_TOOBIG:
        return "SQLITE_TOOBIG";
    case SQLITE_RANGE:
        return "SQLITE_RANGE";
    case SQLITE_BUSY:
        return "SQLITE_BUSY";
    case SQLITE_BUSY_SNAPSHOT:
        return "SQLITE_BUSY_SNAPSHOT";
    case SQLITE_LOCKED:
        return "SQLITE_LOCKED";
    case SQLITE_INTERRUPT:
        return "SQLITE_INTERRUPT";
    case SQLITE_READONLY:
        return "SQLITE_READONLY";
    case SQLITE_IOERR:
        return "SQLITE_IOERR";
    case SQLITE_CORRUPT:
        return "SQLITE_CORRUPT";
    case SQLITE_FULL:
        return "SQLITE_FULL";
    case SQLITE_CANTOPEN:
        return "SQLITE_CANTOPEN";
    case SQLITE_NOTADB:
        return "SQLITE_NOTADB";
    case SQLITE_NOMEM:
        return "SQLITE_NOMEM";
    case SQLITE_ERROR:
        return "SQLITE_ERROR";
    }
    return NULL;
}

static int classify(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        return SL_EDBDATA;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return SL_ERETRY;
    case SQLITE_INTERRUPT:
        return SL_ECANCELED;
    case SQLITE_NOMEM:
        return SL_ENOMEM;
    }
    return SL_EDB;
}

/* Fills err from rc and the connection's message; returns the code. */
static int lite_err(struct sl_sqlite *q, int rc, struct sl_error *err)
{
    int code = classify(rc);
    const char *name = code_name(rc);
    const char *msg = q && q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc);
    if (name)
        return sl_err_set(err, code, "%s (%s)", msg, name);
    return sl_err_set(err, code, "%s (%s, code %d)", msg, sqlite3_errstr(rc), rc);
}

static void lite_close(struct sl_sink *s)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    sqlite3_finalize(q->ins);
    for (int i = 0; i < NCACHE; i++) {
        sqlite3_finalize(q->cache[i].st);
        sl_free(q->cache[i].sql);
    }
    sqlite3_close_v2(q->db);
    sl_free(q->path);
    sl_free(q);
}

static int bind_params(sqlite3_stmt *st, int nparams, const char *const *params)
{
    char name[16];
    for (int i = 0; i < nparams; i++) {
        snprintf(name, sizeof name, "$%d", i + 1);
        int idx = sqlite3_bind_parameter_index(st, name);
        if (idx == 0)
            continue; /* this statement does not use $i */
        int rc = params[i] ? sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, idx);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Runs every statement of sql, binding $1..$n by name in each; rows go to
 * cb when it is set. */
/* A cached statement for sql, or NULL. */
static sqlite3_stmt *cache_find(struct sl_sqlite *q, const char *sql)
{
    for (int i = 0; i < NCACHE; i++)
        if (q->cache[i].st && !strcmp(q->cache[i].sql, sql))
            return q->cache[i].st;
    return NULL;
}

/* Keeps st for sql (a single statement); 1 when kept (the cache owns it). */
static int cache_put(struct sl_sqlite *q, const char *sql, sqlite3_stmt *st)
{
    if (strlen(sql) >= CACHE_MAX_SQL)
        return 0;
    char *copy = sl_strdup(sql);
    if (!copy)
        return 0;
    unsigned i = q->cache_next++ % NCACHE;
    sqlite3_finalize(q->cache[i].st);
    sl_free(q->cache[i].sql);
    q->cache[i].sql = copy;
    q->cache[i].st = st;
    return 1;
}

/* Done with st: reset a cached one, finalize another. */
static void release(sqlite3_stmt *st, int cached)
{
    if (cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
}

static int run(struct sl_sqlite *q, const char *sql, int nparams, const char *const *params,
               sl_sink_row_cb cb, void *arg, struct sl_error *err)
{
    const char *tail = sql;
    const char **vals = NULL;
    int vcap = 0, ret = 0;
    while (tail && *tail) {
        sqlite3_stmt *st = tail == sql ? cache_find(q, sql) : NULL;
        int cached = st != NULL;
        int rc = SQLITE_OK;
        if (cached) {
            tail = "";
        } else {
            const char *start = tail;
            rc = sqlite3_prepare_v2(q->db, tail, -1, &st, &tail);
            if (rc != SQLITE_OK) {
                ret = lite_err(q, rc, err);
                goto fail;
            }
            if (!st) /* whitespace or a comment */
                continue;
            if (start == sql && (!tail || !*tail))
                cached = cache_put(q, sql, st);
        }
        rc = bind_params(st, nparams, params);
        while (rc == SQLITE_OK || rc == SQLITE_ROW) {
            rc = sqlite3_step(st);
            if (rc != SQLITE_ROW || !cb)
                continue;
            int n = sqlite3_column_count(st);
            if (n > vcap) {
                const char **nv = sl_realloc(vals, (size_t)n * sizeof *vals);
                if (!nv) {
                    release(st, cached);
                    ret = sl_err_set(err, SL_ENOMEM, "out of memory reading a query result");
                    goto fail;
                }
                vals = nv;
                vcap = n;
            }
            for (int i = 0; i < n; i++)
                vals[i] = (const char *)sqlite3_column_text(st, i);
            int r = cb(arg, n, vals);
            if (r) {
                release(st, cached);
                ret = r;
                goto fail;
            }
        }
        if (rc != SQLITE_DONE) {
            ret = lite_err(q, rc, err);
            release(st, cached);
            goto fail;
        }
        release(st, cached);
    }
fail:
    sl_free(vals);
    return ret;
}

static int lite_exec(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                     struct sl_error *err)
{
    return run((struct sl_sqlite *)s, sql, nparams, params, NULL, NULL, err);
}

static int lite_query(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                      sl_sink_row_cb cb, void *arg, struct sl_error *err)
{
    return run((struct sl_sqlite *)s, sql, nparams, params, cb, arg, err);
}

static int lite_begin(struct sl_sink *s, struct sl_error *err)
{
    return run((struct sl_sqlite *)s, "BEGIN IMMEDIATE", 0, NULL, NULL, NULL, err);
}

static int lite_commit(struct sl_sink *s, struct sl_error *err)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    if (sqlite3_get_autocommit(q->db))
        return sl_err_set(err, SL_EDB,
                          "COMMIT without a transaction: it was rolled back by an "
                          "earlier error or never begun");
    return run(q, "COMMIT", 0, NULL, NULL, NULL, err);
}

static int lite_rollback(struct sl_sink *s, struct sl_error *err)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    if (sqlite3_get_autocommit(q->db)) /* already rolled back (e.g. by SQLITE_FULL) */
        return 0;
    return run(q, "ROLLBACK", 0, NULL, NULL, NULL, err);
}

static int lite_reconnect(struct sl_sink *s, struct sl_error *err)
{
    /* A file cannot drop the connection; roll back whatever was open. */
    return lite_rollback(s, err);
}

static void lite_cancel(struct sl_sink *s)
{
    sqlite3_interrupt(((struct sl_sqlite *)s)->db);
}

static int lite_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
                               size_t ncols, struct sl_error *err)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    char id[SL_SINK_IDENT_MAX];
    struct sl_buf b;
    int ret = 0;
    sl_buf_init(&b, 0);
    if (sl_sink_quote_table(table, id, sizeof id))
        return sl_err_set(err, SL_ELIMIT, "table name '%.200s' is too long", table);
    sl_buf_addf(&b, "INSERT INTO %s (", id);
    for (size_t i = 0; i < ncols; i++) {
        if (sl_sink_quote_ident(cols[i], id, sizeof id)) {
            ret = sl_err_set(err, SL_ELIMIT, "column name '%.200s' is too long", cols[i]);
            goto fail;
        }
        sl_buf_addf(&b, "%s%s", i ? ", " : "", id);
    }
    sl_buf_addstr(&b, ") VALUES (");
    for (size_t i = 0; i < ncols; i++)
        sl_buf_addf(&b, "%s?%zu", i ? ", " : "", i + 1);
    sl_buf_addch(&b, ')');
    if (b.err) {
        ret = sl_err_set(err, b.err, "out of memory building an INSERT");
        goto fail;
    }
    sqlite3_finalize(q->ins);
    q->ins = NULL;
    q->ncols = 0;
    int rc =
        sqlite3_prepare_v3(q->db, b.data, (int)b.len, SQLITE_PREPARE_PERSISTENT, &q->ins, NULL);
    if (rc != SQLITE_OK) {
        ret = lite_err(q, rc, err);
        goto fail;
    }
    q->ncols = ncols;
fail:
    sl_buf_release(&b);
    return ret;
}

/* Binds one row and steps the insert; SQLITE_DONE on success. */
static inline int insert_one(struct sl_sqlite *q, const char *const *vals)
{
    sqlite3_stmt *st = q->ins;
    int rc = SQLITE_OK;
    for (size_t i = 0; i < q->ncols && rc == SQLITE_OK; i++)
        rc = vals[i] ? sqlite3_bind_text(st, (int)i + 1, vals[i], -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, (int)i + 1);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

static int rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                struct sl_error *err)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    if (!q->ins)
        return sl_err_set(err, SL_EINVAL, "insert before sl_sink_prepare_insert");
    for (size_t r = 0; r < nrows; r++) {
        int rc = insert_one(q, vals + r * q->ncols);
        if (rc != SQLITE_DONE) {
            if (bad_row)
                *bad_row = (long)r;
            return lite_err(q, rc, err);
        }
    }
    return 0;
}

static int lite_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err)
{
    return rows(s, vals, 1, NULL, err);
}

static int lite_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
                            struct sl_error *err)
{
    return rows(s, vals, nrows, NULL, err);
}

static int lite_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                          struct sl_error *err)
{
    return rows(s, vals, nrows, bad_row, err);
}

struct cols_acc {
    struct sl_sink_column *cols;
    size_t cap, n;
    int npk;
};

static int col_row(void *arg, int ncols, const char *const *v)
{
    struct cols_acc *a = arg;
    /* name, type, notnull, dflt_value, pk */
    if (a->n < a->cap) {
        struct sl_sink_column *c = &a->cols[a->n];
        memset(c, 0, sizeof *c);
        sl_strlcpy(c->name, v[0] ? v[0] : "", sizeof c->name);
        sl_strlcpy(c->type, v[1] ? v[1] : "", sizeof c->type);
        for (char *p = c->type; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        c->not_null = v[2] && strcmp(v[2], "0") != 0;
        c->has_default = v[3] != NULL;
        c->is_pk = v[4] && strcmp(v[4], "0") != 0;
    }
    if (v[4] && strcmp(v[4], "0") != 0)
        a->npk++;
    a->n++;
    (void)ncols;
    return 0;
}

static int lite_table_columns(struct sl_sink *s, const char *table, struct sl_sink_column *cols,
                              size_t cap, size_t *n, struct sl_error *err)
{
    struct sl_sqlite *q = (struct sl_sqlite *)s;
    struct cols_acc a = {cols, cap, 0, 0};
    char schema[256];
    const char *params[2] = {table, NULL};
    const char *dot = strchr(table, '.');
    if (dot) {
        size_t len = (size_t)(dot - table);
        if (len >= sizeof schema)
            return sl_err_set(err, SL_ELIMIT, "schema of '%.200s' is too long", table);
        memcpy(schema, table, len);
        schema[len] = '\0';
        params[0] = dot + 1;
        params[1] = schema;
    }
    int rc = run(q,
                 "SELECT name, type, \"notnull\", dflt_value, pk "
                 "FROM pragma_table_info($1, $2) ORDER BY cid",
                 2, params, col_row, &a, err);
    /* A lone INTEGER PRIMARY KEY is the rowid: it fills itself. */
    if (!rc && a.npk == 1)
        for (size_t i = 0; i < a.n && i < cap; i++)
            if (cols[i].is_pk && strcmp(cols[i].type, "integer") == 0)
                cols[i].has_default = 1;
    *n = a.n;
    return rc;
}

/* SQLite's page cache (and so its sorter's memory) at most `bytes`. */
static int lite_set_cache(struct sl_sink *s, unsigned long long bytes, struct sl_error *err)
{
    char sql[64];
    unsigned long long kib = bytes >> 10;
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%llu", kib ? kib : 1);
    return run((struct sl_sqlite *)s, sql, 0, NULL, NULL, NULL, err);
}

static const struct sl_sink_ops lite_ops = {
    .name = "sqlite",
    .close = lite_close,
    .reconnect = lite_reconnect,
    .cancel = lite_cancel,
    .exec = lite_exec,
    .query = lite_query,
    .prepare_insert = lite_prepare_insert,
    .insert_row = lite_insert_row,
    .insert_rows = lite_insert_rows,
    .copy_rows = lite_copy_rows,
    .table_columns = lite_table_columns,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .set_cache = lite_set_cache,
};

int sl_sqlite_open(struct sl_sink **out, const char *path, struct sl_error *err)
{
    struct sl_sqlite *q = sl_calloc(1, sizeof *q);
    int ret;
    if (!q)
        return sl_err_set(err, SL_ENOMEM, "out of memory opening '%s'", path);
    q->base.ops = &lite_ops;
    q->base.dialect = SL_DIALECT_SQLITE;
    q->base.copy_binary = 1;
    q->path = sl_strdup(path);
    if (!q->path) {
        ret = sl_err_set(err, SL_ENOMEM, "out of memory opening '%s'", path);
        goto fail;
    }
    int rc = sqlite3_open_v2(
        path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ret = sl_err_set(err, SL_EDBCONN,
                         "cannot open SQLite database '%s': %s; check the path "
                         "and its directory's permissions",
                         path, q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, 10000);
    /* Several importers opening one new database at once race to switch it
     * to WAL; SQLite answers SQLITE_BUSY there without calling the busy
     * handler (it would deadlock), so the switch is retried here for as long
     * as the busy timeout (t_concurrent_same saw it 1 round in 20). */
    struct sl_error e = {0};
    for (int tries = 0;; tries++) {
        memset(&e, 0, sizeof e);
        if (!run(q, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768",
                 0, NULL, NULL, NULL, &e))
            break;
        if (e.code != SL_ERETRY || tries >= 400) {
            ret = sl_err_set(err, e.code == SL_ERETRY ? SL_ERETRY : SL_EDBCONN,
                             "cannot use SQLite database '%s': %s", path, e.msg);
            goto fail;
        }
        struct timespec pause = {0, 25 * 1000 * 1000}; /* 400 x 25 ms = the busy timeout */
        nanosleep(&pause, NULL);
    }
    *out = &q->base;
    return 0;
fail:
    lite_close(&q->base);
    return ret;
}
