/* ctx.c - cancellation contexts in a tree, with deadlines and watchers.
 *
 * DESIGN. Every context has its own mutex. It guards the list of children,
 * the list of watchers and the writing of err. err is also atomic so that
 * sl_ctx_err() and sl_ctx_peek() read it without the lock (hot paths check
 * it once per item). parent and deadline are set at creation and never
 * change. A child holds a reference on its parent (refs), the owner holds
 * one more; the memory goes when the last reference is dropped, so freeing
 * a parent before its children is safe (the parent stays until they go).
 *
 * Cancel sets err under the context's lock, broadcasts every watcher (each
 * under its own mutex), then cancels every child while still holding the
 * lock, so no child can be added or removed meanwhile and a child created
 * afterwards sees err and starts cancelled.
 *
 * Lock order: a parent's lock before its child's; a context's lock before a
 * watcher's mutex. Nothing here calls out while holding a lock.
 */
#include "conc/ctx.h"

#include <errno.h>
#include <stdatomic.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"

struct sl_ctx {
    pthread_mutex_t mu;
    struct sl_ctx *parent;         /* immutable; we hold a ref on it */
    int64_t deadline;              /* effective (min with parent's); immutable */
    atomic_int err;                /* 0 or the reason; written under mu */
    atomic_int refs;               /* owner + one per live child */
    struct sl_ctx *children;       /* guarded by mu */
    struct sl_ctx *prev, *next;    /* siblings; guarded by parent->mu */
    struct sl_ctx_watch *watchers; /* guarded by mu */
};

static void ctx_unref(struct sl_ctx *ctx)
{
    while (ctx && atomic_fetch_sub(&ctx->refs, 1) == 1) {
        struct sl_ctx *parent = ctx->parent;
        if (parent) {
            pthread_mutex_lock(&parent->mu);
            if (ctx->prev)
                ctx->prev->next = ctx->next;
            else
                parent->children = ctx->next;
            if (ctx->next)
                ctx->next->prev = ctx->prev;
            pthread_mutex_unlock(&parent->mu);
        }
        pthread_mutex_destroy(&ctx->mu);
        sl_free(ctx);
        ctx = parent; /* drop the reference the child held */
    }
}

struct sl_ctx *sl_ctx_new(struct sl_ctx *parent, int64_t deadline_ns)
{
    struct sl_ctx *ctx = sl_calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    if (pthread_mutex_init(&ctx->mu, NULL) != 0) {
        sl_free(ctx);
        return NULL;
    }
    atomic_init(&ctx->refs, 1);
    atomic_init(&ctx->err, 0);
    ctx->deadline = deadline_ns;
    if (parent) {
        ctx->parent = parent;
        atomic_fetch_add(&parent->refs, 1);
        if (parent->deadline < ctx->deadline)
            ctx->deadline = parent->deadline;
        pthread_mutex_lock(&parent->mu);
        atomic_store(&ctx->err, atomic_load(&parent->err));
        ctx->next = parent->children;
        if (ctx->next)
            ctx->next->prev = ctx;
        parent->children = ctx;
        pthread_mutex_unlock(&parent->mu);
    }
    return ctx;
}

void sl_ctx_free(struct sl_ctx *ctx)
{
    ctx_unref(ctx);
}

/* Called with ctx->mu held. */
static void cancel_locked(struct sl_ctx *ctx, int reason)
{
    if (atomic_load(&ctx->err) != 0)
        return;
    atomic_store(&ctx->err, reason);
    for (struct sl_ctx_watch *w = ctx->watchers; w; w = w->next) {
        pthread_mutex_lock(w->mu);
        pthread_cond_broadcast(w->cond);
        pthread_mutex_unlock(w->mu);
    }
    for (struct sl_ctx *c = ctx->children; c; c = c->next) {
        pthread_mutex_lock(&c->mu);
        cancel_locked(c, reason);
        pthread_mutex_unlock(&c->mu);
    }
}

