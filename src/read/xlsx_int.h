/* xlsx_int.h - what the parts of the xlsx reader share: the reader's state
 * (workbook, shared strings, styles, the sheet being streamed) and the
 * entry point of each part's parser. Not for use outside src/read/xlsx*. */
#ifndef SL_READ_XLSX_INT_H
#define SL_READ_XLSX_INT_H

#include "base/err.h"
#include <stdint.h>

#include "base/buf.h"
#include "read/reader.h"
#include "read/xlsx.h"

struct sl_zip;
struct sl_xml;

/* One relationship of a part (a .rels file); strings owned. */
struct sl_xlsx_rel {
    char *id;
    char *type;
    char *target; /* resolved to a package path, no leading '/' */
};

struct sl_xlsx_rels {
    struct sl_xlsx_rel *v;
    size_t n, cap;
};

/* Shared strings: every string's text in one arena, each followed by a NUL;
 * string i is arena[off[i] .. off[i+1]-1). Both arrays are allocated whole
 * before loading starts and never move, so the sheet may read the strings
 * already loaded while the rest are (xlsx_sst.c). */
struct sl_xlsx_sst {
    struct sl_buf arena; /* cap fixed: max = cap - 1, it never grows */
    uint32_t *off;       /* n + 1 entries used, cap allocated */
    size_t n, cap;
};

struct sl_xlsx_sstload; /* xlsx_sst.c: the loader, perhaps a thread */
struct sl_xlsx_ahead;   /* xlsx_ahead.c: the sheet parsed by a thread */

/* What a cell style means for numbers (cellXfs entry). */
struct sl_xlsx_xf {
    uint8_t kind; /* enum sl_numfmt_kind */
    uint8_t pad;  /* zero-padding width, 0 = none */
};

struct sl_xlsx_sheet {
    char *name;
    char *rid;
};

enum sl_xlsx_ctype { CT_N, CT_S, CT_STR, CT_INLINE, CT_B, CT_E, CT_D };

struct sl_xlsx {
    struct sl_zip *zip;
    struct sheetload_limits lim;
    char *wb_part;
    int date1904;
    struct sl_xlsx_sheet *sheets;
    size_t nsheets;
    size_t cur; /* index of the sheet being read */
    /* Shared strings, for the sheet's thread: strings [0, sst_ready) may be
     * read through sst_text/sst_off (fixed pointers into the loader's
     * arrays); beyond that, ask sl_xlsx_sst_wait. */
    struct sl_xlsx_sstload *sstl; /* NULL: the workbook has none */
    const char *sst_text;
    const uint32_t *sst_off;
    size_t sst_ready;
    /* 0: the table is in memory; else it spilled to a file mapped at
     * sst_off/sst_text, and this many bytes of the mapping may stay
     * resident before the reader drops them (sl_xlsx_sst_get). */
    size_t sst_window;
    const char *tmp_dir; /* where a spill goes; NULL = $TMPDIR or /tmp */
    struct sl_xlsx_xf *xf;
    size_t nxf;
    struct sl_xlsx_xf xf_none; /* for an s that names no xf: format 0 */

    /* The sheet parsed ahead by a thread (NULL: by the caller). While it
     * runs, that thread alone touches the sheet's state below. */
    struct sl_xlsx_ahead *ahead;
    /* Set before that thread starts: row_end leaves shared-string cells
     * unresolved (text NULL, len the index) for the caller's thread to
     * resolve (sl_xlsx_sst_resolve), so the table's cache misses are not
     * on the parse's path. */
    int defer_sst;

    /* The sheet being streamed (xlsx_sheet.c). */
    struct sl_xml *xml;
    int finished;
    int in_sd, seen_sd, in_row, in_c, in_is, in_r, have_v, have_is;
    long long rownum;
    long col;              /* 1-based column of the current cell */
    int ctype;             /* enum sl_xlsx_ctype */
    long style;            /* xf index, -1 = format 0 */
    struct sl_buf vbuf;    /* text of <v> */
    struct sl_buf isbuf;   /* text of <is> */
    struct sl_buf rowtext; /* this row's cell texts that are not shared strings */
    struct sl_cell *cells;
    size_t *cell_off; /* offset into rowtext, or SIZE_MAX */
    size_t cells_cap;
    size_t used;        /* cells [0, used) may be non-empty */
    struct sl_row out;  /* the row handed out */
    int row_lane_skip;  /* rows left before the whole-row lane is tried again */
    int row_lane_fails; /* rows it gave back since it last took one */
    long long err_row;  /* position of a failing cell */
    long err_col;
};

/* xlsx_rels.c */
int sl_xlsx_read_rels(struct sl_xlsx *x, const char *part, struct sl_xlsx_rels *rels,
                      struct sl_error *err);
void sl_xlsx_rels_free(struct sl_xlsx_rels *rels);
/* Target of the first relationship whose Type ends in suffix, or NULL. */
const char *sl_xlsx_rel_by_type(const struct sl_xlsx_rels *rels, const char *suffix);
/* Runs one whole part through handler (a struct sl_xml_handler); *xmlp
 * (may be NULL) gets the parser while it runs, for the handlers. */
