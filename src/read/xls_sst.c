/* xls_sst.c - the .xls shared-string table (the SST record and the
 * CONTINUE records after it), in memory or, past the memory budget, in a
 * spill file (read/spill.h), as the xlsx reader's table (xlsx_sst.c).
 *
 * Layout: the strings' UTF-8 text in one arena, each followed by a NUL,
 * and n + 1 64-bit offsets. In memory both grow as strings come (the
 * declared count is never trusted for an allocation). Before reading, the
 * records' total size R is found by walking their headers; the table's
 * memory is then at most about R (the text of compressed ASCII strings) +
 * 8 bytes an offset, for the declared count of strings capped at R / 3 + 1
 * (a string takes at least 3 bytes). When that passes what the budget
 * leaves the table (sl_spill_wanted), the same layout goes to a spill file:
 * an offsets region (page-aligned), then at most 2R + nmax bytes of text
 * (a compressed byte is at most 2 UTF-8 bytes, two bytes of UTF-16 at most
 * 3). Strings are gathered a MiB (or 64 Ki offsets) at a time and written;
 * the sheet, read after the whole table, reads them through the spill's
 * mapping, every read counted against its resident window. The free space
 * asked for is the expected size, R + 8 bytes a string; a write past what
 * is free is the same "no space" error. */
#include <unistd.h>

#include "base/alloc.h"
#include "read/xls_int.h"

#define FLUSH_TEXT ((size_t)1 << 20)
#define FLUSH_OFFS 65536

/* The bytes of the current (SST) record and the CONTINUE records after it;
 * the stream's position is kept. */
static uint64_t extent(struct sl_xls *x)
{
    gsf_off_t at = sl_xls_gsf.input_tell(x->wb);
    uint64_t total = x->rlen, pos = (uint64_t)at;
    unsigned char h[4];
    while (pos + 4 <= x->size && sl_xls_gsf.input_read(x->wb, 4, h) && u16(h) == REC_CONTINUE) {
        pos += 4 + (uint64_t)u16(h + 2);
        total += u16(h + 2);
        if (pos > x->size || sl_xls_gsf.input_seek(x->wb, (gsf_off_t)pos, G_SEEK_SET))
            break;
    }
    (void)sl_xls_gsf.input_seek(x->wb, at, G_SEEK_SET);
    return total;
}

/* The table in a spill file for a table of R record bytes. */
static int spill(struct sl_xls *x, uint64_t r, size_t window, struct sl_error *err)
{
    struct xls_sst *s = &x->sst;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    s->offbytes = (s->nmax * sizeof *s->off + page - 1) / page * page;
    if (s->max > 2 * r + s->nmax + 64)
        s->max = 2 * r + s->nmax + 64;
    int rc = sl_spill_open(&s->sp, x->tmp_dir, r + 8 * (uint64_t)s->nmax + 64,
                           s->offbytes + (size_t)s->max + 1, window, err);
    if (rc)
        return rc;
    s->moff = (const uint64_t *)s->sp.map;
    s->mtext = s->sp.map + s->offbytes;
    s->cap = FLUSH_OFFS + 1;
    s->off = sl_malloc(s->cap * sizeof *s->off);
    if (!s->off || sl_buf_grow(&s->text, FLUSH_TEXT))
        return sl_err_set(err, SL_ENOMEM, "out of memory for the shared strings");
    return 0;
}

