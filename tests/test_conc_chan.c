/* test_conc_chan.c - the channel: order, no loss under contention, close
 * and cancel wake every blocked thread, deadlines, try-operations.
 * Deterministic: threads are known to be asleep (sl_chan_waiters) before
 * the test acts; no sleep is used to synchronise. */
#include <pthread.h>
#include <unistd.h>
#include <sched.h>
#include <stdint.h>

#include "base/clock.h"
#include "conc/chan.h"
#include "conc/ctx.h"
#include "base/err.h"
#include "test.h"

#define ID(p)  ((uintptr_t)(p))
#define PTR(i) ((void *)(uintptr_t)(i))

static void wait_blocked(struct sl_chan *ch, size_t senders, size_t receivers)
{
    for (;;) {
        size_t s, r;
        sl_chan_waiters(ch, &s, &r);
        if (s >= senders && r >= receivers)
            return;
        sched_yield();
    }
}

/* ---- one producer, one consumer: FIFO ---- */

#define FIFO_N 50000

static void *fifo_producer(void *arg)
{
    struct sl_chan *ch = arg;
    for (uintptr_t i = 1; i <= FIFO_N; i++)
        if (sl_chan_send(ch, PTR(i), NULL) != 0)
            T_FAIL("send %lu failed", (unsigned long)i);
    sl_chan_close(ch);
    return NULL;
}

static void test_fifo(void)
{
    struct sl_chan *ch = sl_chan_new(7);
    T_OK(ch);
    T_EQ_INT(sl_chan_cap(ch), 7);
    pthread_t t;
    T_EQ_INT(pthread_create(&t, NULL, fifo_producer, ch), 0);
    uintptr_t want = 1;
    void *item;
    int rc;
    while ((rc = sl_chan_recv(ch, &item, NULL)) == 0) {
        if (ID(item) != want)
            T_FAIL("got item %lu, want %lu", (unsigned long)ID(item), (unsigned long)want);
        want++;
    }
    T_EQ_INT(rc, SL_ECLOSED);
    T_OK(item == NULL);
    T_EQ_INT(want, FIFO_N + 1);
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), SL_ECLOSED); /* the end stays the end */
    pthread_join(t, NULL);
    sl_chan_free(ch);
}

/* ---- 8 producers x 8 consumers, a million items ---- */

#define MP_PROD  8
#define MP_CONS  8
#define MP_TOTAL 1000000
#define MP_PER   (MP_TOTAL / MP_PROD)

struct mp_stats {
    struct sl_chan *ch;
    uint64_t count, sum, xor;
    int order_ok;
};

static void *mp_producer(void *arg)
{
    struct sl_chan *ch = ((void **)arg)[0];
    uintptr_t p = ID(((void **)arg)[1]);
    /* ids are p, p + MP_PROD, p + 2 * MP_PROD, ... (+1 so none is NULL) */
    for (uintptr_t k = 0; k < MP_PER; k++)
        if (sl_chan_send(ch, PTR(p + k * MP_PROD + 1), NULL) != 0)
            T_FAIL("producer %lu: send failed", (unsigned long)p);
    return NULL;
}

static void *mp_consumer(void *arg)
{
    struct mp_stats *st = arg;
    uint64_t last[MP_PROD] = {0};
    void *item;
    while (sl_chan_recv(st->ch, &item, NULL) == 0) {
        uint64_t id = ID(item) - 1;
        st->count++;
        st->sum += id;
        st->xor ^= id;
        /* Items of one producer reach any one consumer in send order. */
        uint64_t p = id % MP_PROD;
        if (id + 1 <= last[p])
            st->order_ok = 0;
        last[p] = id + 1;
    }
    return NULL;
}

