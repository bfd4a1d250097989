/* wg.c - a wait group: a count under a mutex and a condition broadcast when
 * it reaches zero. mu guards count; no other lock is ever taken under it. */
#include "conc/wg.h"

int sl_wg_init(struct sl_wg *wg)
{
    int rc = pthread_mutex_init(&wg->mu, NULL);
    if (rc != 0)
        return rc;
    rc = pthread_cond_init(&wg->cond, NULL);
    if (rc != 0) {
        pthread_mutex_destroy(&wg->mu);
        return rc;
    }
    wg->count = 0;
    return 0;
}

void sl_wg_destroy(struct sl_wg *wg)
{
    pthread_cond_destroy(&wg->cond);
    pthread_mutex_destroy(&wg->mu);
}

void sl_wg_add(struct sl_wg *wg, long n)
{
    pthread_mutex_lock(&wg->mu);
    wg->count += n;
    if (wg->count <= 0) {
        wg->count = 0; /* more done than added: a caller's bug, kept harmless */
        pthread_cond_broadcast(&wg->cond);
    }
    pthread_mutex_unlock(&wg->mu);
}

int sl_wg_done(struct sl_wg *wg)
{
    pthread_mutex_lock(&wg->mu);
    int last = wg->count == 1;
    if (--wg->count <= 0) {
        wg->count = 0;
        pthread_cond_broadcast(&wg->cond);
    }
    pthread_mutex_unlock(&wg->mu);
    return last;
}

void sl_wg_wait(struct sl_wg *wg)
{
    pthread_mutex_lock(&wg->mu);
    while (wg->count > 0)
        pthread_cond_wait(&wg->cond, &wg->mu);
    pthread_mutex_unlock(&wg->mu);
}
