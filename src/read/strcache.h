/* strcache.h - copies of the shared strings a sheet reads again, kept in
 * memory when the table itself is spilled to disk (spill.h).
 *
 * Why: a sheet reads most strings once, in the table's order (the file
 * streams them), but many cells repeat a string defined anywhere before
 * (a name, a city, a category: in sheetload gen's 30-column workbook 17% of
 * the reads go back, uniformly over the whole table, and 89% of those go to
 * a string already read again before). Through the spill's mapping each
 * such read faults a page of the file and an offset's page back in and
 * pushes the window's clock; a copy in memory costs one hash probe.
 *
 * Two generations of a fixed size, each an arena of copies (a 32-bit length,
 * the text, a NUL) and an open-addressed table of string index -> arena
 * offset. Copies go to the young generation; a hit in the old one is copied
 * to the young one, so what is read again survives a turn. When the young
 * one is full, the cache turns at the next safe point (sl_strcache_turn,
 * called between rows): the old generation is emptied and becomes the
 * young one. Pointers handed out stay valid until then (the reader's rows
 * are borrowed until the next row). One thread (the sheet's reader side);
 * no locks. */
#ifndef SL_READ_STRCACHE_H
#define SL_READ_STRCACHE_H

#include <stddef.h>
#include <stdint.h>

struct sl_strslot {
    uint32_t key; /* string index + 1; 0 = free */
    uint32_t at;  /* its copy's offset in text */
};

struct sl_strgen {
    struct sl_strslot *slot;
    char *text;
    size_t used, cap; /* bytes of text */
    size_t n, maxn;   /* entries; at most half the slots (short probes) */
    unsigned bits;    /* log2 of the slots */
    uint32_t last;    /* the slot of the last copy made */
    size_t last_at;   /* where its entry began in text */
};

struct sl_strcache {
    struct sl_strgen gen[2]; /* [young] and the other */
    int young;
    int full; /* the young one refused a copy: turn at the next safe point */
    unsigned long long hits, misses, turns; /* for diagnostics */
};

/* Sizes both generations to about `bytes` in all (nothing is touched until
 * used). 0, or -1 out of memory (c is then empty and get always misses). */
int sl_strcache_init(struct sl_strcache *c, size_t bytes);
void sl_strcache_free(struct sl_strcache *c);

/* String i's copy (NUL-terminated, *len bytes) or NULL. */
const char *sl_strcache_get(struct sl_strcache *c, uint32_t i, size_t *len);
/* A hint that string i is looked up soon (its slots' cache misses overlap). */
void sl_strcache_prefetch(const struct sl_strcache *c, uint32_t i);
/* Room for string i's copy of len bytes (the caller writes them; the NUL
 * is written here), or NULL when the young generation has no room. */
char *sl_strcache_room(struct sl_strcache *c, uint32_t i, size_t len);
/* Takes back the room sl_strcache_room just gave (its copy failed). */
void sl_strcache_forget(struct sl_strcache *c);
/* A safe point: no pointer from get or put is in use. Turns the
 * generations if the young one filled up. */
void sl_strcache_turn_now(struct sl_strcache *c);
static inline void sl_strcache_turn(struct sl_strcache *c)
{
    if (c->full)
        sl_strcache_turn_now(c);
}

#endif
