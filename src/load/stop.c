/* stop.c - the public stop handle: a cancellation context (conc/ctx.h)
 * behind an opaque type, so that front ends need not see conc. */
#include <stdlib.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "conc/ctx.h"
#include "load/load.h"

struct sheetload_stop {
    struct sl_ctx *ctx;
};

struct sheetload_stop *sheetload_stop_new(struct sheetload_stop *parent)
{
    struct sheetload_stop *c = sl_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ctx = sl_ctx_new(parent ? parent->ctx : NULL, SL_NEVER);
    if (!c->ctx) {
        sl_free(c);
        return NULL;
    }
    return c;
}

void sheetload_stop(struct sheetload_stop *c)
{
    if (c)
        sl_ctx_cancel(c->ctx, SL_ECANCELED);
}

int sheetload_stopped(struct sheetload_stop *c)
{
    return c && sl_ctx_err(c->ctx) != 0;
}

void sheetload_stop_free(struct sheetload_stop *c)
{
    if (!c)
        return;
    sl_ctx_free(c->ctx);
    sl_free(c);
}

struct sl_ctx *sl_stop_ctx(struct sheetload_stop *c)
{
    return c ? c->ctx : NULL;
}
