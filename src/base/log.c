/* log.c - leveled messages on stderr, one write(2) each. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/utf8.h"

static atomic_int level = SL_LOG_INFO;
static atomic_int json;

void sl_log_set_json(int on)
{
    atomic_store(&json, on != 0);
}
int sl_log_is_json(void)
{
    return atomic_load(&json);
}

static const char *const json_levels[] = {"debug", "info", "warning", "error", "error"};

/* {"time":"2026-01-02T03:04:05.678Z","level":"info", */
static size_t json_head(char *out, size_t cap, enum sl_log_level l)
{
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(out, cap, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",", when,
                     ts.tv_nsec / 1000000, json_levels[l]);
    return n < 0 ? 0 : (size_t)n;
}

static void emit(char *line, size_t len)
{
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void sl_log_obj(enum sl_log_level l, const char *obj)
{
    if ((int)l < atomic_load(&level) || !atomic_load(&json) || obj[0] != '{')
        return;
    char line[4096];
    size_t n = json_head(line, sizeof line, l);
    size_t m = strlen(obj + 1);
    if (n + m + 2 > sizeof line)
        return;
    memcpy(line + n, obj + 1, m);
    line[n + m] = '\n';
    emit(line, n + m + 1);
}

/* msg as a JSON string body (no quotes) into out; valid UTF-8. */
static size_t json_escape(char *out, size_t cap, const char *msg)
{
    char clean[2048];
    sl_utf8_clean(clean, sizeof clean, msg, strlen(msg), 0);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)clean; *p && n + 8 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n] = '\0';
    return n;
}

void sl_log_set_level(enum sl_log_level l)
{
    atomic_store(&level, (int)l);
}

void sl_log(enum sl_log_level l, const char *fmt, ...)
{
    if ((int)l < atomic_load(&level))
        return;
    static const char *names[] = {"debug: ", "", "warning: ", "error: ", ""};
    char line[2048];
    if (atomic_load(&json)) {
        char msg[2048], out[4200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        size_t mlen = strlen(msg);
        while (mlen && msg[mlen - 1] == '\n')
            msg[--mlen] = '\0';
        size_t n = json_head(out, sizeof out, l);
        n += (size_t)snprintf(out + n, sizeof out - n, "\"msg\":\"");
        n += json_escape(out + n, sizeof out - n - 4, msg);
        memcpy(out + n, "\"}\n", 3);
        emit(out, n + 3);
        return;
    }
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
    emit(line, len);
}
