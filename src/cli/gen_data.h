/* gen_data.h - deterministic business-directory rows for 'sheetload gen'.
 *
 * A row is a pure function of (seed, data row index, bad kind): each row
 * seeds its own random stream, so the CSV and XLSX writers get the same
 * rows whatever order or format they write them in. Bad rows are placed at
 * positions that depend only on the row count and the bad count.
 */
#ifndef SL_CLI_GEN_DATA_H
#define SL_CLI_GEN_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_GEN_NCOLS 9

/* The header row, in column order. */
extern const char *const sl_gen_header[SL_GEN_NCOLS];

enum sl_gen_kind {
    SL_GEN_GOOD = 0,
    SL_GEN_MISSING_NAME,  /* name empty */
    SL_GEN_EMAIL_NO_AT,   /* no-at-sign.example.com */
    SL_GEN_EMAIL_TWO_AT,  /* two@@example.com */
    SL_GEN_EMAIL_SPACE,   /* "info 12@x.com" */
    SL_GEN_EMAIL_NO_DOT,  /* info12@localhost (no dot in the domain) */
    SL_GEN_WEBSITE_SPACE, /* "www.my shop.com" */
    SL_GEN_BLANK,         /* every cell empty: skipped, not an error */
    SL_GEN_NKINDS
};

/* "missing_name", ...; "good" for SL_GEN_GOOD. */
const char *sl_gen_kind_name(int kind);

/* One generated row; fields point into buf (NUL-terminated). */
struct sl_gen_row {
    const char *field[SL_GEN_NCOLS];
    size_t len[SL_GEN_NCOLS];
    char buf[2048];
};

/* Fills *r with data row index i (0-based: sheet row i + 2) of kind. */
void sl_gen_row(uint64_t seed, long long i, int kind, struct sl_gen_row *r);

/* The placement of K bad rows among N data rows. */
struct sl_gen_plan {
    long long rows;   /* N */
    long long bad;    /* K (<= N) */
    long long next_k; /* iterator state */
};
void sl_gen_plan_init(struct sl_gen_plan *p, long long rows, long long bad);
/* The data row index of bad row k (0 <= k < K), increasing with k. */
long long sl_gen_plan_index(const struct sl_gen_plan *p, long long k);
/* The kind of bad row k. A blank row is never the last data row (an xlsx
 * has no way to hold a trailing blank row), it is then malformed-email. */
int sl_gen_plan_kind(const struct sl_gen_plan *p, long long k);

/* The text of note column c (0-based, >= SL_GEN_NCOLS, from --text-columns)
 * of data row i, or its header "noteC+1" (i < 0): 24 characters for a
 * data row, distinct for every (row, column) below 10,000,000 rows and
 * never equal to a value of the nine columns. Returns the length. */
size_t sl_gen_note(uint64_t seed, long long i, int c, char out[40]);

/* The rows of one output in order, bad rows where the plan puts them:
 * sl_gen_iter_next fills row with the next data row (sheet row `sheet_row`,
 * the header being 1) and writes its line to bad_list (may be NULL) when
 * it is bad; 0 after the last. A progress line goes to stderr when it is
 * a terminal and the output is large. */
struct sl_gen_iter {
    uint64_t seed;
    FILE *bad_list;
    struct sl_gen_plan plan;
    long long i, k, next_bad, sheet_row;
    int progress;
    long long progress_next;
    struct sl_gen_row row;
};
void sl_gen_iter_init(struct sl_gen_iter *it, uint64_t seed, long long rows, long long bad,
                      FILE *bad_list);
int sl_gen_iter_next(struct sl_gen_iter *it);

#endif
