/* xlsx_sst.c - the shared strings part (sharedStrings.xml), loaded by a
 * thread of its own while the sheet is read.
 *
 * Every <si>'s text goes into one arena (each string followed by a NUL)
 * with an array of 32-bit offsets: two allocations for the whole table,
 * however many strings. The text of an <si> is its direct <t> plus the <t>
 * of each <r> run, in order; <rPh> (phonetic guide) and run properties are
 * skipped; then _xHHHH_ escapes are decoded in place.
 *
 * Both arrays are sized before loading from the part's declared size and
 * never move: UTF-8 text is at most twice the XML's bytes in any encoding
 * expat reads (ISO-8859-1: 1 byte -> 2), plus a NUL per <si> of at least 5
 * bytes ("<si/>"), and there are at most bytes/5 strings. Untouched pages
 * cost no memory. A part that inflates past its declared size can overflow
 * them: it is refused as broken (zip.c checks the bytes inflated, since
 * headers lie).
 *
 * Threads (DESIGN). The loader thread parses the part through a twin of the
 * archive (zip.c: its own handle and file offset), appending strings; the
 * sheet's thread reads strings as soon as they are complete. Excel and
 * libxlsxwriter write strings in first-use order, so the sheet rarely waits
 * for one. Ownership: the loader alone writes the arena, off[], n and its
 * parse state. It publishes string count `ready` with a release store after
 * the string's bytes and off[i+1] are written; the sheet's thread reads
 * string i < ready (acquire) through pointers taken before the thread began.
 * mu guards done, rc and err (written once, at the end, then read by the
 * sheet's thread) and the waits on cv; `waiting` (atomic) tells the loader
 * someone sleeps, so it takes mu and broadcasts only then. `stop` (atomic)
 * asks the loader to give up (the reader is closed early). One lock, no
 * order to keep. With no thread (pthread_create failed) the part is loaded
 * in the caller before the sheet is read, and errors come at open as ever.
 *
 * Spill (a memory budget, limits.max_memory). A table whose part declares
 * more bytes than the budget leaves for it (sl_spill_wanted: the budget
 * less SL_SPILL_RESERVE for the rest of the pipeline) is never held in
 * memory: its text and offsets go to a spill file (spill.h), laid out as
 * the arrays above (offsets first, then text, page-aligned), and the sheet
 * reads them through the spill's mapping, or, for a string far behind the
 * highest one read (a text it repeats), from a cache of copies
 * (strcache.h) filled by pread on a miss. The loader gathers strings in a
 * small buffer and writes them (and their offsets) a MiB at a time, then
 * publishes them: a full disk is a write error here, never a SIGBUS in the
 * reader. Free space is checked against the part's declared size (an upper
 * bound of text, NULs and offsets for UTF-8 XML) before the first write.
 *
 * Errors: the loader's error (the part, line, what and what to do) is kept
 * and reported by the sheet's reader as the workbook's error, in place of
 * any error of the sheet (the table was read first in the file's order). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/cellfmt.h"
#include "read/scan.h"
#include "read/spill.h"
#include "read/strcache.h"
#include "read/xlsx_int.h"
#include "read/xml.h"
#include "read/zip.h"

#define SPILL_FLUSH ((size_t)1 << 20) /* text gathered before a write */
#define SPILL_OFFS  65536             /* offsets gathered before a write */
/* A spilled string this close behind the highest one read is read from the
 * mapping (the stream's own recent regions); farther back, it goes through
 * the cache of copies. About three 64 KiB regions of short strings. */
#define SPILL_NEAR 4096
/* The mapping's window at least when the cache takes the rest: the
 * stream's few recent regions and the offsets'. */
#define SPILL_MAPWIN_MIN ((uint64_t)2 << 20)

struct sl_xlsx_sstload {
    /* Set before the thread starts; read-only after. */
    struct sl_zip *zip; /* the twin (owned), or the reader's own zip */
    int own_zip;
    long idx;
    struct sheetload_limits lim;
    uint64_t declared; /* the part's inflated size per its headers */
    int by_size;       /* the arrays are sized by declared, not the limit */
    int threaded;
    pthread_t th;

    /* The loader's (see the header comment). */
    struct sl_xlsx_sst sst;
    struct sl_xml *xml;
    size_t start; /* arena offset where the current <si> began */
    int in_si, in_r;

    _Atomic size_t ready;
    atomic_int waiting;
    atomic_int stop;

