/* xlsx_ahead.c - the sheet parsed ahead by a thread of its own, rows handed
 * to the reader's caller in blocks.
 *
 * Parsing the sheet's XML (expat and the handlers of xlsx_sheet.c) is most
 * of the work of reading a large workbook; the caller has its own (writing
 * CSV, converting values). A thread runs the parse; the handlers copy each
 * finished row into a block (a ring of NBLOCK) and suspend the parser only
 * when the block is full, so the two overlap on two cores.
 * Shared-string cells are left unresolved by the thread (their index) and
 * resolved here in the caller's thread as rows are handed out, pointing
 * into the shared strings' arena, which never moves (xlsx_sst.c): the
 * table's cache misses are not on the parse's path. Other cells' text is
 * copied into the block.
 *
 * Threads. Ownership: once the thread runs, it alone touches the sheet's
 * state in struct sl_xlsx (parser, row, cells) and fills block `tail`; the
 * caller alone reads block `head` until it asks for the next row after its
 * last. mu guards head, tail, stop and the waits on cv; a block is moved
 * from one side to the other only under mu (its contents are written before
 * the move, read after). head is written by the caller alone (under mu),
 * so the caller reads it without: it locks once a block, not once a row.
 * The caller's progress counters are atomics in zip.c. One lock, no order
 * to keep; the thread may also wait on the shared strings' lock
 * (xlsx_sst.c) or the inflate ring's (zip.c), never while holding mu. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "read/xlsx_int.h"

#define NBLOCK     4
#define BLOCK_ROWS 512
#define BLOCK_TEXT (256 * 1024)

struct block_row {
    long long num;
    size_t first, n; /* cells [first, first + n) of the block */
};

struct block {
    struct sl_buf text; /* copied cell texts, each NUL-terminated */
    struct sl_cell *cells;
    size_t *toff; /* offset into text, or SIZE_MAX: keep the pointer */
    size_t ncells, cap_cells;
    struct block_row rows[BLOCK_ROWS];
    size_t nrows;
    int last;            /* the sheet ends after this block */
    int rc;              /* with last: 0 or the error */
    struct sl_error err; /* with last and rc < 0 */
};

struct sl_xlsx_ahead {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned head, tail; /* blocks [head, tail) are full; mu */
    int stop;            /* mu */
    struct block b[NBLOCK];
    struct block *fill; /* the thread's: the block being filled */
    /* The caller's: */
    size_t next_row; /* in block head */
    int held;        /* block head is being read */
    int over;        /* the last block was read */
};

/* Copies row into block k; 0 or SL_ENOMEM. */
static int append(struct block *k, const struct sl_row *row, const struct sl_buf *rowtext)
{
    if (k->ncells + row->ncells > k->cap_cells) {
        size_t cap = k->cap_cells ? k->cap_cells : 1024;
        while (cap < k->ncells + row->ncells)
            cap *= 2;
        struct sl_cell *c = sl_realloc(k->cells, cap * sizeof *c);
        if (!c)
            return SL_ENOMEM;
        k->cells = c;
        size_t *o = sl_realloc(k->toff, cap * sizeof *o);
        if (!o)
            return SL_ENOMEM;
        k->toff = o;
        k->cap_cells = cap;
    }
    uintptr_t lo = (uintptr_t)rowtext->data, hi = lo + rowtext->len;
    for (size_t i = 0; i < row->ncells; i++) {
        const struct sl_cell *c = &row->cells[i];
        size_t j = k->ncells + i;
        k->cells[j] = *c;
        k->toff[j] = SIZE_MAX;
        uintptr_t t = (uintptr_t)c->text;
        if (lo && t >= lo && t < hi) { /* in the row's own text: copy */
            k->toff[j] = k->text.len;
            sl_buf_add(&k->text, c->text, c->len + 1);
        }
    }
    if (k->text.err)
        return k->text.err;
    k->rows[k->nrows].num = row->num;
    k->rows[k->nrows].first = k->ncells;
    k->rows[k->nrows].n = row->ncells;
    k->nrows++;
    k->ncells += row->ncells;
    return 0;
}

/* The text moved while it grew: pointers are set once the block is full. */
static void seal(struct block *k)
{
    for (size_t j = 0; j < k->ncells; j++)
        if (k->toff[j] != SIZE_MAX)
            k->cells[j].text = k->text.data + k->toff[j];
}

