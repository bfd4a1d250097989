/* previews.c - uploads kept for a look before they are imported:
 * POST /previews (multipart → preview), GET|POST|DELETE /previews/ID and
 * POST /previews/ID/import (a job of the kept file with the chosen
 * mapping). The preview itself (sheets, first rows, suggested mapping, dry
 * run) is sheetload_preview(); this file keeps the files.
 *
 * DESIGN. A preview owns its uploaded file, UPLOADDIR/up-<random>/upload,
 * for --preview-ttl after its last use, and all previews together hold at
 * most --preview-space bytes: a new upload first drops expired previews,
 * then the least recently used ones that nobody is using, and is refused
 * (507) when it still does not fit. An import gets a hard link of the file
 * in a directory of its own, so the job owns its copy (jobs.c unlinks it)
 * and the preview stays for another try (a cancelled import resumes from
 * the same preview). A sweeper thread deletes previews as they expire.
 *
 * Locking: pv->mu guards the list, the byte count and every field of a
 * preview marked (mu). It is never held while a file is read, a preview is
 * computed or a file is unlinked. A preview in use (refs > 0) is never
 * freed; one dropped meanwhile (gone) is freed by its last user.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "http/internal.h"

struct sl_preview {
    char id[32];             /* immutable */
    char path[PATH_MAX];     /* the kept upload; immutable */
    char display[256];       /* immutable */
    unsigned long long size; /* immutable */
    int64_t expires_ns;      /* (mu) monotonic */
    time_t expires_wall;     /* (mu) for the answer */
    char *json;              /* (mu) the last preview, owned */
    int refs;                /* (mu) users besides the list */
    int gone;                /* (mu) off the list: the last user frees it */
    struct sl_preview *next; /* (mu) most recently used first */
};

static void preview_free(struct sl_preview *p)
{
    sl_upload_remove(p->path);
    free(p->json);
    sl_free(p);
}

/* Caller holds mu: takes p off the list; returns it when it can be freed
 * now (nobody uses it), else NULL (its last user frees it). */
