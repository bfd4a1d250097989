/* zip.c - the .xlsx container over libzip (zip.h).
 *
 * Why libzip: it is well kept, reads zip64, data descriptors, stored and
 * deflated entries, checks CRCs, and streams one entry through zlib's
 * inflate in chunks (zip_fopen_index + zip_fread), so a part is never held
 * whole in memory. libdeflate inflates faster but only whole buffers, which
 * would need the full inflated sheet (hundreds of MB) in memory.
 *
 * Inflate (SL_HAVE_ISAL, CMake option SL_ISAL, on by default): libzip keeps
 * the container (central directory, local headers, zip64, limits) and hands
 * a deflated entry's raw bytes (ZIP_FL_COMPRESSED); ISA-L's isal_inflate
 * streams them out ~3x faster than zlib and computes the CRC-32 as it goes
 * (crc_flag ISAL_GZIP_NO_HDR: the gzip CRC is the zip CRC), compared with
 * the central directory's at the end of the deflate stream. Stored,
 * encrypted or otherwise compressed entries, and builds without ISA-L, go
 * through zip_fread (zlib, libzip checks the CRC).
 *
 * Limits (struct sheetload_limits): entry count at open; per entry the
 * inflated size and the ratio inflated/compressed, checked from the central
 * directory before reading and again on the bytes actually inflated; the
 * inflated bytes of all entries read. The ratio applies to entries past
 * 1 MiB inflated: small parts cannot hurt whatever their ratio.
 *
 * Prefetch (threads): a part declared larger than PREFETCH_MIN is inflated
 * by a thread of its own into a ring of RING chunks, so inflating overlaps
 * the XML parse of the caller. Ownership: the producer thread alone calls
 * zip_fread on the entry and writes the chunk at tail; the consumer alone
 * reads the chunk at head, which it holds until its next call. struct
 * prefetch's mu guards head, tail, len[], eof, stop and err; done and the
 * archive's total are atomics (read for progress). While a prefetching
 * stream is open nothing else may use the archive (libzip's zip_t is not
 * thread-safe): the xlsx reader reads the sheet last, alone. One lock, no
 * order to keep.
 *
 * Twins: a second struct sl_zip over the same file (sl_zip_open_twin) has a
 * zip_t and a file offset of its own, so another thread may read other
 * parts through it while this one streams; it never prefetches, and both
 * add to one inflated-bytes total (an atomic of the first, which must
 * outlive the twin) so the limit on all parts read holds for the pair. */
#include "read/zip.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>
#ifdef SL_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "base/alloc.h"
#include "base/err.h"

#define RATIO_FLOOR  (1024ULL * 1024)
#define CHUNK        (256 * 1024)
#define RING         4
#define PREFETCH_MIN (4ULL * 1024 * 1024)
#define RAW_IN       (128 * 1024) /* compressed bytes read at a time (ISA-L) */

struct sl_zip {
    zip_t *za;
    struct sheetload_limits lim;
    _Atomic uint64_t total;   /* inflated bytes of every entry read so far */
    _Atomic uint64_t *totalp; /* &total, or the first's total for a twin */
    int no_prefetch;          /* a twin: streams inflate in the caller's thread */
    zip_int64_t n;
};

struct prefetch {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned head, tail; /* chunks [head, tail) are filled; head is held */
    long len[RING];
    int held, eof, stop;
    struct sl_error err; /* the producer's failure, given after its chunks */
};

struct sl_zip_stream {
    struct sl_zip *z;
    zip_file_t *f;
    const char *name;      /* borrowed from the archive */
    uint64_t size;         /* inflated, as declared */
    uint64_t comp;         /* compressed, as declared */
    _Atomic uint64_t done; /* inflated bytes read */
    char *buf;             /* RING chunks with prefetch, else one */
    struct prefetch *pf;
#ifdef SL_HAVE_ISAL
    struct isal *isal; /* a deflated entry inflated by ISA-L, else NULL */
#endif
};

#ifdef SL_HAVE_ISAL
/* ISA-L's side of a stream: s->f gives the raw deflate bytes. */
struct isal {
    struct inflate_state st;
    uint32_t crc; /* the central directory's CRC-32 */
    int in_eof;   /* zip_fread of the raw bytes returned 0 */
    int finished; /* the deflate stream ended and its CRC matched */
    unsigned char in[RAW_IN];
};
#endif

