/* alloc.c - libc allocation with an optional injected failure (alloc.h). */
#include "base/alloc.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static atomic_long budget = -1; /* allocations left before failing; -1 off */
static atomic_long failures;

static int should_fail(void)
{
    if (atomic_load_explicit(&budget, memory_order_relaxed) < 0)
        return 0;
    if (atomic_fetch_sub(&budget, 1) <= 0) {
        atomic_store(&budget, 0);
        atomic_fetch_add(&failures, 1);
        return 1;
    }
    return 0;
}

void *sl_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}
void *sl_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : calloc(n ? n : 1, size ? size : 1);
}
void *sl_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}
void sl_free(void *p)
{
    free(p);
}

char *sl_strndup(const char *s, size_t n)
{
    char *p = sl_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *sl_strdup(const char *s)
{
    return sl_strndup(s, strlen(s));
}

void sl_alloc_fail_after(long n)
{
    atomic_store(&failures, 0);
    atomic_store(&budget, n < 0 ? -1 : n);
}

long sl_alloc_failures(void)
{
    return atomic_load(&failures);
}

void sl_want_huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(huge - 1);
    if (b > a)
        (void)madvise((void *)a, (size_t)(b - a), MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void sl_huge_pages_trim(void *p, size_t used, size_t cap)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20, small = 4096;
    uintptr_t a = ((uintptr_t)p + used + small - 1) & ~(small - 1);
    uintptr_t b = ((uintptr_t)p + used + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + cap) & ~(small - 1);
    if (b > end)
        b = end;
    if (b > a)
        (void)madvise((void *)a, (size_t)(b - a), MADV_DONTNEED);
#else
    (void)p;
    (void)used;
    (void)cap;
#endif
}
