/* header.c - finding and understanding a sheet's header (see header.h).
 * Runs on the calling thread; nothing here is shared. */
#include "load/header.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"

const char *const sl_header_biz_cols[] = {
    "name", "category", "phone", "email", "address", "city", "country", "website", "description",
};

/* ---- lookahead ------------------------------------------------------------ */

static int keep_row(struct sl_lookahead *la, const struct sl_row *row)
{
    if (la->n == la->cap) {
        size_t cap = la->cap ? la->cap * 2 : SHEETLOAD_HEADER_SCAN + 1;
        struct sl_row *rows = sl_realloc(la->rows, cap * sizeof *rows);
        if (!rows)
            return SL_ENOMEM;
        la->rows = rows;
        la->cap = cap;
    }
    struct sl_cell *cells = NULL;
    if (row->ncells) {
        cells = sl_arena_alloc(&la->arena, row->ncells * sizeof *cells);
        if (!cells)
            return SL_ENOMEM;
    }
    for (size_t i = 0; i < row->ncells; i++) {
        const struct sl_cell *c = &row->cells[i];
        cells[i] = *c;
        cells[i].text = sl_arena_strndup(&la->arena, c->text ? c->text : "", c->text ? c->len : 0);
        if (!cells[i].text)
            return SL_ENOMEM;
    }
    la->rows[la->n].num = row->num;
    la->rows[la->n].ncells = row->ncells;
    la->rows[la->n].cells = cells;
    la->n++;
    return 0;
}

int sl_lookahead_fill(struct sl_lookahead *la, struct sl_reader *r, long long header_row,
                      struct sl_error *err)
{
    for (;;) {
        if (la->n >= SHEETLOAD_HEADER_SCAN &&
            (header_row <= 0 || la->rows[la->n - 1].num >= header_row + SHEETLOAD_HEADER_SCAN / 2))
            return 0;
        struct sl_row row;
        int rc = sl_reader_next(r, &row, err);
        if (rc <= 0)
            return rc;
        if (keep_row(la, &row))
            return sl_err_set(err, SL_ENOMEM, "out of memory reading the first rows");
    }
}

void sl_lookahead_release(struct sl_lookahead *la)
{
    sl_arena_release(&la->arena);
    sl_free(la->rows);
    la->rows = NULL;
    la->n = la->cap = 0;
}

/* ---- normalising names ---------------------------------------------------- */

/* Latin-1 letters U+00C0..U+00FF folded to ASCII ("" = dropped). */
static const char *const latin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};
/* Latin Extended-A U+0100..U+017F: one letter each ('*' = two, below). */
static const char ext_a[129] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii**jjkkklll"
    "lllllllnnnnnnnnnoooooo**rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/* One code point at s (n > 0 bytes left); *k = its length. A byte that is
 * not UTF-8 gives 0 (dropped by the caller). */
static unsigned cp_at(const unsigned char *s, size_t n, size_t *k)
{
    unsigned b = s[0];
    size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 1;
    if (b >= 0xF8 || (b >= 0x80 && b < 0xC2) || len > n) {
        *k = 1;
        return 0; /* not UTF-8: dropped */
    }
    unsigned cp = len == 1 ? b : len == 2 ? b & 0x1F : len == 3 ? b & 0x0F : b & 0x07;
    for (size_t j = 1; j < len; j++) {
        if ((s[j] & 0xC0) != 0x80) {
            *k = 1;
            return 0;
        }
        cp = (cp << 6) | (s[j] & 0x3F);
    }
    *k = len;
    return cp;
}

static size_t put(char *out, size_t o, size_t cap, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        out[o++] = s[i];
    return o;
}

static size_t put_cp(char *out, size_t o, size_t cap, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return o + n < cap ? put(out, o, cap, u, n) : o;
}

void sl_header_norm(const char *s, size_t len, char *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < len) {
        size_t k;
        unsigned cp = cp_at(p + i, len - i, &k);
        i += k;
        if (cp < 0x80) {
            if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
                o = put(out, o, cap, (const char *)&p[i - 1], 1);
            else if (cp >= 'A' && cp <= 'Z') {
                char c = (char)(cp - 'A' + 'a');
                o = put(out, o, cap, &c, 1);
            }
        } else if (cp >= 0xC0 && cp <= 0xFF) {
            o = put(out, o, cap, latin1[cp - 0xC0], strlen(latin1[cp - 0xC0]));
        } else if (cp >= 0x100 && cp <= 0x17F) {
            char c = ext_a[cp - 0x100];
            if (c != '*')
                o = put(out, o, cap, &c, 1);
            else
                o = put(out, o, cap, cp < 0x140 ? "ij" : "oe", 2);
        } else if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF) {
            continue; /* punctuation, spaces, symbols */
        } else {
            /* Greek and Cyrillic capitals to lower case; other scripts as they are. */
            if ((cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x410 && cp <= 0x42F))
                cp += 0x20;
            else if (cp >= 0x400 && cp <= 0x40F)
                cp += 0x50;
            o = put_cp(out, o, cap, cp);
        }
    }
    out[o] = '\0';
}