/* Whether the file begins with a zip local header ("PK\3\4"). */
static int starts_like_zip(const char *path)
{
    unsigned char m[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(m, 1, 4, f);
    fclose(f);
    return n == 4 && m[0] == 'P' && m[1] == 'K' && m[2] == 3 && m[3] == 4;
}

int sl_zip_open(struct sl_zip **out, const char *path, const struct sheetload_limits *lim,
                struct sl_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return sl_err_set(err, SL_EIO, "cannot open the file: %s", strerror(errno));
    if (st.st_size == 0)
        return sl_err_set(err, SL_EZIP, "the file is empty, not an .xlsx workbook (a zip archive)");
    int ze = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &ze);
    if (!za) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        int code = SL_EZIP;
        if (ze == ZIP_ER_NOZIP && !starts_like_zip(path))
            sl_err_set(err, code, "the file is not a zip archive, so not an .xlsx workbook");
        else if (ze == ZIP_ER_NOZIP)
            sl_err_set(err, code,
                       "the file is a truncated zip archive (its central directory is missing)");
        else if (ze == ZIP_ER_OPEN || ze == ZIP_ER_READ)
            code = sl_err_set(err, SL_EIO, "cannot read the file: %s", zip_error_strerror(&e));
        else
            sl_err_set(err, code, "the file is a broken zip archive (truncated?): %s",
                       zip_error_strerror(&e));
        zip_error_fini(&e);
        return code;
    }
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || (uint64_t)n > lim->max_entries) {
        zip_discard(za);
        return sl_err_set(err, SL_ELIMIT,
                          "the archive has %lld zip entries, more than the limit of %u; raise "
                          "the limit if the file is genuine",
                          (long long)n, lim->max_entries);
    }
    struct sl_zip *z = sl_calloc(1, sizeof *z);
    if (!z) {
        zip_discard(za);
        return sl_err_set(err, SL_ENOMEM, "out of memory opening the archive");
    }
    z->za = za;
    z->lim = *lim;
    z->totalp = &z->total;
    z->n = n;
    *out = z;
    return 0;
}

int sl_zip_open_twin(struct sl_zip **out, struct sl_zip *z, const char *path, struct sl_error *err)
{
    int rc = sl_zip_open(out, path, &z->lim, err);
    if (rc)
        return rc;
    if ((*out)->n != z->n) { /* the file changed under us */
        sl_zip_close(*out);
        *out = NULL;
        return sl_err_set(err, SL_EIO, "the file changed while it was read");
    }
    (*out)->totalp = z->totalp;
    (*out)->no_prefetch = 1;
    return 0;
}

uint64_t sl_zip_entry_size(struct sl_zip *z, long idx)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, (zip_uint64_t)idx, ZIP_FL_ENC_RAW, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE))
        return 0;
    return st.size;
}

void sl_zip_close(struct sl_zip *z)
{
    if (!z)
        return;
    zip_discard(z->za);
    sl_free(z);
}

/* Whether a and b name the same part when '\\' is read as '/' and ASCII
 * case is ignored. */
static int same_part(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '\\' ? '/' : *a, y = *b == '\\' ? '/' : *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

long sl_zip_find(struct sl_zip *z, const char *name)
{
    while (*name == '/' || *name == '\\')
        name++;
    zip_int64_t i = zip_name_locate(z->za, name, ZIP_FL_ENC_RAW);
    if (i < 0)
        i = zip_name_locate(z->za, name, ZIP_FL_ENC_RAW | ZIP_FL_NOCASE);
    if (i >= 0)
        return (long)i;
    /* Some producers write 'xl\\workbook.xml' (Office opens such files). */
    for (zip_int64_t k = 0; k < z->n; k++) {
        const char *n = zip_get_name(z->za, (zip_uint64_t)k, ZIP_FL_ENC_RAW);
        while (n && (*n == '/' || *n == '\\'))
            n++;
        if (n && same_part(n, name))
            return (long)k;
    }
    return -1;
}

size_t sl_zip_list(struct sl_zip *z, char *out, size_t cap)
{
    size_t off = 0;
    if (cap)
        out[0] = '\0';
    for (zip_int64_t k = 0; k < z->n && off + 1 < cap; k++) {
        const char *n = zip_get_name(z->za, (zip_uint64_t)k, ZIP_FL_ENC_RAW);
        int w = snprintf(out + off, cap - off, "%s'%s'", k ? ", " : "", n ? n : "?");
        if (w < 0 || (size_t)w >= cap - off) {
            if (off + 6 < cap)
                snprintf(out + off, cap - off, ", ...");
            break;
        }
        off += (size_t)w;
    }
    return (size_t)z->n;
}

const char *sl_zip_name(struct sl_zip *z, long idx)
{
    const char *n = zip_get_name(z->za, (zip_uint64_t)idx, ZIP_FL_ENC_RAW);
    return n ? n : "?";
}

static int over_limits(struct sl_zip_stream *s, uint64_t inflated, struct sl_error *err)
{
    const struct sheetload_limits *l = &s->z->lim;
    if (inflated > l->max_entry_bytes)
        return sl_err_set(err, SL_ELIMIT,
                          "'%s': inflated size passes the limit of %llu bytes (a zip bomb?); "
                          "raise the limit if the file is genuine",
                          s->name, (unsigned long long)l->max_entry_bytes);
    if (inflated > RATIO_FLOOR && inflated / (s->comp ? s->comp : 1) >= l->max_ratio)
        return sl_err_set(err, SL_ELIMIT,
                          "'%s': compression ratio passes the limit of %u:1 (a zip bomb?); "
                          "raise the limit if the file is genuine",
                          s->name, l->max_ratio);
    return 0;
}

static int start_prefetch(struct sl_zip_stream *s, struct sl_error *err);

int sl_zip_stream_open(struct sl_zip_stream **out, struct sl_zip *z, long idx, struct sl_error *err)
{
    *out = NULL;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z->za, (zip_uint64_t)idx, ZIP_FL_ENC_RAW, &st) != 0)
        return sl_err_set(err, SL_EZIP, "zip entry %ld: %s", idx, zip_strerror(z->za));
    struct sl_zip_stream *s = sl_calloc(1, sizeof *s);
    if (!s)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->z = z;
    s->name = (st.valid & ZIP_STAT_NAME) && st.name ? st.name : "?";
    s->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    s->comp = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    int rc = over_limits(s, s->size, err);
    if (rc)
        goto fail;
    zip_flags_t fl = 0;
