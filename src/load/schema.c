/* schema.c - the default businesses table (as the tutorial's GORM model
 * migrates it) and the mapping of a sheet's header cells to a table's
 * columns. Runs on the calling thread before the stages start. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "base/buf.h"
#include "load/header.h"
#include "load/load.h"

/* The tutorial's Business model, in sheet order (header.c). */
#define biz_cols sl_header_biz_cols
#define NBIZ     SL_HEADER_NBIZ

static const char *const biz_indexed[] = {"name", "category", "email",
                                          "city", "country",  "deleted_at"};

static const char pg_table[] =
    "CREATE TABLE IF NOT EXISTS businesses (id bigserial PRIMARY KEY, name text NOT NULL, "
    "category text, phone text, email text, address text, city text, country text, "
    "website text, description text, created_at timestamptz, updated_at timestamptz, "
    "deleted_at timestamptz)";
static const char lite_table[] =
    "CREATE TABLE IF NOT EXISTS businesses (id integer PRIMARY KEY AUTOINCREMENT, "
    "name text NOT NULL, category text, phone text, email text, address text, city text, "
    "country text, website text, description text, created_at datetime, updated_at datetime, "
    "deleted_at datetime)";

/* The businesses table exists: does it have the model's columns? */
static int check_default(const struct sl_sink_column *cols, size_t n, struct sl_error *err)
{
    static const char *const need[] = {"name",        "category",   "phone",     "email",
                                       "address",     "city",       "country",   "website",
                                       "description", "created_at", "updated_at"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        size_t k = 0;
        while (k < n && strcmp(cols[k].name, need[i]))
            k++;
        if (k == n)
            return sl_err_set(err, SL_ESCHEMA,
                              "table 'businesses' exists but has no column '%s'; "
                              "use --table to load into a table of another shape",
                              need[i]);
    }
    return 0;
}

/* The table and its indexes as one script: one round trip. */
static int create_default(struct sl_sink *s, struct sl_error *err)
{
    int pg = sl_sink_dialect(s) == SL_DIALECT_PG;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_buf_addstr(&b, pg ? pg_table : lite_table);
    for (size_t i = 0; i < sizeof biz_indexed / sizeof biz_indexed[0]; i++)
        sl_buf_addf(&b, ";\nCREATE INDEX IF NOT EXISTS idx_businesses_%s ON businesses (%s)",
                    biz_indexed[i], biz_indexed[i]);
    int rc = b.err ? sl_err_set(err, SL_ENOMEM, "out of memory creating table 'businesses'")
                   : sl_sink_exec(s, b.data, 0, NULL, err);
    sl_buf_release(&b);
    return rc;
}

int sl_schema_default_table(struct sl_sink *s, struct sl_error *err)
{
    struct sl_sink_column cols[64];
    size_t n = 0;
    int rc = sl_sink_table_columns(s, SL_LOAD_DEFAULT_TABLE, cols, 64, &n, err);
    if (rc)
        return rc;
    if (n > 0)
        return check_default(cols, n, err);
    /* Missing: create it in one transaction under the DDL lock (claim.c),
     * and look again once the lock is ours: imports starting at once into
     * an empty database create it once, and only its creator makes the
     * indexes (another import may be deferring them already). */
    if ((rc = sl_sink_begin(s, err)))
        return rc;
    rc = sl_ddl_xact_lock(s, "table:" SL_LOAD_DEFAULT_TABLE, err);
    if (!rc)
        rc = sl_sink_table_columns(s, SL_LOAD_DEFAULT_TABLE, cols, 64, &n, err);
    if (!rc)
        rc = n > 0 ? check_default(cols, n, err) : create_default(s, err);
    return sl_sink_end(s, rc, err);
}

