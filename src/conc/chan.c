/* chan.c - a bounded MPMC channel of pointers: a ring, one mutex, two
 * condition variables.
 *
 * DESIGN. mu guards every field but cap (immutable) and the conditions.
 * Receivers wait on not_empty, senders on not_full, each in a while loop.
 * A send signals not_empty only when a receiver waits (nrecv > 0), a receive
 * signals not_full only when a sender waits (nsend > 0); close broadcasts
 * both. Waiters with a context register a watcher (mu + their condition)
 * with it, so a cancel broadcasts the condition they sleep on; waits with a
 * deadline use pthread_cond_timedwait on the CLOCK_MONOTONIC conditions.
 *
 * One signal wakes one waiter. A waiter that was woken but leaves with an
 * error (cancelled, late) while what it waited for is true passes the
 * signal on, so the wake-up is never lost.
 *
 * Lock order: a context's lock before mu (ctx.c broadcasts a watcher with
 * the context locked), so mu is never held while calling sl_ctx_watch,
 * sl_ctx_unwatch or sl_ctx_err; under mu only sl_ctx_peek is used.
 */
#include "conc/chan.h"

#include <errno.h>
#include <pthread.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "conc/ctx.h"
#include "base/err.h"

struct sl_chan {
    pthread_mutex_t mu;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    size_t cap;  /* immutable */
    size_t head; /* index of the oldest item */
    size_t len;
    size_t nrecv; /* receivers blocked in a wait */
    size_t nsend; /* senders blocked in a wait */
    int closed;
    void **ring;
};

struct sl_chan *sl_chan_new(size_t capacity)
{
    if (capacity < 1 || capacity > SIZE_MAX / sizeof(void *))
        return NULL;
    struct sl_chan *ch = sl_calloc(1, sizeof(*ch));
    if (!ch)
        return NULL;
    int inited = 0;
    ch->ring = sl_malloc(capacity * sizeof(void *));
    if (!ch->ring)
        goto fail;
    if (pthread_mutex_init(&ch->mu, NULL) != 0)
        goto fail;
    inited++;
    if (sl_cond_init_monotonic(&ch->not_empty) != 0)
        goto fail;
    inited++;
    if (sl_cond_init_monotonic(&ch->not_full) != 0)
        goto fail;
    ch->cap = capacity;
    return ch;
fail:
    if (inited >= 2)
        pthread_cond_destroy(&ch->not_empty);
    if (inited >= 1)
        pthread_mutex_destroy(&ch->mu);
    sl_free(ch->ring);
    sl_free(ch);
    return NULL;
}

void sl_chan_free(struct sl_chan *ch)
{
    if (!ch)
        return;
    pthread_cond_destroy(&ch->not_full);
    pthread_cond_destroy(&ch->not_empty);
    pthread_mutex_destroy(&ch->mu);
    sl_free(ch->ring);
    sl_free(ch);
}

/* Both with mu held and the condition checked by the caller. */
static void push(struct sl_chan *ch, void *item)
{
    size_t tail = ch->head + ch->len;
    if (tail >= ch->cap)
        tail -= ch->cap;
    ch->ring[tail] = item;
    ch->len++;
    if (ch->nrecv > 0)
        pthread_cond_signal(&ch->not_empty);
}

static void *pop(struct sl_chan *ch)
{
    void *item = ch->ring[ch->head];
    ch->ring[ch->head] = NULL;
    if (++ch->head == ch->cap)
        ch->head = 0;
    ch->len--;
    if (ch->nsend > 0)
        pthread_cond_signal(&ch->not_full);
    return item;
}

/* One wait on cond with mu held, bounded by the context's deadline.
 * Returns 0 when woken (maybe spuriously) or SL_ETIMEDOUT / SL_ECANCELED as
 * sl_ctx_peek sees it. */
static int wait_once(struct sl_chan *ch, pthread_cond_t *cond, struct sl_ctx *ctx)
{
    int err = sl_ctx_peek(ctx);
    if (err)
        return err;
    int64_t deadline = sl_ctx_deadline(ctx);
    if (deadline == SL_NEVER) {
        pthread_cond_wait(cond, &ch->mu);
    } else {
        struct timespec ts = sl_ns_to_timespec(deadline);
        pthread_cond_timedwait(cond, &ch->mu, &ts);
    }
    return sl_ctx_peek(ctx);
}

/* Registers a watcher with ctx, dropping mu around the call (lock order).
 * Returns the context's error when it is already done. */