static void test_mpmc(void)
{
    struct sl_chan *ch = sl_chan_new(256);
    T_OK(ch);
    pthread_t prod[MP_PROD], cons[MP_CONS];
    void *pargs[MP_PROD][2];
    struct mp_stats st[MP_CONS];
    for (int i = 0; i < MP_CONS; i++) {
        st[i] = (struct mp_stats){.ch = ch, .order_ok = 1};
        T_EQ_INT(pthread_create(&cons[i], NULL, mp_consumer, &st[i]), 0);
    }
    for (int i = 0; i < MP_PROD; i++) {
        pargs[i][0] = ch;
        pargs[i][1] = PTR(i);
        T_EQ_INT(pthread_create(&prod[i], NULL, mp_producer, pargs[i]), 0);
    }
    for (int i = 0; i < MP_PROD; i++)
        pthread_join(prod[i], NULL);
    sl_chan_close(ch);
    uint64_t count = 0, sum = 0, xor = 0, want_xor = 0;
    for (int i = 0; i < MP_CONS; i++) {
        pthread_join(cons[i], NULL);
        count += st[i].count;
        sum += st[i].sum;
        xor ^= st[i].xor ;
        T_OK(st[i].order_ok);
    }
    for (uint64_t id = 0; id < MP_TOTAL; id++)
        want_xor ^= id;
    T_EQ_INT(count, MP_TOTAL);
    T_EQ_INT(sum, (uint64_t)MP_TOTAL * (MP_TOTAL - 1) / 2);
    T_EQ_INT(xor, want_xor);
    T_EQ_INT(sl_chan_len(ch), 0);
    sl_chan_free(ch);
}

/* ---- blocked threads: close and cancel wake every one ---- */

#define NBLOCK 4

struct blocked {
    struct sl_chan *ch;
    struct sl_ctx *ctx;
    int send; /* 1 = send, 0 = receive */
    int rc;
    void *item;
};

static void *blocked_op(void *arg)
{
    struct blocked *b = arg;
    if (b->send)
        b->rc = sl_chan_send(b->ch, b->item, b->ctx);
    else
        b->rc = sl_chan_recv(b->ch, &b->item, b->ctx);
    return NULL;
}

static void start_blocked(struct blocked *b, pthread_t *t, int n, struct sl_chan *ch,
                          struct sl_ctx *ctx, int send)
{
    for (int i = 0; i < n; i++) {
        b[i] = (struct blocked){
            .ch = ch, .ctx = ctx, .send = send, .rc = 1, .item = send ? PTR(1000 + i) : NULL};
        T_EQ_INT(pthread_create(&t[i], NULL, blocked_op, &b[i]), 0);
    }
    wait_blocked(ch, send ? (size_t)n : 0, send ? 0 : (size_t)n);
}

static void test_close_wakes_receivers(void)
{
    struct sl_chan *ch = sl_chan_new(4);
    struct blocked b[NBLOCK];
    pthread_t t[NBLOCK];
    start_blocked(b, t, NBLOCK, ch, NULL, 0);
    sl_chan_close(ch);
    for (int i = 0; i < NBLOCK; i++) {
        pthread_join(t[i], NULL);
        T_EQ_INT(b[i].rc, SL_ECLOSED);
        T_OK(b[i].item == NULL);
    }
    sl_chan_close(ch); /* twice is harmless */
    sl_chan_free(ch);
}

static void test_close_wakes_senders(void)
{
    struct sl_chan *ch = sl_chan_new(2);
    T_EQ_INT(sl_chan_send(ch, PTR(1), NULL), 0);
    T_EQ_INT(sl_chan_send(ch, PTR(2), NULL), 0);
    struct blocked b[NBLOCK];
    pthread_t t[NBLOCK];
    start_blocked(b, t, NBLOCK, ch, NULL, 1);
    sl_chan_close(ch);
    for (int i = 0; i < NBLOCK; i++) {
        pthread_join(t[i], NULL);
        T_EQ_INT(b[i].rc, SL_ECLOSED);
        T_OK(ID(b[i].item) == 1000u + (unsigned)i); /* the sender still owns it */
    }
    /* What was queued before the close is still delivered, then the end. */
    void *item;
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), 0);
    T_EQ_INT(ID(item), 1);
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), 0);
    T_EQ_INT(ID(item), 2);
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), SL_ECLOSED);
    sl_chan_free(ch);
}

