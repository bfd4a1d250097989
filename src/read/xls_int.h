/* xls_int.h - the .xls reader's insides, shared by its files:
 *   xls_rec.c     records, CONTINUE chains and BIFF strings (as UTF-8)
 *   xls_sst.c     the shared-string table, in memory or spilled to disk
 *   xls_globals.c the workbook globals: formats, XFs, sheets, code page
 *   xls_sheet.c   the chosen sheet's cell records into sorted cells
 *   xls.c         the container (libgsf) and the reader interface
 *   xls_gsf.c     libgsf loaded on first use (dlopen) and its functions
 * One thread at a time per reader (xls.h). */
#ifndef SL_READ_XLS_INT_H
#define SL_READ_XLS_INT_H

#include <gsf/gsf-infile.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "read/reader.h"
#include "read/spill.h"

#define REC_BOF        0x0809
#define REC_EOF        0x000A
#define REC_CONTINUE   0x003C
#define REC_FILEPASS   0x002F
#define REC_CODEPAGE   0x0042
#define REC_DATEMODE   0x0022
#define REC_FORMAT     0x041E
#define REC_XF         0x00E0
#define REC_BOUNDSHEET 0x0085
#define REC_SST        0x00FC
#define REC_LABELSST   0x00FD
#define REC_LABEL      0x0204
#define REC_RSTRING    0x00D6
#define REC_NUMBER     0x0203
#define REC_RK         0x027E
#define REC_MULRK      0x00BD
#define REC_BOOLERR    0x0205
#define REC_FORMULA    0x0006
#define REC_STRING     0x0207
#define REC_SHRFMLA    0x04BC
#define REC_ARRAY      0x0221
#define REC_TABLE      0x0236

#define MAX_COLS 65536 /* a column is a u16 in BIFF */

struct fmt {
    uint16_t id;
    signed char kind; /* enum sl_numfmt_kind */
    signed char pad;  /* zero-padding width, 0 = none */
};

struct xcell {    /* 24 bytes */
    size_t off;   /* of the text in the sheet's text, or the shared string's index */
    uint32_t row; /* 0-based */
    uint32_t seq; /* order in the file: the later duplicate wins */
    uint32_t len;
    uint16_t col;
    uint8_t kind; /* enum sl_cell_kind */
    uint8_t sst;  /* text is a shared string, not in the sheet's text */
};

struct sheet {
    char *name;
    uint32_t pos; /* offset of its BOF in the stream */
    uint8_t type; /* 0 worksheet, 1 macro, 2 chart, 6 VB module */
};

/* The shared-string table (xls_sst.c): the strings' UTF-8 text in one
 * arena, each followed by a NUL, and n + 1 offsets (string i is
 * [off[i], off[i + 1] - 1)). Past the memory budget the same layout lives
 * in a spill file (read/spill.h): offsets region, then text; `text` and
 * `off` then gather what is not written yet. */
struct xls_sst {
    struct sl_buf text;
    uint64_t *off;
    size_t n;     /* strings */
    size_t cap;   /* off[]'s capacity */
    int loaded;   /* the SST record was read (the first one counts) */
    uint64_t max; /* text bytes allowed */
    /* Spilled (sp.fd >= 0). */
    struct sl_spill sp;
    const uint64_t *moff; /* the mapping's offsets region */
    const char *mtext;    /* the mapping's text region */
    size_t offbytes;      /* the offsets region's size, page-aligned */
    size_t nmax;          /* offsets the region holds */
    uint64_t text_done;   /* text bytes written */
    size_t off_done;      /* offsets written */
    size_t offn;          /* offsets gathered in off[] */
};

struct sl_xls {
    GsfInput *src;
    GsfInfile *ole;
    GsfInput *wb;
    struct sheetload_limits lim;
    const char *tmp_dir; /* where a spill goes; NULL = $TMPDIR or /tmp */
    int biff;            /* 8 or 5 */
    int date1904;
    unsigned codepage;
    iconv_t cd;    /* BIFF5: code page -> UTF-8; (iconv_t)-1 = Latin-1 */
    uint64_t size; /* the stream's */
    /* The current record. */
    uint64_t rpos; /* offset of its header */
    unsigned rtype, rlen;
    unsigned char *rec; /* 65536 bytes */
    int pushed;         /* the current record is to be read again */
    /* Globals. */
    struct fmt *fmts;
    size_t nfmts, fmtcap;
    uint16_t *xf_fmt;
    size_t nxf, xfcap;
    signed char *xf_kind, *xf_pad;
    struct sheet *sheets;
    size_t nsheets, sheetcap, cur;
    struct xls_sst sst;
    /* The chosen sheet. */
    struct sl_buf text;
    struct xcell *cells;
    size_t ncells, cellcap;
    uint64_t sheet_bytes;
    /* Hand-out. */
    size_t next; /* index into cells */
    size_t given;
    struct sl_cell *row;
    size_t rowcap;
    int finished;
};

