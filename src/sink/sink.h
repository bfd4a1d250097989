/* sink.h - one interface over the PostgreSQL and SQLite writers.
 *
 * A sink is one database connection, used by one thread at a time (a
 * PostgreSQL import opens M sinks; SQLite opens one). It knows nothing of
 * spreadsheets: it runs SQL and writes rows of text values into a table.
 *
 * Rows are passed as a flat array of nrows*ncols NUL-terminated UTF-8
 * strings, row-major; NULL means SQL NULL. Arrays are borrowed.
 *
 * SQL given to exec/query uses $1, $2, ... placeholders in both dialects
 * (SQLite accepts them as named parameters; the SQLite sink binds by name).
 *
 * Errors are classified by SQLSTATE (SQLite codes are mapped), never by
 * message text:
 *   SL_EDBDATA  class 22 (data exception) or 23 (integrity constraint), and
 *               SQLite CONSTRAINT/MISMATCH/TOOBIG: the rows are at fault;
 *   SL_ERETRY   class 08 (connection), 40001, 40P01, 57P01-57P03, a lost
 *               connection, SQLITE_BUSY/LOCKED: transient, retry;
 *   SL_ECANCELED  57014 (query_canceled) / SQLITE_INTERRUPT: sl_sink_cancel
 *               stopped it: stop (the caller knows why it cancelled);
 *   SL_EDB      everything else: stop.
 * sl_sink_open itself fails with SL_EDBCONN when it cannot connect.
 * err->msg holds the server's message (primary + detail), err->sqlstate the
 * code ("" for SQLite, which has none; its extended code is in the text).
 * Like sl_err_set, the first error wins: pass a cleared err.
 *
 * PostgreSQL sessions run with TimeZone = 'UTC', so a timestamptz value
 * without an offset means UTC whichever COPY format carries it.
 */
#ifndef SL_SINK_SINK_H
#define SL_SINK_SINK_H

#include "base/err.h"
#include <stddef.h>

enum sl_dialect { SL_DIALECT_PG = 1, SL_DIALECT_SQLITE = 2 };

struct sl_sink;

/* Is target an SQLite one ("sqlite:PATH", or a path ending in .db,
 * .sqlite, .sqlite3)? Then *path is set to the file path (borrowed from
 * target). */
int sl_target_is_sqlite(const char *target, const char **path);
/* target with any password replaced by "***", for display. */
void sl_target_redact(const char *target, char *out, size_t cap);

/* Connects. PostgreSQL: a URL or a libpq keyword string ("" = libpq's PG*
 * environment). SQLite: the file is created if missing; WAL mode is used. */
int sl_sink_open(struct sl_sink **out, const char *target, struct sl_error *err);
void sl_sink_close(struct sl_sink *s);
int sl_sink_dialect(const struct sl_sink *s);
/* Reconnects after a lost connection (PostgreSQL); prepared state from
 * sl_sink_prepare_insert is restored. */
int sl_sink_reconnect(struct sl_sink *s, struct sl_error *err);
/* The memory this connection may keep for its own caches, in bytes: SQLite's
 * page cache (its sorter takes as much again while an index is built);
 * nothing for PostgreSQL, whose caches are the server's. */
int sl_sink_set_cache(struct sl_sink *s, unsigned long long bytes, struct sl_error *err);
/* A cheap round trip ("SELECT 1"). */
int sl_sink_ping(struct sl_sink *s, struct sl_error *err);
/* Asks the server to cancel what this connection runs now. Safe to call
 * from another thread (not from a signal handler). No-op for SQLite except
 * that it interrupts the running statement. */
void sl_sink_cancel(struct sl_sink *s);

/* Runs sql. With nparams == 0, sql may hold several statements separated
 * by ';' (DDL scripts); with parameters, exactly one. */
int sl_sink_exec(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                 struct sl_error *err);
/* Runs a query; cb is called for each row with its values (NULL = SQL NULL,
 * borrowed). cb returning non-zero stops and becomes the result. */
typedef int (*sl_sink_row_cb)(void *arg, int ncols, const char *const *vals);
int sl_sink_query(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                  sl_sink_row_cb cb, void *arg, struct sl_error *err);

/* BEGIN (SQLite: BEGIN IMMEDIATE), COMMIT, ROLLBACK. A COMMIT of a
 * transaction that an earlier error aborted fails with SL_EDB (PostgreSQL
 * would silently roll it back). ROLLBACK on a lost connection returns
 * SL_ERETRY; the transaction is gone either way. */
int sl_sink_begin(struct sl_sink *s, struct sl_error *err);
int sl_sink_commit(struct sl_sink *s, struct sl_error *err);
int sl_sink_rollback(struct sl_sink *s, struct sl_error *err);
/* ROLLBACK, its own failure ignored (the caller has the error to report). */
void sl_sink_rollback_quietly(struct sl_sink *s);
/* Ends a transaction: COMMIT when rc is 0, else (or when the COMMIT fails:
 * SQLite keeps a busy transaction open) ROLLBACK quietly. Returns rc, or
 * the COMMIT's error. */
int sl_sink_end(struct sl_sink *s, int rc, struct sl_error *err);
/* After a failed sl_sink_commit: 1 when the outcome is unknown (the
 * connection dropped while COMMIT was in flight, so the transaction may or
 * may not have committed: check, e.g. in the import ledger, before sending
 * it again), 0 when it certainly did not commit. Reset by sl_sink_begin. */
