/* routes.c - the handlers: GET /health, POST /upload, POST /imports,
 * GET /imports, GET|DELETE /imports/ID, GET /imports/ID/rejects.
 *
 * Each runs on its connection's thread with the request's body already on
 * disk (server.c, upload.c). A synchronous /upload waits for its job and
 * watches its socket meanwhile: a client that goes away cancels the import.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "http/internal.h"

int sl_route_health(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_error err;
    sl_err_clear(&err);
    int rc = sheetload_ping(r->srv->db, &err);
    if (rc) { /* the reason names the database: for the log only */
        char msg[sizeof err.msg + 64];
        sl_err_format(&err, msg, sizeof msg);
        sl_errlog("http: request %s: health: %s", r->rid, msg);
        return sl_reply_json(r, c, MHD_HTTP_SERVICE_UNAVAILABLE,
                             json_pack("{s:s,s:s,s:s,s:s}", "status", "unhealthy", "error",
                                       "the database does not answer; the server log has the "
                                       "details under this request_id",
                                       "request_id", r->rid, "node", r->srv->node));
    }
    return sl_reply_json(r, c, MHD_HTTP_OK,
                         json_pack("{s:s,s:s}", "status", "healthy", "node", r->srv->node));
}

/* Has the peer of a synchronous upload closed its side? A pending byte
 * (a pipelined request) is not a close. */
static int client_gone(void *arg)
{
    int fd = *(int *)arg;
    char ch;
    ssize_t n = recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return 1;
    return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static int truthy(const char *v)
{
    return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

/* The HTTP status for a failed import. */
int sl_http_status_for(int rc)
{
    switch (rc) {
    case SL_EFORMAT:
    case SL_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case SL_EEXISTS:
    case SL_EBUSY:
    case SL_EFENCED:
        return MHD_HTTP_CONFLICT;
    case SL_EZIP:
    case SL_EXML:
    case SL_EXLSX:
    case SL_ECSV:
    case SL_EUTF8:
    case SL_ECHARSET:
    case SL_ELIMIT:
    case SL_ENOTFOUND:
    case SL_ESCHEMA:
    case SL_EMAXERR:
    case SL_EDBDATA:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case SL_ECANCELED:
    case SL_ETIMEDOUT:
    case SL_EDBCONN:
    case SL_ERETRY:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static int reply_sync_result(struct sl_req *r, struct MHD_Connection *c, struct sl_job *job)
{
    struct sheetload_stats *st = &job->stats; /* finished: no writer any more */
    int state, rc;
    sl_jobs_snapshot(&r->srv->jobs, job, &state, &rc, NULL);
    const char *mname = st->method[0] ? st->method : sheetload_method_name(job->method);
    if (state == SL_JOB_COMPLETED)
        return sl_reply_json(r, c, MHD_HTTP_OK,
                             json_pack("{s:s,s:s,s:s,s:o}", "message",
                                       "Import completed successfully", "method",
                                       mname ? mname : "", "id", job->id, "stats",
                                       sl_http_stats_json(r->srv, st, job->display, job->id)));
    if (rc == SL_EFORMAT)
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "Only Excel files allowed");
    if (!rc)
        rc = SL_ECANCELED;
    char msg[sizeof st->err.msg + 600];
    int hidden = 0;
    if (st->err.msg[0])
        hidden = sl_http_import_error(r->srv, &st->err, job->display, job->id, msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "import of '%s' failed: %s", job->display, sl_strerror(rc));
    int status = sl_http_status_for(rc);
    if (hidden || status == MHD_HTTP_INTERNAL_SERVER_ERROR) {
        char detail[sizeof st->err.msg + 600];
        sl_err_format(&st->err, detail, sizeof detail);
        return sl_reply_fault(r, c, status,
                              status == MHD_HTTP_INTERNAL_SERVER_ERROR
                                  ? "the server failed"
                                  : "the database is unavailable; retry later",
                              detail);
    }
    json_t *o = json_pack("{s:s,s:s,s:o}", "error", msg, "id", job->id, "stats",
                          sl_http_stats_json(r->srv, st, job->display, job->id));
    if (o && rc == SL_EBUSY && st->holder.import_id) {
        /* Another run (this node or another) imports this file right now. */
        char loc[64];
        snprintf(loc, sizeof loc, "/imports/%lld", st->holder.import_id);
        json_object_set_new(o, "running_import", json_integer(st->holder.import_id));
        json_object_set_new(o, "location", json_string(loc));
    }
    return sl_reply_json(r, c, status, o);
}

/* ?encoding=, ?header=, ?map=: how to read the file (README, "The upload
 * service"). NULL, or why the request is refused. */
static const char *read_args(struct MHD_Connection *c, struct sl_job_read *rd)
{
    const char *enc = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "encoding");
    const char *hdr = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "header");
    const char *map = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "map");
    memset(rd, 0, sizeof *rd);
    if (enc && strlen(enc) >= sizeof rd->encoding)
        return "encoding: the name is too long";
    if (map && strlen(map) >= sizeof rd->map)
        return "map: too long (at most 2047 bytes)";
    snprintf(rd->encoding, sizeof rd->encoding, "%s", enc ? enc : "");
    snprintf(rd->map, sizeof rd->map, "%s", map ? map : "");
    if (!hdr || !*hdr || !strcmp(hdr, "auto"))
        rd->header_row = SHEETLOAD_HEADER_AUTO;
    else if (!strcmp(hdr, "none"))
        rd->header_row = SHEETLOAD_HEADER_NONE;
    else {
        char *end = NULL;
        long long n = strtoll(hdr, &end, 10);
        if (!end || *end || n < 1 || n > 1048576)
            return "header: use auto, none or a row number from 1 to 1048576";
        rd->header_row = n;
    }
    return NULL;
}

