/* pipeline.c - the threads of one import (DESIGN.md, "Data flow"):
 *
 *   reader (1 thread) ─▶ blocks ─▶ convert ×N ─▶ batches ─▶ writer ×M ─▶ results ─▶ fan-in
 *
 * The writers are a worker pool (conc/pool.h: the tutorial's worker pool,
 * its live workers counted by a wait group): `batches` is the pool's job
 * channel and `results` its results channel; each worker owns one writer
 * (its sink) through the pool's worker_args.
 *
 * Ownership: a block belongs to exactly one stage at a time; a successful
 * channel send moves it on, a failed one leaves it with the sender, which
 * frees it. The plan is read-only. Each writer owns its sink. Statistics are
 * folded by the fan-in, on the calling thread, from the blocks it receives;
 * nothing is counted from several threads. The reader publishes its byte
 * count through an atomic for the progress line. No locks of our own: the
 * channels and the context hold theirs.
 *
 * Shutdown: the reader closes `blocks` at the end of the file (or on error
 * or cancel); the last converter to leave closes `batches`; the last writer
 * to leave closes `results` (the pool does); the fan-in reads `results`
 * until it is closed. Results are sent whatever the context (the pool's
 * deliver_all) so that a batch that committed is always counted, even
 * after a cancel. On a cancel, the stages stop taking
 * work; blocks left in the channels are freed after every thread joined.
 *
 * Bytes in flight: the blocks between the reader and the fan-in hold at
 * most a share of --max-memory (SL_LOAD_INFLIGHT_SHARE), not only a count
 * of blocks (a batch of 5,000 rows of 30 texts is about 8 MB). The reader
 * acquires a block's bytes from pp->budget (conc/budget.h) before it sends
 * it on, twice its source's size for the conversion to come; the converter
 * sets the charge to what the block holds once converted; sl_block_free
 * gives it back, wherever the block ends. The acquire sleeps through the
 * context, so a cancel still stops the reader. Blocks stay cut by rows
 * (position, for the ledger); a block larger than the share goes alone.
 * Blocks held before the gate are charged only when their bytes fit at
 * once (nothing downstream runs yet to give any back); the first that does
 * not fit ends the holding and waits for its bytes after the gate. A resume that cuts them again
 * gives their charge back first, as the blocks it cuts wait for theirs.
 *
 * Read ahead: sl_pipeline_start starts the reader alone while the caller
 * still takes the claim and asks the ledger (import.c), so the first block
 * is read meanwhile. The reader cuts it by the batch size it was given and
 * ships nothing before sl_pipeline_run opens the gate with the ledger's
 * word: the batches done (resume) and the batch size, which a resume may
 * change (the first block is then cut again). Until the gate it reads
 * nothing of the plan, which the caller is still writing. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "conc/budget.h"
#include "conc/chan.h"
#include "conc/ctx.h"
#include "conc/pool.h"
#include "load/load.h"

/* The blocks the reader holds before the gate. One hides the claim's and
 * the ledger's round trips behind its reading and converting; each more
 * one is a block more at the peak of a small import (5,000 rows of nine
 * texts: about 2 MiB). */
#define HELD_MAX 1

struct sl_pipe {
    struct sl_pipeline_in *in;
    const struct sl_plan *plan;
    struct sl_ctx *ctx;
    struct sl_chan *blocks;
    struct sl_budget budget; /* the bytes of the blocks in flight */
    int budget_inited;
    struct sl_pool *writer_pool; /* batches in, results out */
    atomic_int converters_left;
    atomic_llong bytes_read;
    atomic_llong rows_seen; /* rows_read, published for the progress line */
    atomic_int at_end;      /* the reader reached the end of the sheet */
    atomic_llong settled;   /* rows settled: by writers, and by the ledger (resume) */
    long long bytes_total;
    /* reader thread's own; read after it joined */
    int read_rc;
    struct sl_error read_err;
    long long rows_read;
    int eof;
    struct sl_writer *writers;
    size_t ndone_next; /* reader: cursor into in->done */
    int nconv;
    pthread_t rd;
    int rd_started, rd_joined;
    /* The gate (read ahead): 0 closed, 1 open, -1 the run will not come;
     * gate_bs the batch size it opens with. Guarded by gate_mu. */
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate, gate_bs;
    /* reader's own: the batch size it cuts by, the gate passed, the
     * blocks it holds until then */
    int bs, passed;
    struct sl_block *held[HELD_MAX];
    size_t nheld, held_bs;
};

