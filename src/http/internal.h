/* internal.h - what the files of the HTTP layer share: the server, the job
 * table, one request's state, and the helpers between them.
 *
 * Threads: libmicrohttpd runs one thread per connection (the access handler
 * may block while a synchronous /upload imports); the job table runs
 * max_jobs worker threads; conns.c runs one watchdog thread. Locking: one mutex, jobs.mu, guards
 * the job table, the queue and every field of every job marked (mu) below. It is never held while
 * calling sheetload_import, libmicrohttpd or the database; sheetload_stop is called under it (lock
 * order: jobs.mu before the handle's internal locks, which never call back out).
 */
#ifndef SL_HTTP_INTERNAL_H
#define SL_HTTP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include "base/err.h"
#include <stdint.h>
#include <time.h>

#include "base/buf.h"
#include "http/http.h"
#include "http/mhd.h"

enum sl_job_state {
    SL_JOB_QUEUED,
    SL_JOB_RUNNING,
    SL_JOB_COMPLETED,
    SL_JOB_FAILED,
    SL_JOB_CANCELLED
};

/* How a client asked for its file to be read (query parameters of the
 * upload): given to sheetload_opts as they are. */
struct sl_job_read {
    char encoding[64];    /* ?encoding= ("" = UTF-8 or the BOM's) */
    long long header_row; /* ?header=auto|none|N */
    char map[2048];       /* ?map=Cell=column,... */
};

struct sl_job {
    char id[32]; /* immutable after creation */
    int sync;    /* from /upload: a connection waits for it */
    int method;  /* enum sheetload_method; immutable */
    int force;
    struct sl_job_read rd;              /* immutable */
    char display[256];                  /* the client's file name, for display only */
    char path[PATH_MAX];                /* the uploaded file (ours; unlinked when the job ends) */
    char rejects[PATH_MAX];             /* where the importer writes rejects (beside path) */
    unsigned long long size;            /* bytes uploaded */
    struct sheetload_stop *stop;        /* child of the server's root; freed with the job */
    time_t created;                     /* wall clock, for listings */
    int64_t started_ns;                 /* (mu) */
    int state;                          /* (mu) enum sl_job_state */
    int cancel_requested;               /* (mu) DELETE or client gone */
    struct sheetload_progress progress; /* (mu) last snapshot */
    struct sheetload_stats stats;       /* (mu) final, once state > RUNNING */
    int rc;                             /* (mu) sheetload_import's result */
    int refs;                           /* (mu) table + each waiting connection */
    struct sl_job *next;                /* (mu) table list, newest first */
    struct sl_job *qnext;               /* (mu) queue, oldest first */
    struct sl_jobs *owner;              /* immutable */
    /* From a preview (POST /previews/ID/import); immutable, NULL/"" = none. */
    char *columns;          /* the mapping as opts.columns (owned) */
    struct json_t *mapping; /* the same as a JSON array (owned) */
    char sheet[256];
    long long header_row;
    char preview[32];
};

/* What a new job imports beyond the file: all-zero = as /upload does. */
struct sl_job_spec {
    const char *columns;    /* copied */
    struct json_t *mapping; /* reference taken */
    const char *sheet;
    long long header_row;
    const char *preview;
};

struct sl_jobs {
    pthread_mutex_t mu;
    pthread_cond_t work;          /* signalled when the queue grows or stop */
    pthread_cond_t done;          /* broadcast when a job ends (monotonic clock) */
    struct sl_job *list;          /* (mu) */
    struct sl_job *qhead, *qtail; /* (mu) */
    int running;                  /* (mu) jobs in RUNNING */
    int stopping;                 /* (mu) no new jobs, workers exit when idle */
    int nworkers;
    pthread_t *workers;
    unsigned long long seq;      /* (mu) job counter */
    int keep;                    /* finished jobs kept */
    struct sheetload_stop *root; /* cancelled at the end of the grace */
    const struct sl_http_server *srv;
    struct sl_metrics *metrics; /* the server's counters */
};

/* One TCP connection, from libmicrohttpd's STARTED notice to its CLOSED
 * notice (which comes before the socket is closed, so fd is valid while
 * the connection is listed). Fields marked (cmu) are guarded by srv->cmu. */
enum sl_conn_phase { SL_CONN_HEADERS, SL_CONN_BODY, SL_CONN_BUSY };
struct sl_conn {
    struct sl_conn *next, *prev; /* (cmu) srv->conns */
    int fd;                      /* immutable */
    uint32_t addr;               /* immutable: IPv4, network order; 0 = unknown */
    int over;                    /* immutable: over a limit: a request gets 503 */
    int phase;                   /* (cmu) enum sl_conn_phase */
    int64_t since_ns;            /* (cmu) start of the phase or of the body window */
    unsigned long long window;   /* (cmu) body bytes since since_ns */
    int killed;                  /* (cmu) the watchdog closed it */
    int served;                  /* (cmu) a request was answered on it */
};

