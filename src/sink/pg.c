/* pg.c - the PostgreSQL sink: libpq, prepared INSERTs, COPY binary/text.
 *
 * Threads: a sink is used by one thread at a time (its owner). The one
 * exception is sl_sink_cancel, which may come from any thread: it reads
 * only `cancel`, a PGcancel object made at (re)connect, under cancel_mu.
 * The owner takes cancel_mu only to swap that object. Nothing else is
 * shared; lock order: cancel_mu is a leaf.
 *
 * Errors are classified by SQLSTATE (parallel_slot.c's habit), never by
 * message text; a connection that went bad is transient whatever the code.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "sink/sink_int.h"

#define PG_MAX_PARAMS 65535
/* Parameters per multi-row INSERT: a statement of ~3000 is planned fast and
 * prepared once, where one of 55,000 (5000 rows x 11 columns) cost more to
 * parse and plan than to run. 10k-row batch import, wall time: 650 ms at
 * the parameter limit, 470-540 ms at 50-250 rows of 11 columns, 580 at 1000. */
#define PG_STMT_PARAMS 3000
#define COPY_CHUNK    (1u << 20) /* bytes handed to PQputCopyData at once */
#define NSLOTS        4          /* cached multi-row INSERT statements */

/* Type OIDs (pg_type.dat), stable across versions. */
#define OID_NAME        19
#define OID_TEXT        25
#define OID_BPCHAR      1042
#define OID_VARCHAR     1043
#define OID_TIMESTAMP   1114
#define OID_TIMESTAMPTZ 1184

enum col_kind { K_TEXT, K_TS, K_OTHER };

struct sl_pg {
    struct sl_sink base;
    PGconn *conn;
    char *conninfo;
    pthread_mutex_t cancel_mu; /* guards cancel */
    PGcancel *cancel;

    /* set by prepare_insert */
    char *table; /* as given */
    char **cols; /* as given, ncols */
    size_t ncols;
    char *qtable;             /* quoted */
    char *qcols;              /* "a", "b", ... */
    unsigned char *kind;      /* enum col_kind per column */
    int has_ts;               /* some column is K_TS */
    size_t *lens;             /* scratch: value lengths of one row */
    unsigned gen;             /* statement generation, in statement names */
    int prepared;             /* sl<gen>_1 exists */
    size_t slot_rows[NSLOTS]; /* sl<gen>_<rows> exists; 0 = free */
    unsigned slot_used[NSLOTS];
    unsigned tick;
    size_t last_miss; /* rows of the last uncached multi-row INSERT */
    char *also;              /* prepare_row_also's statement, as given */
    int nalso;
    int also_prepared;       /* sl<gen>_a exists */
    const char **also_params; /* scratch: ncols + nalso values */
    struct sl_buf copy;
};

/* ---- errors ---------------------------------------------------------- */

static int classify(const char *state)
{
    if (!state || strlen(state) != 5)
        return SL_EDB;
    if (!strncmp(state, "22", 2) || !strncmp(state, "23", 2))
        return SL_EDBDATA;
    if (!strncmp(state, "08", 2) || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
        !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03"))
        return SL_ERETRY;
    if (!strcmp(state, "57014"))
        return SL_ECANCELED;
    return SL_EDB;
}

/* Copies libpq's message into out on one line. */
static void one_line(char *out, size_t cap, const char *msg)
{
    sl_strlcpy(out, msg ? msg : "", cap);
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
        out[--n] = '\0';
    /* A line break or tab becomes a space, unless a space is already there
     * (libpq writes "...unexpectedly\n\tThis probably..."). Spaces of the
     * message itself, which may quote data, are kept. */
    char *d = out;
    for (const char *p = out; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            if (d > out && d[-1] != ' ')
                *d++ = ' ';
            continue;
        }
        *d++ = *p;
    }
    *d = '\0';
}

