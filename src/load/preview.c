/* preview.c - sheetload_preview(): what an import of a file would do,
 * before anything is written: the sheets, the header and the first rows,
 * the mapping the importer itself would choose (sl_schema_map, the same
 * matching as the CLI), and a dry run of the whole sheet with the mapping
 * the caller asks for. Also sheetload_rows_file(), the CSV of fixed rows
 * for a follow-up import. Runs on the calling thread; no state of its own. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/csvw.h"
#include "base/err.h"
#include "load/header.h"
#include "load/load.h"

#define PREVIEW_ROWS     20
#define PREVIEW_PROBLEMS 10

void sheetload_free(void *p)
{
    free(p);
}

static json_t *cells_json(const struct sl_row *row, size_t ncols)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ncols; i++) {
        const struct sl_cell *c = i < row->ncells ? &row->cells[i] : NULL;
        json_array_append_new(a, c && c->text ? json_stringn_nocheck(c->text, c->len)
                                              : json_string(""));
    }
    return a;
}

/* The rows the user sees: the header row's cells (when header > 0) and up
 * to max data rows after it, as JSON; *ncols = the widest of them. */
static int read_rows(const struct sheetload_preview_opts *o, long long header, int max,
                     json_t **hdr, json_t **rows, size_t *ncols, json_t *out, struct sl_error *err)
{
    struct sl_reader *rd = NULL;
    struct sl_reader_opts ro;
    struct sl_row row;
    memset(&ro, 0, sizeof ro);
    ro.sheet = o->sheet;
    ro.limits = o->limits;
    int rc = sl_reader_open(&rd, o->file, &ro, err);
    if (rc)
        return rc;
    json_t *sheets = json_array();
    for (size_t i = 0; i < sl_reader_sheet_count(rd); i++)
        json_array_append_new(sheets, json_string(sl_reader_sheet_name(rd, i)));
    json_object_set_new(out, "sheets", sheets);
    json_object_set_new(out, "sheet", json_string(sl_reader_current_sheet(rd)));
    *hdr = json_array();
    *rows = json_array();
    *ncols = 0;
    while ((int)json_array_size(*rows) < max && (rc = sl_reader_next(rd, &row, err)) == 1) {
        if (row.num < header)
            continue;
        if (row.ncells > *ncols)
            *ncols = row.ncells;
        if (row.num == header) {
            json_decref(*hdr);
            *hdr = cells_json(&row, row.ncells);
            continue;
        }
        json_array_append_new(*rows, json_pack("{s:I,s:o}", "row", (json_int_t)row.num, "cells",
                                               cells_json(&row, row.ncells)));
    }
    sl_reader_close(rd);
    return rc < 0 ? rc : 0;
}

/* The target's columns: the businesses model's, or the table's. */
static int table_columns(const struct sheetload_preview_opts *o, json_t *out, struct sl_error *err)
{
    json_t *tc = json_array();
    json_object_set_new(out, "table_columns", tc);
    if (!o->table) {
        for (size_t k = 0; k < 9; k++)
            json_array_append_new(tc, json_string(sl_header_biz_cols[k]));
        return 0;
    }
    const char *env = getenv("DATABASE_URL");
    const char *target = o->db ? o->db : env && *env ? env : SL_LOAD_DEFAULT_TARGET;
    struct sl_sink *sink = NULL;
    struct sl_sink_column *cols = sl_calloc(SL_LOAD_MAX_COLS, sizeof *cols);
    size_t n = 0;
    if (!cols)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    int rc = sl_sink_open(&sink, target, err);
    if (!rc)
        rc = sl_sink_table_columns(sink, o->table, cols, SL_LOAD_MAX_COLS, &n, err);
    if (!rc && !n)
        rc = sl_err_set(err, SL_ESCHEMA, "table '%s' does not exist; create it first", o->table);
    for (size_t k = 0; !rc && k < n; k++)
        json_array_append_new(tc, json_string(cols[k].name));
    if (sink)
        sl_sink_close(sink);
    sl_free(cols);
    return rc;
}
/* "a,,c" → ["a", "", "c"], padded or cut to n. */
static json_t *split_mapping(const char *s, size_t n)
{
    json_t *a = json_array();
    while (s && *s && json_array_size(a) < n) {
        size_t len = strcspn(s, ",");
        json_array_append_new(a, json_stringn(s, len));
        s += len;
        if (*s == ',')
            s++;
    }
    while (json_array_size(a) < n)
        json_array_append_new(a, json_string(""));
    return a;
}