static int add_col(struct sl_plan *p, const char *name)
{
    char **cols = sl_realloc(p->cols, (p->ncols + 1) * sizeof *cols);
    if (!cols)
        return SL_ENOMEM;
    p->cols = cols;
    if (!(p->cols[p->ncols] = sl_strdup(name)))
        return SL_ENOMEM;
    return (int)p->ncols++;
}

static int find_col(const struct sl_plan *p, const char *name)
{
    for (size_t j = 0; j < p->ncols; j++)
        if (!strcmp(p->cols[j], name))
            return (int)j;
    return -1;
}

static int keep_header(struct sl_plan *p, const struct sl_row *hdr)
{
    size_t n = hdr ? hdr->ncells : p->nmap;
    p->header = sl_calloc(n ? n : 1, sizeof *p->header);
    if (!p->header)
        return SL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int j = hdr ? -1 : p->map[i];
        const char *text = hdr ? hdr->cells[i].text : j >= 0 ? p->cols[j] : "";
        p->header[i] = sl_strdup(text ? text : "");
        if (!p->header[i])
            return SL_ENOMEM;
        p->nheader = i + 1;
    }
    return 0;
}

/* The reading of the sheet: tmap[i] = target index of sheet column i. */
struct reading {
    int *tmap;
    size_t n;
    const struct sl_row *hdr; /* the header row, NULL = none */
    size_t data;              /* first data row in the lookahead */
    int how;                  /* for cells without a header match: POSITION */
};

