/* load.h - internals of one import (src/load): defaults, the plan shared by
 * every stage, blocks, and the functions each file of the layer provides.
 *
 * The plan is built on the calling thread before any stage starts and is
 * read-only afterwards, so every thread may read it without a lock. A block
 * is owned by exactly one stage at a time and moves through channels. */
#ifndef SL_LOAD_LOAD_H
#define SL_LOAD_LOAD_H

#include "base/err.h"
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "read/reader.h"
#include "sink/sink.h"

struct sl_budget;

/* Defaults, in one place (bench results tune them). */
#define SL_LOAD_DEFAULT_TABLE          "businesses"
#define SL_LOAD_DEFAULT_TARGET         "sqlite:businesses.db"
#define SL_LOAD_DEFAULT_BATCH          5000
#define SL_LOAD_MAX_BATCH              SHEETLOAD_MAX_BATCH_SIZE
#define SL_LOAD_DEFER_MIN_BYTES        (16LL << 20) /* smaller inputs keep their indexes (PG) */
#define SL_LOAD_DEFER_MIN_BYTES_SQLITE 0LL          /* ... SQLite: always defer */
#define SL_LOAD_MAX_WRITERS            8            /* default writers: online CPUs, at most this */
#define SL_LOAD_MAX_WORKERS            SHEETLOAD_MAX_WORKERS /* --workers upper bound */
#define SL_LOAD_MAX_CONVERTERS         4    /* convert+validate threads: CPUs, at most this */
#define SL_LOAD_MAX_COLS               1024 /* columns of a target table */
#define SL_LOAD_HINT_BUDGET            16   /* COPY bad-row hints used per batch before halving */
#define SL_LOAD_INFLIGHT_SHARE         16   /* blocks in flight: at most --max-memory / this */
#define SL_LOAD_INFLIGHT_MIN           ((size_t)16 << 20) /* ... but this, if under a quarter */
#define SL_LOAD_CACHE_SHARE            64 /* a connection's caches (SQLite): --max-memory / this */
#define SL_LOAD_CACHE_SHARE_KEPT       8  /* ... when the indexes stay during the load */
#define SL_LOAD_CACHE_MAX              ((uint64_t)32 << 20) /* ... and at most this */
#define SL_LOAD_INFLIGHT_DEFAULT       ((size_t)256 << 20)  /* --max-memory's default */
#define SL_LOAD_RETRY_ATTEMPTS                                \
    10 /* a finishing step runs again at most this often (the \
          backoff itself: conc/backoff.h SL_BACKOFF_DB) */
#define SL_LOAD_PROGRESS_NS   250000000LL
#define SL_LOAD_LEASE_S       30.0 /* SQLite claim: a lease not renewed for this long is free */
#define SL_LOAD_WATCH_NS      1000000000LL /* the watcher: lease renewal, ledger cancel flag */
#define SL_LOAD_WAIT_FIRST_NS 20000000LL   /* --wait: first poll of a held claim ... */
#define SL_LOAD_WAIT_MAX_NS   1000000000LL /* ... doubling up to this */

/* ---- arena: stable allocations freed all at once -------------------------- */
struct sl_arena_chunk;
struct sl_arena {
    struct sl_arena_chunk *head;
};
void *sl_arena_alloc(struct sl_arena *a, size_t n);
char *sl_arena_strndup(struct sl_arena *a, const char *s, size_t n);
void sl_arena_release(struct sl_arena *a);