struct problems {
    json_t *list;
    int max;
};

static int problem_row(struct problems *pr, const struct sl_row *row)
{
    if ((int)json_array_size(pr->list) >= pr->max || row->ncells < 2)
        return 0;
    char *end;
    long long num = strtoll(row->cells[0].text, &end, 10);
    if (*end)
        return 0; /* the header line */
    json_array_append_new(pr->list, json_pack("{s:I,s:s%}", "row", (json_int_t)num, "reason",
                                              row->cells[1].text, row->cells[1].len));
    return 0;
}

/* The first problems, from the dry run's rejects file (sorted by row). */
static void read_problems(const char *path, int max, json_t *out)
{
    struct sl_reader *rd = NULL;
    struct sl_reader_opts ro;
    struct sl_error e;
    struct sl_row row;
    struct problems pr = {json_array(), max};
    memset(&ro, 0, sizeof ro);
    ro.delimiter = ',';
    sl_err_clear(&e);
    if (!sl_reader_open(&rd, path, &ro, &e)) {
        while ((int)json_array_size(pr.list) < max && sl_reader_next(rd, &row, &e) == 1)
            problem_row(&pr, &row);
        sl_reader_close(rd);
    }
    json_object_set_new(out, "problems", pr.list);
}

/* A dry run of the whole sheet: with columns (the user's mapping) and the
 * header row, or as the importer itself decides (columns NULL). Fills st. */
static json_t *dry_run(const struct sheetload_preview_opts *o, const char *columns,
                       long long header, struct sheetload_stats *st, struct sl_error *err)
{
    struct sheetload_opts io;
    const char *tmpdir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/sheetload-preview-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return json_pack("{s:s}", "error", "cannot create a temporary file for the dry run");
    close(fd);
    memset(&io, 0, sizeof io);
    io.file = o->file;
    io.display_name = o->display_name;
    io.db = o->db;
    io.table = o->table;
    io.sheet = o->sheet;
    io.columns = columns;
    io.header_row = !columns ? SHEETLOAD_HEADER_AUTO : header > 0 ? header : SHEETLOAD_HEADER_NONE;
    io.dry_run = 1;
    io.rejects_path = path;
    io.limits = o->limits;
    io.stop = o->stop;
    json_t *d;
    int rc = sheetload_import(&io, st);
    if (rc) {
        d = json_pack("{s:s}", "error", st->err.msg[0] ? st->err.msg : sl_strerror(rc));
        if (rc == SL_ECANCELED || rc == SL_ENOMEM)
            sl_err_set(err, rc, "%s", st->err.msg);
    } else {
        d = json_pack("{s:I,s:I,s:I,s:I,s:f}", "rows", (json_int_t)st->total_records, "good",
                      (json_int_t)st->success_count, "bad", (json_int_t)st->error_count, "blank",
                      (json_int_t)st->skipped_blank, "seconds", st->duration_s);
        read_problems(path, o->problems > 0 ? o->problems : PREVIEW_PROBLEMS, d);
    }
    unlink(path);
    return d;
}

/* The importer's own reading, cell by cell: the column each sheet column
 * went to ("" = ignored), from its statistics. */
static json_t *suggestion(const struct sheetload_stats *st, size_t ncols)
{
    json_t *a = json_array();
    for (size_t i = 0; i < ncols; i++) {
        const char *col = "";
        for (int k = 0; k < st->nheader_cells; k++)
            if ((size_t)st->header_cells[k].col == i + 1)
                col = st->header_cells[k].column;
        json_array_append_new(a, json_string(col));
    }
    return a;
}

