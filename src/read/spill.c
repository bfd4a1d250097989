/* spill.c - a temporary file for a shared-strings table past the memory
 * budget (see spill.h). */
#define _GNU_SOURCE /* O_TMPFILE */
#include "read/spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/alloc.h"
#include "sheetload.h"

#define REGION_SHIFT 16 /* 64 KiB: what one fault maps (see spill.h) */
#define REGION       ((size_t)1 << REGION_SHIFT)
#define PREFIX       "sheetload-sst."
#define SLACK        4 /* an eviction frees a 32nd of the window beyond the need */

int sl_spill_wanted(uint64_t budget, uint64_t need, uint64_t *window)
{
    if (budget == SHEETLOAD_MEMORY_UNBOUNDED)
        return 0;
    uint64_t room = budget > SL_SPILL_RESERVE ? budget - SL_SPILL_RESERVE : 0;
    if (need + 64 <= room)
        return 0;
    *window = room > SL_SPILL_WINDOW_MIN ? room : SL_SPILL_WINDOW_MIN;
    return 1;
}

static int no_space(struct sl_error *err, const char *dir, uint64_t need)
{
    return sl_err_set(err, SL_EIO,
                      "no space left in %s for the shared-strings spill (need %llu MiB); free "
                      "some, set TMPDIR to a roomier directory or raise --max-memory",
                      dir, (unsigned long long)((need + (1 << 20) - 1) >> 20));
}

int sl_spill_error(const struct sl_spill *s, int e, struct sl_error *err)
{
    if (e == ENOSPC || e == EFBIG || e == EDQUOT)
        return no_space(err, s->dir, s->need);
    return sl_err_set(err, SL_EIO, "cannot write the shared-strings spill in %s: %s", s->dir,
                      strerror(e));
}

/* Writes in pieces that never cross a 64 KiB boundary of the file, so that
 * its page cache holds folios of 64 KiB at most (see spill.h). */
int sl_spill_write(const struct sl_spill *s, const void *p, size_t n, uint64_t at)
{
    const char *b = p;
    while (n) {
        size_t k = REGION - (size_t)(at & (REGION - 1));
        ssize_t w = pwrite(s->fd, b, k < n ? k : n, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : ENOSPC;
        b += w;
        n -= (size_t)w;
        at += (uint64_t)w;
    }
    return 0;
}

/* The file mapped read-only at an address aligned on 64 KiB, so that the
 * kernel's fault-around windows (aligned in the address space) are the
 * file's regions; random access (no read-ahead into large folios). */
static void *map_aligned(int fd, size_t len)
{
    char *r = mmap(NULL, len + REGION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return r;
    char *a = (char *)(((uintptr_t)r + REGION - 1) & ~(uintptr_t)(REGION - 1));
    void *m = mmap(a, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    if (m == MAP_FAILED) {
        munmap(r, len + REGION);
        return m;
    }
    if (a > r)
        munmap(r, (size_t)(a - r));
    if (r + len + REGION > a + len)
        munmap(a + len, (size_t)(r + REGION - a));
    (void)madvise(m, len, MADV_RANDOM);
    return m;
}

/* Removes spill files left by a process of ours that died between mkstemp
 * and unlink (only where O_TMPFILE is missing): regular files of our user
 * named PREFIX, the pid of a process that no longer exists, a dot and six
 * characters. Run before every spill. */
static void sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        size_t pl = strlen(PREFIX);
        if (strncmp(n, PREFIX, pl))
            continue;
        char *end;
        long pid = strtol(n + pl, &end, 10);
        if (pid <= 0 || *end != '.' || strlen(end + 1) != 6)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        int dfd = dirfd(d);
        struct stat st;
        if (!fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode) &&
            st.st_uid == geteuid())
            (void)unlinkat(dfd, n, 0);
    }
    closedir(d);
}

/* A temporary file in dir that has no name (or loses it at once). */
static int create(const char *dir, struct sl_error *err)
{
    sweep(dir);
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    char path[400];
    snprintf(path, sizeof path, "%s/" PREFIX "%ld.XXXXXX", dir, (long)getpid());
    int fd2 = mkstemp(path);
    if (fd2 < 0)
        return sl_err_set(err, SL_EIO,
                          "cannot create the shared-strings spill in %s: %s; set TMPDIR to a "
                          "writable directory or raise --max-memory",
                          dir, strerror(errno));
    (void)unlink(path);
    (void)fcntl(fd2, F_SETFD, FD_CLOEXEC);
    return fd2;
}

