/* header.h - the header of a sheet (issue 17): which of its first rows
 * names the target's columns, what each of its cells means, and whether the
 * rows below agree with that reading.
 *
 * Three steps, each a function here, all on the calling thread before the
 * pipeline starts:
 *
 *  1. sl_lookahead_fill() reads the first rows (SHEETLOAD_HEADER_SCAN, more
 *     when --header names a later row) into copies that outlive the reader's
 *     row; the pipeline receives the data rows among them first.
 *  2. sl_header_match() matches the cells of one row to the target columns:
 *     the user's map first, then the column's name (normalised: case,
 *     spaces, punctuation, accents, a unit in parentheses, alternatives
 *     split at '/'), then, for the businesses model, a table of synonyms.
 *     It is the one matcher of every front end (sheetload_match_header()).
 *  3. sl_header_find() picks the row that names the most columns among the
 *     rows above the first row that looks like data, or decides there is no
 *     header, or refuses: first rows that look like a header but name no
 *     column, and a reading that puts values of the wrong shape into a
 *     column (e-mail addresses into 'category'), are errors, never guesses.
 */
#ifndef SL_LOAD_HEADER_H
#define SL_LOAD_HEADER_H

#include "base/err.h"

#include "load/load.h"

#define SL_HEADER_NORM    128       /* bytes of a normalised name */
#define SL_HEADER_MAX_ROW 1048576LL /* --header N: Excel's last row */

/* The first rows of a sheet, copied (cells and text in the arena). */
struct sl_lookahead {
    struct sl_row *rows;
    size_t n, cap;
    struct sl_arena arena;
};
/* Reads rows until SHEETLOAD_HEADER_SCAN rows are held and, when
 * header_row > 0, a few rows past that row; fewer at the end of the sheet.
 * 0 or a negative code (err filled by the reader). */
int sl_lookahead_fill(struct sl_lookahead *la, struct sl_reader *r, long long header_row,
                      struct sl_error *err);
void sl_lookahead_release(struct sl_lookahead *la);

/* The target columns, normalised once. */
struct sl_targets {
    size_t n;
    int biz;           /* the businesses model: synonyms and shapes */
    const char **name; /* borrowed */
    const char **type; /* borrowed, "" when unknown */
    char (*norm)[SL_HEADER_NORM];
    size_t *order; /* indexes sorted by norm (binary search) */
};
int sl_targets_init(struct sl_targets *t, const struct sl_sink_column *cols, size_t ncols);
void sl_targets_release(struct sl_targets *t);
/* The businesses model's columns in sheet order (9). */
extern const char *const sl_header_biz_cols[];
#define SL_HEADER_NBIZ 9

/* The user's map (--map, --map-file), resolved against the targets. */
struct sl_usermap_entry {
    char text[128];           /* as the user wrote it */
    char key[SL_HEADER_NORM]; /* normalised */
    int col;                  /* target index; -1 = ignore the cell */
};
struct sl_usermap {
    size_t n, cap;
    struct sl_usermap_entry *e;
};
int sl_usermap_parse(struct sl_usermap *m, const char *map, const char *map_file,
                     const struct sl_targets *t, struct sl_error *err);
void sl_usermap_release(struct sl_usermap *m);

/* Lower case, accents folded to ASCII, everything but letters and digits
 * dropped: "E-Mail Adresse" -> "emailadresse", "Weight (kg)" -> "weightkg". */
void sl_header_norm(const char *s, size_t len, char *out, size_t cap);

/* Fills out[0..n) for the cells of one row; returns the number of distinct
 * target columns named, or -1 out of memory. m may be NULL. */
int sl_header_match(const struct sl_cell *cells, size_t n, const struct sl_targets *t,
                    const struct sl_usermap *m, struct sheetload_match *out);

/* The decision about a sheet's first rows. */
struct sl_header_choice {
    long long header;          /* index in la of the header row; -1 = no header */
    size_t data;               /* index in la of the first data row */
    struct sheetload_match *m; /* the header row's matches (owned), nm cells */
    size_t nm;
};
/* Decides where the header is (o->header_row, o->columns) and matches it.
 * Without --columns: SL_ESCHEMA with a message that says how to map when
 * the first rows look like a header and name nothing. */
int sl_header_find(const struct sl_lookahead *la, const struct sheetload_opts *o,
                   const struct sl_targets *t, const struct sl_usermap *m,
                   struct sl_header_choice *out, struct sl_error *err);
void sl_header_choice_release(struct sl_header_choice *c);

/* Checks the data rows la[from..) against the reading map[i] = target index
 * of sheet column i (-1 = ignored): SL_ESCHEMA when most values under a
 * column have the wrong shape for it. hdr names the cells (NULL = by
 * position). */
int sl_header_check_shapes(const struct sl_lookahead *la, size_t from, const int *map, size_t nmap,
                           const struct sl_targets *t, const struct sl_row *hdr,
                           struct sl_error *err);

/* "A", "B", ..., "AA" for a 0-based column. */
void sl_header_col_letters(size_t i, char *out);

#endif
