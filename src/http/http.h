/* http.h - the upload service behind 'sheetload serve': start a server,
 * stop it gracefully. The CLI owns signals and options; this layer owns the
 * daemon, the routes, the upload directory and the import jobs.
 *
 * Pointers in struct sl_http_opts are copied by sl_http_start(). An all-zero
 * struct means the defaults (loopback :8080, $DATABASE_URL or the embedded
 * SQLite file, 100 MB uploads, 2 imports at once, a fresh private upload
 * directory, 30 s shutdown grace, no token, 16 connections per address,
 * 10 s for headers, 30 s for each 16 KiB of a body).
 */
#ifndef SL_HTTP_HTTP_H
#define SL_HTTP_HTTP_H

#include <stdio.h>

#include "base/err.h"

struct sl_http_opts {
    const char *listen;            /* "HOST:PORT", ":PORT" or "PORT"; port 0 = any free */
    const char *db;                /* import target; NULL = $DATABASE_URL, else the default */
    unsigned long long max_upload; /* bytes of one uploaded file; 0 = 100 MB */
    int max_jobs;                  /* imports running at once; 0 = 2 */
    int max_connections;           /* 0 = 64 */
    const char *upload_dir;        /* NULL = a private mkdtemp dir, removed at stop */
    double shutdown_timeout_s;     /* grace for running imports at stop; < 0 = 30 s */
    double conn_timeout_s;         /* idle connection timeout; 0 = 60 s */
    int method_default;      /* enum sheetload_method used when ?method= is absent; 0 = batch */
    const char *token;       /* NULL or "" = no authentication */
    int recent_jobs;         /* finished jobs kept in memory; 0 = 100 */
    const char *node;        /* this server's name in /health and the ledger;
                              * NULL = "HOST:PORT" (HOST:pid PID for port 0) */
    int max_per_ip;          /* connections from one address; 0 = 16 */
    double header_timeout_s; /* a request's headers must arrive within; 0 = 10 s */
    double body_timeout_s;   /* a body must advance 16 KiB within; 0 = 30 s */
    int log_json;            /* one JSON object per log line */
    long long max_rows;      /* rows of one import; 0 = no limit */
    double preview_ttl_s;    /* an uploaded preview is kept this long after its
                              * last use; 0 = 1 hour */
    unsigned long long preview_space; /* bytes all previews may hold; 0 = 1 GB */
    uint64_t max_memory;       /* one import's budget (sheetload_limits.max_memory); 0 = 256 MiB */
    uint64_t max_memory_total; /* all running imports together; 0 = max_jobs x max_memory;
                                * each import gets min(max_memory, total / max_jobs) */
};

struct sl_http_server;

/* Loads libmicrohttpd (mhd.c), creates the upload directory, starts the
 * import workers and the HTTP daemon. Returns 0 or a negative code with err
 * filled. */
int sl_http_start(struct sl_http_server **out, const struct sl_http_opts *opts,
                  struct sl_error *err);
/* "http://HOST:PORT" with the port actually bound (borrowed). */
const char *sl_http_url(const struct sl_http_server *s);
/* Graceful stop: stops accepting, cancels queued imports, lets running ones
 * finish for up to the shutdown timeout, then cancels them (they stay
 * resumable), closes connections, removes temp files and frees s. */
void sl_http_stop(struct sl_http_server *s);
/* Prints "libmicrohttpd X.Y.Z\n" (the loaded library's version, loading it:
 * mhd.c), or "libmicrohttpd not available (why)\n". */
void sl_http_version(FILE *f);

#endif