/* ---- targets -------------------------------------------------------------- */

int sl_targets_init(struct sl_targets *t, const struct sl_sink_column *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->biz = cols == NULL;
    t->n = t->biz ? SL_HEADER_NBIZ : ncols;
    size_t n = t->n ? t->n : 1;
    t->name = sl_calloc(n, sizeof *t->name);
    t->type = sl_calloc(n, sizeof *t->type);
    t->norm = sl_calloc(n, sizeof *t->norm);
    t->order = sl_calloc(n, sizeof *t->order);
    if (!t->name || !t->type || !t->norm || !t->order) {
        sl_targets_release(t);
        return SL_ENOMEM;
    }
    for (size_t k = 0; k < t->n; k++) {
        t->name[k] = t->biz ? sl_header_biz_cols[k] : cols[k].name;
        t->type[k] = t->biz ? "text" : cols[k].type;
        sl_header_norm(t->name[k], strlen(t->name[k]), t->norm[k], sizeof t->norm[k]);
        t->order[k] = k;
    }
    /* Sorted by name, then table order (insertion sort: once per import). */
    for (size_t i = 1; i < t->n; i++) {
        size_t v = t->order[i], j = i;
        while (j > 0 && strcmp(t->norm[t->order[j - 1]], t->norm[v]) > 0) {
            t->order[j] = t->order[j - 1];
            j--;
        }
        t->order[j] = v;
    }
    return 0;
}

void sl_targets_release(struct sl_targets *t)
{
    sl_free(t->name);
    sl_free(t->type);
    sl_free(t->norm);
    sl_free(t->order);
    memset(t, 0, sizeof *t);
}

/* The target a normalised key names (the first in table order when two
 * columns normalise alike), or -1: a binary search of t->order. */
static int target_find(const struct sl_targets *t, const char *key)
{
    if (!*key)
        return -1;
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->norm[t->order[mid]], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && !strcmp(t->norm[t->order[lo]], key) ? (int)t->order[lo] : -1;
}

/* ---- the user's map --------------------------------------------------------- */

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t' || **s == '\r'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

static int map_entry(struct sl_usermap *m, const char *s, size_t n, const char *from,
                     const struct sl_targets *t, struct sl_error *err)
{
    trim(&s, &n);
    if (!n || *s == '#')
        return 0;
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return sl_err_set(err, SL_EINVAL, "%s entry '%.*s' has no '='; write 'Header cell=column'",
                          from, (int)(n > 80 ? 80 : n), s);
    const char *l = s, *r = eq + 1;
    size_t ln = (size_t)(eq - s), rn = n - ln - 1;
    trim(&l, &ln);
    trim(&r, &rn);
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct sl_usermap_entry *e = sl_realloc(m->e, cap * sizeof *e);
        if (!e)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        m->e = e;
        m->cap = cap;
    }
    struct sl_usermap_entry *e = &m->e[m->n];
    snprintf(e->text, sizeof e->text, "%.*s", (int)ln, l);
    sl_header_norm(l, ln, e->key, sizeof e->key);
    if (!*e->key)
        return sl_err_set(err, SL_EINVAL, "%s entry '%.*s' names no header cell before '='", from,
                          (int)(n > 80 ? 80 : n), s);
    e->col = -1;
    if (rn && !(rn == 1 && *r == '-')) {
        char key[SL_HEADER_NORM];
        sl_header_norm(r, rn, key, sizeof key);
        if ((e->col = target_find(t, key)) < 0) {
            struct sl_buf b;
            sl_buf_init(&b, 600);
            for (size_t k = 0; k < t->n; k++)
                sl_buf_addf(&b, "%s%s", k ? ", " : "", t->name[k]);
            int rc = sl_err_set(err, SL_EINVAL,
                                "%s maps '%s' to '%.*s', which is not a column; "
                                "the columns are %s",
                                from, e->text, (int)(rn > 64 ? 64 : rn), r, b.data ? b.data : "");
            sl_buf_release(&b);
            return rc;
        }
    }
    m->n++;
    return 0;
}