/* Sizes the table: in memory, or spilled past the budget. */
static int start(struct sl_xls *x, uint32_t want, struct sl_error *err)
{
    struct xls_sst *s = &x->sst;
    uint64_t r = extent(x), window = 0;
    s->sp.fd = -1;
    s->max = x->lim.max_sst_bytes;
    s->nmax = (size_t)(want < r / 3 + 1 ? want : r / 3 + 1) + 2;
    s->loaded = 1;
    if (sl_spill_wanted(x->lim.max_memory, r + 8 * (uint64_t)s->nmax, &window)) {
        sl_buf_init(&s->text, 0);
        int rc = spill(x, r, (size_t)window, err);
        if (rc)
            return rc;
    } else {
        sl_buf_init(&s->text, (size_t)s->max);
        if (sl_xls_grow(&s->off, &s->cap, 0, sizeof *s->off, 1024))
            return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    s->off[0] = 0;
    s->offn = 1;
    return 0;
}

/* Writes the gathered text and offsets; 0 or an error. */
static int flush(struct xls_sst *s, struct sl_error *err)
{
    int e = sl_spill_write(&s->sp, s->text.data, s->text.len, s->offbytes + s->text_done);
    if (!e)
        e = sl_spill_write(&s->sp, s->off, s->offn * sizeof *s->off,
                           (uint64_t)s->off_done * sizeof *s->off);
    if (e)
        return sl_spill_error(&s->sp, e, err);
    s->text_done += s->text.len;
    sl_buf_reset(&s->text);
    s->off_done += s->offn;
    s->offn = 0;
    return 0;
}

/* One more string from the records; 0 or an error. */
static int add(struct sl_xls *x, struct rd *r, struct sl_error *err)
{
    struct xls_sst *s = &x->sst;
    int rc = sl_xls_rd_string(x, r, 2, 1, &s->text, err, "a shared string runs past its record");
    if (!rc) {
        sl_buf_addch(&s->text, '\0');
        rc = sl_xls_text_full(&s->text, err);
    }
    if (rc)
        return rc;
    uint64_t end = s->text_done + s->text.len;
    if (end > s->max || (s->sp.fd >= 0 && s->n + 2 > s->nmax))
        return sl_err_set(err, SL_ELIMIT, "the shared strings pass the memory limit of %llu bytes",
                          (unsigned long long)s->max);
    if (s->sp.fd < 0 && sl_xls_grow(&s->off, &s->cap, s->offn, sizeof *s->off, 1024))
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->off[s->offn++] = end;
    s->n++;
    if (s->sp.fd >= 0 && (s->text.len >= FLUSH_TEXT || s->offn >= FLUSH_OFFS))
        return flush(s, err);
    return 0;
}

int sl_xls_sst_load(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 8)
        return sl_xls_corrupt(x, err, "the shared-string table is shorter than its header");
    uint32_t want = u32(x->rec + 4);
    int rc = start(x, want, err);
    struct rd r = {8, 1};
    while (!rc && x->sst.n < want) {
        if (r.p < x->rlen) {
            rc = add(x, &r, err);
            continue;
        }
        /* The table may end early (Excel's count can be higher than what
         * follows when strings were dropped): stop at a record that is not
         * a CONTINUE. */
        if ((rc = sl_xls_next_record(x, err)) < 0)
            return rc;
        if (rc == 0 || x->rtype != REC_CONTINUE) {
            x->pushed = rc;
            rc = 0;
            break;
        }
        rc = 0;
        r.p = 0;
    }
    if (!rc && x->sst.sp.fd >= 0)
        rc = flush(&x->sst, err);
    return rc;
}

const char *sl_xls_sst_get(struct sl_xls *x, size_t i, size_t *len)
{
    struct xls_sst *s = &x->sst;
    if (s->sp.fd < 0) {
        *len = (size_t)(s->off[i + 1] - s->off[i] - 1);
        return s->text.data + s->off[i];
    }
    uint64_t a = s->moff[i], b = s->moff[i + 1];
    *len = (size_t)(b - a - 1);
    sl_spill_touch(&s->sp, &s->moff[i], s->mtext + a, (size_t)(b - a));
    return s->mtext + a;
}

size_t sl_xls_sst_len(struct sl_xls *x, size_t i)
{
    struct xls_sst *s = &x->sst;
    if (s->sp.fd < 0)
        return (size_t)(s->off[i + 1] - s->off[i] - 1);
    sl_spill_touch(&s->sp, &s->moff[i], &s->moff[i + 1], sizeof *s->moff);
    return (size_t)(s->moff[i + 1] - s->moff[i] - 1);
}

void sl_xls_sst_free(struct xls_sst *s)
{
    if (s->loaded)
        sl_spill_close(&s->sp);
    sl_free(s->off);
    sl_buf_release(&s->text);
}
