/* zip.c - the .xlsx container over libzip (zip.h).
 *
 * Why libzip: it is well kept, reads zip64, data descriptors, stored and
 * deflated entries, checks CRCs, and streams one entry through zlib's
 * inflate in chunks (zip_fopen_index + zip_fread), so a part is never held
 * whole in memory. libdeflate inflates faster but only whole buffers, which
 * would need the full inflated sheet (hundreds of MB) in memory.
 *
 * Limits (struct sheetload_limits): entry count at open; per entry the
 * inflated size and the ratio inflated/compressed, checked from the central
 * directory before reading and again on the bytes actually inflated; the
 * inflated bytes of all entries read. The ratio applies to entries past
 * 1 MiB inflated: small parts cannot hurt whatever their ratio. */
#include "read/zip.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "base/alloc.h"
#include "base/err.h"

#define RATIO_FLOOR (1024ULL * 1024)

struct sl_zip {
    zip_t *za;
    struct sheetload_limits lim;
    uint64_t total;  /* inflated bytes of every entry read so far */
    zip_int64_t n;
};

struct sl_zip_stream {
    struct sl_zip *z;
    zip_file_t *f;
    const char *name; /* borrowed from the archive */
    uint64_t size;    /* inflated, as declared */
    uint64_t comp;    /* compressed, as declared */
    uint64_t done;    /* inflated bytes read */
};

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
        return sl_err_set(err, SL_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (st.st_size == 0)
        return sl_err_set(err, SL_EZIP, "'%s' is empty, not an .xlsx workbook (a zip archive)",
                          path);
    int ze = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &ze);
    if (!za) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        int code = SL_EZIP;
        if (ze == ZIP_ER_NOZIP && !starts_like_zip(path))
            sl_err_set(err, code, "'%s' is not a zip archive, so not an .xlsx workbook", path);
        else if (ze == ZIP_ER_NOZIP)
            sl_err_set(err, code,
                       "'%s' is a truncated zip archive (its central directory is missing)",
                       path);
        else if (ze == ZIP_ER_OPEN || ze == ZIP_ER_READ)
            code = sl_err_set(err, SL_EIO, "cannot read '%s': %s", path, zip_error_strerror(&e));
        else
            sl_err_set(err, code, "'%s' is a broken zip archive (truncated?): %s", path,
                       zip_error_strerror(&e));
        zip_error_fini(&e);
        return code;
    }
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || (uint64_t)n > lim->max_entries) {
        zip_discard(za);
        return sl_err_set(err, SL_ELIMIT,
                          "'%s' has %lld zip entries, more than the limit of %u; raise the limit "
                          "if the file is genuine",
                          path, (long long)n, lim->max_entries);
    }
    struct sl_zip *z = sl_calloc(1, sizeof *z);
    if (!z) {
        zip_discard(za);
        return sl_err_set(err, SL_ENOMEM, "out of memory opening '%s'", path);
    }
    z->za = za;
    z->lim = *lim;
    z->n = n;
    *out = z;
    return 0;
}

void sl_zip_close(struct sl_zip *z)
{
    if (!z)
        return;
    zip_discard(z->za);
    sl_free(z);
}

long sl_zip_find(struct sl_zip *z, const char *name)
{
    while (*name == '/')
        name++;
    zip_int64_t i = zip_name_locate(z->za, name, ZIP_FL_ENC_RAW);
    if (i < 0)
        i = zip_name_locate(z->za, name, ZIP_FL_ENC_RAW | ZIP_FL_NOCASE);
    return i < 0 ? -1 : (long)i;
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

int sl_zip_stream_open(struct sl_zip_stream **out, struct sl_zip *z, long idx,
                       struct sl_error *err)
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
    s->f = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
    if (!s->f) {
        rc = sl_err_set(err, SL_EZIP, "'%s': cannot read the zip entry: %s", s->name,
                        zip_strerror(z->za));
        goto fail;
    }
    *out = s;
    return 0;
fail:
    sl_free(s);
    return rc;
}

long sl_zip_stream_read(struct sl_zip_stream *s, void *buf, size_t cap, struct sl_error *err)
{
    zip_int64_t n = zip_fread(s->f, buf, cap);
    if (n < 0)
        return sl_err_set(err, SL_EZIP, "'%s': broken zip entry (truncated or corrupt): %s",
                          s->name, zip_file_strerror(s->f));
    s->done += (uint64_t)n;
    s->z->total += (uint64_t)n;
    int rc = over_limits(s, s->done, err);
    if (rc)
        return rc;
    if (s->z->total > s->z->lim.max_total_bytes)
        return sl_err_set(err, SL_ELIMIT,
                          "'%s': the parts read inflate to more than the limit of %llu bytes "
                          "(a zip bomb?); raise the limit if the file is genuine",
                          s->name, (unsigned long long)s->z->lim.max_total_bytes);
    return (long)n;
}

void sl_zip_stream_close(struct sl_zip_stream *s)
{
    if (!s)
        return;
    if (s->f)
        zip_fclose(s->f);
    sl_free(s);
}

const char *sl_zip_stream_name(const struct sl_zip_stream *s) { return s->name; }

uint64_t sl_zip_stream_pos(const struct sl_zip_stream *s)
{
    if (!s->size || s->done >= s->size)
        return s->done ? s->comp : 0;
    return (uint64_t)((double)s->comp * ((double)s->done / (double)s->size));
}

uint64_t sl_zip_stream_size(const struct sl_zip_stream *s) { return s->comp; }
