/* import.c - sheetload_import(): one import from start to end, on the
 * calling thread: resolve the target, open the file, map its header, find
 * or start the import in the ledger, run the pipeline (pipeline.c), then
 * close the ledger entry and write the rejects file. No global state: every
 * piece of an import lives in this call's frame. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "load/fingerprint.h"
#include "conc/backoff.h"
#include "conc/ctx.h"
#include "load/header.h"
#include "load/indexes.h"
#include "load/load.h"

/* One connection being opened on a thread of its own (PostgreSQL), so that
 * the control connection and every writer's connect at once, while the
 * reader reads the first row. */
struct conn_job {
    pthread_t th;
    const char *target;
    struct sl_sink *s;   /* written by the job's thread until joined */
    struct sl_error err; /* likewise */
    int rc;
    int started, joined;
};

struct run {
    const struct sheetload_opts *o;
    /* The file's SHA-256, computed on a thread of its own while the reader
     * opens and the connections are made; st->sha256, hash_rc and
     * hash_errno are written by that thread until hash_wait joins it. */
    pthread_t hash_th;
    int hash_started, hash_rc, hash_errno;
    struct conn_job *jobs; /* [0] control, [1..] writers; NULL = connect in place */
    int njobs;
    struct sheetload_stats *st;
    struct sl_plan plan;
    const char *target;
    struct sl_reader *reader;
    struct sl_sink *ctl;
    struct sl_sink **sinks;
    int nsinks;
    struct sl_ctx *ctx;
    struct sl_ledger_batch *done;
    size_t ndone;
    struct sl_rejects *rejects;
    /* The pipeline, started (its reader reading ahead) once the header is
     * mapped, run once the ledger has spoken; in is its input. */
    struct sl_pipeline_in in;
    struct sl_pipe *pipe;
    int ctl_async; /* the control connection commits without waiting for the flush */
    char sheet[128];
    int64_t t0;
    /* The claim (claim.c) and the watcher: while the pipeline runs, a
     * thread of its own owns ctl, renews the SQLite lease and reads the
     * ledger's cancel flag and owner every SL_LOAD_WATCH_NS; it stops when
     * wctx is cancelled and is joined before ctl is used again. */
    struct sl_claim claim;
    pthread_t watch_th;
    int watch_started;
    struct sl_ctx *wctx;
    atomic_int remote_cancel; /* the ledger's cancel flag was seen */
    atomic_int fenced;        /* 1: another run took the import over; -1: its row is gone */
};

static int cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

static void utc_stamp(char *out, size_t cap, int pg)
{
    sl_utc_text(out, cap, pg);
}

/* NAME.rejects.csv beside the input. */
static void default_rejects(const char *file, char *out, size_t cap)
{
    const char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - file) : strlen(file);
    snprintf(out, cap, "%.*s.rejects.csv", (int)n, file);
}

static int settle_plan(struct run *r)
{
    const struct sheetload_opts *o = r->o;
    struct sl_plan *p = &r->plan;
    struct sl_error *err = &r->st->err;
    if (o->method < 0 || o->method > SHEETLOAD_COPY)
        return sl_err_set(err, SL_EINVAL, "unknown method %d", o->method);
    if (o->batch_size < 0 || o->batch_size > SL_LOAD_MAX_BATCH)
        return sl_err_set(err, SL_EINVAL, "batch size %d is out of range (1..%d)", o->batch_size,
                          SL_LOAD_MAX_BATCH);
    if (o->workers < 0 || o->workers > SL_LOAD_MAX_WORKERS)
        return sl_err_set(err, SL_EINVAL, "workers %d is out of range (1..%d)", o->workers,
                          SL_LOAD_MAX_WORKERS);
    if (o->header_row < SHEETLOAD_HEADER_NONE || o->header_row > SL_HEADER_MAX_ROW)
        return sl_err_set(err, SL_EINVAL, "header row %lld is out of range (1..%lld)",
                          o->header_row, SL_HEADER_MAX_ROW);
    p->method = o->method ? o->method : p->sqlite ? SHEETLOAD_BATCH : SHEETLOAD_COPY;
    p->batch_size = o->batch_size ? o->batch_size : SL_LOAD_DEFAULT_BATCH;
    if (p->sqlite || p->method == SHEETLOAD_SEQUENTIAL)
        p->writers = 1;
    else if (o->workers)
        p->writers = o->workers;
    else
        p->writers = cpus() < SL_LOAD_MAX_WRITERS ? cpus() : SL_LOAD_MAX_WRITERS;
    p->converters = cpus() < SL_LOAD_MAX_CONVERTERS ? cpus() : SL_LOAD_MAX_CONVERTERS;
    p->dry_run = o->dry_run;
    p->parent_id = o->parent_id > 0 ? o->parent_id : 0;
    p->default_table = !o->table;
    sl_strlcpy(p->table, o->table ? o->table : SL_LOAD_DEFAULT_TABLE, sizeof p->table);
    if (!*p->table)
        return sl_err_set(err, SL_EINVAL, "the table name is empty");
    utc_stamp(p->stamp, sizeof p->stamp, !p->sqlite);
    return 0;
}