/* Fills err from a failed result (res may be NULL); returns the code. */
static int pg_err(struct sl_pg *p, const PGresult *res, struct sl_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    int code = classify(state);
    if (!state || !*state)
        code = SL_EDB;
    if (PQstatus(p->conn) == CONNECTION_BAD)
        code = SL_ERETRY;
    if (!err || err->code)
        return code;
    char a[700], b[300];
    if (prim) {
        one_line(a, sizeof a, prim);
        one_line(b, sizeof b, detail);
    } else {
        one_line(a, sizeof a, res ? PQresultErrorMessage(res) : "");
        if (!a[0])
            one_line(a, sizeof a, PQerrorMessage(p->conn));
        if (!a[0])
            sl_strlcpy(a, "unknown PostgreSQL error", sizeof a);
        b[0] = '\0';
    }
    if (b[0])
        sl_err_set(err, code, "%s; %s", a, b);
    else
        sl_err_set(err, code, "%s", a);
    sl_strlcpy(err->sqlstate, state ? state : "", sizeof err->sqlstate);
    return code;
}

/* Checks a result: 0 when its status is ok, else the error (res cleared). */
static int check(struct sl_pg *p, PGresult *res, ExecStatusType want, struct sl_error *err)
{
    if (res && PQresultStatus(res) == want)
        return 0;
    if (res && want == PGRES_COMMAND_OK && PQresultStatus(res) == PGRES_TUPLES_OK)
        return 0;
    int code = pg_err(p, res, err);
    PQclear(res);
    return code;
}

/* ---- connection ------------------------------------------------------- */

static void swap_cancel(struct sl_pg *p, PGcancel *c)
{
    pthread_mutex_lock(&p->cancel_mu);
    PGcancel *old = p->cancel;
    p->cancel = c;
    pthread_mutex_unlock(&p->cancel_mu);
    if (old)
        PQfreeCancel(old);
}

/* Server notices ("table does not exist, skipping") go to the debug log,
 * not straight to stderr. */
static void on_notice(void *arg, const char *msg)
{
    char m[512];
    one_line(m, sizeof m, msg);
    sl_debug("PostgreSQL: %s", m);
    (void)arg;
}

/* What a fresh session needs: UTC for zone-less timestamps (both COPY
 * formats agree), a cancel object. */
static int session_setup(struct sl_pg *p, struct sl_error *err)
{
    PQsetNoticeProcessor(p->conn, on_notice, NULL);
    PGresult *res = PQexec(p->conn, "SET TimeZone = 'UTC'");
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc)
        return rc;
    PQclear(res);
    PGcancel *c = PQgetCancel(p->conn);
    if (!c)
        return sl_err_set(err, SL_ENOMEM, "cannot make a PostgreSQL cancel request object");
    swap_cancel(p, c);
    return 0;
}

static void forget_statements(struct sl_pg *p)
{
    p->gen++;
    p->prepared = 0;
    p->also_prepared = 0;
    memset(p->slot_rows, 0, sizeof p->slot_rows);
    p->last_miss = 0;
}

static int setup_insert(struct sl_pg *p, struct sl_error *err);

static int pg_reconnect(struct sl_sink *s, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    forget_statements(p);
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        char m[600], red[300];
        one_line(m, sizeof m, PQerrorMessage(p->conn));
        sl_target_redact(p->conninfo, red, sizeof red);
        return sl_err_set(err, SL_ERETRY, "cannot reconnect to PostgreSQL '%s': %s", red, m);
    }
    int rc = session_setup(p, err);
    if (rc == 0 && p->table)
        rc = setup_insert(p, err);
    return rc;
}

static void pg_cancel(struct sl_sink *s)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char ebuf[256];
    pthread_mutex_lock(&p->cancel_mu);
    if (p->cancel)
        PQcancel(p->cancel, ebuf, sizeof ebuf);
    pthread_mutex_unlock(&p->cancel_mu);
}

static void free_insert(struct sl_pg *p)
{
    if (p->cols)
        for (size_t i = 0; i < p->ncols; i++)
            sl_free(p->cols[i]);
    sl_free(p->cols);
    sl_free(p->table);
    sl_free(p->qtable);
    sl_free(p->qcols);
    sl_free(p->kind);
    sl_free(p->lens);
    sl_free(p->also);
    sl_free(p->also_params);
    p->also = NULL;
    p->also_params = NULL;
    p->nalso = 0;
    p->cols = NULL;
    p->table = p->qtable = p->qcols = NULL;
    p->kind = NULL;
    p->lens = NULL;
    p->ncols = 0;
    p->base.copy_binary_ok = 0;
}

static void pg_close(struct sl_sink *s)
{
    struct sl_pg *p = (struct sl_pg *)s;
    swap_cancel(p, NULL);
    if (p->conn)
        PQfinish(p->conn);
    free_insert(p);
    sl_buf_release(&p->copy);
    sl_free(p->conninfo);
    pthread_mutex_destroy(&p->cancel_mu);
    sl_free(p);
}

