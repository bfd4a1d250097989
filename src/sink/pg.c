/* pg.c - the PostgreSQL sink: the connection (open, reconnect, cancel,
 * close), errors, plain statements and transactions, the catalog. The
 * INSERT statements are in pg_insert.c, COPY in pg_copy.c (pg_int.h).
 *
 * Threads: a sink is used by one thread at a time (its owner). The one
 * exception is sl_sink_cancel, which may come from any thread: it reads
 * only `cancel`, a PGcancel object made at (re)connect, under cancel_mu.
 * The owner takes cancel_mu only to swap that object. Nothing else is
 * shared; lock order: cancel_mu is a leaf. libpq's functions are called
 * through sl_pq (pq.c loads the library on the first sl_pg_open): the table
 * is complete before any connection, and so any `cancel`, exists.
 *
 * Errors are classified by SQLSTATE (parallel_slot.c's habit), never by
 * message text; a connection that went bad is transient whatever the code.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "sink/pg_int.h"

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
int sl_pg_err(struct sl_pg *p, const PGresult *res, struct sl_error *err)
{
    const char *state = res ? sl_pq.result_error_field(res, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = res ? sl_pq.result_error_field(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? sl_pq.result_error_field(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    int code = classify(state);
    if (!state || !*state)
        code = SL_EDB;
    if (sl_pq.status(p->conn) == CONNECTION_BAD)
        code = SL_ERETRY;
    if (!err || err->code)
        return code;
    char a[700], b[300];
    if (prim) {
        one_line(a, sizeof a, prim);
        one_line(b, sizeof b, detail);
    } else {
        one_line(a, sizeof a, res ? sl_pq.result_error_message(res) : "");
        if (!a[0])
            one_line(a, sizeof a, sl_pq.error_message(p->conn));
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
int sl_pg_check(struct sl_pg *p, PGresult *res, ExecStatusType want, struct sl_error *err)
{
    if (res && sl_pq.result_status(res) == want)
        return 0;
    if (res && want == PGRES_COMMAND_OK && sl_pq.result_status(res) == PGRES_TUPLES_OK)
        return 0;
    int code = sl_pg_err(p, res, err);
    sl_pq.clear(res);
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
        sl_pq.free_cancel(old);
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
    sl_pq.set_notice_processor(p->conn, on_notice, NULL);
    PGresult *res = sl_pq.exec(p->conn, "SET TimeZone = 'UTC'");
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc)
        return rc;
    sl_pq.clear(res);
    PGcancel *c = sl_pq.get_cancel(p->conn);
    if (!c)
        return sl_err_set(err, SL_ENOMEM, "cannot make a PostgreSQL cancel request object");
    swap_cancel(p, c);
    return 0;
}

static int pg_reconnect(struct sl_sink *s, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    sl_pg_forget_statements(p);
    sl_pq.reset(p->conn);
    if (sl_pq.status(p->conn) != CONNECTION_OK) {
        char m[600], red[300];
        one_line(m, sizeof m, sl_pq.error_message(p->conn));
        sl_target_redact(p->conninfo, red, sizeof red);
        return sl_err_set(err, SL_ERETRY, "cannot reconnect to PostgreSQL '%s': %s", red, m);
    }
    int rc = session_setup(p, err);
    if (rc == 0 && p->table)
        rc = sl_pg_setup_insert(p, err);
    return rc;
}

/* From any thread (the fan-in's, pipeline.c). sl_pq.cancel is safe to read
 * without a lock: the table was filled (pq.c, under sl_dl_load's lock) before
 * this connection was made, and p->cancel, set after it under cancel_mu,
 * carries that order here. */
static void pg_cancel(struct sl_sink *s)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char ebuf[256];
    pthread_mutex_lock(&p->cancel_mu);
    if (p->cancel)
        sl_pq.cancel(p->cancel, ebuf, sizeof ebuf);
    pthread_mutex_unlock(&p->cancel_mu);
}

static void pg_close(struct sl_sink *s)
{
    struct sl_pg *p = (struct sl_pg *)s;
    swap_cancel(p, NULL);
    if (p->conn)
        sl_pq.finish(p->conn);
    sl_pg_free_insert(p);
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
    PGresult *res = nparams ? sl_pq.exec_params(p->conn, sql, nparams, NULL, params, NULL, NULL, 0)
                            : sl_pq.exec(p->conn, sql);
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        sl_pq.clear(res);
    return rc;
}

static int pg_query(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                    sl_sink_row_cb cb, void *arg, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    PGresult *res = sl_pq.exec_params(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    int rc = sl_pg_check(p, res, PGRES_TUPLES_OK, err);
    if (rc)
        return rc;
    int nf = sl_pq.nfields(res), nt = sl_pq.ntuples(res);
    const char **vals = NULL;
    if (cb && nt > 0) {
        vals = sl_calloc((size_t)(nf ? nf : 1), sizeof *vals);
        if (!vals) {
            rc = sl_err_set(err, SL_ENOMEM, "out of memory reading a query result");
            goto out;
        }
        for (int r = 0; r < nt && rc == 0; r++) {
            for (int c = 0; c < nf; c++)
                vals[c] = sl_pq.getisnull(res, r, c) ? NULL : sl_pq.getvalue(res, r, c);
            rc = cb(arg, nf, vals);
        }
    }
out:
    sl_free(vals);
    sl_pq.clear(res);
    return rc;
}

static int pg_begin(struct sl_sink *s, struct sl_error *err)
{
    return pg_exec(s, "BEGIN", 0, NULL, err);
}

static int pg_commit(struct sl_sink *s, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    PGresult *res = sl_pq.exec(p->conn, "COMMIT");
    if (!res || sl_pq.result_status(res) != PGRES_COMMAND_OK) {
        int code = sl_pg_err(p, res, err);
        const char *state = res ? sl_pq.result_error_field(res, PG_DIAG_SQLSTATE) : NULL;
        /* A serialization failure or deadlock at COMMIT certainly rolled
         * back; a connection lost with COMMIT in flight may have committed. */
        if (code == SL_ERETRY && !(state && !strncmp(state, "40", 2)))
            s->commit_ambiguous = 1;
        sl_pq.clear(res);
        return code;
    }
    int rolled_back = strcmp(sl_pq.cmd_status(res), "ROLLBACK") == 0;
    sl_pq.clear(res);
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
    *n = a.n;
    return rc;
}

static const struct sl_sink_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .reconnect = pg_reconnect,
    .cancel = pg_cancel,
    .exec = pg_exec,
    .query = pg_query,
    .prepare_insert = sl_pg_prepare_insert,
    .insert_row = sl_pg_insert_row,
    .insert_rows = sl_pg_insert_rows,
    .prepare_row_also = sl_pg_prepare_row_also,
    .insert_row_also = sl_pg_insert_row_also,
    .copy_rows = sl_pg_copy_rows,
    .table_columns = pg_table_columns,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
};

int sl_pg_open(struct sl_sink **out, const char *conninfo, struct sl_error *err)
{
    static const char *const keys[] = {"connect_timeout", "dbname", "fallback_application_name",
                                       "client_encoding", NULL};
    int rc = sl_pq_load(err);
    if (rc)
        return rc;
    struct sl_pg *p = sl_calloc(1, sizeof *p);
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
    p->conn = sl_pq.connectdb_params(keys, values, 1);
    if (!p->conn || sl_pq.status(p->conn) != CONNECTION_OK) {
        char m[600], red[300];
        one_line(m, sizeof m, p->conn ? sl_pq.error_message(p->conn) : "out of memory");
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