int sl_upload_refusal(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_http_server *s = r->srv;
    if (r->too_big)
        return sl_reply_error(r, c, MHD_HTTP_CONTENT_TOO_LARGE,
                              "file '%s' is over the upload limit of %llu bytes (--max-upload)",
                              r->display, s->max_upload);
    if (r->io_err)
        return sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "the server could not store the upload; see its log");
    if (r->truncated)
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST,
                              "the upload is incomplete: the multipart body ended before its "
                              "closing boundary; nothing was imported");
    if (!r->have_file || !r->tmp[0])
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "No file uploaded");
    if (r->file_bytes == 0)
        return sl_reply_error(r, c, MHD_HTTP_UNPROCESSABLE_CONTENT, "file '%s' is empty",
                              r->display);
    struct sl_job_read rd;
    const char *bad = read_args(c, &rd);
    if (bad)
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", bad);
    char why[512], detail[900];
    if (!sheetload_sniff(r->head, r->headlen, r->display, rd.encoding, why, sizeof why)) {
        snprintf(detail, sizeof detail, "'%s' is %s", r->display, why);
        return sl_reply_json(
            r, c, MHD_HTTP_BAD_REQUEST,
            json_pack("{s:s,s:s}", "error", "Only Excel files allowed", "detail", detail));
    }
    return -1;
}