/* The ledger's word on batch_no (resume), or NULL. */
static const struct sl_ledger_batch *ledger_for(struct sl_pipe *pp, long long batch_no)
{
    const struct sl_pipeline_in *in = pp->in;
    while (pp->ndone_next < in->ndone && in->done[pp->ndone_next].batch_no < batch_no)
        pp->ndone_next++;
    if (pp->ndone_next < in->ndone && in->done[pp->ndone_next].batch_no == batch_no)
        return &in->done[pp->ndone_next];
    return NULL;
}

/* The rows a new block has room for: the whole batch, up to 16,384 (a
 * batch of 5,000 gets one array of 5,000 that no realloc copies; a larger
 * one grows from there as its rows come). */
static size_t block_rows(size_t bs)
{
    return bs < 16384 ? bs : 16384;
}

static int ship(struct sl_pipe *pp, struct sl_block *b)
{
    const struct sl_ledger_batch *lb = ledger_for(pp, b->batch_no);
    if (lb) {
        if (lb->rows_total != (long long)b->nrows) {
            sl_err_set(&pp->read_err, SL_EDB,
                       "batch %lld of the import in the ledger has %lld rows but the file "
                       "gives %zu; the file or the batch size changed, use --restart",
                       b->batch_no, lb->rows_total, b->nrows);
            sl_block_free(b);
            return SL_EDB;
        }
        b->done = lb->rows_done;
        b->inserted = lb->inserted;
        b->rejected = lb->rejected;
        b->blank = lb->blank;
        b->complete = lb->rows_done >= lb->rows_total;
        atomic_fetch_add(&pp->settled, lb->rows_done);
    }
    atomic_store(&pp->bytes_read, (long long)sl_reader_bytes_read(pp->in->reader));
    atomic_store(&pp->rows_seen, pp->rows_read);
    int rc = 0;
    if (!b->budget) {
        size_t n = sl_block_bytes(b) * (b->converted ? 1 : 2);
        if (!(rc = sl_budget_acquire(&pp->budget, n, pp->ctx))) {
            b->budget = &pp->budget;
            b->charged = n;
        }
    }
    if (!rc)
        rc = sl_chan_send(pp->blocks, b, pp->ctx);
    if (rc)
        sl_block_free(b);
    return rc;
}

/* A block held before the gate is charged when its bytes fit now (nothing
 * downstream runs yet to give any back); else it stays uncharged, waits
 * for them in ship after the gate, and the holding stops: 0 or SL_EAGAIN. */
static int charge_held(struct sl_pipe *pp, struct sl_block *b)
{
    size_t n = sl_block_bytes(b) * (b->converted ? 1 : 2);
    int rc = sl_budget_try_acquire(&pp->budget, n);
    if (!rc) {
        b->budget = &pp->budget;
        b->charged = n;
    }
    return rc;
}

/* Waits for the gate; SL_ECANCELED when the run will not come. */
static int pass_gate(struct sl_pipe *pp)
{
    pthread_mutex_lock(&pp->gate_mu);
    while (pp->gate == 0)
        pthread_cond_wait(&pp->gate_cv, &pp->gate_mu);
    int go = pp->gate > 0, bs = pp->gate_bs;
    pthread_mutex_unlock(&pp->gate_mu);
    pp->passed = 1;
    if (!go)
        return SL_ECANCELED;
    pp->held_bs = (size_t)pp->bs;
    pp->bs = bs;
    return 0;
}

