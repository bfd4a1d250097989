/* test_conc_pool.c - the worker pool: every job's result fanned in, a
 * clean shutdown, and after a cancel with jobs still queued every job is
 * either processed or dropped (counted; ASan checks that nothing leaks);
 * per-worker state (worker_args) and results delivered after a cancel
 * (deliver_all), as the import's writers use them.
 * Deterministic: workers are held in fn by a semaphore, never by sleeps. */
#include <pthread.h>
#include <unistd.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "conc/chan.h"
#include "conc/ctx.h"
#include "conc/pool.h"
#include "base/err.h"
#include "test.h"

struct counts {
    atomic_long processed, dropped, results_dropped;
    sem_t entered; /* posted by fn when it starts (gated runs) */
    sem_t gate;    /* fn waits on it (gated runs) */
    int gated;
};

/* Jobs and results are heap numbers, so a leak shows under ASan. */
static long *num(long v)
{
    long *p = sl_malloc(sizeof(*p));
    if (!p)
        T_FAIL("out of memory");
    *p = v;
    return p;
}

static void *square(void *job, void *arg, struct sl_ctx *ctx)
{
    struct counts *c = arg;
    if (c->gated) {
        sem_post(&c->entered);
        sem_wait(&c->gate);
    }
    long v = *(long *)job;
    sl_free(job);
    atomic_fetch_add(&c->processed, 1);
    return num(v * v);
}

static void drop_job(void *job, void *arg)
{
    struct counts *c = arg;
    sl_free(job);
    atomic_fetch_add(&c->dropped, 1);
}

static void drop_result(void *res, void *arg)
{
    struct counts *c = arg;
    sl_free(res);
    atomic_fetch_add(&c->results_dropped, 1);
}

static void counts_init(struct counts *c, int gated)
{
    atomic_init(&c->processed, 0);
    atomic_init(&c->dropped, 0);
    atomic_init(&c->results_dropped, 0);
    sem_init(&c->entered, 0, 0);
    sem_init(&c->gate, 0, 0);
    c->gated = gated;
}

static void counts_destroy(struct counts *c)
{
    sem_destroy(&c->entered);
    sem_destroy(&c->gate);
}

/* A submitter thread, so the test thread can consume results meanwhile. */
struct submit {
    struct sl_pool *p;
    long n;
};

static void *submitter(void *arg)
{
    struct submit *s = arg;
    for (long i = 1; i <= s->n; i++) {
        long *job = num(i);
        if (sl_pool_submit(s->p, job) != 0)
            T_FAIL("submit %ld failed", i);
    }
    sl_pool_close_jobs(s->p);
    return NULL;
}

#define RUN_N 20000

static void test_run(void)
{
    struct counts c;
    counts_init(&c, 0);
    struct sl_pool_opts o = {.workers = 4,
                             .jobs_cap = 16,
                             .results_cap = 8,
                             .fn = square,
                             .drop = drop_job,
                             .drop_result = drop_result,
                             .arg = &c};
    struct sl_pool *p = sl_pool_start(&o);
    T_OK(p);
    struct submit s = {p, RUN_N};
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, submitter, &s), 0);
    long count = 0;
    unsigned long long sum = 0;
    void *res;
    int rc;
    while ((rc = sl_chan_recv(sl_pool_results(p), &res, NULL)) == 0) {
        sum += (unsigned long long)*(long *)res;
        count++;
        sl_free(res);
    }
    T_EQ_INT(rc, SL_ECLOSED); /* the last worker closed the results */
    pthread_join(t, NULL);
    sl_pool_join(p);
    T_EQ_INT(count, RUN_N);
    T_EQ_INT(sum, (unsigned long long)RUN_N * (RUN_N + 1) * (2 * RUN_N + 1) / 6);
    T_EQ_INT(atomic_load(&c.processed), RUN_N);
    T_EQ_INT(atomic_load(&c.dropped), 0);
    T_EQ_INT(atomic_load(&c.results_dropped), 0);
    counts_destroy(&c);
}

