/* test_conc_ctx.c - contexts: the tree, the first reason sticks, deadlines
 * inherited and fired, watchers woken, lifetimes in any order, and the
 * wait group beside them. Deterministic: barriers and counts. */
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>

#include "base/clock.h"
#include "conc/ctx.h"
#include "conc/wg.h"
#include "base/err.h"
#include "test.h"

static void test_tree(void)
{
    struct sl_ctx *root = sl_ctx_new(NULL, SL_NEVER);
    struct sl_ctx *a = sl_ctx_new(root, SL_NEVER);
    struct sl_ctx *b = sl_ctx_new(a, SL_NEVER);
    struct sl_ctx *c = sl_ctx_new(root, SL_NEVER);
    T_OK(root && a && b && c);
    T_EQ_INT(sl_ctx_err(root), 0);
    T_EQ_INT(sl_ctx_err(b), 0);
    T_EQ_INT(sl_ctx_deadline(b), SL_NEVER);

    /* Cancelling a reaches its descendants, not its parent or sibling. */
    sl_ctx_cancel(a, SL_ECANCELED);
    T_EQ_INT(sl_ctx_err(a), SL_ECANCELED);
    T_EQ_INT(sl_ctx_err(b), SL_ECANCELED);
    T_EQ_INT(sl_ctx_err(root), 0);
    T_EQ_INT(sl_ctx_err(c), 0);

    /* The root's reason reaches c; a and b keep their first reason. */
    sl_ctx_cancel(root, SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(root), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(c), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(a), SL_ECANCELED);
    T_EQ_INT(sl_ctx_err(b), SL_ECANCELED);
    sl_ctx_cancel(root, SL_ECANCELED); /* idempotent */
    T_EQ_INT(sl_ctx_err(root), SL_ETIMEDOUT);

    /* A child of a cancelled parent starts cancelled, with the reason. */
    struct sl_ctx *late = sl_ctx_new(c, SL_NEVER);
    T_EQ_INT(sl_ctx_err(late), SL_ETIMEDOUT);

    /* NULL is a context that never ends. */
    T_EQ_INT(sl_ctx_err(NULL), 0);
    T_EQ_INT(sl_ctx_peek(NULL), 0);
    T_EQ_INT(sl_ctx_deadline(NULL), SL_NEVER);
    sl_ctx_cancel(NULL, SL_ECANCELED);

    /* Free in any order: parents first here (ASan checks the memory). */
    sl_ctx_free(root);
    sl_ctx_free(a);
    sl_ctx_free(late);
    sl_ctx_free(c);
    sl_ctx_free(b);
}

static void test_deadlines(void)
{
    int64_t now = sl_now_ns();
    struct sl_ctx *p = sl_ctx_new(NULL, now + 1000000000000LL);
    struct sl_ctx *early = sl_ctx_new(p, now + 5000000000LL);
    struct sl_ctx *later = sl_ctx_new(p, now + 2000000000000LL);
    T_EQ_INT(sl_ctx_deadline(early), now + 5000000000LL);
    T_EQ_INT(sl_ctx_deadline(later), now + 1000000000000LL);
    sl_ctx_free(later);
    sl_ctx_free(early);
    sl_ctx_free(p);

    /* A passed deadline: peek reports it without recording it, err records
     * it on the context that owns the deadline, so the sibling sees it. */
    p = sl_ctx_new(NULL, now - 1);
    struct sl_ctx *x = sl_ctx_new(p, SL_NEVER);
    struct sl_ctx *y = sl_ctx_new(p, SL_NEVER);
    T_EQ_INT(sl_ctx_peek(x), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(x), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(p), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_peek(y), SL_ETIMEDOUT);
    sl_ctx_free(x);
    sl_ctx_free(y);
    sl_ctx_free(p);

    /* A cancel before the deadline keeps its reason. */
    p = sl_ctx_new(NULL, now - 1);
    sl_ctx_cancel(p, SL_ECANCELED);
    T_EQ_INT(sl_ctx_err(p), SL_ECANCELED);
    sl_ctx_free(p);

    /* A child's deadline past, the parent's not: only the child ends. */
    p = sl_ctx_new(NULL, SL_NEVER);
    x = sl_ctx_new(p, now - 1);
    T_EQ_INT(sl_ctx_err(x), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(p), 0);
    sl_ctx_free(x);
    sl_ctx_free(p);
}