/* ---- statements --------------------------------------------------------- */

static int pg_exec(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                   struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    PGresult *res = nparams ? PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0)
                            : PQexec(p->conn, sql);
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

static int pg_query(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                    sl_sink_row_cb cb, void *arg, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    PGresult *res = PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int rc = check(p, res, PGRES_TUPLES_OK, err);
    if (rc)
        return rc;
    int nf = PQnfields(res), nt = PQntuples(res);
    const char **vals = NULL;
    if (cb && nt > 0) {
        vals = sl_calloc((size_t)(nf ? nf : 1), sizeof *vals);
        if (!vals) {
            rc = sl_err_set(err, SL_ENOMEM, "out of memory reading a query result");
            goto out;
        }
        for (int r = 0; r < nt && rc == 0; r++) {
            for (int c = 0; c < nf; c++)
                vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
            rc = cb(arg, nf, vals);
        }
    }
out:
    sl_free(vals);
    PQclear(res);
    return rc;
}

static int pg_begin(struct sl_sink *s, struct sl_error *err)
{
    return pg_exec(s, "BEGIN", 0, NULL, err);
}

static int pg_commit(struct sl_sink *s, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    PGresult *res = PQexec(p->conn, "COMMIT");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int code = pg_err(p, res, err);
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        /* A serialization failure or deadlock at COMMIT certainly rolled
         * back; a connection lost with COMMIT in flight may have committed. */
        if (code == SL_ERETRY && !(state && !strncmp(state, "40", 2)))
            s->commit_ambiguous = 1;
        PQclear(res);
        return code;
    }
    int rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back)
        return sl_err_set(err, SL_EDB,
                          "COMMIT rolled the transaction back because a statement "
                          "in it had failed; roll back after an error");
    return 0;
}

static int pg_rollback(struct sl_sink *s, struct sl_error *err)
{
    return pg_exec(s, "ROLLBACK", 0, NULL, err);
}

/* Builds "INSERT INTO t (cols) VALUES ($1..),(..)" for rows rows. */
static int insert_sql(struct sl_pg *p, size_t rows, struct sl_buf *b)
{
    sl_buf_addf(b, "INSERT INTO %s (%s) VALUES ", p->qtable, p->qcols);
    size_t k = 1;
    for (size_t r = 0; r < rows; r++) {
        sl_buf_addstr(b, r ? ",(" : "(");
        for (size_t c = 0; c < p->ncols; c++)
            sl_buf_addf(b, c ? ",$%zu" : "$%zu", k++);
        sl_buf_addch(b, ')');
    }
    return b->err;
}

static int prepare_rows(struct sl_pg *p, size_t rows, const char *name, struct sl_error *err)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    if (insert_sql(p, rows, &b)) {
        sl_buf_release(&b);
        return sl_err_set(err, SL_ENOMEM, "out of memory building an INSERT of %zu rows", rows);
    }
    PGresult *res = PQprepare(p->conn, name, b.data, (int)(rows * p->ncols), NULL);
    sl_buf_release(&b);
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

static void deallocate(struct sl_pg *p, const char *name)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", name);
    PQclear(PQexec(p->conn, sql));
}

/* Prepares sl<gen>_a: "WITH sl_row AS (INSERT ... VALUES ($1..$n)) also",
 * with also's $k renumbered to $(n+k). */
static int prepare_also(struct sl_pg *p, struct sl_error *err)
{
    struct sl_buf b;
    char name[64];
    sl_buf_init(&b, 0);
    sl_buf_addstr(&b, "WITH sl_row AS (");
    insert_sql(p, 1, &b);
    sl_buf_addstr(&b, ") ");
    for (const char *c = p->also; *c;) {
        if (c[0] == '$' && c[1] >= '0' && c[1] <= '9') {
            long k = 0;
            c++;
            while (*c >= '0' && *c <= '9' && k < 100000)
                k = k * 10 + (*c++ - '0');
            sl_buf_addf(&b, "$%zu", (size_t)k + p->ncols);
        } else {
            sl_buf_addch(&b, *c++);
        }
    }
    if (b.err) {
        sl_buf_release(&b);
        return sl_err_set(err, SL_ENOMEM, "out of memory preparing a combined INSERT");
    }
    snprintf(name, sizeof name, "sl%u_a", p->gen);
    PGresult *res = PQprepare(p->conn, name, b.data, (int)p->ncols + p->nalso, NULL);
    sl_buf_release(&b);
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0) {
        PQclear(res);
        p->also_prepared = 1;
    }
    return rc;
}

