/* test_sink_sqlite.c - the SQLite sink against a real database file:
 * exec/query with $n parameters, exact round trips through every insert
 * path, error classification with the failing row, cancel, table_columns. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "sink/sink.h"
#include "test.h"

static char dir[] = "/tmp/sl-sink-sqlite.XXXXXX";
static char dbpath[256];

/* Collects query results as one string: values joined by '|', rows by
 * ";\n", NULL as "<NULL>". */
struct acc {
    char buf[8192];
    size_t len;
};

static int collect(void *arg, int n, const char *const *v)
{
    struct acc *a = arg;
    for (int i = 0; i < n; i++)
        a->len += (size_t)snprintf(a->buf + a->len, sizeof a->buf - a->len, "%s%s", i ? "|" : "",
                                   v[i] ? v[i] : "<NULL>");
    a->len += (size_t)snprintf(a->buf + a->len, sizeof a->buf - a->len, ";\n");
    return 0;
}

static struct sl_sink *open_db(void)
{
    struct sl_sink *s = NULL;
    struct sl_error err = {0};
    char target[300];
    snprintf(target, sizeof target, "sqlite:%s", dbpath);
    if (sl_sink_open(&s, target, &err))
        T_FAIL("open %s: %s", target, err.msg);
    T_EQ_INT(sl_sink_dialect(s), SL_DIALECT_SQLITE);
    return s;
}

static void ok(int rc, const struct sl_error *err)
{
    if (rc)
        T_FAIL("rc %d: %s", rc, err->msg);
}

static void test_exec_query(void)
{
    struct sl_sink *s = open_db();
    struct sl_error err = {0};
    struct acc a = {{0}, 0};
    ok(sl_sink_exec(s, "CREATE TABLE q (a TEXT, b INTEGER); CREATE TABLE q2 (x)", 0, NULL, &err),
       &err);
    const char *p[] = {"hello", "7"};
    ok(sl_sink_exec(s, "INSERT INTO q VALUES ($1, $2)", 2, p, &err), &err);
    const char *p2[] = {NULL, "8"};
    ok(sl_sink_exec(s, "INSERT INTO q VALUES ($1, $2)", 2, p2, &err), &err);
    const char *p3[] = {"6"};
    ok(sl_sink_query(s, "SELECT a, b FROM q WHERE b > $1 ORDER BY b", 1, p3, collect, &a, &err),
       &err);
    T_EQ_STR(a.buf, "hello|7;\n<NULL>|8;\n");
    ok(sl_sink_ping(s, &err), &err);
    T_EQ_INT(sl_sink_exec(s, "SELEC nonsense", 0, NULL, &err), SL_EDB);
    T_OK(strstr(err.msg, "syntax error") != NULL);
    T_EQ_STR(err.sqlstate, "");
    sl_sink_close(s);
}

/* Tricky values, 3 columns a row. */
static const char *const tricky[] = {
    "plain",           NULL,    "",    "tab\there", "new\nline",      "cr\rx",
    "back\\slash",     "\\N",   "\\.", "quote'\"",  "ünïcödé ✓ 日本", ".",
    "trailing space ", "a\\tb", "|;",
};
#define TRICKY_ROWS 5
static const char tricky_out[] = "plain|<NULL>|;\n"
                                 "tab\there|new\nline|cr\rx;\n"
                                 "back\\slash|\\N|\\.;\n"
                                 "quote'\"|ünïcödé ✓ 日本|.;\n"
                                 "trailing space |a\\tb||;;\n";

