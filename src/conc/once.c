/* once.c - run a function once, with an argument. mu guards done and is
 * held while fn runs, so concurrent callers wait for the first call to
 * return. fn must not call sl_once_do on the same once (it would deadlock). */
#include "conc/once.h"

void sl_once_do(struct sl_once *once, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&once->mu);
    if (!once->done) {
        fn(arg);
        once->done = 1;
    }
    pthread_mutex_unlock(&once->mu);
}
