/* ledger.c - the import ledger that makes an import exactly-once:
 * sheetload_imports (one row per import), sheetload_batches (one row per
 * batch, committed in the batch's own transaction) and sheetload_rejects
 * (the rejected rows, committed with their batch). The same SQL serves both
 * dialects except for the column types of the CREATE statements. Every
 * function runs on the connection it is given, by the thread that owns it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "load/load.h"

/* The columns of sheetload_imports added for claims and fencing (issue
 * 10): a ledger made by an older sheetload gets them by ALTER TABLE. The
 * last one is the marker that the ledger is up to date. */
static const char *const imports_new_cols[][2] = {
    {"owner", "text"}, /* the token of the run that owns the import */
    {"host", "text"},  /* ... its host, process and serve node */
    {"pid", "integer"},
    {"node", "text"},
    {"cancel_requested", "integer NOT NULL DEFAULT 0"}, /* DELETE /imports/ID on any node */
    {"parent_id", "bigint"}, /* a follow-up (fixed rejects) of this import */
};
#define NNEW   (sizeof imports_new_cols / sizeof imports_new_cols[0])
#define MARKER "parent_id" /* the newest column: a ledger that has it has them all */

static const char *const pg_ddl[] = {
    "CREATE TABLE IF NOT EXISTS sheetload_imports (id bigserial PRIMARY KEY, "
    "file_sha256 text NOT NULL, file_name text, sheet text, target_table text NOT NULL, "
    "method text, batch_size integer, status text NOT NULL, started_at timestamptz, "
    "finished_at timestamptz, total_records bigint NOT NULL DEFAULT 0, "
    "success_count bigint NOT NULL DEFAULT 0, error_count bigint NOT NULL DEFAULT 0, "
    "skipped_blank bigint NOT NULL DEFAULT 0, message text)",
    "CREATE INDEX IF NOT EXISTS sheetload_imports_file ON sheetload_imports "
    "(file_sha256, target_table)",
    "CREATE TABLE IF NOT EXISTS sheetload_batches (import_id bigint NOT NULL, "
    "batch_no bigint NOT NULL, first_row bigint, last_row bigint, rows_total integer, "
    "rows_done integer NOT NULL DEFAULT 0, rows_inserted integer NOT NULL DEFAULT 0, "
    "rows_rejected integer NOT NULL DEFAULT 0, rows_blank integer NOT NULL DEFAULT 0, "
    "PRIMARY KEY (import_id, batch_no))",
    "CREATE TABLE IF NOT EXISTS sheetload_rejects (import_id bigint NOT NULL, "
    "batch_no bigint NOT NULL, row_num bigint NOT NULL, reason text, sqlstate text, "
    "vals text, PRIMARY KEY (import_id, row_num))",
    NULL,
};
static const char *const lite_ddl[] = {
    "CREATE TABLE IF NOT EXISTS sheetload_imports (id integer PRIMARY KEY AUTOINCREMENT, "
    "file_sha256 text NOT NULL, file_name text, sheet text, target_table text NOT NULL, "
    "method text, batch_size integer, status text NOT NULL, started_at datetime, "
    "finished_at datetime, total_records integer NOT NULL DEFAULT 0, "
    "success_count integer NOT NULL DEFAULT 0, error_count integer NOT NULL DEFAULT 0, "
    "skipped_blank integer NOT NULL DEFAULT 0, message text)",
    "CREATE INDEX IF NOT EXISTS sheetload_imports_file ON sheetload_imports "
    "(file_sha256, target_table)",
    "CREATE TABLE IF NOT EXISTS sheetload_batches (import_id integer NOT NULL, "
    "batch_no integer NOT NULL, first_row integer, last_row integer, rows_total integer, "
    "rows_done integer NOT NULL DEFAULT 0, rows_inserted integer NOT NULL DEFAULT 0, "
    "rows_rejected integer NOT NULL DEFAULT 0, rows_blank integer NOT NULL DEFAULT 0, "
    "PRIMARY KEY (import_id, batch_no))",
    "CREATE TABLE IF NOT EXISTS sheetload_rejects (import_id integer NOT NULL, "
    "batch_no integer NOT NULL, row_num integer NOT NULL, reason text, sqlstate text, "
    "vals text, PRIMARY KEY (import_id, row_num))",
    /* The claims' leases (claim.c); PostgreSQL uses advisory locks. */
    "CREATE TABLE IF NOT EXISTS sheetload_claims (claim_key text PRIMARY KEY, "
    "owner text NOT NULL, host text, pid integer, node text, expires_at real NOT NULL)",
    NULL,
};

