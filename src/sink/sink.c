/* sink.c - target names, redaction, quoting, and dispatch to the pg and
 * sqlite sinks. */
#include "sink/sink.h"

#include <string.h>

#include "base/err.h"
#include "sink/sink_int.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    const char *p = s + n - m;
    for (size_t i = 0; i < m; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

int sl_target_is_sqlite(const char *target, const char **path)
{
    if (!target)
        return 0;
    if (strncmp(target, "sqlite:", 7) == 0) {
        const char *p = target + 7;
        if (strncmp(p, "//", 2) == 0) /* sqlite://rel.db, sqlite:///abs.db */
            p += 2;
        if (path)
            *path = p;
        return 1;
    }
    if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0)
        return 0;
    if (strchr(target, '=')) /* a libpq keyword string */
        return 0;
    if (ends_with(target, ".db") || ends_with(target, ".sqlite") || ends_with(target, ".sqlite3")) {
        if (path)
            *path = target;
        return 1;
    }
    return 0;
}

/* Appends n bytes of s to out (bounded, always NUL-terminated). */
static void put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= cap)
        return;
    size_t room = cap - 1 - *len;
    if (n > room)
        n = room;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

static void redact_url(const char *t, char *out, size_t cap)
{
    size_t len = 0;
    const char *auth = strstr(t, "://") + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            at = auth + i;
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    const char *p = t;
    if (colon) {
        put(out, cap, &len, p, (size_t)(colon + 1 - p));
        put(out, cap, &len, "***", 3);
        p = at;
    }
    /* the query part: password=... */
    const char *q = strchr(p, '?');
    if (!q) {
        put(out, cap, &len, p, strlen(p));
        return;
    }
    put(out, cap, &len, p, (size_t)(q + 1 - p));
    p = q + 1;
    while (*p) {
        size_t plen = strcspn(p, "&");
        if (strncmp(p, "password=", 9) == 0) {
            put(out, cap, &len, "password=***", 12);
        } else {
            put(out, cap, &len, p, plen);
        }
        p += plen;
        if (*p == '&')
            put(out, cap, &len, p++, 1);
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void redact_keywords(const char *t, char *out, size_t cap)
{
    size_t len = 0;
    const char *p = t;
    while (*p) {
        const char *start = p;
        while (is_space(*p))
            p++;
        const char *key = p;
        while (*p && *p != '=' && !is_space(*p))
            p++;
        size_t klen = (size_t)(p - key);
        while (is_space(*p))
            p++;
        if (*p != '=') { /* not a keyword string after all: copy the rest */
            put(out, cap, &len, start, strlen(start));
            return;
        }
        p++;
        while (is_space(*p))
            p++;
        const char *val = p;
        if (*p == '\'') {
            p++;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (*p == '\'')
                p++;
        } else {
            while (*p && !is_space(*p))
                p++;
        }
        put(out, cap, &len, start, (size_t)(val - start));
        if (klen == 8 && strncmp(key, "password", 8) == 0)
            put(out, cap, &len, "***", 3);
        else
            put(out, cap, &len, val, (size_t)(p - val));
    }
}

void sl_target_redact(const char *target, char *out, size_t cap)
{
    if (!out || cap == 0)
        return;
    out[0] = '\0';
    if (!target)
        return;
    if (sl_target_is_sqlite(target, NULL)) {
        sl_strlcpy(out, target, cap);
        return;
    }
    if (strstr(target, "://"))
        redact_url(target, out, cap);
    else
        redact_keywords(target, out, cap);
}

int sl_sink_quote_ident(const char *ident, char *out, size_t cap)
{
    size_t len = 0;
    if (cap < 3)
        return SL_ELIMIT;
    out[len++] = '"';
    for (const char *p = ident; *p; p++) {
        size_t need = *p == '"' ? 2 : 1;
        if (len + need + 2 > cap)
            goto fail;
        out[len++] = *p;
        if (*p == '"')
            out[len++] = '"';
    }
    out[len++] = '"';
    out[len] = '\0';
    return 0;
fail:
    out[0] = '\0';
    return SL_ELIMIT;
}

int sl_sink_quote_table(const char *table, char *out, size_t cap)
{
    const char *dot = strchr(table, '.');
    if (!dot)
        return sl_sink_quote_ident(table, out, cap);
    char schema[256];
    size_t n = (size_t)(dot - table);
    if (n >= sizeof schema)
        return SL_ELIMIT;
    memcpy(schema, table, n);
    schema[n] = '\0';
    if (sl_sink_quote_ident(schema, out, cap))
        return SL_ELIMIT;
    size_t len = strlen(out);
    if (len + 1 >= cap)
        return SL_ELIMIT;
    out[len++] = '.';
    return sl_sink_quote_ident(dot + 1, out + len, cap - len);
}

int sl_sink_open(struct sl_sink **out, const char *target, struct sl_error *err)
{
    const char *path;
    *out = NULL;
    if (!target)
        target = "";
    if (sl_target_is_sqlite(target, &path)) {
        if (!*path)
            return sl_err_set(err, SL_EINVAL, "SQLite target '%s' names no file; write sqlite:PATH",
                              target);
        return sl_sqlite_open(out, path, err);
    }
    return sl_pg_open(out, target, err);
}

void sl_sink_close(struct sl_sink *s)
{
    if (s)
        s->ops->close(s);
}

int sl_sink_dialect(const struct sl_sink *s)
{
    return s->dialect;
}

int sl_sink_reconnect(struct sl_sink *s, struct sl_error *err)
{
    s->in_tx = 0;
    return s->ops->reconnect(s, err);
}

int sl_sink_set_cache(struct sl_sink *s, unsigned long long bytes, struct sl_error *err)
{
    return s->ops->set_cache ? s->ops->set_cache(s, bytes, err) : 0;
}

int sl_sink_ping(struct sl_sink *s, struct sl_error *err)
{
    return s->ops->query(s, "SELECT 1", 0, NULL, NULL, NULL, err);
}

void sl_sink_cancel(struct sl_sink *s)
{
    if (s)
        s->ops->cancel(s);
}

int sl_sink_exec(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                 struct sl_error *err)
{
    return s->ops->exec(s, sql, nparams, params, err);
}

int sl_sink_query(struct sl_sink *s, const char *sql, int nparams, const char *const *params,
                  sl_sink_row_cb cb, void *arg, struct sl_error *err)
{
    return s->ops->query(s, sql, nparams, params, cb, arg, err);
}

int sl_sink_begin(struct sl_sink *s, struct sl_error *err)
{
    s->commit_ambiguous = 0;
    int rc = s->ops->begin(s, err);
    if (rc == 0)
        s->in_tx = 1;
    return rc;
}

int sl_sink_commit(struct sl_sink *s, struct sl_error *err)
{
    s->commit_ambiguous = 0;
    int rc = s->ops->commit(s, err);
    s->in_tx = 0;
    return rc;
}

int sl_sink_rollback(struct sl_sink *s, struct sl_error *err)
{
    int rc = s->ops->rollback(s, err);
    s->in_tx = 0;
    return rc;
}

void sl_sink_rollback_quietly(struct sl_sink *s)
{
    struct sl_error e;
    sl_err_clear(&e);
    sl_sink_rollback(s, &e);
}

int sl_sink_end(struct sl_sink *s, int rc, struct sl_error *err)
{
    if (!rc && !(rc = sl_sink_commit(s, err)))
        return 0;
    sl_sink_rollback_quietly(s);
    return rc;
}

int sl_sink_last_commit_ambiguous(const struct sl_sink *s)
{
    return s->commit_ambiguous;
}

int sl_sink_prepare_insert(struct sl_sink *s, const char *table, const char *const *cols,
                           size_t ncols, struct sl_error *err)
{
    if (!table || !*table || ncols == 0)
        return sl_err_set(err, SL_EINVAL, "prepare_insert needs a table and at least one column");
    return s->ops->prepare_insert(s, table, cols, ncols, err);
}

int sl_sink_insert_row(struct sl_sink *s, const char *const *vals, struct sl_error *err)
{
    return s->ops->insert_row(s, vals, err);
}

int sl_sink_prepare_row_also(struct sl_sink *s, const char *also, int nalso, struct sl_error *err)
{
    if (!s->ops->prepare_row_also)
        return sl_err_set(err, SL_EINVAL, "the %s sink has no combined row statement",
                          s->ops->name);
    if (!also || nalso < 0)
        return sl_err_set(err, SL_EINVAL, "prepare_row_also needs a statement");
    return s->ops->prepare_row_also(s, also, nalso, err);
}

int sl_sink_insert_row_also(struct sl_sink *s, const char *const *vals,
                            const char *const *also_vals, struct sl_error *err)
{
    if (!s->ops->insert_row_also)
        return sl_err_set(err, SL_EINVAL, "the %s sink has no combined row statement",
                          s->ops->name);
    return s->ops->insert_row_also(s, vals, also_vals, err);
}

int sl_sink_insert_rows(struct sl_sink *s, const char *const *vals, size_t nrows,
                        struct sl_error *err)
{
    if (nrows == 0)
        return 0;
    return s->ops->insert_rows(s, vals, nrows, err);
}

int sl_sink_copy_rows(struct sl_sink *s, const char *const *vals, size_t nrows, long *bad_row,
                      struct sl_error *err)
{
    long dummy;
    if (!bad_row)
        bad_row = &dummy;
    *bad_row = -1;
    if (nrows == 0)
        return 0;
    return s->ops->copy_rows(s, vals, nrows, bad_row, err);
}

void sl_sink_set_copy_binary(struct sl_sink *s, int on)
{
    s->copy_binary = on ? 1 : 0;
}

int sl_sink_copy_is_binary(const struct sl_sink *s)
{
    return s->copy_binary && s->copy_binary_ok;
}

int sl_sink_table_columns(struct sl_sink *s, const char *table, struct sl_sink_column *cols,
                          size_t cap, size_t *n, struct sl_error *err)
{
    *n = 0;
    int rc = s->ops->table_columns(s, table, cols, cap, n, err);
    if (rc)
        *n = 0;
    else if (*n > cap) /* the table has more: the first cap are filled */
        *n = cap;
    return rc;
}
