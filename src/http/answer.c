/* answer.c - what an answer may say about an import: the client's file
 * name and the import's own facts, nothing of the server (no temp paths,
 * no database target, no rejects path). A failure the client cannot act
 * on is logged in full under the request id and answered with that id.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"
#include "http/internal.h"

void sl_http_scrub(const struct sl_http_server *s, const char *in, const char *display, char *out,
                   size_t cap)
{
    const char *dir = s->updir;
    size_t dl = dir ? strlen(dir) : 0, n = 0;
    char tmp[2048];
    const char *p = in;
    while (*p && n + 1 < sizeof tmp) {
        const char *hit = dl ? strstr(p, dir) : NULL;
        size_t lit = hit ? (size_t)(hit - p) : strlen(p);
        if (lit > sizeof tmp - 1 - n)
            lit = sizeof tmp - 1 - n;
        memcpy(tmp + n, p, lit);
        n += lit;
        p += lit;
        if (!hit || p != hit)
            break;
        /* A path under the upload dir: up to a quote, a blank or a colon. */
        p += strcspn(p, "'\" :,");
        size_t rl = strlen(display);
        if (rl > sizeof tmp - 1 - n)
            rl = sizeof tmp - 1 - n;
        memcpy(tmp + n, display, rl);
        n += rl;
    }
    tmp[n] = '\0';
    sl_utf8_clean(out, cap, tmp, n, 0);
}

/* Errors about the server or the database rather than the file or its
 * data: their text (hosts, database names, paths) stays in the log. */
static int client_facing(int code)
{
    switch (code) {
    case SL_EDB:
    case SL_EDBCONN:
    case SL_ERETRY:
    case SL_EIO:
    case SL_ENOMEM:
    case SL_ECLOSED:
    case SL_EAGAIN:
        return 0;
    }
    return 1;
}

int sl_http_import_error(const struct sl_http_server *s, const struct sl_error *e,
                         const char *display, const char *ref, char *out, size_t cap)
{
    if (!client_facing(e->code)) {
        snprintf(out, cap, "%s; the server log has the details of import %s",
                 e->code == SL_EDBCONN || e->code == SL_ERETRY
                     ? "the database is unavailable; retry later"
                     : "the server failed",
                 ref);
        return 1;
    }
    struct sl_error c = *e;
    if (c.file[0] && s->updir && !strncmp(c.file, s->updir, strlen(s->updir)))
        sl_strlcpy(c.file, display, sizeof c.file);
    char line[sizeof c.msg + 512];
    sl_err_format(&c, line, sizeof line);
    sl_http_scrub(s, line, display, out, cap);
    return 0;
}

json_t *sl_http_stats_json(const struct sl_http_server *s, const struct sheetload_stats *st,
                           const char *display, const char *ref)
{
    char buf[32768]; /* the header's cells make it long */
    size_t n = sheetload_stats_json(st, buf, sizeof buf);
    json_t *o = n < sizeof buf ? json_loads(buf, 0, NULL) : NULL;
    if (!o)
        return json_object();
    json_object_del(o, "target");
    json_object_del(o, "rejects_file");
    json_object_set_new(o, "file", json_string(display));
    if (st->err.code) {
        char msg[1400];
        sl_http_import_error(s, &st->err, display, ref, msg, sizeof msg);
        json_object_set_new(o, "error", json_string(msg));
    }
    return o;
}