static int map_file(struct sl_usermap *m, const char *path, const struct sl_targets *t,
                    struct sl_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sl_err_set(err, errno == ENOENT ? SL_ENOTFOUND : SL_EIO,
                          "cannot open the map file '%s': %s", path, strerror(errno));
    char line[1024];
    int rc = 0;
    long no = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char from[300];
        size_t n = strcspn(line, "\n");
        no++;
        if (n == 0)
            continue;
        if (n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3) && no == 1)
            memmove(line, line + 3, strlen(line + 3) + 1), n -= 3;
        snprintf(from, sizeof from, "the map file '%.200s', line %ld,", path, no);
        rc = map_entry(m, line, n, from, t, err);
    }
    if (!rc && ferror(f))
        rc = sl_err_set(err, SL_EIO, "cannot read the map file '%s'", path);
    fclose(f);
    return rc;
}

int sl_usermap_parse(struct sl_usermap *m, const char *map, const char *file,
                     const struct sl_targets *t, struct sl_error *err)
{
    memset(m, 0, sizeof *m);
    int rc = 0;
    for (const char *s = map; s && *s && !rc;) {
        size_t n = strcspn(s, ",\n");
        rc = map_entry(m, s, n, "--map", t, err);
        s += n;
        if (*s)
            s++;
    }
    if (!rc && file && *file)
        rc = map_file(m, file, t, err);
    return rc;
}

void sl_usermap_release(struct sl_usermap *m)
{
    sl_free(m->e);
    memset(m, 0, sizeof *m);
}

/* ---- matching one cell -------------------------------------------------------- */

/* Synonyms of the businesses model, normalised. */
static const struct {
    const char *key;
    const char *col;
} synonyms[] = {
    {"company", "name"},
    {"companyname", "name"},
    {"business", "name"},
    {"businessname", "name"},
    {"organisation", "name"},
    {"organization", "name"},
    {"organisationname", "name"},
    {"organizationname", "name"},
    {"firm", "name"},
    {"firmname", "name"},
    {"legalname", "name"},
    {"tradingname", "name"},
    {"type", "category"},
    {"industry", "category"},
    {"sector", "category"},
    {"businesstype", "category"},
    {"companytype", "category"},
    {"kind", "category"},
    {"tel", "phone"},
    {"telephone", "phone"},
    {"phonenumber", "phone"},
    {"telephonenumber", "phone"},
    {"telno", "phone"},
    {"phoneno", "phone"},
    {"mobile", "phone"},
    {"mobilephone", "phone"},
    {"mobilenumber", "phone"},
    {"cell", "phone"},
    {"cellphone", "phone"},
    {"contactnumber", "phone"},
    {"mail", "email"},
    {"emailaddress", "email"},
    {"mailaddress", "email"},
    {"emails", "email"},
    {"street", "address"},
    {"streetaddress", "address"},
    {"addressline", "address"},
    {"addressline1", "address"},
    {"address1", "address"},
    {"postaladdress", "address"},
    {"town", "city"},
    {"locality", "city"},
    {"cityname", "city"},
    {"nation", "country"},
    {"countryname", "country"},
    {"web", "website"},
    {"url", "website"},
    {"homepage", "website"},
    {"webaddress", "website"},
    {"websiteurl", "website"},
    {"www", "website"},
    {"site", "website"},
    {"about", "description"},
    {"notes", "description"},
    {"note", "description"},
    {"details", "description"},
    {"summary", "description"},
    {"comments", "description"},
    {"comment", "description"},
    {"remarks", "description"},
};

static int synonym(const struct sl_targets *t, const char *key)
{
    if (!t->biz || !*key)
        return -1;
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
        if (!strcmp(synonyms[i].key, key)) {
            char norm[SL_HEADER_NORM];
            sl_header_norm(synonyms[i].col, strlen(synonyms[i].col), norm, sizeof norm);
            return target_find(t, norm);
        }
    return -1;
}

/* The text without parenthesised or bracketed parts ("Weight (kg)"). */
static size_t strip_units(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int depth = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (s[i] == '(' || s[i] == '[')
            depth++;
        else if ((s[i] == ')' || s[i] == ']') && depth > 0)
            depth--;
        else if (!depth)
            out[o++] = s[i];
    }
    out[o] = '\0';
    return o;
}

/* The parts of "City / Town", "Phone or mobile": up to 4 keys. */
static size_t alternatives(const char *s, size_t n, char keys[4][SL_HEADER_NORM])
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n && k < 4; i++) {
        size_t cut = 0;
        if (i == n || s[i] == '/' || s[i] == '|' || s[i] == '\\')
            cut = 1;
        else if (i + 4 <= n && (!memcmp(s + i, " or ", 4) || !memcmp(s + i, " OR ", 4)))
            cut = 4;
        if (!cut)
            continue;
        if (start == 0 && i == n)
            return 0; /* no separator: not alternatives */
        sl_header_norm(s + start, i - start, keys[k], SL_HEADER_NORM);
        if (*keys[k])
            k++;
        start = i + cut;
        i += cut - 1;
    }
    return k;
}