int sl_route_upload(struct sl_req *r, struct MHD_Connection *c, int sync)
{
    struct sl_http_server *s = r->srv;
    int refused = sl_upload_refusal(r, c);
    if (refused >= 0)
        return refused;
    struct sl_job_read rd;
    if (read_args(c, &rd)) /* checked by sl_upload_refusal */
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "%s", read_args(c, &rd));
    int method;
    const char *q = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "method");
    if (sl_http_method_arg(q && *q ? q : r->form_method, s->o.method_default, &method))
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, SL_HTTP_INVALID_METHOD);
    int force = truthy(sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "force"));

    struct sl_error err;
    sl_err_clear(&err);
    struct sl_job *job =
        sl_jobs_submit(&s->jobs, r->tmp, r->display, r->file_bytes, method, force, &rd, sync, &err);
    if (!job)
        return sl_reply_error(r, c,
                              err.code == SL_ECANCELED ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                       : MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "%s", err.msg);
    r->tmp[0] = '\0'; /* the job owns the file now */
    sl_strlcpy(r->import_id, job->id, sizeof r->import_id);
    if (!sync) {
        char loc[96];
        snprintf(loc, sizeof loc, "/imports/%s", job->id);
        int ret = sl_reply_json_hdr(
            r, c, MHD_HTTP_ACCEPTED,
            json_pack("{s:s,s:s,s:s}", "id", job->id, "status", "queued", "location", loc),
            MHD_HTTP_HEADER_LOCATION, loc);
        sl_jobs_release(&s->jobs, job);
        return ret;
    }
    /* No idle timeout while the import runs; set again (which restarts the
     * timer) before the answer goes out. */
    sl_mhd.set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
    const union MHD_ConnectionInfo *ci =
        sl_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    sl_jobs_wait(&s->jobs, job, fd >= 0 ? client_gone : NULL, &fd);
    sl_mhd.set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)s->o.conn_timeout_s);
    int ret = reply_sync_result(r, c, job);
    sl_jobs_release(&s->jobs, job);
    return ret;
}

int sl_route_list(struct sl_req *r, struct MHD_Connection *c)
{
    return sl_reply_json(r, c, MHD_HTTP_OK,
                         json_pack("{s:o}", "imports", sl_jobs_list_json(&r->srv->jobs)));
}

static int not_found(struct sl_req *r, struct MHD_Connection *c)
{
    return sl_reply_error(r, c, MHD_HTTP_NOT_FOUND, "import '%s' not found", r->arg);
}

/* The answer for a ledger lookup that failed. */
static int ledger_error(struct sl_req *r, struct MHD_Connection *c, int rc,
                        const struct sl_error *err)
{
    if (rc == SL_ENOTFOUND || rc == SL_EDB) /* SL_EDB: no ledger table yet */
        return not_found(r, c);
    char detail[sizeof err->msg + 64];
    snprintf(detail, sizeof detail, "cannot read the import ledger: %s", err->msg);
    return sl_reply_fault(r, c,
                          rc == SL_EDBCONN || rc == SL_ERETRY ? MHD_HTTP_SERVICE_UNAVAILABLE
                                                              : MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "the import ledger cannot be read", detail);
}

static int ledger_get(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_error err;
    json_t *o = NULL;
    sl_err_clear(&err);
    int rc = sl_http_ledger_get(r->srv, r->arg, &o, &err);
    if (rc)
        return ledger_error(r, c, rc, &err);
    /* The ledger's message was written with the server's path of the file. */
    const char *e = json_string_value(json_object_get(o, "error"));
    const char *f = json_string_value(json_object_get(o, "file"));
    if (e) {
        char msg[2048];
        sl_http_scrub(r->srv, e, f ? f : "upload", msg, sizeof msg);
        json_object_set_new(o, "error", json_string(msg));
    }
    /* The job too, while the server holds it (its mapping, its preview). */
    struct sl_jobs *j = &r->srv->jobs;
    struct sl_job *job = sl_jobs_get_import(j, strtoll(r->arg, NULL, 10));
    if (job) {
        pthread_mutex_lock(&j->mu);
        json_object_set_new(o, "job", sl_job_json_locked(job, 1));
        pthread_mutex_unlock(&j->mu);
        sl_jobs_release(j, job);
    }
    return sl_reply_json(r, c, MHD_HTTP_OK, o);
}

/* Import id's rejects from the ledger, in the rejects file's format. */
static int ledger_rejects(struct sl_req *r, struct MHD_Connection *c, long long id)
{
    struct sl_error err;
    int fd;
    size_t len;
    sl_err_clear(&err);
    int rc = sl_http_ledger_rejects(r->srv, id, &fd, &len, &err);
    if (rc)
        return ledger_error(r, c, rc, &err);
    struct MHD_Response *resp = sl_mhd.create_response_from_fd_at_offset64(len, fd, 0);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    return sl_reply(r, c, MHD_HTTP_OK, resp, len);
}