static void *parser(void *arg)
{
    struct sl_xlsx *x = arg;
    struct sl_xlsx_ahead *a = x->ahead;
    for (int over = 0; !over;) {
        pthread_mutex_lock(&a->mu);
        while (a->tail - a->head == NBLOCK && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        int stop = a->stop;
        struct block *k = &a->b[a->tail % NBLOCK];
        pthread_mutex_unlock(&a->mu);
        if (stop)
            break;
        sl_buf_reset(&k->text);
        k->ncells = k->nrows = 0;
        k->last = k->rc = 0;
        memset(&k->err, 0, sizeof k->err);
        a->fill = k;
        /* The handlers put rows into k (sl_xlsx_ahead_take) and suspend
         * the parse when it is full: 1. */
        struct sl_row row;
        int rc = sl_xlsx_next_here(x, &row, &k->err);
        if (rc != 1) {
            k->last = over = 1;
            k->rc = rc;
        }
        seal(k);
        pthread_mutex_lock(&a->mu);
        a->tail++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
    return NULL;
}

static void prefetch_row(const struct sl_xlsx *x, const struct block *k, const struct block_row *r)
{
    for (size_t i = r->first; i < r->first + r->n; i++)
        if (!k->cells[i].text)
            sl_xlsx_sst_prefetch(x, k->cells[i].len);
}

int sl_xlsx_ahead_take(struct sl_xlsx *x)
{
    struct block *k = x->ahead->fill;
    if (append(k, &x->out, &x->rowtext))
        return SL_ENOMEM;
    return k->nrows == BLOCK_ROWS || k->text.len >= BLOCK_TEXT;
}

int sl_xlsx_ahead_start(struct sl_xlsx *x)
{
    struct sl_xlsx_ahead *a = sl_calloc(1, sizeof *a);
    if (!a)
        return SL_ENOMEM;
    for (int i = 0; i < NBLOCK; i++)
        sl_buf_init(&a->b[i].text, 0);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    x->ahead = a;
    x->defer_sst = 1;
    if (pthread_create(&a->th, NULL, parser, x) != 0) {
        x->ahead = NULL;
        x->defer_sst = 0;
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        sl_free(a);
        return SL_ENOMEM; /* no thread: the caller parses */
    }
    return 0;
}

int sl_xlsx_ahead_next(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err)
{
    struct sl_xlsx_ahead *a = x->ahead;
    for (;;) {
        if (a->over)
            return 0;
        if (!a->held) { /* the lock only to take a block, not for each row */
            pthread_mutex_lock(&a->mu);
            while (a->head == a->tail)
                pthread_cond_wait(&a->cv, &a->mu);
            pthread_mutex_unlock(&a->mu);
            a->held = 1;
            a->next_row = 0;
        }
        struct block *k = &a->b[a->head % NBLOCK]; /* head: written by this thread alone */
        while (a->next_row < k->nrows) {
            const struct block_row *r = &k->rows[a->next_row++];
            if (a->next_row < k->nrows) /* start the next row's table reads */
                prefetch_row(x, k, &k->rows[a->next_row]);
            size_t n = sl_xlsx_sst_resolve(x, k->cells + r->first, r->n);
            if (!n)
                continue; /* only empty shared strings: no value */
            row->num = r->num;
            row->ncells = n;
            row->cells = k->cells + r->first;
            return 1;
        }
        if (k->last) {
            a->over = 1;
            if (k->rc < 0 && err && !err->code) {
                err->code = k->err.code;
                memcpy(err->msg, k->err.msg, sizeof err->msg);
                memcpy(err->sheet, k->err.sheet, sizeof err->sheet);
                err->row = k->err.row;
                err->col = k->err.col;
            }
            return k->rc < 0 ? k->rc : 0;
        }
        pthread_mutex_lock(&a->mu); /* give the block back */
        a->head++;
        a->held = 0;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
    }
}

void sl_xlsx_ahead_stop(struct sl_xlsx *x)
{
    struct sl_xlsx_ahead *a = x->ahead;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    for (int i = 0; i < NBLOCK; i++) {
        sl_buf_release(&a->b[i].text);
        sl_free(a->b[i].cells);
        sl_free(a->b[i].toff);
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    sl_free(a);
    x->ahead = NULL;
}