static int match_one(const struct sl_cell *c, const struct sl_targets *t,
                     const struct sl_usermap *m, int *col, char *why, size_t cap)
{
    const char *s = c->text ? c->text : "";
    size_t n = c->text ? c->len : 0;
    char key[SL_HEADER_NORM], bare[256], bkey[SL_HEADER_NORM], alt[4][SL_HEADER_NORM];
    int shown = n > 60 ? 60 : (int)n;
    *col = -1;
    sl_header_norm(s, n, key, sizeof key);
    if (!*key) {
        snprintf(why, cap, n ? "'%.*s' holds no letter or digit" : "empty", shown, s);
        return SHEETLOAD_MATCH_EMPTY;
    }
    for (size_t i = 0; m && i < m->n; i++)
        if (!strcmp(m->e[i].key, key)) {
            *col = m->e[i].col;
            if (*col < 0) {
                snprintf(why, cap, "'%.*s' is ignored as the map says", shown, s);
                return SHEETLOAD_MATCH_SKIP;
            }
            snprintf(why, cap, "'%.*s' is mapped to '%s'", shown, s, t->name[*col]);
            return SHEETLOAD_MATCH_USER;
        }
    if ((*col = target_find(t, key)) >= 0) {
        snprintf(why, cap, "'%.*s' names '%s'", shown, s, t->name[*col]);
        return SHEETLOAD_MATCH_NAME;
    }
    size_t bn = strip_units(s, n, bare, sizeof bare);
    sl_header_norm(bare, bn, bkey, sizeof bkey);
    if (strcmp(bkey, key) && (*col = target_find(t, bkey)) >= 0) {
        snprintf(why, cap, "'%.*s' names '%s' (the part in parentheses aside)", shown, s,
                 t->name[*col]);
        return SHEETLOAD_MATCH_NAME;
    }
    size_t na = alternatives(bare, bn, alt);
    for (size_t i = 0; i < na; i++)
        if ((*col = target_find(t, alt[i])) >= 0) {
            snprintf(why, cap, "'%.*s' names '%s' (one of its alternatives)", shown, s,
                     t->name[*col]);
            return SHEETLOAD_MATCH_NAME;
        }
    const char *cands[6] = {key, bkey};
    size_t nc = 2;
    for (size_t i = 0; i < na; i++)
        cands[nc++] = alt[i];
    for (size_t i = 0; i < nc; i++)
        if ((*col = synonym(t, cands[i])) >= 0) {
            snprintf(why, cap, "'%.*s' is a synonym of '%s'", shown, s, t->name[*col]);
            return SHEETLOAD_MATCH_SYNONYM;
        }
    *col = -1;
    snprintf(why, cap, "'%.*s' names no column", shown, s);
    return SHEETLOAD_MATCH_NONE;
}

static int rank(int how)
{
    return how == SHEETLOAD_MATCH_USER      ? 3
           : how == SHEETLOAD_MATCH_NAME    ? 2
           : how == SHEETLOAD_MATCH_SYNONYM ? 1
                                            : 0;
}

int sl_header_match(const struct sl_cell *cells, size_t n, const struct sl_targets *t,
                    const struct sl_usermap *m, struct sheetload_match *out)
{
    for (size_t i = 0; i < n; i++)
        out[i].how = match_one(&cells[i], t, m, &out[i].column, out[i].why, sizeof out[i].why);
    /* One cell per column: the best match, the leftmost among equals. */
    size_t *best = sl_malloc((t->n ? t->n : 1) * sizeof *best);
    if (!best)
        return -1;
    for (size_t k = 0; k < t->n; k++)
        best[k] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        int k = out[i].column, r = rank(out[i].how);
        if (k >= 0 && r && (best[k] == SIZE_MAX || r > rank(out[best[k]].how)))
            best[k] = i;
    }
    int named = 0;
    for (size_t i = 0; i < n; i++) {
        int k = out[i].column, r = rank(out[i].how);
        if (k < 0 || !r)
            continue;
        if (best[k] == i) {
            named++;
            continue;
        }
        size_t b = best[k];
        char letters[8], text[64];
        sl_header_col_letters(b, letters);
        snprintf(text, sizeof text, "%.60s", cells[b].text ? cells[b].text : "");
        int same = rank(out[b].how) == r && r >= 2;
        snprintf(out[i].why, sizeof out[i].why, "'%.50s' names '%s' as '%s' (%s) does%s",
                 cells[i].text ? cells[i].text : "", t->name[k], text, letters,
                 same ? " too" : ", better");
        out[i].how = same ? SHEETLOAD_MATCH_DUPLICATE : SHEETLOAD_MATCH_TAKEN;
        out[i].column = -1;
    }
    sl_free(best);
    return named;
}