/* Counters for GET /metrics; updated with relaxed atomics from any thread. */
#define SL_METRIC_STATUSES 12
#define SL_METRIC_BUCKETS  10
struct sl_metrics {
    unsigned long long uploads[SL_METRIC_STATUSES]; /* by status, see metrics.c */
    unsigned long long requests;
    unsigned long long imports[3]; /* completed, failed, cancelled */
    unsigned long long rows_inserted, rows_rejected;
    unsigned long long bytes_received;
    unsigned long long dur_buckets[SL_METRIC_BUCKETS + 1]; /* last = +Inf */
    unsigned long long dur_count;
    unsigned long long dur_sum_us;
    unsigned long long conns_refused;   /* over a limit: 503 */
    unsigned long long conns_timed_out; /* header or body deadline */
};

/* previews.c: uploads kept for a look before the import. */
struct sl_preview;
struct sl_previews {
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* wakes the sweeper (monotonic clock) */
    struct sl_preview *list;  /* (mu) most recently used first */
    unsigned long long bytes; /* (mu) sizes of the listed files */
    unsigned long long space; /* immutable: the most bytes kept */
    double ttl_s;             /* immutable: kept this long after the last use */
    int stopping;             /* (mu) */
    int started;
    pthread_t th;
};
int sl_previews_init(struct sl_previews *pv, double ttl_s, unsigned long long space,
                     struct sl_error *err);
/* Joins the sweeper and deletes every kept file. */
void sl_previews_stop(struct sl_previews *pv);

struct sl_http_server {
    struct sl_http_opts o; /* strings below are owned copies */
    char *listen, *db, *token, *updir;
    int updir_fd;   /* open O_DIRECTORY on the upload dir */
    int updir_ours; /* created by mkdtemp: removed at stop */
    char url[128];
    char node[64]; /* set before the daemon starts; read-only after */
    struct MHD_Daemon *mhd;
    struct sl_jobs jobs;
    unsigned long long max_upload;
    /* conns.c: connections, limits, deadlines, drain at stop. Lock order:
     * cmu is a leaf (nothing else is taken under it). */
    pthread_mutex_t cmu;
    pthread_cond_t cwake;  /* watchdog wake-up; drain progress */
    struct sl_conn *conns; /* (cmu) */
    int nconns;            /* (cmu) listed connections */
    int inflight;          /* (cmu) requests begun and not completed */
    int stopping;          /* (cmu) new requests get 503 */
    int watch_stop;        /* (cmu) */
    int watch_started;
    pthread_t watchdog;
    struct sl_metrics m;
    struct sl_previews previews;
    pthread_mutex_t fix_mu; /* one follow-up import at a time (fixes.c) */
};

/* One request, from the first call of the access handler to the
 * request-completed callback; confined to its connection's thread. */
struct sl_req {
    struct sl_http_server *srv;
    int64_t start_ns;
    char method[16];
    char path[256];
    int status;   /* of the response queued, 0 = none yet */
    size_t bytes; /* body bytes of the response */
    int route;    /* enum in server.c */
    char arg[64]; /* the ID of /imports/ID */
    int rejects;  /* /imports/ID/rejects */
    /* upload */
    struct MHD_PostProcessor *pp;
    int fd;             /* temp file, -1 = none */
    char tmp[PATH_MAX]; /* its path, "" = none */
    char display[256];
    int have_file; /* a 'file' part began */
    int file_done; /* a second 'file' part is ignored */
    int too_big;
    int io_err;
    unsigned long long file_bytes;
    unsigned long long discarded;
    unsigned char head[SHEETLOAD_SNIFF_BYTES]; /* first bytes of the file, for sheetload_sniff */
    size_t headlen;
    char form_method[16]; /* a 'method' form field, if any */
    int has_method_field; /* a 'method' field was sent */
    int truncated;        /* the multipart body did not end properly */
    struct sl_conn *conn; /* borrowed; NULL if unknown */
    char rid[20];         /* request id for logs and 500 answers */
    char import_id[32];   /* the job of an upload, for the log */
    /* a JSON body (previews, fixes) */
    int want_body;
    int body_too_big;
    struct sl_buf body;
};

/* jobs.c */
int sl_jobs_init(struct sl_jobs *j, const struct sl_http_server *srv, int workers, int keep,
                 struct sl_error *err);