static int str_cb(void *arg, int ncols, const char *const *v)
{
    char *out = arg;
    sl_strlcpy(out, ncols > 0 && v[0] ? v[0] : "", 32);
    return 0;
}

/* Does sheetload_imports have column `name`? (No table: no.) */
static int has_col(struct sl_sink *s, const char *name, int *yes, struct sl_error *err)
{
    char v[32] = "";
    const char *params[1] = {name};
    int rc = sl_sink_query(
        s,
        sl_sink_dialect(s) == SL_DIALECT_PG
            ? "SELECT count(*) FROM pg_attribute WHERE attrelid = "
              "to_regclass('sheetload_imports') AND attname = $1 AND NOT attisdropped"
            : "SELECT count(*) FROM pragma_table_info('sheetload_imports') WHERE name = $1",
        1, params, str_cb, v, err);
    *yes = v[0] != '\0' && v[0] != '0';
    return rc;
}

/* Inside the DDL transaction: the tables, then the columns they lack. */
static int ddl_script(struct sl_sink *s, struct sl_error *err)
{
    int pg = sl_sink_dialect(s) == SL_DIALECT_PG;
    const char *const *ddl = pg ? pg_ddl : lite_ddl;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    for (size_t i = 0; ddl[i]; i++) {
        sl_buf_addstr(&b, ddl[i]);
        sl_buf_addstr(&b, ";\n");
    }
    int rc = b.err ? sl_err_set(err, SL_ENOMEM, "out of memory creating the ledger tables")
                   : sl_sink_exec(s, b.data, 0, NULL, err);
    sl_buf_release(&b);
    for (size_t i = 0; i < NNEW && !rc; i++) {
        int yes = 0;
        char sql[200];
        if ((rc = has_col(s, imports_new_cols[i][0], &yes, err)) || yes)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE sheetload_imports ADD COLUMN %s %s",
                 imports_new_cols[i][0], imports_new_cols[i][1]);
        rc = sl_sink_exec(s, sql, 0, NULL, err);
    }
    return rc;
}

int sl_ledger_ensure(struct sl_sink *s, struct sl_error *err)
{
    /* Up to date already (every import but a database's first): no DDL,
     * no lock. Otherwise one transaction under the DDL lock (PostgreSQL:
     * an advisory lock; SQLite: BEGIN IMMEDIATE), so that imports starting
     * at once into an empty database do not race on CREATE TABLE. */
    int yes = 0;
    int rc = has_col(s, MARKER, &yes, err);
    if (rc || yes)
        return rc;
    if ((rc = sl_sink_begin(s, err)))
        return rc;
    rc = sl_ddl_xact_lock(s, "ledger", err);
    if (!rc)
        rc = ddl_script(s, err);
    return sl_sink_end(s, rc, err);
}

/* Now, UTC, as the ledger stores it. */
static void now_text(char *out, size_t cap)
{
    sl_utc_text(out, cap, 0);
}

static void stamp(struct sl_sink *s, char *out, size_t cap)
{
    now_text(out, cap);
    if (sl_sink_dialect(s) == SL_DIALECT_PG) {
        size_t n = strlen(out);
        sl_strlcpy(out + n, "+00", cap - n);
    }
}

long long sl_col_num(const char *v)
{
    return v ? strtoll(v, NULL, 10) : 0;
}

void sl_col_text(char *dst, size_t cap, const char *v)
{
    sl_strlcpy(dst, v ? v : "", cap);
}

static int get_import_cb(void *arg, int ncols, const char *const *v)
{
    struct sl_ledger_import *o = arg;
    if (ncols < 4)
        return 0;
    o->id = sl_col_num(v[0]);
    sl_col_text(o->status, sizeof o->status, v[1]);
    sl_col_text(o->started, sizeof o->started, v[2]);
    o->batch_size = (int)sl_col_num(v[3]);
    return 0;
}

int sl_ledger_find(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                   const char *statuses, struct sl_ledger_import *out, struct sl_error *err)
{
    const char *params[4] = {sha, table, sheet ? sheet : "", statuses};
    memset(out, 0, sizeof *out);
    const char *sql = "SELECT id, status, started_at, batch_size FROM sheetload_imports "
                      "WHERE file_sha256 = $1 AND target_table = $2 AND coalesce(sheet, '') = $3 "
                      "AND ',' || $4 || ',' LIKE '%,' || status || ',%' ORDER BY id DESC LIMIT 1";
    int rc = sl_sink_query(s, sql, 4, params, get_import_cb, out, err);
    if (rc)
        return rc;
    return out->id ? 0 : SL_ENOTFOUND;
}

