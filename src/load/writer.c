/* writer.c - what one writer thread does with one block: put its rows into
 * the database with the plan's method, exactly once.
 *
 * Each writer owns one sink (connection) and its scratch arrays; it touches
 * only the block it received. Batch methods (batch, copy) write a block in
 * one transaction: the rows, their rejects and the block's ledger row
 * commit together. Each attempt runs inside a SAVEPOINT, so when the
 * database refuses the data (SL_EDBDATA) the attempt is rolled back and the
 * rows are split (at the row COPY names, else in halves) until the bad ones
 * stand alone; good rows commit. Per-row methods (sequential, concurrent)
 * commit each row with its block's progress in the ledger (rows_done), so a
 * resume knows exactly which rows are in: on PostgreSQL as ONE autocommit
 * statement per row (the INSERT and the ledger upsert joined by a WITH),
 * in a transaction when rejects are to be recorded with it. Every ledger
 * write is fenced by the run's owner token (ledger.c): once another run
 * took the import over, nothing more commits and the writer stops with
 * SL_EFENCED. A transient failure (SL_ERETRY)
 * reconnects with backoff and reloads the block's state from the ledger
 * before going on, so a batch whose COMMIT was lost is not sent twice. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "conc/backoff.h"
#include "conc/ctx.h"
#include "load/load.h"

/* After SL_ERETRY: wait with the backoff (conc/backoff.h; a cancel cuts
 * it short), reconnect. 0 when the connection works again. */
static int recover(struct sl_writer *w, struct sl_error *err)
{
    struct sl_backoff bo;
    struct sl_error e;
    char first[sizeof err->msg];
    int rc;
    sl_strlcpy(first, err->msg, sizeof first);
    sl_backoff_init(&bo, &SL_BACKOFF_DB, w->seed++);
    while ((rc = sl_backoff_wait(&bo, w->ctx)) == 0) {
        sl_err_clear(&e);
        if (sl_sink_ping(w->sink, &e) == 0)
            return 0;
        sl_err_clear(&e);
        rc = sl_sink_reconnect(w->sink, &e);
        if (rc == 0) {
            sl_warn("reconnected to the database after: %s", first);
            return 0;
        }
        if (rc != SL_ERETRY && rc != SL_EDBCONN) {
            sl_err_reset(err, rc, "%s", e.msg);
            return rc;
        }
    }
    if (rc != SL_ELIMIT)
        return rc; /* cancelled, or the deadline passed, while waiting */
    return sl_err_reset(err, SL_EDBCONN, "gave up reconnecting to the database: %s", first);
}

static int scratch(struct sl_writer *w, size_t nrows)
{
    size_t need = nrows * (w->plan->ncols ? w->plan->ncols : 1);
    if (need > w->scratch_cap) {
        const char **s = sl_realloc(w->scratch, need * sizeof *s);
        if (!s)
            return SL_ENOMEM;
        w->scratch = s;
        w->scratch_cap = need;
    }
    if (nrows > w->idx_cap) {
        size_t *ix = sl_realloc(w->idx, nrows * sizeof *ix);
        if (!ix)
            return SL_ENOMEM;
        w->idx = ix;
        w->idx_cap = nrows;
    }
    return 0;
}

static void mark_refused(struct sl_block *b, struct sl_brow *r, const struct sl_error *e)
{
    r->dbrej = 1;
    r->reason = sl_arena_strndup(&b->arena, e->msg, strlen(e->msg));
    if (!r->reason)
        r->reason = "the database refused the row";
    sl_strlcpy(r->sqlstate, e->sqlstate, sizeof r->sqlstate);
}

/* Tries the rows idx[0..n) in one statement under a savepoint; on a data
 * error isolates the bad rows. 0, or an error that is not about data. */
static int insert_set(struct sl_writer *w, struct sl_block *b, const size_t *idx, size_t n,
                      int *budget, struct sl_error *err)
{
    const struct sl_plan *p = w->plan;
    struct sl_error e;
    long bad = -1;
    int rc;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        memcpy(w->scratch + i * p->ncols, b->rows[idx[i]].vals, p->ncols * sizeof *w->scratch);
    if ((rc = sl_sink_exec(w->sink, "SAVEPOINT sl_try", 0, NULL, err)))
        return rc;
    sl_err_clear(&e);
    if (p->method == SHEETLOAD_COPY)
        rc = sl_sink_copy_rows(w->sink, w->scratch, n, &bad, &e);
    else
        rc = sl_sink_insert_rows(w->sink, w->scratch, n, &e);
    if (rc == 0)
        return sl_sink_exec(w->sink, "RELEASE SAVEPOINT sl_try", 0, NULL, err);
    if (rc != SL_EDBDATA) {
        *err = e;
        return rc;
    }
    if ((rc = sl_sink_exec(w->sink, "ROLLBACK TO SAVEPOINT sl_try", 0, NULL, err)) ||
        (rc = sl_sink_exec(w->sink, "RELEASE SAVEPOINT sl_try", 0, NULL, err)))
        return rc;
    if (n == 1) {
        mark_refused(b, &b->rows[idx[0]], &e);
        return 0;
    }
    if (bad >= 0 && (size_t)bad<n && * budget> 0) {
        /* COPY named the row: the rows before it went in, it is suspect. */
        (*budget)--;
        if ((rc = insert_set(w, b, idx, (size_t)bad, budget, err)) ||
            (rc = insert_set(w, b, idx + bad, 1, budget, err)))
            return rc;
        return insert_set(w, b, idx + bad + 1, n - (size_t)bad - 1, budget, err);
    }
    size_t half = n / 2;
    if ((rc = insert_set(w, b, idx, half, budget, err)))
        return rc;
    return insert_set(w, b, idx + half, n - half, budget, err);
}

