/* block.c - blocks of source rows (one block = one batch) and the arena
 * that holds their text. A block is owned by one stage at a time. */
#include <string.h>

#include "base/err.h"
#include "base/alloc.h"
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

int sl_block_add(struct sl_block *b, const struct sl_row *row)
{
    if (b->nrows == b->cap) {
        size_t cap = b->cap * 2;
        struct sl_brow *rows = sl_realloc(b->rows, cap * sizeof *rows);
        if (!rows)
            return SL_ENOMEM;
        memset(rows + b->cap, 0, (cap - b->cap) * sizeof *rows);
        b->rows = rows;
        b->cap = cap;
    }
    struct sl_brow *r = &b->rows[b->nrows];
    memset(r, 0, sizeof *r);
    r->num = row->num;
    r->ncells = row->ncells;
    if (row->ncells) {
        r->cells = sl_arena_alloc(&b->arena, row->ncells * sizeof *r->cells);
        if (!r->cells)
            return SL_ENOMEM;
        for (size_t i = 0; i < row->ncells; i++) {
            const struct sl_cell *c = &row->cells[i];
            size_t len = c->text ? c->len : 0;
            char *t = sl_arena_strndup(&b->arena, len ? c->text : "", len);
            if (!t)
                return SL_ENOMEM;
            r->cells[i].text = t;
            r->cells[i].len = len;
        }
    }
    if (b->nrows == 0)
        b->first_row = row->num;
    b->last_row = row->num;
    b->nrows++;
    return 0;
}

void sl_block_free(struct sl_block *b)
{
    if (!b)
        return;
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
