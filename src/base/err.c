/* err.c - error codes to text and the one-line form of an error. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sheetload_strerror(int code)
{
    switch (code) {
#define SL_X_(name, value, text) \
    case value:                  \
        return text;
        SHEETLOAD_ERRORS(SL_X_)
#undef SL_X_
    }
    return "unknown error";
}

void sl_strlcpy(char *dst, const char *src, size_t cap)
{
    if (cap == 0)
        return;
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static int vset(struct sl_error *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    if (fmt)
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    else
        sl_strlcpy(err->msg, sl_strerror(code), sizeof err->msg);
    return code;
}

int sl_err_set(struct sl_error *err, int code, const char *fmt, ...)
{
    if (!err || err->code != 0)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int sl_err_reset(struct sl_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void sl_err_clear(struct sl_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

void sl_col_letters(long long col, char out[8])
{
    char tmp[8];
    int n = 0;
    while (col > 0 && n < 7) {
        tmp[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

void sl_err_format(const struct sl_error *err, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
#define ADD(...)                                                              \
    do {                                                                      \
        int n_ = snprintf(buf + off, off < cap ? cap - off : 0, __VA_ARGS__); \
        if (n_ > 0)                                                           \
            off += (size_t)n_;                                                \
    } while (0)
    if (err->file[0])
        ADD("'%s'", err->file);
    if (err->sheet[0])
        ADD("%ssheet '%s'", off ? ", " : "", err->sheet);
    if (err->row)
        ADD("%srow %lld", off ? ", " : "", err->row);
    if (err->col > 0) {
        char c[8];
        sl_col_letters(err->col, c);
        ADD("%scolumn %s", off ? ", " : "", c);
    }
    ADD("%s%s", off ? ": " : "", err->msg[0] ? err->msg : sl_strerror(err->code));
    if (err->sqlstate[0])
        ADD(" (SQLSTATE %s)", err->sqlstate);
#undef ADD
}
