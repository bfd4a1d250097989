/* convert.c - a source row becomes the values of one table row: trimmed
 * text, empty = NULL, and the businesses rules (name required, a plausible
 * email and website). Runs on the convert workers, one block at a time;
 * touches only the block it was given and the read-only plan. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/buf.h"
#include "base/csvw.h"
#include "load/load.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A value for a message: quoted by the caller, cut at 60 bytes (on a
 * character boundary) with "..." appended. */
static void shorten(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s), max = cap > 64 ? 60 : cap - 4;
    if (n <= max) {
        memcpy(out, s, n + 1);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    memcpy(out, s, max);
    memcpy(out + max, "...", 4);
}

static int why_set(char *why, size_t cap, const char *what, const char *s, const char *tail)
{
    char v[72];
    shorten(s, v, sizeof v);
    snprintf(why, cap, "%s '%s' %s", what, v, tail);
    return -1;
}

static int has_space(const char *s)
{
    for (; *s; s++)
        if (is_space((unsigned char)*s))
            return 1;
    return 0;
}

int sl_validate_email(const char *s, char *why, size_t cap)
{
    if (has_space(s))
        return why_set(why, cap, "email", s, "contains whitespace");
    const char *at = strchr(s, '@');
    if (!at)
        return why_set(why, cap, "email", s, "has no '@'");
    if (strchr(at + 1, '@'))
        return why_set(why, cap, "email", s, "has more than one '@'");
    if (at == s)
        return why_set(why, cap, "email", s, "has nothing before the '@'");
    const char *dom = at + 1;
    size_t n = strlen(dom);
    if (n == 0)
        return why_set(why, cap, "email", s, "has nothing after the '@'");
    if (dom[0] == '.' || dom[n - 1] == '.')
        return why_set(why, cap, "email", s, "has a domain that starts or ends with a dot");
    if (!strchr(dom, '.'))
        return why_set(why, cap, "email", s, "has no dot in its domain");
    return 0;
}

int sl_validate_website(const char *s, char *why, size_t cap)
{
    if (has_space(s))
        return why_set(why, cap, "website", s, "contains whitespace");
    const char *host = s;
    int scheme = 0;
    if (!strncasecmp(s, "http://", 7))
        host = s + 7, scheme = 1;
    else if (!strncasecmp(s, "https://", 8))
        host = s + 8, scheme = 1;
    size_t n = strcspn(host, "/?#");
    if (scheme) {
        if (n == 0)
            return why_set(why, cap, "website", s, "has no host after the scheme");
        return 0;
    }
    if (strstr(s, "://"))
        return why_set(why, cap, "website", s, "is not an http:// or https:// address");
    const char *dot = memchr(host, '.', n);
    if (n == 0 || !dot || host[0] == '.' || host[n - 1] == '.')
        return why_set(why, cap, "website", s,
                       "is neither an http(s) URL nor a host name with a dot");
    return 0;
}

void sl_name_norm(const char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '_' || c == '\t' || c == '\r' || c == '\n')
            continue;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
}

void sl_csv_record(struct sl_buf *b, const struct sl_bcell *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            sl_buf_addch(b, ',');
        sl_csvw_add(b, cells[i].text, cells[i].len, SL_REJECT_CSVW);
    }
}

static int reject(struct sl_block *b, struct sl_brow *r, const char *why)
{
    r->state = SL_ROW_REJECT;
    r->reason = sl_arena_strndup(&b->arena, why, strlen(why));
    if (!r->reason)
        return SL_ENOMEM;
    return 0;
}

static int convert_row(const struct sl_plan *p, struct sl_block *b, struct sl_brow *r)
{
    char why[256];
    int blank = 1;
    for (size_t i = 0; i < r->ncells && blank; i++) {
        const char *t = r->cells[i].text;
        for (size_t k = 0; k < r->cells[i].len; k++)
            if (!is_space((unsigned char)t[k])) {
                blank = 0;
                break;
            }
    }
    if (blank) {
        r->state = SL_ROW_BLANK;
        return 0;
    }
    r->vals = sl_arena_alloc(&b->arena, (p->ncols ? p->ncols : 1) * sizeof *r->vals);
    if (!r->vals)
        return SL_ENOMEM;
    for (size_t j = 0; j < p->ncols; j++)
        r->vals[j] = NULL;
    size_t n = r->ncells < p->nmap ? r->ncells : p->nmap;
    for (size_t i = 0; i < n; i++) {
        int j = p->map[i];
        if (j < 0)
            continue;
        const char *t = r->cells[i].text;
        size_t len = r->cells[i].len;
        if (memchr(t, '\0', len)) {
            snprintf(why, sizeof why,
                     "%s holds a NUL character (U+0000), which a database text value cannot hold",
                     p->cols[j]);
            return reject(b, r, why);
        }
        size_t lo = 0, hi = len;
        while (lo < hi && is_space((unsigned char)t[lo]))
            lo++;
        while (hi > lo && is_space((unsigned char)t[hi - 1]))
            hi--;
        if (lo == hi)
            continue;
        if (hi == len)
            r->vals[j] = t + lo;
        else if (!(r->vals[j] = sl_arena_strndup(&b->arena, t + lo, hi - lo)))
            return SL_ENOMEM;
    }
    if (p->stamp1 >= 0)
        r->vals[p->stamp1] = p->stamp;
    if (p->stamp2 >= 0)
        r->vals[p->stamp2] = p->stamp;
    if (p->v_name >= 0 && !r->vals[p->v_name])
        return reject(b, r, "name is empty (a business needs a name)");
    if (p->v_email >= 0 && r->vals[p->v_email] &&
        sl_validate_email(r->vals[p->v_email], why, sizeof why))
        return reject(b, r, why);
    if (p->v_website >= 0 && r->vals[p->v_website] &&
        sl_validate_website(r->vals[p->v_website], why, sizeof why))
        return reject(b, r, why);
    r->state = SL_ROW_OK;
    return 0;
}

int sl_convert_block(const struct sl_plan *p, struct sl_block *b)
{
    for (size_t i = 0; i < b->nrows; i++) {
        int rc = convert_row(p, b, &b->rows[i]);
        if (rc)
            return rc;
    }
    return 0;
}