struct get_one {
    struct sl_ledger_import *imp;
    char *sha, *table, *sheet;
    size_t shacap, tcap, scap;
};

static int get_one_cb(void *arg, int ncols, const char *const *v)
{
    struct get_one *g = arg;
    get_import_cb(g->imp, ncols, v);
    if (ncols >= 7) {
        sl_col_text(g->sha, g->shacap, v[4]);
        sl_col_text(g->table, g->tcap, v[5]);
        sl_col_text(g->sheet, g->scap, v[6]);
    }
    return 0;
}

int sl_ledger_get(struct sl_sink *s, long long id, struct sl_ledger_import *out, char *sha,
                  size_t shacap, char *table, size_t tcap, char *sheet, size_t scap,
                  struct sl_error *err)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    struct get_one g = {out, sha, table, sheet, shacap, tcap, scap};
    memset(out, 0, sizeof *out);
    int rc = sl_sink_query(s,
                           "SELECT id, status, started_at, batch_size, file_sha256, target_table, "
                           "coalesce(sheet, '') FROM sheetload_imports WHERE id = $1",
                           1, params, get_one_cb, &g, err);
    if (rc)
        return rc;
    return out->id ? 0 : SL_ENOTFOUND;
}

int sl_ledger_abandon(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                      struct sl_error *err)
{
    char now[48];
    stamp(s, now, sizeof now);
    const char *params[4] = {sha, table, sheet ? sheet : "", now};
    return sl_sink_exec(s,
                        "UPDATE sheetload_imports SET status = 'abandoned', finished_at = $4 "
                        "WHERE file_sha256 = $1 AND target_table = $2 AND coalesce(sheet, '') = $3 "
                        "AND status IN ('running', 'failed', 'cancelled')",
                        4, params, err);
}

static int id_cb(void *arg, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(long long *)arg = sl_col_num(v[0]);
    return 0;
}

int sl_ledger_start(struct sl_sink *s, const struct sl_plan *p, const struct sl_claim *c,
                    const char *sha, const char *file, const char *sheet, long long *id,
                    struct sl_error *err)
{
    char now[48], bs[24], pid[24];
    stamp(s, now, sizeof now);
    snprintf(bs, sizeof bs, "%d", p->batch_size);
    char parent[24];
    snprintf(pid, sizeof pid, "%ld", c->pid);
    snprintf(parent, sizeof parent, "%lld", p->parent_id);
    const char *params[12] = {sha,
                              file,
                              sheet ? sheet : "",
                              p->table,
                              sheetload_method_name(p->method),
                              bs,
                              now,
                              p->owner,
                              c->host,
                              pid,
                              c->node[0] ? c->node : NULL,
                              p->parent_id > 0 ? parent : NULL};
    *id = 0;
    int rc = sl_sink_query(s,
                           "INSERT INTO sheetload_imports (file_sha256, file_name, sheet, "
                           "target_table, method, batch_size, status, started_at, owner, host, "
                           "pid, node, parent_id) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, "
                           "$8, $9, $10, $11, $12) RETURNING id",
                           12, params, id_cb, id, err);
    if (!rc && !*id)
        rc = sl_err_set(err, SL_EDB, "the ledger gave no id for the new import");
    return rc;
}

int sl_ledger_resume(struct sl_sink *s, long long id, const struct sl_plan *p,
                     const struct sl_claim *c, struct sl_error *err)
{
    /* The takeover: from its commit on, a statement of the old owner that
     * records a batch sees the new owner and writes nothing. One that began
     * before (its snapshot is older) may still commit: on PostgreSQL a
     * SHARE lock on sheetload_batches, taken after the UPDATE, waits for
     * every transaction that wrote to it (a statement takes its table lock
     * before its snapshot), so the batches read after this are all there
     * are. A row lock per batch would do the same, but costs a WAL record
     * per row on the per-row methods. SQLite: writers are serialised. */
    char ids[32], pid[24];
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(pid, sizeof pid, "%ld", c->pid);
    const char *params[6] = {ids, sheetload_method_name(p->method), p->owner, c->host,
                             pid, c->node[0] ? c->node : NULL};
    int rc = sl_sink_exec(s,
                          "UPDATE sheetload_imports SET status = 'running', method = $2, "
                          "finished_at = NULL, owner = $3, host = $4, pid = $5, node = $6, "
                          "cancel_requested = 0 WHERE id = $1",
                          6, params, err);
    if (rc || sl_sink_dialect(s) != SL_DIALECT_PG)
        return rc;
    if ((rc = sl_sink_begin(s, err)))
        return rc;
    rc = sl_sink_exec(s, "LOCK TABLE sheetload_batches IN SHARE MODE", 0, NULL, err);
    return sl_sink_end(s, rc, err);
}

