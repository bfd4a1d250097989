/* gen_lxw.h - libxlsxwriter, loaded only when 'gen --inline-strings' writes
 * a workbook or --version prints its line (gen_lxw.c says why). */
#ifndef SL_CLI_GEN_LXW_H
#define SL_CLI_GEN_LXW_H

#include <stddef.h>
#include <stdio.h>
#include <xlsxwriter.h>

/* The libxlsxwriter functions sheetload calls, resolved by sl_gen_lxw_load
 * from the library loaded at run time. Valid after it returned 0. */
struct sl_gen_lxw {
    lxw_workbook *(*workbook_new_opt)(const char *filename, lxw_workbook_options *options);
    lxw_error (*workbook_set_properties)(lxw_workbook *workbook, lxw_doc_properties *properties);
    lxw_worksheet *(*workbook_add_worksheet)(lxw_workbook *workbook, const char *sheetname);
    lxw_error (*worksheet_write_string)(lxw_worksheet *worksheet, lxw_row_t row, lxw_col_t col,
                                        const char *string, lxw_format *format);
    lxw_error (*workbook_close)(lxw_workbook *workbook);
    char *(*strerror)(lxw_error error_num);
    const char *(*version)(void);
};
extern struct sl_gen_lxw sl_gen_lxw;

/* Loads libxlsxwriter once (thread-safe; never unloaded) and fills
 * sl_gen_lxw: 0, or -1 with why[] saying which library could not be loaded,
 * why (dlerror) and which Debian package to install. */
int sl_gen_lxw_load(char *why, size_t whylen);
/* Prints "libxlsxwriter X.Y.Z\n" (the loaded library's lxw_version(),
 * loading it), or "libxlsxwriter not available (why)\n". */
void sl_gen_lxw_version(FILE *f);

#endif
