/* backoff.c - exponential backoff with jitter, sleeping through a context. */
#include "conc/backoff.h"

#include <stdlib.h>

#include "base/clock.h"
#include "conc/ctx.h"
#include "base/err.h"

const struct sl_backoff_policy SL_BACKOFF_DB = {
    .first_ns = 100 * INT64_C(1000000),
    .max_ns = 5000 * INT64_C(1000000),
    .attempts = 10,
    .total_s = 60.0,
};

void sl_backoff_init(struct sl_backoff *b, const struct sl_backoff_policy *p, unsigned seed)
{
    b->p = *p;
    b->start_ns = sl_now_ns();
    b->delay_ns = p->first_ns;
    b->attempt = 0;
    b->seed = seed;
}

int sl_backoff_wait(struct sl_backoff *b, struct sl_ctx *ctx)
{
    if (b->attempt >= b->p.attempts || sl_ns_to_s(sl_now_ns() - b->start_ns) > b->p.total_s)
        return SL_ELIMIT;
    b->attempt++;
    int64_t jitter = (int64_t)(rand_r(&b->seed) % 1000) * (b->delay_ns / 2000);
    int rc = sl_ctx_sleep(ctx, b->delay_ns / 2 + jitter);
    b->delay_ns = b->delay_ns > b->p.max_ns / 2 ? b->p.max_ns : b->delay_ns * 2;
    return rc;
}