static struct sl_preview *unlink_locked(struct sl_previews *pv, struct sl_preview *p)
{
    for (struct sl_preview **pp = &pv->list; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    pv->bytes -= p->size;
    p->gone = 1;
    return p->refs == 0 ? p : NULL;
}

/* Caller holds mu: moves every expired preview to *dead (freed unlocked). */
static void expire_locked(struct sl_previews *pv, int64_t now, struct sl_preview **dead)
{
    for (struct sl_preview *p = pv->list, *next; p; p = next) {
        next = p->next;
        if (p->expires_ns <= now && unlink_locked(pv, p)) {
            p->next = *dead;
            *dead = p;
        }
    }
}

static void free_list(struct sl_preview *dead)
{
    while (dead) {
        struct sl_preview *next = dead->next;
        sl_info("preview %s: file '%s' deleted", dead->id, dead->display);
        preview_free(dead);
        dead = next;
    }
}

static void *sweeper(void *arg)
{
    struct sl_previews *pv = arg;
    pthread_mutex_lock(&pv->mu);
    while (!pv->stopping) {
        int64_t next = sl_now_ns() + 60LL * 1000000000;
        for (struct sl_preview *p = pv->list; p; p = p->next)
            if (p->expires_ns < next)
                next = p->expires_ns;
        struct timespec ts = sl_ns_to_timespec(next);
        pthread_cond_timedwait(&pv->cv, &pv->mu, &ts);
        struct sl_preview *dead = NULL;
        expire_locked(pv, sl_now_ns(), &dead);
        pthread_mutex_unlock(&pv->mu);
        free_list(dead);
        pthread_mutex_lock(&pv->mu);
    }
    pthread_mutex_unlock(&pv->mu);
    return NULL;
}

int sl_previews_init(struct sl_previews *pv, double ttl_s, unsigned long long space,
                     struct sl_error *err)
{
    memset(pv, 0, sizeof *pv);
    pv->ttl_s = ttl_s;
    pv->space = space;
    pthread_mutex_init(&pv->mu, NULL);
    sl_cond_init_monotonic(&pv->cv);
    int e = pthread_create(&pv->th, NULL, sweeper, pv);
    if (e)
        return sl_err_set(err, SL_EIO, "cannot start the preview sweeper: %s", strerror(e));
    pv->started = 1;
    return 0;
}

void sl_previews_stop(struct sl_previews *pv)
{
    pthread_mutex_lock(&pv->mu);
    pv->stopping = 1;
    pthread_cond_broadcast(&pv->cv);
    pthread_mutex_unlock(&pv->mu);
    if (pv->started)
        pthread_join(pv->th, NULL);
    pv->started = 0;
    struct sl_preview *dead = NULL;
    pthread_mutex_lock(&pv->mu);
    while (pv->list) {
        struct sl_preview *p = pv->list;
        if (unlink_locked(pv, p)) {
            p->next = dead;
            dead = p;
        }
    }
    pthread_mutex_unlock(&pv->mu);
    free_list(dead);
    pthread_cond_destroy(&pv->cv);
    pthread_mutex_destroy(&pv->mu);
}

static void touch_locked(struct sl_previews *pv, struct sl_preview *p)
{
    p->expires_ns = sl_now_ns() + (int64_t)(pv->ttl_s * 1e9);
    p->expires_wall = time(NULL) + (time_t)pv->ttl_s;
}

/* A new preview of the file at path (taken over: deleted with the preview).
 * NULL with *full set when the space is used by previews in use. */
static struct sl_preview *preview_add(struct sl_previews *pv, const char *path, const char *display,
                                      unsigned long long size, int *full)
{
    struct sl_preview *p = sl_calloc(1, sizeof *p), *dead = NULL;
    *full = 0;
    if (!p)
        return NULL;
    sl_random_name(p->id, sizeof p->id, "p", "");
    sl_strlcpy(p->path, path, sizeof p->path);
    sl_strlcpy(p->display, display, sizeof p->display);
    p->size = size;
    p->refs = 1;
    pthread_mutex_lock(&pv->mu);
    expire_locked(pv, sl_now_ns(), &dead);
    /* The least recently used previews nobody is using make room, when
     * dropping them all would. */
    unsigned long long unused = 0;
    for (struct sl_preview *q = pv->list; q; q = q->next)
        if (q->refs == 0)
            unused += q->size;
    while (pv->bytes + size > pv->space && pv->bytes - unused + size <= pv->space) {
        struct sl_preview *old = NULL;
        for (struct sl_preview *q = pv->list; q; q = q->next)
            if (q->refs == 0)
                old = q;
        if (!old)
            break;
        unlink_locked(pv, old);
        old->next = dead;
        dead = old;
    }
    if (pv->bytes + size > pv->space) {
        *full = 1;
        pthread_mutex_unlock(&pv->mu);
        free_list(dead);
        sl_free(p);
        return NULL;
    }
    touch_locked(pv, p);
    pv->bytes += size;
    p->next = pv->list;
    pv->list = p;
    pthread_cond_signal(&pv->cv);
    pthread_mutex_unlock(&pv->mu);
    free_list(dead);
    return p;
}

/* Finds a preview, marks it used now and takes a reference. */
static struct sl_preview *preview_get(struct sl_previews *pv, const char *id)
{
    pthread_mutex_lock(&pv->mu);
    struct sl_preview **pp = &pv->list, *p;
    while ((p = *pp) && strcmp(p->id, id))
        pp = &p->next;
    if (p) {
        *pp = p->next; /* most recently used first */
        p->next = pv->list;
        pv->list = p;
        touch_locked(pv, p);
        p->refs++;
    }
    pthread_mutex_unlock(&pv->mu);
    return p;
}

static void preview_put(struct sl_previews *pv, struct sl_preview *p)
{
    pthread_mutex_lock(&pv->mu);
    int last = --p->refs == 0 && p->gone;
    pthread_mutex_unlock(&pv->mu);
    if (last)
        preview_free(p);
}

static void preview_drop(struct sl_previews *pv, struct sl_preview *p)
{
    pthread_mutex_lock(&pv->mu);
    if (!p->gone)
        unlink_locked(pv, p);
    pthread_mutex_unlock(&pv->mu);
}

/* ---- the routes ---------------------------------------------------------- */

static int status_of(int rc)
{
    switch (rc) {
    case SL_EFORMAT:
    case SL_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case SL_ECANCELED:
    case SL_EDBCONN:
    case SL_ERETRY:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    case SL_ENOMEM:
    case SL_EIO:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
    return MHD_HTTP_UNPROCESSABLE_CONTENT;
}

/* Runs the preview with sheet and mapping (NULL = as suggested) and keeps
 * its answer; replies with it (status) or with the error. */
static int compute(struct sl_req *r, struct MHD_Connection *c, struct sl_preview *p,
                   const char *sheet, const char *columns, int status)
{
    struct sl_http_server *s = r->srv;
    struct sheetload_preview_opts o;
    struct sl_error err;
    char *text = NULL;
    memset(&o, 0, sizeof o);
    o.file = p->path;
    o.display_name = p->display;
    o.db = s->db;
    o.sheet = sheet && *sheet ? sheet : NULL;
    o.columns = columns;
    sl_err_clear(&err);
    int rc = sheetload_preview(&o, &text, &err);
    if (rc) {
        if (rc == SL_EFORMAT)
            return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "Only Excel files allowed");
        return sl_reply_error(r, c, status_of(rc), "%s", err.msg[0] ? err.msg : sl_strerror(rc));
    }
    json_t *o_json = json_loads(text, 0, NULL);
    sheetload_free(text);
    if (!o_json)
        return sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "the preview failed");
    char when[32];
    struct tm tm;
    pthread_mutex_lock(&s->previews.mu);
    time_t exp = p->expires_wall;
    pthread_mutex_unlock(&s->previews.mu);
    gmtime_r(&exp, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(o_json, "id", json_string(p->id));
    json_object_set_new(o_json, "size", json_integer((json_int_t)p->size));
    json_object_set_new(o_json, "expires_at", json_string(when));
    char *keep = json_dumps(o_json, JSON_COMPACT);
    pthread_mutex_lock(&s->previews.mu);
    free(p->json);
    p->json = keep;
    pthread_mutex_unlock(&s->previews.mu);
    if (status == MHD_HTTP_CREATED) {
        char loc[64];
        snprintf(loc, sizeof loc, "/previews/%s", p->id);
        return sl_reply_json_hdr(r, c, status, o_json, MHD_HTTP_HEADER_LOCATION, loc);
    }
    return sl_reply_json(r, c, status, o_json);
}

int sl_route_preview_new(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_http_server *s = r->srv;
    int ret = sl_upload_refusal(r, c);
    if (ret >= 0)
        return ret;
    int full;
    struct sl_preview *p = preview_add(&s->previews, r->tmp, r->display, r->file_bytes, &full);
    if (!p)
        return full ? sl_reply_error(r, c, 507,
                                     "the server holds as many uploaded files as it may "
                                     "(--preview-space %llu bytes); try again in a few minutes",
                                     s->previews.space)
                    : sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    r->tmp[0] = '\0'; /* the preview owns the file now */
    sl_info("preview %s: file '%s' (%llu bytes) kept", p->id, p->display, p->size);
    ret = compute(r, c, p, NULL, NULL, MHD_HTTP_CREATED);
    if (r->status != MHD_HTTP_CREATED) /* not a file we can read: not kept */
        preview_drop(&s->previews, p);
    preview_put(&s->previews, p);
    return ret;
}

/* The last preview computed for p (new), or NULL when it has none. */
static json_t *preview_last(struct sl_previews *pv, const struct sl_preview *p)
{
    pthread_mutex_lock(&pv->mu);
    json_t *o = p->json ? json_loads(p->json, 0, NULL) : NULL;
    pthread_mutex_unlock(&pv->mu);
    return o;
}

static int not_found(struct sl_req *r, struct MHD_Connection *c)
{
    return sl_reply_error(r, c, MHD_HTTP_NOT_FOUND,
                          "preview '%s' not found: uploaded files are kept for %.0f minutes "
                          "after their last use",
                          r->arg, r->srv->previews.ttl_s / 60);
}

/* The mapping of a JSON body as opts.columns ("a,,c") in b; NULL body
 * value = none. Returns a message for a bad one, else NULL. */
static const char *mapping_arg(json_t *m, struct sl_buf *b)
{
    if (!m || json_is_null(m))
        return NULL;
    if (!json_is_array(m) || json_array_size(m) > 16384)
        return "'mapping' must be an array with one table column name (or \"\") per sheet column";
    size_t i;
    json_t *v;
    json_array_foreach(m, i, v)
    {
        const char *t = json_string_value(v);
        if (!t && !json_is_null(v))
            return "'mapping' must hold strings: a table column name, or \"\" to skip";
        if (t && strpbrk(t, ",\r\n"))
            return "a name in 'mapping' holds a comma or a line break; no column is named so";
        if (i)
            sl_buf_addch(b, ',');
        sl_buf_addstr(b, t ? t : "");
    }
    return b->err ? "'mapping' is too long" : NULL;
}

/* The request's JSON body (new), or NULL after replying 400. */
static json_t *body_json(struct sl_req *r, struct MHD_Connection *c, int *ret)
{
    json_error_t je;
    if (r->body_too_big) {
        *ret = sl_reply_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "the request body is too large");
        return NULL;
    }
    json_t *o = r->body.len ? json_loadb(r->body.data, r->body.len, 0, &je) : json_object();
    if (!o || !json_is_object(o)) {
        *ret = sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "the body must be a JSON object (%s)",
                              o ? "not an object" : je.text);
        json_decref(o);
        return NULL;
    }
    return o;
}

