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
#include "base/err.h"
#include "load/load.h"

#define PREVIEW_ROWS     20
#define PREVIEW_PROBLEMS 10

void sheetload_free(void *p)
{
    free(p);
}

static void col_letters(size_t i, char *out)
{
    char tmp[8];
    int n = 0;
    size_t c = i + 1;
    while (c > 0 && n < 7) {
        tmp[n++] = (char)('A' + (c - 1) % 26);
        c = (c - 1) / 26;
    }
    for (int k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    out[n] = '\0';
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

/* The first rows: the header candidate (kept in *first) and up to max data
 * rows after it, as JSON. Rows are copied: the reader's cells are borrowed. */
struct head {
    json_t *first; /* the first row's cells (array) or NULL */
    long long first_num;
    json_t *rows; /* [{"row", "cells"}] of the rows after it */
    size_t ncols; /* widest row seen */
};

static int read_head(struct sl_reader *rd, int max, struct head *h, struct sl_row *first,
                     struct sl_arena *ar, struct sl_error *err)
{
    struct sl_row row;
    h->rows = json_array();
    int rc = sl_reader_next(rd, &row, err);
    if (rc <= 0)
        return rc;
    /* Keep a copy of the first row for the mapping. */
    struct sl_cell *cells = sl_arena_alloc(ar, (row.ncells ? row.ncells : 1) * sizeof *cells);
    if (!cells)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    for (size_t i = 0; i < row.ncells; i++) {
        cells[i] = row.cells[i];
        cells[i].text = sl_arena_strndup(ar, row.cells[i].text ? row.cells[i].text : "",
                                         row.cells[i].text ? row.cells[i].len : 0);
        if (!cells[i].text)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    *first = row;
    first->cells = cells;
    h->first_num = row.num;
    h->ncols = row.ncells;
    for (int k = 0; k < max && (rc = sl_reader_next(rd, &row, err)) == 1; k++) {
        if (row.ncells > h->ncols)
            h->ncols = row.ncells;
        json_array_append_new(h->rows, json_pack("{s:I,s:o}", "row", (json_int_t)row.num, "cells",
                                                 cells_json(&row, row.ncells)));
    }
    return rc < 0 ? rc : 1;
}

/* The importer's own choice for each sheet column, and the table's
 * columns, by running its mapping on the first row. */
static int suggest(const struct sheetload_preview_opts *o, const struct sl_row *first, size_t ncols,
                   json_t *out, struct sl_error *err)
{
    struct sl_plan p;
    struct sheetload_opts io;
    struct sl_sink *sink = NULL;
    struct sl_sink_column *tcols = NULL;
    size_t ntcols = 0;
    int hid = 0, rc = 0;
    memset(&p, 0, sizeof p);
    memset(&io, 0, sizeof io);
    io.table = o->table;
    p.default_table = !o->table;
    sl_strlcpy(p.table, o->table ? o->table : SL_LOAD_DEFAULT_TABLE, sizeof p.table);
    if (o->table) {
        const char *env = getenv("DATABASE_URL");
        const char *target = o->db ? o->db : env && *env ? env : SL_LOAD_DEFAULT_TARGET;
        tcols = sl_calloc(SL_LOAD_MAX_COLS, sizeof *tcols);
        if (!tcols)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        rc = sl_sink_open(&sink, target, err);
        if (!rc)
            rc = sl_sink_table_columns(sink, o->table, tcols, SL_LOAD_MAX_COLS, &ntcols, err);
        if (!rc && !ntcols)
            rc =
                sl_err_set(err, SL_ESCHEMA, "table '%s' does not exist; create it first", o->table);
        if (rc)
            goto out;
    }
    struct sl_error merr; /* a refusal still leaves the matches made */
    sl_err_clear(&merr);
    sl_schema_map(&p, &io, first, tcols, ntcols, &hid, &merr);
    json_t *tc = json_array(), *sug = json_array();
    if (o->table) {
        for (size_t k = 0; k < ntcols; k++)
            json_array_append_new(tc, json_string(tcols[k].name));
    } else {
        for (size_t j = 0; j < p.ncols; j++)
            if ((int)j != p.stamp1 && (int)j != p.stamp2)
                json_array_append_new(tc, json_string(p.cols[j]));
    }
    for (size_t i = 0; i < ncols; i++) {
        int j = p.map && i < p.nmap ? p.map[i] : -1;
        json_array_append_new(sug, json_string(j >= 0 ? p.cols[j] : ""));
    }
    json_object_set_new(out, "table_columns", tc);
    json_object_set_new(out, "suggested", sug);
    json_object_set_new(out, "header_row", json_integer(hid || !first ? 0 : first->num));
out:
    if (sink)
        sl_sink_close(sink);
    sl_free(tcols);
    sl_plan_release(&p);
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

static int join_mapping(json_t *m, struct sl_buf *b)
{
    size_t i;
    json_t *v;
    json_array_foreach(m, i, v)
    {
        if (i)
            sl_buf_addch(b, ',');
        sl_buf_addstr(b, json_string_value(v) ? json_string_value(v) : "");
    }
    return b->err;
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

static json_t *dry_run(const struct sheetload_preview_opts *o, json_t *mapping, long long header,
                       struct sl_error *err)
{
    struct sl_buf cols;
    struct sheetload_opts io;
    const char *tmpdir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/sheetload-preview-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return json_pack("{s:s}", "error", "cannot create a temporary file for the dry run");
    close(fd);
    sl_buf_init(&cols, 1 << 20);
    join_mapping(mapping, &cols);
    memset(&io, 0, sizeof io);
    io.file = o->file;
    io.display_name = o->display_name;
    io.db = o->db;
    io.table = o->table;
    io.sheet = o->sheet;
    io.columns = cols.data ? cols.data : "";
    io.header_row = header > 0 ? header : -1;
    io.dry_run = 1;
    io.rejects_path = path;
    io.limits = o->limits;
    io.parent = o->parent;
    struct sheetload_stats *st = sl_calloc(1, sizeof *st);
    json_t *d;
    if (!st) {
        d = json_pack("{s:s}", "error", "out of memory");
    } else {
        int rc = sheetload_import(&io, st);
        if (rc) {
            char msg[sizeof st->err.msg + 64];
            sl_err_format(&st->err, msg, sizeof msg);
            d = json_pack("{s:s}", "error", st->err.msg[0] ? st->err.msg : msg);
            if (rc == SL_ECANCELED || rc == SL_ENOMEM)
                sl_err_set(err, rc, "%s", st->err.msg);
        } else {
            d = json_pack("{s:I,s:I,s:I,s:I,s:f}", "rows", (json_int_t)st->total_records, "good",
                          (json_int_t)st->success_count, "bad", (json_int_t)st->error_count,
                          "blank", (json_int_t)st->skipped_blank, "seconds", st->duration_s);
            read_problems(path, o->problems > 0 ? o->problems : PREVIEW_PROBLEMS, d);
        }
    }
    unlink(path);
    sl_free(st);
    sl_buf_release(&cols);
    return d;
}

int sheetload_preview(const struct sheetload_preview_opts *o, char **json, struct sl_error *err)
{
    struct sl_reader *rd = NULL;
    struct sl_reader_opts ro;
    struct sl_arena ar = {0};
    struct sl_row first;
    struct head h = {0};
    json_t *out = NULL;
    int rc;
    *json = NULL;
    if (!o || !o->file)
        return sl_err_set(err, SL_EINVAL, "no input file given");
    memset(&ro, 0, sizeof ro);
    ro.sheet = o->sheet;
    ro.limits = o->limits;
    if ((rc = sl_reader_open(&rd, o->file, &ro, err)))
        goto out;
    out = json_object();
    json_t *sheets = json_array();
    for (size_t i = 0; i < sl_reader_sheet_count(rd); i++)
        json_array_append_new(sheets, json_string(sl_reader_sheet_name(rd, i)));
    json_object_set_new(out, "file", json_string(o->display_name ? o->display_name : o->file));
    json_object_set_new(out, "sheets", sheets);
    json_object_set_new(out, "sheet", json_string(sl_reader_current_sheet(rd)));
    json_object_set_new(out, "table", json_string(o->table ? o->table : SL_LOAD_DEFAULT_TABLE));
    rc = read_head(rd, o->rows > 0 ? o->rows : PREVIEW_ROWS, &h, &first, &ar, err);
    sl_reader_close(rd);
    rd = NULL;
    if (rc < 0)
        goto out;
    int have_first = rc == 1;
    if ((rc = suggest(o, have_first ? &first : NULL, h.ncols, out, err)))
        goto out;
    long long header = json_integer_value(json_object_get(out, "header_row"));
    json_t *cols = json_array();
    for (size_t i = 0; i < h.ncols; i++) {
        char letters[8];
        col_letters(i, letters);
        const struct sl_cell *c = header && i < first.ncells ? &first.cells[i] : NULL;
        json_array_append_new(cols,
                              json_pack("{s:I,s:s,s:s%}", "index", (json_int_t)i, "letter", letters,
                                        "header", c ? c->text : "", c ? strlen(c->text) : 0));
    }
    json_object_set_new(out, "columns", cols);
    if (!header && have_first) /* the first row is data: show it too */
        json_array_insert_new(h.rows, 0,
                              json_pack("{s:I,s:o}", "row", (json_int_t)first.num, "cells",
                                        cells_json(&first, first.ncells)));
    json_object_set_new(out, "rows", h.rows);
    h.rows = NULL;
    json_t *mapping = o->columns ? split_mapping(o->columns, h.ncols)
                                 : json_deep_copy(json_object_get(out, "suggested"));
    json_object_set_new(out, "mapping", mapping);
    json_object_set_new(out, "dry_run", dry_run(o, mapping, header, err));
    if (err->code) {
        rc = err->code;
        goto out;
    }
    *json = json_dumps(out, JSON_COMPACT);
    if (!*json)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
out:
    if (rd)
        sl_reader_close(rd);
    json_decref(h.rows);
    json_decref(out);
    sl_arena_release(&ar);
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
        sl_csv_field(&b, columns[j], strlen(columns[j]));
    }
    sl_buf_addch(&b, '\n');
    for (size_t i = 0; i < nrows; i++) {
        for (size_t j = 0; j < ncols; j++) {
            const char *v = cells[i * ncols + j];
            if (j)
                sl_buf_addch(&b, ',');
            sl_csv_field(&b, v ? v : "", v ? strlen(v) : 0);
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
