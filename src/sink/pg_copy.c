/* pg_copy.c - the PostgreSQL sink's COPY: binary when every column is text
 * or a timestamp of the usual shape, else text; sent in 1 MiB chunks; a
 * refused row is found from the error's context line. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "sink/pg_int.h"

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (or 'T') → microseconds since
 * 2000-01-01 00:00:00 UTC, PostgreSQL's binary timestamp. -1 when v is not
 * exactly that shape (the caller then uses text COPY). */
static int parse_ts(const char *v, int64_t *us)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, frac = 0;
    size_t n = strlen(v);
    if (n < 19 || v[4] != '-' || v[7] != '-' || (v[10] != ' ' && v[10] != 'T') || v[13] != ':' ||
        v[16] != ':')
        return -1;
    if (digits(v, 4, &y) || digits(v + 5, 2, &mo) || digits(v + 8, 2, &d) ||
        digits(v + 11, 2, &h) || digits(v + 14, 2, &mi) || digits(v + 17, 2, &sec))
        return -1;
    if (n > 19) {
        int nf = (int)(n - 20);
        if (v[19] != '.' || nf < 1 || nf > 6 || digits(v + 20, nf, &frac))
            return -1;
        for (int i = nf; i < 6; i++)
            frac *= 10;
    }
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
        mi > 59 || sec > 59)
        return -1;
    int64_t days = days_from_civil(y, mo, d) - 10957; /* 2000-01-01 */
    *us = ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + sec * INT64_C(1000000) + frac;
    return 0;
}

/* Can every timestamp value of these rows go in binary? */
static int ts_all_binary(const struct sl_pg *p, const char *const *vals, size_t nrows)
{
    int64_t us;
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < p->ncols; c++) {
            const char *v = vals[r * p->ncols + c];
            if (p->kind[c] == K_TS && v && parse_ts(v, &us))
                return 0;
        }
    return 1;
}

static inline void put_be32(char *d, uint32_t x)
{
    d[0] = (char)(x >> 24);
    d[1] = (char)(x >> 16);
    d[2] = (char)(x >> 8);
    d[3] = (char)x;
}

static inline void put_be64(char *d, uint64_t x)
{
    put_be32(d, (uint32_t)(x >> 32));
    put_be32(d + 4, (uint32_t)x);
}

static int add_row_binary(struct sl_pg *p, const char *const *row)
{
    struct sl_buf *b = &p->copy;
    size_t need = 2;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (!v)
            p->lens[c] = 0;
        else if (p->kind[c] == K_TS)
            p->lens[c] = 8;
        else if ((p->lens[c] = strlen(v)) > INT32_MAX)
            return SL_ELIMIT;
        need += 4 + p->lens[c];
    }
    if (sl_buf_grow(b, need))
        return b->err;
    char *d = b->data + b->len;
    d[0] = (char)(p->ncols >> 8);
    d[1] = (char)p->ncols;
    d += 2;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (!v) {
            put_be32(d, UINT32_MAX); /* -1: NULL */
            d += 4;
        } else if (p->kind[c] == K_TS) {
            int64_t us = 0;
            parse_ts(v, &us); /* checked by ts_all_binary */
            put_be32(d, 8);
            put_be64(d + 4, (uint64_t)us);
            d += 12;
        } else {
            put_be32(d, (uint32_t)p->lens[c]);
            memcpy(d + 4, v, p->lens[c]);
            d += 4 + p->lens[c];
        }
    }
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
    return 0;
}

