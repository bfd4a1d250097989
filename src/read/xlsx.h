/* xlsx.h - the streaming .xlsx reader behind reader.h.
 *
 * Rows come in file order as the sheet's XML is read (the sheet is never in
 * memory); rows without a value are skipped, so use row->num. Cell text is
 * ../shared/corpus/SPEC.md §4-6; cells are borrowed until the next call.
 * Memory: the shared strings (one arena + 4 bytes a string) and one row.
 * Errors are one line naming the part, and for the sheet err->sheet,
 * err->row and err->col (see docs/internals/xlsx.md); after an error, next
 * returns 0. One thread at a time per reader; it runs helper threads of
 * its own (shared strings loaded, the sheet inflated and parsed ahead; see
 * docs/internals/xlsx.md), all joined by sl_xlsx_close. An error of the
 * shared strings may come from sl_xlsx_next (after rows, or at the end)
 * rather than from sl_xlsx_open. */
#ifndef SL_READ_XLSX_H
#define SL_READ_XLSX_H

#include "base/err.h"
#include "read/reader.h"

struct sl_xlsx;

/* Opens the workbook at path (a seekable file), resolves the sheet chosen
 * by opts->sheet, loads shared strings and styles, and positions at the
 * start of that sheet's data. err->file is set by the caller. */
int sl_xlsx_open(struct sl_xlsx **out, const char *path, const struct sl_reader_opts *opts,
                 struct sl_error *err);
int sl_xlsx_next(struct sl_xlsx *x, struct sl_row *row, struct sl_error *err);
void sl_xlsx_close(struct sl_xlsx *x);
size_t sl_xlsx_sheet_count(const struct sl_xlsx *x);
const char *sl_xlsx_sheet_name(const struct sl_xlsx *x, size_t i);
size_t sl_xlsx_current_sheet(const struct sl_xlsx *x);
/* Compressed bytes of the sheet entry consumed so far, and its size. */
uint64_t sl_xlsx_bytes_read(const struct sl_xlsx *x);
uint64_t sl_xlsx_bytes_total(const struct sl_xlsx *x);

#endif
