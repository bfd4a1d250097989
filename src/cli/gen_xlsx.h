/* gen_xlsx.h - the shared-strings xlsx of 'sheetload gen', streamed in
 * bounded memory (see gen_xlsx.c). */
#ifndef SL_CLI_GEN_XLSX_H
#define SL_CLI_GEN_XLSX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What to write: rows data rows of seed, bad of them bad, in columns
 * columns (SL_GEN_NCOLS, or more: the note columns of --text-columns). */
struct sl_gen_shape {
    uint64_t seed;
    long long rows, bad;
    int columns;
};

/* Writes the workbook to path (created or truncated), bad rows' lines to
 * bad_list (may be NULL). The shared-strings table is gathered in a
 * temporary file in $TMPDIR (else /tmp), unlinked at once. 0, or -1 with
 * the reason in why. */
int sl_gen_xlsx_shared(const struct sl_gen_shape *s, const char *path, FILE *bad_list, char *why,
                       size_t whylen);

/* Column c (0-based) as letters: A, ..., Z, AA, ..., XFD. */
void sl_gen_col_name(int c, char out[4]);

#endif
