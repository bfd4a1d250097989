/* schema.c - the default businesses table (as the tutorial's GORM model
 * migrates it) and the mapping of a sheet's header cells to a table's
 * columns. Runs on the calling thread before the stages start. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "base/buf.h"
#include "load/load.h"

/* The tutorial's Business model, in sheet order. */
static const char *const biz_cols[] = {
    "name", "category", "phone", "email", "address", "city", "country", "website", "description",
};
#define NBIZ (sizeof biz_cols / sizeof biz_cols[0])

static const char *const biz_indexed[] = {"name", "category", "email", "city", "country", "deleted_at"};

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

int sl_schema_default_table(struct sl_sink *s, struct sl_error *err)
{
    struct sl_sink_column cols[64];
    size_t n = 0;
    int rc = sl_sink_table_columns(s, SL_LOAD_DEFAULT_TABLE, cols, 64, &n, err);
    if (rc)
        return rc;
    if (n > 0) {
        static const char *const need[] = {"name", "category", "phone", "email", "address", "city",
                                           "country", "website", "description", "created_at",
                                           "updated_at"};
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
    int pg = sl_sink_dialect(s) == SL_DIALECT_PG;
    /* The table and its indexes as one script: one round trip. */
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_buf_addstr(&b, pg ? pg_table : lite_table);
    for (size_t i = 0; i < sizeof biz_indexed / sizeof biz_indexed[0]; i++)
        sl_buf_addf(&b, ";\nCREATE INDEX IF NOT EXISTS idx_businesses_%s ON businesses (%s)",
                    biz_indexed[i], biz_indexed[i]);
    rc = b.err ? sl_err_set(err, SL_ENOMEM, "out of memory creating table 'businesses'")
               : sl_sink_exec(s, b.data, 0, NULL, err);
    sl_buf_release(&b);
    return rc;
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

/* Column letters for messages. */
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

/* The candidate column names: the table's, or the businesses model's. */
struct cands {
    size_t n;
    const char *name[SL_LOAD_MAX_COLS];
    char norm[SL_LOAD_MAX_COLS][128];
};

static int cand_find(const struct cands *c, const char *text, size_t len)
{
    char norm[128];
    sl_name_norm(text, len, norm, sizeof norm);
    if (!*norm)
        return -2;
    for (size_t k = 0; k < c->n; k++)
        if (!strcmp(c->norm[k], norm))
            return (int)k;
    return -1;
}

static int set_map(struct sl_plan *p, size_t n)
{
    p->map = sl_malloc((n ? n : 1) * sizeof *p->map);
    if (!p->map)
        return SL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p->map[i] = -1;
    p->nmap = n;
    return 0;
}

static int keep_header(struct sl_plan *p, const struct sl_row *first, int is_data)
{
    size_t n = first ? first->ncells : 0;
    if (is_data || !first) {
        n = p->nmap;
        p->header = sl_calloc(n ? n : 1, sizeof *p->header);
        if (!p->header)
            return SL_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            int j = p->map[i];
            p->header[i] = sl_strdup(j >= 0 ? p->cols[j] : "");
            if (!p->header[i])
                return SL_ENOMEM;
            p->nheader = i + 1;
        }
        return 0;
    }
    p->header = sl_calloc(n ? n : 1, sizeof *p->header);
    if (!p->header)
        return SL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct sl_cell *c = &first->cells[i];
        p->header[i] = sl_strndup(c->text ? c->text : "", c->text ? strlen(c->text) : 0);
        if (!p->header[i])
            return SL_ENOMEM;
        p->nheader = i + 1;
    }
    return 0;
}

int sl_schema_map(struct sl_plan *p, const struct sheetload_opts *o, const struct sl_row *first,
                  const struct sl_sink_column *tcols, size_t ntcols, int *header_is_data,
                  struct sl_error *err)
{
    static struct cands zero;
    struct cands *c = sl_malloc(sizeof *c);
    struct sl_buf unknown;
    int rc = 0;
    sl_buf_init(&unknown, 4096);
    if (!c)
        return SL_ENOMEM;
    *c = zero;
    *header_is_data = 0;
    p->stamp1 = p->stamp2 = p->v_name = p->v_email = p->v_website = -1;
    if (p->default_table) {
        for (size_t k = 0; k < NBIZ; k++)
            c->name[c->n++] = biz_cols[k];
    } else {
        for (size_t k = 0; k < ntcols && k < SL_LOAD_MAX_COLS; k++)
            c->name[c->n++] = tcols[k].name;
    }
    for (size_t k = 0; k < c->n; k++)
        sl_name_norm(c->name[k], strlen(c->name[k]), c->norm[k], sizeof c->norm[k]);