static void *conn_main(void *arg)
{
    struct conn_job *j = arg;
    j->rc = sl_sink_open(&j->s, j->target, &j->err);
    return NULL;
}

/* Starts opening the control and the writers' connections (PostgreSQL
 * only: SQLite opens a local file). A job that cannot start leaves its
 * connection to be opened in place. */
static void connect_early(struct run *r)
{
    if (r->plan.sqlite || r->plan.dry_run)
        return;
    int n = r->plan.writers + 1;
    r->jobs = sl_calloc((size_t)n, sizeof *r->jobs);
    if (!r->jobs)
        return;
    r->njobs = n;
    for (int i = 0; i < n; i++) {
        r->jobs[i].target = r->target;
        sl_err_clear(&r->jobs[i].err);
        r->jobs[i].started = pthread_create(&r->jobs[i].th, NULL, conn_main, &r->jobs[i]) == 0;
    }
}

/* Connection i (0 = control, 1.. = writers): the early one, or opened now. */
static int open_conn(struct run *r, int i, struct sl_sink **out, struct sl_error *err)
{
    struct conn_job *j = i < r->njobs ? &r->jobs[i] : NULL;
    if (!j || !j->started || j->joined)
        return sl_sink_open(out, r->target, err);
    pthread_join(j->th, NULL);
    j->joined = 1;
    if (j->rc) {
        if (!err->code)
            *err = j->err;
        return j->rc;
    }
    *out = j->s;
    j->s = NULL;
    return 0;
}

static int keep_indexes(const struct sheetload_opts *o, int sqlite);

/* A connection's own caches (SQLite's pages): a share of the budget, at
 * most SL_LOAD_CACHE_MAX. Rows loaded into a table whose indexes stay
 * update every index at random: a cache too small for their pages turns
 * each miss into a read (1M rows, six indexes: 56 s with 4 MiB, 43 s with
 * 32), so it gets SL_LOAD_CACHE_SHARE_KEPT; rows appended before the
 * indexes are built need few pages, and the build's sorter takes as much
 * again, so SL_LOAD_CACHE_SHARE. */
static int take_conn(struct run *r, int i, struct sl_sink **out, struct sl_error *err)
{
    int rc = open_conn(r, i, out, err);
    if (rc)
        return rc;
    uint64_t mem = r->o->limits.max_memory ? r->o->limits.max_memory : SL_LOAD_INFLIGHT_DEFAULT;
    uint64_t cache =
        mem / (keep_indexes(r->o, r->plan.sqlite) ? SL_LOAD_CACHE_SHARE_KEPT : SL_LOAD_CACHE_SHARE);
    if (cache > SL_LOAD_CACHE_MAX)
        cache = SL_LOAD_CACHE_MAX;
    rc = sl_sink_set_cache(*out, cache, err);
    if (rc) {
        sl_sink_close(*out);
        *out = NULL;
    }
    return rc;
}

static void jobs_free(struct run *r)
{
    for (int i = 0; i < r->njobs; i++) {
        struct conn_job *j = &r->jobs[i];
        if (j->started && !j->joined)
            pthread_join(j->th, NULL);
        if (j->s)
            sl_sink_close(j->s);
    }
    sl_free(r->jobs);
    r->jobs = NULL;
    r->njobs = 0;
}

static void *hash_main(void *arg)
{
    struct run *r = arg;
    errno = 0;
    r->hash_rc = sl_fingerprint_file(r->o->file, r->st->sha256);
    r->hash_errno = errno;
    return NULL;
}

/* Starts hashing (not standard input); where no thread can start, hashes
 * in place. */
static void hash_start(struct run *r)
{
    if (!strcmp(r->o->file, "-"))
        return;
    if (pthread_create(&r->hash_th, NULL, hash_main, r) == 0) {
        r->hash_started = 1;
        return;
    }
    hash_main(r);
}

/* Joins the hash. A file that could not be read is THE error of the import,
 * whatever came meanwhile (as when hashing came first). */
static int hash_wait(struct run *r, int rc)
{
    if (r->hash_started) {
        pthread_join(r->hash_th, NULL);
        r->hash_started = 0;
    }
    if (r->hash_rc) {
        r->hash_rc = 0;
        return sl_err_reset(&r->st->err, SL_EIO, "cannot read '%s': %s", r->o->file,
                            strerror(r->hash_errno ? r->hash_errno : EIO));
    }
    return rc;
}