#define CW 3  /* workers, each held inside fn */
#define CQ 10 /* jobs left queued behind them */

static void test_cancel_with_queued_jobs(void)
{
    struct counts c;
    counts_init(&c, 1);
    struct sl_ctx *ctx = sl_ctx_new(NULL, SL_NEVER);
    struct sl_pool_opts o = {.workers = CW,
                             .jobs_cap = CQ,
                             .results_cap = 1,
                             .fn = square,
                             .drop = drop_job,
                             .drop_result = drop_result,
                             .arg = &c,
                             .ctx = ctx};
    struct sl_pool *p = sl_pool_start(&o);
    T_OK(p);
    for (long i = 0; i < CW; i++)
        T_EQ_INT(sl_pool_submit(p, num(i)), 0);
    for (int i = 0; i < CW; i++) /* every worker is inside fn now */
        sem_wait(&c.entered);
    for (long i = 0; i < CQ; i++)
        T_EQ_INT(sl_pool_submit(p, num(100 + i)), 0);
    T_EQ_INT(sl_chan_len(sl_pool_results(p)), 0);
    sl_ctx_cancel(ctx, SL_ECANCELED);
    long *late = num(-1);
    T_EQ_INT(sl_pool_submit(p, late), SL_ECANCELED); /* the caller keeps it */
    sl_free(late);
    for (int i = 0; i < CW; i++)
        sem_post(&c.gate);
    /* The workers finish their job, cannot send (cancelled), drop the
     * result, see the cancel and leave; the last one closes results. */
    void *res;
    T_EQ_INT(sl_chan_recv(sl_pool_results(p), &res, NULL), SL_ECLOSED);
    sl_pool_join(p);
    T_EQ_INT(atomic_load(&c.processed), CW);
    T_EQ_INT(atomic_load(&c.dropped), CQ);
    T_EQ_INT(atomic_load(&c.results_dropped), CW);
    T_EQ_INT(atomic_load(&c.processed) + atomic_load(&c.dropped), CW + CQ);
    sl_ctx_free(ctx);
    counts_destroy(&c);
}

/* A cancel while workers are blocked sending into a full results channel
 * nobody reads: join still returns, and every result is dropped once. */
static void test_cancel_blocked_results(void)
{
    struct counts c;
    counts_init(&c, 0);
    struct sl_ctx *ctx = sl_ctx_new(NULL, SL_NEVER);
    struct sl_pool_opts o = {.workers = 2,
                             .jobs_cap = 4,
                             .results_cap = 1,
                             .fn = square,
                             .drop = drop_job,
                             .drop_result = drop_result,
                             .arg = &c,
                             .ctx = ctx};
    struct sl_pool *p = sl_pool_start(&o);
    T_OK(p);
    for (long i = 0; i < 3; i++)
        T_EQ_INT(sl_pool_submit(p, num(i)), 0);
    /* One result fills the channel; two workers block sending theirs. */
    struct sl_chan *results = sl_pool_results(p);
    for (;;) {
        size_t senders;
        sl_chan_waiters(results, &senders, NULL);
        if (senders == 2)
            break;
        sched_yield();
    }
    T_EQ_INT(sl_chan_len(results), 1);
    sl_ctx_cancel(ctx, SL_ECANCELED);
    sl_pool_join(p);
    T_EQ_INT(atomic_load(&c.processed), 3);
    T_EQ_INT(atomic_load(&c.results_dropped), 3); /* 2 by workers, 1 by join */
    T_EQ_INT(atomic_load(&c.dropped), 0);
    sl_ctx_free(ctx);
    counts_destroy(&c);
}

/* Worker i gets worker_args[i]: its own counter, touched by it alone (TSan
 * would see a second thread). Every job lands in exactly one counter. */
struct own {
    long jobs;
    pthread_t thread;
    int seen;
};

static void *count_own(void *job, void *arg, struct sl_ctx *ctx)
{
    struct own *o = arg;
    if (!o->seen) {
        o->thread = pthread_self();
        o->seen = 1;
    } else if (!pthread_equal(o->thread, pthread_self())) {
        T_FAIL("one worker's state used by two threads");
    }
    o->jobs++;
    return job;
}