/* A thread waits on its own condition variable, registered as a watcher of
 * a grandchild; cancelling the root wakes it. */
struct watcher {
    struct sl_ctx *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int waiting; /* guarded by mu */
    int rc;
};

static void *watch_thread(void *arg)
{
    struct watcher *w = arg;
    struct sl_ctx_watch reg = {.mu = &w->mu, .cond = &w->cond};
    int rc = sl_ctx_watch(w->ctx, &reg);
    int registered = rc == 0;
    pthread_mutex_lock(&w->mu);
    w->waiting = 1;
    pthread_cond_broadcast(&w->cond); /* tell the test we are in */
    while (rc == 0 && (rc = sl_ctx_peek(w->ctx)) == 0)
        pthread_cond_wait(&w->cond, &w->mu);
    w->waiting = 0;
    pthread_mutex_unlock(&w->mu);
    if (registered)
        sl_ctx_unwatch(w->ctx, &reg);
    w->rc = rc;
    return NULL;
}

static void test_watch(void)
{
    struct sl_ctx *root = sl_ctx_new(NULL, SL_NEVER);
    struct sl_ctx *mid = sl_ctx_new(root, SL_NEVER);
    struct sl_ctx *leaf = sl_ctx_new(mid, SL_NEVER);
    struct watcher w = {.ctx = leaf};
    pthread_mutex_init(&w.mu, NULL);
    T_EQ_INT(sl_cond_init_monotonic(&w.cond), 0);
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, watch_thread, &w), 0);
    /* The thread broadcasts once registered and holding mu; after that it
     * only releases mu inside pthread_cond_wait. */
    pthread_mutex_lock(&w.mu);
    while (!w.waiting)
        pthread_cond_wait(&w.cond, &w.mu);
    pthread_mutex_unlock(&w.mu);
    sl_ctx_cancel(root, SL_ECANCELED);
    pthread_join(t, NULL);
    T_EQ_INT(w.rc, SL_ECANCELED);
    /* Registering on a cancelled context fails and does not register. */
    struct sl_ctx_watch reg = {.mu = &w.mu, .cond = &w.cond};
    T_EQ_INT(sl_ctx_watch(leaf, &reg), SL_ECANCELED);
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.mu);
    sl_ctx_free(leaf);
    sl_ctx_free(mid);
    sl_ctx_free(root);
}

/* Many threads make and free children of one context while it is
 * cancelled: each child is cancelled (it was created before or after the
 * cancel, never missed). TSan checks the locking. */
#define CHURN_THREADS 4
#define CHURN_ROUNDS  2000

struct churn {
    struct sl_ctx *root;
    pthread_barrier_t *start;
    atomic_int *after_cancel_live;
};

static void *churn_thread(void *arg)
{
    struct churn *c = arg;
    pthread_barrier_wait(c->start);
    for (int i = 0; i < CHURN_ROUNDS; i++) {
        struct sl_ctx *k = sl_ctx_new(c->root, SL_NEVER);
        struct sl_ctx *g = sl_ctx_new(k, SL_NEVER);
        if (!k || !g)
            T_FAIL("out of memory");
        sl_ctx_free(k); /* parent first; g keeps it */
        sl_ctx_free(g);
    }
    pthread_barrier_wait(c->start); /* the cancel happens here */
    pthread_barrier_wait(c->start);
    struct sl_ctx *k = sl_ctx_new(c->root, SL_NEVER);
    if (sl_ctx_err(k) != SL_ECANCELED)
        atomic_fetch_add(c->after_cancel_live, 1);
    sl_ctx_free(k);
    return NULL;
}

