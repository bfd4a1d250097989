/* test_sink_pg.c - the PostgreSQL sink against the throwaway server
 * (SHEETLOAD_TEST_PG): exact round trips through INSERT, binary and text
 * COPY, SQLSTATE classification with the failing row, a terminated
 * backend, reconnect, cancel from another thread, table_columns.
 * Everything lives in a schema of its own, dropped at the end. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "sink/sink.h"
#include "test.h"

static const char *url;
static char schema[32];

struct acc {
    char *buf;
    size_t len, cap;
};

static int collect(void *arg, int n, const char *const *v)
{
    struct acc *a = arg;
    for (int i = 0; i < n; i++) {
        const char *s = v[i] ? v[i] : "<NULL>";
        size_t need = strlen(s) + 4;
        if (a->len + need >= a->cap) {
            a->cap = (a->cap + need) * 2;
            a->buf = realloc(a->buf, a->cap);
            T_OK(a->buf);
        }
        a->len += (size_t)snprintf(a->buf + a->len, a->cap - a->len, "%s%s", i ? "|" : "", s);
    }
    if (a->len + 3 >= a->cap) {
        a->cap = a->cap * 2 + 8;
        a->buf = realloc(a->buf, a->cap);
    }
    a->len += (size_t)snprintf(a->buf + a->len, a->cap - a->len, ";\n");
    return 0;
}

static void ok(int rc, const struct sl_error *err)
{
    if (rc)
        T_FAIL("rc %d (%s): %s", rc, err->sqlstate, err->msg);
}

static struct sl_sink *open_pg(void)
{
    struct sl_sink *s = NULL;
    struct sl_error err = {0};
    if (sl_sink_open(&s, url, &err))
        T_FAIL("connect: %s", err.msg);
    T_EQ_INT(sl_sink_dialect(s), SL_DIALECT_PG);
    char sql[128];
    snprintf(sql, sizeof sql, "SET search_path = %s", schema);
    ok(sl_sink_exec(s, sql, 0, NULL, &err), &err);
    return s;
}

/* Runs a query and returns its rows as text (caller frees). */
static char *q(struct sl_sink *s, const char *sql)
{
    struct acc a = {0};
    struct sl_error err = {0};
    ok(sl_sink_query(s, sql, 0, NULL, collect, &a, &err), &err);
    if (!a.buf)
        a.buf = calloc(1, 1);
    return a.buf;
}

static void q_eq(struct sl_sink *s, const char *sql, const char *want)
{
    char *got = q(s, sql);
    T_EQ_STR(got, want);
    free(got);
}

static void test_exec_query(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    struct acc a = {0};
    const char *p[] = {"2", "3", NULL};
    ok(sl_sink_query(s, "SELECT $1::int + $2::int, $3::text, 'x'", 3, p, collect, &a, &err), &err);
    T_EQ_STR(a.buf, "5|<NULL>|x;\n");
    free(a.buf);
    ok(sl_sink_exec(s, "CREATE TABLE e1 (a text); CREATE TABLE e2 (b int)", 0, NULL, &err), &err);
    const char *p2[] = {"ä\tb"};
    ok(sl_sink_exec(s, "INSERT INTO e1 VALUES ($1)", 1, p2, &err), &err);
    q_eq(s, "SELECT a FROM e1", "ä\tb;\n");
    ok(sl_sink_ping(s, &err), &err);
    T_EQ_INT(sl_sink_exec(s, "SELEC 1", 0, NULL, &err), SL_EDB);
    T_EQ_STR(err.sqlstate, "42601");
    T_OK(strstr(err.msg, "syntax error") != NULL);
    q_eq(s, "SHOW TimeZone", "UTC;\n");
    q_eq(s, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()",
         "sheetload;\n");
    sl_sink_close(s);
}

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

