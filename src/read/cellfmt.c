/* cellfmt.c - numbers, dates, times and _xHHHH_ escapes as text (SPEC §4-6). */
#include "read/cellfmt.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

/* ------------------------------------------------------------ formats */

int sl_numfmt_builtin(long id)
{
    if (id == 46)
        return SL_NF_ELAPSED;
    if ((id >= 18 && id <= 21) || (id >= 32 && id <= 35) || id == 45 || id == 47 || id == 55 ||
        id == 56)
        return SL_NF_TIME;
    if ((id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 31) || id == 36 ||
        (id >= 50 && id <= 54) || id == 57 || id == 58)
        return SL_NF_DATE;
    return SL_NF_NONE;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Copies the first section of code into out (which holds strlen(code)+1):
 * up to the first ';' outside quotes and not backslash-escaped. */
static size_t first_section(const char *code, char *out)
{
    size_t n = 0;
    int inq = 0;
    for (size_t i = 0; code[i]; i++) {
        char c = code[i];
        if (c == '"') {
            inq = !inq;
        } else if (c == '\\' && !inq) {
            out[n++] = c;
            if (code[i + 1])
                out[n++] = code[++i];
            continue;
        } else if (c == ';' && !inq) {
            break;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

/* Case-insensitive "does s start with lit". */
static int starts_ci(const char *s, const char *lit)
{
    for (; *lit; s++, lit++)
        if (lower(*s) != *lit)
            return 0;
    return 1;
}

/* Each pass below rewrites the string in place; every pass only shrinks it. */
static void drop_quoted(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (*r == '"') {
            char *q = strchr(r + 1, '"');
            if (q) {
                r = q + 1;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
}

/* Removes "<c>X" pairs where c is in set (X any character but LF, as a
 * regular expression's '.'). */
static void drop_pairs(char *s, const char *set)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (strchr(set, *r) && r[1] && r[1] != '\n') {
            r += 2;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

/* [h+], [m+], [s+] (any case) become "h" and are noted; then every other
 * [...] goes. */
static int brackets(char *s)
{
    int elapsed = 0;
    char *w = s;
    for (char *r = s; *r;) {
        if (*r == '[') {
            char l = lower(r[1]);
            if (l == 'h' || l == 'm' || l == 's') {
                char *p = r + 1;
                while (lower(*p) == l)
                    p++;
                if (*p == ']') {
                    elapsed = 1;
                    *w++ = 'h';
                    r = p + 1;
                    continue;
                }
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    w = s;
    for (char *r = s; *r;) {
        if (*r == '[') {
            char *q = strchr(r + 1, ']');
            if (q) {
                r = q + 1;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return elapsed;
}

/* Removes every (case-insensitive) occurrence of the lower-case words;
 * returns whether one was there. */
static int drop_words(char *s, const char *const *words)
{
    int seen = 0;
    char *w = s;
    for (char *r = s; *r;) {
        size_t k = 0;
        for (const char *const *wd = words; *wd; wd++)
            if (starts_ci(r, *wd)) {
                k = strlen(*wd);
                break;
            }
        if (k) {
            seen = 1;
            r += k;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return seen;
}

int sl_numfmt_classify(const char *code, int *pad)
{
    if (pad)
        *pad = 0;
    if (!code || !*code)
        return SL_NF_NONE;
    size_t len = strlen(code);
    char *s = sl_malloc(len + 1);
    if (!s)
        return SL_NF_NONE;
    size_t n = first_section(code, s);
    if (pad && n >= 2 && strspn(s, "0") == n)
        *pad = n > 30 ? 30 : (int)n;
    drop_quoted(s);
    drop_pairs(s, "\\");
    drop_pairs(s, "_*");
    int elapsed = brackets(s);
    static const char *const ampm[] = {"am/pm", "a/p", NULL};
    int has_ampm = drop_words(s, ampm);
    static const char *const general[] = {"general", NULL};
    drop_words(s, general);
    int y = 0, d = 0, h = 0, sec = 0, m = 0;
    for (char *p = s; *p; p++) {
        switch (lower(*p)) {
        case 'y':
            y = 1;
            break;
        case 'd':
            d = 1;
            break;
        case 'h':
            h = 1;
            break;
        case 's':
            sec = 1;
            break;
        case 'm':
            m = 1;
            break;
        }
    }
    sl_free(s);
    if (y || d)
        return SL_NF_DATE;
    if (h || sec || has_ampm)
        return elapsed ? SL_NF_ELAPSED : SL_NF_TIME;
    if (m)
        return SL_NF_DATE;
    return SL_NF_NONE;
}

/* ------------------------------------------------------------ numbers */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int sl_parse_double(const char *s, size_t n, double *out)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 0 || n > 400)
        return -1;
    char tmp[404];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        /* Python's float() takes no hex, and strtod's nan(...) form is not
         * Python's either; underscores between digits are Python's. */
        if (c == 'x' || c == 'X' || c == '(' || c == '\0')
            return -1;
        if (c == '_') {
            if (i == 0 || i + 1 == n || !(s[i - 1] >= '0' && s[i - 1] <= '9') ||
                !(s[i + 1] >= '0' && s[i + 1] <= '9'))
                return -1;
            continue;
        }
        tmp[k++] = c;
    }
    tmp[k] = '\0';
    char *end;
    double x = strtod(tmp, &end);
    if (end != tmp + k)
        return -1;
    *out = x;
    return 0;
}

/* Writes the decimal digits of v (v < 1e16) and returns their count. */
static size_t put_uint(uint64_t v, char *out)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t sl_fmt_number(double x, char *out)
{
    size_t n = 0;
    if (isnan(x)) {
        memcpy(out, "nan", 4);
        return 3;
    }
    if (isinf(x)) {
        memcpy(out, x < 0 ? "-inf" : "inf", x < 0 ? 5 : 4);
        return x < 0 ? 4 : 3;
    }
    if (fabs(x) < 1e15 && x == floor(x)) {
        if (x < 0) {
            out[n++] = '-';
            x = -x;
        }
        n += put_uint((uint64_t)x, out + n);
        out[n] = '\0';
        return n;
    }
    /* The shortest of 15, 16, 17 significant digits that reads back: for a
     * normal double, 15 digits with trailing zeros dropped is the shortest
     * when it reads back. Subnormals have fewer digits of precision, so
     * they are searched from 1. */
    char e[40];
    for (int p = fabs(x) < DBL_MIN ? 1 : 15; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, x);
        if (strtod(e, NULL) == x)
            break;
    }
    const char *p = e;
    if (*p == '-') {
        out[n++] = '-';
        p++;
    }
    char dig[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            dig[nd++] = *p;
    int exp = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++)
                out[n++] = (size_t)i < nd ? dig[i] : '0';
            out[n++] = '.';
            if ((size_t)exp + 1 < nd)
                for (size_t i = (size_t)exp + 1; i < nd; i++)
                    out[n++] = dig[i];
            else
                out[n++] = '0';
        } else {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = -1; i > exp; i--)
                out[n++] = '0';
            for (size_t i = 0; i < nd; i++)
                out[n++] = dig[i];
        }
    } else {
        out[n++] = dig[0];
        if (nd > 1) {
            out[n++] = '.';
            for (size_t i = 1; i < nd; i++)
                out[n++] = dig[i];
        }
        out[n++] = 'e';
        out[n++] = exp < 0 ? '-' : '+';
        unsigned ax = (unsigned)(exp < 0 ? -exp : exp);
        if (ax < 10)
            out[n++] = '0';
        n += put_uint(ax, out + n);
    }
    out[n] = '\0';
    return n;
}

size_t sl_fmt_number_padded(double x, int width, char *out)
{
    if (width <= 0 || !(x >= 0) || x >= 1e15 || x != floor(x))
        return sl_fmt_number(x, out);
    if (width > SL_CELLFMT_MAX - 2)
        width = SL_CELLFMT_MAX - 2;
    char d[24];
    size_t nd = put_uint((uint64_t)x, d);
    size_t n = 0;
    while (n + nd < (size_t)width)
        out[n++] = '0';
    memcpy(out + n, d, nd);
    n += nd;
    out[n] = '\0';
    return n;
}

/* ------------------------------------------------------------ dates */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(long long z, long long *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long yy = yoe + era * 400;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

/* A civil date to days since 1970-01-01. */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static size_t put2(char *out, long long v)
{
    if (v < 100) {
        out[0] = (char)('0' + v / 10);
        out[1] = (char)('0' + v % 10);
        return 2;
    }
    return put_uint((uint64_t)v, out);
}

static size_t put_hms(char *out, long long h, long long s)
{
    size_t n = put2(out, h);
    out[n++] = ':';
    n += put2(out + n, s / 60 % 60);
    out[n++] = ':';
    n += put2(out + n, s % 60);
    out[n] = '\0';
    return n;
}

/* YYYY-MM-DD[ HH:MM:SS] for days since 1970-01-01; 0 past year 9999. */
static size_t put_date(char *out, long long z, long long secs)
{
    long long y;
    int m, d;
    civil(z, &y, &m, &d);
    if (y < 1 || y > 9999)
        return 0;
    size_t n = 0;
    out[n++] = (char)('0' + y / 1000);
    out[n++] = (char)('0' + y / 100 % 10);
    out[n++] = (char)('0' + y / 10 % 10);
    out[n++] = (char)('0' + y % 10);
    out[n++] = '-';
    n += put2(out + n, m);
    out[n++] = '-';
    n += put2(out + n, d);
    out[n] = '\0';
    if (secs) {
        out[n++] = ' ';
        n += put_hms(out + n, secs / 3600, secs);
    }
    return n;
}

#define DAY_1899_12_30 (-25569LL) /* days from 1970-01-01 */
#define DAY_1904_01_01 (-24107LL)

size_t sl_fmt_serial(double x, int kind, int date1904, char *out)
{
    if (!isfinite(x) || x < 0)
        return 0;
    double t = floor(x * 86400.0 + 0.5);
    if (t > 9.0e18)
        return 0;
    long long total = (long long)t;
    if (kind == SL_NF_ELAPSED)
        return put_hms(out, total / 3600, total);
    if (x >= (date1904 ? 2957004.0 : 2958466.0))
        return 0;
    long long days = total / 86400, secs = total % 86400;
    if (kind == SL_NF_TIME)
        return put_hms(out, secs / 3600, secs);
    if (date1904)
        return put_date(out, DAY_1904_01_01 + days, secs);
    if (days == 60) {
        memcpy(out, "1900-02-29", 11);
        size_t n = 10;
        if (secs) {
            out[n++] = ' ';
            n += put_hms(out + n, secs / 3600, secs);
        }
        return n;
    }
    return put_date(out, DAY_1899_12_30 + days + (days < 60), secs);
}

static int digits(const char *s, size_t n, size_t at, size_t k, long long *v)
{
    if (at + k > n)
        return 0;
    long long r = 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return 0;
        r = r * 10 + (c - '0');
    }
    *v = r;
    return 1;
}

size_t sl_fmt_iso(const char *s, size_t n, int kind, char *out)
{
    size_t i = 0;
    long long y = 0, mo = 0, d = 0, hh = 0, mi = 0, ss = 0;
    int have_date = 0, have_time = 0, round_up = 0;
    while (i < n && is_space(s[i]))
        i++;
    if (digits(s, n, i, 4, &y) && i + 10 <= n && s[i + 4] == '-' && digits(s, n, i + 5, 2, &mo) &&
        s[i + 7] == '-' && digits(s, n, i + 8, 2, &d)) {
        have_date = 1;
        i += 10;
    }
    size_t t = i;
    if (t < n && (s[t] == 'T' || s[t] == ' '))
        t++;
    if (digits(s, n, t, 2, &hh) && t + 2 < n && s[t + 2] == ':' && digits(s, n, t + 3, 2, &mi)) {
        have_time = 1;
        i = t + 5;
        if (i < n && s[i] == ':' && digits(s, n, i + 1, 2, &ss)) {
            i += 3;
            if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
                size_t f = i;
                i++;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                    i++;
                char tmp[48];
                size_t k = i - f < sizeof tmp - 2 ? i - f : sizeof tmp - 2;
                tmp[0] = '0';
                memcpy(tmp + 1, s + f, k);
                tmp[k + 1] = '\0';
                round_up = strtod(tmp, NULL) >= 0.5;
            }
        }
    }
    if (!have_date && !have_time)
        return 0;
    while (i < n && is_space(s[i]))
        i++;
    long long tz;
    if (i < n && s[i] == 'Z') {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-') && digits(s, n, i + 1, 2, &tz)) {
        size_t j = i + 3;
        if (j < n && s[j] == ':')
            j++;
        if (digits(s, n, j, 2, &tz))
            i = j + 2;
    }
    while (i < n && is_space(s[i]))
        i++;
    if (i != n)
        return 0;
    long long z = 0;
    if (have_date) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
            (mo == 2 && d == 29 && !leap))
            return 0;
        z = days_from_civil(y, (int)mo, (int)d);
    }
    long long secs = hh * 3600 + mi * 60 + ss + round_up;
    if (secs >= 86400) {
        secs -= 86400;
        z++;
    }
    if (kind == SL_NF_TIME || kind == SL_NF_ELAPSED || !have_date)
        return put_hms(out, secs / 3600, secs);
    return put_date(out, z, secs);
}

/* ------------------------------------------------------------ escapes */

static int hex4(const char *s, unsigned *v)
{
    unsigned r = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned h;
        if (c >= '0' && c <= '9')
            h = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            h = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            h = (unsigned)(c - 'A' + 10);
        else
            return 0;
        r = r << 4 | h;
    }
    *v = r;
    return 1;
}

/* An escape _xHHHH_ at s[i..n)? */
static int escape_at(const char *s, size_t n, size_t i, unsigned *cp)
{
    return i + 7 <= n && s[i] == '_' && s[i + 1] == 'x' && s[i + 6] == '_' && hex4(s + i + 2, cp);
}

static size_t put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | cp >> 6);
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | cp >> 12);
        w[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | cp >> 18);
    w[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    w[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t sl_xesc_decode(char *s, size_t n)
{
    char *first = (char *)sl_xesc_first(s, n);
    if (!first)
        return n;
    size_t r = (size_t)(first - s), w = r;
    while (r < n) {
        unsigned cp, lo;
        if (s[r] != '_' || !escape_at(s, n, r, &cp)) {
            s[w++] = s[r++];
            continue;
        }
        r += 7;
        if (cp >= 0xD800 && cp <= 0xDBFF && escape_at(s, n, r, &lo) && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            r += 7;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        w += put_utf8(s + w, cp);
    }
    return w;
}
