/* budget.h - a counting semaphore in bytes: a stage acquires the bytes of
 * what it hands on, the stage that frees it releases them.
 *
 * acquire waits while the bytes in use plus n would pass the limit, except
 * when nothing is in use (one item larger than the limit still goes, alone,
 * so nothing waits forever). force takes bytes without waiting (what grew
 * after it was acquired, or what must not wait: see pipeline.c). limit 0 =
 * unbounded (counted, never waits). The peak of the bytes in use is kept
 * for tests and diagnostics. Thread-safe; the waits sleep through the
 * context (a cancel or a deadline wakes them) and close wakes them too.
 */
#ifndef SL_CONC_BUDGET_H
#define SL_CONC_BUDGET_H

#include <pthread.h>
#include <stddef.h>

struct sl_ctx;

struct sl_budget {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    size_t limit, used, peak; /* guarded by mu */
    int closed;
};

int sl_budget_init(struct sl_budget *b, size_t limit);
void sl_budget_destroy(struct sl_budget *b);
/* 0 once taken; SL_ECANCELED / SL_ETIMEDOUT from ctx (may be NULL), or
 * SL_ECLOSED after sl_budget_close, with nothing taken. */
int sl_budget_acquire(struct sl_budget *b, size_t n, struct sl_ctx *ctx);
/* 0 when taken now; SL_EAGAIN when it would wait, SL_ECLOSED. */
int sl_budget_try_acquire(struct sl_budget *b, size_t n);
void sl_budget_force(struct sl_budget *b, size_t n);
void sl_budget_release(struct sl_budget *b, size_t n);
/* Wakes every waiter (SL_ECLOSED); later acquires fail the same way. */
void sl_budget_close(struct sl_budget *b);
/* 1 when the bytes in use reach the limit (never when unbounded). */
int sl_budget_full(struct sl_budget *b);
size_t sl_budget_peak(struct sl_budget *b);

#endif
