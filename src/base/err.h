/* err.h - the library's names for the public error codes and type
 * (sheetload.h: SHEETLOAD_E*, struct sheetload_error), and filling one. */
#ifndef SL_BASE_ERR_H
#define SL_BASE_ERR_H

#include <stddef.h>

#include <sheetload.h>

/* SL_OK, SL_ENOMEM, ...: the same values as SHEETLOAD_OK, SHEETLOAD_ENOMEM. */
enum sl_code {
#define SL_X_(name, value, text) SL_##name = value,
    SHEETLOAD_ERRORS(SL_X_)
#undef SL_X_
};
/* Inside the library the public error type is struct sl_error. */
#define sl_error    sheetload_error
#define sl_strerror sheetload_strerror

/* Sets err->code and err->msg (printf format) unless err is NULL or already
 * holds an error: the first one to see a problem wins. Returns code. */
int sl_err_set(struct sl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, replacing any earlier error. */
int sl_err_reset(struct sl_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sl_err_clear(struct sl_error *err);
/* Copies a bounded string into a fixed field, always NUL-terminated. */
void sl_strlcpy(char *dst, const char *src, size_t cap);
/* "file 'x.xlsx', sheet 'S', row 4, column C: msg" - the one-line form. */
void sl_err_format(const struct sl_error *err, char *buf, size_t cap);
/* A 1-based column number as its letters ("A", "Z", "AA"; "" for 0 or
 * less; at most 7 letters). */
void sl_col_letters(long long col, char out[8]);

#endif