    if (o->columns) {
        /* By position: column i of the sheet goes to the i-th name. */
        const char *s = o->columns;
        size_t npos = 0;
        int pos[SL_LOAD_MAX_COLS];
        while (*s && npos < SL_LOAD_MAX_COLS) {
            size_t len = strcspn(s, ",");
            char name[128];
            sl_strlcpy(name, s, len + 1 < sizeof name ? len + 1 : sizeof name);
            int k = cand_find(c, s, len);
            if (k == -2)
                pos[npos++] = -1; /* "a,,c": skip that sheet column */
            else if (k < 0) {
                rc = sl_err_set(err, SL_ESCHEMA, "--columns names '%s', which table '%s' does not have",
                                name, p->table);
                goto out;
            } else {
                pos[npos++] = k;
            }
            s += len;
            if (*s == ',')
                s++;
        }
        if ((rc = set_map(p, npos)))
            goto out;
        for (size_t i = 0; i < npos; i++) {
            if (pos[i] < 0)
                continue;
            int j = find_col(p, c->name[pos[i]]);
            if (j >= 0) {
                rc = sl_err_set(err, SL_ESCHEMA, "--columns names '%s' twice", c->name[pos[i]]);
                goto out;
            }
            if ((j = add_col(p, c->name[pos[i]])) < 0) {
                rc = j;
                goto out;
            }
            p->map[i] = j;
        }
        /* The first row is a header when its non-empty cells are these names. */
        int named = 0, other = 0;
        for (size_t i = 0; first && i < first->ncells; i++) {
            const struct sl_cell *cell = &first->cells[i];
            if (!cell->text || !cell->len)
                continue;
            int k = cand_find(c, cell->text, cell->len);
            if (i < npos && pos[i] >= 0 && k == pos[i])
                named++;
            else if (k != -2)
                other++;
        }
        *header_is_data = !(named > 0 && other == 0);
    } else {
        size_t n = first ? first->ncells : 0;
        if ((rc = set_map(p, n)))
            goto out;
        int matched = 0;
        for (size_t i = 0; i < n; i++) {
            const struct sl_cell *cell = &first->cells[i];
            int k = cell->text ? cand_find(c, cell->text, cell->len) : -2;
            if (k == -2)
                continue;
            char letters[8];
            col_letters(i, letters);
            if (k < 0) {
                char v[64];
                sl_strlcpy(v, cell->text, sizeof v);
                sl_buf_addf(&unknown, "%s'%s' (%s)", unknown.len ? ", " : "", v, letters);
                continue;
            }
            int j = find_col(p, c->name[k]);
            if (j >= 0) {
                rc = sl_err_set(err, SL_ESCHEMA,
                                "two header cells name column '%s' (the second is in column %s); "
                                "rename one of them or use --columns",
                                c->name[k], letters);
                goto out;
            }
            if ((j = add_col(p, c->name[k])) < 0) {
                rc = j;
                goto out;
            }
            p->map[i] = j;
            matched++;
        }
        if (!matched && p->default_table && n > 0) {
            /* No header: the tutorial's column order, first row is data. */
            sl_info("the first row names no column of 'businesses'; reading it as data, "
                    "columns in the order %s, %s, %s, ...", biz_cols[0], biz_cols[1], biz_cols[2]);
            sl_buf_reset(&unknown);
            for (size_t i = 0; i < n; i++)
                p->map[i] = -1;
            sl_free(p->map);
            if ((rc = set_map(p, NBIZ)))
                goto out;
            for (size_t i = 0; i < NBIZ; i++) {
                int j = find_col(p, biz_cols[i]);
                if (j < 0 && (j = add_col(p, biz_cols[i])) < 0) {
                    rc = j;
                    goto out;
                }
                p->map[i] = j;
            }
            *header_is_data = 1;
        } else if (!matched && n > 0) {
            rc = sl_err_set(err, SL_ESCHEMA,
                            "no header cell of the first row names a column of table '%s'; "
                            "check the sheet or use --columns", p->table);
            goto out;
        }
    }
    if (unknown.len)
        sl_warn("ignoring header cells that name no column of table '%s': %s", p->table,
                unknown.data);

    if (p->default_table) {
        /* Every model column is written (NULL when the sheet lacks it). */
        for (size_t k = 0; k < NBIZ; k++)
            if (find_col(p, biz_cols[k]) < 0 && (rc = add_col(p, biz_cols[k])) < 0)
                goto out;
        rc = 0;
        if ((p->stamp1 = add_col(p, "created_at")) < 0 || (p->stamp2 = add_col(p, "updated_at")) < 0) {
            rc = SL_ENOMEM;
            goto out;
        }
        p->v_name = find_col(p, "name");
        p->v_email = find_col(p, "email");
        p->v_website = find_col(p, "website");
        int named = 0;
        for (size_t i = 0; i < p->nmap; i++)
            if (p->map[i] == p->v_name)
                named = 1;
        if (first && !named) {
            rc = sl_err_set(err, SL_ESCHEMA,
                            "no column of the sheet is 'name', which table 'businesses' requires; "
                            "add a 'name' header cell or use --columns");
            goto out;
        }
    } else {
        for (size_t k = 0; k < ntcols; k++) {
            if (!tcols[k].not_null || tcols[k].has_default || find_col(p, tcols[k].name) >= 0)
                continue;
            rc = sl_err_set(err, SL_ESCHEMA,
                            "column '%s' of table '%s' is NOT NULL without a default, and no column "
                            "of the sheet maps to it; add a '%s' header cell or use --columns",
                            tcols[k].name, p->table, tcols[k].name);
            goto out;
        }
    }
    rc = keep_header(p, first, *header_is_data);
out:
    sl_buf_release(&unknown);
    sl_free(c);
    return rc;
}