static int watch(struct sl_chan *ch, struct sl_ctx *ctx, struct sl_ctx_watch *w,
                 pthread_cond_t *cond)
{
    w->mu = &ch->mu;
    w->cond = cond;
    w->next = NULL;
    pthread_mutex_unlock(&ch->mu);
    int err = sl_ctx_watch(ctx, w);
    pthread_mutex_lock(&ch->mu);
    return err;
}

/* After a blocking op: unregister and turn a peeked deadline into a real
 * cancel (sl_ctx_err records it; the first reason wins). mu not held. */
static int finish(struct sl_ctx *ctx, struct sl_ctx_watch *w, int watching, int rc)
{
    if (watching)
        sl_ctx_unwatch(ctx, w);
    if (rc == SL_ECANCELED || rc == SL_ETIMEDOUT) {
        int err = sl_ctx_err(ctx);
        if (err)
            rc = err;
    }
    return rc;
}

/* With mu held: the send of item if it can happen now. 0, SL_ECLOSED, or
 * SL_EAGAIN (full). */
static int send_now(struct sl_chan *ch, void *item)
{
    if (ch->closed)
        return SL_ECLOSED;
    if (ch->len == ch->cap)
        return SL_EAGAIN;
    push(ch, item);
    return 0;
}

/* With mu held: a receive into *item if it can happen now; what was sent
 * before a close is still received. 0, SL_ECLOSED, or SL_EAGAIN (empty). */
static int recv_now(struct sl_chan *ch, void **item)
{
    if (ch->len > 0) {
        *item = pop(ch);
        return 0;
    }
    return ch->closed ? SL_ECLOSED : SL_EAGAIN;
}

/* A send of item (send = 1) or a receive into *item (send = 0) that waits
 * for room or an item, for a close, or for ctx. */
static int blocking(struct sl_chan *ch, int send, void **item, struct sl_ctx *ctx)
{
    struct sl_ctx_watch w;
    int watching = 0, rc = sl_ctx_err(ctx);
    if (rc)
        return rc;
    pthread_cond_t *cond = send ? &ch->not_full : &ch->not_empty;
    size_t *nwait = send ? &ch->nsend : &ch->nrecv;
    pthread_mutex_lock(&ch->mu);
    while ((rc = send ? send_now(ch, *item) : recv_now(ch, item)) == SL_EAGAIN) {
        if (ctx && !watching) {
            rc = watch(ch, ctx, &w, cond);
            if (rc)
                break;
            watching = 1;
            continue; /* mu was dropped: look again */
        }
        (*nwait)++;
        rc = wait_once(ch, cond, ctx);
        (*nwait)--;
        if (rc) {
            /* Leaving with an error: pass on a wake-up that may have been ours. */
            if ((send ? ch->len < ch->cap : ch->len > 0) && *nwait > 0)
                pthread_cond_signal(cond);
            break;
        }
    }
    pthread_mutex_unlock(&ch->mu);
    return finish(ctx, &w, watching, rc);
}

int sl_chan_send(struct sl_chan *ch, void *item, struct sl_ctx *ctx)
{
    return blocking(ch, 1, &item, ctx);
}

int sl_chan_recv(struct sl_chan *ch, void **item, struct sl_ctx *ctx)
{
    *item = NULL;
    return blocking(ch, 0, item, ctx);
}

int sl_chan_try_send(struct sl_chan *ch, void *item)
{
    pthread_mutex_lock(&ch->mu);
    int rc = send_now(ch, item);
    pthread_mutex_unlock(&ch->mu);
    return rc;
}

int sl_chan_try_recv(struct sl_chan *ch, void **item)
{
    *item = NULL;
    pthread_mutex_lock(&ch->mu);
    int rc = recv_now(ch, item);
    pthread_mutex_unlock(&ch->mu);
    return rc;
}

void sl_chan_close(struct sl_chan *ch)
{
    pthread_mutex_lock(&ch->mu);
    if (!ch->closed) {
        ch->closed = 1;
        pthread_cond_broadcast(&ch->not_empty);
        pthread_cond_broadcast(&ch->not_full);
    }
    pthread_mutex_unlock(&ch->mu);
}

size_t sl_chan_len(struct sl_chan *ch)
{
    pthread_mutex_lock(&ch->mu);
    size_t len = ch->len;
    pthread_mutex_unlock(&ch->mu);
    return len;
}

size_t sl_chan_cap(const struct sl_chan *ch)
{
    return ch->cap;
}

void sl_chan_waiters(struct sl_chan *ch, size_t *senders, size_t *receivers)
{
    pthread_mutex_lock(&ch->mu);
    if (senders)
        *senders = ch->nsend;
    if (receivers)
        *receivers = ch->nrecv;
    pthread_mutex_unlock(&ch->mu);
}