/* Drops this generation's statements on the server (best effort). */
static void drop_statements(struct sl_pg *p)
{
    char name[64];
    if (PQstatus(p->conn) != CONNECTION_OK || PQtransactionStatus(p->conn) == PQTRANS_INERROR) {
        forget_statements(p);
        return;
    }
    if (p->prepared) {
        snprintf(name, sizeof name, "sl%u_1", p->gen);
        deallocate(p, name);
    }
    if (p->also_prepared) {
        snprintf(name, sizeof name, "sl%u_a", p->gen);
        deallocate(p, name);
    }
    for (int i = 0; i < NSLOTS; i++)
        if (p->slot_rows[i]) {
            snprintf(name, sizeof name, "sl%u_%zu", p->gen, p->slot_rows[i]);
            deallocate(p, name);
        }
    forget_statements(p);
}

/* Looks up the column types (for COPY's format) and prepares the one-row
 * INSERT, from p->table and p->cols. */
static int setup_insert(struct sl_pg *p, struct sl_error *err)
{
    struct sl_buf b;
    char name[64];
    int rc;
    sl_buf_init(&b, 0);
    sl_buf_addf(&b, "SELECT %s FROM %s LIMIT 0", p->qcols, p->qtable);
    if (b.err) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory preparing an INSERT");
        goto fail;
    }
    PGresult *res = PQexec(p->conn, b.data);
    rc = check(p, res, PGRES_TUPLES_OK, err);
    if (rc)
        goto fail;
    int ok = 1;
    p->has_ts = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        Oid t = PQftype(res, (int)i);
        if (t == OID_TEXT || t == OID_VARCHAR || t == OID_BPCHAR || t == OID_NAME) {
            p->kind[i] = K_TEXT;
        } else if (t == OID_TIMESTAMPTZ || t == OID_TIMESTAMP) {
            p->kind[i] = K_TS;
            p->has_ts = 1;
        } else {
            p->kind[i] = K_OTHER;
            ok = 0;
        }
    }
    PQclear(res);
    p->base.copy_binary_ok = ok;
    snprintf(name, sizeof name, "sl%u_1", p->gen);
    rc = prepare_rows(p, 1, name, err);
    if (rc == 0)
        p->prepared = 1;
    if (rc == 0 && p->also)
        rc = prepare_also(p, err);
fail:
    sl_buf_release(&b);
    return rc;
}

static int same_insert(const struct sl_pg *p, const char *table, const char *const *cols,
                       size_t ncols)
{
    if (!p->table || !p->prepared || p->ncols != ncols || strcmp(p->table, table))
        return 0;
    for (size_t i = 0; i < ncols; i++)
        if (strcmp(p->cols[i], cols[i]))
            return 0;
    return 1;
}

static int pg_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
                             size_t ncols, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char id[SL_SINK_IDENT_MAX];
    struct sl_buf b;
    int rc = 0;
    if (same_insert(p, table, cols, ncols))
        return 0;
    if (ncols > PG_MAX_PARAMS)
        return sl_err_set(err, SL_ELIMIT, "%zu columns are more than PostgreSQL allows", ncols);
    drop_statements(p);
    free_insert(p);
    sl_buf_init(&b, 0);
    p->table = sl_strdup(table);
    p->cols = sl_calloc(ncols, sizeof *p->cols);
    p->kind = sl_calloc(ncols, 1);
    p->lens = sl_calloc(ncols, sizeof *p->lens);
    if (!p->table || !p->cols || !p->kind || !p->lens)
        goto nomem;
    p->ncols = ncols;
    for (size_t i = 0; i < ncols; i++) {
        if (!(p->cols[i] = sl_strdup(cols[i])))
            goto nomem;
        if (sl_sink_quote_ident(cols[i], id, sizeof id)) {
            rc = sl_err_set(err, SL_ELIMIT, "column name '%.200s' is too long", cols[i]);
            goto fail;
        }
        sl_buf_addf(&b, i ? ", %s" : "%s", id);
    }
    if (sl_sink_quote_table(table, id, sizeof id)) {
        rc = sl_err_set(err, SL_ELIMIT, "table name '%.200s' is too long", table);
        goto fail;
    }
    if (b.err || !(p->qtable = sl_strdup(id)))
        goto nomem;
    p->qcols = sl_buf_detach(&b, NULL);
    if (!p->qcols)
        goto nomem;
    rc = setup_insert(p, err);
    if (rc)
        goto fail;
    return 0;