/* Stops: queued jobs are cancelled, running ones get grace_s, then the root
 * is cancelled; joins the workers and frees every job. */
void sl_jobs_stop(struct sl_jobs *j, double grace_s);
/* Frees every job and the root stop handle; after the daemon stopped. */
void sl_jobs_free(struct sl_jobs *j);
/* A new queued job for the uploaded file at path (the job takes the file:
 * it is unlinked when the job ends). Returns it with one reference for the
 * caller, who drops it with sl_jobs_release (a finished job may age out of
 * the table at any time after the lock is dropped). NULL and err filled
 * when stopping or out of memory. */
struct sl_job *sl_jobs_submit(struct sl_jobs *j, const char *path, const char *display,
                              unsigned long long size, int method, int force,
                              const struct sl_job_read *rd, int sync, struct sl_error *err);
/* The same with a spec (NULL = none). */
struct sl_job *sl_jobs_submit_spec(struct sl_jobs *j, const char *path, const char *display,
                                   unsigned long long size, int method, int force,
                                   const struct sl_job_read *rd, int sync,
                                   const struct sl_job_spec *spec, struct sl_error *err);
/* Finds a job by its ledger id (known once it started); NULL if none. */
struct sl_job *sl_jobs_get_import(struct sl_jobs *j, long long import_id);
/* Blocks until job ends; every ~200 ms calls gone(arg) and cancels the job
 * when it returns non-zero (a client that disconnected). */
void sl_jobs_wait(struct sl_jobs *j, struct sl_job *job, int (*gone)(void *), void *arg);
/* Drops the caller's reference. */
void sl_jobs_release(struct sl_jobs *j, struct sl_job *job);
/* Finds a job by id and takes a reference; NULL if unknown. */
struct sl_job *sl_jobs_get(struct sl_jobs *j, const char *id);
/* Cancels; returns the state the job had. */
int sl_jobs_cancel(struct sl_jobs *j, struct sl_job *job);
const char *sl_job_state_name(int state);
/* Caller holds j->mu: a JSON object (new reference) describing job. */
struct json_t;
struct json_t *sl_job_json_locked(const struct sl_job *job, int full);
/* JSON array (new) of recent jobs, newest first. */
struct json_t *sl_jobs_list_json(struct sl_jobs *j);
/* A snapshot of a job's final fields, taken under the lock. */
void sl_jobs_snapshot(struct sl_jobs *j, const struct sl_job *job, int *state, int *rc,
                      struct sheetload_stats *stats);

/* upload.c */
int sl_updir_open(struct sl_http_server *s, struct sl_error *err);
/* One import's memory budget: min(max_memory, max_memory_total / max_jobs). */
uint64_t sl_http_job_memory(const struct sl_http_opts *o);
void sl_updir_close(struct sl_http_server *s);
/* A fresh private (0700) directory in the upload dir, named prefix and a
 * random part; its name (relative to the upload dir) in name. 0, or -1 with
 * errno. */
int sl_updir_mkdir(const struct sl_http_server *s, const char *prefix, char *name, size_t cap);
/* Begins streaming a multipart body of this request to a temp file. */
int sl_upload_begin(struct sl_req *r, struct MHD_Connection *c);
/* Feeds body bytes. */
void sl_upload_feed(struct sl_req *r, const char *data, size_t size);
/* Ends the body: closes the temp file. */
void sl_upload_end(struct sl_req *r);
/* Removes the temp file, if the request still owns one. */
void sl_upload_discard(struct sl_req *r);
/* Unlinks an uploaded file and, when empty, its private directory. */
void sl_upload_remove(const char *path);
/* A fresh random name "PREFIX-<hex>SUFFIX". */
void sl_random_name(char *out, size_t cap, const char *prefix, const char *suffix);

/* ledger.c: an id made of digits names a ledger import. */
int sl_ledger_id(const char *s);
struct sl_buf;
/* The ledger's view of import id (new JSON in *out), or SL_ENOTFOUND. */
int sl_http_ledger_get(const struct sl_http_server *s, const char *id, struct json_t **out,
                       struct sl_error *err);
/* Import id's rejects as CSV (header first) in a new unlinked file: *fd
 * (the caller's to close) holds *len bytes from offset 0. */
int sl_http_ledger_rejects(const struct sl_http_server *s, long long id, int *fd, size_t *len,
                           struct sl_error *err);

/* conns.c */
int sl_conns_init(struct sl_http_server *s, struct sl_error *err);
void sl_conns_free(struct sl_http_server *s);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls = server). */
void sl_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);
/* A request begins on conn (headers complete): returns 0, or -1 when the
 * server is stopping. Counts the request in flight. */
