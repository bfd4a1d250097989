/* xlsx_int.h - what the parts of the xlsx reader share: the reader's state
 * (workbook, shared strings, styles, the sheet being streamed) and the
 * entry point of each part's parser. Not for use outside src/read/xlsx*. */
#ifndef SL_READ_XLSX_INT_H
#define SL_READ_XLSX_INT_H

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
 * string i is arena[off[i] .. off[i+1]-1). */
struct sl_xlsx_sst {
    struct sl_buf arena;
    uint32_t *off; /* n + 1 entries once loaded */
    size_t n, cap;
};

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
    size_t cur;               /* index of the sheet being read */
    struct sl_xlsx_sst sst;
    struct sl_xlsx_xf *xf;
    size_t nxf;
    struct sl_xlsx_xf xf_none; /* for an s that names no xf: format 0 */

    /* The sheet being streamed (xlsx_sheet.c). */
    struct sl_xml *xml;
    int finished;
    int in_sd, seen_sd, in_row, in_c, in_is, in_r, have_v, have_is;
    long long rownum;
    long col;                 /* 1-based column of the current cell */
    int ctype;                /* enum sl_xlsx_ctype */
    long style;               /* xf index, -1 = format 0 */
    struct sl_buf vbuf;       /* text of <v> */
    struct sl_buf isbuf;      /* text of <is> */
    struct sl_buf rowtext;    /* this row's cell texts that are not shared strings */
    struct sl_cell *cells;
    size_t *cell_off;         /* offset into rowtext, or SIZE_MAX */
    size_t cells_cap;
    size_t used;              /* cells [0, used) may be non-empty */
    struct sl_row out;        /* the row handed out */
    long long err_row;        /* position of a failing cell */
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

/* xlsx_sst.c, xlsx_styles.c */
int sl_xlsx_load_sst(struct sl_xlsx *x, long idx, struct sl_error *err);
void sl_xlsx_sst_free(struct sl_xlsx_sst *s);
int sl_xlsx_load_styles(struct sl_xlsx *x, long idx, struct sl_error *err);

/* xlsx_sheet.c */
int sl_xlsx_sheet_start(struct sl_xlsx *x, long idx, struct sl_error *err);
void sl_xlsx_sheet_free(struct sl_xlsx *x);

#endif
