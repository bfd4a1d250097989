/* ctx.h - cancellation contexts in a tree, with deadlines.
 *
 * A context is cancelled once, for a reason (SL_ECANCELED or SL_ETIMEDOUT);
 * the first reason sticks. Cancelling a context cancels all of its
 * descendants (with the same reason). A deadline is an absolute monotonic
 * time (base/clock.h); a child's effective deadline is the earlier of its own
 * and its parent's. The deadline "fires" when someone waits or checks past
 * it: sl_ctx_err() and every wait notice it; there is no timer thread.
 *
 * Waking blocked operations: a blocked operation registers a waiter (a mutex
 * + condition variable pair of its own) with sl_ctx_watch(); cancel locks
 * each watcher's mutex and broadcasts its condition, so a channel op blocked
 * in pthread_cond_wait wakes. Waits bounded by a deadline use
 * sl_ctx_deadline() with pthread_cond_timedwait on a CLOCK_MONOTONIC cond.
 *
 * Lifetime: a child holds a reference on its parent; sl_ctx_free() on a
 * child detaches it. Freeing a parent while children live is safe: its
 * memory stays until the last child is freed (it can no longer be
 * cancelled by its owner, but its deadline still binds the children).
 * Every context must be freed exactly once. All functions are thread-safe.
 * Lock order: parent's lock before child's; a context's lock before a
 * watcher's mutex.
 */
#ifndef SL_CONC_CTX_H
#define SL_CONC_CTX_H

#include "base/clock.h"
#include "base/err.h"
#include <pthread.h>
#include <stdint.h>

struct sl_ctx;

/* A root context (parent NULL) or a child. deadline: absolute ns or SL_NEVER.
 * Returns NULL on out of memory. A child of an already cancelled parent
 * starts cancelled. */
struct sl_ctx *sl_ctx_new(struct sl_ctx *parent, int64_t deadline_ns);
/* Detaches from the parent and frees. Watchers must be gone. */
void sl_ctx_free(struct sl_ctx *ctx);
/* Cancels ctx and its descendants with reason SL_ECANCELED or
 * SL_ETIMEDOUT. Idempotent. Not async-signal-safe: from a signal handler use
 * a self-pipe or a thread that calls it. */
void sl_ctx_cancel(struct sl_ctx *ctx, int reason);
/* 0 while live; SL_ECANCELED or SL_ETIMEDOUT once cancelled or past its
 * effective deadline (which also cancels it). NULL ctx: always 0. */
int sl_ctx_err(struct sl_ctx *ctx);
/* Like sl_ctx_err() but never cancels (a passed deadline reads as
 * SL_ETIMEDOUT without being recorded), so it takes no lock and may be
 * called while holding a watcher's mutex. NULL ctx: always 0. */
int sl_ctx_peek(struct sl_ctx *ctx);
/* The effective deadline (SL_NEVER when none). NULL ctx: SL_NEVER. */
int64_t sl_ctx_deadline(struct sl_ctx *ctx);

/* A waiter: cancel locks mu and broadcasts cond. */
struct sl_ctx_watch {
    pthread_mutex_t *mu;
    pthread_cond_t *cond;
    struct sl_ctx_watch *next; /* internal */
};
/* Registers w; returns the current sl_ctx_err() (when non-zero, w is NOT
 * registered). The caller must not hold w->mu when calling it. */
int sl_ctx_watch(struct sl_ctx *ctx, struct sl_ctx_watch *w);
void sl_ctx_unwatch(struct sl_ctx *ctx, struct sl_ctx_watch *w);

/* Sleeps ns nanoseconds, or less when ctx is cancelled or its deadline
 * comes first (backoff before a retry, a poll interval). 0 after the full
 * sleep, else sl_ctx_err(). NULL ctx: a plain sleep. */
int sl_ctx_sleep(struct sl_ctx *ctx, int64_t ns);

#endif