nomem:
    rc = sl_err_set(err, SL_ENOMEM, "out of memory preparing an INSERT into '%s'", table);
fail:
    sl_buf_release(&b);
    free_insert(p);
    return rc;
}

static int pg_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char name[64];
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "insert before sl_sink_prepare_insert");
    snprintf(name, sizeof name, "sl%u_1", p->gen);
    PGresult *res = PQexecPrepared(p->conn, name, (int)p->ncols, vals, NULL, NULL, 0);
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

static int pg_prepare_row_also(struct sl_sink *s, const char *also, int nalso,
                               struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "prepare_row_also before sl_sink_prepare_insert");
    if (p->also && p->also_prepared && p->nalso == nalso && !strcmp(p->also, also))
        return 0;
    if (p->also_prepared) {
        char name[64];
        snprintf(name, sizeof name, "sl%u_a", p->gen);
        if (PQtransactionStatus(p->conn) != PQTRANS_INERROR)
            deallocate(p, name);
        p->also_prepared = 0;
    }
    sl_free(p->also);
    sl_free(p->also_params);
    p->also = sl_strdup(also);
    p->nalso = nalso;
    p->also_params = sl_calloc(p->ncols + (size_t)nalso + 1, sizeof *p->also_params);
    if (!p->also || !p->also_params) {
        sl_free(p->also);
        sl_free(p->also_params);
        p->also = NULL;
        p->also_params = NULL;
        return sl_err_set(err, SL_ENOMEM, "out of memory preparing a combined INSERT");
    }
    return prepare_also(p, err);
}

static int pg_insert_row_also(struct sl_sink *s, const char *const *vals,
                              const char *const *also_vals, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char name[64];
    if (!p->also_prepared)
        return sl_err_set(err, SL_EINVAL, "insert_row_also before sl_sink_prepare_row_also");
    memcpy(p->also_params, vals, p->ncols * sizeof *vals);
    memcpy(p->also_params + p->ncols, also_vals, (size_t)p->nalso * sizeof *also_vals);
    snprintf(name, sizeof name, "sl%u_a", p->gen);
    PGresult *res = PQexecPrepared(p->conn, name, (int)p->ncols + p->nalso, p->also_params, NULL,
                                   NULL, 0);
    int rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

/* The name of a prepared INSERT of rows rows, preparing it if needed (the
 * least recently used of NSLOTS is replaced). */
static int rows_statement(struct sl_pg *p, size_t rows, char *name, size_t cap,
                          struct sl_error *err)
{
    int victim = -1;
    snprintf(name, cap, "sl%u_%zu", p->gen, rows);
    for (int i = 0; i < NSLOTS; i++)
        if (p->slot_rows[i] == rows) {
            p->slot_used[i] = ++p->tick;
            return 0;
        }
    for (int i = 0; i < NSLOTS && victim < 0; i++)
        if (!p->slot_rows[i])
            victim = i;
    if (victim < 0) {
        victim = 0;
        for (int i = 1; i < NSLOTS; i++)
            if (p->slot_used[i] < p->slot_used[victim])
                victim = i;
    }
    if (p->slot_rows[victim]) {
        char old[64];
        snprintf(old, sizeof old, "sl%u_%zu", p->gen, p->slot_rows[victim]);
        if (PQtransactionStatus(p->conn) != PQTRANS_INERROR)
            deallocate(p, old);
        p->slot_rows[victim] = 0;
    }
    int rc = prepare_rows(p, rows, name, err);
    if (rc)
        return rc;
    p->slot_rows[victim] = rows;
    p->slot_used[victim] = ++p->tick;
    return 0;
}

/* Runs one INSERT of k rows: a cached prepared statement when this size
 * was seen before (a steady batch size prepares once), else unnamed (one
 * round trip: the odd sizes of a batch being split in halves). */
static int insert_chunk(struct sl_pg *p, const char *const *vals, size_t k, struct sl_error *err)
{
    char name[64];
    int nparams = (int)(k * p->ncols), rc = 0;
    int cached = k == 1;
    for (int i = 0; i < NSLOTS && !cached; i++)
        cached = p->slot_rows[i] == k;
    PGresult *res;
    if (cached || k == p->last_miss) {
        if (k == 1)
            snprintf(name, sizeof name, "sl%u_1", p->gen);
        else if ((rc = rows_statement(p, k, name, sizeof name, err)))
            return rc;
        res = PQexecPrepared(p->conn, name, nparams, vals, NULL, NULL, 0);
    } else {
        struct sl_buf b;
        p->last_miss = k;
        sl_buf_init(&b, 0);
        if (insert_sql(p, k, &b)) {
            sl_buf_release(&b);
            return sl_err_set(err, SL_ENOMEM, "out of memory building an INSERT of %zu rows", k);
        }
        res = PQexecParams(p->conn, b.data, nparams, NULL, vals, NULL, NULL, 0);
        sl_buf_release(&b);
    }
    rc = check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        PQclear(res);
    return rc;
}

static int pg_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
                          struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "insert before sl_sink_prepare_insert");
    size_t per = PG_STMT_PARAMS / p->ncols;
    if (per == 0)
        per = 1;
    for (size_t off = 0; off < nrows;) {
        size_t k = nrows - off < per ? nrows - off : per;
        int rc = insert_chunk(p, vals + off * p->ncols, k, err);
        if (rc)
            return rc;
        off += k;
    }
    return 0;
}

