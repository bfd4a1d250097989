/* xlsx.h - the streaming .xlsx reader behind reader.h. */
#ifndef SL_READ_XLSX_H
#define SL_READ_XLSX_H

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
