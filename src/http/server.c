/* server.c - the HTTP daemon of 'sheetload serve': start and stop,
 * routing, authentication, early answers (limits, bad requests) and the
 * per-request log line.
 *
 * Threads: libmicrohttpd with one thread per connection (see
 * docs/internals/http.md for why): the access handler of a synchronous
 * /upload blocks while its import runs. A struct sl_req belongs to its
 * connection's thread from the first call of the access handler to the
 * request-completed callback. The server struct is read-only once started,
 * except for the job table (jobs.c, its own mutex), the connection table
 * (conns.c, srv->cmu) and the metrics (atomic counters).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"
#include "http/internal.h"

enum {
    R_NONE,
    R_HEALTH,
    R_UPLOAD,
    R_IMPORTS,
    R_IMPORT,
    R_REJECTS,
    R_PAGE,
    R_INFO,
    R_METRICS,
    R_PREVIEWS,
    R_PREVIEW,
    R_PREVIEW_IMPORT,
    R_FIXES,
    R_HISTORY
};

/* Connections libmicrohttpd accepts beyond --max-connections (and beyond
 * the per-address limit) so that the client is answered 503 rather than
 * left waiting; past these it refuses at accept. */
#define CONN_RESERVE   16
#define PER_IP_RESERVE 4
/* At stop, how long answers already made may take to be sent. */
#define DRAIN_NS (10LL * 1000 * 1000 * 1000)

#define DEFAULT_MAX_UPLOAD (100ULL * 1000 * 1000)
/* Multipart framing allowed on top of the file's own bytes before a
 * Content-Length is refused without reading the body. */
#define MULTIPART_SLACK (64 * 1024)
/* The largest JSON body (fixed rows, a mapping). */
#define SL_HTTP_MAX_JSON_BODY (8u << 20)

int sl_reply(struct sl_req *r, struct MHD_Connection *c, int status, struct MHD_Response *resp,
             size_t bytes)
{
    if (!resp)
        return MHD_NO;
    sl_mhd.add_response_header(resp, "X-Request-Id", r->rid);
    enum MHD_Result ok = sl_mhd.queue_response(c, (unsigned)status, resp);
    sl_mhd.destroy_response(resp);
    if (ok == MHD_YES) {
        r->status = status;
        r->bytes = bytes;
        sl_conns_busy(r->srv, r->conn); /* answered: no body deadline any more */
        if (r->route == R_UPLOAD || (r->route == R_IMPORTS && !strcmp(r->method, "POST")))
            sl_metrics_upload(r->srv, status);
    }
    return ok;
}

int sl_reply_json(struct sl_req *r, struct MHD_Connection *c, int status, json_t *body)
{
    return sl_reply_json_hdr(r, c, status, body, NULL, NULL);
}

/* body (stolen) as the answer, with the header pairs of hdrs (name, value,
 * ..., NULL) beside its Content-Type. */
static int reply_json_with(struct sl_req *r, struct MHD_Connection *c, int status, json_t *body,
                           const char *const *hdrs)
{
    /* 15 significant digits: a double's decimal value without the binary
     * noise of 17 (3253.6, not 3253.5999999999999). */
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(body);
    if (!text) /* json_pack failed: a value was not valid UTF-8 (a bug) */
        text = strdup("{\"error\":\"the server could not encode its answer\"}");
    if (!text)
        return MHD_NO;
    size_t len = strlen(text);
    /* jansson allocates with malloc by default; MHD frees with free. */
    struct MHD_Response *resp =
        sl_mhd.create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    for (; hdrs && hdrs[0]; hdrs += 2)
        sl_mhd.add_response_header(resp, hdrs[0], hdrs[1]);
    return sl_reply(r, c, status, resp, len);
}

int sl_reply_json_hdr(struct sl_req *r, struct MHD_Connection *c, int status, json_t *body,
                      const char *header, const char *value)
{
    const char *const hdrs[] = {header, value, NULL};
    return reply_json_with(r, c, status, body, hdrs);
}