static inline unsigned u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static inline uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline double f64(const unsigned char *p)
{
    uint64_t b = (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* ---- xls_gsf.c ---- */

/* The libgsf and GLib functions the reader calls, resolved by
 * sl_xls_gsf_load from the library loaded at run time (the binary does not
 * link it: xls_gsf.c says why). Valid after sl_xls_gsf_load returned 0. */
struct sl_xls_gsf {
    void (*init)(void);
    GsfInput *(*input_stdio_new)(const char *filename, GError **err);
    GsfInput *(*input_memory_new)(const guint8 *buf, gsf_off_t length, gboolean needs_free);
    GsfInfile *(*infile_msole_new)(GsfInput *source, GError **err);
    int (*infile_num_children)(GsfInfile *infile);
    const char *(*infile_name_by_index)(GsfInfile *infile, int i);
    GsfInput *(*infile_child_by_index)(GsfInfile *infile, int i);
    gsf_off_t (*input_size)(GsfInput *input);
    gsf_off_t (*input_tell)(GsfInput *input);
    gboolean (*input_seek)(GsfInput *input, gsf_off_t offset, GSeekType whence);
    const guint8 *(*input_read)(GsfInput *input, size_t num_bytes, guint8 *optional_buffer);
    void (*object_unref)(gpointer object);
    void (*error_free)(GError *error);
    void (*clear_error)(GError **err);
    guint (*log_set_handler)(const gchar *domain, GLogLevelFlags levels, GLogFunc func,
                             gpointer user_data);
};
extern struct sl_xls_gsf sl_xls_gsf;

/* Loads libgsf once (thread-safe; never unloaded) and fills sl_xls_gsf.
 * 0, or SL_EFORMAT saying which library could not be loaded, why
 * (dlerror) and which Debian package to install. */
int sl_xls_gsf_load(struct sl_error *err);
/* Appends "libgsf X.Y.Z\n" and "GLib X.Y.Z\n" (the loaded library's
 * versions, loading it), or "libgsf not available (why)\n". */
void sl_xls_gsf_versions(struct sl_buf *b);

/* ---- xls_rec.c ---- */

/* A reader of bytes over a record and the CONTINUE records after it. */
struct rd {
    size_t p;
    int cont; /* CONTINUE records may follow */
};

/* SL_EXLSX naming the current record and what is wrong with it. */
int sl_xls_corrupt(struct sl_xls *x, struct sl_error *err, const char *what);
/* Reads the next record into x->rec. 1 = a record, 0 = end of stream,
 * < 0 = error. */
int sl_xls_next_record(struct sl_xls *x, struct sl_error *err);
/* An XLUnicodeString (BIFF8: cch of lenbytes, flags, characters, runs and
 * phonetic data skipped when rich_ok) or a BIFF5 byte string (cch of
 * lenbytes, bytes), appended to out as UTF-8. 0 or an error. */
int sl_xls_rd_string(struct sl_xls *x, struct rd *r, int lenbytes, int rich_ok, struct sl_buf *out,
                     struct sl_error *err, const char *what);
/* The string at offset at of the current record (no CONTINUE), into a new
 * buffer of at most max bytes; 0 or an error (out released). */
int sl_xls_record_string(struct sl_xls *x, size_t at, int lenbytes, size_t max, struct sl_buf *out,
                         struct sl_error *err, const char *what);
/* The sticky error of a text buffer as an error of ours. */
int sl_xls_text_full(struct sl_buf *b, struct sl_error *err);
/* Room for one more element in *v (of size bytes; *cap grows from first,
 * doubling); 0 or -1 (out of memory). */
int sl_xls_grow(void *v, size_t *cap, size_t n, size_t size, size_t first);
/* BIFF5: the code page of text (CODEPAGE record). */
void sl_xls_set_codepage(struct sl_xls *x, unsigned cp);

/* ---- xls_sst.c ---- */

/* Reads the SST record (the current one) and its CONTINUE records. */
int sl_xls_sst_load(struct sl_xls *x, struct sl_error *err);
/* Shared string i (< x->sst.n): borrowed, NUL-terminated, valid until
 * sl_xls_sst_free; *len its length. */
const char *sl_xls_sst_get(struct sl_xls *x, size_t i, size_t *len);
/* The length of shared string i (< x->sst.n). */
size_t sl_xls_sst_len(struct sl_xls *x, size_t i);
void sl_xls_sst_free(struct xls_sst *s);

/* ---- xls_globals.c, xls_sheet.c ---- */

int sl_xls_parse_globals(struct sl_xls *x, struct sl_error *err);
int sl_xls_read_sheet(struct sl_xls *x, struct sl_error *err);

#endif