static void test_cancel_wakes_all(void)
{
    /* Senders on a full channel and receivers on an empty one, half of them
     * on the root context, half on a child: cancelling the root wakes all. */
    struct sl_ctx *root = sl_ctx_new(NULL, SL_NEVER);
    struct sl_ctx *child = sl_ctx_new(root, SL_NEVER);
    struct sl_chan *full = sl_chan_new(1), *empty = sl_chan_new(1);
    T_OK(root && child && full && empty);
    T_EQ_INT(sl_chan_send(full, PTR(1), NULL), 0);
    struct blocked s[NBLOCK], r[NBLOCK];
    pthread_t ts[NBLOCK], tr[NBLOCK];
    start_blocked(s, ts, NBLOCK / 2, full, root, 1);
    start_blocked(s + NBLOCK / 2, ts + NBLOCK / 2, NBLOCK / 2, full, child, 1);
    wait_blocked(full, NBLOCK, 0);
    start_blocked(r, tr, NBLOCK / 2, empty, root, 0);
    start_blocked(r + NBLOCK / 2, tr + NBLOCK / 2, NBLOCK / 2, empty, child, 0);
    wait_blocked(empty, 0, NBLOCK);
    sl_ctx_cancel(root, SL_ECANCELED);
    for (int i = 0; i < NBLOCK; i++) {
        pthread_join(ts[i], NULL);
        pthread_join(tr[i], NULL);
        T_EQ_INT(s[i].rc, SL_ECANCELED);
        T_EQ_INT(r[i].rc, SL_ECANCELED);
        T_OK(r[i].item == NULL);
    }
    T_EQ_INT(sl_ctx_err(child), SL_ECANCELED);
    /* Cancelled before the call: fails even though it could complete. */
    void *item;
    T_EQ_INT(sl_chan_recv(full, &item, child), SL_ECANCELED);
    T_EQ_INT(sl_chan_send(empty, PTR(5), root), SL_ECANCELED);
    T_EQ_INT(sl_chan_len(full), 1);
    T_EQ_INT(sl_chan_len(empty), 0);
    sl_chan_free(full);
    sl_chan_free(empty);
    sl_ctx_free(child);
    sl_ctx_free(root);
}

static void test_deadline(void)
{
    struct sl_chan *ch = sl_chan_new(1);
    void *item;
    /* A receive on an empty channel gives up at the deadline. */
    struct sl_ctx *ctx = sl_ctx_new(NULL, sl_deadline_after(0.02));
    T_EQ_INT(sl_chan_recv(ch, &item, ctx), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(ctx), SL_ETIMEDOUT);
    sl_ctx_free(ctx);
    /* So does a send on a full one, through a child whose own deadline is
     * later than its parent's. */
    T_EQ_INT(sl_chan_send(ch, PTR(1), NULL), 0);
    struct sl_ctx *parent = sl_ctx_new(NULL, sl_deadline_after(0.02));
    struct sl_ctx *child = sl_ctx_new(parent, sl_deadline_after(3600));
    T_EQ_INT(sl_ctx_deadline(child), sl_ctx_deadline(parent));
    T_EQ_INT(sl_chan_send(ch, PTR(2), child), SL_ETIMEDOUT);
    T_EQ_INT(sl_ctx_err(parent), SL_ETIMEDOUT); /* the parent's deadline fired */
    sl_ctx_free(child);
    sl_ctx_free(parent);
    /* A deadline already past fails at once, even with room. */
    ctx = sl_ctx_new(NULL, sl_now_ns() - 1);
    T_EQ_INT(sl_chan_recv(ch, &item, ctx), SL_ETIMEDOUT);
    T_EQ_INT(sl_chan_len(ch), 1);
    sl_ctx_free(ctx);
    /* A live deadline does not get in the way of an op that can complete. */
    ctx = sl_ctx_new(NULL, sl_deadline_after(3600));
    T_EQ_INT(sl_chan_recv(ch, &item, ctx), 0);
    T_EQ_INT(ID(item), 1);
    T_EQ_INT(sl_ctx_err(ctx), 0);
    sl_ctx_free(ctx);
    sl_chan_free(ch);
}