/* ---- COPY --------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (or 'T') → microseconds since
 * 2000-01-01 00:00:00 UTC, PostgreSQL's binary timestamp. -1 when v is not
 * exactly that shape (the caller then uses text COPY). */
static int parse_ts(const char *v, int64_t *us)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, frac = 0;
    size_t n = strlen(v);
    if (n < 19 || v[4] != '-' || v[7] != '-' || (v[10] != ' ' && v[10] != 'T') || v[13] != ':' ||
        v[16] != ':')
        return -1;
    if (digits(v, 4, &y) || digits(v + 5, 2, &mo) || digits(v + 8, 2, &d) ||
        digits(v + 11, 2, &h) || digits(v + 14, 2, &mi) || digits(v + 17, 2, &sec))
        return -1;
    if (n > 19) {
        int nf = (int)(n - 20);
        if (v[19] != '.' || nf < 1 || nf > 6 || digits(v + 20, nf, &frac))
            return -1;
        for (int i = nf; i < 6; i++)
            frac *= 10;
    }
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
        mi > 59 || sec > 59)
        return -1;
    int64_t days = days_from_civil(y, mo, d) - 10957; /* 2000-01-01 */
    *us = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + sec * INT64_C(1000000) + frac;
    return 0;
}

/* Can every timestamp value of these rows go in binary? */
static int ts_all_binary(const struct sl_pg *p, const char *const *vals, size_t nrows)
{
    int64_t us;
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < p->ncols; c++) {
            const char *v = vals[r * p->ncols + c];
            if (p->kind[c] == K_TS && v && parse_ts(v, &us))
                return 0;
        }
    return 1;
}

static inline void put_be32(char *d, uint32_t x)
{
    d[0] = (char)(x >> 24);
    d[1] = (char)(x >> 16);
    d[2] = (char)(x >> 8);
    d[3] = (char)x;
}

static inline void put_be64(char *d, uint64_t x)
{
    put_be32(d, (uint32_t)(x >> 32));
    put_be32(d + 4, (uint32_t)x);
}

static int add_row_binary(struct sl_pg *p, const char *const *row)
{
    struct sl_buf *b = &p->copy;
    size_t need = 2;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (!v)
            p->lens[c] = 0;
        else if (p->kind[c] == K_TS)
            p->lens[c] = 8;
        else if ((p->lens[c] = strlen(v)) > INT32_MAX)
            return SL_ELIMIT;
        need += 4 + p->lens[c];
    }
    if (sl_buf_grow(b, need))
        return b->err;
    char *d = b->data + b->len;
    d[0] = (char)(p->ncols >> 8);
    d[1] = (char)p->ncols;
    d += 2;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (!v) {
            put_be32(d, UINT32_MAX); /* -1: NULL */
            d += 4;
        } else if (p->kind[c] == K_TS) {
            int64_t us = 0;
            parse_ts(v, &us); /* checked by ts_all_binary */
            put_be32(d, 8);
            put_be64(d + 4, (uint64_t)us);
            d += 12;
        } else {
            put_be32(d, (uint32_t)p->lens[c]);
            memcpy(d + 4, v, p->lens[c]);
            d += 4 + p->lens[c];
        }
    }
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
    return 0;
}

