/* once.h - run a function exactly once, with an argument (pthread_once
 * takes none). Concurrent callers wait until the first call returns. */
#ifndef SL_CONC_ONCE_H
#define SL_CONC_ONCE_H

#include <pthread.h>

struct sl_once {
    pthread_mutex_t mu;
    int done; /* guarded by mu */
};
/* clang-format off */
#define SL_ONCE_INIT {PTHREAD_MUTEX_INITIALIZER, 0}
/* clang-format on */

void sl_once_do(struct sl_once *once, void (*fn)(void *arg), void *arg);

#endif