static void check_pass(struct sl_sink *s, int pass)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT a, b, \"C d\" FROM rt WHERE id > %d ORDER BY id LIMIT %d",
             pass * TRICKY_ROWS, TRICKY_ROWS);
    q_eq(s, sql, tricky_out);
}

static void test_round_trip(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    long bad = 99;
    const char *cols[] = {"a", "b", "C d"};
    ok(sl_sink_exec(s,
                    "CREATE TABLE rt (id serial PRIMARY KEY, a text, b varchar(40), "
                    "\"C d\" char(20))",
                    0, NULL, &err),
       &err);
    /* char(n) pads: compare through rtrim-free text, so use text for C d */
    ok(sl_sink_exec(s, "ALTER TABLE rt ALTER COLUMN \"C d\" TYPE text", 0, NULL, &err), &err);
    ok(sl_sink_prepare_insert(s, "rt", cols, 3, &err), &err);
    T_EQ_INT(sl_sink_copy_is_binary(s), 1);
    for (int r = 0; r < TRICKY_ROWS; r++)
        ok(sl_sink_insert_row(s, tricky + r * 3, &err), &err);
    check_pass(s, 0);
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_insert_rows(s, tricky, TRICKY_ROWS, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    check_pass(s, 1);
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, tricky, TRICKY_ROWS, &bad, &err), &err);
    T_EQ_INT(bad, -1);
    ok(sl_sink_commit(s, &err), &err);
    check_pass(s, 2);
    sl_sink_set_copy_binary(s, 0);
    T_EQ_INT(sl_sink_copy_is_binary(s), 0);
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, tricky, TRICKY_ROWS, &bad, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    check_pass(s, 3);
    q_eq(s, "SELECT count(*) FROM rt", "20;\n");
    sl_sink_close(s);
}

/* Timestamps: binary COPY encodes them itself; text COPY and a value
 * binary cannot carry must give the same instants. */
static void test_timestamps(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    long bad;
    const char *cols[] = {"name", "created_at", "updated_at"};
    ok(sl_sink_exec(s,
                    "CREATE TABLE ts (id serial, name text, created_at timestamptz, "
                    "updated_at timestamp)",
                    0, NULL, &err),
       &err);
    ok(sl_sink_prepare_insert(s, "ts", cols, 3, &err), &err);
    T_EQ_INT(sl_sink_copy_is_binary(s), 1);
    const char *v[] = {
        "a",
        "2024-02-29 13:45:07.123456",
        "1999-12-31 23:59:59",
        "b",
        NULL,
        "2000-01-01 00:00:00",
        "c",
        "1970-01-01T00:00:00.5",
        "1900-03-01 00:00:00.000001",
        "d",
        "9999-12-31 23:59:59.999999",
        "0001-01-01 00:00:00",
    };
    const char *want = "a|2024-02-29 13:45:07.123456+00|1999-12-31 23:59:59;\n"
                       "b|<NULL>|2000-01-01 00:00:00;\n"
                       "c|1970-01-01 00:00:00.5+00|1900-03-01 00:00:00.000001;\n"
                       "d|9999-12-31 23:59:59.999999+00|0001-01-01 00:00:00;\n";
    for (int pass = 0; pass < 2; pass++) {
        sl_sink_set_copy_binary(s, pass == 0);
        ok(sl_sink_begin(s, &err), &err);
        ok(sl_sink_copy_rows(s, v, 4, &bad, &err), &err);
        ok(sl_sink_commit(s, &err), &err);
        q_eq(s, "SELECT name, created_at, updated_at FROM ts ORDER BY id", want);
        ok(sl_sink_exec(s, "TRUNCATE ts", 0, NULL, &err), &err);
    }
    /* an offset: not for binary, so this call goes as text */
    sl_sink_set_copy_binary(s, 1);
    const char *v2[] = {"e", "2024-01-01 00:00:00+02", "2024-01-01 00:00:00",
                        "f", "2024-01-01 00:00:00",    "2024-01-01"};
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, v2, 2, &bad, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    q_eq(s, "SELECT name, created_at, updated_at FROM ts ORDER BY id",
         "e|2023-12-31 22:00:00+00|2024-01-01 00:00:00;\n"
         "f|2024-01-01 00:00:00+00|2024-01-01 00:00:00;\n");
    /* a bad timestamp is the server's to refuse, with its row */
    const char *v3[] = {"g", "2024-01-01 00:00:00", NULL, "h", "2024-02-30 00:00:00", NULL};
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_copy_rows(s, v3, 2, &bad, &err), SL_EDBDATA);
    T_EQ_STR(err.sqlstate, "22008");
    T_EQ_INT(bad, 1);
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);
    sl_sink_close(s);
}