static int add_row_text(struct sl_pg *p, const char *const *row)
{
    struct sl_buf *b = &p->copy;
    size_t need = 0;
    for (size_t c = 0; c < p->ncols; c++)
        need += row[c] ? 2 * (p->lens[c] = strlen(row[c])) + 1 : 3;
    if (sl_buf_grow(b, need))
        return b->err;
    char *d = b->data + b->len;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (c)
            *d++ = '\t';
        if (!v) {
            *d++ = '\\';
            *d++ = 'N';
            continue;
        }
        for (;;) {
            size_t run = strcspn(v, "\\\t\n\r");
            memcpy(d, v, run);
            d += run;
            v += run;
            if (!*v)
                break;
            *d++ = '\\';
            *d++ = *v == '\t' ? 't' : *v == '\n' ? 'n' : *v == '\r' ? 'r' : '\\';
            v++;
        }
    }
    *d++ = '\n';
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* The 1-based line of "COPY t, line N[, column c: ...]" in a context. */
static long copy_line(const char *ctx)
{
    for (const char *l = ctx; l && *l;) {
        if (!strncmp(l, "COPY ", 5)) {
            const char *nl = strchr(l, '\n');
            const char *at = strstr(l, ", line ");
            if (at && (!nl || at < nl)) {
                char *end;
                long n = strtol(at + 7, &end, 10);
                if (end != at + 7)
                    return n;
            }
        }
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return 0;
}

static int flush_copy(struct sl_pg *p)
{
    if (p->copy.len == 0)
        return 0;
    int r = PQputCopyData(p->conn, p->copy.data, (int)p->copy.len);
    sl_buf_reset(&p->copy);
    return r == 1 ? 0 : -1;
}

static int pg_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                        struct sl_error *err)
{
    static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    struct sl_pg *p = (struct sl_pg *)s;
    struct sl_buf sql;
    int rc = 0, local = 0;
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "copy before sl_sink_prepare_insert");
    int binary = p->base.copy_binary && p->base.copy_binary_ok;
    if (binary && p->has_ts && !ts_all_binary(p, vals, nrows))
        binary = 0;
    sl_buf_init(&sql, 0);
    sl_buf_addf(&sql, "COPY %s (%s) FROM STDIN%s", p->qtable, p->qcols,
                binary ? " (FORMAT binary)" : "");
    if (sql.err) {
        sl_buf_release(&sql);
        return sl_err_set(err, SL_ENOMEM, "out of memory building a COPY");
    }
    PGresult *res = PQexec(p->conn, sql.data);
    sl_buf_release(&sql);
    rc = check(p, res, PGRES_COPY_IN, err);
    if (rc)
        return rc;
    PQclear(res);

    sl_buf_reset(&p->copy);
    if (binary)
        sl_buf_add(&p->copy, header, sizeof header);
    int sent_ok = 1;
    for (size_t r = 0; r < nrows && sent_ok; r++) {
        const char *const *row = vals + r * p->ncols;
        local = binary ? add_row_binary(p, row) : add_row_text(p, row);
        if (local) {
            *bad_row = (long)r;
            break;
        }
        if (p->copy.len >= COPY_CHUNK)
            sent_ok = flush_copy(p) == 0;
    }
    if (!local && sent_ok) {
        if (binary)
            sl_buf_add(&p->copy, "\377\377", 2);
        local = p->copy.err;
        if (!local)
            sent_ok = flush_copy(p) == 0;
    }
    if (local)
        rc = local == SL_ELIMIT
                 ? sl_err_set(err, local, "row %ld has a value too long for COPY", *bad_row + 1)
                 : sl_err_set(err, local, "out of memory building COPY data");
    sl_buf_reset(&p->copy);
    if (sent_ok)
        PQputCopyEnd(p->conn, local ? "sheetload stopped the COPY" : NULL);

    /* Collect the outcome; keep the first error. */
    int guard = 0;
    while ((res = PQgetResult(p->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_COPY_IN) {
            PQclear(res);
            if (++guard > 3) { /* libpq stays in COPY: the connection is unusable */
                if (rc == 0)
                    rc = sl_err_set(err, SL_ERETRY,
                                    "COPY into %s could not be ended; "
                                    "reconnect",
                                    p->qtable);
                break;
            }
            PQputCopyEnd(p->conn, "sheetload stopped the COPY");
            continue;
        }
        if (st != PGRES_COMMAND_OK && rc == 0) {
            rc = pg_err(p, res, err);
            long line = copy_line(PQresultErrorField(res, PG_DIAG_CONTEXT));
            if (line >= 1 && (size_t)line <= nrows)
                *bad_row = line - 1;
        }
        PQclear(res);
    }
    if (rc == 0 && !sent_ok)
        rc = pg_err(p, NULL, err);
    return rc;
}