void sl_header_col_letters(size_t i, char *out)
{
    sl_col_letters((long long)i + 1, out);
}

/* ---- shapes of values ------------------------------------------------------------ */

enum shape { SH_EMPTY, SH_TEXT, SH_EMAIL, SH_URL, SH_PHONE, SH_NUMBER, SH_DATE };
static const char *const shape_name[] = {
    "empty", "text", "e-mail addresses", "web addresses", "phone numbers", "numbers", "dates",
};

static int has_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return 0;
}

static int is_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    if (!at || at == s || has_space(s, n) || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
        return 0;
    const char *dot = memchr(at + 1, '.', n - (size_t)(at + 1 - s));
    return dot && dot > at + 1 && dot < s + n - 1;
}

static int is_url(const char *s, size_t n)
{
    if (has_space(s, n))
        return 0;
    return (n > 8 && !strncmp(s, "https://", 8)) || (n > 7 && !strncmp(s, "http://", 7)) ||
           (n > 4 && (!strncmp(s, "www.", 4) || !strncmp(s, "WWW.", 4)));
}

static int is_date(const char *s, size_t n)
{
    /* 2024-05-01, 01/05/2024, 1.5.2024 (a time may follow) */
    size_t d = 0, sep = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            d++;
        else if (s[i] == '-' || s[i] == '/' || s[i] == '.')
            sep++;
        else
            return 0;
    }
    return sep == 2 && d >= 6 && (n <= 10 || s[10] == ' ' || s[10] == 'T');
}

static enum shape shape_of(const struct sl_cell *c)
{
    const char *s = c->text ? c->text : "";
    size_t n = c->text ? c->len : 0;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (!n || c->kind == SL_CELL_EMPTY)
        return SH_EMPTY;
    if (c->kind == SL_CELL_NUMBER)
        return SH_NUMBER;
    if (c->kind == SL_CELL_DATE)
        return SH_DATE;
    if (is_email(s, n))
        return SH_EMAIL;
    if (is_url(s, n))
        return SH_URL;
    size_t digits = 0, other = 0, marks = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (ch == '+' || ch == '(' || ch == ')' || ch == '-' || ch == ' ' || ch == '/')
            marks++;
        else if (ch != '.' && ch != ',')
            other++;
    }
    if (is_date(s, n))
        return SH_DATE;
    if (!other && digits >= 7 && (marks || digits >= 9))
        return SH_PHONE;
    if (!other && digits && marks <= 1 && (marks == 0 || s[0] == '-' || s[0] == '+'))
        return SH_NUMBER;
    return SH_TEXT;
}

/* Values that look like data, not like a header cell. */
static int data_like(enum shape sh)
{
    return sh != SH_EMPTY && sh != SH_TEXT;
}

static int is_numeric_type(const char *type)
{
    static const char *const num[] = {"int",    "numeric", "decimal", "real",
                                      "double", "float",   "serial",  "money"};
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
        if (strstr(type, num[i]))
            return 1;
    return 0;
}

/* The shape a column wants to refuse, or SH_EMPTY when sh fits it. */
static int misfit(const struct sl_targets *t, int k, enum shape sh)
{
    if (sh == SH_EMPTY)
        return 0;
    if (t->biz) {
        const char *col = t->name[k];
        if (!strcmp(col, "email"))
            return sh != SH_EMAIL;
        if (!strcmp(col, "website"))
            return sh == SH_EMAIL || sh == SH_PHONE;
        if (!strcmp(col, "phone"))
            return sh == SH_EMAIL || sh == SH_URL;
        if (!strcmp(col, "description"))
            return sh == SH_EMAIL;
        return sh == SH_EMAIL || sh == SH_URL;
    }
    if (is_numeric_type(t->type[k]))
        return sh != SH_NUMBER && sh != SH_PHONE;
    return 0;
}

/* The businesses column whose shape sh is, for the advice. */
static const char *home_of(enum shape sh)
{
    return sh == SH_EMAIL ? "email" : sh == SH_URL ? "website" : sh == SH_PHONE ? "phone" : NULL;
}

/* What the values of one column of the sheet look like against the
 * target column they would go into. */
struct col_shapes {
    size_t values, bad, count[SH_DATE + 1];
    const char *example; /* the first misfit */
    long long example_row;
    enum shape most; /* the most common shape but empty */
};