/* ---- the plan: what goes where ------------------------------------------- */
struct sl_plan {
    int sqlite;        /* target dialect */
    int default_table; /* the businesses table: validate, stamp */
    char table[128];
    size_t ncols; /* columns written, in this order */
    char **cols;  /* names (owned) */
    size_t nmap;  /* source cell i goes to column map[i] (-1 = ignored) */
    int *map;
    int stamp1, stamp2;             /* created_at/updated_at column (-1 = none) */
    char stamp[40];                 /* their value: the import's start, UTC */
    int v_name, v_email, v_website; /* columns to validate (-1 = none) */
    size_t nheader;                 /* source header cells (for the rejects file) */
    char **header;
    int method; /* resolved: never DEFAULT */
    int writers;
    int converters;
    int batch_size;
    int dry_run;
    long long import_id;
    char owner[96];            /* this run's token: the fence on the ledger */
    atomic_int *remote_cancel; /* set when the ledger's cancel flag was seen */
    long long parent_id;       /* a follow-up of this import (0 = none) */
};
void sl_plan_release(struct sl_plan *p);

/* ---- blocks --------------------------------------------------------------- */
enum sl_row_state { SL_ROW_OK = 0, SL_ROW_BLANK, SL_ROW_REJECT };

struct sl_bcell {
    const char *text; /* NUL-terminated copy (arena) */
    size_t len;
};

struct sl_brow {
    long long num; /* 1-based source row */
    size_t ncells;
    struct sl_bcell *cells; /* original cells (arena) */
    const char **vals;      /* plan->ncols values, NULL = SQL NULL (arena) */
    const char *reason;     /* why rejected (arena or static) */
    char sqlstate[6];
    unsigned char state; /* enum sl_row_state, set by convert */
    unsigned char dbrej; /* the database refused it (writer) */
};

struct sl_block {
    long long batch_no;
    long long first_row, last_row;
    size_t nrows, cap;
    struct sl_brow *rows;
    struct sl_arena arena;
    /* From the ledger (resume) and then the writer: rows [0, done) are in
     * the database's ledger, with these counts. complete = nothing to do. */
    int complete;
    int converted; /* convert ran (read ahead: by the reader, before the gate) */
    long long done;
    long long inserted, rejected, blank;
    int rc; /* 0 or why the writer gave up on this block */
    struct sl_error err;
    /* The bytes in flight this block holds of the pipeline's budget
     * (pipeline.c), given back when it is freed; budget NULL: none. */
    struct sl_budget *budget;
    size_t charged;
};
struct sl_block *sl_block_new(long long batch_no, size_t cap);
/* Appends a copy of row (cells copied); 0 or SL_ENOMEM. */
int sl_block_add(struct sl_block *b, const struct sl_row *row);
/* Appends a copy of another block's source row (its cells, not its
 * conversion); 0 or SL_ENOMEM. */
int sl_block_add_copy(struct sl_block *b, const struct sl_brow *src);
void sl_block_free(struct sl_block *b);
/* The heap bytes b holds: its row array and its arena's chunks. */
size_t sl_block_bytes(const struct sl_block *b);
/* Sets what b holds of budget to n bytes: takes the growth without waiting
 * (sl_budget_force), gives back the rest. */
void sl_block_charge(struct sl_block *b, struct sl_budget *budget, size_t n);

/* ---- convert.c: values and validation ------------------------------------ */
/* Converts and validates every row of b in place (vals, state, reason). */
int sl_convert_block(const struct sl_plan *p, struct sl_block *b);
/* The rules, exposed for tests: 0 = fine, else -1 with why (one line). */
int sl_validate_email(const char *s, char *why, size_t cap);
int sl_validate_website(const char *s, char *why, size_t cap);
/* Column-name matching: lower case, spaces and underscores dropped. */
void sl_name_norm(const char *s, size_t len, char *out, size_t cap);
/* Appends cells as one CSV record (no newline) to a sl_buf, fields as the
 * rejects file writes them (base/csvw.h with SL_REJECT_CSVW: white space at
 * either end kept visible by quotes, a NUL as U+FFFD). */
struct sl_buf;
#define SL_REJECT_CSVW (SL_CSVW_QUOTE_SPACE | SL_CSVW_NUL_FFFD)
void sl_csv_record(struct sl_buf *b, const struct sl_bcell *cells, size_t n);