/* POST /previews/ID: the preview again with the body's sheet and mapping. */
static int preview_again(struct sl_req *r, struct MHD_Connection *c, struct sl_preview *p)
{
    int ret;
    json_t *b = body_json(r, c, &ret);
    struct sl_buf cols;
    sl_buf_init(&cols, 1 << 20);
    if (b) {
        json_t *m = json_object_get(b, "mapping");
        const char *bad = mapping_arg(m, &cols);
        const char *sheet = json_string_value(json_object_get(b, "sheet"));
        if (bad)
            ret = sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", bad);
        else
            ret = compute(r, c, p, sheet,
                          m && !json_is_null(m) ? (cols.data ? cols.data : "") : NULL, MHD_HTTP_OK);
    }
    sl_buf_release(&cols);
    json_decref(b);
    return ret;
}

/* A hard link of the preview's file in a fresh upload directory, for a job
 * to own. */
static int link_for_job(struct sl_http_server *s, const struct sl_preview *p, char *out, size_t cap)
{
    char name[64];
    if (sl_updir_mkdir(s, "up-", name, sizeof name))
        return -1;
    snprintf(out, cap, "%s/%s/upload", s->updir, name);
    if (link(p->path, out)) {
        sl_errlog("cannot link '%s' to '%s': %s", p->path, out, strerror(errno));
        unlinkat(s->updir_fd, name, AT_REMOVEDIR);
        return -1;
    }
    return 0;
}