/* After the gate, the blocks held before it, in order. Cut by the batch
 * size the ledger gave when it differs (a resume of another --batch-size):
 * full blocks are shipped, the rest becomes *b (shipped too when last). */
static int release_held(struct sl_pipe *pp, struct sl_block **b, long long *batch_no, int last)
{
    size_t bs = (size_t)pp->bs, n = pp->nheld, h = 0;
    int rc = 0;
    pp->nheld = 0;
    if (pp->held_bs == bs) {
        for (; h < n && !rc; h++)
            rc = ship(pp, pp->held[h]);
    } else {
        struct sl_block *cur = NULL;
        *batch_no = n ? pp->held[0]->batch_no : *batch_no;
        for (size_t i = 0; i < n; i++)
            sl_block_charge(pp->held[i], &pp->budget, 0);
        for (; h < n && !rc; h++) {
            struct sl_block *old = pp->held[h];
            for (size_t i = 0; i < old->nrows && !rc; i++) {
                if (!cur && !(cur = sl_block_new(*batch_no, block_rows(bs))))
                    rc = SL_ENOMEM;
                else if (sl_block_add_copy(cur, &old->rows[i]))
                    rc = SL_ENOMEM;
                else if (cur->nrows == bs) {
                    rc = ship(pp, cur);
                    cur = NULL;
                    (*batch_no)++;
                }
            }
            sl_block_free(old);
        }
        if (rc == SL_ENOMEM)
            sl_err_set(&pp->read_err, rc, "out of memory reading the file");
        if (!rc && cur && last) {
            rc = ship(pp, cur);
            cur = NULL;
            (*batch_no)++;
        }
        if (rc)
            sl_block_free(cur);
        else
            *b = cur;
    }
    for (; h < n; h++)
        sl_block_free(pp->held[h]);
    return rc;
}

static int gate_closed(struct sl_pipe *pp)
{
    pthread_mutex_lock(&pp->gate_mu);
    int closed = pp->gate == 0;
    pthread_mutex_unlock(&pp->gate_mu);
    return closed;
}

/* *b is full, or the file ended (last): ship it. Before the gate it is
 * held instead, up to HELD_MAX blocks, and converted while the gate stays closed
 * (convert reads only the mapping, settled before the reader started; a
 * block cut again after the gate is converted by the converters); then, or
 * as soon as the gate is open, the reader passes the gate. */
static int ship_cut(struct sl_pipe *pp, struct sl_block **b, long long *batch_no, int last)
{
    int rc;
    if (!pp->passed) {
        int closed = gate_closed(pp), full = 0;
        if (*b) {
            if (closed && sl_convert_block(pp->plan, *b) == 0)
                (*b)->converted = 1;
            full = charge_held(pp, *b) != 0;
            pp->held[pp->nheld++] = *b;
            *b = NULL;
            (*batch_no)++;
        }
        if (!last && !full && pp->nheld < HELD_MAX && gate_closed(pp))
            return 0;
        if ((rc = pass_gate(pp)))
            return rc;
        return release_held(pp, b, batch_no, last);
    }
    if (!*b)
        return 0;
    rc = ship(pp, *b);
    *b = NULL;
    (*batch_no)++;
    return rc;
}

/* Adds one row to the block being cut, shipping it when full. */
static int cut(struct sl_pipe *pp, struct sl_block **b, long long *batch_no,
               const struct sl_row *row)
{
    size_t bs = (size_t)pp->bs;
    long long max = pp->in->opts->max_rows;
    if (max > 0 && pp->rows_read >= max)
        return sl_err_set(&pp->read_err, SL_ELIMIT,
                          "the file has more than %lld data rows (--max-rows %lld); the import "
                          "stopped at source row %lld",
                          max, max, row->num);
    if (!*b && !(*b = sl_block_new(*batch_no, block_rows(bs))))
        return sl_err_set(&pp->read_err, SL_ENOMEM, "out of memory reading the file");
    if (sl_block_add(*b, row))
        return sl_err_set(&pp->read_err, SL_ENOMEM, "out of memory reading the file");
    pp->rows_read++;
    if ((*b)->nrows < bs)
        return 0;
    return ship_cut(pp, b, batch_no, 0);
}