static int add_row_text(struct sl_pg *p, const char *const *row)
{
    struct sl_buf *b = &p->copy;
    size_t need = 0;
    for (size_t c = 0; c < p->ncols; c++)
        need += row[c] ? 2 * (p->lens[c] = strlen(row[c])) + 1 : 3;
    if (sl_buf_grow(b, need))
        return b->err;
    char *d = b->data + b->len;
    for (size_t c = 0; c < p->ncols; c++) {
        const char *v = row[c];
        if (c)
            *d++ = '\t';
        if (!v) {
            *d++ = '\\';
            *d++ = 'N';
            continue;
        }
        for (;;) {
            size_t run = strcspn(v, "\\\t\n\r");
            memcpy(d, v, run);
            d += run;
            v += run;
            if (!*v)
                break;
            *d++ = '\\';
            *d++ = *v == '\t' ? 't' : *v == '\n' ? 'n' : *v == '\r' ? 'r' : '\\';
            v++;
        }
    }
    *d++ = '\n';
    b->len = (size_t)(d - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* The 1-based line of "COPY t, line N[, column c: ...]" in a context. */
static long copy_line(const char *ctx)
{
    for (const char *l = ctx; l && *l;) {
        if (!strncmp(l, "COPY ", 5)) {
            const char *nl = strchr(l, '\n');
            const char *at = strstr(l, ", line ");
            if (at && (!nl || at < nl)) {
                char *end;
                long n = strtol(at + 7, &end, 10);
                if (end != at + 7)
                    return n;
            }
        }
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return 0;
}

static int flush_copy(struct sl_pg *p)
{
    if (p->copy.len == 0)
        return 0;
    int r = sl_pq.put_copy_data(p->conn, p->copy.data, (int)p->copy.len);
    sl_buf_reset(&p->copy);
    return r == 1 ? 0 : -1;
}

/* COPY ... FROM STDIN, started. */
static int copy_start(struct sl_pg *p, int binary, struct sl_error *err)
{
    struct sl_buf sql;
    sl_buf_init(&sql, 0);
    sl_buf_addf(&sql, "COPY %s (%s) FROM STDIN%s", p->qtable, p->qcols,
                binary ? " (FORMAT binary)" : "");
    if (sql.err) {
        sl_buf_release(&sql);
        return sl_err_set(err, SL_ENOMEM, "out of memory building a COPY");
    }
    PGresult *res = sl_pq.exec(p->conn, sql.data);
    sl_buf_release(&sql);
    int rc = sl_pg_check(p, res, PGRES_COPY_IN, err);
    if (!rc)
        sl_pq.clear(res);
    return rc;
}

/* The rows as COPY data, sent in chunks of COPY_CHUNK, then the end of the
 * data (or an abort). *local: why the data stopped short (SL_ELIMIT at
 * *bad_row, SL_ENOMEM), else 0. Returns 1 while the connection took all. */
static int copy_send(struct sl_pg *p, int binary, const char *const *vals, size_t nrows,
                     long *bad_row, int *local)
{
    static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
    int sent_ok = 1;
    *local = 0;
    sl_buf_reset(&p->copy);
    if (binary)
        sl_buf_add(&p->copy, header, sizeof header);
    for (size_t r = 0; r < nrows && sent_ok; r++) {
        const char *const *row = vals + r * p->ncols;
        *local = binary ? add_row_binary(p, row) : add_row_text(p, row);
        if (*local) {
            *bad_row = (long)r;
            break;
        }
        if (p->copy.len >= COPY_CHUNK)
            sent_ok = flush_copy(p) == 0;
    }
    if (!*local && sent_ok) {
        if (binary)
            sl_buf_add(&p->copy, "\377\377", 2);
        *local = p->copy.err;
        if (!*local)
            sent_ok = flush_copy(p) == 0;
    }
    sl_buf_reset(&p->copy);
    if (sent_ok)
        sl_pq.put_copy_end(p->conn, *local ? "sheetload stopped the COPY" : NULL);
    return sent_ok;
}

/* The COPY's outcome; rc, the error so far, stays the first. A refused
 * row's line goes to *bad_row. */
static int copy_outcome(struct sl_pg *p, size_t nrows, long *bad_row, int rc, struct sl_error *err)
{
    PGresult *res;
    int guard = 0;
    while ((res = sl_pq.get_result(p->conn)) != NULL) {
        ExecStatusType st = sl_pq.result_status(res);
        if (st == PGRES_COPY_IN) {
            sl_pq.clear(res);
            if (++guard > 3) { /* libpq stays in COPY: the connection is unusable */
                if (rc == 0)
                    rc = sl_err_set(err, SL_ERETRY,
                                    "COPY into %s could not be ended; "
                                    "reconnect",
                                    p->qtable);
                break;
            }
            sl_pq.put_copy_end(p->conn, "sheetload stopped the COPY");
            continue;
        }
        if (st != PGRES_COMMAND_OK && rc == 0) {
            rc = sl_pg_err(p, res, err);
            long line = copy_line(sl_pq.result_error_field(res, PG_DIAG_CONTEXT));
            if (line >= 1 && (size_t)line <= nrows)
                *bad_row = line - 1;
        }
        sl_pq.clear(res);
    }
    return rc;
}

int sl_pg_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                    struct sl_error *err)
{
    struct sl_pg *p = (struct sl_pg *)s;
    int rc, local = 0;
    if (!p->prepared)
        return sl_err_set(err, SL_EINVAL, "copy before sl_sink_prepare_insert");
    int binary = p->base.copy_binary && p->base.copy_binary_ok;
    if (binary && p->has_ts && !ts_all_binary(p, vals, nrows))
        binary = 0;
    if ((rc = copy_start(p, binary, err)))
        return rc;
    int sent_ok = copy_send(p, binary, vals, nrows, bad_row, &local);
    if (local)
        rc = local == SL_ELIMIT
                 ? sl_err_set(err, local, "row %ld has a value too long for COPY", *bad_row + 1)
                 : sl_err_set(err, local, "out of memory building COPY data");
    rc = copy_outcome(p, nrows, bad_row, rc, err);
    if (rc == 0 && !sent_ok)
        rc = sl_pg_err(p, NULL, err);
    return rc;
}