/* Counts of rows [from, to) by their fate. */
static void tally(const struct sl_block *b, size_t from, size_t to, long long *ins, long long *rej,
                  long long *blank)
{
    *ins = *rej = *blank = 0;
    for (size_t i = from; i < to; i++) {
        const struct sl_brow *r = &b->rows[i];
        if (r->state == SL_ROW_BLANK)
            (*blank)++;
        else if (r->state == SL_ROW_REJECT || r->dbrej)
            (*rej)++;
        else
            (*ins)++;
    }
}

static int put_rejects(struct sl_writer *w, struct sl_block *b, size_t from, size_t to,
                       struct sl_error *err)
{
    for (size_t i = from; i < to; i++) {
        struct sl_brow *r = &b->rows[i];
        if (r->state != SL_ROW_REJECT && !r->dbrej)
            continue;
        int rc = sl_ledger_put_reject(w->sink, w->plan->import_id, b, r, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* The ledger's cancel flag is up (DELETE /imports/ID, maybe on another
 * node): stop the import as a cancel does. */
static void remote_cancel(struct sl_writer *w)
{
    if (w->plan->remote_cancel)
        atomic_store(w->plan->remote_cancel, 1);
    sl_ctx_cancel(w->ctx, SL_ECANCELED);
}

/* Rows [from, to) are settled: record them (fenced, ledger.c) and commit. */
static int settle(struct sl_writer *w, struct sl_block *b, size_t from, size_t to,
                  struct sl_error *err)
{
    long long ins, rej, blank;
    int cancel = 0;
    tally(b, from, to, &ins, &rej, &blank);
    int rc = put_rejects(w, b, from, to, err);
    if (!rc)
        rc = sl_ledger_put_batch(w->sink, w->plan, b, (long long)to, b->inserted + ins,
                                 b->rejected + rej, b->blank + blank, &cancel, err);
    if (!rc)
        rc = sl_sink_commit(w->sink, err);
    if (!rc && cancel)
        remote_cancel(w);
    if (!rc) {
        b->inserted += ins;
        b->rejected += rej;
        b->blank += blank;
        if (w->settled)
            atomic_fetch_add(w->settled, (long long)(to - from));
        b->done = (long long)to;
    }
    return rc;
}

static void rollback_quietly(struct sl_writer *w)
{
    sl_sink_rollback_quietly(w->sink);
}

static int write_batch(struct sl_writer *w, struct sl_block *b, struct sl_error *err)
{
    size_t from = (size_t)b->done, n = 0;
    int budget = SL_LOAD_HINT_BUDGET;
    int rc = scratch(w, b->nrows);
    if (rc)
        return sl_err_set(err, rc, "out of memory");
    for (size_t i = from; i < b->nrows; i++)
        if (b->rows[i].state == SL_ROW_OK)
            w->idx[n++] = i;
    if ((rc = sl_sink_begin(w->sink, err)))
        return rc;
    rc = insert_set(w, b, w->idx, n, &budget, err);
    if (!rc)
        rc = settle(w, b, from, b->nrows, err);
    if (rc)
        rollback_quietly(w);
    return rc;
}

/* Any row of [from, to) to record in sheetload_rejects? */
static int rejects_in(const struct sl_block *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (b->rows[i].state == SL_ROW_REJECT || b->rows[i].dbrej)
            return 1;
    return 0;
}

/* Row i, with the rows [from, i) before it that hold no rejects, in ONE
 * autocommit statement that inserts the row and advances the batch's
 * ledger row to i + 1 (PostgreSQL: one round trip, atomic by itself).
 * 0 = committed; SL_EDBDATA = refused (nothing written: the caller tries
 * the row again in a transaction, which tells the row's fault from the
 * ledger's); else the error (SL_ERETRY: the ledger tells what happened). */
static int row_also(struct sl_writer *w, struct sl_block *b, size_t from, size_t i,
                    struct sl_error *err)
{
    long long ins, rej, blank;
    struct sl_ledger_params lp;
    tally(b, from, i + 1, &ins, &rej, &blank);
    sl_ledger_batch_params(&lp, w->plan, b, (long long)i + 1, b->inserted + ins, b->rejected + rej,
                           b->blank + blank);
    int rc = sl_sink_insert_row_also(w->sink, b->rows[i].vals, lp.p, err);
    if (!rc) {
        b->inserted += ins;
        b->rejected += rej;
        b->blank += blank;
        if (w->settled)
            atomic_fetch_add(w->settled, (long long)(i + 1 - from));
        b->done = (long long)i + 1;
    }
    return rc;
}

static int write_rows(struct sl_writer *w, struct sl_block *b, struct sl_error *err)
{
    size_t from = (size_t)b->done;
    int rc = 0;
    int one = sl_sink_dialect(w->sink) == SL_DIALECT_PG;
    if (one &&
        (rc = sl_sink_prepare_row_also(w->sink, sl_ledger_batch_sql, SL_LEDGER_BATCH_NPARAMS, err)))
        return rc;
    for (size_t i = from; i < b->nrows; i++) {
        struct sl_brow *r = &b->rows[i];
        if (r->state != SL_ROW_OK)
            continue;
        if (sl_ctx_err(w->ctx))
            return 0; /* stop between rows; what is committed is in the ledger */
        struct sl_error e;
        if (one && !rejects_in(b, from, i)) {
            sl_err_clear(&e);
            rc = row_also(w, b, from, i, &e);
            if (rc == 0) {
                from = i + 1;
                continue;
            }
            if (rc != SL_EDBDATA) {
                *err = e;
                return rc;
            }
            /* refused: the transaction below says whether by the row */
        }
        if ((rc = sl_sink_begin(w->sink, err)))
            return rc;
        sl_err_clear(&e);
        rc = sl_sink_insert_row(w->sink, r->vals, &e);
        if (rc == SL_EDBDATA) {
            rollback_quietly(w);
            mark_refused(b, r, &e);
            continue; /* recorded with the next commit */
        }
        if (rc) {
            *err = e;
            rollback_quietly(w);
            return rc;
        }
        if ((rc = settle(w, b, from, i + 1, err))) {
            rollback_quietly(w);
            return rc;
        }
        from = i + 1;
    }
    if (from < b->nrows) {
        if ((rc = sl_sink_begin(w->sink, err)))
            return rc;
        if ((rc = settle(w, b, from, b->nrows, err)))
            rollback_quietly(w);
    }
    return rc;
}

/* The block's state as the ledger has it (after a retry). */
static int reload(struct sl_writer *w, struct sl_block *b, struct sl_error *err)
{
    struct sl_ledger_batch lb;
    int found = 0;
    int rc = sl_ledger_batch(w->sink, w->plan->import_id, b->batch_no, &lb, &found, err);
    if (rc)
        return rc;
    if (!found)
        lb.rows_done = lb.inserted = lb.rejected = lb.blank = 0;
    b->done = lb.rows_done;
    b->inserted = lb.inserted;
    b->rejected = lb.rejected;
    b->blank = lb.blank;
    for (size_t i = (size_t)b->done; i < b->nrows; i++)
        b->rows[i].dbrej = 0;
    return 0;
}

static int dry(struct sl_writer *w, struct sl_block *b)
{
    long long ins, rej, blank;
    tally(b, (size_t)b->done, b->nrows, &ins, &rej, &blank);
    if (w->settled)
        atomic_fetch_add(w->settled, (long long)b->nrows - b->done);
    b->inserted += ins;
    b->rejected += rej;
    b->blank += blank;
    b->done = (long long)b->nrows;
    return 0;
}

int sl_writer_block(struct sl_writer *w, struct sl_block *b)
{
    if (b->complete || (size_t)b->done >= b->nrows)
        return 0;
    if (w->plan->dry_run)
        return dry(w, b);
    int per_row =
        w->plan->method == SHEETLOAD_SEQUENTIAL || w->plan->method == SHEETLOAD_CONCURRENT;
    for (;;) {
        struct sl_error *err = &b->err;
        sl_err_clear(err);
        int rc = per_row ? write_rows(w, b, err) : write_batch(w, b, err);
        if (rc != SL_ERETRY)
            return b->rc = rc;
        sl_warn("batch %lld (rows %lld-%lld): %s; retrying", b->batch_no, b->first_row, b->last_row,
                err->msg);
        for (;;) {
            if ((rc = recover(w, err)))
                return b->rc = rc;
            sl_err_clear(err);
            rc = reload(w, b, err);
            if (rc == 0)
                break;
            if (rc != SL_ERETRY)
                return b->rc = rc;
        }
    }
}

void sl_writer_release(struct sl_writer *w)
{
    sl_free(w->scratch);
    sl_free(w->idx);
    w->scratch = NULL;
    w->idx = NULL;
    w->scratch_cap = w->idx_cap = 0;
}
