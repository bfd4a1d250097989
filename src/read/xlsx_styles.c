/* xlsx_styles.c - the styles part: for each cellXfs <xf>, what its number
 * format means for a number (date, time, elapsed time, zero padding).
 * Custom <numFmt>s override built-in ids, even below 164 (SPEC §6). The
 * xfs are resolved after the whole part is read, so the order of
 * <numFmts> and <cellXfs> in the file does not matter. */
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "read/cellfmt.h"
#include "read/xlsx_int.h"
#include "read/xml.h"

struct custom {
    long id;
    struct sl_xlsx_xf f;
};

struct styles_ctx {
    struct sl_xml *xml;
    int in_fmts, seen_fmts, in_xfs, seen_xfs, oom;
    struct custom *cust;
    size_t ncust, capcust;
    long *fid; /* numFmtId of each xf */
    size_t nfid, capfid;
};

/* Python int() of an attribute: optional spaces and sign, digits. */
static int parse_long(const char *s, long *out)
{
    if (!s)
        return -1;
    char *end;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (!*s || !((*s >= '0' && *s <= '9') || *s == '+' || *s == '-'))
        return -1;
    long v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = sl_realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

static void styles_start(void *ud, const char *name, const char **atts, int depth)
{
    struct styles_ctx *c = ud;
    if (depth == 2) {
        if (!strcmp(name, "numFmts") && !c->seen_fmts)
            c->in_fmts = c->seen_fmts = 1;
        else if (!strcmp(name, "cellXfs") && !c->seen_xfs)
            c->in_xfs = c->seen_xfs = 1;
        return;
    }
    if (depth != 3)
        return;
    if (c->in_fmts && !strcmp(name, "numFmt")) {
        long id;
        if (parse_long(sl_xlsx_attr(atts, "numFmtId"), &id))
            return;
        if (grow((void **)&c->cust, &c->capcust, c->ncust, sizeof *c->cust)) {
            c->oom = 1;
            return;
        }
        const char *code = sl_xlsx_attr(atts, "formatCode");
        int pad = 0;
        struct custom *e = &c->cust[c->ncust++];
        e->id = id;
        e->f.kind = (uint8_t)sl_numfmt_classify(code ? code : "", &pad);
        e->f.pad = (uint8_t)pad;
    } else if (c->in_xfs && !strcmp(name, "xf")) {
        long id;
        const char *a = sl_xlsx_attr(atts, "numFmtId");
        if (!a || !*a || parse_long(a, &id))
            id = 0;
        if (grow((void **)&c->fid, &c->capfid, c->nfid, sizeof *c->fid)) {
            c->oom = 1;
            return;
        }
        c->fid[c->nfid++] = id;
    }
}

static void styles_end(void *ud, int depth)
{
    struct styles_ctx *c = ud;
    if (depth == 2)
        c->in_fmts = c->in_xfs = 0;
}

/* The meaning of format id: the last custom one with that id, else the
 * built-in's. */
static struct sl_xlsx_xf meaning(const struct styles_ctx *c, long id)
{
    for (size_t i = c->ncust; i-- > 0;)
        if (c->cust[i].id == id)
            return c->cust[i].f;
    struct sl_xlsx_xf f = {(uint8_t)sl_numfmt_builtin(id), 0};
    return f;
}

int sl_xlsx_load_styles(struct sl_xlsx *x, long idx, struct sl_error *err)
{
    struct styles_ctx c;
    memset(&c, 0, sizeof c);
    struct sl_xml_handler h = {styles_start, styles_end, NULL, 0};
    int rc = sl_xlsx_parse_part(x, idx, &h, &c, &c.xml, err);
    if (!rc && c.oom)
        rc = sl_err_set(err, SL_ENOMEM, "out of memory reading the styles");
    if (rc)
        goto out;
    x->xf = sl_calloc(c.nfid ? c.nfid : 1, sizeof *x->xf);
    if (!x->xf) {
        rc = sl_err_set(err, SL_ENOMEM, "out of memory reading the styles");
        goto out;
    }
    for (size_t i = 0; i < c.nfid; i++)
        x->xf[i] = meaning(&c, c.fid[i]);
    x->nxf = c.nfid;
    x->xf_none = meaning(&c, 0);
out:
    sl_free(c.cust);
    sl_free(c.fid);
    return rc;
}
