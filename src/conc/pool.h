/* pool.h - a worker pool: N threads consume a bounded job channel and send
 * what fn returns to a bounded results channel (fan-out, then fan-in).
 *
 * fn(job, arg, ctx) runs on a worker thread, owns job, and returns a result
 * to send (or NULL for none). Shutdown: sl_pool_close_jobs() → workers drain
 * the remaining jobs → the last worker to exit closes results. After the
 * context is cancelled, workers stop taking jobs; jobs still queued are then
 * handed to drop(job, arg) (if not NULL) by sl_pool_join(), so none leaks.
 * A result that cannot be sent (ctx cancelled) goes to drop_result, unless
 * deliver_all is set: then every result is sent whatever the context, and
 * the receiver must drain the results channel to SL_ECLOSED (the import's
 * writers: a block written before a cancel must still be counted).
 *
 * Each worker may have state of its own (a writer's connection):
 * worker_args[i] is then passed to fn as arg by worker i.
 */
#ifndef SL_CONC_POOL_H
#define SL_CONC_POOL_H

#include "base/err.h"
#include <stddef.h>

struct sl_ctx;
struct sl_chan;
struct sl_pool;

struct sl_pool_opts {
    int workers;        /* >= 1 */
    size_t jobs_cap;    /* capacity of the job channel, >= 1 */
    size_t results_cap; /* capacity of the results channel, >= 1 */
    void *(*fn)(void *job, void *arg, struct sl_ctx *ctx);
    void (*drop)(void *job, void *arg);
    void (*drop_result)(void *result, void *arg);
    void *arg;                /* passed to fn (unless worker_args), drop, drop_result */
    void *const *worker_args; /* NULL, or workers entries: fn's arg on worker i (borrowed) */
    int deliver_all;          /* send every result, even after a cancel */
    struct sl_ctx *ctx;       /* borrowed; may be NULL */
};

/* Starts the workers. NULL on failure (no thread left running). */
struct sl_pool *sl_pool_start(const struct sl_pool_opts *opts);
/* Submits a job (blocks while the job channel is full); chan.h results. */
int sl_pool_submit(struct sl_pool *p, void *job);
/* No more jobs. */
void sl_pool_close_jobs(struct sl_pool *p);
/* The results channel (borrowed): receive until SL_ECLOSED. */
struct sl_chan *sl_pool_results(struct sl_pool *p);
/* Closes the jobs, waits for the workers, drops what is left (queued jobs
 * to drop, queued results to drop_result), frees the pool. Call after the
 * results were drained to SL_ECLOSED or the context was cancelled: a worker
 * blocked on a full results channel would otherwise never return. */
void sl_pool_join(struct sl_pool *p);

#endif