static void test_round_trip(void)
{
    struct sl_sink *s = open_db();
    struct sl_error err = {0};
    const char *cols[] = {"a", "b", "c d"};
    ok(sl_sink_exec(s, "CREATE TABLE rt (id INTEGER PRIMARY KEY, a TEXT, b TEXT, \"c d\" TEXT)", 0,
                    NULL, &err),
       &err);
    ok(sl_sink_prepare_insert(s, "rt", cols, 3, &err), &err);
    T_EQ_INT(sl_sink_copy_is_binary(s), 0);
    for (int r = 0; r < TRICKY_ROWS; r++) /* autocommit, one by one */
        ok(sl_sink_insert_row(s, tricky + r * 3, &err), &err);
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_insert_rows(s, tricky, TRICKY_ROWS, &err), &err);
    long bad = 99;
    ok(sl_sink_copy_rows(s, tricky, TRICKY_ROWS, &bad, &err), &err);
    T_EQ_INT(bad, -1);
    ok(sl_sink_commit(s, &err), &err);
    for (int pass = 0; pass < 3; pass++) {
        char off[8];
        struct acc a = {{0}, 0};
        snprintf(off, sizeof off, "%d", pass * TRICKY_ROWS);
        const char *p[] = {off};
        ok(sl_sink_query(s, "SELECT a, b, \"c d\" FROM rt ORDER BY id LIMIT 5 OFFSET $1", 1, p,
                         collect, &a, &err),
           &err);
        T_EQ_STR(a.buf, tricky_out);
    }
    sl_sink_close(s);
}

static void test_errors(void)
{
    struct sl_sink *s = open_db();
    struct sl_error err = {0};
    ok(sl_sink_exec(s, "CREATE TABLE u (k TEXT UNIQUE NOT NULL, n INTEGER) STRICT", 0, NULL, &err),
       &err);
    const char *cols[] = {"k", "n"};
    ok(sl_sink_prepare_insert(s, "u", cols, 2, &err), &err);
    const char *dup[] = {"a", "1", "b", "2", "c", "3", "b", "4", "e", "5"};
    long bad = -1;
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_copy_rows(s, dup, 5, &bad, &err), SL_EDBDATA);
    T_EQ_INT(bad, 3);
    T_OK(strstr(err.msg, "UNIQUE constraint failed: u.k") != NULL);
    T_OK(strstr(err.msg, "SQLITE_CONSTRAINT_UNIQUE") != NULL);
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);

    const char *typ[] = {"x", "1", "y", "two", "z", "3"};
    sl_err_clear(&err);
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_copy_rows(s, typ, 3, &bad, &err), SL_EDBDATA);
    T_EQ_INT(bad, 1);
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);

    const char *nul[] = {NULL, "1"};
    sl_err_clear(&err);
    T_EQ_INT(sl_sink_insert_row(s, nul, &err), SL_EDBDATA);
    T_OK(strstr(err.msg, "NOT NULL") != NULL);

    /* COMMIT without BEGIN */
    sl_err_clear(&err);
    T_EQ_INT(sl_sink_commit(s, &err), SL_EDB);
    T_EQ_INT(sl_sink_last_commit_ambiguous(s), 0);

    /* nothing was committed */
    struct acc a = {{0}, 0};
    sl_err_clear(&err);
    ok(sl_sink_query(s, "SELECT count(*) FROM u", 0, NULL, collect, &a, &err), &err);
    T_EQ_STR(a.buf, "0;\n");

    /* a good batch after the failures */
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, dup, 3, &bad, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    a.len = 0;
    ok(sl_sink_query(s, "SELECT group_concat(k || n, ',') FROM u", 0, NULL, collect, &a, &err),
       &err);
    T_EQ_STR(a.buf, "a1,b2,c3;\n");

    /* a missing table */
    T_EQ_INT(sl_sink_prepare_insert(s, "nope", cols, 2, &err), SL_EDB);
    T_OK(strstr(err.msg, "no such table: nope") != NULL);
    sl_sink_close(s);
}

