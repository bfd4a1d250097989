/* pool.c - N worker threads over a job channel, their results fanned in to
 * one results channel.
 *
 * DESIGN. Ownership: a job belongs to the submitter until sl_pool_submit
 * succeeds, then to the jobs channel, then to the worker that received it
 * (fn owns it). A result belongs to the worker until it is sent, then to
 * whoever receives it from the results channel. After a cancel, jobs still
 * queued are dropped by sl_pool_join and results that could not be sent
 * are dropped by the worker that made them (with deliver_all none are:
 * the send waits for the receiver); results still queued at join are
 * dropped by join. Nothing else is shared: live is a wait group (the
 * worker that brings it to zero closes results, as the tutorial's closer
 * does after wg.Wait()); opts, the channels and the thread ids are
 * written before the first thread starts and only read afterwards. No lock
 * of its own besides the wait group's; the channels lock themselves.
 */
#include "conc/pool.h"

#include <pthread.h>

#include "base/alloc.h"
#include "conc/chan.h"
#include "conc/ctx.h"
#include "conc/wg.h"
#include "sheetload.h"

struct sl_pool;

struct worker {
    struct sl_pool *p;
    void *arg; /* fn's */
};

struct sl_pool {
    struct sl_pool_opts o;
    struct sl_chan *jobs;
    struct sl_chan *results;
    pthread_t *threads;
    struct worker *workers;
    int started;       /* threads created */
    int live_ok;       /* live initialised */
    struct sl_wg live; /* workers not yet finished */
};

static void *worker(void *arg)
{
    struct worker *w = arg;
    struct sl_pool *p = w->p;
    struct sl_ctx *send_ctx = p->o.deliver_all ? NULL : p->o.ctx;
    void *job;
    while (sl_chan_recv(p->jobs, &job, p->o.ctx) == 0) {
        void *res = p->o.fn(job, w->arg, p->o.ctx);
        if (res && sl_chan_send(p->results, res, send_ctx) != 0 && p->o.drop_result)
            p->o.drop_result(res, p->o.arg);
    }
    if (sl_wg_done(&p->live))
        sl_chan_close(p->results);
    return NULL;
}

static void pool_free(struct sl_pool *p)
{
    sl_chan_free(p->jobs);
    sl_chan_free(p->results);
    if (p->live_ok)
        sl_wg_destroy(&p->live);
    sl_free(p->threads);
    sl_free(p->workers);
    sl_free(p);
}

struct sl_pool *sl_pool_start(const struct sl_pool_opts *opts)
{
    if (!opts || opts->workers < 1 || opts->jobs_cap < 1 || opts->results_cap < 1 || !opts->fn)
        return NULL;
    struct sl_pool *p = sl_calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->o = *opts;
    p->jobs = sl_chan_new(opts->jobs_cap);
    p->results = sl_chan_new(opts->results_cap);
    p->threads = sl_calloc((size_t)opts->workers, sizeof(pthread_t));
    p->workers = sl_calloc((size_t)opts->workers, sizeof(struct worker));
    if (!p->jobs || !p->results || !p->threads || !p->workers || sl_wg_init(&p->live)) {
        pool_free(p);
        return NULL;
    }
    p->live_ok = 1;
    sl_wg_add(&p->live, opts->workers);
    for (int i = 0; i < opts->workers; i++) {
        p->workers[i].p = p;
        p->workers[i].arg = opts->worker_args ? opts->worker_args[i] : opts->arg;
        if (pthread_create(&p->threads[i], NULL, worker, &p->workers[i]) != 0) {
            /* The missing workers count as finished; the started ones see
             * the closed, empty job channel and exit. */
            p->started = i;
            for (int m = i; m < opts->workers; m++)
                if (sl_wg_done(&p->live))
                    sl_chan_close(p->results);
            sl_chan_close(p->jobs);
            for (int j = 0; j < i; j++)
                pthread_join(p->threads[j], NULL);
            pool_free(p);
            return NULL;
        }
    }
    p->started = opts->workers;
    return p;
}

int sl_pool_submit(struct sl_pool *p, void *job)
{
    return sl_chan_send(p->jobs, job, p->o.ctx);
}

void sl_pool_close_jobs(struct sl_pool *p)
{
    sl_chan_close(p->jobs);
}

struct sl_chan *sl_pool_results(struct sl_pool *p)
{
    return p->results;
}

void sl_pool_join(struct sl_pool *p)
{
    if (!p)
        return;
    /* Without a cancel, workers leave only once jobs is closed and drained. */
    sl_chan_close(p->jobs);
    sl_wg_wait(&p->live);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    void *item;
    while (sl_chan_try_recv(p->jobs, &item) == 0)
        if (p->o.drop)
            p->o.drop(item, p->o.arg);
    while (sl_chan_try_recv(p->results, &item) == 0)
        if (p->o.drop_result)
            p->o.drop_result(item, p->o.arg);
    pool_free(p);
}