/* ---- schema.c: tables and the header mapping ---------------------------- */
/* Creates the businesses table (and its indexes) when missing, or checks it. */
int sl_schema_default_table(struct sl_sink *s, struct sl_error *err);
/* Builds p->cols/map from the first rows of the sheet (header.h): finds the
 * header, matches it (or --columns, --map), checks the reading against the
 * data. cols/ncols: the table's columns (ncols = 0 for the businesses
 * model). *data_from = the first data row's index in la; the header
 * decisions go into st (may be NULL). */
struct sl_lookahead;
int sl_schema_map(struct sl_plan *p, const struct sheetload_opts *o, const struct sl_lookahead *la,
                  const struct sl_sink_column *cols, size_t ncols, struct sheetload_stats *st,
                  size_t *data_from, struct sl_error *err);

/* ---- claim.c: one importer per file; DDL one at a time ------------------ */
struct sl_claim {
    long long key;     /* PostgreSQL advisory lock key of (table, sheet, sha) */
    char key_text[24]; /* SQLite lease key: the same, in hex */
    int keyed;         /* 0: no SHA-256 (standard input), nothing to claim */
    int held;
    char owner[96]; /* this run's token ("host:pid:random"): the fence */
    char host[64];
    long pid;
    char node[64];
};
void sl_claim_init(struct sl_claim *c, const char *table, const char *sheet, const char *sha,
                   const char *node);
/* 0 = taken (or nothing to claim); SL_EBUSY = another run holds it (SQLite:
 * h->host/pid of the lease filled); else an error. */
int sl_claim_try(struct sl_sink *s, struct sl_claim *c, struct sheetload_holder *h,
                 struct sl_error *err);
/* SQLite: renews the lease (0, or SL_EFENCED when another run took it).
 * PostgreSQL: 0 (the session holds the lock). */
int sl_claim_renew(struct sl_sink *s, struct sl_claim *c, struct sl_error *err);
void sl_claim_release(struct sl_sink *s, struct sl_claim *c);
/* PostgreSQL only (SQLite: 0, its writers are serialised anyway): a lock
 * on DDL about `what` ("ledger", "table:NAME"); xact = until the end of the
 * caller's transaction, else until sl_ddl_unlock. They wait. */
int sl_ddl_xact_lock(struct sl_sink *s, const char *what, struct sl_error *err);
int sl_ddl_lock(struct sl_sink *s, const char *what, struct sl_error *err);
void sl_ddl_unlock(struct sl_sink *s, const char *what);

/* ---- ledger.c: sheetload_imports / _batches / _rejects ------------------- */
struct sl_ledger_batch {
    long long batch_no, rows_total, rows_done, inserted, rejected, blank;
};
struct sl_ledger_import {
    long long id;
    char status[16];
    char started[40];
    int batch_size;
};
/* A query's text column into dst (NULL: empty); a number column (NULL: 0). */
void sl_col_text(char *dst, size_t cap, const char *v);
long long sl_col_num(const char *v);
int sl_ledger_ensure(struct sl_sink *s, struct sl_error *err);
/* The newest import of (sha, table, sheet) with a status in the list
 * ("running,failed,cancelled" or "completed"); 0 = found, SL_ENOTFOUND. */
int sl_ledger_find(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                   const char *statuses, struct sl_ledger_import *out, struct sl_error *err);
int sl_ledger_get(struct sl_sink *s, long long id, struct sl_ledger_import *out, char *sha,
                  size_t shacap, char *table, size_t tcap, char *sheet, size_t scap,
                  struct sl_error *err);
int sl_ledger_abandon(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                      struct sl_error *err);
/* Start or take over an import as p->owner (the claim's token, with c's
 * host, pid and node); from then on only batches fenced by that token
 * commit. A takeover waits for the batches of the old owner in flight
 * (PostgreSQL: SHARE lock on sheetload_batches after the UPDATE). */
