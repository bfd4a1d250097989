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
void sl_wg_done(struct sl_wg *wg);
void sl_wg_wait(struct sl_wg *wg);

#endif