static int start_import(struct sl_req *r, struct MHD_Connection *c, struct sl_preview *p, json_t *b)
{
    struct sl_http_server *s = r->srv;
    struct sl_buf cols;
    int method, ret;
    sl_buf_init(&cols, 1 << 20);
    json_t *last = preview_last(&s->previews, p);
    json_t *m = json_object_get(b, "mapping");
    if (!m || json_is_null(m))
        m = json_object_get(last, "mapping");
    const char *bad = mapping_arg(m, &cols);
    const char *mname = json_string_value(json_object_get(b, "method"));
    char path[PATH_MAX];
    if (!last) {
        ret = not_found(r, c);
    } else if (bad || !m) {
        ret = sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", bad ? bad : "no mapping");
    } else if (sl_http_method_arg(mname, s->o.method_default, &method)) {
        ret = sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, SL_HTTP_INVALID_METHOD);
    } else if (link_for_job(s, p, path, sizeof path)) {
        ret = sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                             "the server could not prepare the import; see its log");
    } else {
        /* The sheet and the header of the last preview: what the user saw. */
        struct sl_job_spec spec = {
            .columns = cols.data ? cols.data : "",
            .mapping = m,
            .sheet = json_array_size(json_object_get(last, "sheets")) > 1
                         ? json_string_value(json_object_get(last, "sheet"))
                         : NULL,
            .header_row = json_integer_value(json_object_get(last, "header_row")),
            .preview = p->id,
        };
        if (spec.header_row <= 0)
            spec.header_row = SHEETLOAD_HEADER_NONE;
        struct sl_error err;
        sl_err_clear(&err);
        int force = json_is_true(json_object_get(b, "force"));
        struct sl_job *job = sl_jobs_submit_spec(&s->jobs, path, p->display, p->size, method, force,
                                                 NULL, 0, &spec, &err);
        if (!job) {
            sl_upload_remove(path);
            ret = sl_reply_error(r, c,
                                 err.code == SL_ECANCELED ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                          : MHD_HTTP_INTERNAL_SERVER_ERROR,
                                 "%s", err.msg);
        } else {
            char loc[96];
            snprintf(loc, sizeof loc, "/imports/%s", job->id);
            ret = sl_reply_json_hdr(r, c, MHD_HTTP_ACCEPTED,
                                    json_pack("{s:s,s:s,s:s,s:s}", "id", job->id, "status",
                                              "queued", "location", loc, "preview", p->id),
                                    MHD_HTTP_HEADER_LOCATION, loc);
            sl_jobs_release(&s->jobs, job); /* submit gives the caller a reference */
        }
    }
    json_decref(last);
    sl_buf_release(&cols);
    return ret;
}

int sl_route_preview(struct sl_req *r, struct MHD_Connection *c, int import)
{
    struct sl_previews *pv = &r->srv->previews;
    struct sl_preview *p = preview_get(pv, r->arg);
    if (!p)
        return not_found(r, c);
    int ret;
    if (import) {
        json_t *b = body_json(r, c, &ret);
        if (b)
            ret = start_import(r, c, p, b);
        json_decref(b);
    } else if (!strcmp(r->method, "DELETE")) {
        preview_drop(pv, p);
        ret = sl_reply_json(r, c, MHD_HTTP_OK,
                            json_pack("{s:s,s:s}", "id", p->id, "status", "deleted"));
    } else if (!strcmp(r->method, "POST")) {
        ret = preview_again(r, c, p);
    } else {
        json_t *o = preview_last(pv, p);
        ret = o ? sl_reply_json(r, c, MHD_HTTP_OK, o) : not_found(r, c);
    }
    preview_put(pv, p);
    return ret;
}