/* Excel's last row: gaps are filled with blank rows only up to it, so a
 * hostile row number cannot make the reader spin. */
#define MAX_FILLED_ROW 1048576LL

static void *reader_main(void *arg)
{
    struct sl_pipe *pp = arg;
    struct sl_block *b = NULL;
    long long batch_no = 0;
    struct sl_row row;
    int rc = 0;
    size_t npre = 0;
    long long prev = pp->in->prev_row;
    for (;;) {
        if (npre < pp->in->npre) {
            row = pp->in->pre[npre++];
        } else {
            rc = sl_reader_next(pp->in->reader, &row, &pp->read_err);
            if (rc <= 0)
                break;
        }
        /* An xlsx sheet holds no <row> for a blank row: the rows between two
         * that it holds are blank, as they are in the same data as CSV, and
         * are counted as such (skipped_blank). They take their place in the
         * blocks, so batches stay cut by source position. */
        while (prev > 0 && prev + 1 < row.num && prev + 1 <= MAX_FILLED_ROW && rc >= 0) {
            struct sl_row blank = {.num = ++prev, .ncells = 0, .cells = NULL};
            rc = cut(pp, &b, &batch_no, &blank);
            if (rc)
                break;
        }
        if (rc < 0)
            break;
        prev = row.num;
        if ((rc = cut(pp, &b, &batch_no, &row)))
            break;
    }
    if (rc == 0) {
        pp->eof = 1;
        atomic_store(&pp->rows_seen, pp->rows_read);
        atomic_store(&pp->at_end, 1);
    }
    if (rc == 0 && (b || pp->nheld))
        rc = ship_cut(pp, &b, &batch_no, 1);
    sl_block_free(b);
    atomic_store(&pp->bytes_read, (long long)sl_reader_bytes_read(pp->in->reader));
    if (rc < 0 && rc != SL_ECANCELED && rc != SL_ETIMEDOUT && rc != SL_ECLOSED) {
        pp->read_rc = rc;
        sl_ctx_cancel(pp->ctx, SL_ECANCELED); /* stop the others; the error is ours */
    }
    sl_chan_close(pp->blocks);
    return NULL;
}

static void *convert_main(void *arg)
{
    struct sl_pipe *pp = arg;
    void *item;
    while (sl_chan_recv(pp->blocks, &item, pp->ctx) == 0) {
        struct sl_block *b = item;
        if (!b->complete && !b->converted) {
            if (sl_convert_block(pp->plan, b)) {
                b->rc = sl_err_set(&b->err, SL_ENOMEM, "out of memory converting rows");
                b->complete = 1; /* nothing of it is written */
                b->done = 0;
                b->inserted = b->rejected = b->blank = 0;
            }
            sl_block_charge(b, &pp->budget, sl_block_bytes(b));
        }
        if (sl_pool_submit(pp->writer_pool, b))
            sl_block_free(b);
    }
    if (atomic_fetch_sub(&pp->converters_left, 1) == 1)
        sl_pool_close_jobs(pp->writer_pool);
    return NULL;
}

/* A writer pool worker's job: one block, on this worker's writer. */
static void *write_block(void *job, void *arg, struct sl_ctx *ctx)
{
    struct sl_block *b = job;
    if (!b->rc)
        sl_writer_block(arg, b);
    (void)ctx; /* the writer watches its own (the same) context */
    return b;
}

static void free_block(void *b, void *arg)
{
    sl_block_free(b);
    (void)arg;
}

static void drain(struct sl_chan *ch)
{
    void *item;
    if (!ch)
        return;
    while (sl_chan_try_recv(ch, &item) == 0)
        sl_block_free(item);
}