static void test_typed(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    long bad = 99;
    const char *cols[] = {"i", "n", "d", "b", "t"};
    ok(sl_sink_exec(s,
                    "CREATE TABLE typed (id serial, i integer, n numeric, d date, b boolean, "
                    "t text)",
                    0, NULL, &err),
       &err);
    ok(sl_sink_prepare_insert(s, "typed", cols, 5, &err), &err);
    T_EQ_INT(sl_sink_copy_is_binary(s), 0); /* integer etc.: text COPY */
    const char *v[] = {
        "42", "3.14", "2024-01-31", "true", "x\ty",       NULL, NULL, NULL,
        NULL, NULL,   "-7",         "1e3",  "1999-12-31", "f",  "\\",
    };
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, v, 3, &bad, &err), &err);
    ok(sl_sink_insert_rows(s, v, 3, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    const char *want = "42|3.14|2024-01-31|t|x\ty;\n<NULL>|<NULL>|<NULL>|<NULL>|<NULL>;\n"
                       "-7|1000|1999-12-31|f|\\;\n";
    char *got = q(s, "SELECT i, n, d, b, t FROM typed ORDER BY id");
    char both[512];
    snprintf(both, sizeof both, "%s%s", want, want);
    T_EQ_STR(got, both);
    free(got);

    /* a bad integer: 22P02 and its row, in COPY and in INSERT */
    const char *badv[] = {"1",  "1", "2024-01-01", "t", "a", "2", "2", "2024-01-02", "t", "b",
                          "x1", "3", "2024-01-03", "t", "c", "4", "4", "2024-01-04", "t", "d"};
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_copy_rows(s, badv, 4, &bad, &err), SL_EDBDATA);
    T_EQ_STR(err.sqlstate, "22P02");
    T_EQ_INT(bad, 2);
    T_OK(strstr(err.msg, "x1") != NULL);
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);
    sl_err_clear(&err);
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_insert_rows(s, badv, 4, &err), SL_EDBDATA);
    T_EQ_STR(err.sqlstate, "22P02");
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);
    q_eq(s, "SELECT count(*) FROM typed", "6;\n");
    sl_sink_close(s);
}