static void test_busy(void)
{
    struct sl_sink *s1 = open_db(), *s2 = open_db();
    struct sl_error err = {0};
    ok(sl_sink_exec(s1, "CREATE TABLE IF NOT EXISTS busy (x)", 0, NULL, &err), &err);
    ok(sl_sink_exec(s2, "PRAGMA busy_timeout = 0", 0, NULL, &err), &err);
    ok(sl_sink_begin(s1, &err), &err);
    T_EQ_INT(sl_sink_begin(s2, &err), SL_ERETRY);
    T_OK(strstr(err.msg, "SQLITE_BUSY") != NULL);
    sl_err_clear(&err);
    ok(sl_sink_rollback(s1, &err), &err);
    ok(sl_sink_begin(s2, &err), &err);
    ok(sl_sink_rollback(s2, &err), &err);
    sl_sink_close(s1);
    sl_sink_close(s2);
}

static void test_columns(void)
{
    struct sl_sink *s = open_db();
    struct sl_error err = {0};
    struct sl_sink_column c[8];
    size_t n = 99;
    ok(sl_sink_exec(s,
                    "CREATE TABLE cols (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "email VARCHAR(100) DEFAULT 'x', created_at DATETIME)",
                    0, NULL, &err),
       &err);
    ok(sl_sink_table_columns(s, "cols", c, 8, &n, &err), &err);
    T_EQ_INT(n, 4);
    T_EQ_STR(c[0].name, "id");
    T_EQ_STR(c[0].type, "integer");
    T_OK(c[0].is_pk && c[0].has_default);
    T_EQ_STR(c[1].name, "name");
    T_OK(c[1].not_null && !c[1].has_default && !c[1].is_pk);
    T_EQ_STR(c[2].type, "varchar(100)");
    T_OK(c[2].has_default && !c[2].not_null);
    T_EQ_STR(c[3].type, "datetime");
    ok(sl_sink_table_columns(s, "main.cols", c, 2, &n, &err), &err);
    T_EQ_INT(n, 2);
    ok(sl_sink_table_columns(s, "missing", c, 8, &n, &err), &err);
    T_EQ_INT(n, 0);
    /* a composite key is no rowid alias */
    ok(sl_sink_exec(s, "CREATE TABLE ck (a INTEGER, b INTEGER, PRIMARY KEY (a, b))", 0, NULL, &err),
       &err);
    ok(sl_sink_table_columns(s, "ck", c, 8, &n, &err), &err);
    T_EQ_INT(n, 2);
    T_OK(c[0].is_pk && !c[0].has_default);
    sl_sink_close(s);
}

struct canceller {
    struct sl_sink *s;
    atomic_int done;
};

static void *cancel_loop(void *arg)
{
    struct canceller *c = arg;
    struct timespec ts = {0, 5 * 1000 * 1000};
    while (!atomic_load(&c->done)) {
        sl_sink_cancel(c->s);
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void test_cancel(void)
{
    struct canceller c = {open_db(), 0};
    struct sl_error err = {0};
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, cancel_loop, &c), 0);
    int rc = sl_sink_query(c.s,
                           "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                           "SELECT count(*) FROM r",
                           0, NULL, NULL, NULL, &err);
    atomic_store(&c.done, 1);
    pthread_join(t, NULL);
    T_EQ_INT(rc, SL_ECANCELED);
    T_OK(strstr(err.msg, "interrupt") != NULL);
    sl_err_clear(&err);
    ok(sl_sink_ping(c.s, &err), &err); /* still usable */
    sl_sink_close(c.s);
}

static void test_journal(void)
{
    struct sl_sink *s = open_db();
    struct sl_error err = {0};
    struct acc a = {{0}, 0};
    ok(sl_sink_query(s, "PRAGMA journal_mode", 0, NULL, collect, &a, &err), &err);
    T_EQ_STR(a.buf, "wal;\n");
    sl_sink_close(s);
}

int main(void)
{
    T_OK(mkdtemp(dir) != NULL);
    snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
    T_RUN(test_exec_query);
    T_RUN(test_round_trip);
    T_RUN(test_errors);
    T_RUN(test_busy);
    T_RUN(test_columns);
    T_RUN(test_cancel);
    T_RUN(test_journal);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return 0;
}
