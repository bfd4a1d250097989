/* xlsx_sst.c - the shared strings part (sharedStrings.xml).
 *
 * Every <si>'s text goes into one arena (one growing buffer, each string
 * followed by a NUL) with an array of 32-bit offsets: two allocations for the
 * whole table, however many strings. The text of an <si> is its direct <t>
 * plus the <t> of each <r> run, in order; <rPh> (phonetic guide) and run
 * properties are skipped; then _xHHHH_ escapes are decoded in place. */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/cellfmt.h"
#include "read/xlsx_int.h"
#include "read/xml.h"

struct sst_ctx {
    struct sl_xml *xml;
    struct sl_xlsx_sst *sst;
    uint64_t max_cell;
    size_t start; /* arena offset where the current <si> began */
    int in_si, in_r, collecting;
};

static int push_off(struct sl_xlsx_sst *s, uint32_t off)
{
    if (s->n + 1 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint32_t *v = sl_realloc(s->off, cap * sizeof *v);
        if (!v)
            return SL_ENOMEM;
        s->off = v;
        s->cap = cap;
    }
    s->off[s->n + 1] = off;
    return 0;
}

static void sst_start(void *ud, const char *name, const char **atts, int depth)
{
    struct sst_ctx *c = ud;
    if (c->collecting) { /* only the text before a child counts */
        sl_xml_collect(c->xml, NULL);
        c->collecting = 0;
    }
    if (depth == 2 && !strcmp(name, "si")) {
        c->in_si = 1;
        c->start = c->sst->arena.len;
    } else if (c->in_si && depth == 3 && !strcmp(name, "t")) {
        sl_xml_collect(c->xml, &c->sst->arena);
        c->collecting = 1;
    } else if (c->in_si && depth == 3 && !strcmp(name, "r")) {
        c->in_r = 1;
    } else if (c->in_r && depth == 4 && !strcmp(name, "t")) {
        sl_xml_collect(c->xml, &c->sst->arena);
        c->collecting = 1;
    }
}

static void sst_end(void *ud, const char *name, int depth)
{
    struct sst_ctx *c = ud;
    if (c->collecting) {
        sl_xml_collect(c->xml, NULL);
        c->collecting = 0;
    }
    if (depth == 3 && c->in_r) {
        c->in_r = 0;
    } else if (depth == 2 && c->in_si) {
        struct sl_xlsx_sst *s = c->sst;
        struct sl_buf *a = &s->arena;
        c->in_si = 0;
        size_t len = a->len - c->start;
        if (len > c->max_cell) {
            sl_xml_fail(c->xml, SL_ELIMIT,
                        "shared string %zu passes the limit of %llu bytes for one cell; raise "
                        "the limit if the file is genuine",
                        s->n, (unsigned long long)c->max_cell);
            return;
        }
        if (a->data)
            len = sl_xesc_decode(a->data + c->start, len);
        a->len = c->start + len;
        if (sl_buf_addch(a, '\0') || push_off(s, (uint32_t)a->len)) {
            sl_xml_fail(c->xml, a->err ? a->err : SL_ENOMEM,
                        a->err == SL_ELIMIT
                            ? "the shared strings pass the memory limit of %zu bytes; raise the "
                              "limit if the file is genuine"
                            : "out of memory for the shared strings (%zu bytes so far)",
                        a->len);
            return;
        }
        s->n++;
    }
}

int sl_xlsx_load_sst(struct sl_xlsx *x, long idx, struct sl_error *err)
{
    struct sl_xlsx_sst *s = &x->sst;
    uint64_t max = x->lim.max_sst_bytes;
    if (max > UINT32_MAX - 1)
        max = UINT32_MAX - 1; /* offsets are 32-bit */
    sl_buf_init(&s->arena, (size_t)max);
    s->off = sl_malloc(1024 * sizeof *s->off);
    if (!s->off)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->cap = 1024;
    s->off[0] = 0;
    struct sst_ctx c = {NULL, s, x->lim.max_cell_bytes, 0, 0, 0, 0};
    struct sl_xml_handler h = {sst_start, sst_end};
    return sl_xlsx_parse_part(x, idx, &h, &c, &c.xml, err);
}

void sl_xlsx_sst_free(struct sl_xlsx_sst *s)
{
    sl_buf_release(&s->arena);
    sl_free(s->off);
    memset(s, 0, sizeof *s);
}
