/* test_read_spill.c - the spill file's window (read/spill.c): it keeps at
 * most `window` bytes of the mapping resident, and evicts by region with a
 * clock, so a region the reader keeps coming back to (a string repeated all
 * over the sheet) stays while the ones read once go; whatever is dropped,
 * every pointer into the mapping still reads the file's bytes. */
#include <stdint.h>

#include "read/spill.h"
#include "test.h"

#define REGION   ((size_t)64 << 10)
#define NREGIONS 16
#define WINDOW   (4 * REGION)

static struct sl_spill s = {.fd = -1};

/* Byte i of the file. */
static char at(size_t i)
{
    return (char)('a' + (i / REGION + i * 7) % 26);
}

/* The reader reads n bytes at offset i (its offset entry in the same
 * place, as for a string's own region) and checks them. */
static void read_at(size_t i, size_t n)
{
    sl_spill_touch(&s, s.map + i, s.map + i, n);
    for (size_t k = 0; k < n; k++)
        if (s.map[i + k] != at(i + k))
            T_FAIL("byte %zu: %c, not %c", i + k, s.map[i + k], at(i + k));
    if (s.resident > s.window)
        T_FAIL("resident %zu bytes past the window of %zu", s.resident, s.window);
}

static void setup(void)
{
    struct sl_error err;
    const char *dir = getenv("TMPDIR");
    T_EQ_INT(sl_spill_open(&s, dir, NREGIONS * REGION, NREGIONS * REGION, WINDOW, &err), 0);
    static char buf[REGION];
    for (size_t r = 0; r < NREGIONS; r++) {
        for (size_t k = 0; k < REGION; k++)
            buf[k] = at(r * REGION + k);
        T_EQ_INT(sl_spill_write(&s, buf, REGION, r * REGION), 0);
    }
}

/* A hot string in region 0, read between every cold region (each read
 * once, three times round the file): it is never dropped, the window is
 * never passed, and a cold region read once is gone a turn later. */
static void hot_stays(void)
{
    for (int turn = 0; turn < 3; turn++)
        for (size_t r = 1; r < NREGIONS; r++) {
            read_at(100, 24);
            read_at(r * REGION + 1000, 24);
            T_OK(sl_spill_resident(&s, s.map + 100));
            T_OK(sl_spill_resident(&s, s.map + r * REGION));
        }
    size_t in = 0;
    for (size_t r = 0; r < NREGIONS; r++)
        in += (size_t)sl_spill_resident(&s, s.map + r * REGION);
    T_EQ_INT(in * REGION, s.resident);
    T_OK(!sl_spill_resident(&s, s.map + 2 * REGION));
}

/* A string across a region boundary and its offset entry elsewhere: all
 * three regions are resident after the read, whatever had to go. */
static void straddling(void)
{
    sl_spill_touch(&s, s.map + 9 * REGION + 8, s.map + 6 * REGION - 10, 20);
    T_OK(sl_spill_resident(&s, s.map + 5 * REGION));
    T_OK(sl_spill_resident(&s, s.map + 6 * REGION));
    T_OK(sl_spill_resident(&s, s.map + 9 * REGION));
    T_OK(s.resident <= s.window);
    read_at(6 * REGION - 10, 20);
    read_at(NREGIONS * REGION - 8, 8); /* the file's last bytes */
}

int main(void)
{
    T_RUN(setup);
    T_RUN(hot_stays);
    T_RUN(straddling);
    sl_spill_close(&s);
    return 0;
}
