/* indexes.c - "load first, index after" (see indexes.h for the contract).
 *
 * prepare saves the secondary index definitions of an empty target table in
 * sheetload_deferred_indexes and drops the indexes, in one transaction, so
 * there is never a moment where an index is gone and its definition not
 * saved. finish builds every saved definition whose index does not exist and
 * deletes the saved row only after that. A kill at any point therefore
 * leaves either the indexes, or their definitions, and the next prepare or
 * finish on that table completes the work.
 *
 * Threads: sl_indexes_finish_parallel starts up to nconn builder threads,
 * each owning one connection of its own. They share a struct builders: the
 * list of definitions (read-only while they run; element i's built flag is
 * written only by the thread that claimed i through the atomic counter) and
 * the first error (guarded by mu). The calling thread reads the flags after
 * joining every builder. No other lock is taken, so there is no lock order.
 */
#include "load/indexes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "sink/sink.h"

#define MAX_BUILDERS 16

struct idx_def {
    char *name; /* PostgreSQL: as regclass prints it (quoted, qualified when needed) */
    char *def;  /* the CREATE INDEX statement */
    int built;  /* exists now */
};

struct idx_list {
    struct idx_def *v;
    size_t n, cap;
    int oom;
};

static void list_free(struct idx_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        sl_free(l->v[i].name);
        sl_free(l->v[i].def);
    }
    sl_free(l->v);
    memset(l, 0, sizeof *l);
}

static int list_add_cb(void *arg, int ncols, const char *const *vals)
{
    struct idx_list *l = arg;
    if (ncols < 2 || !vals[0] || !vals[1])
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct idx_def *v = sl_realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = 1;
            return SL_ENOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    struct idx_def *d = &l->v[l->n];
    d->name = sl_strdup(vals[0]);
    d->def = sl_strdup(vals[1]);
    d->built = 0;
    if (!d->name || !d->def) {
        sl_free(d->name);
        sl_free(d->def);
        l->oom = 1;
        return SL_ENOMEM;
    }
    l->n++;
    return 0;
}

static int first_cb(void *arg, int ncols, const char *const *vals)
{
    char *out = arg;
    sl_strlcpy(out, ncols > 0 && vals[0] ? vals[0] : "", 32);
    return 0;
}

static int is_pg(struct sl_sink *s)
{
    return sl_sink_dialect(s) == SL_DIALECT_PG;
}

/* Under the ledger's DDL lock (claim.c): imports into different tables may
 * create it at the same moment. */
static int ensure_table(struct sl_sink *s, struct sl_error *err)
{
    int rc = sl_sink_begin(s, err);
    if (rc)
        return rc;
    rc = sl_ddl_xact_lock(s, "ledger", err);
    if (!rc)
        rc = sl_sink_exec(
            s,
            is_pg(s) ? "CREATE TABLE IF NOT EXISTS " SL_INDEXES_TABLE " (table_name text NOT NULL, "
                       "index_name text NOT NULL, definition text NOT NULL, import_id bigint, "
                       "deferred_at timestamptz NOT NULL DEFAULT now(), "
                       "PRIMARY KEY (table_name, index_name))"
                     : "CREATE TABLE IF NOT EXISTS " SL_INDEXES_TABLE " (table_name text NOT NULL, "
                       "index_name text NOT NULL, definition text NOT NULL, import_id integer, "
                       "deferred_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP, "
                       "PRIMARY KEY (table_name, index_name))",
            0, NULL, err);
    return sl_sink_end(s, rc, err);
}

/* Does the bookkeeping table exist? (No table: nothing was ever deferred.) */
static int have_table(struct sl_sink *s, int *yes, struct sl_error *err)
{
    struct sl_sink_column cols[8];
    size_t n = 0;
    int rc = sl_sink_table_columns(s, SL_INDEXES_TABLE, cols, 8, &n, err);
    *yes = n > 0;
    return rc;
}

