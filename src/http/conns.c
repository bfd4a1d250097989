/* conns.c - the connections of the upload service: limits per address and
 * in total, deadlines for a request's headers and for its body's progress,
 * and the drain at stop (every request begun gets its answer sent).
 *
 * DESIGN. libmicrohttpd tells us when a connection starts and closes
 * (MHD_OPTION_NOTIFY_CONNECTION); each gets a struct sl_conn in a list.
 * A connection over the per-address or total limit is still accepted (the
 * daemon's own hard limits are higher by a small reserve) but marked: its
 * first request gets 503 JSON and the connection is closed, so a client
 * learns at once why, instead of waiting in the backlog.
 * libmicrohttpd's own timeout is an idle timeout, which a client sending
 * a byte now and then never reaches; a watchdog thread therefore checks
 * every connection four times a second: headers not complete within
 * header_timeout (counted from the connection or the end of the previous
 * request), or an upload body that did not advance by BODY_WINDOW bytes
 * within body_timeout, and it answers 408 and shuts the socket down; the
 * connection's own thread then sees the close and ends the request (its
 * temp file is removed by the request-completed callback).
 *
 * Locking: srv->cmu guards the list and every (cmu) field; it is a leaf
 * lock. The watchdog calls send() and shutdown() on a listed connection's
 * socket under cmu: the CLOSED notice, which unlists it, comes before
 * libmicrohttpd closes the socket, so the descriptor cannot be reused
 * meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "http/internal.h"

/* A body must bring this many bytes within body_timeout. */
#define BODY_WINDOW (16 * 1024)
/* Over-limit connections get this long to send the request they are
 * answered 503 to. */
#define OVER_HEADER_NS (1000LL * 1000 * 1000)

static void *watchdog(void *arg);

int sl_conns_init(struct sl_http_server *s, struct sl_error *err)
{
    pthread_mutex_init(&s->cmu, NULL);
    sl_cond_init_monotonic(&s->cwake);
    int e = pthread_create(&s->watchdog, NULL, watchdog, s);
    if (e)
        return sl_err_set(err, SL_EIO, "cannot start the connection watchdog: %s", strerror(e));
    s->watch_started = 1;
    return 0;
}

void sl_conns_free(struct sl_http_server *s)
{
    if (s->watch_started) {
        pthread_mutex_lock(&s->cmu);
        s->watch_stop = 1;
        pthread_cond_broadcast(&s->cwake);
        pthread_mutex_unlock(&s->cmu);
        pthread_join(s->watchdog, NULL);
        s->watch_started = 0;
    }
    pthread_cond_destroy(&s->cwake);
    pthread_mutex_destroy(&s->cmu);
}

static uint32_t peer_addr(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        sl_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || ci->client_addr->sa_family != AF_INET)
        return 0;
    return ((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr.s_addr;
}

static void conn_started(struct sl_http_server *s, struct MHD_Connection *c, void **ctx)
{
    struct sl_conn *k = sl_calloc(1, sizeof *k);
    if (!k)
        return; /* untracked: no deadlines, no limit; rare */
    const union MHD_ConnectionInfo *ci =
        sl_mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    k->fd = ci ? ci->connect_fd : -1;
    k->addr = peer_addr(c);
    pthread_mutex_lock(&s->cmu);
    int same = 0, total = 0;
    for (struct sl_conn *p = s->conns; p; p = p->next)
        if (!p->over) {
            total++;
            same += p->addr == k->addr;
        }
    k->over = total >= s->o.max_connections || same >= s->o.max_per_ip;
    k->phase = SL_CONN_HEADERS;
    k->since_ns = sl_now_ns();
    k->next = s->conns;
    if (s->conns)
        s->conns->prev = k;
    s->conns = k;
    s->nconns++;
    pthread_mutex_unlock(&s->cmu);
    if (k->over) {
        char a[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &k->addr, a, sizeof a);
        sl_warn("http: connection from %s over the limit (%d from one address, %d in all): "
                "answered 503",
                a, s->o.max_per_ip, s->o.max_connections);
    }
    *ctx = k;
}

static void conn_closed(struct sl_http_server *s, void **ctx)
{
    struct sl_conn *k = *ctx;
    if (!k)
        return;
    pthread_mutex_lock(&s->cmu);
    if (k->prev)
        k->prev->next = k->next;
    else
        s->conns = k->next;
    if (k->next)
        k->next->prev = k->prev;
    s->nconns--;
    pthread_cond_broadcast(&s->cwake);
    pthread_mutex_unlock(&s->cmu);
    sl_free(k);
    *ctx = NULL;
}

void sl_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        conn_started(cls, c, socket_context);
    else
        conn_closed(cls, socket_context);
}