/* ---- catalog ------------------------------------------------------------ */

struct cols_acc {
    struct sl_sink_column *cols;
    size_t cap, n;
};

static int col_row(void *arg, int ncols, const char *const *v)
{
    struct cols_acc *a = arg;
    if (a->n < a->cap) {
        struct sl_sink_column *c = &a->cols[a->n];
        memset(c, 0, sizeof *c);
        sl_strlcpy(c->name, v[0], sizeof c->name);
        sl_strlcpy(c->type, v[1], sizeof c->type);
        c->not_null = v[2][0] == 't';
        c->has_default = v[3][0] == 't';
        c->is_pk = v[4][0] == 't';
    }
    a->n++;
    (void)ncols;
    return 0;
}

static int pg_table_columns(struct sl_sink *s, const char *table, struct sl_sink_column *cols,
                            size_t cap, size_t *n, struct sl_error *err)
{
    char id[SL_SINK_IDENT_MAX];
    struct cols_acc a = {cols, cap, 0};
    if (sl_sink_quote_table(table, id, sizeof id))
        return sl_err_set(err, SL_ELIMIT, "table name '%.200s' is too long", table);
    const char *params[1] = {id};
    int rc = pg_query(s,
                      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                      "a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '', "
                      "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid "
                      "AND i.indisprimary AND a.attnum = ANY (i.indkey)) "
                      "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
                      "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                      1, params, col_row, &a, err);
    if (rc)
        return rc;
    *n = a.n < cap ? a.n : cap;
    return 0;
}

static const struct sl_sink_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .reconnect = pg_reconnect,
    .cancel = pg_cancel,
    .exec = pg_exec,
    .query = pg_query,
    .prepare_insert = pg_prepare_insert,
    .insert_row = pg_insert_row,
    .insert_rows = pg_insert_rows,
    .prepare_row_also = pg_prepare_row_also,
    .insert_row_also = pg_insert_row_also,
    .copy_rows = pg_copy_rows,
    .table_columns = pg_table_columns,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
};

int sl_pg_open(struct sl_sink **out, const char *conninfo, struct sl_error *err)
{
    static const char *const keys[] = {"connect_timeout", "dbname", "fallback_application_name",
                                       "client_encoding", NULL};
    struct sl_pg *p = sl_calloc(1, sizeof *p);
    int rc;
    if (!p)
        return sl_err_set(err, SL_ENOMEM, "out of memory connecting to PostgreSQL");
    pthread_mutex_init(&p->cancel_mu, NULL);
    sl_buf_init(&p->copy, 0);
    p->base.ops = &pg_ops;
    p->base.dialect = SL_DIALECT_PG;
    p->base.copy_binary = 1;
    p->conninfo = sl_strdup(conninfo);
    if (!p->conninfo) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory connecting to PostgreSQL");
        goto fail;
    }
    const char *const values[] = {"10", conninfo, "sheetload", "UTF8", NULL};
    p->conn = PQconnectdbParams(keys, values, 1);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        char m[600], red[300];
        one_line(m, sizeof m, p->conn ? PQerrorMessage(p->conn) : "out of memory");
        sl_target_redact(conninfo, red, sizeof red);
        rc = sl_err_set(err, SL_EDBCONN,
                        "cannot connect to PostgreSQL '%s': %s; check --db (or DATABASE_URL, "
                        "PG* variables) and that the server is running",
                        red, m);
        goto fail;
    }
    rc = session_setup(p, err);
    if (rc)
        goto fail;
    *out = &p->base;
    return 0;
fail:
    pg_close(&p->base);
    return rc;
}