int sheetload_preview(const struct sheetload_preview_opts *o, char **json, struct sl_error *err)
{
    struct sheetload_stats *st = sl_calloc(1, sizeof *st);
    json_t *out = json_object(), *hdr = NULL, *rows = NULL, *d = NULL;
    size_t ncols = 0;
    int rc = 0;
    *json = NULL;
    if (!st) {
        json_decref(out);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    if (!o || !o->file) {
        rc = sl_err_set(err, SL_EINVAL, "no input file given");
        goto out;
    }
    json_object_set_new(out, "file", json_string(o->display_name ? o->display_name : o->file));
    json_object_set_new(out, "table", json_string(o->table ? o->table : SL_LOAD_DEFAULT_TABLE));
    if ((rc = table_columns(o, out, err)))
        goto out;
    /* First as the importer would read it alone: where the header is, which
     * column each cell goes to, and its counts. */
    d = dry_run(o, NULL, 0, st, err);
    if (err->code) {
        rc = err->code;
        goto out;
    }
    if (json_object_get(d, "error") && st->err.code != SL_ESCHEMA) {
        /* not a question of columns: the file itself cannot be read */
        rc = sl_err_set(err, st->err.code ? st->err.code : SL_EIO, "%s", st->err.msg);
        goto out;
    }
    long long header = st->header_row;
    if ((rc = read_rows(o, header, o->rows > 0 ? o->rows : PREVIEW_ROWS, &hdr, &rows, &ncols, out,
                        err)))
        goto out;
    json_object_set_new(out, "header_row", json_integer(header));
    json_t *cols = json_array();
    for (size_t i = 0; i < ncols; i++) {
        char letters[8];
        sl_header_col_letters(i, letters);
        json_t *h = json_array_get(hdr, i);
        json_array_append_new(cols,
                              json_pack("{s:I,s:s,s:o}", "index", (json_int_t)i, "letter", letters,
                                        "header", h ? json_incref(h) : json_string("")));
    }
    json_object_set_new(out, "columns", cols);
    json_object_set_new(out, "rows", rows);
    rows = NULL;
    json_t *sug = suggestion(st, ncols);
    json_object_set_new(out, "suggested", sug);
    if (o->columns) {
        json_decref(d);
        memset(st, 0, sizeof *st);
        d = dry_run(o, o->columns, header, st, err);
        if (err->code) {
            rc = err->code;
            goto out;
        }
        json_object_set_new(out, "mapping", split_mapping(o->columns, ncols));
    } else {
        json_object_set_new(out, "mapping", json_deep_copy(sug));
    }
    json_object_set_new(out, "dry_run", d);
    d = NULL;
    *json = json_dumps(out, JSON_COMPACT);
    if (!*json)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
out:
    json_decref(d);
    json_decref(hdr);
    json_decref(rows);
    json_decref(out);
    sl_free(st);
    return rc;
}
int sheetload_rows_file(const char *path, const char *const *columns, size_t ncols,
                        const char *const *cells, size_t nrows, struct sl_error *err)
{
    struct sl_buf b;
    sl_buf_init(&b, 256u << 20);
    for (size_t j = 0; j < ncols; j++) {
        if (j)
            sl_buf_addch(&b, ',');
        sl_csvw_add(&b, columns[j], strlen(columns[j]), SL_CSVW_QUOTE_SPACE);
    }
    sl_buf_addch(&b, '\n');
    for (size_t i = 0; i < nrows; i++) {
        for (size_t j = 0; j < ncols; j++) {
            const char *v = cells[i * ncols + j];
            if (j)
                sl_buf_addch(&b, ',');
            sl_csvw_add(&b, v ? v : "", v ? strlen(v) : 0, SL_CSVW_QUOTE_SPACE);
        }
        sl_buf_addch(&b, '\n');
    }
    int rc = 0;
    FILE *f = b.err ? NULL : fopen(path, "wbx");
    if (b.err)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory writing '%s'", path);
    else if (!f || fwrite(b.data, 1, b.len, f) != b.len)
        rc = sl_err_set(err, SL_EIO, "cannot write '%s'", path);
    if (f && fclose(f) && !rc)
        rc = sl_err_set(err, SL_EIO, "cannot write '%s'", path);
    sl_buf_release(&b);
    return rc;
}
