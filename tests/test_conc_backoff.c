/* test_conc_backoff.c - the retry backoff: waits double up to the cap, the
 * attempts run out (SL_ELIMIT), and a cancelled context ends a wait of an
 * hour at once (the test's alarm would fire otherwise). No timing: the
 * waits here are microseconds or cut short. */
#include <unistd.h>

#include "base/clock.h"
#include "conc/backoff.h"
#include "conc/ctx.h"
#include "base/err.h"
#include "test.h"

static void test_doubling_and_limit(void)
{
    const struct sl_backoff_policy p = {
        .first_ns = 1000, .max_ns = 5000, .attempts = 4, .total_s = 600};
    struct sl_backoff b;
    sl_backoff_init(&b, &p, 7);
    static const long long want[] = {2000, 4000, 5000, 5000};
    for (int i = 0; i < 4; i++) {
        T_EQ_INT(sl_backoff_wait(&b, NULL), 0);
        T_EQ_INT(b.delay_ns, want[i]);
    }
    T_EQ_INT(sl_backoff_wait(&b, NULL), SL_ELIMIT);
    T_EQ_INT(b.attempt, 4);
}

static void test_cancelled(void)
{
    const struct sl_backoff_policy p = {.first_ns = 3600 * INT64_C(1000000000),
                                        .max_ns = 3600 * INT64_C(1000000000),
                                        .attempts = 10,
                                        .total_s = 7200};
    struct sl_ctx *ctx = sl_ctx_new(NULL, SL_NEVER);
    T_OK(ctx);
    struct sl_backoff b;
    sl_backoff_init(&b, &p, 1);
    sl_ctx_cancel(ctx, SL_ECANCELED);
    T_EQ_INT(sl_backoff_wait(&b, ctx), SL_ECANCELED);
    sl_ctx_free(ctx);
    /* A deadline in the past ends it the same way. */
    ctx = sl_ctx_new(NULL, 0);
    T_EQ_INT(sl_backoff_wait(&b, ctx), SL_ETIMEDOUT);
    sl_ctx_free(ctx);
}

static void test_default_policy(void)
{
    T_EQ_INT(SL_BACKOFF_DB.first_ns, 100000000LL);
    T_EQ_INT(SL_BACKOFF_DB.attempts, 10);
}

int main(void)
{
    alarm(60);
    T_RUN(test_doubling_and_limit);
    T_RUN(test_cancelled);
    T_RUN(test_default_policy);
    return 0;
}