/* Does the import keep the table's secondary indexes (--indexes)? "auto"
 * asks whether the input is too small for "load first, index after" to
 * pay: dropping and rebuilding the indexes costs a fixed ~0.2 s (the
 * bookkeeping, two more connections, six CREATE INDEX) that a small load
 * never wins back, so a file below SL_LOAD_DEFER_MIN_BYTES keeps its
 * indexes (measured in bench/README.md). SQLite pays no connections and
 * defers from 0 bytes on (100k rows: 3.9 s deferred, 7.0 s kept; 10k:
 * equal). Standard input: size unknown, defer. */
static int keep_indexes(const struct sheetload_opts *o, int sqlite)
{
    if (o->indexes != SHEETLOAD_INDEXES_AUTO)
        return o->indexes == SHEETLOAD_INDEXES_KEEP;
    long long min = sqlite ? SL_LOAD_DEFER_MIN_BYTES_SQLITE : SL_LOAD_DEFER_MIN_BYTES;
    struct stat sb;
    if (!strcmp(o->file, "-") || stat(o->file, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    return (long long)sb.st_size < min;
}

/* --resume ID: the import it names, if it is of this file, table and sheet
 * and not completed. */
static int ledger_named(struct run *r, struct sl_ledger_import *li)
{
    const struct sheetload_opts *o = r->o;
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    char sha[80], table[160], sheet[160];
    int rc = sl_ledger_get(r->ctl, o->resume_id, li, sha, sizeof sha, table, sizeof table, sheet,
                           sizeof sheet, err);
    if (rc == SL_ENOTFOUND)
        return sl_err_set(err, rc, "there is no import %lld in the ledger of '%s'", o->resume_id,
                          st->target);
    if (rc)
        return rc;
    if (strcmp(sha, st->sha256))
        return sl_err_set(err, SL_EINVAL,
                          "import %lld was of another file (SHA-256 %.12s..., "
                          "this file is %.12s...); --resume needs the same file",
                          o->resume_id, sha, st->sha256);
    if (strcmp(table, r->plan.table) || strcmp(sheet, r->sheet))
        return sl_err_set(err, SL_EINVAL,
                          "import %lld loaded sheet '%s' into table '%s'; "
                          "give the same --sheet and --table to resume it",
                          o->resume_id, sheet, table);
    if (!strcmp(li->status, "completed")) {
        st->import_id = li->id;
        return sl_err_set(err, SL_EEXISTS, "import %lld already completed on %.19s", o->resume_id,
                          li->started);
    }
    return 0;
}

/* The unfinished import of this file, table and sheet (*resumed), or none;
 * a completed one is refused unless --force. */
static int ledger_unfinished(struct run *r, struct sl_ledger_import *li, int *resumed)
{
    const struct sheetload_opts *o = r->o;
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    int rc;
    if (o->restart && (rc = sl_ledger_abandon(r->ctl, st->sha256, r->plan.table, r->sheet, err)))
        return rc;
    rc = sl_ledger_find(r->ctl, st->sha256, r->plan.table, r->sheet, "running,failed,cancelled", li,
                        err);
    if (rc == 0)
        *resumed = 1;
    else if (rc != SL_ENOTFOUND)
        return rc;
    if (!*resumed && !o->force) {
        sl_err_clear(err);
        rc = sl_ledger_find(r->ctl, st->sha256, r->plan.table, r->sheet, "completed", li, err);
        if (rc == 0) {
            st->import_id = li->id;
            return sl_err_set(err, SL_EEXISTS,
                              "file '%s' was already imported into table '%s' (import %lld, "
                              "%.19s UTC); use --force to import it again",
                              st->file, r->plan.table, li->id, li->started);
        }
        if (rc != SL_ENOTFOUND)
            return rc;
    }
    sl_err_clear(err);
    return 0;
}

/* The ledger's decision: resume an unfinished import, refuse a finished
 * one, or start a new one. */
static int open_ledger(struct run *r, int *resumed)
{
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    struct sl_ledger_import li;
    int rc = 0;
    *resumed = 0;
    if (r->o->resume_id)
        *resumed = (rc = ledger_named(r, &li)) == 0;
    else if (st->sha256[0])
        rc = ledger_unfinished(r, &li, resumed);
    if (rc)
        return rc;
    if (!*resumed)
        return sl_ledger_start(r->ctl, &r->plan, &r->claim, st->sha256, st->file, r->sheet,
                               &r->plan.import_id, err);
    if (li.batch_size > 0 && li.batch_size != r->plan.batch_size) {
        if (r->o->batch_size)
            sl_warn("resuming import %lld with its batch size %d (not %d): batches are cut "
                    "by position",
                    li.id, li.batch_size, r->plan.batch_size);
        r->plan.batch_size = li.batch_size;
    }
    r->plan.import_id = li.id;
    if ((rc = sl_ledger_resume(r->ctl, li.id, &r->plan, &r->claim, err)))
        return rc;
    return sl_ledger_batches(r->ctl, li.id, &r->done, &r->ndone, err);
}

static int ctl_recover(struct run *r, struct sl_error *err);

/* SL_EBUSY for people: who holds the file, or, when the holder finished
 * meanwhile, what the ledger says of it. A holder that has not recorded
 * itself yet (it takes the claim one round trip before) is looked for a
 * few more times. While waiting (--wait) one look names the holder and the
 * ledger's word is left for when the claim is ours. */
static int busy(struct run *r)
{
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    struct sheetload_holder *h = &st->holder;
    struct sl_ledger_import li;
    int rc = SL_ENOTFOUND;
    for (int i = 0; i < (r->o->wait ? 1 : 5) && rc == SL_ENOTFOUND; i++) {
        sl_err_clear(err);
        if (i && sl_ctx_sleep(r->ctx, SL_LOAD_WAIT_FIRST_NS))
            break;
        rc = sl_ledger_holder(r->ctl, st->sha256, r->plan.table, r->sheet, h, err);
        if (rc == SL_ENOTFOUND && !r->o->force && !r->o->wait) {
            sl_err_clear(err);
            if (sl_ledger_find(r->ctl, st->sha256, r->plan.table, r->sheet, "completed", &li,
                               err) == 0)
                return sl_err_reset(err, SL_EEXISTS,
                                    "file '%s' was already imported into table '%s' (import "
                                    "%lld, %.19s UTC); use --force to import it again",
                                    st->file, r->plan.table, li.id, li.started);
        }
    }
    sl_err_clear(err);
    char who[400] = "";
    if (h->import_id)
        snprintf(who, sizeof who, " by import %lld (started %.19s UTC on host '%s', pid %ld%s%s%s)",
                 h->import_id, h->started, h->host, h->pid, h->node[0] ? ", node '" : "", h->node,
                 h->node[0] ? "'" : "");
    else if (h->host[0])
        snprintf(who, sizeof who, " by host '%s', pid %ld", h->host, h->pid);
    if (r->o->wait)
        return sl_err_set(err, SL_EBUSY,
                          "file '%s' is being imported into table '%s' right "
                          "now%s; waiting for it to end",
                          st->file, r->plan.table, who);
    return sl_err_set(err, SL_EBUSY,
                      "file '%s' is being imported into table '%s' right now%s; nothing was "
                      "written; try again when it has ended ('sheetload import --wait' waits "
                      "for it)",
                      st->file, r->plan.table, who);
}

/* Takes the claim on (table, sheet, SHA-256), or reports who holds it, or
 * (opts->wait) waits for it: polls with backoff through the import's
 * context, so a cancel or the deadline ends the wait. */
static int claim(struct run *r)
{
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    int64_t delay = SL_LOAD_WAIT_FIRST_NS;
    int named = 0; /* the holder's id was told */
    for (int tries = 0;; tries++) {
        memset(&st->holder, 0, sizeof st->holder);
        int rc = sl_claim_try(r->ctl, &r->claim, &st->holder, err);
        if (rc == SL_ERETRY && r->o->wait) {
            /* A lost connection, SQLite busy past its timeout (a holder
             * stopped inside a transaction): keep waiting, connected. */
            sl_err_clear(err);
            if ((rc = ctl_recover(r, err)))
                return rc;
            if ((rc = sl_ctx_sleep(r->ctx, delay)))
                return sl_err_set(err, rc, "%s while waiting for the claim on '%s'",
                                  rc == SL_ETIMEDOUT ? "the deadline passed" : "cancelled",
                                  st->file);
            continue;
        }
        if (rc != SL_EBUSY)
            return rc;
        rc = busy(r);
        if (!r->o->wait || rc != SL_EBUSY)
            return rc;
        if (tries == 0 || (!named && st->holder.import_id))
            sl_info("%s", err->msg);
        named = named || st->holder.import_id;
        sl_err_clear(err);
        if ((rc = sl_ctx_sleep(r->ctx, delay)))
            return sl_err_set(err, rc, "%s while waiting for import %lld of '%s' to end",
                              rc == SL_ETIMEDOUT ? "the deadline passed" : "cancelled",
                              st->holder.import_id, st->file);
        delay = delay * 2 > SL_LOAD_WAIT_MAX_NS ? SL_LOAD_WAIT_MAX_NS : delay * 2;
    }
}

static void *watch_main(void *arg)
{
    struct run *r = arg;
    while (sl_ctx_sleep(r->wctx, SL_LOAD_WATCH_NS) == 0) {
        struct sl_error e;
        int cancel = 0, owned = 1;
        sl_err_clear(&e);
        int rc = sl_claim_renew(r->ctl, &r->claim, &e);
        if (!rc)
            rc = sl_ledger_watch(r->ctl, r->plan.import_id, r->plan.owner, &cancel, &owned, &e);
        if (rc == SL_ERETRY) {
            sl_err_clear(&e);
            sl_sink_reconnect(r->ctl, &e); /* the writers' fence keeps them safe meanwhile */
            continue;
        }
        if (rc == SL_EFENCED || (!rc && owned != 1)) {
            atomic_store(&r->fenced, rc == SL_EFENCED || owned == 0 ? 1 : -1);
            sl_ctx_cancel(r->ctx, SL_ECANCELED);
            break;
        }
        if (!rc && cancel) {
            atomic_store(&r->remote_cancel, 1);
            sl_ctx_cancel(r->ctx, SL_ECANCELED);
            break;
        }
    }
    return NULL;
}

static void watch_start(struct run *r)
{
    r->wctx = sl_ctx_new(r->ctx, SL_NEVER);
    if (r->wctx && pthread_create(&r->watch_th, NULL, watch_main, r) == 0)
        r->watch_started = 1;
}

static void watch_stop(struct run *r)
{
    if (r->watch_started) {
        sl_ctx_cancel(r->wctx, SL_ECANCELED);
        pthread_join(r->watch_th, NULL);
        r->watch_started = 0;
    }
    sl_ctx_free(r->wctx);
    r->wctx = NULL;
}

static int open_writers(struct run *r)
{
    struct sl_error *err = &r->st->err;
    r->sinks = sl_calloc((size_t)r->plan.writers, sizeof *r->sinks);
    if (!r->sinks)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    r->nsinks = r->plan.writers;
    for (int i = 0; i < r->plan.writers; i++) {
        int rc = take_conn(r, i + 1, &r->sinks[i], err);
        if (!rc)
            rc = sl_sink_prepare_insert(r->sinks[i], r->plan.table,
                                        (const char *const *)r->plan.cols, r->plan.ncols, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* PostgreSQL: up to the finishing steps, the commits of the control
 * connection (the ledger's and the table's DDL, the import's row, the index
 * deferral) do not wait for the WAL flush (synchronous_commit off): none of
 * them promises anything before a batch commits, and the first batch that
 * commits flushes the WAL up to its own commit, theirs included (the WAL is
 * one sequence). A server crash before that leaves an import that had not
 * begun. The finishing steps (indexes built again, the import's status)
 * wait for the flush again (step_reconnect). on: back to the default. */
static int ctl_sync(struct run *r, int on, struct sl_error *err)
{
    if (r->plan.sqlite)
        return 0;
    int rc = sl_sink_exec(r->ctl,
                          on ? "SET synchronous_commit TO DEFAULT" : "SET synchronous_commit = off",
                          0, NULL, err);
    if (!rc)
        r->ctl_async = !on;
    return rc;
}

/* Connects the control connection and settles table, mapping and ledger. */
static int prepare(struct run *r, const struct sl_lookahead *la, size_t *data_from)
{
    const struct sheetload_opts *o = r->o;
    struct sl_plan *p = &r->plan;
    struct sl_error *err = &r->st->err;
    struct sl_sink_column *cols = NULL;
    size_t ncols = 0;
    int rc = 0;
    int need_db = !(p->dry_run && p->default_table);
    /* The businesses model needs no database to be mapped: a file that
     * cannot be read right is refused before anything is created. */
    if (p->default_table && (rc = sl_schema_map(p, o, la, NULL, 0, r->st, data_from, err)))
        return rc;
    if (need_db && p->dry_run && p->sqlite) {
        const char *path = NULL;
        struct stat sb;
        sl_target_is_sqlite(r->target, &path);
        if (path && stat(path, &sb) != 0)
            return sl_err_set(err, SL_ENOTFOUND,
                              "table '%s' not found: the SQLite file '%s' does "
                              "not exist",
                              p->table, path);
    }
    if (need_db && (rc = take_conn(r, 0, &r->ctl, err)))
        return rc;
    if (!p->default_table) {
        cols = sl_calloc(SL_LOAD_MAX_COLS, sizeof *cols);
        if (!cols)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        rc = sl_sink_table_columns(r->ctl, p->table, cols, SL_LOAD_MAX_COLS, &ncols, err);
        if (!rc && ncols == 0)
            rc = sl_err_set(err, SL_ESCHEMA,
                            "table '%s' does not exist in '%s'; create it first, "
                            "or leave out --table to load into 'businesses'",
                            p->table, r->st->target);
        if (!rc)
            rc = sl_schema_map(p, o, la, cols, ncols, r->st, data_from, err);
        sl_free(cols);
        if (rc)
            return rc;
    }
    if (!p->dry_run) {
        if ((rc = ctl_sync(r, 0, err)) || (rc = sl_ledger_ensure(r->ctl, err)))
            return rc;
        if (p->default_table && (rc = sl_schema_default_table(r->ctl, err)))
            return rc;
    }
    return 0;
}

/* The control connection idles while the writers work, so a server restart
 * or a terminated backend closes it unnoticed. Before the indexes, the
 * ledger and the rejects need it again: ping it and, when it is gone,
 * reconnect with the writers' backoff (load.h). 0 when it works. */
static int ctl_recover(struct run *r, struct sl_error *err)
{
    struct sl_backoff bo;
    struct sl_error e;
    int rc;
    sl_err_clear(&e);
    if (sl_sink_ping(r->ctl, &e) == 0)
        return 0;
    sl_backoff_init(&bo, &SL_BACKOFF_DB, (unsigned)sl_now_ns());
    for (;;) {
        sl_err_clear(&e);
        rc = sl_sink_reconnect(r->ctl, &e);
        if (rc == 0) {
            sl_warn("reconnected the control connection to the database");
            return 0;
        }
        /* The finishing steps run after the import's own context ended (a
         * deadline, --max-errors): the wait watches the caller's, so a
         * cancel or a server shutdown cuts it short. */
        if ((rc != SL_ERETRY && rc != SL_EDBCONN) || sl_backoff_wait(&bo, sl_stop_ctx(r->o->stop)))
            return sl_err_set(err, rc,
                              "lost the connection to the database and could not "
                              "reconnect: %s",
                              e.msg);
    }
}

/* After a step on the control connection failed with rc: 1 when it was a
 * lost connection (SL_ERETRY), the step may run again (*tries counts) and
 * the connection is back. The finishing steps are idempotent. */
static int ctl_again(struct run *r, int rc, int *tries)
{
    struct sl_error e;
    sl_err_clear(&e);
    return rc == SL_ERETRY && (*tries)++ < SL_LOAD_RETRY_ATTEMPTS && ctl_recover(r, &e) == 0;
}

static void close_all(struct run *r)
{
    for (int i = 0; i < r->nsinks; i++)
        if (r->sinks[i])
            sl_sink_close(r->sinks[i]);
    sl_free(r->sinks);
    r->sinks = NULL;
    r->nsinks = 0;
}

/* Step 1: the target, the plan, the hash, the context, the reader and the
 * connections (started), the rows before the data (lookahead), the
 * mapping. */
static int open_input(struct run *r, struct sl_lookahead *la, size_t *data_from)
{
    const struct sheetload_opts *o = r->o;
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    int rc;
    sl_strlcpy(st->file, o->display_name ? o->display_name : o->file, sizeof st->file);
    r->target = sl_load_target(o->db);
    r->plan.sqlite = sl_target_is_sqlite(r->target, NULL);
    sl_target_redact(r->target, st->target, sizeof st->target);
    if ((rc = settle_plan(r)))
        return rc;
    sl_strlcpy(st->method, sheetload_method_name(r->plan.method), sizeof st->method);
    st->workers = r->plan.writers;
    st->batch_size = r->plan.batch_size;
    sl_strlcpy(st->table, r->plan.table, sizeof st->table);
    hash_start(r);
    r->ctx = sl_ctx_new(sl_stop_ctx(o->stop), sl_deadline_after(o->timeout_s));
    if (!r->ctx)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    struct sl_reader_opts ro = {.sheet = o->sheet,
                                .delimiter = o->delimiter,
                                .limits = o->limits,
                                .encoding = o->encoding,
                                .tmp_dir = o->tmp_dir,
                                .name = o->display_name};
    if ((rc = sl_reader_open(&r->reader, o->file, &ro, err)))
        return rc;
    connect_early(r);
    /* The ledger keys an import by content, target and sheet. A CSV's only
     * "sheet" is named after the file; keying on it would make the same
     * bytes under another name (an upload, a copy) a different import. */
    sl_strlcpy(st->encoding, sl_reader_encoding(r->reader), sizeof st->encoding);
    if (sl_reader_format(r->reader) != SL_FORMAT_CSV)
        sl_strlcpy(r->sheet, sl_reader_current_sheet(r->reader), sizeof r->sheet);
    else
        r->sheet[0] = '\0';
    if ((rc = sl_lookahead_fill(la, r->reader, o->header_row, err)) < 0)
        return rc;
    if ((rc = prepare(r, la, data_from)))
        return rc;
    return hash_wait(r, 0);
}

/* Step 2 (not a dry run): the claim, the ledger entry, the indexes, the
 * writers' connections. *ledger_open once the entry exists. */
static int open_target(struct run *r, int *ledger_open)
{
    struct sheetload_stats *st = r->st;
    int rc, resumed = 0;
    sl_claim_init(&r->claim, r->plan.table, r->sheet, st->sha256, r->o->node);
    sl_strlcpy(r->plan.owner, r->claim.owner, sizeof r->plan.owner);
    r->plan.remote_cancel = &r->remote_cancel;
    if ((rc = claim(r)) || (rc = open_ledger(r, &resumed)))
        return rc;
    *ledger_open = 1;
    st->import_id = r->plan.import_id;
    st->resumed = resumed;
    st->batch_size = r->plan.batch_size;
    if ((rc = sl_indexes_prepare(r->ctl, &r->plan, keep_indexes(r->o, r->plan.sqlite), &st->err)))
        return rc;
    return open_writers(r);
}

/* Step 1b: the pipeline, from the rows after the header; its reader reads
 * ahead while the claim and the ledger are taken. */
static int start_pipeline(struct run *r, const struct sl_lookahead *la, size_t data_from)
{
    struct sl_pipeline_in *in = &r->in;
    in->opts = r->o;
    in->plan = &r->plan;
    in->reader = r->reader;
    in->pre = la->rows + data_from;
    in->npre = la->n - data_from;
    in->prev_row = data_from > 0 ? la->rows[data_from - 1].num : la->n ? la->rows[0].num - 1 : 0;
    in->ctx = r->ctx;
    in->t0 = r->t0;
    r->pipe = sl_pipeline_start(in, &r->st->err);
    return r->pipe ? 0 : r->st->err.code;
}

/* Step 3: the pipeline runs; then why it stopped, when it did not reach
 * the end. */
static int load_rows(struct run *r)
{
    const struct sheetload_opts *o = r->o;
    struct sheetload_stats *st = r->st;
    struct sl_error *err = &st->err;
    struct sl_pipeline_in *in = &r->in;
    in->sinks = r->sinks;
    in->done = r->done;
    in->ndone = r->ndone;
    in->rejects = r->rejects;
    if (!r->plan.dry_run)
        watch_start(r);
    int rc = sl_pipeline_run(r->pipe, st);
    watch_stop(r);
    close_all(r);
    long long accounted = st->success_count + st->error_count + st->skipped_blank;
    if (rc == 0 && !(in->eof && accounted == in->rows_read)) {
        rc = sl_ctx_err(r->ctx);
        if (!rc)
            rc = SL_ECANCELED;
        if (rc == SL_ETIMEDOUT)
            sl_err_set(err, rc, "the deadline of %gs passed; the import stopped cleanly",
                       o->timeout_s);
        else
            sl_err_set(err, rc, "the import was cancelled; it stopped cleanly");
    }
    if (atomic_load(&r->fenced) && rc != SL_EFENCED) {
        sl_err_clear(err);
        rc = sl_ledger_fenced(err, r->plan.import_id, atomic_load(&r->fenced) > 0 ? 0 : -1);
    } else if (rc == SL_ECANCELED && atomic_load(&r->remote_cancel))
        sl_err_reset(err, rc,
                     "import %lld was cancelled through the ledger (DELETE "
                     "/imports/%lld); it stopped cleanly",
                     r->plan.import_id, r->plan.import_id);
    st->cancelled = rc == SL_ECANCELED || rc == SL_ETIMEDOUT || rc == SL_EMAXERR;
    return rc;
}

/* A finishing step on the control connection. The steps are idempotent:
 * after a lost connection (ctl_again) the step runs again. */
typedef int (*finish_fn)(struct run *r, void *arg, struct sl_error *e);

/* Runs step (again while retry and ctl_again allow). With rc, the step's
 * error becomes the import's when the import had none; without, it is
 * only a warning (the import's result stands). Returns the step's. */
static int finish_step(struct run *r, finish_fn step, void *arg, int retry, int *rc)
{
    struct sl_error e;
    int src, tries = 0;
    do {
        sl_err_clear(&e);
        src = step(r, arg, &e);
    } while (retry && ctl_again(r, src, &tries));
    if (src && rc && !*rc) {
        *rc = src;
        r->st->err = e;
    }
    if (src && !rc)
        sl_warn("could not record the end of import %lld in the ledger: %s", r->plan.import_id,
                e.msg);
    return src;
}

/* The control connection, alive (or connected again) and committing
 * durably again: setting synchronous_commit back is the ping. */
static int step_reconnect(struct run *r, void *arg, struct sl_error *e)
{
    (void)arg;
    if (r->ctl_async && ctl_sync(r, 1, e) == 0)
        return 0;
    sl_err_clear(e);
    int rc = ctl_recover(r, e); /* a new session has the default */
    if (!rc && r->ctl_async)
        rc = ctl_sync(r, 1, e);
    return rc;
}

/* Every index built again, whatever happened (indexes.h). */
static int step_indexes(struct run *r, void *arg, struct sl_error *e)
{
    (void)arg;
    return sl_indexes_finish_parallel(r->ctl, &r->plan, r->target, r->plan.writers, e);
}

static int step_ledger(struct run *r, void *status, struct sl_error *e)
{
    return sl_ledger_finish(r->ctl, r->plan.import_id, r->plan.owner, status, r->st, e);
}

struct rejects_out {
    char path[512];
    long long written;
};

static int step_rejects(struct run *r, void *arg, struct sl_error *e)
{
    struct rejects_out *ro = arg;
    ro->written = 0;
    return sl_rejects_write(r->rejects, r->rejects ? NULL : r->ctl, r->plan.import_id, &r->plan,
                            ro->path, &ro->written, e);
}

/* Step 4, on every way out: reconnect if need be, build the indexes, close
 * the ledger entry, write the rejects file. Returns the import's result. */
static int finish(struct run *r, int rc, int ledger_open)
{
    const struct sheetload_opts *o = r->o;
    struct sheetload_stats *st = r->st;
    if (ledger_open) {
        finish_step(r, step_reconnect, NULL, 0, &rc);
        finish_step(r, step_indexes, NULL, 1, &rc);
    }
    st->total_records = st->success_count + st->error_count + st->skipped_blank;
    st->duration_s = sl_ns_to_s(sl_now_ns() - r->t0);
    st->records_per_second = st->duration_s > 0 ? (double)st->total_records / st->duration_s : 0;
    if (ledger_open) {
        const char *status = rc == 0 ? "completed" : st->cancelled ? "cancelled" : "failed";
        finish_step(r, step_ledger, (void *)status, 1, NULL);
    }
    if (st->error_count > 0 && (ledger_open || r->rejects)) {
        struct rejects_out ro = {"", 0};
        if (o->rejects_path)
            sl_strlcpy(ro.path, o->rejects_path, sizeof ro.path);
        else
            default_rejects(o->file, ro.path, sizeof ro.path);
        finish_step(r, step_rejects, &ro, !r->rejects, &rc);
        if (ro.written > 0)
            sl_strlcpy(st->rejects_path, ro.path, sizeof st->rejects_path);
    }
    if (rc && !st->err.code)
        sl_err_set(&st->err, rc, "%s", sl_strerror(rc));
    return rc;
}

int sheetload_import(const struct sheetload_opts *o, struct sheetload_stats *st)
{
    struct run r;
    struct sl_lookahead la;
    size_t data_from = 0;
    int rc, ledger_open = 0;
    memset(st, 0, sizeof *st);
    memset(&r, 0, sizeof r);
    memset(&la, 0, sizeof la);
    r.o = o;
    r.st = st;
    r.t0 = sl_now_ns();
    if (!o || !o->file || !*o->file)
        return sl_err_set(&st->err, SL_EINVAL, "no input file given");
    if ((rc = open_input(&r, &la, &data_from)) || (rc = start_pipeline(&r, &la, data_from)))
        goto out;
    if (!r.plan.dry_run)
        rc = open_target(&r, &ledger_open);
    else if (!(r.rejects = sl_rejects_new()))
        rc = sl_err_set(&st->err, SL_ENOMEM, "out of memory");
    if (!rc)
        rc = load_rows(&r);
out:
    sl_pipeline_free(r.pipe);
    watch_stop(&r);
    rc = hash_wait(&r, rc);
    close_all(&r);
    jobs_free(&r);
    rc = finish(&r, rc, ledger_open);
    if (r.ctl) {
        sl_claim_release(r.ctl, &r.claim);
        sl_sink_close(r.ctl);
    }
    if (r.reader)
        sl_reader_close(r.reader);
    sl_rejects_free(r.rejects);
    sl_lookahead_release(&la);
    sl_free(r.done);
    sl_plan_release(&r.plan);
    sl_ctx_free(r.ctx);
    return rc;
}
