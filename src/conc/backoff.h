/* backoff.h - the one retry backoff: exponential, with jitter, bounded in
 * attempts and in total time, and every wait cut short by a context (a
 * cancel or a server shutdown never waits for a backoff to run out).
 *
 *     struct sl_backoff b;
 *     sl_backoff_init(&b, &SL_BACKOFF_DB, seed);
 *     while ((rc = sl_backoff_wait(&b, ctx)) == 0)
 *         if (try_again() == 0)
 *             break;
 *
 * Not thread-safe: one backoff per retrying thread. */
#ifndef SL_CONC_BACKOFF_H
#define SL_CONC_BACKOFF_H

#include "base/err.h"
#include <stdint.h>

struct sl_ctx;

struct sl_backoff_policy {
    int64_t first_ns; /* the first wait (before jitter) */
    int64_t max_ns;   /* waits double up to this */
    int attempts;     /* waits at most this many times */
    double total_s;   /* and not after this long since init */
};

/* Reconnecting to a database: 100 ms doubling to 5 s, 10 times, within a
 * minute. */
extern const struct sl_backoff_policy SL_BACKOFF_DB;

struct sl_backoff {
    struct sl_backoff_policy p;
    int64_t start_ns, delay_ns;
    int attempt; /* waits done */
    unsigned seed;
};

void sl_backoff_init(struct sl_backoff *b, const struct sl_backoff_policy *p, unsigned seed);
/* Waits before the next attempt: between half and all of the current
 * delay, which then doubles. 0 = try again; SL_ELIMIT = the attempts or the
 * time are used up (no wait); else ctx's error (cancelled or its deadline
 * passed, the wait cut short). A NULL ctx never ends. */
int sl_backoff_wait(struct sl_backoff *b, struct sl_ctx *ctx);

#endif