static int holder_cb(void *arg, int ncols, const char *const *v)
{
    struct sheetload_holder *h = arg;
    if (ncols < 5)
        return 0;
    h->import_id = sl_col_num(v[0]);
    sl_col_text(h->started, sizeof h->started, v[1]);
    sl_col_text(h->host, sizeof h->host, v[2]);
    h->pid = (long)sl_col_num(v[3]);
    sl_col_text(h->node, sizeof h->node, v[4]);
    return 0;
}

int sl_ledger_holder(struct sl_sink *s, const char *sha, const char *table, const char *sheet,
                     struct sheetload_holder *h, struct sl_error *err)
{
    const char *params[3] = {sha, table, sheet ? sheet : ""};
    struct sheetload_holder found;
    memset(&found, 0, sizeof found);
    int rc = sl_sink_query(s,
                           "SELECT id, started_at, host, pid, node FROM sheetload_imports "
                           "WHERE file_sha256 = $1 AND target_table = $2 AND "
                           "coalesce(sheet, '') = $3 AND status = 'running' "
                           "ORDER BY id DESC LIMIT 1",
                           3, params, holder_cb, &found, err);
    if (rc)
        return rc;
    if (!found.import_id)
        return SL_ENOTFOUND;
    *h = found;
    return 0;
}

struct watch {
    const char *owner;
    int *cancel, *owned;
};

static int watch_cb(void *arg, int ncols, const char *const *v)
{
    struct watch *w = arg;
    if (ncols < 2)
        return 0;
    *w->cancel = v[0] && strcmp(v[0], "0") != 0;
    *w->owned = v[1] && !strcmp(v[1], w->owner) ? 1 : 0;
    return 0;
}

int sl_ledger_watch(struct sl_sink *s, long long id, const char *owner, int *cancel, int *owned,
                    struct sl_error *err)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    struct watch w = {owner, cancel, owned};
    *cancel = 0;
    *owned = -1; /* stays so when no row answers */
    return sl_sink_query(s, "SELECT cancel_requested, owner FROM sheetload_imports WHERE id = $1",
                         1, params, watch_cb, &w, err);
}

struct batches {
    struct sl_ledger_batch *v;
    size_t n, cap;
};

static int batch_row(struct sl_ledger_batch *b, int ncols, const char *const *v)
{
    if (ncols < 6)
        return SL_EDB;
    long long *f[6] = {&b->batch_no, &b->rows_total, &b->rows_done,
                       &b->inserted, &b->rejected,   &b->blank};
    for (int i = 0; i < 6; i++)
        *f[i] = sl_col_num(v[i]);
    return 0;
}

static int batches_cb(void *arg, int ncols, const char *const *v)
{
    struct batches *bs = arg;
    if (bs->n == bs->cap) {
        size_t cap = bs->cap ? bs->cap * 2 : 64;
        struct sl_ledger_batch *nv = sl_realloc(bs->v, cap * sizeof *nv);
        if (!nv)
            return SL_ENOMEM;
        bs->v = nv;
        bs->cap = cap;
    }
    int rc = batch_row(&bs->v[bs->n], ncols, v);
    if (!rc)
        bs->n++;
    return rc;
}

#define BATCH_COLS "batch_no, rows_total, rows_done, rows_inserted, rows_rejected, rows_blank"

int sl_ledger_batches(struct sl_sink *s, long long id, struct sl_ledger_batch **out, size_t *n,
                      struct sl_error *err)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    struct batches bs = {0};
    int rc = sl_sink_query(s,
                           "SELECT " BATCH_COLS " FROM sheetload_batches WHERE import_id = $1 "
                           "ORDER BY batch_no",
                           1, params, batches_cb, &bs, err);
    if (rc) {
        sl_free(bs.v);
        if (rc == SL_ENOMEM)
            sl_err_set(err, rc, "out of memory reading the ledger");
        return rc;
    }
    *out = bs.v;
    *n = bs.n;
    return 0;
}

