/* test_conc_budget.c - the byte budget: what fits is taken at once, a
 * waiter gets its bytes when they are given back, an item larger than the
 * limit goes alone, a cancel, a deadline and a close wake a waiter, the
 * peak is kept. Deterministic: a waiter's verdict is the same whether it
 * is already asleep or not when the main thread acts. */
#include <pthread.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "conc/budget.h"
#include "conc/ctx.h"
#include "test.h"

struct waiter {
    struct sl_budget *b;
    size_t n;
    struct sl_ctx *ctx;
    int rc;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->rc = sl_budget_acquire(w->b, w->n, w->ctx);
    return NULL;
}

static void test_fits(void)
{
    struct sl_budget b;
    T_EQ_INT(sl_budget_init(&b, 100), 0);
    T_EQ_INT(sl_budget_acquire(&b, 60, NULL), 0);
    T_EQ_INT(sl_budget_acquire(&b, 40, NULL), 0);
    T_OK(sl_budget_full(&b));
    sl_budget_release(&b, 100);
    T_OK(!sl_budget_full(&b));
    /* Larger than the limit: alone it goes (nothing could ever free room). */
    T_EQ_INT(sl_budget_acquire(&b, 250, NULL), 0);
    T_OK(sl_budget_peak(&b) == 250);
    sl_budget_release(&b, 250);
    sl_budget_force(&b, 30); /* force never waits */
    sl_budget_force(&b, 90);
    T_OK(sl_budget_peak(&b) == 250);
    sl_budget_release(&b, 120);
    sl_budget_destroy(&b);

    T_EQ_INT(sl_budget_init(&b, 0), 0); /* unbounded: counted, never waits */
    T_EQ_INT(sl_budget_acquire(&b, (size_t)1 << 40, NULL), 0);
    T_EQ_INT(sl_budget_acquire(&b, (size_t)1 << 40, NULL), 0);
    T_OK(!sl_budget_full(&b));
    T_OK(sl_budget_peak(&b) == (size_t)2 << 40);
    sl_budget_destroy(&b);
}

/* A waiter for 50 bytes while 80 of 100 are taken: it gets them only once
 * 30 are given back, whenever that happens. */
static void test_release_wakes(void)
{
    struct sl_budget b;
    T_EQ_INT(sl_budget_init(&b, 100), 0);
    T_EQ_INT(sl_budget_acquire(&b, 80, NULL), 0);
    struct waiter w = {.b = &b, .n = 50, .ctx = NULL, .rc = -1};
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, wait_thread, &w), 0);
    sl_budget_release(&b, 30);
    pthread_join(t, NULL);
    T_EQ_INT(w.rc, 0);
    T_OK(sl_budget_peak(&b) <= 100);
    sl_budget_destroy(&b);
}

/* Nothing is given back: the waiter leaves only for the cancel, the
 * deadline or the close, with nothing taken. */
static void test_wakers(void)
{
    for (int how = 0; how < 3; how++) {
        struct sl_budget b;
        T_EQ_INT(sl_budget_init(&b, 100), 0);
        T_EQ_INT(sl_budget_acquire(&b, 100, NULL), 0);
        int64_t deadline = how == 1 ? sl_now_ns() + 20 * 1000 * 1000 : SL_NEVER;
        struct sl_ctx *ctx = sl_ctx_new(NULL, deadline);
        T_OK(ctx != NULL);
        struct waiter w = {.b = &b, .n = 1, .ctx = ctx, .rc = -1};
        pthread_t t;
        T_EQ_INT(pthread_create(&t, NULL, wait_thread, &w), 0);
        if (how == 0)
            sl_ctx_cancel(ctx, SL_ECANCELED);
        else if (how == 2)
            sl_budget_close(&b);
        pthread_join(t, NULL);
        T_EQ_INT(w.rc, how == 0 ? SL_ECANCELED : how == 1 ? SL_ETIMEDOUT : SL_ECLOSED);
        T_OK(sl_budget_peak(&b) == 100);
        sl_ctx_free(ctx);
        sl_budget_destroy(&b);
    }
}

int main(void)
{
    alarm(120); /* a lost wake-up fails instead of waiting for ctest */
    T_RUN(test_fits);
    T_RUN(test_release_wakes);
    T_RUN(test_wakers);
    return 0;
}