#ifdef SL_HAVE_ISAL
    if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_DEFLATE &&
        (st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method == ZIP_EM_NONE &&
        (st.valid & ZIP_STAT_CRC)) {
        s->isal = sl_malloc(sizeof *s->isal);
        if (!s->isal) {
            rc = sl_err_set(err, SL_ENOMEM, "out of memory");
            goto fail;
        }
        isal_inflate_init(&s->isal->st);
        s->isal->st.crc_flag = ISAL_GZIP_NO_HDR;
        s->isal->crc = st.crc;
        s->isal->in_eof = s->isal->finished = 0;
        fl = ZIP_FL_COMPRESSED;
    }
#endif
    s->f = zip_fopen_index(z->za, (zip_uint64_t)idx, fl);
    if (!s->f) {
        rc = sl_err_set(err, SL_EZIP, "'%s': cannot read the zip entry: %s", s->name,
                        zip_strerror(z->za));
        goto fail;
    }
    int pre = s->size >= PREFETCH_MIN && !z->no_prefetch;
    s->buf = sl_malloc(pre ? (size_t)RING * CHUNK : CHUNK);
    if (!s->buf) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    if (pre && (rc = start_prefetch(s, err)))
        goto fail;
    *out = s;
    return 0;
fail:
    sl_zip_stream_close(s); /* no prefetch thread runs: it failed first or never began */
    return rc;
}

#ifdef SL_HAVE_ISAL
/* Inflates up to cap bytes into buf with ISA-L: > 0, 0 at the end (the CRC
 * matched), < 0 error. */
static zip_int64_t isal_read(struct sl_zip_stream *s, void *buf, size_t cap, struct sl_error *err)
{
    struct isal *g = s->isal;
    struct inflate_state *st = &g->st;
    if (g->finished)
        return 0;
    st->next_out = buf;
    st->avail_out = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    for (;;) {
        if (st->avail_in == 0 && !g->in_eof) {
            zip_int64_t r = zip_fread(s->f, g->in, sizeof g->in);
            if (r < 0)
                return sl_err_set(err, SL_EZIP, "'%s': broken zip entry (truncated or corrupt): %s",
                                  s->name, zip_file_strerror(s->f));
            g->in_eof = r == 0;
            st->next_in = g->in;
            st->avail_in = (uint32_t)r;
        }
        uint32_t before_in = st->avail_in, before_out = st->avail_out;
        int rc = isal_inflate(st);
        if (rc < 0)
            return sl_err_set(err, SL_EZIP,
                              "'%s': broken zip entry (corrupt deflate data, ISA-L error %d)",
                              s->name, rc);
        size_t got = (size_t)(st->next_out - (uint8_t *)buf);
        if (st->block_state == ISAL_BLOCK_FINISH) {
            g->finished = 1;
            if (st->crc != g->crc)
                return sl_err_set(err, SL_EZIP,
                                  "'%s': broken zip entry (CRC error: the inflated bytes do not "
                                  "match the archive's checksum)",
                                  s->name);
            return (zip_int64_t)got;
        }
        if (got == cap || (got && st->avail_in == 0 && g->in_eof))
            return (zip_int64_t)got;
        if (st->avail_in == before_in && st->avail_out == before_out && (g->in_eof || st->avail_in))
            return sl_err_set(err, SL_EZIP,
                              "'%s': broken zip entry (truncated: the deflate data ends early)",
                              s->name);
    }
}
#endif