struct one_batch {
    struct sl_ledger_batch *b;
    int *found;
};

static int one_batch_cb(void *arg, int ncols, const char *const *v)
{
    struct one_batch *o = arg;
    if (batch_row(o->b, ncols, v) == 0)
        *o->found = 1;
    return 0;
}

int sl_ledger_batch(struct sl_sink *s, long long id, long long batch_no,
                    struct sl_ledger_batch *out, int *found, struct sl_error *err)
{
    char ids[32], bn[32];
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(bn, sizeof bn, "%lld", batch_no);
    const char *params[2] = {ids, bn};
    struct one_batch o = {out, found};
    *found = 0;
    memset(out, 0, sizeof *out);
    return sl_sink_query(s,
                         "SELECT " BATCH_COLS " FROM sheetload_batches WHERE import_id = $1 "
                         "AND batch_no = $2",
                         2, params, one_batch_cb, &o, err);
}

/* The fence: a NULL import id when $1 is no longer owned by $10, which the
 * NOT NULL of import_id turns into an error that undoes the whole
 * statement (the row inserted with it included). */
const char sl_ledger_batch_sql[] =
    "INSERT INTO sheetload_batches (import_id, batch_no, first_row, last_row, "
    "rows_total, rows_done, rows_inserted, rows_rejected, rows_blank) VALUES "
    "((SELECT id FROM sheetload_imports WHERE id = $1 AND owner = $10), "
    "$2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (import_id, batch_no) "
    "DO UPDATE SET rows_done = excluded.rows_done, "
    "rows_inserted = excluded.rows_inserted, "
    "rows_rejected = excluded.rows_rejected, rows_blank = excluded.rows_blank";

/* The same in a transaction, both dialects: inserted only while $10 owns
 * the import (a statement that starts after a takeover committed sees the
 * new owner; one that started before is waited for by the takeover,
 * sl_ledger_resume), updated only over the row this run last wrote ($11 =
 * its rows_done). RETURNING says whether it was written, and the cancel
 * flag. */
#define PUT_BATCH                                                                            \
    "INSERT INTO sheetload_batches (import_id, batch_no, first_row, last_row, "              \
    "rows_total, rows_done, rows_inserted, rows_rejected, rows_blank) "                      \
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM sheetload_imports "                      \
    "WHERE id = $1 AND owner = $10 ON CONFLICT (import_id, batch_no) "                       \
    "DO UPDATE SET rows_done = excluded.rows_done, rows_inserted = excluded.rows_inserted, " \
    "rows_rejected = excluded.rows_rejected, rows_blank = excluded.rows_blank "              \
    "WHERE sheetload_batches.rows_done = $11 "                                               \
    "RETURNING (SELECT cancel_requested FROM sheetload_imports WHERE id = $1)"
static const char put_batch[] = PUT_BATCH;

void sl_ledger_batch_params(struct sl_ledger_params *lp, const struct sl_plan *p,
                            const struct sl_block *b, long long done, long long ins, long long rej,
                            long long blank)
{
    long long nums[11] = {p->import_id, b->batch_no, b->first_row, b->last_row, (long long)b->nrows,
                          done,         ins,         rej,          blank,       0,
                          b->done};
    for (int i = 0; i < 11; i++) {
        snprintf(lp->v[i], sizeof lp->v[i], "%lld", nums[i]);
        lp->p[i] = lp->v[i];
    }
    lp->p[9] = p->owner;
}

struct put {
    int written, cancel;
};

static int put_cb(void *arg, int ncols, const char *const *v)
{
    struct put *o = arg;
    o->written = 1;
    o->cancel = ncols > 0 && v[0] && strcmp(v[0], "0") != 0;
    return 0;
}

int sl_ledger_fenced(struct sl_error *err, long long id, int owned)
{
    if (owned < 0)
        return sl_err_set(err, SL_EFENCED,
                          "import %lld is no longer in the ledger (removed, or lost in a "
                          "database restart before its first batch committed); this run "
                          "stops and writes nothing more: run the import again",
                          id);
    return sl_err_set(err, SL_EFENCED,
                      "lost the claim on import %lld: another run took it over; this "
                      "run stops and writes nothing more",
                      id);
}

