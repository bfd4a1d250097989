/* strcache.c - copies of re-read shared strings (see strcache.h). */
#include "read/strcache.h"

#include <string.h>

#include "base/alloc.h"

#define ENTRY_HDR sizeof(uint32_t) /* the length before each copy */

static uint32_t slot_of(uint32_t key, unsigned bits)
{
    return (uint32_t)(key * 2654435761u) >> (32 - bits); /* Fibonacci hashing */
}

static int gen_init(struct sl_strgen *g, size_t bytes)
{
    memset(g, 0, sizeof *g);
    /* A third for the table (8 bytes a slot), the rest for the copies: at
     * half load that is one entry per ~32 bytes of text, about a short
     * cell's copy with its header. */
    unsigned bits = 10;
    while (bits < 31 && (sizeof *g->slot << (bits + 1)) <= bytes / 3)
        bits++;
    g->bits = bits;
    g->maxn = ((size_t)1 << bits) / 2;
    g->cap = bytes > (sizeof *g->slot << bits) * 2 ? bytes - (sizeof *g->slot << bits) : bytes / 2;
    if (g->cap > UINT32_MAX)
        g->cap = UINT32_MAX;
    g->slot = sl_calloc((size_t)1 << bits, sizeof *g->slot);
    g->text = sl_malloc(g->cap);
    if (!g->slot || !g->text)
        return -1;
    sl_want_huge_pages(g->slot, sizeof *g->slot << bits); /* read at random */
    sl_want_huge_pages(g->text, g->cap);
    return 0;
}

static void gen_free(struct sl_strgen *g)
{
    sl_free(g->slot);
    sl_free(g->text);
    memset(g, 0, sizeof *g);
}

int sl_strcache_init(struct sl_strcache *c, size_t bytes)
{
    memset(c, 0, sizeof *c);
    size_t half = bytes / 2;
    if (half < ((size_t)16 << 10))
        half = (size_t)16 << 10;
    if (gen_init(&c->gen[0], half) || gen_init(&c->gen[1], half)) {
        sl_strcache_free(c);
        return -1;
    }
    return 0;
}

void sl_strcache_free(struct sl_strcache *c)
{
    gen_free(&c->gen[0]);
    gen_free(&c->gen[1]);
    memset(c, 0, sizeof *c);
}

static const char *gen_get(const struct sl_strgen *g, uint32_t key, size_t *len)
{
    if (!g->slot)
        return NULL;
    uint32_t mask = ((uint32_t)1 << g->bits) - 1;
    for (uint32_t k = slot_of(key, g->bits);; k = (k + 1) & mask) {
        const struct sl_strslot *e = &g->slot[k];
        if (e->key == key) {
            uint32_t n;
            memcpy(&n, g->text + e->at, sizeof n);
            *len = n;
            return g->text + e->at + ENTRY_HDR;
        }
        if (!e->key)
            return NULL;
    }
}

static char *gen_room(struct sl_strgen *g, uint32_t key, size_t len)
{
    size_t need = ENTRY_HDR + len + 1;
    if (!g->slot || g->n >= g->maxn || g->cap - g->used < need)
        return NULL;
    uint32_t mask = ((uint32_t)1 << g->bits) - 1;
    uint32_t k = slot_of(key, g->bits);
    while (g->slot[k].key)
        k = (k + 1) & mask;
    uint32_t n = (uint32_t)len;
    char *p = g->text + g->used;
    memcpy(p, &n, sizeof n);
    p[ENTRY_HDR + len] = '\0';
    g->slot[k].key = key;
    g->slot[k].at = (uint32_t)g->used;
    g->last = k;
    g->last_at = g->used;
    g->used += need;
    g->n++;
    return p + ENTRY_HDR;
}

static const char *gen_put(struct sl_strgen *g, uint32_t key, const char *s, size_t len)
{
    char *p = gen_room(g, key, len);
    if (p)
        memcpy(p, s, len);
    return p;
}

void sl_strcache_prefetch(const struct sl_strcache *c, uint32_t i)
{
    for (int k = 0; k < 2; k++)
        if (c->gen[k].slot)
            __builtin_prefetch(&c->gen[k].slot[slot_of(i + 1, c->gen[k].bits)]);
}

/* Whether a string is too long to copy: a few such would fill a generation. */
static int too_long(const struct sl_strcache *c, size_t len)
{
    return len > c->gen[0].cap / 64;
}

const char *sl_strcache_get(struct sl_strcache *c, uint32_t i, size_t *len)
{
    uint32_t key = i + 1;
    struct sl_strgen *y = &c->gen[c->young], *o = &c->gen[!c->young];
    const char *p = gen_get(y, key, len);
    if (!p && (p = gen_get(o, key, len)) != NULL && !too_long(c, *len)) {
        const char *q = gen_put(y, key, p, *len); /* read again: keep it a turn longer */
        if (q)
            p = q;
        else
            c->full = 1;
    }
    if (p)
        c->hits++;
    else
        c->misses++;
    return p;
}

char *sl_strcache_room(struct sl_strcache *c, uint32_t i, size_t len)
{
    if (i >= UINT32_MAX || too_long(c, len))
        return NULL;
    char *q = gen_room(&c->gen[c->young], i + 1, len);
    if (!q)
        c->full = 1;
    return q;
}

void sl_strcache_forget(struct sl_strcache *c)
{
    /* The last entry made: no probe sequence passes its slot yet. */
    struct sl_strgen *g = &c->gen[c->young];
    g->slot[g->last].key = 0;
    g->used = g->last_at;
    g->n--;
}

void sl_strcache_turn_now(struct sl_strcache *c)
{
    struct sl_strgen *o = &c->gen[!c->young];
    if (o->slot)
        memset(o->slot, 0, ((size_t)1 << o->bits) * sizeof *o->slot);
    o->used = 0;
    o->n = 0;
    c->young = !c->young;
    c->full = 0;
    c->turns++;
}