static void column_shapes(const struct sl_lookahead *la, size_t from, size_t i, int k,
                          const struct sl_targets *t, struct col_shapes *cs)
{
    memset(cs, 0, sizeof *cs);
    for (size_t r = from; r < la->n; r++) {
        const struct sl_row *row = &la->rows[r];
        if (i >= row->ncells)
            continue;
        enum shape sh = shape_of(&row->cells[i]);
        if (sh == SH_EMPTY)
            continue;
        cs->values++;
        cs->count[sh]++;
        if (!misfit(t, k, sh))
            continue;
        cs->bad++;
        if (!cs->example) {
            cs->example = row->cells[i].text;
            cs->example_row = row->num;
        }
    }
    cs->most = SH_TEXT;
    for (int sh = SH_TEXT; sh <= SH_DATE; sh++)
        if (cs->count[sh] > cs->count[cs->most])
            cs->most = (enum shape)sh;
}

/* The refusal of column i (header cell hdr's, if named) whose values are
 * mostly not of target column k's kind, with what to do about it. */
static int refuse_shapes(size_t i, int k, const struct sl_targets *t, const struct sl_row *hdr,
                         const struct col_shapes *cs, struct sl_error *err)
{
    char letters[8], cell[96], advice[300];
    sl_col_letters((long long)i + 1, letters);
    const char *name = hdr && i < hdr->ncells && hdr->cells[i].len ? hdr->cells[i].text : NULL;
    const char *home = t->biz ? home_of(cs->most) : NULL;
    if (name)
        snprintf(cell, sizeof cell, "header cell '%.60s' (%s)", name, letters);
    else
        snprintf(cell, sizeof cell, "column %s of the sheet", letters);
    if (home && name)
        snprintf(advice, sizeof advice,
                 "map it with --map '%.60s=%s', or ignore it with --map '%.60s='", name, home,
                 name);
    else if (name)
        snprintf(advice, sizeof advice,
                 "map it to another column with --map '%.60s=...', or ignore it with --map "
                 "'%.60s='",
                 name, name);
    else if (home)
        snprintf(advice, sizeof advice,
                 "give the columns in the sheet's order with --columns (here column %s is '%s')",
                 letters, home);
    else
        snprintf(advice, sizeof advice, "give the columns in the sheet's order with --columns");
    return sl_err_set(err, SL_ESCHEMA,
                      "%s would go into column '%s', but %zu of its %zu values in the first "
                      "rows are %s, not %s values (row %lld: '%.60s'); %s",
                      cell, t->name[k], cs->bad, cs->values, shape_name[cs->most],
                      t->biz ? t->name[k] : t->type[k], cs->example_row,
                      cs->example ? cs->example : "", advice);
}

int sl_header_check_shapes(const struct sl_lookahead *la, size_t from, const int *map, size_t nmap,
                           const struct sl_targets *t, const struct sl_row *hdr,
                           struct sl_error *err)
{
    for (size_t i = 0; i < nmap; i++) {
        if (map[i] < 0)
            continue;
        struct col_shapes cs;
        column_shapes(la, from, i, map[i], t, &cs);
        if (cs.bad && cs.bad * 2 > cs.values)
            return refuse_shapes(i, map[i], t, hdr, &cs, err);
    }
    return 0;
}

/* ---- finding the header ------------------------------------------------------------ */

static size_t nonempty(const struct sl_row *row)
{
    size_t k = 0;
    for (size_t i = 0; i < row->ncells; i++)
        if (shape_of(&row->cells[i]) != SH_EMPTY)
            k++;
    return k;
}

static size_t count_data_like(const struct sl_row *row)
{
    size_t k = 0;
    for (size_t i = 0; i < row->ncells; i++)
        if (data_like(shape_of(&row->cells[i])))
            k++;
    return k;
}

/* Short, distinct text, nothing that looks like data, at least two cells. */
static int header_like(const struct sl_row *row)
{
    size_t k = nonempty(row);
    if (k < 2 || k > 256 || count_data_like(row))
        return 0; /* (a header of 257 cells and more is not guessed at) */
    for (size_t i = 0; i < row->ncells; i++) {
        const struct sl_cell *c = &row->cells[i];
        if (shape_of(c) == SH_EMPTY)
            continue;
        if (c->kind != SL_CELL_STRING || c->len > 64)
            return 0;
        char a[SL_HEADER_NORM], b[SL_HEADER_NORM];
        sl_header_norm(c->text, c->len, a, sizeof a);
        for (size_t j = 0; j < i; j++) {
            if (shape_of(&row->cells[j]) == SH_EMPTY)
                continue;
            sl_header_norm(row->cells[j].text, row->cells[j].len, b, sizeof b);
            if (!strcmp(a, b))
                return 0;
        }
    }
    return 1;
}

