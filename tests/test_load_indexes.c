/* test_load_indexes.c - "load first, index after" (load/indexes.c) against
 * a real SQLite file and the test PostgreSQL: an empty table loses its
 * non-unique secondary indexes with their definitions saved, a non-empty one
 * and --keep-indexes keep them, an interrupted load (prepare without finish)
 * is completed by the next import, finish rebuilds exactly the same
 * definitions (on several connections for PostgreSQL) and is idempotent. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "load/indexes.h"
#include "load/load.h"
#include "sink/sink.h"
#include "test.h"

static struct sl_sink *S;
static const char *TARGET;
static char TABLE[128];    /* as the plan names it */
static char DEFS_SQL[512]; /* the table's index definitions, one per row */

static void ok(int rc, const struct sl_error *err, const char *what)
{
    if (rc)
        T_FAIL("%s: %s (%d)", what, err->msg, rc);
}

static void exec(const char *sql)
{
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_sink_exec(S, sql, 0, NULL, &err), &err, sql);
}

struct text {
    char v[4096];
};
static int cat_cb(void *arg, int ncols, const char *const *vals)
{
    struct text *t = arg;
    size_t n = strlen(t->v);
    snprintf(t->v + n, sizeof t->v - n, "%s\n", ncols > 0 && vals[0] ? vals[0] : "NULL");
    return 0;
}
static void query(const char *sql, struct text *t)
{
    struct sl_error err;
    memset(&err, 0, sizeof err);
    t->v[0] = '\0';
    ok(sl_sink_query(S, sql, 0, NULL, cat_cb, t, &err), &err, sql);
}
static void plan_init(struct sl_plan *p)
{
    memset(p, 0, sizeof *p);
    sl_strlcpy(p->table, TABLE, sizeof p->table);
    p->import_id = 42;
}
static void prepare(int keep)
{
    struct sl_plan p;
    plan_init(&p);
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_indexes_prepare(S, &p, keep, &err), &err, "prepare");
}
static void finish(int nconn)
{
    struct sl_plan p;
    plan_init(&p);
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_indexes_finish_parallel(S, &p, TARGET, nconn, &err), &err, "finish");
}
static long long npending(void)
{
    long long n = -1;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_indexes_pending(S, TABLE, &n, &err), &err, "pending");
    return n;
}

/* Runs every case against S; qtable is the table as SQL names it. */
static void cases(const char *qtable)
{
    char sql[512];
    struct text before, after;
    query(DEFS_SQL, &before);

    /* An empty table: the two plain indexes go, the unique one stays. */
    prepare(0);
    T_EQ_INT(npending(), 2);
    query(DEFS_SQL, &after);
    T_OK(strstr(after.v, "biz_email") != NULL);
    T_OK(strstr(after.v, "biz_name") == NULL && strstr(after.v, "biz_city") == NULL);

    /* The load, then a kill (no finish). The resumed import finds a
     * non-empty table: it loads without the indexes and finish builds them. */
    for (int i = 0; i < 50; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO %s (id, name, email, city) VALUES (%d, 'n%d', 'e%d@x.io', 'c%d')",
                 qtable, i + 1, i, i, i % 7);
        exec(sql);
    }
    prepare(0);
    T_EQ_INT(npending(), 2);
    query(DEFS_SQL, &after);
    T_OK(strstr(after.v, "biz_name") == NULL);
    finish(3);
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);
    finish(3); /* idempotent */
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* A non-empty table keeps its indexes. */
    prepare(0);
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* --keep-indexes keeps them on an empty table too. */
    snprintf(sql, sizeof sql, "DELETE FROM %s", qtable);
    exec(sql);
    prepare(1);
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* Leftovers of an interrupted import are built by a --keep-indexes one
     * before its load. */
    prepare(0);
    T_EQ_INT(npending(), 2);
    prepare(1);
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* One connection (the SQLite way, or no target). */
    prepare(0);
    T_EQ_INT(npending(), 2);
    finish(1);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* The table was dropped and created again by someone else meanwhile: the
     * saved definitions name indexes that exist again; finish just forgets. */
    prepare(0);
    T_EQ_INT(npending(), 2);
    snprintf(sql, sizeof sql, "CREATE INDEX biz_name ON %s (name)", qtable);
    exec(sql);
    finish(2);
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);

    /* A dry run touches nothing. */
    struct sl_plan p;
    plan_init(&p);
    p.dry_run = 1;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_indexes_prepare(S, &p, 0, &err), &err, "dry-run prepare");
    T_EQ_INT(npending(), 0);
    query(DEFS_SQL, &after);
    T_EQ_STR(after.v, before.v);
}