static void test_unique(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    long bad = -1;
    const char *cols[] = {"k", "v"};
    ok(sl_sink_exec(s, "CREATE TABLE uq (k text UNIQUE, v text)", 0, NULL, &err), &err);
    ok(sl_sink_prepare_insert(s, "uq", cols, 2, &err), &err);
    const char *v[] = {"a", "1", "b", "2", "c", "3", "b", "4", "e", "5"};
    for (int binary = 1; binary >= 0; binary--) {
        sl_sink_set_copy_binary(s, binary);
        sl_err_clear(&err);
        ok(sl_sink_begin(s, &err), &err);
        T_EQ_INT(sl_sink_copy_rows(s, v, 5, &bad, &err), SL_EDBDATA);
        T_EQ_STR(err.sqlstate, "23505");
        T_EQ_INT(bad, 3);
        T_OK(strstr(err.msg, "duplicate key") != NULL);
        T_OK(strstr(err.msg, "Key (k)=(b) already exists") != NULL);
        /* COMMIT of the aborted transaction is refused, and not ambiguous */
        sl_err_clear(&err);
        T_EQ_INT(sl_sink_commit(s, &err), SL_EDB);
        T_EQ_INT(sl_sink_last_commit_ambiguous(s), 0);
    }
    sl_err_clear(&err);
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_insert_rows(s, v, 5, &err), SL_EDBDATA);
    T_EQ_STR(err.sqlstate, "23505");
    ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);
    q_eq(s, "SELECT count(*) FROM uq", "0;\n");

    /* many rows: several 1 MiB COPY chunks and several INSERT statements
     * (65535 parameters / 2 columns); a duplicate far in */
    enum { N = 70000 };
    const char **big = malloc(sizeof *big * 2 * N);
    char *store = malloc((size_t)N * 48);
    for (int r = 0; r < N; r++) {
        char *k = store + (size_t)r * 48;
        snprintf(k, 48, "key-%07d-%s", r % 10000000, "................................");
        big[2 * r] = k;
        big[2 * r + 1] = r % 7 ? k + 4 : NULL;
    }
    for (int binary = 1; binary >= 0; binary--) {
        sl_sink_set_copy_binary(s, binary);
        sl_err_clear(&err);
        ok(sl_sink_begin(s, &err), &err);
        ok(sl_sink_copy_rows(s, big, N, &bad, &err), &err);
        ok(sl_sink_commit(s, &err), &err);
        q_eq(s, "SELECT count(*), count(v), sum(length(k)) FROM uq", "70000|60000|3080000;\n");
        ok(sl_sink_exec(s, "TRUNCATE uq", 0, NULL, &err), &err);
    }
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_insert_rows(s, big, N, &err), &err);
    ok(sl_sink_commit(s, &err), &err);
    q_eq(s, "SELECT count(*), count(v), sum(length(k)) FROM uq", "70000|60000|3080000;\n");
    ok(sl_sink_exec(s, "TRUNCATE uq", 0, NULL, &err), &err);
    big[2 * 65432] = big[2 * 12];
    for (int binary = 1; binary >= 0; binary--) {
        sl_sink_set_copy_binary(s, binary);
        sl_err_clear(&err);
        ok(sl_sink_begin(s, &err), &err);
        T_EQ_INT(sl_sink_copy_rows(s, big, N, &bad, &err), SL_EDBDATA);
        T_EQ_INT(bad, 65432);
        ok(sl_sink_rollback(s, &(struct sl_error){0}), &err);
    }
    free(big);
    free(store);
    sl_sink_close(s);
}

static long backend_pid(struct sl_sink *s)
{
    char *pid = q(s, "SELECT pg_backend_pid()");
    long n = strtol(pid, NULL, 10);
    free(pid);
    return n;
}

static void terminate(struct sl_sink *admin, long pid)
{
    struct sl_error err = {0};
    char p[32];
    snprintf(p, sizeof p, "%ld", pid);
    const char *params[] = {p};
    struct acc a = {0};
    /* waits up to 10 s until the backend is gone */
    ok(sl_sink_query(admin, "SELECT pg_terminate_backend($1, 10000)", 1, params, collect, &a, &err),
       &err);
    T_EQ_STR(a.buf, "t;\n");
    free(a.buf);
}

