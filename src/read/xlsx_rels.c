/* xlsx_rels.c - package relationships (.rels parts) and part paths: the
 * relationships of a part, targets resolved against the part's folder
 * ('..' resolved, '/' = package root), and running a whole small part
 * through a handler. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/xlsx_int.h"
#include "read/xml.h"
#include "read/zip.h"

const char *sl_xlsx_attr(const char **atts, const char *name)
{
    for (; atts[0]; atts += 2)
        if (!strcmp(atts[0], name))
            return atts[1];
    return NULL;
}

int sl_xlsx_parse_part(struct sl_xlsx *x, long idx, const void *handler, void *ud,
                       struct sl_xml **xmlp, struct sl_error *err)
{
    struct sl_xml *xml = NULL;
    int rc = sl_xml_open(&xml, x->zip, idx, handler, ud, &x->lim, err);
    if (xmlp)
        *xmlp = xml;
    while (!rc) {
        rc = sl_xml_run(xml, err);
        if (rc == 0)
            break;
        if (rc == 1)
            rc = 0; /* nothing suspends a whole-part parse; go on */
    }
    sl_xml_close(xml);
    return rc;
}

/* Joins dir and target and resolves '.' and '..' (posix normpath); a target
 * starting with '/' is from the package root. Returns a new string. */
static char *resolve(const char *dir, const char *target)
{
    size_t dl = strlen(dir), tl = strlen(target);
    char *in = sl_malloc(dl + tl + 2);
    char *out = sl_malloc(dl + tl + 2);
    if (!in || !out)
        goto fail;
    if (target[0] == '/') {
        memcpy(in, target, tl + 1);
    } else {
        memcpy(in, dir, dl);
        in[dl] = '/';
        memcpy(in + dl + 1, target, tl + 1);
    }
    size_t n = 0;    /* out length */
    size_t keep = 0; /* leading ".." segments that cannot be popped */
    for (char *seg = in; *seg;) {
        char *end = strchr(seg, '/');
        size_t sl = end ? (size_t)(end - seg) : strlen(seg);
        if (sl == 0 || (sl == 1 && seg[0] == '.')) {
            /* skip */
        } else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            if (n > keep) {
                while (n > 0 && out[n - 1] != '/')
                    n--;
                if (n > 0)
                    n--;
            } else {
                if (n)
                    out[n++] = '/';
                memcpy(out + n, "..", 2);
                n += 2;
                keep = n;
            }
        } else {
            if (n)
                out[n++] = '/';
            memcpy(out + n, seg, sl);
            n += sl;
        }
        seg += sl;
        if (*seg == '/')
            seg++;
    }
    out[n] = '\0';
    sl_free(in);
    return out;
fail:
    sl_free(in);
    sl_free(out);
    return NULL;
}

struct rels_ctx {
    struct sl_xlsx_rels *rels;
    const char *dir;
    int oom;
};

static void rels_start(void *ud, const char *name, const char **atts, int depth)
{
    struct rels_ctx *c = ud;
    if (depth != 2 || strcmp(name, "Relationship"))
        return;
    const char *mode = sl_xlsx_attr(atts, "TargetMode");
    if (mode && !strcasecmp(mode, "External"))
        return;
    struct sl_xlsx_rels *r = c->rels;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct sl_xlsx_rel *v = sl_realloc(r->v, cap * sizeof *v);
        if (!v) {
            c->oom = 1;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    const char *id = sl_xlsx_attr(atts, "Id"), *type = sl_xlsx_attr(atts, "Type");
    const char *target = sl_xlsx_attr(atts, "Target");
    struct sl_xlsx_rel *e = &r->v[r->n];
    e->id = sl_strdup(id ? id : "");
    e->type = sl_strdup(type ? type : "");
    e->target = resolve(c->dir, target ? target : "");
    if (!e->id || !e->type || !e->target) {
        sl_free(e->id);
        sl_free(e->type);
        sl_free(e->target);
        c->oom = 1;
        return;
    }
    r->n++;
}

int sl_xlsx_read_rels(struct sl_xlsx *x, const char *part, struct sl_xlsx_rels *rels,
                      struct sl_error *err)
{
    memset(rels, 0, sizeof *rels);
    while (*part == '/')
        part++;
    const char *slash = strrchr(part, '/');
    size_t dl = slash ? (size_t)(slash - part) : 0;
    const char *base = slash ? slash + 1 : part;
    size_t need = dl + strlen(base) + 16;
    char *rp = sl_malloc(need), *dir = sl_strndup(part, dl);
    int rc = 0;
    if (!rp || !dir) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory");
        goto out;
    }
    if (dl)
        snprintf(rp, need, "%s/_rels/%s.rels", dir, base);
    else
        snprintf(rp, need, "_rels/%s.rels", base);
    long idx = sl_zip_find(x->zip, rp);
    if (idx < 0)
        goto out; /* no relationships */
    struct rels_ctx c = {rels, dir, 0};
    struct sl_xml_handler h = {rels_start, NULL, NULL, 0};
    rc = sl_xlsx_parse_part(x, idx, &h, &c, NULL, err);
    if (!rc && c.oom)
        rc = sl_err_set(err, SL_ENOMEM, "'%s': out of memory", rp);
out:
    sl_free(rp);
    sl_free(dir);
    return rc;
}

void sl_xlsx_rels_free(struct sl_xlsx_rels *rels)
{
    for (size_t i = 0; i < rels->n; i++) {
        sl_free(rels->v[i].id);
        sl_free(rels->v[i].type);
        sl_free(rels->v[i].target);
    }
    sl_free(rels->v);
    memset(rels, 0, sizeof *rels);
}

const char *sl_xlsx_rel_by_type(const struct sl_xlsx_rels *rels, const char *suffix)
{
    size_t sl = strlen(suffix);
    for (size_t i = 0; i < rels->n; i++) {
        size_t tl = strlen(rels->v[i].type);
        if (tl >= sl && !memcmp(rels->v[i].type + tl - sl, suffix, sl))
            return rels->v[i].target;
    }
    return NULL;
}