/* Inflates up to cap bytes into buf and checks the limits. */
static long fill(struct sl_zip_stream *s, void *buf, size_t cap, struct sl_error *err)
{
    zip_int64_t n;
#ifdef SL_HAVE_ISAL
    if (s->isal) {
        n = isal_read(s, buf, cap, err);
        if (n < 0)
            return (long)n;
    } else
#endif
        n = zip_fread(s->f, buf, cap);
    if (n < 0)
        return sl_err_set(err, SL_EZIP, "'%s': broken zip entry (truncated or corrupt): %s",
                          s->name, zip_file_strerror(s->f));
    uint64_t done = atomic_fetch_add(&s->done, (uint64_t)n) + (uint64_t)n;
    uint64_t total = atomic_fetch_add(s->z->totalp, (uint64_t)n) + (uint64_t)n;
    int rc = over_limits(s, done, err);
    if (rc)
        return rc;
    if (total > s->z->lim.max_total_bytes)
        return sl_err_set(err, SL_ELIMIT,
                          "'%s': the parts read inflate to more than the limit of %llu bytes "
                          "(a zip bomb?); raise the limit if the file is genuine",
                          s->name, (unsigned long long)s->z->lim.max_total_bytes);
    return (long)n;
}

static void *producer(void *arg)
{
    struct sl_zip_stream *s = arg;
    struct prefetch *pf = s->pf;
    for (;;) {
        pthread_mutex_lock(&pf->mu);
        while (pf->tail - pf->head == RING && !pf->stop)
            pthread_cond_wait(&pf->cv, &pf->mu);
        int stop = pf->stop;
        unsigned slot = pf->tail % RING;
        pthread_mutex_unlock(&pf->mu);
        if (stop)
            break;
        struct sl_error err;
        memset(&err, 0, sizeof err);
        long n = fill(s, s->buf + (size_t)slot * CHUNK, CHUNK, &err);
        pthread_mutex_lock(&pf->mu);
        if (n > 0) {
            pf->len[slot] = n;
            pf->tail++;
        } else {
            pf->eof = 1;
            if (n < 0)
                pf->err = err;
        }
        pthread_cond_signal(&pf->cv);
        pthread_mutex_unlock(&pf->mu);
        if (n <= 0)
            break;
    }
    return NULL;
}

static int start_prefetch(struct sl_zip_stream *s, struct sl_error *err)
{
    struct prefetch *pf = sl_calloc(1, sizeof *pf);
    if (!pf)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv, NULL);
    s->pf = pf;
    if (pthread_create(&pf->th, NULL, producer, s) != 0) {
        s->pf = NULL;
        pthread_cond_destroy(&pf->cv);
        pthread_mutex_destroy(&pf->mu);
        sl_free(pf);
        return 0; /* no thread: read synchronously */
    }
    return 0;
}

long sl_zip_stream_chunk(struct sl_zip_stream *s, const char **data, struct sl_error *err)
{
    struct prefetch *pf = s->pf;
    if (!pf) {
        long n = fill(s, s->buf, CHUNK, err);
        *data = s->buf;
        return n;
    }
    pthread_mutex_lock(&pf->mu);
    if (pf->held) {
        pf->head++;
        pf->held = 0;
        pthread_cond_signal(&pf->cv);
    }
    while (pf->head == pf->tail && !pf->eof)
        pthread_cond_wait(&pf->cv, &pf->mu);
    long n = 0;
    if (pf->head != pf->tail) {
        unsigned slot = pf->head % RING;
        *data = s->buf + (size_t)slot * CHUNK;
        n = pf->len[slot];
        pf->held = 1;
    } else if (pf->err.code) {
        n = sl_err_set(err, pf->err.code, "%s", pf->err.msg);
    }
    pthread_mutex_unlock(&pf->mu);
    return n;
}

void sl_zip_stream_close(struct sl_zip_stream *s)
{
    if (!s)
        return;
    if (s->pf) {
        pthread_mutex_lock(&s->pf->mu);
        s->pf->stop = 1;
        pthread_cond_signal(&s->pf->cv);
        pthread_mutex_unlock(&s->pf->mu);
        pthread_join(s->pf->th, NULL);
        pthread_cond_destroy(&s->pf->cv);
        pthread_mutex_destroy(&s->pf->mu);
        sl_free(s->pf);
    }
    if (s->f)
        zip_fclose(s->f);
#ifdef SL_HAVE_ISAL
    sl_free(s->isal);
#endif
    sl_free(s->buf);
    sl_free(s);
}

const char *sl_zip_stream_name(const struct sl_zip_stream *s)
{
    return s->name;
}

uint64_t sl_zip_stream_pos(const struct sl_zip_stream *s)
{
    uint64_t done = atomic_load(&s->done);
    if (!s->size || done >= s->size)
        return done ? s->comp : 0;
    return (uint64_t)((double)s->comp * ((double)done / (double)s->size));
}

uint64_t sl_zip_stream_size(const struct sl_zip_stream *s)
{
    return s->comp;
}
