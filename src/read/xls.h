/* xls.h - the legacy .xls reader (Excel 97-2003, BIFF8; BIFF5/7 too)
 * behind reader.h.
 *
 * The OLE2 compound file is opened with libgsf; the 'Workbook' (BIFF8) or
 * 'Book' (BIFF5) stream is read record by record here. Cell text follows
 * ../shared/corpus/SPEC.md §4-7 (numbers, dates in both systems by the
 * cell's number format, booleans, errors, cached formula results); the
 * differences are in docs/internals/xls.md. The chosen sheet is read at
 * open into one array of cells, sorted by row and column (a BIFF sheet
 * need not be in order), then handed out row by row; memory is about
 * 2 x the Workbook stream at worst, the shared strings past the memory
 * budget spilled to a temporary file (xls_sst.c). Errors are one line; after an error
 * next returns 0. One thread at a time per reader. */
#ifndef SL_READ_XLS_H
#define SL_READ_XLS_H

#include "base/err.h"
#include "read/reader.h"

struct sl_xls;

/* Opens the .xls at path (or, with path NULL, the n bytes at data, which
 * must outlive the reader), resolves opts->sheet and reads that sheet.
 * An OLE2 file that is not a workbook (a Word document, an encrypted
 * .xlsx) is SL_EFORMAT with a message that says what it is. */
int sl_xls_open(struct sl_xls **out, const char *path, const void *data, size_t n,
                const struct sl_reader_opts *opts, struct sl_error *err);
int sl_xls_next(struct sl_xls *x, struct sl_row *row, struct sl_error *err);
void sl_xls_close(struct sl_xls *x);
size_t sl_xls_sheet_count(const struct sl_xls *x);
const char *sl_xls_sheet_name(const struct sl_xls *x, size_t i);
size_t sl_xls_current_sheet(const struct sl_xls *x);
/* The sheet's bytes in the Workbook stream, scaled by the rows handed out. */
uint64_t sl_xls_bytes_read(const struct sl_xls *x);
uint64_t sl_xls_bytes_total(const struct sl_xls *x);

#endif
