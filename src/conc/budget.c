/* budget.c - a counting semaphore in bytes: one mutex, one condition.
 *
 * mu guards every field. Waiters wait on cond in a while loop; release and
 * close broadcast it (waiters want different amounts, so one signal could
 * wake the wrong one). A waiter with a context registers a watcher (mu +
 * cond) with it so a cancel wakes it; a deadline bounds the wait with
 * pthread_cond_timedwait on the CLOCK_MONOTONIC condition. Lock order as in
 * chan.c: a context's lock before mu, so mu is dropped around
 * sl_ctx_watch / unwatch / err, and under mu only sl_ctx_peek is used.
 */
#include "conc/budget.h"

#include "base/clock.h"
#include "base/err.h"
#include "conc/ctx.h"

int sl_budget_init(struct sl_budget *b, size_t limit)
{
    int rc = pthread_mutex_init(&b->mu, NULL);
    if (rc != 0)
        return rc;
    if ((rc = sl_cond_init_monotonic(&b->cond)) != 0) {
        pthread_mutex_destroy(&b->mu);
        return rc;
    }
    b->limit = limit;
    b->used = b->peak = 0;
    b->closed = 0;
    return 0;
}

void sl_budget_destroy(struct sl_budget *b)
{
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->mu);
}

/* With mu held. */
static void take(struct sl_budget *b, size_t n)
{
    b->used += n;
    if (b->used > b->peak)
        b->peak = b->used;
}

static int fits(const struct sl_budget *b, size_t n)
{
    return !b->limit || b->used == 0 || (b->used < b->limit && n <= b->limit - b->used);
}

/* One wait with mu held, bounded by the context's deadline. */
static int wait_once(struct sl_budget *b, struct sl_ctx *ctx)
{
    int err = sl_ctx_peek(ctx);
    if (err)
        return err;
    int64_t deadline = sl_ctx_deadline(ctx);
    if (deadline == SL_NEVER) {
        pthread_cond_wait(&b->cond, &b->mu);
    } else {
        struct timespec ts = sl_ns_to_timespec(deadline);
        pthread_cond_timedwait(&b->cond, &b->mu, &ts);
    }
    return sl_ctx_peek(ctx);
}

int sl_budget_acquire(struct sl_budget *b, size_t n, struct sl_ctx *ctx)
{
    struct sl_ctx_watch w = {.mu = &b->mu, .cond = &b->cond, .next = NULL};
    int watching = 0, rc = sl_ctx_err(ctx);
    if (rc)
        return rc;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        if (b->closed) {
            rc = SL_ECLOSED;
            break;
        }
        if (fits(b, n)) {
            take(b, n);
            break;
        }
        if (ctx && !watching) {
            pthread_mutex_unlock(&b->mu);
            rc = sl_ctx_watch(ctx, &w);
            pthread_mutex_lock(&b->mu);
            if (rc)
                break;
            watching = 1;
            continue; /* mu was dropped: look again */
        }
        if ((rc = wait_once(b, ctx)))
            break;
    }
    pthread_mutex_unlock(&b->mu);
    if (watching)
        sl_ctx_unwatch(ctx, &w);
    if (rc == SL_ECANCELED || rc == SL_ETIMEDOUT) {
        int err = sl_ctx_err(ctx);
        if (err)
            rc = err;
    }
    return rc;
}

int sl_budget_try_acquire(struct sl_budget *b, size_t n)
{
    pthread_mutex_lock(&b->mu);
    int rc = b->closed ? SL_ECLOSED : fits(b, n) ? 0 : SL_EAGAIN;
    if (!rc)
        take(b, n);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

void sl_budget_force(struct sl_budget *b, size_t n)
{
    pthread_mutex_lock(&b->mu);
    take(b, n);
    pthread_mutex_unlock(&b->mu);
}

void sl_budget_release(struct sl_budget *b, size_t n)
{
    pthread_mutex_lock(&b->mu);
    b->used = n < b->used ? b->used - n : 0;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

void sl_budget_close(struct sl_budget *b)
{
    pthread_mutex_lock(&b->mu);
    b->closed = 1;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

int sl_budget_full(struct sl_budget *b)
{
    pthread_mutex_lock(&b->mu);
    int full = b->limit && b->used >= b->limit;
    pthread_mutex_unlock(&b->mu);
    return full;
}

size_t sl_budget_peak(struct sl_budget *b)
{
    pthread_mutex_lock(&b->mu);
    size_t peak = b->peak;
    pthread_mutex_unlock(&b->mu);
    return peak;
}
