/* pg_int.h - what the PostgreSQL sink's files share (private to src/sink):
 * the connection's state, its error helpers (pg.c), the INSERT statements
 * (pg_insert.c) and COPY (pg_copy.c). One thread uses a connection at a time;
 * see pg.c for the one exception (cancel). */
#ifndef SL_SINK_PG_INT_H
#define SL_SINK_PG_INT_H

#include <pthread.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "sink/pq.h"
#include "sink/sink_int.h"

#define PG_MAX_PARAMS 65535
/* Parameters per multi-row INSERT: a statement of ~3000 is planned fast and
 * prepared once, where one of 55,000 (5000 rows x 11 columns) cost more to
 * parse and plan than to run. 10k-row batch import, wall time: 650 ms at
 * the parameter limit, 470-540 ms at 50-250 rows of 11 columns, 580 at 1000. */
#define PG_STMT_PARAMS 3000
#define COPY_CHUNK     (1u << 20) /* bytes handed to PQputCopyData at once */
#define NSLOTS         4          /* cached multi-row INSERT statements */

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
    char *also;       /* prepare_row_also's statement, as given */
    int nalso;
    int also_prepared;        /* sl<gen>_a exists */
    const char **also_params; /* scratch: ncols + nalso values */
    struct sl_buf copy;
};

/* ---- pg.c: errors ---- */
/* Fills err from a failed result (or the connection's message when res is
 * NULL), classified by SQLSTATE; returns the code. */
int sl_pg_err(struct sl_pg *p, const PGresult *res, struct sl_error *err);
/* 0 when res has status want (COMMAND_OK also takes TUPLES_OK); else the
 * error, with res cleared. */
int sl_pg_check(struct sl_pg *p, PGresult *res, ExecStatusType want, struct sl_error *err);

/* ---- pg_insert.c: per-row and multi-row INSERT ---- */
int sl_pg_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
                         size_t ncols, struct sl_error *err);
int sl_pg_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err);
int sl_pg_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
                      struct sl_error *err);
int sl_pg_prepare_row_also(struct sl_sink *s, const char *also, int nalso, struct sl_error *err);
int sl_pg_insert_row_also(struct sl_sink *s, const char *const *vals, const char *const *also_vals,
                          struct sl_error *err);
/* After a reconnect: the column types and the one-row INSERT again. */
int sl_pg_setup_insert(struct sl_pg *p, struct sl_error *err);
/* The server forgot the prepared statements (a new session): so do we. */
void sl_pg_forget_statements(struct sl_pg *p);
/* Frees what prepare_insert set. */
void sl_pg_free_insert(struct sl_pg *p);

/* ---- pg_copy.c: COPY, binary or text ---- */
int sl_pg_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                    struct sl_error *err);

#endif