void sl_ctx_cancel(struct sl_ctx *ctx, int reason)
{
    if (!ctx)
        return;
    if (reason != SL_ETIMEDOUT)
        reason = SL_ECANCELED;
    pthread_mutex_lock(&ctx->mu);
    cancel_locked(ctx, reason);
    pthread_mutex_unlock(&ctx->mu);
}

int sl_ctx_peek(struct sl_ctx *ctx)
{
    if (!ctx)
        return 0;
    int err = atomic_load(&ctx->err);
    if (err)
        return err;
    if (ctx->deadline != SL_NEVER && sl_now_ns() >= ctx->deadline)
        return SL_ETIMEDOUT;
    return 0;
}

int sl_ctx_err(struct sl_ctx *ctx)
{
    if (!ctx)
        return 0;
    int err = atomic_load(&ctx->err);
    if (err || ctx->deadline == SL_NEVER)
        return err;
    int64_t now = sl_now_ns();
    if (now < ctx->deadline)
        return 0;
    /* The deadline belongs to the topmost ancestor whose effective deadline
     * has passed: cancel there, so the parent and the siblings that share
     * it learn it too. Ancestors are alive: each child holds a ref. */
    struct sl_ctx *top = ctx;
    while (top->parent && top->parent->deadline <= now)
        top = top->parent;
    sl_ctx_cancel(top, SL_ETIMEDOUT);
    return atomic_load(&ctx->err);
}

int64_t sl_ctx_deadline(struct sl_ctx *ctx)
{
    return ctx ? ctx->deadline : SL_NEVER;
}

int sl_ctx_watch(struct sl_ctx *ctx, struct sl_ctx_watch *w)
{
    if (!ctx)
        return 0;
    int err = sl_ctx_err(ctx);
    if (err)
        return err;
    pthread_mutex_lock(&ctx->mu);
    err = atomic_load(&ctx->err);
    if (!err) {
        w->next = ctx->watchers;
        ctx->watchers = w;
    }
    pthread_mutex_unlock(&ctx->mu);
    return err;
}

void sl_ctx_unwatch(struct sl_ctx *ctx, struct sl_ctx_watch *w)
{
    if (!ctx)
        return;
    pthread_mutex_lock(&ctx->mu);
    for (struct sl_ctx_watch **pp = &ctx->watchers; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    pthread_mutex_unlock(&ctx->mu);
    w->next = NULL;
}

int sl_ctx_sleep(struct sl_ctx *ctx, int64_t ns)
{
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t now = sl_now_ns();
    int64_t until = ns > 0 && ns < SL_NEVER - now ? now + ns : (ns > 0 ? SL_NEVER : now);
    int rc = sl_ctx_err(ctx);
    if (rc || until <= now)
        return rc;
    if (pthread_mutex_init(&mu, NULL) != 0)
        return SL_ENOMEM;
    if (sl_cond_init_monotonic(&cond) != 0) {
        pthread_mutex_destroy(&mu);
        return SL_ENOMEM;
    }
    struct sl_ctx_watch w = {.mu = &mu, .cond = &cond};
    rc = sl_ctx_watch(ctx, &w);
    if (rc == 0) {
        int64_t stop = until < sl_ctx_deadline(ctx) ? until : sl_ctx_deadline(ctx);
        struct timespec ts = sl_ns_to_timespec(stop);
        pthread_mutex_lock(&mu);
        while ((rc = sl_ctx_peek(ctx)) == 0 && sl_now_ns() < stop) {
            if (stop == SL_NEVER)
                pthread_cond_wait(&cond, &mu);
            else
                pthread_cond_timedwait(&cond, &mu, &ts);
        }
        pthread_mutex_unlock(&mu);
        if (ctx)
            sl_ctx_unwatch(ctx, &w);
        rc = sl_ctx_err(ctx);
    }
    pthread_cond_destroy(&cond);
    pthread_mutex_destroy(&mu);
    return rc;
}