static int pending(struct sl_sink *s, const char *table, struct idx_list *l, struct sl_error *err)
{
    int yes = 0;
    int rc = have_table(s, &yes, err);
    if (rc || !yes)
        return rc;
    const char *params[] = {table};
    rc = sl_sink_query(s,
                       "SELECT index_name, definition FROM " SL_INDEXES_TABLE
                       " WHERE table_name = $1 ORDER BY index_name",
                       1, params, list_add_cb, l, err);
    if (l->oom)
        return sl_err_set(err, SL_ENOMEM, "out of memory reading the deferred indexes of '%s'",
                          table);
    return rc;
}

/* The indexes prepare may drop (see indexes.h). */
static int deferrable(struct sl_sink *s, const char *table, struct idx_list *l,
                      struct sl_error *err)
{
    char q[600];
    if (sl_sink_quote_table(table, q, sizeof q))
        return sl_err_set(err, SL_ELIMIT, "table name '%s' is too long", table);
    int rc;
    if (is_pg(s)) {
        const char *params[] = {q};
        rc = sl_sink_query(
            s,
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE i.indrelid = to_regclass($1) AND t.relkind = 'r' "
            "AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion "
            "AND i.indisvalid AND i.indisready "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1",
            1, params, list_add_cb, l, err);
    } else {
        const char *params[] = {table};
        rc = sl_sink_query(s,
                           "SELECT m.name, m.sql FROM pragma_index_list($1) il "
                           "JOIN sqlite_master m ON m.type = 'index' AND m.name = il.name "
                           "WHERE il.origin = 'c' AND il.\"unique\" = 0 AND m.sql IS NOT NULL "
                           "ORDER BY 1",
                           1, params, list_add_cb, l, err);
    }
    if (l->oom)
        return sl_err_set(err, SL_ENOMEM, "out of memory reading the indexes of '%s'", table);
    return rc;
}

static int table_empty(struct sl_sink *s, const char *table, int *empty, struct sl_error *err)
{
    char q[600], sql[700], one[32] = "";
    if (sl_sink_quote_table(table, q, sizeof q))
        return sl_err_set(err, SL_ELIMIT, "table name '%s' is too long", table);
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", q);
    int rc = sl_sink_query(s, sql, 0, NULL, first_cb, one, err);
    *empty = one[0] == '\0';
    return rc;
}

static int index_exists(struct sl_sink *s, const char *name, int *yes, struct sl_error *err)
{
    char v[32] = "";
    const char *params[] = {name};
    int rc = sl_sink_query(
        s,
        is_pg(s) ? "SELECT CASE WHEN to_regclass($1) IS NULL THEN 0 ELSE 1 END"
                 : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = $1",
        1, params, first_cb, v, err);
    *yes = v[0] == '1';
    return rc;
}

/* Raises this session's maintenance_work_mem, never lowers it. */
static int raise_maint_mem(struct sl_sink *s, struct sl_error *err)
{
    if (!is_pg(s))
        return 0;
    return sl_sink_exec(s,
                        "SELECT set_config('maintenance_work_mem', '" SL_INDEXES_MAINT_MEM
                        "', false) "
                        "WHERE pg_size_bytes(current_setting('maintenance_work_mem')) < "
                        "pg_size_bytes('" SL_INDEXES_MAINT_MEM "')",
                        0, NULL, err);
}

static int build(struct sl_sink *s, const struct idx_def *d, struct sl_error *err)
{
    struct sl_error e;
    sl_err_clear(&e);
    int rc = sl_sink_exec(s, d->def, 0, NULL, &e);
    if (rc) {
        /* Another import into the same table may have built it meanwhile
         * (PostgreSQL: 42P07 after waiting for its commit): that is done. */
        struct sl_error e2;
        sl_err_clear(&e2);
        int yes = 0;
        if (!index_exists(s, d->name, &yes, &e2) && yes)
            return 0;
        *err = e;
    }
    if (rc) {
        char msg[sizeof err->msg];
        sl_strlcpy(msg, err->msg, sizeof msg);
        sl_err_reset(err, rc,
                     "cannot build index '%s' again after the load (%s); its definition is kept "
                     "in " SL_INDEXES_TABLE " and the next import into the table builds it: %s",
                     d->name, d->def, msg);
    }
    return rc;
}

/* Forgets a saved definition, only while its index exists (checked by
 * the same statement: an import that dropped it again meanwhile keeps it). */
