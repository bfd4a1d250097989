/* clock.h - monotonic time. Deadlines everywhere are absolute monotonic
 * nanoseconds (SL_NEVER = no deadline). */
#ifndef SL_BASE_CLOCK_H
#define SL_BASE_CLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SL_NEVER INT64_MAX

/* Monotonic nanoseconds since an arbitrary point. */
int64_t sl_now_ns(void);
/* Seconds as a double, for statistics. */
static inline double sl_ns_to_s(int64_t ns)
{
    return (double)ns / 1e9;
}
/* now + seconds, saturating; seconds <= 0 gives SL_NEVER. */
int64_t sl_deadline_after(double seconds);
/* A deadline as a CLOCK_MONOTONIC timespec (for pthread_cond_timedwait on a
 * condition variable whose clock is CLOCK_MONOTONIC). */
struct timespec sl_ns_to_timespec(int64_t ns);
/* The wall clock now, UTC, as "YYYY-MM-DD HH:MM:SS.ffffff" (+ "+00" with
 * zone), into out (NUL-terminated, cut to cap). */
void sl_utc_text(char *out, size_t cap, int zone);
/* Initialises a condition variable whose clock is CLOCK_MONOTONIC (for
 * deadlines from sl_ns_to_timespec). 0 or an errno value. */
int sl_cond_init_monotonic(pthread_cond_t *cond);

#endif