/* A blocked receive with a far deadline is woken by a send. */
static void test_deadline_then_item(void)
{
    struct sl_chan *ch = sl_chan_new(1);
    struct sl_ctx *ctx = sl_ctx_new(NULL, sl_deadline_after(3600));
    struct blocked b;
    pthread_t t;
    start_blocked(&b, &t, 1, ch, ctx, 0);
    T_EQ_INT(sl_chan_send(ch, PTR(9), NULL), 0);
    pthread_join(t, NULL);
    T_EQ_INT(b.rc, 0);
    T_EQ_INT(ID(b.item), 9);
    sl_ctx_free(ctx);
    sl_chan_free(ch);
}

static void test_try(void)
{
    struct sl_chan *ch = sl_chan_new(2);
    void *item = PTR(77);
    T_EQ_INT(sl_chan_try_recv(ch, &item), SL_EAGAIN);
    T_OK(item == NULL);
    T_EQ_INT(sl_chan_try_send(ch, PTR(1)), 0);
    T_EQ_INT(sl_chan_try_send(ch, PTR(2)), 0);
    T_EQ_INT(sl_chan_try_send(ch, PTR(3)), SL_EAGAIN);
    T_EQ_INT(sl_chan_len(ch), 2);
    T_EQ_INT(sl_chan_try_recv(ch, &item), 0);
    T_EQ_INT(ID(item), 1);
    T_EQ_INT(sl_chan_try_send(ch, PTR(3)), 0); /* wraps around the ring */
    sl_chan_close(ch);
    T_EQ_INT(sl_chan_try_send(ch, PTR(4)), SL_ECLOSED);
    T_EQ_INT(sl_chan_send(ch, PTR(4), NULL), SL_ECLOSED);
    T_EQ_INT(sl_chan_try_recv(ch, &item), 0);
    T_EQ_INT(ID(item), 2);
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), 0);
    T_EQ_INT(ID(item), 3);
    T_EQ_INT(sl_chan_try_recv(ch, &item), SL_ECLOSED);
    T_EQ_INT(sl_chan_recv(ch, &item, NULL), SL_ECLOSED);
    sl_chan_free(ch);
    T_OK(sl_chan_new(0) == NULL);
}

/* Receivers on a cancelled context leave while items keep flowing to the
 * others: no item may be stranded by a wake-up spent on a leaver. */
#define HANDOFF_N 5000

static void *handoff_consumer(void *arg)
{
    struct blocked *b = arg;
    void *item;
    long got = 0;
    while (sl_chan_recv(b->ch, &item, b->ctx) == 0)
        got++;
    b->rc = (int)got;
    return NULL;
}

static void test_handoff(void)
{
    struct sl_chan *ch = sl_chan_new(1);
    struct sl_ctx *doomed = sl_ctx_new(NULL, SL_NEVER);
    struct blocked live = {.ch = ch}, gone[3];
    pthread_t tl, tg[3];
    for (int i = 0; i < 3; i++) {
        gone[i] = (struct blocked){.ch = ch, .ctx = doomed};
        T_EQ_INT(pthread_create(&tg[i], NULL, handoff_consumer, &gone[i]), 0);
    }
    T_EQ_INT(pthread_create(&tl, NULL, handoff_consumer, &live), 0);
    wait_blocked(ch, 0, 4);
    for (uintptr_t i = 1; i <= HANDOFF_N; i++) {
        if (i == HANDOFF_N / 2)
            sl_ctx_cancel(doomed, SL_ECANCELED);
        T_EQ_INT(sl_chan_send(ch, PTR(i), NULL), 0);
    }
    sl_chan_close(ch);
    long total = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(tg[i], NULL);
        total += gone[i].rc;
    }
    pthread_join(tl, NULL);
    total += live.rc;
    T_EQ_INT(total, HANDOFF_N);
    sl_ctx_free(doomed);
    sl_chan_free(ch);
}

int main(void)
{
    alarm(120); /* a hang (a lost wake-up) fails instead of waiting for ctest */
    T_RUN(test_fifo);
    T_RUN(test_try);
    T_RUN(test_close_wakes_receivers);
    T_RUN(test_close_wakes_senders);
    T_RUN(test_cancel_wakes_all);
    T_RUN(test_deadline);
    T_RUN(test_deadline_then_item);
    T_RUN(test_handoff);
    T_RUN(test_mpmc);
    return 0;
}
