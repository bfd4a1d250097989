/* log.c - leveled messages on stderr, one write(2) each. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int level = SL_LOG_INFO;

void sl_log_set_level(enum sl_log_level l) { atomic_store(&level, (int)l); }

void sl_log(enum sl_log_level l, const char *fmt, ...)
{
    if ((int)l < atomic_load(&level))
        return;
    static const char *names[] = {"debug: ", "", "warning: ", "error: ", ""};
    char line[2048];
    int n = snprintf(line, sizeof line, "sheetload: %s", names[l]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    if (len == 0 || line[len - 1] != '\n')
        line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}
