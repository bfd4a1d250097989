/* sheets.h - choosing a workbook's sheet as --sheet says (a name, else a
 * 1-based position), for the xlsx and xls readers. */
#ifndef SL_READ_SHEETS_H
#define SL_READ_SHEETS_H

#include <stddef.h>

#include "base/err.h"

/* The sheet named want, else at position want (1-based) among n, whose
 * names name(ctx, i) gives: *cur its index, 0. Else SL_ENOTFOUND in err,
 * listing the sheets (up to 700 bytes of them). */
int sl_sheet_choose(const char *want, size_t n, const char *(*name)(const void *ctx, size_t i),
                    const void *ctx, size_t *cur, struct sl_error *err);

#endif