int sl_spill_open(struct sl_spill *s, const char *dir, uint64_t need, size_t maplen, size_t window,
                  struct sl_error *err)
{
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->need = need;
    s->maplen = maplen;
    s->window = window;
    s->second_chance = 1;
    s->resident = s->hand = 0;
    int fd = create(dir, err);
    if (fd < 0)
        return fd;
    s->fd = fd;
    struct statvfs vf;
    if (fstatvfs(fd, &vf) == 0 && (uint64_t)vf.f_bavail * vf.f_frsize < need)
        return no_space(err, dir, need);
    void *m = map_aligned(fd, maplen);
    if (m == MAP_FAILED)
        return sl_err_set(err, SL_ENOMEM, "cannot map the shared-strings spill: %s",
                          strerror(errno));
    s->map = m;
    s->nregions = (maplen >> REGION_SHIFT) + 1;
    size_t words = (s->nregions + 63) / 64;
    s->res = sl_calloc(2 * words, sizeof *s->res);
    if (!s->res)
        return sl_err_set(err, SL_ENOMEM, "out of memory for the shared strings");
    s->ref = s->res + words;
    return 0;
}

static int bit(const uint64_t *m, size_t k)
{
    return (int)(m[k / 64] >> (k % 64) & 1);
}

static void set_bit(uint64_t *m, size_t k, int on)
{
    if (on)
        m[k / 64] |= 1ULL << (k % 64);
    else
        m[k / 64] &= ~(1ULL << (k % 64));
}

int sl_spill_resident(const struct sl_spill *s, const void *p)
{
    size_t k = (size_t)((const char *)p - s->map) >> REGION_SHIFT;
    return k < s->nregions && bit(s->res, k);
}

/* Regions [a, b) leave the mapping (one madvise call for a run of them).
 * Safe while a writer writes: the file, not the mapping, holds the data,
 * and a pointer into a dropped region refaults from the page cache. */
static void drop(struct sl_spill *s, size_t a, size_t b)
{
    size_t from = a << REGION_SHIFT, to = b << REGION_SHIFT;
    if (to > s->maplen)
        to = s->maplen;
    if (from < to)
        (void)madvise(s->map + from, to - from, MADV_DONTNEED);
}

/* The clock: from the hand on, a resident region read since the hand last
 * passed loses its mark (a second chance), one not read is dropped, until
 * `want` bytes are free; regions [a, b] and r (the read about to happen)
 * are passed over. At most two turns: the first clears every mark. The
 * regions dropped go in runs, with the ones not resident between them (no
 * page of theirs is mapped): one madvise call for each run, not each region
 * (the calls, each flushing the TLB, cost as much as the faults). */
static void evict(struct sl_spill *s, size_t want, size_t a, size_t b, size_t r)
{
    size_t run = 0, end = 0, k = s->hand; /* the run to drop: [run, end) */
    for (size_t step = 0; step < 2 * s->nregions && s->resident + want > s->window; step++) {
        if (k == s->nregions) {
            drop(s, run, end);
            run = end = 0;
            k = 0;
        }
        if (!s->res[k / 64] && k % 64 == 0 && k + 64 <= s->nregions) {
            step += 63; /* a word of regions none of which is resident */
            k += 64;
            end = end > run ? k : end;
            continue;
        }
        if (!bit(s->res, k)) {
            end = end > run ? k + 1 : end;
        } else if ((k >= a && k <= b) || k == r || bit(s->ref, k)) {
            if (k != r && !(k >= a && k <= b))
                set_bit(s->ref, k, 0);
            drop(s, run, end); /* a region that stays ends the run */
            run = end = 0;
        } else {
            set_bit(s->res, k, 0);
            s->resident -= REGION;
            if (end <= run)
                run = k;
            end = k + 1;
        }
        k++;
    }
    drop(s, run, end);
    s->hand = k;
}

/* Region k is about to be read. A region that enters is not marked: read
 * once (the sheet's strings in their first-use order) it goes at the
 * hand's first pass; read again (a repeated string) it is kept. */
static void use(struct sl_spill *s, size_t k)
{
    if (k >= s->nregions)
        return;
    if (!bit(s->res, k)) {
        set_bit(s->res, k, 1);
        s->resident += REGION;
        return;
    }
    if (s->second_chance)
        set_bit(s->ref, k, 1);
}

void sl_spill_touch(struct sl_spill *s, const void *off, const void *p, size_t n)
{
    size_t r = (size_t)((const char *)off - s->map) >> REGION_SHIFT;
    size_t a = (size_t)((const char *)p - s->map) >> REGION_SHIFT;
    size_t b = (size_t)((const char *)p + (n ? n - 1 : 0) - s->map) >> REGION_SHIFT;
    size_t add = r < s->nregions && !bit(s->res, r) && (r < a || r > b);
    for (size_t k = a; k <= b && k < s->nregions; k++)
        add += !bit(s->res, k);
    if (add && s->resident + (add << REGION_SHIFT) > s->window)
        evict(s, (add << REGION_SHIFT) + s->window / SLACK, a, b, r);
    if (r < a || r > b)
        use(s, r);
    for (size_t k = a; k <= b; k++) /* every region of a long string */
        use(s, k);
}

void sl_spill_close(struct sl_spill *s)
{
    if (s->map)
        munmap(s->map, s->maplen);
    if (s->fd >= 0)
        close(s->fd);
    sl_free(s->res);
    s->map = NULL;
    s->res = s->ref = NULL;
    s->fd = -1;
}