    /* The spill (sp.fd >= 0): set before the thread starts but for the
     * loader's own counters; sp's window is the sheet's side's alone. */
    struct sl_spill sp;
    size_t offbytes;    /* the offsets' region, page-aligned */
    size_t textmax;     /* bytes of text the layout holds */
    uint64_t text_base; /* loader: text bytes written */
    size_t off_done;    /* loader: offsets written */
    uint32_t *offbuf;   /* loader: offsets not written yet */
    size_t offn;
    int text_full;
    /* The sheet's side of a spilled table: copies of the strings it reads
     * again (strcache.h) and the highest string read so far + 1. */
    struct sl_strcache cache;
    size_t front;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;            /* mu */
    int rc;              /* mu, once done */
    struct sl_error err; /* mu, once done */
};

static int push_off(struct sl_xlsx_sstload *c, size_t len)
{
    struct sl_xlsx_sst *s = &c->sst;
    if (s->n + 1 >= s->cap)
        return SL_ELIMIT;
    if (c->sp.fd < 0) {
        s->off[s->n + 1] = (uint32_t)len;
        return 0;
    }
    if (c->text_base + len > c->textmax) {
        c->text_full = 1;
        return SL_ELIMIT;
    }
    c->offbuf[c->offn++] = (uint32_t)(c->text_base + len);
    return 0;
}

/* Writes the gathered text, then its offsets; the strings are then in the
 * file for the reader's mapping. 0 or an errno. */
static int flush(struct sl_xlsx_sstload *c)
{
    struct sl_buf *a = &c->sst.arena;
    int e = sl_spill_write(&c->sp, a->data, a->len, c->offbytes + c->text_base);
    if (!e)
        e = sl_spill_write(&c->sp, c->offbuf, c->offn * sizeof *c->offbuf,
                           (uint64_t)c->off_done * sizeof *c->offbuf);
    if (e)
        return e;
    c->text_base += a->len;
    sl_buf_reset(a);
    c->off_done += c->offn;
    c->offn = 0;
    return 0;
}

static void flush_fail(struct sl_xlsx_sstload *c, int e)
{
    struct sl_error t;
    memset(&t, 0, sizeof t);
    sl_spill_error(&c->sp, e, &t);
    sl_xml_fail(c->xml, SL_EIO, "%s", t.msg);
}

static void sst_start(void *ud, const char *name, const char **atts, int depth)
{
    struct sl_xlsx_sstload *c = ud;
    if (depth == 2 && !strcmp(name, "si")) {
        c->in_si = 1;
        c->start = c->sst.arena.len;
    } else if (c->in_si && depth == 3 && !strcmp(name, "t")) {
        sl_xml_collect(c->xml, &c->sst.arena); /* until the next tag (xml.h) */
    } else if (c->in_si && depth == 3 && !strcmp(name, "r")) {
        c->in_r = 1;
    } else if (c->in_r && depth == 4 && !strcmp(name, "t")) {
        sl_xml_collect(c->xml, &c->sst.arena);
    }
}

