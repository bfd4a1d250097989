/* stats.c - the statistics of an import as JSON (the tutorial's ImportStats
 * names first: total_records, success_count, error_count, duration,
 * records_per_second; then ours), and the names of the methods and of the
 * index modes. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "load/header.h"
#include "load/load.h"

static const char *const methods[] = {NULL, "sequential", "concurrent", "batch", "copy"};

const char *sheetload_method_name(int method)
{
    return method > 0 && method <= SHEETLOAD_COPY ? methods[method] : NULL;
}

int sheetload_method_parse(const char *name)
{
    for (int i = 1; name && i <= SHEETLOAD_COPY; i++)
        if (!strcmp(name, methods[i]))
            return i;
    return -1;
}

static const char *const index_modes[] = {"auto", "keep", "defer"};

const char *sheetload_indexes_name(int indexes)
{
    return indexes >= 0 && indexes <= SHEETLOAD_INDEXES_DEFER ? index_modes[indexes] : NULL;
}

int sheetload_indexes_parse(const char *name)
{
    for (int i = 0; name && i <= SHEETLOAD_INDEXES_DEFER; i++)
        if (!strcmp(name, index_modes[i]))
            return i;
    return -1;
}

/* n / one (one = 10^digits) as a decimal, trailing zeros and a bare point
 * dropped: "2", "3.25". Integers, so a rounding never carries past the
 * unit ("60s", "1000ms"). */
static void decimal(char *num, size_t cap, long long n, long long one, int digits)
{
    snprintf(num, cap, "%lld.%0*lld", n / one, digits, n % one);
    char *e = num + strlen(num) - 1;
    while (*e == '0')
        *e-- = '\0';
    if (*e == '.')
        *e = '\0';
}

/* Go's time.Duration.String(): "1.5s", "2m3.25s", "1h0m0s", "350ms", from
 * whole nanoseconds as Go counts; seconds and more to the microsecond. */
void sl_go_duration(double s, char *out, size_t cap)
{
    long long ns = !(s > 0) ? 0 : s < 9.2e9 ? llround(s * 1e9) : 9200000000000000000LL;
    char num[48];
    if (ns == 0) {
        sl_strlcpy(out, "0s", cap);
    } else if (ns < 1000) {
        snprintf(out, cap, "%lldns", ns);
    } else if (ns < 1000000) {
        decimal(num, sizeof num, ns, 1000, 3);
        snprintf(out, cap, "%s\xc2\xb5s", num);
    } else if (ns < 1000000000) {
        decimal(num, sizeof num, ns, 1000000, 6);
        snprintf(out, cap, "%sms", num);
    } else {
        long long us = (ns + 500) / 1000, min = us / 60000000;
        decimal(num, sizeof num, us % 60000000, 1000000, 6);
        if (min >= 60)
            snprintf(out, cap, "%lldh%lldm%ss", min / 60, min % 60, num);
        else if (min)
            snprintf(out, cap, "%lldm%ss", min, num);
        else
            snprintf(out, cap, "%ss", num);
    }
}

/* The counts, the timing and the target, in the tutorial's order. */
static void add_counts(json_t *o, const struct sheetload_stats *st)
{
    char dur[64];
    sl_go_duration(st->duration_s, dur, sizeof dur);
    json_object_set_new(o, "total_records", json_integer(st->total_records));
    json_object_set_new(o, "success_count", json_integer(st->success_count));
    json_object_set_new(o, "error_count", json_integer(st->error_count));
    json_object_set_new(o, "skipped_blank", json_integer(st->skipped_blank));
    json_object_set_new(o, "duration", json_string(dur));
    json_object_set_new(o, "duration_ms", json_real(round(st->duration_s * 1e6) / 1e3));
    json_object_set_new(o, "records_per_second",
                        json_real(round(st->records_per_second * 10) / 10));
    json_object_set_new(o, "method", json_string(st->method));
    json_object_set_new(o, "workers", json_integer(st->workers));
    json_object_set_new(o, "batch_size", json_integer(st->batch_size));
    json_object_set_new(o, "file", json_string(st->file));
    json_object_set_new(o, "sha256", json_string(st->sha256));
    json_object_set_new(o, "target", json_string(st->target));
    json_object_set_new(o, "table", json_string(st->table));
    json_object_set_new(o, "rejects_file",
                        st->rejects_path[0] ? json_string(st->rejects_path) : json_null());
    json_object_set_new(o, "import_id", json_integer(st->import_id));
    json_object_set_new(o, "resumed", json_boolean(st->resumed));
    json_object_set_new(o, "batches_skipped", json_integer(st->batches_skipped));
    json_object_set_new(o, "cancelled", json_boolean(st->cancelled));
    if (st->encoding[0])
        json_object_set_new(o, "encoding", json_string(st->encoding));
}

/* "header": its row and which cell went to which column. */
static void add_header(json_t *o, const struct sheetload_stats *st)
{
    json_t *h = json_object(), *cells = json_array();
    if (!h || !cells) {
        json_decref(h);
        json_decref(cells);
        return;
    }
    json_object_set_new(h, "row", st->header_row ? json_integer(st->header_row) : json_null());
    json_object_set_new(h, "skipped_above", json_integer(st->skipped_above));
    for (int i = 0; i < st->nheader_cells && i < SHEETLOAD_MAX_REPORTED_CELLS; i++) {
        const struct sheetload_header_cell *c = &st->header_cells[i];
        char letters[8];
        sl_col_letters(c->col, letters);
        json_array_append_new(cells, json_pack("{s:s,s:s,s:o,s:s}", "cell", letters, "text",
                                               c->text, "column",
                                               c->column[0] ? json_string(c->column) : json_null(),
                                               "how", sheetload_match_how_name(c->how)));
    }
    json_object_set_new(h, "cells", cells);
    json_object_set_new(o, "header", h);
}

/* "holder" (who else is importing the file: SL_EBUSY) and "error". */
static void add_error(json_t *o, const struct sheetload_stats *st)
{
    json_t *ho;
    if (st->err.code == SL_EBUSY && (ho = json_object())) {
        const struct sheetload_holder *hd = &st->holder;
        json_object_set_new(ho, "import_id", json_integer(hd->import_id));
        json_object_set_new(ho, "started_at", json_string(hd->started));
        json_object_set_new(ho, "host", json_string(hd->host));
        json_object_set_new(ho, "pid", json_integer(hd->pid));
        json_object_set_new(ho, "node", hd->node[0] ? json_string(hd->node) : json_null());
        json_object_set_new(o, "holder", ho);
    }
    if (!st->err.code) {
        json_object_set_new(o, "error", json_null());
        return;
    }
    char line[1400];
    sl_err_format(&st->err, line, sizeof line);
    json_object_set_new(o, "error", json_string(line));
    json_object_set_new(o, "error_code", json_string(sl_strerror(st->err.code)));
    if (st->err.sqlstate[0])
        json_object_set_new(o, "sqlstate", json_string(st->err.sqlstate));
}

size_t sheetload_stats_json(const struct sheetload_stats *st, char *buf, size_t cap)
{
    json_t *o = json_object();
    char *s = NULL;
    if (o) {
        add_counts(o, st);
        add_header(o, st);
        add_error(o, st);
        s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(12));
        json_decref(o);
    }
    if (!s) {
        if (cap)
            sl_strlcpy(buf, "{}", cap);
        return 2;
    }
    size_t n = strlen(s);
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
    }
    free(s);
    return n;
}