int sl_sink_last_commit_ambiguous(const struct sl_sink *s);

/* Sets the table and columns that the insert/copy calls below write to
 * (identifiers are quoted by the sink) and prepares the statements. Column
 * types are looked up so that COPY can choose binary where it is faster
 * and possible. */
int sl_sink_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
                           size_t ncols, struct sl_error *err);
/* One row, one INSERT (a prepared statement). */
int sl_sink_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err);
/* The one-row INSERT joined with one more statement `also` (placeholders
 * $1..$nalso), run as ONE statement, atomic by itself in autocommit:
 * PostgreSQL "WITH sl_row AS (INSERT ...) <also>", prepared once per
 * connection (again after a reconnect; idempotent for the same `also`).
 * Call after sl_sink_prepare_insert. A data error (SL_EDBDATA) may come
 * from either part. SQLite: SL_EINVAL (use a transaction there). */
int sl_sink_prepare_row_also(struct sl_sink *s, const char *also, int nalso, struct sl_error *err);
int sl_sink_insert_row_also(struct sl_sink *s, const char *const *vals,
                            const char *const *also_vals, struct sl_error *err);
/* nrows rows in multi-row INSERT statements (PostgreSQL: ~3000 parameters
 * per statement, prepared once per size; SQLite: the prepared one-row
 * statement in a loop). Call inside a transaction. */
int sl_sink_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
                        struct sl_error *err);
/* nrows rows through COPY FROM STDIN (SQLite: same as insert_rows). When
 * the server names the failing row (COPY's "line N"), *bad_row is set to
 * its 0-based index in vals, else -1. Call inside a transaction. */
int sl_sink_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                      struct sl_error *err);
/* COPY format in use: 1 = binary, 0 = text. Set 0 to force text, 1 to use
 * binary when every column type allows it (the default). */
void sl_sink_set_copy_binary(struct sl_sink *s, int on);
int sl_sink_copy_is_binary(const struct sl_sink *s);

/* Writes "ident" with embedded quotes doubled into out; 0 or SL_ELIMIT. */
int sl_sink_quote_ident(const char *ident, char *out, size_t cap);
/* A table name as the sinks use it: "schema.table" (split at the first
 * dot) becomes "schema"."table", a name without a dot "table". Names are
 * exact (case is kept), in every sink call that takes a table. 0 or
 * SL_ELIMIT. */
int sl_sink_quote_table(const char *table, char *out, size_t cap);

/* Information about a table's columns, for mapping and checks. */
struct sl_sink_column {
    char name[128];
    char type[64]; /* as the database names it, lower case */
    int not_null;
    int has_default; /* a default or an identity/serial/rowid alias */
    int is_pk;
};
/* Fills up to cap columns in table order; *n = the number found; 0 found =
 * no such table (not an error: returns 0 with *n = 0). */
int sl_sink_table_columns(struct sl_sink *s, const char *table, struct sl_sink_column *cols,
                          size_t cap, size_t *n, struct sl_error *err);

/* The vtable behind the interface (sink.c dispatches). */
struct sl_sink_ops {
    const char *name;
    void (*close)(struct sl_sink *s);
    int (*reconnect)(struct sl_sink *s, struct sl_error *err);
    void (*cancel)(struct sl_sink *s);
    int (*exec)(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                struct sl_error *err);
    int (*query)(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                 sl_sink_row_cb cb, void *arg, struct sl_error *err);
    int (*prepare_insert)(struct sl_sink *s, const char *table, const char *const *cols,
                          size_t ncols, struct sl_error *err);
    int (*insert_row)(struct sl_sink *s, const char *const *vals, struct sl_error *err);
    int (*insert_rows)(struct sl_sink *s, const char *const *vals, size_t nrows,
                       struct sl_error *err);
    /* optional (NULL: not supported) */
    int (*prepare_row_also)(struct sl_sink *s, const char *also, int nalso, struct sl_error *err);
    int (*insert_row_also)(struct sl_sink *s, const char *const *vals, const char *const *also_vals,
                           struct sl_error *err);
    int (*copy_rows)(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                     struct sl_error *err);
    int (*table_columns)(struct sl_sink *s, const char *table, struct sl_sink_column *cols,
                         size_t cap, size_t *n, struct sl_error *err);
    int (*begin)(struct sl_sink *s, struct sl_error *err);
    int (*commit)(struct sl_sink *s, struct sl_error *err);
    int (*rollback)(struct sl_sink *s, struct sl_error *err);
    int (*set_cache)(struct sl_sink *s, unsigned long long bytes, struct sl_error *err);
};

/* Every sink starts with this. */
struct sl_sink {
    const struct sl_sink_ops *ops;
    int dialect;
    int copy_binary; /* wish: 1 = binary when possible */
    int in_tx;
    int copy_binary_ok;   /* set by prepare_insert: every column allows binary */
    int commit_ambiguous; /* see sl_sink_last_commit_ambiguous */
};

/* Appends "libpq 15.10\n" and SQLite's line (run-time versions). */
struct sl_buf;
void sl_sink_versions(struct sl_buf *b);

#endif