int sl_conns_request_begin(struct sl_http_server *s, struct sl_conn *conn);
/* Body bytes arrived on conn. */
void sl_conns_body(struct sl_http_server *s, struct sl_conn *conn, size_t n);
/* The handler took over (no body deadline from now). */
void sl_conns_busy(struct sl_http_server *s, struct sl_conn *conn);
/* The request ended (completed callback). */
void sl_conns_request_end(struct sl_http_server *s, struct sl_conn *conn);
/* At stop: no new requests; waits until every request begun has been
 * answered and sent, or until deadline_ns. Returns those still open. */
int sl_conns_drain(struct sl_http_server *s, int64_t deadline_ns);
int sl_conns_count(struct sl_http_server *s);

/* answer.c: text for clients. Replaces every path under the upload dir in
 * `in` by display, and makes the result valid UTF-8. */
void sl_http_scrub(const struct sl_http_server *s, const char *in, const char *display, char *out,
                   size_t cap);
/* An import's error in one line, naming the client's file; an error that
 * is not about the file or its data (database down, server fault) is only
 * named, with ref (the job id) to find the log line. Returns 1 then. */
int sl_http_import_error(const struct sl_http_server *s, const struct sl_error *e,
                         const char *display, const char *ref, char *out, size_t cap);
/* The import's statistics (new) without target and rejects_file. */
struct json_t *sl_http_stats_json(const struct sl_http_server *s, const struct sheetload_stats *st,
                                  const char *display, const char *ref);
/* A 500 (or a 503 from the database): the details go to the log under the
 * request id, the client gets the id. */
int sl_reply_fault(struct sl_req *r, struct MHD_Connection *c, int status, const char *public_msg,
                   const char *detail);

/* metrics.c */
void sl_metrics_upload(struct sl_http_server *s, int status);
/* state: enum sl_job_state; secs: the import's duration. */
void sl_metrics_import(struct sl_metrics *m, int state, long long inserted, long long rejected,
                       double secs);
int sl_route_metrics(struct sl_req *r, struct MHD_Connection *c);

/* routes.c */
/* The answer for an upload that cannot be used (too big, no file, empty,
 * not a spreadsheet): MHD_YES/NO after replying, or -1 when it is fine. */
int sl_upload_refusal(struct sl_req *r, struct MHD_Connection *c);
int sl_route_health(struct sl_req *r, struct MHD_Connection *c);
int sl_route_upload(struct sl_req *r, struct MHD_Connection *c, int sync);
int sl_route_list(struct sl_req *r, struct MHD_Connection *c);
int sl_route_get(struct sl_req *r, struct MHD_Connection *c);
int sl_route_rejects(struct sl_req *r, struct MHD_Connection *c);
int sl_route_delete(struct sl_req *r, struct MHD_Connection *c);

/* previews.c */
int sl_route_preview_new(struct sl_req *r, struct MHD_Connection *c);
/* GET|POST|DELETE /previews/ID; import: POST /previews/ID/import. */
int sl_route_preview(struct sl_req *r, struct MHD_Connection *c, int import);
/* fixes.c */
int sl_route_fixes(struct sl_req *r, struct MHD_Connection *c);
int sl_route_history(struct sl_req *r, struct MHD_Connection *c);
int sl_http_status_for(int rc);

/* page.c: the web page's files (GET /, /app.js, /app.css). */
struct sl_asset;
const struct sl_asset *sl_page_find(const char *path, size_t n);
int sl_route_page(struct sl_req *r, struct MHD_Connection *c);
int sl_route_info(struct sl_req *r, struct MHD_Connection *c);

/* server.c: a method name (NULL or "" = dflt); 0 valid, -1 invalid. */
int sl_http_method_arg(const char *name, int dflt, int *out);
#define SL_HTTP_INVALID_METHOD "Invalid method. Use: sequential, concurrent, batch, or copy"
/* server.c: queue a response and record it for the log. Return MHD_YES/NO. */
int sl_reply_json(struct sl_req *r, struct MHD_Connection *c, int status, struct json_t *body);
/* The same with one more header (header NULL: none). Steals body. */
int sl_reply_json_hdr(struct sl_req *r, struct MHD_Connection *c, int status, struct json_t *body,
                      const char *header, const char *value);
int sl_reply_error(struct sl_req *r, struct MHD_Connection *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int sl_reply(struct sl_req *r, struct MHD_Connection *c, int status, struct MHD_Response *resp,
             size_t bytes);
/* server.c: o (stolen; NULL: nothing) as one line of the JSON log, its keys
 * in their order. */
void sl_http_log_json(struct json_t *o);

#endif