/* A row of data: two or more values that look like data. */
static int data_row(const struct sl_row *row)
{
    return count_data_like(row) >= 2;
}

static int match_row(const struct sl_row *row, const struct sl_targets *t,
                     const struct sl_usermap *m, struct sheetload_match **out)
{
    *out = sl_calloc(row->ncells ? row->ncells : 1, sizeof **out);
    if (!*out)
        return SL_ENOMEM;
    return sl_header_match(row->cells, row->ncells, t, m, *out);
}

static void list_columns(struct sl_buf *b, const struct sl_targets *t)
{
    for (size_t k = 0; k < t->n && b->len < 400; k++)
        sl_buf_addf(b, "%s%s", k ? ", " : "", t->name[k]);
    if (t->n && b->len >= 400)
        sl_buf_addstr(b, ", ...");
}

/* The refusal: a header that names nothing. */
static int refuse(const struct sl_row *row, const struct sl_targets *t, const char *table,
                  int given, struct sl_error *err)
{
    struct sl_buf cells, cols;
    sl_buf_init(&cells, 500);
    sl_buf_init(&cols, 500);
    const char *first = NULL;
    for (size_t i = 0; i < row->ncells && cells.len < 300; i++) {
        if (shape_of(&row->cells[i]) == SH_EMPTY)
            continue;
        if (!first)
            first = row->cells[i].text;
        sl_buf_addf(&cells, "%s'%.40s'", cells.len ? ", " : "", row->cells[i].text);
    }
    list_columns(&cols, t);
    int rc = sl_err_set(err, SL_ESCHEMA,
                        "row %lld %s (%s) but none of its cells names a column of table '%s' (%s); "
                        "say which is which with --map '%.40s=%s,...', give the columns by "
                        "position with --columns, or read every row as data with --header none",
                        row->num, given ? "is the header given" : "looks like a header",
                        cells.data ? cells.data : "", table, cols.data ? cols.data : "",
                        first ? first : "", t->n ? t->name[0] : "column");
    sl_buf_release(&cells);
    sl_buf_release(&cols);
    return rc;
}

/* --columns: the header is the first row whose non-empty cells are those
 * names at those positions (none: every row is data). */
static long long find_columns_header(const struct sl_lookahead *la, const struct sl_targets *t,
                                     const char *columns)
{
    char keys[64][SL_HEADER_NORM];
    size_t nk = 0;
    for (const char *s = columns; *s && nk < 64;) {
        size_t len = strcspn(s, ",");
        sl_header_norm(s, len, keys[nk++], SL_HEADER_NORM);
        s += len;
        if (*s == ',')
            s++;
    }
    (void)t;
    for (size_t r = 0; r < la->n; r++) {
        const struct sl_row *row = &la->rows[r];
        int named = 0, other = 0;
        for (size_t i = 0; i < row->ncells; i++) {
            if (shape_of(&row->cells[i]) == SH_EMPTY)
                continue;
            char key[SL_HEADER_NORM];
            sl_header_norm(row->cells[i].text, row->cells[i].len, key, sizeof key);
            if (i < nk && *keys[i] && !strcmp(key, keys[i]))
                named++;
            else
                other++;
        }
        if (named && !other)
            return (long long)r;
        if (data_row(row))
            break;
    }
    return -1;
}

static long long index_of_row(const struct sl_lookahead *la, long long num)
{
    for (size_t r = 0; r < la->n; r++)
        if (la->rows[r].num == num)
            return (long long)r;
    return -1;
}

/* Row r is the header: the data starts below it, its cells matched in
 * out->m. The number of cells that name a column, or SL_ENOMEM (said). */
static int take_header(const struct sl_lookahead *la, size_t r, const struct sl_targets *t,
                       const struct sl_usermap *m, struct sl_header_choice *out,
                       struct sl_error *err)
{
    out->header = (long long)r;
    out->data = r + 1;
    int named = match_row(&la->rows[r], t, m, &out->m);
    if (named < 0)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    out->nm = la->rows[r].ncells;
    return named;
}

/* --header N: row N, which must name a column unless --columns says
 * which is which. */
static int given_header(const struct sl_lookahead *la, const struct sheetload_opts *o,
                        const struct sl_targets *t, const struct sl_usermap *m, const char *table,
                        struct sl_header_choice *out, struct sl_error *err)
{
    long long h = index_of_row(la, o->header_row);
    if (h < 0)
        return sl_err_set(err, SL_EINVAL, "--header %lld: the sheet has no row %lld%s",
                          o->header_row, o->header_row,
                          la->n && la->rows[la->n - 1].num < o->header_row ? " (it ends before)"
                                                                           : " (it is empty)");
    if (o->columns) {
        out->header = h;
        out->data = (size_t)h + 1;
        return 0;
    }
    int named = take_header(la, (size_t)h, t, m, out, err);
    if (named < 0)
        return named;
    return named ? 0 : refuse(&la->rows[h], t, table, 1, err);
}