int sl_xlsx_parse_part(struct sl_xlsx *x, long idx, const void *handler, void *ud,
                       struct sl_xml **xmlp, struct sl_error *err);
/* Value of the attribute named name (no namespace), or NULL. */
const char *sl_xlsx_attr(const char **atts, const char *name);

/* The shared strings table's interface for readers: string i, for i <
 * x->sst_ready (or once sl_xlsx_sst_wait said so); borrowed, NUL-terminated,
 * valid until sl_xlsx_sst_free. The loader's side is sst_add in
 * xlsx_sst.c. A table kept elsewhere (spilled to disk) replaces these two
 * and those two alone. */
/* A spilled table's string (x->sst_window set): from the cache of strings
 * read again, else through the mapping, its 64 KiB regions counted against
 * the window (xlsx_sst.c; state in x->sstl). Valid until the next
 * sl_xlsx_sst_row. */
const char *sl_xlsx_sst_spilled(const struct sl_xlsx *x, size_t i, size_t *len);
/* Before each row's strings are read: the strings handed out for the rows
 * before may go (the cache's safe point). */
void sl_xlsx_sst_row(const struct sl_xlsx *x);
static inline const char *sl_xlsx_sst_get(const struct sl_xlsx *x, size_t i, size_t *len)
{
    if (x->sst_window)
        return sl_xlsx_sst_spilled(x, i, len);
    uint32_t a = x->sst_off[i], b = x->sst_off[i + 1];
    *len = b - a - 1;
    return x->sst_text + a;
}
/* A hint that string i is wanted soon (its lookup's cache miss overlaps). */
void sl_xlsx_sst_spilled_prefetch(const struct sl_xlsx *x, size_t i);
static inline void sl_xlsx_sst_prefetch(const struct sl_xlsx *x, size_t i)
{
    if (x->sst_window)
        sl_xlsx_sst_spilled_prefetch(x, i);
    else
        __builtin_prefetch(&x->sst_off[i]);
}

/* xlsx_sst.c: shared strings are loaded from entry idx by a thread of their
 * own, through a twin of the archive opened from path, while the sheet is
 * read (or here and now if no thread can be had: errors are then returned
 * at once). */
int sl_xlsx_sst_start(struct sl_xlsx *x, const char *path, long idx, struct sl_error *err);
/* For tests and fuzz targets: loads the table here from len bytes in
 * memory (borrowed until sl_xlsx_sst_free), in pieces of step bytes; fast:
 * the scanner, else expat. */
int sl_xlsx_sst_load_mem(struct sl_xlsx *x, const char *data, size_t len, size_t step, int fast,
                         struct sl_error *err);
/* From the sheet's thread: waits until string v is loaded. 0 = it is (and
 * x->sst_ready > v); 1 = the table is complete without it, *n strings;
 * < 0 = loading failed (see sl_xlsx_sst_finish). */
int sl_xlsx_sst_wait(struct sl_xlsx *x, uint64_t v, size_t *n);
/* Waits for loading to end: 0, or its error copied into err (code and
 * message; the message names the part). */
int sl_xlsx_sst_finish(struct sl_xlsx *x, struct sl_error *err);
/* Resolves the row's deferred shared-string cells (text NULL, len = index,
 * an index already loaded) and drops trailing empty cells; returns the new
 * ncells (0: the row holds no value). */
size_t sl_xlsx_sst_resolve(const struct sl_xlsx *x, struct sl_cell *cells, size_t n);
/* Asks the loader to stop soon (the reader is being closed). */
void sl_xlsx_sst_cancel(struct sl_xlsx *x);
/* Stops the loader (if it still runs), joins it, frees the table. */
void sl_xlsx_sst_free(struct sl_xlsx *x);

/* xlsx.c: the next row parsed in this thread (sl_xlsx_next without the
 * thread; errors carry sheet, row and column). */
int sl_xlsx_next_here(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err);

/* xlsx_ahead.c: a thread parses the sheet and hands rows over in blocks.
 * start: 0, or no thread (the caller parses, as before). */
int sl_xlsx_ahead_start(struct sl_xlsx *x);
int sl_xlsx_ahead_next(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err);
/* From the sheet's handlers in that thread: copies the finished row x->out
 * into the block being filled; 1 = the block is full (suspend the parse),
 * 0 = go on, < 0 = out of memory. */
int sl_xlsx_ahead_take(struct sl_xlsx *x);
/* Stops the thread (if any) and joins it. */
void sl_xlsx_ahead_stop(struct sl_xlsx *x);

/* xlsx_styles.c */
int sl_xlsx_load_styles(struct sl_xlsx *x, long idx, struct sl_error *err);

/* xlsx_sheet.c */
int sl_xlsx_sheet_start(struct sl_xlsx *x, long idx, struct sl_error *err);
/* For tests and fuzz targets: the sheet from len bytes in memory (see
 * sl_xml_open_mem); x zeroed but for lim (filled), no styles. */
int sl_xlsx_sheet_start_mem(struct sl_xlsx *x, const char *data, size_t len, size_t step, int fast,
                            struct sl_error *err);
void sl_xlsx_sheet_free(struct sl_xlsx *x);

#endif