int sl_reply_error(struct sl_req *r, struct MHD_Connection *c, int status, const char *fmt, ...)
{
    char msg[1200], clean[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (status == MHD_HTTP_INTERNAL_SERVER_ERROR)
        return sl_reply_fault(r, c, status, "the server failed", msg);
    /* Client bytes (a path, a file name) may be in msg: JSON needs UTF-8. */
    sl_utf8_clean(clean, sizeof clean, msg, strlen(msg), 0);
    return sl_reply_json(r, c, status, json_pack("{s:s}", "error", clean));
}

int sl_reply_fault(struct sl_req *r, struct MHD_Connection *c, int status, const char *public_msg,
                   const char *detail)
{
    sl_errlog("http: request %s: %s %s: %d: %s", r->rid, r->method, r->path, status, detail);
    char msg[512];
    snprintf(msg, sizeof msg, "%s; the server log has the details under request_id %s", public_msg,
             r->rid);
    return sl_reply_json(r, c, status, json_pack("{s:s,s:s}", "error", msg, "request_id", r->rid));
}

/* Constant-time over the expected token: the time does not depend on how
 * much of a wrong guess matches. */
static int token_ok(const char *want, const char *got)
{
    size_t wl = strlen(want), gl = got ? strlen(got) : 0;
    unsigned char d = (unsigned char)(wl != gl);
    for (size_t i = 0; i < wl; i++)
        d |= (unsigned char)want[i] ^ (unsigned char)(i < gl ? got[i] : 0);
    return d == 0;
}

static int authorized(const struct sl_http_server *s, struct MHD_Connection *c)
{
    if (!s->token || !*s->token)
        return 1;
    const char *h =
        sl_mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7))
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    return token_ok(s->token, h);
}