int sl_conns_request_begin(struct sl_http_server *s, struct sl_conn *k)
{
    pthread_mutex_lock(&s->cmu);
    int stopping = s->stopping;
    s->inflight++;
    if (k) {
        k->phase = SL_CONN_BODY;
        k->since_ns = sl_now_ns();
        k->window = 0;
    }
    pthread_mutex_unlock(&s->cmu);
    __atomic_add_fetch(&s->m.requests, 1, __ATOMIC_RELAXED);
    return stopping ? -1 : 0;
}

void sl_conns_body(struct sl_http_server *s, struct sl_conn *k, size_t n)
{
    __atomic_add_fetch(&s->m.bytes_received, (unsigned long long)n, __ATOMIC_RELAXED);
    if (!k)
        return;
    pthread_mutex_lock(&s->cmu);
    k->window += n;
    if (k->window >= BODY_WINDOW) {
        k->window = 0;
        k->since_ns = sl_now_ns();
    }
    pthread_mutex_unlock(&s->cmu);
}

void sl_conns_busy(struct sl_http_server *s, struct sl_conn *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&s->cmu);
    k->phase = SL_CONN_BUSY;
    pthread_mutex_unlock(&s->cmu);
}

void sl_conns_request_end(struct sl_http_server *s, struct sl_conn *k)
{
    pthread_mutex_lock(&s->cmu);
    s->inflight--;
    if (k) {
        k->phase = SL_CONN_HEADERS;
        k->since_ns = sl_now_ns();
        k->served = 1;
    }
    pthread_cond_broadcast(&s->cwake);
    pthread_mutex_unlock(&s->cmu);
}

int sl_conns_drain(struct sl_http_server *s, int64_t deadline_ns)
{
    pthread_mutex_lock(&s->cmu);
    s->stopping = 1;
    while (s->inflight > 0 && sl_now_ns() < deadline_ns) {
        struct timespec ts = sl_ns_to_timespec(deadline_ns);
        pthread_cond_timedwait(&s->cwake, &s->cmu, &ts);
    }
    int left = s->inflight;
    pthread_mutex_unlock(&s->cmu);
    return left;
}

int sl_conns_count(struct sl_http_server *s)
{
    pthread_mutex_lock(&s->cmu);
    int n = s->nconns;
    pthread_mutex_unlock(&s->cmu);
    return n;
}

/* Caller holds cmu. Answers 408 (best effort: nothing else has been
 * written on a connection still in its headers or body) and shuts the
 * socket down; the connection's thread sees the close. */
static void kill_locked(struct sl_http_server *s, struct sl_conn *k, const char *what)
{
    static const char body[] = "{\"error\":\"request timeout\"}";
    char msg[256];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     sizeof body - 1, body);
    k->killed = 1;
    if (k->fd < 0)
        return;
    if (k->phase == SL_CONN_HEADERS && k->served) {
        /* An idle kept-alive connection: closed without a word (an answer
         * nobody asked for could be taken for the next request's). */
        shutdown(k->fd, SHUT_RDWR);
        return;
    }
    if (!k->over && n > 0 && send(k->fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        (void)errno;
    shutdown(k->fd, SHUT_RDWR);
    __atomic_add_fetch(&s->m.conns_timed_out, 1, __ATOMIC_RELAXED);
    char a[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &k->addr, a, sizeof a);
    sl_info("http: connection from %s closed: %s", a, what);
}

static void *watchdog(void *arg)
{
    struct sl_http_server *s = arg;
    int64_t hdr = (int64_t)(s->o.header_timeout_s * 1e9);
    int64_t body = (int64_t)(s->o.body_timeout_s * 1e9);
    pthread_mutex_lock(&s->cmu);
    while (!s->watch_stop) {
        int64_t now = sl_now_ns();
        for (struct sl_conn *k = s->conns; k; k = k->next) {
            if (k->killed)
                continue;
            if (k->phase == SL_CONN_HEADERS &&
                now - k->since_ns > (k->over && OVER_HEADER_NS < hdr ? OVER_HEADER_NS : hdr))
                kill_locked(s, k, "no complete request headers in time (--header-timeout)");
            else if (k->phase == SL_CONN_BODY && now - k->since_ns > body)
                kill_locked(s, k, "the request body stalled (--body-timeout)");
        }
        struct timespec ts = sl_ns_to_timespec(now + 250LL * 1000 * 1000);
        pthread_cond_timedwait(&s->cwake, &s->cmu, &ts);
    }
    pthread_mutex_unlock(&s->cmu);
    return NULL;
}