int sl_route_get(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_jobs *j = &r->srv->jobs;
    struct sl_job *job = sl_jobs_get(j, r->arg);
    if (!job)
        return sl_ledger_id(r->arg) ? ledger_get(r, c) : not_found(r, c);
    pthread_mutex_lock(&j->mu);
    json_t *o = sl_job_json_locked(job, 1);
    pthread_mutex_unlock(&j->mu);
    sl_jobs_release(j, job);
    return sl_reply_json(r, c, MHD_HTTP_OK, o);
}

/* DELETE of a ledger id: the import may run on any node of the database;
 * its cancel flag stops it there (sheetload_cancel). */
static int ledger_delete(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_error err;
    char status[16] = "";
    sl_err_clear(&err);
    int rc = sheetload_cancel(r->srv->db, strtoll(r->arg, NULL, 10), status, sizeof status, &err);
    if (rc)
        return ledger_error(r, c, rc, &err);
    int running = !strcmp(status, "running");
    return sl_reply_json(
        r, c, running ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK,
        json_pack("{s:s,s:s}", "id", r->arg, "status", running ? "cancelling" : status));
}

int sl_route_delete(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_jobs *j = &r->srv->jobs;
    struct sl_job *job = sl_jobs_get(j, r->arg);
    if (!job)
        return sl_ledger_id(r->arg) ? ledger_delete(r, c) : not_found(r, c);
    int was = sl_jobs_cancel(j, job);
    int state, rc;
    sl_jobs_snapshot(j, job, &state, &rc, NULL);
    int code = was == SL_JOB_RUNNING ? MHD_HTTP_ACCEPTED : MHD_HTTP_OK;
    const char *shown =
        was == SL_JOB_RUNNING && state == SL_JOB_RUNNING ? "cancelling" : sl_job_state_name(state);
    int ret = sl_reply_json(r, c, code, json_pack("{s:s,s:s}", "id", job->id, "status", shown));
    sl_jobs_release(j, job);
    return ret;
}

int sl_route_rejects(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_jobs *j = &r->srv->jobs;
    struct sl_job *job = sl_jobs_get(j, r->arg);
    if (!job)
        return sl_ledger_id(r->arg) ? ledger_rejects(r, c, strtoll(r->arg, NULL, 10))
                                    : not_found(r, c);
    int state, rc;
    struct sheetload_stats stats;
    sl_jobs_snapshot(j, job, &state, &rc, &stats);
    int ret;
    if (state <= SL_JOB_RUNNING) {
        ret = sl_reply_error(r, c, MHD_HTTP_CONFLICT,
                             "import '%s' is %s; its rejects are ready when it ends", job->id,
                             sl_job_state_name(state));
        goto out;
    }
    if (stats.import_id) { /* the ledger holds them: the same answer as after a restart */
        ret = ledger_rejects(r, c, stats.import_id);
        goto out;
    }
    /* No ledger entry (a dry run, or it failed before one): the file, if any. */
    int fd = open(job->rejects, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    struct MHD_Response *resp;
    size_t len = 0;
    if (fd >= 0 && !fstat(fd, &st)) {
        len = (size_t)st.st_size;
        resp = sl_mhd.create_response_from_fd((uint64_t)st.st_size, fd); /* takes fd */
    } else {
        if (fd >= 0)
            close(fd);
        static const char none[] = "row,reason,sqlstate\n";
        len = sizeof none - 1;
        resp = sl_mhd.create_response_from_buffer(len, (void *)none, MHD_RESPMEM_PERSISTENT);
    }
    if (resp)
        sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/csv; charset=utf-8");
    ret = sl_reply(r, c, MHD_HTTP_OK, resp, len);
out:
    sl_jobs_release(j, job);
    return ret;
}
