/* pg_insert.c - the PostgreSQL sink's INSERTs: one row (prepared once per
 * table and columns), one row joined with a ledger statement (WITH), and
 * many rows per statement (~3000 parameters each, the sizes seen lately
 * kept prepared in NSLOTS). Statement names carry a generation that a
 * reconnect advances. */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "sink/pg_int.h"

void sl_pg_forget_statements(struct sl_pg *p)
{
    p->gen++;
    p->prepared = 0;
    p->also_prepared = 0;
    memset(p->slot_rows, 0, sizeof p->slot_rows);
    p->last_miss = 0;
}

void sl_pg_free_insert(struct sl_pg *p)
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
    PGresult *res = sl_pq.prepare(p->conn, name, b.data, (int)(rows * p->ncols), NULL);
    sl_buf_release(&b);
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        sl_pq.clear(res);
    return rc;
}

static void deallocate(struct sl_pg *p, const char *name)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", name);
    sl_pq.clear(sl_pq.exec(p->conn, sql));
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
    PGresult *res = sl_pq.prepare(p->conn, name, b.data, (int)p->ncols + p->nalso, NULL);
    sl_buf_release(&b);
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0) {
        sl_pq.clear(res);
        p->also_prepared = 1;
    }
    return rc;
}

/* Drops this generation's statements on the server (best effort). */
static void drop_statements(struct sl_pg *p)
{
    char name[64];
    if (sl_pq.status(p->conn) != CONNECTION_OK ||
        sl_pq.transaction_status(p->conn) == PQTRANS_INERROR) {
        sl_pg_forget_statements(p);
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
    sl_pg_forget_statements(p);
}

/* Looks up the column types (for COPY's format) and prepares the one-row
 * INSERT, from p->table and p->cols. */
int sl_pg_setup_insert(struct sl_pg *p, struct sl_error *err)
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
    PGresult *res = sl_pq.exec(p->conn, b.data);
    rc = sl_pg_check(p, res, PGRES_TUPLES_OK, err);
    if (rc)
        goto fail;
    int ok = 1;
    p->has_ts = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        Oid t = sl_pq.ftype(res, (int)i);
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
    sl_pq.clear(res);
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

int sl_pg_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
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
    sl_pg_free_insert(p);
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
    rc = sl_pg_setup_insert(p, err);
    if (rc)
        goto fail;
    return 0;
nomem:
    rc = sl_err_set(err, SL_ENOMEM, "out of memory preparing an INSERT into '%s'", table);
fail:
    sl_buf_release(&b);
    sl_pg_free_insert(p);
    return rc;
}

int sl_pg_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char name[64];
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "insert before sl_sink_prepare_insert");
    snprintf(name, sizeof name, "sl%u_1", p->gen);
    PGresult *res = sl_pq.exec_prepared(p->conn, name, (int)p->ncols, vals, NULL, NULL, 0);
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        sl_pq.clear(res);
    return rc;
}

int sl_pg_prepare_row_also(struct sl_sink *s, const char *also, int nalso, struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "prepare_row_also before sl_sink_prepare_insert");
    if (p->also && p->also_prepared && p->nalso == nalso && !strcmp(p->also, also))
        return 0;
    if (p->also_prepared) {
        char name[64];
        snprintf(name, sizeof name, "sl%u_a", p->gen);
        if (sl_pq.transaction_status(p->conn) != PQTRANS_INERROR)
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

int sl_pg_insert_row_also(struct sl_sink *s, const char *const *vals, const char *const *also_vals,
                          struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    char name[64];
    if (!p->also_prepared)
        return sl_err_set(err, SL_EINVAL, "insert_row_also before sl_sink_prepare_row_also");
    memcpy(p->also_params, vals, p->ncols * sizeof *vals);
    memcpy(p->also_params + p->ncols, also_vals, (size_t)p->nalso * sizeof *also_vals);
    snprintf(name, sizeof name, "sl%u_a", p->gen);
    PGresult *res =
        sl_pq.exec_prepared(p->conn, name, (int)p->ncols + p->nalso, p->also_params, NULL, NULL, 0);
    int rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        sl_pq.clear(res);
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
        if (sl_pq.transaction_status(p->conn) != PQTRANS_INERROR)
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
        res = sl_pq.exec_prepared(p->conn, name, nparams, vals, NULL, NULL, 0);
    } else {
        struct sl_buf b;
        p->last_miss = k;
        sl_buf_init(&b, 0);
        if (insert_sql(p, k, &b)) {
            sl_buf_release(&b);
            return sl_err_set(err, SL_ENOMEM, "out of memory building an INSERT of %zu rows", k);
        }
        res = sl_pq.exec_params(p->conn, b.data, nparams, NULL, vals, NULL, NULL, 0);
        sl_buf_release(&b);
    }
    rc = sl_pg_check(p, res, PGRES_COMMAND_OK, err);
    if (rc == 0)
        sl_pq.clear(res);
    return rc;
}

int sl_pg_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
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