static int forget(struct sl_sink *s, const char *table, const char *name, struct sl_error *err)
{
    const char *params[] = {table, name};
    return sl_sink_exec(
        s,
        is_pg(s) ? "DELETE FROM " SL_INDEXES_TABLE " WHERE table_name = $1 AND index_name = $2 "
                   "AND to_regclass($2) IS NOT NULL"
                 : "DELETE FROM " SL_INDEXES_TABLE " WHERE table_name = $1 AND index_name = $2 "
                   "AND EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = $2)",
        2, params, err);
}

/* ---- parallel builders (PostgreSQL) --------------------------------------- */

struct builders {
    const char *target;
    struct idx_list *todo;
    atomic_size_t next;
    pthread_mutex_t mu;
    struct sl_error first; /* guarded by mu */
};

static void *builder_main(void *arg)
{
    struct builders *b = arg;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_sink *s = NULL;
    int rc = sl_sink_open(&s, b->target, &err);
    if (!rc)
        rc = raise_maint_mem(s, &err);
    while (!rc) {
        size_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->todo->n)
            break;
        struct idx_def *d = &b->todo->v[i];
        if (d->built)
            continue;
        rc = build(s, d, &err);
        if (!rc)
            d->built = 1;
    }
    if (s)
        sl_sink_close(s);
    if (rc) {
        pthread_mutex_lock(&b->mu);
        if (!b->first.code)
            b->first = err;
        pthread_mutex_unlock(&b->mu);
    }
    return NULL;
}

/* Builds on nconn connections what is not built yet in l; a definition a
 * builder could not take (its connection failed) stays unbuilt. */
static void build_parallel(const char *target, struct idx_list *l, int nconn,
                           struct sl_error *first)
{
    struct builders b;
    memset(&b, 0, sizeof b);
    b.target = target;
    b.todo = l;
    atomic_init(&b.next, 0);
    pthread_mutex_init(&b.mu, NULL);
    pthread_t th[MAX_BUILDERS];
    int started = 0;
    for (int i = 0; i < nconn && i < MAX_BUILDERS; i++) {
        if (pthread_create(&th[started], NULL, builder_main, &b) != 0)
            break;
        started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&b.mu);
    *first = b.first;
}

/* Builds every definition of l whose index is missing (nconn at a time on
 * PostgreSQL when target is known), then forgets the saved rows of those
 * that exist. */
static int rebuild(struct sl_sink *s, const char *table, const char *target, int nconn,
                   struct idx_list *l, struct sl_error *err)
{
    int rc = 0;
    size_t todo = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        int yes = 0;
        rc = index_exists(s, l->v[i].name, &yes, err);
        l->v[i].built = yes;
        todo += !yes;
    }
    if (rc)
        return rc;
    if (todo > 1 && nconn > 1 && target && is_pg(s)) {
        struct sl_error perr;
        build_parallel(target, l, nconn < (int)todo ? nconn : (int)todo, &perr);
        if (perr.code) /* what is left is built below on s, which reports its own error */
            sl_debug("parallel index build: %s; building the rest on one connection", perr.msg);
    }
    /* One after another on s: SQLite, one connection, or what the builders left. */
    int raised = 0;
    for (size_t i = 0; i < l->n && !rc; i++) {
        if (l->v[i].built)
            continue;
        if (!raised) {
            rc = raise_maint_mem(s, err);
            raised = 1;
            if (rc)
                break;
        }
        rc = build(s, &l->v[i], err);
        if (!rc)
            l->v[i].built = 1;
    }
    int rc2 = 0;
    for (size_t i = 0; i < l->n && !rc2; i++)
        if (l->v[i].built)
            rc2 = forget(s, table, l->v[i].name, rc ? NULL : err);
    return rc ? rc : rc2;
}

/* ---- the calls of the pipeline --------------------------------------------- */

static int prepare_locked(struct sl_sink *s, const struct sl_plan *p, int keep,
                          struct sl_error *err);

/* Concurrent imports into one table: its deferral and its rebuild run one
 * at a time (PostgreSQL: a session advisory lock per table, claim.c; SQLite
 * serialises writers anyway), so that one import never drops an index that
 * another has just rebuilt and forgotten. */
