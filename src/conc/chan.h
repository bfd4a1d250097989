/* chan.h - a bounded multi-producer multi-consumer channel of pointers.
 *
 * A successful send moves ownership of the item to the receiver; when send
 * fails the sender still owns it. NULL is not a valid item.
 *
 * Results: 0 = done; SL_ECLOSED = send on a closed channel, or receive on a
 * closed and drained one (the end); SL_EAGAIN = try-operation would block;
 * SL_ECANCELED / SL_ETIMEDOUT = the context was cancelled or its deadline
 * passed while blocked (or before). Closing twice is harmless. Items still
 * queued when a channel is freed are the caller's to drain first.
 * A context checked on entry: an operation with an already cancelled
 * context fails even when it could complete. Fairness: none promised.
 * Thread-safe; one mutex per channel, never held while calling out.
 */
#ifndef SL_CONC_CHAN_H
#define SL_CONC_CHAN_H

#include "base/err.h"
#include <stddef.h>

struct sl_ctx;
struct sl_chan;

/* capacity >= 1. NULL on out of memory. */
struct sl_chan *sl_chan_new(size_t capacity);
void sl_chan_free(struct sl_chan *ch);
/* Blocks while full. ctx may be NULL (wait forever). */
int sl_chan_send(struct sl_chan *ch, void *item, struct sl_ctx *ctx);
/* Blocks while empty and open. */
int sl_chan_recv(struct sl_chan *ch, void **item, struct sl_ctx *ctx);
int sl_chan_try_send(struct sl_chan *ch, void *item);
int sl_chan_try_recv(struct sl_chan *ch, void **item);
/* Wakes every blocked sender (SL_ECLOSED) and receiver (drain, then end). */
void sl_chan_close(struct sl_chan *ch);
size_t sl_chan_len(struct sl_chan *ch);
size_t sl_chan_cap(const struct sl_chan *ch);
/* How many senders and receivers are blocked waiting right now (either
 * pointer may be NULL). For tests and diagnostics: a test polls it to know
 * that its threads are provably asleep before it closes or cancels. */
void sl_chan_waiters(struct sl_chan *ch, size_t *senders, size_t *receivers);

#endif