static int valid_id(const char *p, size_t n)
{
    if (n == 0 || n >= 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
              (p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
            return 0;
    return 1;
}

/* The id after a prefix of plen bytes in url (n bytes) goes to r->arg;
 * *slash is where a sub-route starts, or NULL. 0 when the id is not valid. */
static int take_id(struct sl_req *r, const char *url, size_t n, size_t plen, const char **slash)
{
    const char *id = url + plen;
    *slash = memchr(id, '/', n - plen);
    size_t idlen = *slash ? (size_t)(*slash - id) : n - plen;
    if (!valid_id(id, idlen))
        return 0;
    memcpy(r->arg, id, idlen);
    r->arg[idlen] = '\0';
    return 1;
}

/* The routes: a path, or a prefix followed by an id and a sub-path ("" =
 * the id alone); the methods allowed there. */
static const struct route_def {
    const char *path;
    const char *sub; /* NULL: path is the whole path; else path is a prefix and an id follows */
    int route;
    const char *allow;
} routes[] = {
    {"/health", NULL, R_HEALTH, "GET, HEAD"},
    {"/info", NULL, R_INFO, "GET, HEAD"},
    {"/metrics", NULL, R_METRICS, "GET, HEAD"},
    {"/history", NULL, R_HISTORY, "GET, HEAD"},
    {"/previews", NULL, R_PREVIEWS, "POST"},
    {"/previews/", "", R_PREVIEW, "GET, POST, DELETE"},
    {"/previews/", "/import", R_PREVIEW_IMPORT, "POST"},
    {"/upload", NULL, R_UPLOAD, "POST"},
    {"/imports", NULL, R_IMPORTS, "GET, POST"},
    {"/imports/", "", R_IMPORT, "GET, DELETE"},
    {"/imports/", "/rejects", R_REJECTS, "GET"},
    {"/imports/", "/fixes", R_FIXES, "POST"},
};

/* Sets r->route (and r->arg); returns the methods allowed there, "" = no
 * such route. */
static const char *route(struct sl_req *r, const char *url)
{
    size_t n = strlen(url);
    if (sl_page_find(url, n))
        return r->route = R_PAGE, "GET, HEAD";
    if (n > 1 && url[n - 1] == '/')
        n--;
    const char *slash = NULL, *prefix = NULL; /* the prefix whose id is in r->arg */
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const struct route_def *d = &routes[i];
        size_t pl = strlen(d->path);
        if (!d->sub) {
            if (n == pl && !strncmp(url, d->path, pl))
                return r->route = d->route, d->allow;
            continue;
        }
        if (n <= pl || strncmp(url, d->path, pl))
            continue;
        if ((!prefix || strcmp(prefix, d->path)) && !take_id(r, url, n, pl, &slash))
            return "";
        prefix = d->path;
        size_t rest = slash ? (size_t)(url + n - slash) : 0;
        if (rest == strlen(d->sub) && (!rest || !strncmp(slash, d->sub, rest)))
            return r->route = d->route, d->allow;
    }
    return "";
}

static int method_allowed(const char *allow, const char *m)
{
    size_t ml = strlen(m);
    for (const char *p = allow; (p = strstr(p, m)); p += ml)
        if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0'))
            return 1;
    return 0;
}

int sl_http_method_arg(const char *name, int dflt, int *out)
{
    int m = name && *name ? sheetload_method_parse(name) : dflt;
    if (m <= 0)
        return -1;
    *out = m;
    return 0;
}

/* An answer after which the connection is closed, for a client that
 * should come back later. */
static int reply_busy(struct sl_req *r, struct MHD_Connection *c, const char *msg)
{
    static const char *const hdrs[] = {MHD_HTTP_HEADER_CONNECTION, "close",
                                       MHD_HTTP_HEADER_RETRY_AFTER, "1", NULL};
    return reply_json_with(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, json_pack("{s:s}", "error", msg),
                           hdrs);
}

/* The first call for a request: route, authenticate, refuse what can be
 * refused before reading a body. */
static enum MHD_Result first_call(struct sl_http_server *s, struct sl_req *r,
                                  struct MHD_Connection *c)
{
    if (sl_conns_request_begin(s, r->conn))
        return reply_busy(r, c, "the server is shutting down; retry later");
    if (r->conn && r->conn->over) {
        __atomic_add_fetch(&s->m.conns_refused, 1, __ATOMIC_RELAXED);
        return reply_busy(r, c, "too many connections; retry later");
    }
    const char *allow = route(r, r->path);
    if (!*allow)
        return sl_reply_error(r, c, MHD_HTTP_NOT_FOUND,
                              "no route for '%s'; see /, /health, /upload, /imports, /metrics",
                              r->path);
    if (!method_allowed(allow, r->method))
        return sl_reply_json_hdr(r, c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                 json_pack("{s:s}", "error", "method not allowed"),
                                 MHD_HTTP_HEADER_ALLOW, allow);
    if (r->route != R_HEALTH && r->route != R_PAGE && !authorized(s, c))
        return sl_reply_json_hdr(r, c, MHD_HTTP_UNAUTHORIZED,
                                 json_pack("{s:s}", "error", "unauthorized"),
                                 MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"sheetload\"");
    int is_upload = r->route == R_UPLOAD || r->route == R_PREVIEWS ||
                    (r->route == R_IMPORTS && !strcmp(r->method, "POST"));
    if (!is_upload) {
        if (!strcmp(r->method, "POST")) { /* a JSON body */
            r->want_body = 1;
            sl_buf_init(&r->body, SL_HTTP_MAX_JSON_BODY);
        }
        return MHD_YES;
    }
    int m;
    const char *q = sl_mhd.lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "method");
    if ((q && !*q) || sl_http_method_arg(q, s->o.method_default, &m))
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, SL_HTTP_INVALID_METHOD);
    const char *cl =
        sl_mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (!errno && !*end && v > s->max_upload + MULTIPART_SLACK)
            return sl_reply_error(
                r, c, MHD_HTTP_CONTENT_TOO_LARGE,
                "upload of %llu bytes is over the limit of %llu bytes (--max-upload)", v,
                s->max_upload);
    }
    if (sl_upload_begin(r, c))
        return sl_reply_error(r, c, MHD_HTTP_BAD_REQUEST, "No file uploaded");
    return MHD_YES;
}