static void report(struct sl_pipe *pp, const struct sheetload_stats *st, int64_t t0)
{
    const struct sheetload_opts *o = pp->in->opts;
    if (!o->progress)
        return;
    struct sheetload_progress pr;
    memset(&pr, 0, sizeof pr);
    pr.import_id = pp->in->plan->import_id;
    pr.rows_inserted = st->success_count;
    pr.rows_rejected = st->error_count;
    pr.rows_done = atomic_load(&pp->settled);
    pr.bytes_read = atomic_load(&pp->bytes_read);
    pr.bytes_total = pp->bytes_total;
    pr.elapsed_s = sl_ns_to_s(sl_now_ns() - t0);
    pr.rows_per_s = pr.elapsed_s > 0 ? (double)pr.rows_done / pr.elapsed_s : 0;
    /* Percent of rows: the total is known at the end of the file, until
     * then estimated from the rows read per byte so far. */
    double seen = (double)atomic_load(&pp->rows_seen), total = -1;
    if (atomic_load(&pp->at_end))
        total = seen;
    else if (pr.bytes_read > 0 && pp->bytes_total > 0)
        total = seen * (double)pp->bytes_total / (double)pr.bytes_read;
    pr.percent = total > 0 ? 100.0 * (double)pr.rows_done / total : total == 0 ? 100 : -1;
    if (pr.percent > 100)
        pr.percent = 100;
    o->progress(&pr, o->progress_arg);
}

/* The import was cancelled or its deadline passed: interrupt every
 * writer's running statement (PQcancel, sqlite3_interrupt; both safe from
 * this thread), so a statement that waits in the database (a lock, a slow
 * trigger) does not hold the stop back. */
static void cancel_statements(struct sl_pipe *pp)
{
    if (!pp->in->sinks)
        return;
    for (int i = 0; i < pp->plan->writers; i++)
        if (pp->in->sinks[i])
            sl_sink_cancel(pp->in->sinks[i]);
}

/* The fan-in: fold every block's result into the statistics. It waits on a
 * child of the import's context, so a cancel or the deadline wakes it to
 * interrupt the writers' statements (once); then it waits unbounded for
 * the writers to leave. */
static int fan_in(struct sl_pipe *pp, struct sheetload_stats *st)
{
    const struct sheetload_opts *o = pp->in->opts;
    int64_t t0 = pp->in->t0, next = sl_now_ns() + SL_LOAD_PROGRESS_NS;
    int rc = 0, stopped = 0;
    for (;;) {
        void *item = NULL;
        struct sl_ctx *tick = NULL;
        if (o->progress || !stopped)
            tick = sl_ctx_new(stopped ? NULL : pp->ctx, o->progress ? next : SL_NEVER);
        int r = sl_chan_recv(sl_pool_results(pp->writer_pool), &item, tick);
        sl_ctx_free(tick);
        if (!stopped && (r == SL_ECANCELED || r == SL_ETIMEDOUT) && sl_ctx_err(pp->ctx)) {
            stopped = 1;
            cancel_statements(pp);
            continue;
        }
        if (r == SL_ETIMEDOUT || (o->progress && sl_now_ns() >= next)) {
            report(pp, st, t0);
            next = sl_now_ns() + SL_LOAD_PROGRESS_NS;
        }
        if (r == SL_ECLOSED)
            break;
        if (r || !item)
            continue;
        struct sl_block *b = item;
        if (b->complete && !b->rc)
            st->batches_skipped++;
        st->success_count += b->inserted;
        st->error_count += b->rejected;
        st->skipped_blank += b->blank;
        if (pp->in->rejects && !b->rc) {
            for (size_t i = 0; i < b->nrows; i++)
                if (b->rows[i].state == SL_ROW_REJECT &&
                    sl_rejects_add(pp->in->rejects, &b->rows[i]) && !rc)
                    rc = sl_err_set(&st->err, SL_ENOMEM, "out of memory keeping rejected rows");
        }
        if (b->rc && b->rc != SL_ECANCELED && b->rc != SL_ETIMEDOUT && !rc) {
            rc = b->rc;
            st->err = b->err;
            if (!st->err.code)
                st->err.code = rc;
            sl_ctx_cancel(pp->ctx, SL_ECANCELED);
        }
        if (o->max_errors > 0 && st->error_count >= o->max_errors && !rc) {
            rc = sl_err_set(&st->err, SL_EMAXERR,
                            "stopped after %lld rejected rows (--max-errors %lld)", st->error_count,
                            o->max_errors);
            sl_ctx_cancel(pp->ctx, SL_ECANCELED);
        }
        sl_block_free(b);
    }
    report(pp, st, t0);
    return rc;
}

