/* test_read_strcache.c - the cache of re-read shared strings
 * (read/strcache.c): a copy is found by its index with its exact length and
 * bytes; pointers stay valid until the next turn; the cache turns only at a
 * safe point, after the young generation filled; a copy read again in the
 * old generation survives the turn, one not read again is gone after two;
 * too long a string is never kept; a taken-back room leaves no trace. */
#include <stdio.h>
#include <string.h>

#include "read/strcache.h"
#include "test.h"

static struct sl_strcache c;

/* Keeps a copy of s as string i (room, then the bytes, as the reader does
 * with a pread); the copy or NULL. */
static const char *put(struct sl_strcache *k, uint32_t i, const char *s, size_t n)
{
    char *q = sl_strcache_room(k, i, n);
    if (q && n)
        memcpy(q, s, n);
    return q;
}

/* The text of string i: its length varies with i (0 to 40 bytes). */
static size_t text_of(uint32_t i, char *buf)
{
    int n = snprintf(buf, 64, "s%u-%.*s", i, (int)(i % 31), "abcdefghijklmnopqrstuvwxyzABCDEFGH");
    return (size_t)n;
}

static void found(uint32_t i)
{
    char want[64];
    size_t n = text_of(i, want), len = 0;
    const char *p = sl_strcache_get(&c, i, &len);
    if (!p)
        T_FAIL("string %u: not in the cache", i);
    T_EQ_INT(len, n);
    if (memcmp(p, want, n) || p[n] != '\0')
        T_FAIL("string %u: '%s', not '%s'", i, p, want);
}

static int present(uint32_t i)
{
    size_t len;
    return sl_strcache_get(&c, i, &len) != NULL;
}

/* Puts strings until the young generation refuses one; returns how many. */
static uint32_t fill(uint32_t from)
{
    char buf[64];
    uint32_t i = from;
    for (;; i++) {
        size_t n = text_of(i, buf);
        if (!put(&c, i, buf, n))
            return i - from;
    }
}

static void basics(void)
{
    T_EQ_INT(sl_strcache_init(&c, 64 << 10), 0);
    char buf[64];
    size_t len;
    T_OK(!sl_strcache_get(&c, 7, &len));
    for (uint32_t i = 0; i < 200; i++) {
        size_t n = text_of(i * 3, buf);
        const char *q = put(&c, i * 3, buf, n);
        T_OK(q && !memcmp(q, buf, n) && q[n] == '\0');
    }
    for (uint32_t i = 0; i < 200; i++) {
        found(i * 3);
        T_OK(!present(i * 3 + 1));
    }
    /* An empty string and index 0 are kept like any other. */
    T_OK(put(&c, 100000, "", 0) != NULL);
    T_OK(sl_strcache_get(&c, 100000, &len) && len == 0);
    /* Taken back: gone, and the next copy takes its place. */
    T_OK(sl_strcache_room(&c, 5000, 10) != NULL);
    sl_strcache_forget(&c);
    T_OK(!present(5000));
    found(0);
    found(597);
    /* Too long to keep (past a 64th of a generation's text). */
    static char big[4096];
    memset(big, 'x', sizeof big);
    T_OK(put(&c, 6000, big, sizeof big) == NULL);
    T_OK(!c.full); /* not a reason to turn */
    sl_strcache_free(&c);
}

static void turns(void)
{
    T_EQ_INT(sl_strcache_init(&c, 64 << 10), 0);
    uint32_t n = fill(0); /* strings [0, n) fill the young generation */
    T_OK(n > 100);
    T_OK(c.full);
    for (uint32_t i = 0; i < n; i++) /* still valid: no safe point yet */
        found(i);
    sl_strcache_turn(&c); /* now they are the old generation */
    T_OK(!c.full);
    for (uint32_t i = 0; i < n; i += 2) /* read again: copied to the young */
        found(i);
    uint32_t m = fill(1000000); /* fills the young one anew */
    T_OK(m > 0);
    sl_strcache_turn(&c);
    for (uint32_t i = 0; i < n; i++) {
        if (i % 2 == 0)
            found(i); /* read again after the first turn: survived */
        else if (present(i))
            T_FAIL("string %u was not read again, yet survived two turns", i);
    }
    sl_strcache_turn(&c); /* not full: a safe point changes nothing */
    found(0);
    sl_strcache_free(&c);
}

/* A cache that could not be allocated is empty: every get misses, every
 * put refuses, nothing crashes. */
static void none(void)
{
    struct sl_strcache z;
    memset(&z, 0, sizeof z);
    size_t len;
    T_OK(!sl_strcache_get(&z, 1, &len));
    T_OK(!put(&z, 1, "a", 1));
    T_OK(!sl_strcache_room(&z, 1, 1));
    sl_strcache_turn(&z);
    sl_strcache_free(&z);
}

int main(void)
{
    T_RUN(basics);
    T_RUN(turns);
    T_RUN(none);
    return 0;
}
