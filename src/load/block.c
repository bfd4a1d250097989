/* block.c - blocks of source rows (one block = one batch) and the arena
 * that holds their text. A block is owned by one stage at a time. */
#include <string.h>

#include "base/err.h"
#include "base/alloc.h"
#include "conc/budget.h"
#include "load/load.h"

#define CHUNK_MIN (64 * 1024)

struct sl_arena_chunk {
    struct sl_arena_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
};

void *sl_arena_alloc(struct sl_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct sl_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = sl_malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *sl_arena_strndup(struct sl_arena *a, const char *s, size_t n)
{
    char *p = sl_arena_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void sl_arena_release(struct sl_arena *a)
{
    struct sl_arena_chunk *c = a->head;
    while (c) {
        struct sl_arena_chunk *next = c->next;
        sl_free(c);
        c = next;
    }
    a->head = NULL;
}

struct sl_block *sl_block_new(long long batch_no, size_t cap)
{
    struct sl_block *b = sl_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->batch_no = batch_no;
    b->cap = cap ? cap : 1;
    b->rows = sl_calloc(b->cap, sizeof *b->rows);
    if (!b->rows) {
        sl_free(b);
        return NULL;
    }
    return b;
}

/* The next row of b (the array grown), numbered num, with room for ncells
 * cells; NULL when out of memory. */
static struct sl_brow *next_row(struct sl_block *b, long long num, size_t ncells)
{
    if (b->nrows == b->cap) {
        size_t cap = b->cap * 2;
        struct sl_brow *rows = sl_realloc(b->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        memset(rows + b->cap, 0, (cap - b->cap) * sizeof *rows);
        b->rows = rows;
        b->cap = cap;
    }
    struct sl_brow *r = &b->rows[b->nrows];
    memset(r, 0, sizeof *r);
    r->num = num;
    r->ncells = ncells;
    if (ncells && !(r->cells = sl_arena_alloc(&b->arena, ncells * sizeof *r->cells)))
        return NULL;
    return r;
}

static int copy_cell(struct sl_block *b, struct sl_bcell *out, const char *text, size_t len)
{
    char *t = sl_arena_strndup(&b->arena, len ? text : "", len);
    if (!t)
        return SL_ENOMEM;
    out->text = t;
    out->len = len;
    return 0;
}

static void counted(struct sl_block *b, long long num)
{
    if (b->nrows == 0)
        b->first_row = num;
    b->last_row = num;
    b->nrows++;
}

int sl_block_add(struct sl_block *b, const struct sl_row *row)
{
    struct sl_brow *r = next_row(b, row->num, row->ncells);
    if (!r)
        return SL_ENOMEM;
    for (size_t i = 0; i < row->ncells; i++) {
        const struct sl_cell *c = &row->cells[i];
        if (copy_cell(b, &r->cells[i], c->text, c->text ? c->len : 0))
            return SL_ENOMEM;
    }
    counted(b, row->num);
    return 0;
}

int sl_block_add_copy(struct sl_block *b, const struct sl_brow *src)
{
    struct sl_brow *r = next_row(b, src->num, src->ncells);
    if (!r)
        return SL_ENOMEM;
    for (size_t i = 0; i < src->ncells; i++)
        if (copy_cell(b, &r->cells[i], src->cells[i].text, src->cells[i].len))
            return SL_ENOMEM;
    counted(b, src->num);
    return 0;
}

size_t sl_block_bytes(const struct sl_block *b)
{
    size_t n = sizeof *b + b->cap * sizeof *b->rows;
    for (const struct sl_arena_chunk *c = b->arena.head; c; c = c->next)
        n += sizeof *c + c->cap;
    return n;
}

void sl_block_charge(struct sl_block *b, struct sl_budget *budget, size_t n)
{
    b->budget = budget;
    if (n > b->charged)
        sl_budget_force(budget, n - b->charged);
    else if (n < b->charged)
        sl_budget_release(budget, b->charged - n);
    b->charged = n;
}

void sl_block_free(struct sl_block *b)
{
    if (!b)
        return;
    if (b->budget && b->charged)
        sl_budget_release(b->budget, b->charged);
    sl_arena_release(&b->arena);
    sl_free(b->rows);
    sl_free(b);
}

void sl_plan_release(struct sl_plan *p)
{
    for (size_t i = 0; i < p->ncols; i++)
        sl_free(p->cols[i]);
    sl_free(p->cols);
    for (size_t i = 0; i < p->nheader; i++)
        sl_free(p->header[i]);
    sl_free(p->header);
    sl_free(p->map);
    p->cols = NULL;
    p->header = NULL;
    p->map = NULL;
    p->ncols = p->nheader = p->nmap = 0;
}