/* The writers: one per sink, run by a pool whose worker i owns writer i. */
static int start_writers(struct sl_pipe *pp, int nwrite)
{
    struct sl_pipeline_in *in = pp->in;
    void *args[SL_LOAD_MAX_WORKERS];
    pp->writers = sl_calloc((size_t)nwrite, sizeof *pp->writers);
    if (!pp->writers)
        return SL_ENOMEM;
    for (int i = 0; i < nwrite; i++) {
        struct sl_writer *w = &pp->writers[i];
        w->sink = in->sinks ? in->sinks[i] : NULL;
        w->plan = pp->plan;
        w->ctx = in->ctx;
        w->seed = (unsigned)(sl_now_ns() ^ (i * 7919));
        w->owner = pp;
        w->settled = &pp->settled;
        args[i] = w;
    }
    struct sl_pool_opts o = {.workers = nwrite,
                             .jobs_cap = (size_t)nwrite * 2,
                             .results_cap = (size_t)nwrite * 2 + 2,
                             .fn = write_block,
                             .drop = free_block,
                             .drop_result = free_block,
                             .worker_args = args,
                             .deliver_all = 1,
                             .ctx = in->ctx};
    pp->writer_pool = sl_pool_start(&o);
    return pp->writer_pool ? 0 : SL_ENOMEM;
}

/* The bytes the blocks in flight may hold: a share of the import's
 * budget, but room for two blocks of 5,000 rows of 30 texts (about 8 MB
 * each; one block past the bound goes alone, and the stages would take
 * turns) unless that is past a quarter of the budget (0, unbounded, when
 * the budget is). */
static size_t inflight_limit(uint64_t max_memory)
{
    if (max_memory == SHEETLOAD_MEMORY_UNBOUNDED)
        return 0;
    size_t mem = max_memory ? (size_t)max_memory : SL_LOAD_INFLIGHT_DEFAULT;
    size_t n = mem / SL_LOAD_INFLIGHT_SHARE;
    if (n < SL_LOAD_INFLIGHT_MIN)
        n = SL_LOAD_INFLIGHT_MIN < mem / 4 ? SL_LOAD_INFLIGHT_MIN : mem / 4;
    return n;
}

struct sl_pipe *sl_pipeline_start(struct sl_pipeline_in *in, struct sl_error *err)
{
    struct sl_pipe *pp = sl_calloc(1, sizeof *pp);
    if (!pp) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        return NULL;
    }
    pp->in = in;
    pp->plan = in->plan;
    pp->ctx = in->ctx;
    pp->nconv = in->plan->converters;
    pp->bs = in->plan->batch_size;
    pp->bytes_total = (long long)sl_reader_bytes_total(in->reader);
    pthread_mutex_init(&pp->gate_mu, NULL);
    pthread_cond_init(&pp->gate_cv, NULL);
    if (sl_budget_init(&pp->budget, inflight_limit(in->opts->limits.max_memory)) == 0)
        pp->budget_inited = 1;
    if (!pp->budget_inited || !(pp->blocks = sl_chan_new((size_t)pp->nconv * 2)) ||
        pthread_create(&pp->rd, NULL, reader_main, pp) != 0) {
        sl_err_set(err, SL_ENOMEM, "could not start the import's reader");
        sl_pipeline_free(pp);
        return NULL;
    }
    pp->rd_started = 1;
    return pp;
}