static void test_terminate(void)
{
    struct sl_sink *s = open_pg(), *admin = open_pg();
    struct sl_error err = {0};
    const char *cols[] = {"k", "v"};
    char qt[100], sp[128];
    snprintf(qt, sizeof qt, "%s.term", schema); /* survives the reconnect */
    snprintf(sp, sizeof sp, "SET search_path = %s", schema);
    ok(sl_sink_exec(s, "CREATE TABLE term (k text, v text)", 0, NULL, &err), &err);
    ok(sl_sink_prepare_insert(s, qt, cols, 2, &err), &err);
    terminate(admin, backend_pid(s));
    T_EQ_INT(sl_sink_ping(s, &err), SL_ERETRY);
    T_OK(err.msg[0] != '\0');
    sl_err_clear(&err);
    /* reconnect prepares the INSERT again: it works without a new
     * prepare_insert, and session settings are back to defaults */
    ok(sl_sink_reconnect(s, &err), &err);
    q_eq(s, "SHOW search_path", "\"$user\", public;\n");
    q_eq(s, "SHOW TimeZone", "UTC;\n");
    ok(sl_sink_exec(s, sp, 0, NULL, &err), &err);
    const char *row[] = {"after", "reconnect"};
    ok(sl_sink_insert_row(s, row, &err), &err);
    ok(sl_sink_copy_rows(s, row, 1, NULL, &err), &err);
    q_eq(s, "SELECT k, v FROM term", "after|reconnect;\nafter|reconnect;\n");

    /* connection lost before COMMIT: ambiguous (the client cannot know) */
    ok(sl_sink_begin(s, &err), &err);
    ok(sl_sink_copy_rows(s, row, 1, NULL, &err), &err);
    terminate(admin, backend_pid(s));
    T_EQ_INT(sl_sink_commit(s, &err), SL_ERETRY);
    T_EQ_INT(sl_sink_last_commit_ambiguous(s), 1);
    sl_err_clear(&err);
    ok(sl_sink_reconnect(s, &err), &err);
    T_EQ_INT(sl_sink_last_commit_ambiguous(s), 1);
    ok(sl_sink_begin(s, &err), &err);
    T_EQ_INT(sl_sink_last_commit_ambiguous(s), 0);
    ok(sl_sink_rollback(s, &err), &err);

    /* lost in the middle of COPY */
    ok(sl_sink_exec(s, sp, 0, NULL, &err), &err);
    ok(sl_sink_begin(s, &err), &err);
    terminate(admin, backend_pid(s));
    long bad = 5;
    T_EQ_INT(sl_sink_copy_rows(s, row, 1, &bad, &err), SL_ERETRY);
    T_EQ_INT(bad, -1);
    sl_err_clear(&err);
    T_EQ_INT(sl_sink_rollback(s, &err), SL_ERETRY);
    sl_err_clear(&err);
    ok(sl_sink_reconnect(s, &err), &err);
    ok(sl_sink_exec(s, sp, 0, NULL, &err), &err);
    q_eq(s, "SELECT count(*) FROM term", "2;\n");
    sl_sink_close(s);
    sl_sink_close(admin);
}

struct canceller {
    struct sl_sink *victim, *admin;
    long pid;
};

static void *cancel_when_running(void *arg)
{
    struct canceller *c = arg;
    struct timespec ts = {0, 10 * 1000 * 1000};
    char p[32];
    snprintf(p, sizeof p, "%ld", c->pid);
    const char *params[] = {p};
    for (;;) {
        struct acc a = {0};
        struct sl_error err = {0};
        ok(sl_sink_query(c->admin,
                         "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 "
                         "AND state = 'active' AND query LIKE '%pg_sleep%'",
                         1, params, collect, &a, &err),
           &err);
        int running = strcmp(a.buf, "1;\n") == 0;
        free(a.buf);
        if (running)
            break;
        nanosleep(&ts, NULL);
    }
    sl_sink_cancel(c->victim);
    return NULL;
}

