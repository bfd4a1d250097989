/* wg.h - a wait group: add before starting work, done when it ends, wait
 * until the count is zero. Thread-safe. */
#ifndef SL_CONC_WG_H
#define SL_CONC_WG_H

#include <pthread.h>

struct sl_wg {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    long count; /* guarded by mu */
};

int sl_wg_init(struct sl_wg *wg);
void sl_wg_destroy(struct sl_wg *wg);
void sl_wg_add(struct sl_wg *wg, long n);
/* One done; returns 1 to the caller that brought the count to zero (the
 * last worker out: it may close what the workers fed, as the tutorial's
 * closer does after wg.Wait()), else 0. */
int sl_wg_done(struct sl_wg *wg);
void sl_wg_wait(struct sl_wg *wg);

#endif