static void test_churn(void)
{
    struct sl_ctx *root = sl_ctx_new(NULL, SL_NEVER);
    pthread_barrier_t start;
    atomic_int live = 0;
    pthread_barrier_init(&start, NULL, CHURN_THREADS + 1);
    struct churn c = {.root = root, .start = &start, .after_cancel_live = &live};
    pthread_t t[CHURN_THREADS];
    for (int i = 0; i < CHURN_THREADS; i++)
        T_EQ_INT(pthread_create(&t[i], NULL, churn_thread, &c), 0);
    pthread_barrier_wait(&start);
    /* cancel a child of root repeatedly while the threads churn */
    for (int i = 0; i < CHURN_ROUNDS; i++) {
        struct sl_ctx *k = sl_ctx_new(root, SL_NEVER);
        sl_ctx_cancel(k, SL_ECANCELED);
        sl_ctx_free(k);
    }
    pthread_barrier_wait(&start);
    sl_ctx_cancel(root, SL_ECANCELED);
    pthread_barrier_wait(&start);
    for (int i = 0; i < CHURN_THREADS; i++)
        pthread_join(t[i], NULL);
    T_EQ_INT(atomic_load(&live), 0);
    pthread_barrier_destroy(&start);
    sl_ctx_free(root);
}

/* ---- sleeping ---- */

static void *sleeper(void *arg)
{
    struct sl_ctx *ctx = arg;
    /* an hour: only the cancel can end it (before or during the sleep) */
    intptr_t rc = sl_ctx_sleep(ctx, 3600LL * 1000000000);
    return (void *)rc;
}

static void test_sleep(void)
{
    T_EQ_INT(sl_ctx_sleep(NULL, 1000000), 0); /* 1 ms, full */
    T_EQ_INT(sl_ctx_sleep(NULL, 0), 0);
    T_EQ_INT(sl_ctx_sleep(NULL, -5), 0);
    struct sl_ctx *root = sl_ctx_new(NULL, SL_NEVER);
    struct sl_ctx *child = sl_ctx_new(root, SL_NEVER);
    T_EQ_INT(sl_ctx_sleep(child, 1000000), 0);
    pthread_t t;
    void *rc;
    T_EQ_INT(pthread_create(&t, NULL, sleeper, child), 0);
    sl_ctx_cancel(root, SL_ECANCELED);
    pthread_join(t, &rc);
    T_EQ_INT((intptr_t)rc, SL_ECANCELED);
    sl_ctx_free(child);
    sl_ctx_free(root);
    /* The deadline comes before the end of the sleep. */
    struct sl_ctx *d = sl_ctx_new(NULL, sl_deadline_after(0.01));
    T_EQ_INT(sl_ctx_sleep(d, 3600LL * 1000000000), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(d), SL_ETIMEDOUT);
    sl_ctx_free(d);
}

/* ---- wait group ---- */

#define WG_N 8

struct wg_arg {
    struct sl_wg *wg;
    atomic_int *done;
    pthread_barrier_t *start;
};

static void *wg_thread(void *arg)
{
    struct wg_arg *a = arg;
    pthread_barrier_wait(a->start); /* all finish together */
    atomic_fetch_add(a->done, 1);
    sl_wg_done(a->wg);
    return NULL;
}

static void test_wg(void)
{
    struct sl_wg wg;
    atomic_int done = 0;
    pthread_barrier_t start;
    T_EQ_INT(sl_wg_init(&wg), 0);
    pthread_barrier_init(&start, NULL, WG_N);
    struct wg_arg a = {&wg, &done, &start};
    pthread_t t[WG_N];
    sl_wg_add(&wg, WG_N);
    for (int i = 0; i < WG_N; i++)
        T_EQ_INT(pthread_create(&t[i], NULL, wg_thread, &a), 0);
    sl_wg_wait(&wg);
    T_EQ_INT(atomic_load(&done), WG_N); /* wait returned after every done */
    for (int i = 0; i < WG_N; i++)
        pthread_join(t[i], NULL);
    sl_wg_wait(&wg); /* zero: returns at once */
    pthread_barrier_destroy(&start);
    sl_wg_destroy(&wg);
}

int main(void)
{
    alarm(120); /* a hang (a lost wake-up) fails instead of waiting for ctest */
    T_RUN(test_tree);
    T_RUN(test_deadlines);
    T_RUN(test_watch);
    T_RUN(test_churn);
    T_RUN(test_sleep);
    T_RUN(test_wg);
    return 0;
}