static enum MHD_Result dispatch(struct sl_req *r, struct MHD_Connection *c)
{
    switch (r->route) {
    case R_HEALTH:
        return sl_route_health(r, c);
    case R_METRICS:
        return sl_route_metrics(r, c);
    case R_UPLOAD:
        return sl_route_upload(r, c, 1);
    case R_IMPORTS:
        return !strcmp(r->method, "POST") ? sl_route_upload(r, c, 0) : sl_route_list(r, c);
    case R_IMPORT:
        return !strcmp(r->method, "DELETE") ? sl_route_delete(r, c) : sl_route_get(r, c);
    case R_REJECTS:
        return sl_route_rejects(r, c);
    case R_PAGE:
        return sl_route_page(r, c);
    case R_INFO:
        return sl_route_info(r, c);
    case R_PREVIEWS:
        return sl_route_preview_new(r, c);
    case R_PREVIEW:
        return sl_route_preview(r, c, 0);
    case R_PREVIEW_IMPORT:
        return sl_route_preview(r, c, 1);
    case R_FIXES:
        return sl_route_fixes(r, c);
    case R_HISTORY:
        return sl_route_history(r, c);
    }
    return sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no handler");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct sl_http_server *s = cls;
    struct sl_req *r = *con_cls;
    (void)version;
    if (!r) {
        r = sl_calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = s;
        r->fd = -1;
        r->start_ns = sl_now_ns();
        const union MHD_ConnectionInfo *ci =
            sl_mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        r->conn = ci ? ci->socket_context : NULL;
        sl_random_name(r->rid, sizeof r->rid, "", "");
        sl_utf8_clean(r->method, sizeof r->method, method, strlen(method), SL_UTF8_NOCTRL);
        sl_utf8_clean(r->path, sizeof r->path, url, strlen(url), SL_UTF8_NOCTRL);
        *con_cls = r;
        return first_call(s, r, c);
    }
    if (*upload_data_size && r->want_body) {
        sl_conns_body(s, r->conn, *upload_data_size);
        if (r->body_too_big || sl_buf_add(&r->body, upload_data, *upload_data_size)) {
            r->body_too_big = 1;
            r->discarded += *upload_data_size;
        }
        *upload_data_size = 0;
        return r->discarded > (64ULL << 20) ? MHD_NO : MHD_YES;
    }
    if (*upload_data_size) {
        sl_conns_body(s, r->conn, *upload_data_size);
        sl_upload_feed(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* An over-limit body is read and dropped so that the client gets
         * its 413, but not forever. */
        if (r->discarded > s->max_upload + (64ULL << 20))
            return MHD_NO;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES;
    sl_conns_busy(s, r->conn);
    sl_upload_end(r);
    return dispatch(r, c);
}

void sl_http_log_json(json_t *o)
{
    char *text =
        o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
    if (text)
        sl_log_obj(SL_LOG_INFO, text);
    free(text);
    json_decref(o);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sl_req *r = *con_cls;
    struct sl_http_server *s = cls;
    (void)c;
    if (!r)
        return;
    sl_upload_discard(r);
    sl_buf_release(&r->body);
    double ms = (double)(sl_now_ns() - r->start_ns) / 1e6;
    const char *why = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK   ? ""
                      : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client closed the connection"
                      : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
                      : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                                                                      : "connection error";
    if (sl_log_is_json()) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:I,s:f}", "event", "request", "request_id",
                              r->rid, "method", r->method, "path", r->path, "status", r->status,
                              "bytes", (json_int_t)r->bytes, "ms", round(ms * 10) / 10);
        if (o && r->import_id[0])
            json_object_set_new(o, "import_id", json_string(r->import_id));
        if (o && *why)
            json_object_set_new(o, "end", json_string(why));
        sl_http_log_json(o);
    } else {
        sl_info("http: %s %s %d %zu bytes %.1f ms%s%s%s", r->method, r->path, r->status, r->bytes,
                ms, *why ? " (" : "", why, *why ? ")" : "");
    }
    sl_conns_request_end(s, r->conn);
    sl_free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sl_warn("http: %s", msg);
}