/* The row that names the most columns above the first row of data (*best,
 * -1 = none; *first_data: la->n = none). 0 or SL_ENOMEM (said). */
static int best_header(const struct sl_lookahead *la, const struct sl_targets *t,
                       const struct sl_usermap *m, long long *best, size_t *first_data,
                       struct sl_error *err)
{
    int bestn = 0;
    *best = -1;
    *first_data = la->n;
    for (size_t r = 0; r < la->n && r < SHEETLOAD_HEADER_SCAN; r++) {
        const struct sl_row *row = &la->rows[r];
        if (data_row(row)) {
            *first_data = r;
            break;
        }
        if (!nonempty(row))
            continue;
        struct sheetload_match *mm = NULL;
        int named = match_row(row, t, m, &mm);
        sl_free(mm);
        if (named < 0)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        if (named > bestn) {
            bestn = named;
            *best = (long long)r;
        }
    }
    return 0;
}

int sl_header_find(const struct sl_lookahead *la, const struct sheetload_opts *o,
                   const struct sl_targets *t, const struct sl_usermap *m,
                   struct sl_header_choice *out, struct sl_error *err)
{
    const char *table = o->table ? o->table : SL_LOAD_DEFAULT_TABLE;
    memset(out, 0, sizeof *out);
    out->header = -1;
    if (o->header_row == SHEETLOAD_HEADER_NONE)
        return 0;
    if (o->header_row > 0)
        return given_header(la, o, t, m, table, out, err);
    if (o->columns) {
        long long h = find_columns_header(la, t, o->columns);
        out->header = h;
        out->data = h < 0 ? 0 : (size_t)h + 1;
        return 0;
    }
    long long best;
    size_t first_data;
    int rc = best_header(la, t, m, &best, &first_data, err);
    if (rc)
        return rc;
    if (best >= 0) {
        rc = take_header(la, (size_t)best, t, m, out, err);
        return rc < 0 ? rc : 0;
    }
    /* No header. A row above the data that looks like one is refused. */
    if (first_data == la->n) {
        for (size_t r = 0; r < la->n; r++)
            if (header_like(&la->rows[r]))
                return refuse(&la->rows[r], t, table, 0, err);
    } else {
        for (size_t r = first_data; r-- > 0;)
            if (header_like(&la->rows[r]))
                return refuse(&la->rows[r], t, table, 0, err);
    }
    return 0;
}

void sl_header_choice_release(struct sl_header_choice *c)
{
    sl_free(c->m);
    c->m = NULL;
    c->nm = 0;
}

/* ---- the public matcher ------------------------------------------------------------- */

const char *sheetload_match_how_name(int how)
{
    static const char *const names[] = {"none", "empty",    "name",  "synonym",  "map",
                                        "skip", "position", "taken", "duplicate"};
    return how >= 0 && how <= SHEETLOAD_MATCH_DUPLICATE ? names[how] : "none";
}

int sheetload_match_header(const char *const *cells, size_t ncells, const char *const *columns,
                           size_t ncolumns, const char *map, struct sheetload_match *out,
                           struct sl_error *err)
{
    struct sl_sink_column *cols = NULL;
    struct sl_targets t;
    struct sl_usermap m;
    struct sl_cell *c = sl_calloc(ncells ? ncells : 1, sizeof *c);
    int rc;
    memset(&m, 0, sizeof m);
    if (!c)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    if (columns) {
        if (!(cols = sl_calloc(ncolumns ? ncolumns : 1, sizeof *cols))) {
            sl_free(c);
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        for (size_t k = 0; k < ncolumns; k++)
            sl_strlcpy(cols[k].name, columns[k] ? columns[k] : "", sizeof cols[k].name);
    }
    if ((rc = sl_targets_init(&t, cols, ncolumns))) {
        sl_free(c);
        sl_free(cols);
        return sl_err_set(err, rc, "out of memory");
    }
    for (size_t i = 0; i < ncells; i++) {
        c[i].text = cells[i] ? cells[i] : "";
        c[i].len = strlen(c[i].text);
        c[i].kind = c[i].len ? SL_CELL_STRING : SL_CELL_EMPTY;
    }
    rc = sl_usermap_parse(&m, map, NULL, &t, err);
    if (!rc)
        rc = sl_header_match(c, ncells, &t, &m, out);
    if (rc == -1)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
    sl_usermap_release(&m);
    sl_targets_release(&t);
    sl_free(cols);
    sl_free(c);
    return rc;
}