int sl_ledger_start(struct sl_sink *s, const struct sl_plan *p, const struct sl_claim *c,
                    const char *sha, const char *file, const char *sheet, long long *id,
                    struct sl_error *err);
int sl_ledger_resume(struct sl_sink *s, long long id, const struct sl_plan *p,
                     const struct sl_claim *c, struct sl_error *err);
/* The newest running import of (sha, table, sheet), for "who holds it";
 * SL_ENOTFOUND when none is recorded. */
int sl_ledger_holder(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                     struct sheetload_holder *h, struct sl_error *err);
/* The watcher's look at an import: its cancel flag, and *owned: 1 while
 * owner still owns it, 0 when another run took it over, -1 when the import
 * row is gone (removed, or lost with the start-up's asynchronous commits in
 * a database restart: load.md). */
int sl_ledger_watch(struct sl_sink *s, long long id, const char *owner, int *cancel, int *owned,
                    struct sl_error *err);
/* Sets err to SL_EFENCED with the reason owned (as sl_ledger_watch's) gives;
 * returns SL_EFENCED. */
int sl_ledger_fenced(struct sl_error *err, long long id, int owned);
/* Loads every batch row of an import; *out sorted by batch_no (sl_free). */
int sl_ledger_batches(struct sl_sink *s, long long id, struct sl_ledger_batch **out, size_t *n,
                      struct sl_error *err);
int sl_ledger_batch(struct sl_sink *s, long long id, long long batch_no,
                    struct sl_ledger_batch *out, int *found, struct sl_error *err);
/* The fenced upsert of a batch's ledger row ($1..$9 = import id, batch_no,
 * first_row, last_row, rows_total, rows_done, inserted, rejected, blank;
 * $10 = the owner token) for a statement that carries it along
 * (PostgreSQL's one-statement row, writer.c): when the import is no longer
 * owned by $10 it fails with a NOT NULL violation (SL_EDBDATA), so the
 * whole statement writes nothing. */
extern const char sl_ledger_batch_sql[];
#define SL_LEDGER_BATCH_NPARAMS 10
struct sl_ledger_params {
    char v[11][24];
    const char *p[11]; /* [9] = owner (borrowed), [10] = the previous rows_done */
};
void sl_ledger_batch_params(struct sl_ledger_params *lp, const struct sl_plan *p,
                            const struct sl_block *b, long long done, long long ins, long long rej,
                            long long blank);
/* Records b's progress (rows [0, done)) and counts, inside the caller's
 * transaction, only while p->owner owns the import (a takeover waits for
 * this transaction: sl_ledger_resume) and only
 * over the ledger's row as b knew it (rows_done = b->done): a batch row is
 * never overwritten by another run. SL_EFENCED when the import was taken
 * over; *cancel = the ledger's cancel flag (may be NULL). */
int sl_ledger_put_batch(struct sl_sink *s, const struct sl_plan *p, const struct sl_block *b,
                        long long done, long long ins, long long rej, long long blank, int *cancel,
                        struct sl_error *err);
int sl_ledger_put_reject(struct sl_sink *s, long long id, const struct sl_block *b,
                         const struct sl_brow *r, struct sl_error *err);
/* Closes the entry, only while owner still owns it (a fenced run leaves
 * it to the new owner). */
int sl_ledger_finish(struct sl_sink *s, long long id, const char *owner, const char *status,
                     const struct sheetload_stats *st, struct sl_error *err);

/* ---- rejects.c ------------------------------------------------------------ */
struct sl_rejects;
struct sl_rejects *sl_rejects_new(void);
/* Keeps one rejected row (dry run, where there is no ledger). */
int sl_rejects_add(struct sl_rejects *rj, const struct sl_brow *r);
/* Writes the file: from the list, or from the ledger when s != NULL. Sets
 * *written = rows written (0 = no file created). */