static void test_sqlite(void)
{
    char path[256], target[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/test_load_indexes_%d.db", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    unlink(path);
    snprintf(target, sizeof target, "sqlite:%s", path);
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_sink_open(&S, target, &err), &err, "open sqlite");
    TARGET = target;
    sl_strlcpy(TABLE, "biz", sizeof TABLE);
    snprintf(
        DEFS_SQL, sizeof DEFS_SQL,
        "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'biz' "
        "AND sql IS NOT NULL ORDER BY name");
    exec("CREATE TABLE biz (id integer PRIMARY KEY, name text NOT NULL, email text, city text)");
    exec("CREATE INDEX biz_name ON biz (name)");
    exec("CREATE INDEX biz_city ON biz (city)");
    exec("CREATE UNIQUE INDEX biz_email ON biz (email)");
    cases("biz");
    struct text t;
    query("PRAGMA integrity_check", &t);
    T_EQ_STR(t.v, "ok\n");
    sl_sink_close(S);
    char side[300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Two imports finishing at once into the same table (the HTTP service runs
 * several): both must succeed, whoever builds an index first. */
struct racer {
    int rc;
    char msg[1024];
};
static void *race_finish(void *arg)
{
    struct racer *r = arg;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_sink *s = NULL;
    r->rc = sl_sink_open(&s, TARGET, &err);
    if (!r->rc) {
        struct sl_plan p;
        plan_init(&p);
        r->rc = sl_indexes_finish_parallel(s, &p, TARGET, 2, &err);
        sl_sink_close(s);
    }
    sl_strlcpy(r->msg, err.msg, sizeof r->msg);
    return NULL;
}
static void concurrent_finishes(void)
{
    struct text before, after;
    query(DEFS_SQL, &before);
    for (int round = 0; round < 5; round++) {
        prepare(0);
        T_EQ_INT(npending(), 2);
        pthread_t th[2];
        struct racer r[2];
        memset(r, 0, sizeof r);
        for (int i = 0; i < 2; i++)
            T_OK(pthread_create(&th[i], NULL, race_finish, &r[i]) == 0);
        for (int i = 0; i < 2; i++) {
            pthread_join(th[i], NULL);
            if (r[i].rc)
                T_FAIL("concurrent finish %d: %s (%d)", i, r[i].msg, r[i].rc);
        }
        T_EQ_INT(npending(), 0);
        query(DEFS_SQL, &after);
        T_EQ_STR(after.v, before.v);
    }
}

static void test_pg(void)
{
    const char *url = getenv("SHEETLOAD_TEST_PG");
    if (!url || !*url)
        T_FAIL("SHEETLOAD_TEST_PG is not set: run the tests with 'make test', which starts "
               "PostgreSQL");
    struct sl_error err;
    memset(&err, 0, sizeof err);
    ok(sl_sink_open(&S, url, &err), &err, "open pg");
    TARGET = url;
    char schema[64], sql[512], qtable[128];
    snprintf(schema, sizeof schema, "t_idx_%d", (int)getpid());
    snprintf(TABLE, sizeof TABLE, "%s.biz", schema);
    snprintf(qtable, sizeof qtable, "%s.biz", schema);
    snprintf(DEFS_SQL, sizeof DEFS_SQL,
             "SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = '%s' "
             "AND tablename = 'biz' ORDER BY indexname",
             schema);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    exec(sql);
    snprintf(sql, sizeof sql,
             "CREATE TABLE %s (id bigint PRIMARY KEY, name text NOT NULL, email text, city text)",
             qtable);
    exec(sql);
    snprintf(sql, sizeof sql, "CREATE INDEX biz_name ON %s (name)", qtable);
    exec(sql);
    snprintf(sql, sizeof sql, "CREATE INDEX biz_city ON %s (city)", qtable);
    exec(sql);
    snprintf(sql, sizeof sql, "CREATE UNIQUE INDEX biz_email ON %s (email)", qtable);
    exec(sql);
    cases(qtable);
    snprintf(sql, sizeof sql, "DELETE FROM %s", qtable);
    exec(sql);
    concurrent_finishes();
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    exec(sql);
    snprintf(sql, sizeof sql, "DELETE FROM sheetload_deferred_indexes WHERE table_name = '%s'",
             TABLE);
    exec(sql);
    sl_sink_close(S);
}

int main(void)
{
    T_RUN(test_sqlite);
    T_RUN(test_pg);
    fprintf(stderr, "ok\n");
    return 0;
}