int sl_ledger_put_batch(struct sl_sink *s, const struct sl_plan *p, const struct sl_block *b,
                        long long done, long long ins, long long rej, long long blank, int *cancel,
                        struct sl_error *err)
{
    struct sl_ledger_params lp;
    struct put o = {0, 0};
    sl_ledger_batch_params(&lp, p, b, done, ins, rej, blank);
    int rc = sl_sink_query(s, put_batch, 11, lp.p, put_cb, &o, err);
    if (rc)
        return rc;
    if (cancel)
        *cancel = o.cancel;
    if (o.written)
        return 0;
    /* Not written: the fence, or (never under the fence) another writer. */
    int c = 0, owned = 0;
    struct sl_error e;
    sl_err_clear(&e);
    if (sl_ledger_watch(s, p->import_id, p->owner, &c, &owned, &e) == 0 && owned != 1)
        return sl_ledger_fenced(err, p->import_id, owned);
    return sl_err_set(err, SL_EDB,
                      "batch %lld of import %lld is recorded already with other "
                      "progress than this run's; stopping",
                      b->batch_no, p->import_id);
}

int sl_ledger_put_reject(struct sl_sink *s, long long id, const struct sl_block *b,
                         const struct sl_brow *r, struct sl_error *err)
{
    char ids[32], bn[32], rn[32];
    struct sl_buf vals;
    snprintf(ids, sizeof ids, "%lld", id);
    snprintf(bn, sizeof bn, "%lld", b->batch_no);
    snprintf(rn, sizeof rn, "%lld", r->num);
    sl_buf_init(&vals, 0);
    sl_csv_record(&vals, r->cells, r->ncells);
    if (vals.err)
        return sl_err_set(err, SL_ENOMEM, "out of memory recording a rejected row");
    const char *params[6] = {
        ids, bn, rn, r->reason ? r->reason : "", r->sqlstate, vals.data ? vals.data : ""};
    int rc = sl_sink_exec(s,
                          "INSERT INTO sheetload_rejects (import_id, batch_no, row_num, reason, "
                          "sqlstate, vals) VALUES ($1, $2, $3, $4, $5, $6) "
                          "ON CONFLICT (import_id, row_num) DO NOTHING",
                          6, params, err);
    sl_buf_release(&vals);
    return rc;
}

static int status_cb(void *arg, int ncols, const char *const *v)
{
    sl_strlcpy(arg, ncols > 0 && v[0] ? v[0] : "", 16);
    return 0;
}

int sheetload_cancel(const char *db, long long id, char *status, size_t cap, struct sl_error *err)
{
    const char *env = getenv("DATABASE_URL");
    const char *target = db ? db : env && *env ? env : SL_LOAD_DEFAULT_TARGET;
    struct sl_sink *s = NULL;
    char ids[32], was[16] = "";
    snprintf(ids, sizeof ids, "%lld", id);
    const char *params[1] = {ids};
    int rc = sl_sink_open(&s, target, err);
    if (!rc)
        rc = sl_sink_query(s,
                           "UPDATE sheetload_imports SET cancel_requested = 1 WHERE id = $1 AND "
                           "status = 'running' RETURNING status",
                           1, params, status_cb, was, err);
    if (!rc && !was[0])
        rc = sl_sink_query(s, "SELECT status FROM sheetload_imports WHERE id = $1", 1, params,
                           status_cb, was, err);
    if (!rc && !was[0])
        rc = sl_err_set(err, SL_ENOTFOUND, "there is no import %lld in the ledger", id);
    if (s)
        sl_sink_close(s);
    if (!rc && status && cap)
        sl_strlcpy(status, was, cap);
    return rc;
}

int sl_ledger_finish(struct sl_sink *s, long long id, const char *owner, const char *status,
                     const struct sheetload_stats *st, struct sl_error *err)
{
    char v[6][32], now[48];
    long long nums[6] = {
        id, st->total_records, st->success_count, st->error_count, st->skipped_blank, 0};
    for (int i = 0; i < 5; i++)
        snprintf(v[i], sizeof v[i], "%lld", nums[i]);
    stamp(s, now, sizeof now);
    const char *params[9] = {
        v[0], v[1], v[2], v[3], v[4], status, now, st->err.code ? st->err.msg : NULL, owner};
    return sl_sink_exec(s,
                        "UPDATE sheetload_imports SET total_records = $2, success_count = $3, "
                        "error_count = $4, skipped_blank = $5, status = $6, finished_at = $7, "
                        "message = $8 WHERE id = $1 AND owner = $9",
                        9, params, err);
}