int sl_rejects_write(struct sl_rejects *rj, struct sl_sink *s, long long import_id,
                     const struct sl_plan *p, const char *path, long long *written,
                     struct sl_error *err);
void sl_rejects_free(struct sl_rejects *rj);
/* Writes import_id's rejects from the ledger on s to f, in the rejects
 * file's format (a header line even when there are none; the header names
 * row,reason,sqlstate only: the ledger does not keep the file's column
 * names). *written = rows written. */
int sl_rejects_stream(struct sl_sink *s, long long import_id, FILE *f, long long *written,
                      struct sl_error *err);
/* The target an import or a ledger question goes to: db (NULL: not given;
 * "" is libpq's PG* variables), else $DATABASE_URL, else
 * SL_LOAD_DEFAULT_TARGET (borrowed). */
const char *sl_load_target(const char *db);

/* ---- indexes.c: "load first, index after" (issue 7 fills these in) ------- */
int sl_indexes_prepare(struct sl_sink *s, const struct sl_plan *p, int keep, struct sl_error *err);

/* ---- writer.c: one writer stage's work on one block ---------------------- */
struct sl_ctx;
struct sl_writer {
    struct sl_sink *sink; /* owned by this writer's thread */
    const struct sl_plan *plan;
    struct sl_ctx *ctx;
    unsigned seed;         /* jitter */
    void *owner;           /* the pipeline */
    atomic_llong *settled; /* rows settled, for the progress line (shared) */
    const char **scratch;  /* values of one attempt */
    size_t scratch_cap;
    size_t *idx;
    size_t idx_cap;
};
/* Writes every row of b from b->done on, with the plan's method; fills
 * b's counts. Never inserts a row twice (retries reload the ledger). */
int sl_writer_block(struct sl_writer *w, struct sl_block *b);
void sl_writer_release(struct sl_writer *w);

/* ---- pipeline.c: the threads of one import -------------------------------- */
struct sl_pipeline_in {
    const struct sheetload_opts *opts;
    const struct sl_plan *plan;
    struct sl_reader *reader; /* positioned after the header */
    const struct sl_row *pre; /* data rows already read (the lookahead's) */
    size_t npre;
    long long prev_row;                 /* number of the row before the data (the
                                         * header), 0 when unknown: gaps after it
                                         * are blank rows */
    struct sl_sink **sinks;             /* plan->writers, borrowed: the caller closes them after
                                           the run (writer i uses sinks[i]); NULL in dry run */
    const struct sl_ledger_batch *done; /* resume: ledger batches, sorted */
    size_t ndone;
    struct sl_ctx *ctx;
    struct sl_rejects *rejects; /* dry run */
    int64_t t0;
    /* out */
    long long rows_read; /* data rows the reader delivered */
    int eof;             /* the reader reached the end of the sheet */
};
/* Starts the reader alone (read ahead: it cuts the first block and waits
 * for the run); in must stay put until sl_pipeline_free, and the caller may
 * still write the plan's ledger fields (import_id, owner, batch_size) and
 * in->sinks/done/ndone/rejects until sl_pipeline_run. NULL with err set when
 * it cannot start. */
struct sl_pipe;
struct sl_pipe *sl_pipeline_start(struct sl_pipeline_in *in, struct sl_error *err);
/* Runs every stage to the end; once. */
int sl_pipeline_run(struct sl_pipe *pp, struct sheetload_stats *st);
/* Stops a reader that still runs (no run came: the claim or the ledger
 * said no), joins it, frees what is left. NULL is fine. */
void sl_pipeline_free(struct sl_pipe *pp);

/* ---- stop.c: the public stop handle ------------------------------------- */
/* The context behind a handle (borrowed); NULL for NULL. */
struct sl_ctx *sl_stop_ctx(struct sheetload_stop *c);

/* ---- stats.c -------------------------------------------------------------- */
void sl_go_duration(double seconds, char *out, size_t cap);

#endif