static void table_what(const char *table, char *out, size_t cap)
{
    snprintf(out, cap, "indexes:%s", table);
}

int sl_indexes_prepare(struct sl_sink *s, const struct sl_plan *p, int keep, struct sl_error *err)
{
    if (p->dry_run)
        return 0;
    char what[200];
    table_what(p->table, what, sizeof what);
    int rc = sl_ddl_lock(s, what, err);
    if (rc)
        return rc;
    rc = prepare_locked(s, p, keep, err);
    sl_ddl_unlock(s, what);
    return rc;
}

/* In one transaction: the definitions of cur saved, their indexes dropped. */
static int defer(struct sl_sink *s, const struct sl_plan *p, struct idx_list *cur,
                 struct sl_error *err)
{
    int rc = sl_sink_begin(s, err);
    if (rc)
        return rc;
    rc = deferrable(s, p->table, cur, err);
    char idbuf[32];
    snprintf(idbuf, sizeof idbuf, "%lld", p->import_id);
    for (size_t i = 0; i < cur->n && !rc; i++) {
        const char *params[] = {p->table, cur->v[i].name, cur->v[i].def, idbuf};
        rc = sl_sink_exec(
            s,
            "INSERT INTO " SL_INDEXES_TABLE " (table_name, index_name, definition, import_id) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (table_name, index_name) DO UPDATE SET "
            "definition = excluded.definition, import_id = excluded.import_id",
            4, params, err);
        if (rc)
            break;
        char sql[700], q[600];
        if (is_pg(s)) {
            snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", cur->v[i].name);
        } else {
            if (sl_sink_quote_ident(cur->v[i].name, q, sizeof q)) {
                rc = sl_err_set(err, SL_ELIMIT, "index name '%s' is too long", cur->v[i].name);
                break;
            }
            snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", q);
        }
        rc = sl_sink_exec(s, sql, 0, NULL, err);
    }
    return sl_sink_end(s, rc, err);
}

static int prepare_locked(struct sl_sink *s, const struct sl_plan *p, int keep,
                          struct sl_error *err)
{
    struct idx_list pend, cur;
    memset(&pend, 0, sizeof pend);
    memset(&cur, 0, sizeof cur);
    int empty = 0, have = 0;
    int rc = pending(s, p->table, &pend, err);
    if (rc)
        goto out;
    if (keep) { /* no deferral now; leftovers of an earlier import are built first */
        if (pend.n)
            rc = rebuild(s, p->table, NULL, 1, &pend, err);
        goto out;
    }
    rc = table_empty(s, p->table, &empty, err);
    if (rc || !empty)
        goto out; /* a non-empty table keeps its indexes (leftovers are built by finish) */
    rc = have_table(s, &have, err);
    if (!rc && !have)
        rc = ensure_table(s, err);
    if (!rc)
        rc = defer(s, p, &cur, err);
out:
    list_free(&pend);
    list_free(&cur);
    return rc;
}

int sl_indexes_finish_parallel(struct sl_sink *s, const struct sl_plan *p, const char *target,
                               int nconn, struct sl_error *err)
{
    if (p->dry_run)
        return 0;
    struct idx_list pend;
    char what[200];
    memset(&pend, 0, sizeof pend);
    table_what(p->table, what, sizeof what);
    int rc = pending(s, p->table, &pend, err);
    if (rc || !pend.n)
        return rc; /* the common case: nothing deferred, no lock */
    list_free(&pend);
    if ((rc = sl_ddl_lock(s, what, err)))
        return rc;
    rc = pending(s, p->table, &pend, err);
    if (!rc && pend.n)
        rc = rebuild(s, p->table, target, nconn, &pend, err);
    sl_ddl_unlock(s, what);
    list_free(&pend);
    return rc;
}

int sl_indexes_pending(struct sl_sink *s, const char *table, long long *n, struct sl_error *err)
{
    struct idx_list l;
    memset(&l, 0, sizeof l);
    int rc = pending(s, table, &l, err);
    *n = (long long)l.n;
    list_free(&l);
    return rc;
}