/* "HOST:PORT", ":PORT", "PORT" or "HOST" (port 8080); IPv4 or localhost. */
static int parse_listen(const char *spec, struct sockaddr_in *sa, struct sl_error *err)
{
    char host[128] = "127.0.0.1";
    const char *port = "8080";
    const char *colon = strrchr(spec, ':');
    int all_digits = spec[strspn(spec, "0123456789")] == '\0' && *spec;
    if (colon) {
        size_t hl = (size_t)(colon - spec);
        if (hl >= sizeof host)
            return sl_err_set(err, SL_EINVAL, "--listen '%s': host name too long", spec);
        if (hl) {
            memcpy(host, spec, hl);
            host[hl] = '\0';
        }
        port = colon + 1;
    } else if (all_digits) {
        port = spec;
    } else {
        sl_strlcpy(host, spec, sizeof host);
    }
    char *end;
    errno = 0;
    long p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535)
        return sl_err_set(err, SL_EINVAL, "--listen '%s': port '%s' is not a number 0-65535", spec,
                          port);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)p);
    if (!strcmp(host, "localhost"))
        sl_strlcpy(host, "127.0.0.1", sizeof host);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return sl_err_set(err, SL_EINVAL,
                          "--listen '%s': '%s' is not an IPv4 address (use 127.0.0.1 or 0.0.0.0)",
                          spec, host);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? sl_strdup(s) : NULL;
}

/* The node's name (docs/scaling.md): given, else host and port, else (port
 * 0: known only once bound, after requests may arrive) host and pid. */
static void name_node(struct sl_http_server *s, const struct sockaddr_in *sa)
{
    char host[64];
    if (s->o.node && *s->o.node) {
        sl_strlcpy(s->node, s->o.node, sizeof s->node);
        return;
    }
    if (gethostname(host, sizeof host) != 0)
        sl_strlcpy(host, "localhost", sizeof host);
    host[sizeof host - 1] = '\0';
    if (ntohs(sa->sin_port))
        snprintf(s->node, sizeof s->node, "%.40s:%u", host, (unsigned)ntohs(sa->sin_port));
    else
        snprintf(s->node, sizeof s->node, "%.40s:pid%ld", host, (long)getpid());
}

static void server_free(struct sl_http_server *s)
{
    pthread_mutex_destroy(&s->fix_mu);
    sl_updir_close(s);
    sl_free(s->listen);
    sl_free(s->db);
    sl_free(s->token);
    sl_free(s);
}

/* The defaults of the options left zero (http.h). */
static void default_opts(struct sl_http_opts *o)
{
    if (o->max_jobs <= 0)
        o->max_jobs = 2;
    if (o->max_connections <= 0)
        o->max_connections = 64;
    if (o->conn_timeout_s <= 0)
        o->conn_timeout_s = 60;
    if (o->shutdown_timeout_s < 0)
        o->shutdown_timeout_s = 30;
    if (!o->method_default)
        o->method_default = SHEETLOAD_BATCH;
    if (o->recent_jobs <= 0)
        o->recent_jobs = 100;
    if (o->max_per_ip <= 0)
        o->max_per_ip = 16;
    if (o->header_timeout_s <= 0)
        o->header_timeout_s = 10;
    if (o->body_timeout_s <= 0)
        o->body_timeout_s = 30;
}

/* A server holding copies of the options' strings, its defaults applied;
 * NULL when out of memory. */