static void open_gate(struct sl_pipe *pp, int how)
{
    pthread_mutex_lock(&pp->gate_mu);
    if (pp->gate == 0) {
        pp->gate = how;
        pp->gate_bs = pp->plan->batch_size;
    }
    pthread_cond_broadcast(&pp->gate_cv);
    pthread_mutex_unlock(&pp->gate_mu);
}

/* The reader stops (at the gate, or at its next send) and is joined. */
static void stop_reader(struct sl_pipe *pp)
{
    if (!pp->rd_started || pp->rd_joined)
        return;
    open_gate(pp, -1);
    sl_chan_close(pp->blocks);
    sl_budget_close(&pp->budget);
    pthread_join(pp->rd, NULL);
    pp->rd_joined = 1;
}

void sl_pipeline_free(struct sl_pipe *pp)
{
    if (!pp)
        return;
    stop_reader(pp);
    for (size_t i = 0; i < pp->nheld; i++)
        sl_block_free(pp->held[i]);
    drain(pp->blocks);
    sl_chan_free(pp->blocks);
    if (pp->budget_inited)
        sl_budget_destroy(&pp->budget);
    pthread_cond_destroy(&pp->gate_cv);
    pthread_mutex_destroy(&pp->gate_mu);
    sl_free(pp);
}

int sl_pipeline_run(struct sl_pipe *pp, struct sheetload_stats *st)
{
    struct sl_pipeline_in *in = pp->in;
    const struct sl_plan *p = in->plan;
    pthread_t cv[SL_LOAD_MAX_CONVERTERS];
    int ncv = 0, rc = 0;
    int nconv = pp->nconv, nwrite = in->sinks ? p->writers : 1;
    atomic_store(&pp->converters_left, nconv);
    /* Start from the end of the line so every consumer exists first; the
     * reader runs already and waits at the gate. */
    if (start_writers(pp, nwrite)) {
        rc = sl_err_set(&st->err, SL_ENOMEM, "could not start the import's writers");
        stop_reader(pp);
        goto out;
    }
    for (; ncv < nconv; ncv++)
        if (pthread_create(&cv[ncv], NULL, convert_main, pp))
            break;
    if (ncv < nconv) {
        /* Threads that did start see cancelled, closed channels and leave. */
        rc = sl_err_set(&st->err, SL_ENOMEM, "could not start the import's threads");
        sl_ctx_cancel(in->ctx, SL_ECANCELED);
        stop_reader(pp);
        sl_pool_close_jobs(pp->writer_pool);
    } else {
        open_gate(pp, 1);
    }
    int frc = ncv == nconv ? fan_in(pp, st) : 0;
    stop_reader(pp); /* it has ended (the fan-in saw every block) */
    for (int i = 0; i < ncv; i++)
        pthread_join(cv[i], NULL);
    if (!rc && pp->read_rc) {
        rc = pp->read_rc;
        st->err = pp->read_err;
    }
    if (!rc)
        rc = frc;
    in->rows_read = pp->rows_read;
    in->eof = pp->eof;
    /* A test hook: the most bytes the blocks held at once, and the limit. */
    if (getenv("SL_PIPE_PEAK"))
        fprintf(stderr, "pipeline: at most %zu bytes in flight (limit %zu)\n",
                sl_budget_peak(&pp->budget), pp->budget.limit);
out:
    sl_pool_join(pp->writer_pool); /* frees the blocks left in batches and results */
    drain(pp->blocks);
    if (pp->writers)
        for (int i = 0; i < nwrite; i++)
            sl_writer_release(&pp->writers[i]);
    sl_free(pp->writers);
    pp->writers = NULL;
    return rc;
}
