/* reader.h - one interface over the .xlsx, .xls and .csv readers.
 *
 * A reader is opened by content (read/sniff.c, the one sniffer: zip → xlsx,
 * OLE2 → xls, else CSV;
 * anything else, such as a PDF, a Word document or binary junk, is
 * SL_EFORMAT),
 * then yields rows in file order. Row cells are borrowed: valid until the
 * next sl_reader_next() or sl_reader_close(). Cell text follows
 * ../shared/corpus/SPEC.md for xlsx; for CSV it is the field as written
 * (quotes removed). Errors name the file, sheet, row and column.
 *
 * A reader is used by one thread at a time. Memory is bounded: the xlsx
 * reader holds the shared strings in memory while they fit the budget
 * (limits.max_memory), else in a temporary file of which it keeps a
 * bounded window mapped, and a few blocks of rows; the CSV reader one row.
 */
#ifndef SL_READ_READER_H
#define SL_READ_READER_H

#include "base/err.h"
#include <stddef.h>
#include <stdint.h>

/* The cell, the row and the reader are the public API's (sheetload.h:
 * struct sheetload_cell, struct sheetload_row, the opaque struct
 * sheetload_reader, which sheetload_reader_open() and friends below wrap);
 * inside the library they keep their short names. */
#define sl_cell   sheetload_cell
#define sl_row    sheetload_row
#define sl_reader sheetload_reader
enum sl_cell_kind {
    SL_CELL_EMPTY = SHEETLOAD_CELL_EMPTY,
    SL_CELL_STRING = SHEETLOAD_CELL_STRING,
    SL_CELL_NUMBER = SHEETLOAD_CELL_NUMBER,
    SL_CELL_DATE = SHEETLOAD_CELL_DATE,
    SL_CELL_BOOL = SHEETLOAD_CELL_BOOL,
    SL_CELL_ERROR = SHEETLOAD_CELL_ERROR,
};

enum sl_format {
    SL_FORMAT_UNKNOWN = SHEETLOAD_FORMAT_UNKNOWN,
    SL_FORMAT_XLSX = SHEETLOAD_FORMAT_XLSX,
    SL_FORMAT_CSV = SHEETLOAD_FORMAT_CSV,
    SL_FORMAT_XLS = SHEETLOAD_FORMAT_XLS,
};

/* sniff.c, the one content sniffer (sheetload_sniff's): the format of a
 * file by its first n bytes (at most SHEETLOAD_SNIFF_BYTES are looked at),
 * or SL_FORMAT_UNKNOWN with *why ("a PDF document, ..."; static text).
 * name: the name it came with (NULL = none): a name that claims a workbook
 * must hold one. encoding: the user's word on the text's encoding (NULL =
 * none): only what is certainly not text is refused. */
int sl_sniff(const void *head, size_t n, const char *name, const char *encoding, const char **why);

struct sl_reader_opts {
    const char *sheet;              /* xlsx, xls: name or 1-based number; NULL = first */
    char delimiter;                 /* csv: 0 = detect among , ; TAB */
    struct sheetload_limits limits; /* zeros = defaults */
    const char *encoding;           /* csv: iconv name; NULL = UTF-8 (a BOM decides anyway) */
    const char *tmp_dir;            /* xlsx: where shared strings past the budget spill; NULL =
                                     * $TMPDIR, else /tmp */
    const char *name;               /* the name the file came with (an upload's); NULL = path.
                                       Errors say it, and a name that claims a workbook
                                       (.xlsx, .xls) must hold one */
};

struct sl_reader;

/* Opens path ("-" = standard input, spooled to a temp file when it is
 * xlsx or xls). Returns 0 or a negative code with err filled (err->file set). */
int sl_reader_open(struct sl_reader **out, const char *path, const struct sl_reader_opts *opts,
                   struct sl_error *err);
/* 1 = a row in *row; 0 = end of sheet; < 0 = error (err filled). Rows that
 * hold no cell at all may be skipped (xlsx gaps): use row->num. */
int sl_reader_next(struct sl_reader *r, struct sl_row *row, struct sl_error *err);
void sl_reader_close(struct sl_reader *r);

enum sl_format sl_reader_format(const struct sl_reader *r);
/* Sheet names in workbook order (xlsx, xls) or one name (CSV: the file's base
 * name). Borrowed. */
size_t sl_reader_sheet_count(const struct sl_reader *r);
const char *sl_reader_sheet_name(const struct sl_reader *r, size_t i);
/* The name of the sheet being read. */
const char *sl_reader_current_sheet(const struct sl_reader *r);
/* CSV: the text encoding read ("UTF-8", "UTF-16LE", "CP1252"); xlsx: "". */
const char *sl_reader_encoding(const struct sl_reader *r);
/* Bytes of the input consumed so far and in all (for progress). */
uint64_t sl_reader_bytes_read(const struct sl_reader *r);
uint64_t sl_reader_bytes_total(const struct sl_reader *r);

/* Fills limits' zero fields with the defaults. */
void sl_limits_defaults(struct sheetload_limits *l);

/* The vtable behind the interface: each format's open fills one. */
struct sl_reader_ops {
    const char *name;
    int (*next)(struct sl_reader *r, struct sl_row *row, struct sl_error *err);
    void (*close)(struct sl_reader *r);
};

/* Appends "libzip 1.7.3\n", zlib's, expat's and libgsf's lines: the versions loaded
 * at run time, "name version" per line. */
struct sl_buf;
void sl_read_versions(struct sl_buf *b);

#endif