static struct sl_http_server *server_new(const struct sl_http_opts *opts)
{
    struct sl_http_server *s = sl_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->o = *opts;
    s->updir_fd = -1;
    const char *db = opts->db ? opts->db : getenv("DATABASE_URL");
    s->listen = sl_strdup(opts->listen ? opts->listen : "127.0.0.1:8080");
    s->db = sl_strdup(db && *db ? db : "sqlite:businesses.db");
    s->token = dup_or_null(opts->token && *opts->token ? opts->token : NULL);
    pthread_mutex_init(&s->fix_mu, NULL);
    s->o.listen = s->listen;
    s->o.db = s->db;
    s->o.token = s->token;
    s->max_upload = opts->max_upload ? opts->max_upload : DEFAULT_MAX_UPLOAD;
    default_opts(&s->o);
    if (!s->listen || !s->db) {
        server_free(s);
        return NULL;
    }
    return s;
}

/* libmicrohttpd on sa, and s->url with the port it bound. */
static int start_daemon(struct sl_http_server *s, const struct sockaddr_in *sa,
                        struct sl_error *err)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    s->mhd = sl_mhd.start_daemon(
        flags, ntohs(sa->sin_port), NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        s, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(s->o.max_connections + CONN_RESERVE), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(s->o.max_per_ip + PER_IP_RESERVE), MHD_OPTION_NOTIFY_CONNECTION, sl_conns_notify,
        s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.conn_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_END);
    if (!s->mhd)
        return sl_err_set(err, SL_EIO, "cannot listen on '%s': %s (is the port in use?)", s->listen,
                          strerror(errno ? errno : EADDRINUSE));
    const union MHD_DaemonInfo *info = sl_mhd.get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa->sin_addr, host, sizeof host);
    snprintf(s->url, sizeof s->url, "http://%s:%u", host,
             info ? (unsigned)info->port : (unsigned)ntohs(sa->sin_port));
    return 0;
}

int sl_http_start(struct sl_http_server **out, const struct sl_http_opts *opts,
                  struct sl_error *err)
{
    *out = NULL;
    int rc = sl_mhd_load(err);
    if (rc)
        return rc;
    struct sl_http_server *s = server_new(opts);
    if (!s)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    struct sockaddr_in sa;
    if ((rc = parse_listen(s->listen, &sa, err)))
        goto fail;
    name_node(s, &sa);
    if ((rc = sl_updir_open(s, err)))
        goto fail;
    if ((rc = sl_previews_init(&s->previews, s->o.preview_ttl_s > 0 ? s->o.preview_ttl_s : 3600,
                               s->o.preview_space ? s->o.preview_space : 1000ULL * 1000 * 1000,
                               err)))
        goto fail_previews;
    if ((rc = sl_jobs_init(&s->jobs, s, s->o.max_jobs, s->o.recent_jobs, err)))
        goto fail_updir;
    s->jobs.metrics = &s->m;
    if ((rc = sl_conns_init(s, err)) || (rc = start_daemon(s, &sa, err)))
        goto fail_jobs;
    *out = s;
    return 0;
fail_jobs:
    sl_conns_free(s);
    sl_jobs_stop(&s->jobs, 0);
    sl_jobs_free(&s->jobs);
fail_updir:
fail_previews:
    sl_previews_stop(&s->previews);
fail:
    server_free(s);
    return rc;
}

const char *sl_http_url(const struct sl_http_server *s)
{
    return s->url;
}

void sl_http_stop(struct sl_http_server *s)
{
    if (!s)
        return;
    /* No new connections; imports finish or are cancelled (their waiting
     * handlers then queue answers); every request begun is answered and
     * its answer sent; only then are the connections closed. */
    MHD_socket lfd = sl_mhd.quiesce_daemon(s->mhd);
    sl_jobs_stop(&s->jobs, s->o.shutdown_timeout_s);
    int left = sl_conns_drain(s, sl_now_ns() + DRAIN_NS);
    if (left)
        sl_warn("shutdown: %d request%s still open after %llds; closing", left,
                left == 1 ? "" : "s", DRAIN_NS / 1000000000LL);
    sl_mhd.stop_daemon(s->mhd);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    sl_conns_free(s);
    sl_jobs_free(&s->jobs);
    sl_previews_stop(&s->previews);
    server_free(s);
}
