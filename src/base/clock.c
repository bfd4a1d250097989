/* clock.c - the monotonic clock, and the wall clock as text. */
#include "base/clock.h"

#include <stdio.h>

int64_t sl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sl_deadline_after(double seconds)
{
    if (!(seconds > 0))
        return SL_NEVER;
    double ns = seconds * 1e9;
    int64_t now = sl_now_ns();
    if (ns >= (double)(SL_NEVER - now))
        return SL_NEVER;
    return now + (int64_t)ns;
}

struct timespec sl_ns_to_timespec(int64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    return ts;
}

void sl_utc_text(char *out, size_t cap, int zone)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    if (cap)
        snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d.%06ld%s", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
                 zone ? "+00" : "");
}

int sl_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}