/* --columns a,b,c: sheet column i goes to the i-th name. */
static int by_columns(const struct sl_targets *t, const char *columns, const char *table,
                      struct reading *rd, struct sl_error *err)
{
    size_t cap = 1 + strlen(columns);
    rd->tmap = sl_malloc(cap * sizeof *rd->tmap);
    if (!rd->tmap)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    for (const char *s = columns; *s && rd->n < SL_LOAD_MAX_COLS;) {
        size_t len = strcspn(s, ",");
        char key[SL_HEADER_NORM];
        sl_header_norm(s, len, key, sizeof key);
        int k = -1;
        for (size_t j = 0; *key && j < t->n && k < 0; j++)
            if (!strcmp(t->norm[j], key))
                k = (int)j;
        if (*key && k < 0)
            return sl_err_set(err, SL_ESCHEMA,
                              "--columns names '%.*s', which table '%s' does not "
                              "have",
                              (int)(len > 100 ? 100 : len), s, table);
        for (size_t i = 0; k >= 0 && i < rd->n; i++)
            if (rd->tmap[i] == k)
                return sl_err_set(err, SL_ESCHEMA, "--columns names '%s' twice", t->name[k]);
        rd->tmap[rd->n++] = k;
        s += len;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* No header: the model's order, or the table's columns (an identity key
 * aside) with --header none. */
static int by_position(const struct sl_targets *t, const struct sl_sink_column *tcols,
                       struct reading *rd, struct sl_error *err)
{
    rd->tmap = sl_malloc((t->n ? t->n : 1) * sizeof *rd->tmap);
    if (!rd->tmap)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    for (size_t k = 0; k < t->n; k++)
        if (t->biz || !(tcols[k].is_pk && tcols[k].has_default))
            rd->tmap[rd->n++] = (int)k;
    return 0;
}

/* The header row's matches: duplicates are an error, other cells that name
 * nothing are warned about. */
static int by_header(const struct sl_targets *t, const struct sl_header_choice *ch,
                     const char *table, struct reading *rd, struct sl_error *err)
{
    struct sl_buf unknown, taken;
    sl_buf_init(&unknown, 4096);
    sl_buf_init(&taken, 4096);
    rd->tmap = sl_malloc((ch->nm ? ch->nm : 1) * sizeof *rd->tmap);
    if (!rd->tmap)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    rd->n = ch->nm;
    for (size_t i = 0; i < ch->nm; i++) {
        const struct sheetload_match *m = &ch->m[i];
        char letters[8];
        sl_header_col_letters(i, letters);
        rd->tmap[i] = m->column;
        if (m->how == SHEETLOAD_MATCH_DUPLICATE) {
            sl_buf_release(&unknown);
            sl_buf_release(&taken);
            return sl_err_set(err, SL_ESCHEMA,
                              "two header cells name column '%s' (the second is in column %s); "
                              "rename one of them, ignore one with --map, or use --columns",
                              t->name[ch->m[i].column >= 0 ? ch->m[i].column : 0], letters);
        }
        if (m->how == SHEETLOAD_MATCH_NONE)
            sl_buf_addf(&unknown, "%s'%.60s' (%s)", unknown.len ? ", " : "", rd->hdr->cells[i].text,
                        letters);
        else if (m->how == SHEETLOAD_MATCH_TAKEN)
            sl_buf_addf(&taken, "%s%s (%s)", taken.len ? "; " : "", m->why, letters);
    }
    if (unknown.len)
        sl_warn("ignoring header cells that name no column of table '%s': %s", table, unknown.data);
    if (taken.len)
        sl_warn("ignoring header cells whose column another cell took: %s", taken.data);
    sl_buf_release(&unknown);
    sl_buf_release(&taken);
    return 0;
}

/* Drops a last UTF-8 character that a cut left incomplete. */
static void utf8_cut(char *s)
{
    size_t len = strlen(s), i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char b = (unsigned char)s[i - 1];
    size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (i - 1 + need > len)
        s[i - 1] = '\0';
}

static void report(struct sheetload_stats *st, const struct sl_targets *t, const struct reading *rd,
                   const struct sl_header_choice *ch)
{
    if (!st)
        return;
    st->header_row = rd->hdr ? rd->hdr->num : 0;
    st->skipped_above = rd->hdr ? rd->hdr->num - 1 : 0;
    st->nheader_cells = 0;
    for (size_t i = 0; i < rd->n && st->nheader_cells < SHEETLOAD_MAX_REPORTED_CELLS; i++) {
        const char *text = rd->hdr && i < rd->hdr->ncells ? rd->hdr->cells[i].text : "";
        int how = ch->m && i < ch->nm ? ch->m[i].how
                  : rd->tmap[i] >= 0  ? rd->how
                                      : SHEETLOAD_MATCH_EMPTY;
        if (how == SHEETLOAD_MATCH_EMPTY && rd->tmap[i] < 0)
            continue;
        struct sheetload_header_cell *c = &st->header_cells[st->nheader_cells++];
        c->col = (int)i + 1;
        c->how = how;
        sl_strlcpy(c->text, text ? text : "", sizeof c->text);
        utf8_cut(c->text);
        sl_strlcpy(c->column, rd->tmap[i] >= 0 ? t->name[rd->tmap[i]] : "", sizeof c->column);
    }
}

/* Fills p->cols and p->map from the reading (and, for the businesses
 * table, every other model column and the stamps). */
static int build_plan(struct sl_plan *p, const struct sl_targets *t, const struct reading *rd,
                      const struct sl_sink_column *tcols, size_t ntcols, struct sl_error *err)
{
    p->map = sl_malloc((rd->n ? rd->n : 1) * sizeof *p->map);
    if (!p->map)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    p->nmap = rd->n;
    for (size_t i = 0; i < rd->n; i++) {
        p->map[i] = -1;
        if (rd->tmap[i] >= 0 && (p->map[i] = add_col(p, t->name[rd->tmap[i]])) < 0)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    if (p->default_table) {
        /* Every model column is written (NULL when the sheet lacks it). */
        for (size_t k = 0; k < NBIZ; k++)
            if (find_col(p, biz_cols[k]) < 0 && add_col(p, biz_cols[k]) < 0)
                return sl_err_set(err, SL_ENOMEM, "out of memory");
        if ((p->stamp1 = add_col(p, "created_at")) < 0 ||
            (p->stamp2 = add_col(p, "updated_at")) < 0)
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        p->v_name = find_col(p, "name");
        p->v_email = find_col(p, "email");
        p->v_website = find_col(p, "website");
        int named = 0;
        for (size_t i = 0; i < p->nmap; i++)
            if (p->map[i] == p->v_name)
                named = 1;
        if (rd->n && !named)
            return sl_err_set(
                err, SL_ESCHEMA,
                "no column of the sheet is 'name', which table 'businesses' requires; "
                "add a 'name' header cell, map one with --map 'Header cell=name', "
                "or use --columns");
        return 0;
    }
    for (size_t k = 0; k < ntcols; k++) {
        if (!tcols[k].not_null || tcols[k].has_default || find_col(p, tcols[k].name) >= 0)
            continue;
        return sl_err_set(err, SL_ESCHEMA,
                          "column '%s' of table '%s' is NOT NULL without a default, and no column "
                          "of the sheet maps to it; add a '%s' header cell, map one with --map, "
                          "or use --columns",
                          tcols[k].name, p->table, tcols[k].name);
    }
    return 0;
}

/* The businesses table needs a name: a header without one is refused with
 * the cells that named nothing, so the user can map them. */
static int need_name(const struct sl_targets *t, const struct reading *rd,
                     const struct sl_header_choice *ch, struct sl_error *err)
{
    for (size_t i = 0; i < rd->n; i++)
        if (rd->tmap[i] >= 0 && !strcmp(t->name[rd->tmap[i]], "name"))
            return 0;
    struct sl_buf cells;
    sl_buf_init(&cells, 600);
    const char *first = NULL;
    for (size_t i = 0; i < ch->nm && cells.len < 300; i++) {
        if (ch->m[i].how != SHEETLOAD_MATCH_NONE)
            continue;
        char letters[8];
        sl_header_col_letters(i, letters);
        if (!first)
            first = rd->hdr->cells[i].text;
        sl_buf_addf(&cells, "%s'%.40s' (%s)", cells.len ? ", " : "", rd->hdr->cells[i].text,
                    letters);
    }
    int rc;
    if (first)
        rc = sl_err_set(err, SL_ESCHEMA,
                        "no cell of the header (row %lld) names column 'name', which table "
                        "'businesses' requires; these cells name no column: %s; say which is "
                        "which with --map '%.40s=name,...', or give the columns by position with "
                        "--columns",
                        rd->hdr->num, cells.data ? cells.data : "", first);
    else
        rc = sl_err_set(err, SL_ESCHEMA,
                        "no cell of the header (row %lld) names column 'name', which table "
                        "'businesses' requires; add a 'name' header cell, map one with --map "
                        "'Header cell=name', or use --columns",
                        rd->hdr->num);
    sl_buf_release(&cells);
    return rc;
}

/* The reading when nothing says where the header is and no row names a
 * column: the businesses model's order; a table needs to be told. */
static int headerless(const struct sl_targets *t, const struct sl_sink_column *tcols,
                      const struct sl_lookahead *la, const struct sheetload_opts *o,
                      const char *table, struct reading *rd, struct sl_error *err)
{
    if (t->biz || o->header_row == SHEETLOAD_HEADER_NONE) {
        if (t->biz && o->header_row != SHEETLOAD_HEADER_NONE && la->n)
            sl_info("no row of the first %d names a column of 'businesses'; reading row %lld "
                    "as data, columns in the order %s, %s, %s, ...",
                    SHEETLOAD_HEADER_SCAN, la->rows[0].num, biz_cols[0], biz_cols[1], biz_cols[2]);
        return by_position(t, tcols, rd, err);
    }
    struct sl_buf cols, cells;
    sl_buf_init(&cols, 600);
    sl_buf_init(&cells, 600);
    for (size_t k = 0; k < t->n && cols.len < 300; k++)
        sl_buf_addf(&cols, "%s%s", k ? ", " : "", t->name[k]);
    for (size_t i = 0; la->n && i < la->rows[0].ncells && cells.len < 200; i++)
        sl_buf_addf(&cells, "%s'%.30s'", i ? ", " : "", la->rows[0].cells[i].text);
    int rc = sl_err_set(err, SL_ESCHEMA,
                        "no row of the first %d names a column of table '%s' (%s); the first "
                        "row is %s; map header cells with --map, or read every row as data "
                        "with --header none (columns in the table's order) or --columns",
                        SHEETLOAD_HEADER_SCAN, table, cols.data ? cols.data : "",
                        cells.data ? cells.data : "empty");
    sl_buf_release(&cols);
    sl_buf_release(&cells);
    return rc;
}

int sl_schema_map(struct sl_plan *p, const struct sheetload_opts *o, const struct sl_lookahead *la,
                  const struct sl_sink_column *tcols, size_t ntcols, struct sheetload_stats *st,
                  size_t *data_from, struct sl_error *err)
{
    struct sl_targets t;
    struct sl_usermap um;
    struct sl_header_choice ch;
    struct reading rd = {NULL, 0, NULL, 0, SHEETLOAD_MATCH_POSITION};
    int rc;
    memset(&um, 0, sizeof um);
    memset(&ch, 0, sizeof ch);
    p->stamp1 = p->stamp2 = p->v_name = p->v_email = p->v_website = -1;
    if (sl_targets_init(&t, p->default_table ? NULL : tcols, ntcols))
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    if ((rc = sl_usermap_parse(&um, o->map, o->map_file, &t, err)))
        goto out;
    if (o->columns && um.n)
        sl_warn("the map is not used with --columns, which maps the sheet's columns by position");
    if ((rc = sl_header_find(la, o, &t, &um, &ch, err)))
        goto out;
    rd.hdr = ch.header >= 0 ? &la->rows[ch.header] : NULL;
    rd.data = ch.header >= 0 ? ch.data : 0;
    if (o->columns)
        rc = by_columns(&t, o->columns, p->table, &rd, err);
    else if (rd.hdr)
        rc = by_header(&t, &ch, p->table, &rd, err);
    else if (la->n || o->header_row == SHEETLOAD_HEADER_NONE)
        rc = headerless(&t, tcols, la, o, p->table, &rd, err);
    if (!rc && t.biz && rd.hdr && !o->columns)
        rc = need_name(&t, &rd, &ch, err);
    if (rc)
        goto out;
    if (rd.hdr && rd.hdr->num > 1)
        sl_info("the header is row %lld; row%s 1%s%lld above it skipped", rd.hdr->num,
                rd.hdr->num > 2 ? "s" : "", rd.hdr->num > 2 ? "-" : "",
                rd.hdr->num > 2 ? rd.hdr->num - 1 : 0LL);
    for (size_t i = 0; i < um.n && !o->columns; i++) {
        int used = 0;
        for (size_t j = 0; rd.hdr && j < rd.hdr->ncells && !used; j++) {
            char key[SL_HEADER_NORM];
            sl_header_norm(rd.hdr->cells[j].text, rd.hdr->cells[j].len, key, sizeof key);
            used = !strcmp(key, um.e[i].key);
        }
        if (!used)
            sl_warn("the map names '%s', which is not a cell of the header", um.e[i].text);
    }
    if ((rc = sl_header_check_shapes(la, rd.data, rd.tmap, rd.n, &t, rd.hdr, err)))
        goto out;
    report(st, &t, &rd, &ch);
    if ((rc = build_plan(p, &t, &rd, tcols, ntcols, err)))
        goto out;
    if (keep_header(p, rd.hdr))
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
    *data_from = rd.data;
out:
    sl_free(rd.tmap);
    sl_header_choice_release(&ch);
    sl_usermap_release(&um);
    sl_targets_release(&t);
    return rc;
}