static void test_cancel(void)
{
    struct canceller c = {open_pg(), open_pg(), 0};
    struct sl_error err = {0};
    pthread_t t;
    /* after a reconnect, so the cancel request must go to the new backend */
    terminate(c.admin, backend_pid(c.victim));
    T_EQ_INT(sl_sink_ping(c.victim, &err), SL_ERETRY);
    sl_err_clear(&err);
    ok(sl_sink_reconnect(c.victim, &err), &err);
    c.pid = backend_pid(c.victim);
    T_EQ_INT(pthread_create(&t, NULL, cancel_when_running, &c), 0);
    int rc = sl_sink_exec(c.victim, "SELECT pg_sleep(600)", 0, NULL, &err);
    pthread_join(t, NULL);
    T_EQ_INT(rc, SL_ECANCELED);
    T_EQ_STR(err.sqlstate, "57014");
    sl_err_clear(&err);
    ok(sl_sink_ping(c.victim, &err), &err);
    sl_sink_cancel(c.victim); /* nothing running: harmless */
    ok(sl_sink_ping(c.victim, &err), &err);
    sl_sink_close(c.victim);
    sl_sink_close(c.admin);
}

static void test_columns(void)
{
    struct sl_sink *s = open_pg();
    struct sl_error err = {0};
    struct sl_sink_column c[8];
    size_t n = 99;
    ok(sl_sink_exec(s,
                    "CREATE TABLE cols (id bigserial PRIMARY KEY, name text NOT NULL, "
                    "email varchar(100) DEFAULT 'x', created_at timestamptz, "
                    "gen int GENERATED ALWAYS AS IDENTITY, gone int, \"Odd\"\"Name\" numeric);"
                    "ALTER TABLE cols DROP COLUMN gone",
                    0, NULL, &err),
       &err);
    char qualified[100];
    snprintf(qualified, sizeof qualified, "%s.cols", schema);
    ok(sl_sink_table_columns(s, qualified, c, 8, &n, &err), &err);
    T_EQ_INT(n, 6);
    T_EQ_STR(c[0].name, "id");
    T_EQ_STR(c[0].type, "bigint");
    T_OK(c[0].is_pk && c[0].has_default && c[0].not_null);
    T_EQ_STR(c[1].name, "name");
    T_OK(c[1].not_null && !c[1].has_default && !c[1].is_pk);
    T_EQ_STR(c[2].type, "character varying(100)");
    T_OK(c[2].has_default && !c[2].not_null);
    T_EQ_STR(c[3].type, "timestamp with time zone");
    T_OK(!c[3].has_default);
    T_EQ_STR(c[4].name, "gen");
    T_OK(c[4].has_default);
    T_EQ_STR(c[5].name, "Odd\"Name");
    ok(sl_sink_table_columns(s, "cols", c, 2, &n, &err), &err); /* via search_path */
    T_EQ_INT(n, 2);
    ok(sl_sink_table_columns(s, "missing", c, 8, &n, &err), &err);
    T_EQ_INT(n, 0);
    ok(sl_sink_table_columns(s, "nosuchschema.cols", c, 8, &n, &err), &err);
    T_EQ_INT(n, 0);
    ok(sl_sink_table_columns(s, "COLS", c, 8, &n, &err), &err); /* names are exact */
    T_EQ_INT(n, 0);
    sl_sink_close(s);
}

int main(void)
{
    url = getenv("SHEETLOAD_TEST_PG");
    if (!url || !*url) {
        fprintf(stderr, "FAIL: SHEETLOAD_TEST_PG is not set: run the tests with 'make test', "
                        "which starts PostgreSQL (scripts/pg-test.sh)\n");
        return 1;
    }
    snprintf(schema, sizeof schema, "sink_%ld", (long)getpid());
    struct sl_sink *s = NULL;
    struct sl_error err = {0};
    if (sl_sink_open(&s, url, &err))
        T_FAIL("connect: %s", err.msg);
    char sql[256];
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    ok(sl_sink_exec(s, sql, 0, NULL, &err), &err);
    T_RUN(test_exec_query);
    T_RUN(test_round_trip);
    T_RUN(test_timestamps);
    T_RUN(test_typed);
    T_RUN(test_unique);
    T_RUN(test_terminate);
    T_RUN(test_cancel);
    T_RUN(test_columns);
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    ok(sl_sink_exec(s, sql, 0, NULL, &err), &err);
    sl_sink_close(s);
    return 0;
}