/* Makes strings [0, n) visible to the sheet's thread. */
static void publish(struct sl_xlsx_sstload *c, size_t n)
{
    atomic_store(&c->ready, n);
    if (atomic_load(&c->waiting)) {
        pthread_mutex_lock(&c->mu);
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
}

/* The table's loader side: the string collected into the arena since
 * c->start (text of <t>s, undecoded) becomes string n: decoded, its length
 * checked, NUL-terminated, its offset recorded. 0, or the parse is failed.
 * A table kept elsewhere (spilled to disk) replaces this and
 * sl_xlsx_sst_get (xlsx_int.h). */
static int sst_add(struct sl_xlsx_sstload *c)
{
    struct sl_xlsx_sst *s = &c->sst;
    struct sl_buf *a = &s->arena;
    size_t len = a->len - c->start;
    if (len > c->lim.max_cell_bytes) {
        sl_xml_fail(c->xml, SL_ELIMIT,
                    "shared string %zu passes the limit of %llu bytes for one cell; raise "
                    "the limit if the file is genuine",
                    s->n, (unsigned long long)c->lim.max_cell_bytes);
        return SL_ELIMIT;
    }
    if (a->data)
        len = sl_xesc_decode(a->data + c->start, len);
    a->len = c->start + len;
    if (sl_buf_addch(a, '\0') || push_off(c, a->len)) {
        sl_xml_fail(c->xml, a->err ? a->err : SL_ELIMIT,
                    a->err == SL_ENOMEM
                        ? "out of memory for the shared strings (%zu bytes so far)"
                        : "the shared strings pass the memory limit of %zu bytes; raise the "
                          "limit if the file is genuine",
                    a->err == SL_ENOMEM ? a->len
                    : c->sp.fd >= 0     ? c->textmax
                                        : a->max);
        return a->err ? a->err : SL_ELIMIT;
    }
    s->n++;
    return 0;
}

static void sst_end(void *ud, int depth)
{
    struct sl_xlsx_sstload *c = ud;
    if (depth == 3 && c->in_r) {
        c->in_r = 0;
    } else if (depth == 2 && c->in_si) {
        c->in_si = 0;
        if (sst_add(c))
            return;
        size_t n = c->sst.n;
        if (c->sp.fd >= 0) {
            struct sl_buf *a = &c->sst.arena;
            if (a->len < SPILL_FLUSH && c->offn < SPILL_OFFS)
                return;
            int e = flush(c);
            if (e) {
                flush_fail(c, e);
                return;
            }
        }
        if (c->threaded) {
            if ((c->sp.fd >= 0 || (n & 255) == 0) &&
                atomic_load_explicit(&c->stop, memory_order_relaxed)) {
                sl_xml_fail(c->xml, SL_ECANCELED, "cancelled");
                return;
            }
            publish(c, n);
        }
    }
}

/* The fast lane (xml.h's whole handler): <si><t>TEXT</t></si> with TEXT
 * character data that needs no decoding (sl_scan_plain) and room for it
 * in the arena as it is, taken from the bytes in one step, as many in a
 * row as there are; anything else (rich text, xml:space, an entity, a line
 * end, a full arena) goes the usual way, which also gives any error. */
static size_t sst_one(struct sl_xlsx_sstload *c, char *p, size_t n)
{
    struct sl_buf *a = &c->sst.arena;
    if (n < 16 || !sl_scan_is(p, "<si><t>", 7))
        return 0;
    size_t len = sl_scan_plain(p + 7, n - 7);
    const char *q = p + 7 + len;
    if (n - 7 - len < 9 || !sl_scan_is(q, "</t></si>", 9) || len > c->lim.max_cell_bytes ||
        a->err || a->len + len + 2 >= a->cap || a->len + len + 1 > a->max)
        return 0;
    c->in_si = 1;
    c->start = a->len;
    memcpy(a->data + a->len, p + 7, len);
    a->len += len;
    a->data[a->len] = '\0';
    sst_end(c, 2);
    return 7 + len + 9;
}

static size_t sst_whole(void *ud, char *p, size_t n, int depth)
{
    (void)depth;
    struct sl_xlsx_sstload *c = ud;
    size_t took = 0, k;
    while ((k = sst_one(c, p + took, n - took)) != 0) {
        took += k;
        if (sl_xml_failed(c->xml))
            break;
    }
    return took;
}

/* Opens the part for parsing. Done in the opening thread: libzip's stat
 * and open of an entry convert its DOS time with mktime, which must not
 * race the caller's own opens (tzset inside glibc). */
static int load_open(struct sl_xlsx_sstload *c, struct sl_error *err)
{
    struct sl_xml_handler h = {sst_start, sst_end, sst_whole, 1u << 1};
    return sl_xml_open_fast(&c->xml, c->zip, c->idx, &h, c, &c->lim, err);
}

/* Parses the whole opened part; 0 or an error in err. */
static int load_run(struct sl_xlsx_sstload *c, struct sl_error *err)
{
    int rc = 0;
    while (!rc) {
        rc = sl_xml_run(c->xml, err);
        if (rc == 0)
            break;
        if (rc == 1)
            rc = 0; /* nothing suspends a whole-part parse; go on */
    }
    if (!rc && c->sp.fd < 0 && c->sst.arena.data && c->sst.off) {
        /* The tables are complete: the rest of the huge page each ends in
         * goes back (up to 2 MiB each of the peak). */
        sl_huge_pages_trim(c->sst.arena.data, c->sst.arena.len + 1, c->sst.arena.cap);
        sl_huge_pages_trim(c->sst.off, (c->sst.n + 1) * sizeof *c->sst.off,
                           c->sst.cap * sizeof *c->sst.off);
    }
    if (!rc && c->sp.fd >= 0) {
        int e = flush(c);
        if (e)
            rc = sl_spill_error(&c->sp, e, err);
        else if (c->threaded)
            publish(c, c->sst.n);
    }
    if (rc == SL_ELIMIT && c->by_size &&
        (c->sst.arena.err == SL_ELIMIT || c->text_full || c->sst.n + 1 >= c->sst.cap)) {
        /* The arrays were sized by the part's declared size, which the
         * part passed: a lying header, not a big table. */
        sl_err_reset(err, SL_EZIP,
                     "'%s': inflates to more than the %llu bytes its zip header declares; "
                     "the file is broken",
                     c->zip ? sl_zip_name(c->zip, c->idx) : "sharedStrings.xml",
                     (unsigned long long)c->declared);
        rc = SL_EZIP;
    }
    sl_xml_close(c->xml);
    c->xml = NULL;
    return rc;
}

static void *loader(void *arg)
{
    struct sl_xlsx_sstload *c = arg;
    struct sl_error err;
    memset(&err, 0, sizeof err);
    int rc = load_run(c, &err);
    pthread_mutex_lock(&c->mu);
    c->rc = rc;
    c->err = err;
    c->done = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* The table in a spill file (see the header comment). */
static int spill_table(struct sl_xlsx_sstload *c, const char *dir, uint64_t window, uint64_t max,
                       uint64_t nmax, struct sl_error *err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    c->offbytes = ((size_t)nmax * sizeof(uint32_t) + page - 1) / page * page;
    c->textmax = (size_t)max;
    int rc = sl_spill_open(&c->sp, dir, c->declared + 64, c->offbytes + (size_t)max + 1,
                           (size_t)window, err);
    if (rc)
        return rc;
    c->offbuf = sl_malloc((SPILL_OFFS + 1) * sizeof *c->offbuf);
    struct sl_xlsx_sst *s = &c->sst;
    sl_buf_init(&s->arena, 0);
    if (!c->offbuf || sl_buf_grow(&s->arena, SPILL_FLUSH))
        return sl_err_set(err, SL_ENOMEM, "out of memory for the shared strings");
    s->arena.data[0] = '\0';
    s->cap = (size_t)nmax;
    c->offbuf[0] = 0;
    c->offn = 1;
    return 0;
}

/* Sizes and allocates the arrays (see the header comment), in memory or,
 * past the budget, in a spill file. */
static int alloc_table(struct sl_xlsx *x, struct sl_xlsx_sstload *c, struct sl_error *err)
{
    uint64_t max = c->lim.max_sst_bytes;
    if (max > UINT32_MAX - 1)
        max = UINT32_MAX - 1; /* offsets are 32-bit */
    uint64_t by_size = 2 * c->declared + 64;
    if (by_size < max) {
        max = by_size;
        c->by_size = 1;
    }
    uint64_t nmax = c->declared / 5 + 2;
    if (nmax > max + 2)
        nmax = max + 2;
    struct sl_xlsx_sst *s = &c->sst;
    uint64_t window;
    if (sl_spill_wanted(c->lim.max_memory, c->declared, &window)) {
        /* The share goes mostly to copies of the strings read again; the
         * mapping's window needs only the stream's recent regions. A cache
         * that cannot be allocated is none (every read then maps). */
        uint64_t mapwin = window / 4 > SPILL_MAPWIN_MIN ? window / 4 : SPILL_MAPWIN_MIN;
        if (window > mapwin)
            (void)sl_strcache_init(&c->cache, (size_t)(window - mapwin));
        window = mapwin;
        int rc = spill_table(c, x->tmp_dir, window, max, nmax, err);
        if (rc)
            return rc;
        c->sp.second_chance = !c->cache.gen[0].slot; /* the copies keep what is read again */
        x->sst_off = (const uint32_t *)c->sp.map;
        x->sst_text = c->sp.map + c->offbytes;
        x->sst_window = (size_t)window;
        x->sst_ready = 0;
        return 0;
    }
    sl_buf_init(&s->arena, (size_t)max);
    s->arena.data = sl_malloc((size_t)max + 1);
    s->off = sl_malloc((size_t)nmax * sizeof *s->off);
    if (!s->arena.data || !s->off)
        return sl_err_set(err, SL_ENOMEM, "out of memory for the shared strings");
    sl_want_huge_pages(s->arena.data, (size_t)max + 1);
    sl_want_huge_pages(s->off, (size_t)nmax * sizeof *s->off);
    s->arena.cap = (size_t)max + 1;
    s->arena.data[0] = '\0';
    s->cap = (size_t)nmax;
    s->off[0] = 0;
    x->sst_text = s->arena.data;
    x->sst_off = s->off;
    x->sst_window = 0;
    x->sst_ready = 0;
    return 0;
}

/* String i of a spilled table through the mapping, its reads counted. */
static const char *spilled_map(struct sl_xlsx_sstload *c, const struct sl_xlsx *x, size_t i,
                               size_t *len)
{
    uint32_t a = x->sst_off[i], b = x->sst_off[i + 1];
    *len = b - a - 1;
    sl_spill_touch(&c->sp, &x->sst_off[i], x->sst_text + a, b - a);
    return x->sst_text + a;
}

const char *sl_xlsx_sst_spilled(const struct sl_xlsx *x, size_t i, size_t *len)
{
    struct sl_xlsx_sstload *c = x->sstl;
    if (i + SPILL_NEAR >= c->front) { /* the table's order: from the stream */
        if (i >= c->front)
            c->front = i + 1;
        return spilled_map(c, x, i, len);
    }
    const char *p = sl_strcache_get(&c->cache, (uint32_t)i, len);
    if (p)
        return p;
    /* A miss: read from the file into the cache, not through the mapping
     * (a fault for the offsets' page and one for the text's, each later
     * dropped: dearer than two reads, and they would push the stream's
     * regions out of the window). */
    uint32_t ab[2];
    char *q;
    if (pread(c->sp.fd, ab, sizeof ab, (off_t)(i * sizeof *ab)) == (ssize_t)sizeof ab &&
        ab[1] > ab[0] && (q = sl_strcache_room(&c->cache, (uint32_t)i, ab[1] - ab[0] - 1))) {
        size_t n = ab[1] - ab[0] - 1;
        if (pread(c->sp.fd, q, n, (off_t)(c->offbytes + ab[0])) == (ssize_t)n) {
            *len = n;
            return q;
        }
        sl_strcache_forget(&c->cache);
    }
    return spilled_map(c, x, i, len);
}

void sl_xlsx_sst_spilled_prefetch(const struct sl_xlsx *x, size_t i)
{
    const struct sl_xlsx_sstload *c = x->sstl;
    if (i + SPILL_NEAR < c->front)
        sl_strcache_prefetch(&c->cache, (uint32_t)i);
}

void sl_xlsx_sst_row(const struct sl_xlsx *x)
{
    sl_strcache_turn(&x->sstl->cache);
}

/* The loader of entry idx (-1: bytes in memory) declared to inflate to
 * declared bytes, its table allocated: 0, or an error with *out set all
 * the same (sl_xlsx_sst_free frees it). */
static int new_loader(struct sl_xlsx *x, long idx, uint64_t declared, struct sl_xlsx_sstload **out,
                      struct sl_error *err)
{
    struct sl_xlsx_sstload *c = *out = sl_calloc(1, sizeof *c);
    if (!c)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    c->sp.fd = -1;
    x->sstl = c;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->idx = idx;
    c->lim = x->lim;
    c->declared = declared;
    return alloc_table(x, c, err);
}

/* Loading ran in the caller: the table is complete, rc its outcome. */
static int loaded_here(struct sl_xlsx *x, struct sl_xlsx_sstload *c, int rc)
{
    c->done = 1;
    c->rc = rc;
    atomic_store(&c->ready, c->sst.n);
    x->sst_ready = c->sst.n;
    return rc;
}

int sl_xlsx_sst_start(struct sl_xlsx *x, const char *path, long idx, struct sl_error *err)
{
    struct sl_xlsx_sstload *c;
    int rc = new_loader(x, idx, sl_zip_entry_size(x->zip, idx), &c, err);
    if (rc)
        return rc;

    /* A thread of its own over a twin of the archive, else here. */
    struct sl_error terr;
    memset(&terr, 0, sizeof terr);
    struct sl_zip *twin = NULL;
    if (path && !sl_zip_open_twin(&twin, x->zip, path, &terr)) {
        if (!strcmp(sl_zip_name(twin, idx), sl_zip_name(x->zip, idx))) {
            c->zip = twin;
            c->own_zip = 1;
        } else {
            sl_zip_close(twin);
        }
    }
    if (!c->zip)
        c->zip = x->zip;
    rc = load_open(c, err);
    if (rc)
        return rc;
    if (c->own_zip) {
        c->threaded = 1;
        if (pthread_create(&c->th, NULL, loader, c) == 0)
            return 0;
        c->threaded = 0;
    }
    return loaded_here(x, c, load_run(c, err));
}

int sl_xlsx_sst_load_mem(struct sl_xlsx *x, const char *data, size_t len, size_t step, int fast,
                         struct sl_error *err)
{
    struct sl_xlsx_sstload *c;
    int rc = new_loader(x, -1, len, &c, err);
    if (rc)
        return rc;
    struct sl_xml_handler h = {sst_start, sst_end, sst_whole, 1u << 1};
    rc = sl_xml_open_mem(&c->xml, data, len, step, "sharedStrings.xml", &h, c, &c->lim, fast, err);
    if (!rc)
        rc = load_run(c, err);
    return loaded_here(x, c, rc);
}

int sl_xlsx_sst_wait(struct sl_xlsx *x, uint64_t v, size_t *n)
{
    struct sl_xlsx_sstload *c = x->sstl;
    *n = 0;
    if (!c)
        return 1;
    size_t r = atomic_load(&c->ready);
    if (v < r) {
        x->sst_ready = r;
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    atomic_fetch_add(&c->waiting, 1);
    while (v >= (r = atomic_load(&c->ready)) && !c->done)
        pthread_cond_wait(&c->cv, &c->mu);
    atomic_fetch_sub(&c->waiting, 1);
    int rc = 0;
    r = atomic_load(&c->ready);
    if (v < r)
        x->sst_ready = r;
    else if (c->rc)
        rc = c->rc;
    else {
        rc = 1;
        *n = c->sst.n;
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int sl_xlsx_sst_finish(struct sl_xlsx *x, struct sl_error *err)
{
    struct sl_xlsx_sstload *c = x->sstl;
    if (!c)
        return 0;
    pthread_mutex_lock(&c->mu);
    atomic_fetch_add(&c->waiting, 1);
    while (!c->done)
        pthread_cond_wait(&c->cv, &c->mu);
    atomic_fetch_sub(&c->waiting, 1);
    int rc = c->rc;
    if (rc && err) {
        err->code = rc;
        memcpy(err->msg, c->err.msg, sizeof err->msg);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

size_t sl_xlsx_sst_resolve(const struct sl_xlsx *x, struct sl_cell *cells, size_t n)
{
    if (x->sst_window)
        sl_xlsx_sst_row(x);
    for (size_t i = 0; i < n; i++) {
        struct sl_cell *c = &cells[i];
        if (c->text)
            continue;
        c->text = sl_xlsx_sst_get(x, c->len, &c->len);
        __builtin_prefetch(c->text); /* the caller reads it next */
        if (c->len == 0) {           /* an empty shared string: no value */
            c->text = "";
            c->kind = SL_CELL_EMPTY;
        }
    }
    while (n && cells[n - 1].kind == SL_CELL_EMPTY)
        n--;
    return n;
}

void sl_xlsx_sst_cancel(struct sl_xlsx *x)
{
    if (x->sstl)
        atomic_store(&x->sstl->stop, 1);
}

void sl_xlsx_sst_free(struct sl_xlsx *x)
{
    struct sl_xlsx_sstload *c = x->sstl;
    if (!c)
        return;
    if (c->threaded) {
        atomic_store(&c->stop, 1);
        pthread_join(c->th, NULL);
    }
    sl_xml_close(c->xml); /* NULL unless opened and never run */
    if (c->own_zip)
        sl_zip_close(c->zip);
    sl_buf_release(&c->sst.arena);
    sl_free(c->sst.off);
    if (c->sp.fd >= 0 && getenv("SL_SST_STATS")) /* a test hook (t_spill) */
        fprintf(stderr,
                "shared strings: %llu read again from the cache, %llu from the file, %llu turns\n",
                c->cache.hits, c->cache.misses, c->cache.turns);
    sl_spill_close(&c->sp);
    sl_strcache_free(&c->cache);
    sl_free(c->offbuf);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    sl_free(c);
    x->sstl = NULL;
    x->sst_text = NULL;
    x->sst_off = NULL;
    x->sst_ready = 0;
    x->sst_window = 0;
}