#define OWN_W 4
#define OWN_N 4000

static void test_worker_args(void)
{
    struct counts c;
    counts_init(&c, 0);
    struct own own[OWN_W];
    void *args[OWN_W];
    memset(own, 0, sizeof own);
    for (int i = 0; i < OWN_W; i++)
        args[i] = &own[i];
    struct sl_pool_opts o = {.workers = OWN_W,
                             .jobs_cap = 8,
                             .results_cap = 8,
                             .fn = count_own,
                             .drop = drop_job,
                             .drop_result = drop_result,
                             .arg = &c,
                             .worker_args = args};
    struct sl_pool *p = sl_pool_start(&o);
    T_OK(p);
    struct submit s = {p, OWN_N};
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, submitter, &s), 0);
    long count = 0;
    void *res;
    while (sl_chan_recv(sl_pool_results(p), &res, NULL) == 0) {
        count++;
        sl_free(res);
    }
    pthread_join(t, NULL);
    sl_pool_join(p);
    long sum = 0;
    for (int i = 0; i < OWN_W; i++)
        sum += own[i].jobs;
    T_EQ_INT(count, OWN_N);
    T_EQ_INT(sum, OWN_N);
    T_EQ_INT(atomic_load(&c.dropped) + atomic_load(&c.results_dropped), 0);
    counts_destroy(&c);
}

/* deliver_all: workers inside fn when the context is cancelled still hand
 * over their results (the import counts a batch that committed), through a
 * results channel of one slot; none is dropped, the queued jobs are. */
static void test_deliver_all(void)
{
    struct counts c;
    counts_init(&c, 1);
    struct sl_ctx *ctx = sl_ctx_new(NULL, SL_NEVER);
    struct sl_pool_opts o = {.workers = CW,
                             .jobs_cap = CQ,
                             .results_cap = 1,
                             .fn = square,
                             .drop = drop_job,
                             .drop_result = drop_result,
                             .arg = &c,
                             .deliver_all = 1,
                             .ctx = ctx};
    struct sl_pool *p = sl_pool_start(&o);
    T_OK(p);
    for (long i = 0; i < CW; i++)
        T_EQ_INT(sl_pool_submit(p, num(i)), 0);
    for (int i = 0; i < CW; i++) /* every worker is inside fn now */
        sem_wait(&c.entered);
    for (long i = 0; i < CQ; i++)
        T_EQ_INT(sl_pool_submit(p, num(100 + i)), 0);
    sl_ctx_cancel(ctx, SL_ECANCELED);
    for (int i = 0; i < CW; i++)
        sem_post(&c.gate);
    long got = 0;
    void *res;
    while (sl_chan_recv(sl_pool_results(p), &res, NULL) == 0) {
        got++;
        sl_free(res);
    }
    sl_pool_join(p);
    T_EQ_INT(got, CW);
    T_EQ_INT(atomic_load(&c.results_dropped), 0);
    T_EQ_INT(atomic_load(&c.processed), CW);
    T_EQ_INT(atomic_load(&c.dropped), CQ);
    sl_ctx_free(ctx);
    counts_destroy(&c);
}

static void test_bad_opts(void)
{
    struct sl_pool_opts o = {.workers = 0, .jobs_cap = 1, .results_cap = 1, .fn = square};
    T_OK(sl_pool_start(&o) == NULL);
    o.workers = 1;
    o.fn = NULL;
    T_OK(sl_pool_start(&o) == NULL);
    T_OK(sl_pool_start(NULL) == NULL);
}

int main(void)
{
    alarm(120); /* a hang (a lost wake-up) fails instead of waiting for ctest */
    T_RUN(test_bad_opts);
    T_RUN(test_run);
    T_RUN(test_cancel_with_queued_jobs);
    T_RUN(test_cancel_blocked_results);
    T_RUN(test_worker_args);
    T_RUN(test_deliver_all);
    return 0;
}
