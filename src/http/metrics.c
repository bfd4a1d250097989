/* metrics.c - GET /metrics: the service's counters in the Prometheus text
 * exposition format (version 0.0.4).
 *
 * Counters are plain unsigned long longs in struct sl_metrics, bumped with
 * relaxed atomic adds from any thread and read with relaxed atomic loads:
 * each value is exact, the set is not a single snapshot (as in every
 * Prometheus client). Gauges (jobs queued and running, open connections)
 * are read under their own locks when the page is made.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "http/internal.h"

/* The statuses counted for uploads; anything else goes to "other". */
static const int statuses[SL_METRIC_STATUSES] = {200, 202, 400, 401, 404, 408,
                                                 409, 413, 422, 500, 503, 0};
/* Upper bounds (seconds) of the import duration histogram. */
static const double bounds[SL_METRIC_BUCKETS] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

static unsigned long long get(const unsigned long long *v)
{
    return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static void add(unsigned long long *v, unsigned long long n)
{
    __atomic_add_fetch(v, n, __ATOMIC_RELAXED);
}

void sl_metrics_upload(struct sl_http_server *s, int status)
{
    int i = 0;
    while (i < SL_METRIC_STATUSES - 1 && statuses[i] != status)
        i++;
    add(&s->m.uploads[i], 1);
}

void sl_metrics_import(struct sl_metrics *m, int state, long long inserted, long long rejected,
                       double secs)
{
    if (state == SL_JOB_COMPLETED)
        add(&m->imports[0], 1);
    else if (state == SL_JOB_FAILED)
        add(&m->imports[1], 1);
    else
        add(&m->imports[2], 1);
    add(&m->rows_inserted, inserted > 0 ? (unsigned long long)inserted : 0);
    add(&m->rows_rejected, rejected > 0 ? (unsigned long long)rejected : 0);
    int b = 0;
    while (b < SL_METRIC_BUCKETS && secs > bounds[b])
        b++;
    add(&m->dur_buckets[b], 1);
    add(&m->dur_count, 1);
    add(&m->dur_sum_us, secs > 0 ? (unsigned long long)(secs * 1e6) : 0);
}

static void head(struct sl_buf *b, const char *name, const char *type, const char *help)
{
    sl_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render(struct sl_http_server *s, struct sl_buf *b)
{
    const struct sl_metrics *m = &s->m;
    head(b, "sheetload_http_requests_total", "counter", "HTTP requests received.");
    sl_buf_addf(b, "sheetload_http_requests_total %llu\n", get(&m->requests));
    head(b, "sheetload_uploads_total", "counter",
         "Uploads (POST /upload and POST /imports) by HTTP status of the answer.");
    for (int i = 0; i < SL_METRIC_STATUSES; i++) {
        if (statuses[i])
            sl_buf_addf(b, "sheetload_uploads_total{status=\"%d\"} %llu\n", statuses[i],
                        get(&m->uploads[i]));
        else
            sl_buf_addf(b, "sheetload_uploads_total{status=\"other\"} %llu\n", get(&m->uploads[i]));
    }
    head(b, "sheetload_imports_total", "counter", "Imports that ended, by final state.");
    static const char *states[] = {"completed", "failed", "cancelled"};
    for (int i = 0; i < 3; i++)
        sl_buf_addf(b, "sheetload_imports_total{state=\"%s\"} %llu\n", states[i],
                    get(&m->imports[i]));
    head(b, "sheetload_rows_inserted_total", "counter", "Rows inserted by imports.");
    sl_buf_addf(b, "sheetload_rows_inserted_total %llu\n", get(&m->rows_inserted));
    head(b, "sheetload_rows_rejected_total", "counter", "Rows rejected by imports.");
    sl_buf_addf(b, "sheetload_rows_rejected_total %llu\n", get(&m->rows_rejected));
    head(b, "sheetload_http_received_bytes_total", "counter", "Request body bytes received.");
    sl_buf_addf(b, "sheetload_http_received_bytes_total %llu\n", get(&m->bytes_received));
    head(b, "sheetload_import_duration_seconds", "histogram", "Duration of ended imports.");
    unsigned long long cum = 0;
    for (int i = 0; i < SL_METRIC_BUCKETS; i++) {
        cum += get(&m->dur_buckets[i]);
        sl_buf_addf(b, "sheetload_import_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[i],
                    cum);
    }
    cum += get(&m->dur_buckets[SL_METRIC_BUCKETS]);
    sl_buf_addf(b, "sheetload_import_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
    sl_buf_addf(b, "sheetload_import_duration_seconds_sum %.6f\n",
                (double)get(&m->dur_sum_us) / 1e6);
    sl_buf_addf(b, "sheetload_import_duration_seconds_count %llu\n", get(&m->dur_count));

    int queued = 0, running;
    pthread_mutex_lock(&s->jobs.mu);
    for (struct sl_job *j = s->jobs.qhead; j; j = j->qnext)
        queued++;
    running = s->jobs.running;
    pthread_mutex_unlock(&s->jobs.mu);
    head(b, "sheetload_jobs_queued", "gauge", "Import jobs waiting for a worker.");
    sl_buf_addf(b, "sheetload_jobs_queued %d\n", queued);
    head(b, "sheetload_jobs_running", "gauge", "Import jobs running.");
    sl_buf_addf(b, "sheetload_jobs_running %d\n", running);
    head(b, "sheetload_http_connections", "gauge", "Open HTTP connections.");
    sl_buf_addf(b, "sheetload_http_connections %d\n", sl_conns_count(s));
    head(b, "sheetload_http_connections_refused_total", "counter",
         "Connections answered 503 for being over a connection limit.");
    sl_buf_addf(b, "sheetload_http_connections_refused_total %llu\n", get(&m->conns_refused));
    head(b, "sheetload_http_connections_timed_out_total", "counter",
         "Connections closed by the header or body deadline.");
    sl_buf_addf(b, "sheetload_http_connections_timed_out_total %llu\n", get(&m->conns_timed_out));
}

int sl_route_metrics(struct sl_req *r, struct MHD_Connection *c)
{
    struct sl_buf b;
    sl_buf_init(&b, 1u << 20);
    render(r->srv, &b);
    if (b.err) {
        sl_buf_release(&b);
        return sl_reply_error(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
    }
    size_t len;
    char *text = sl_buf_detach(&b, &len);
    struct MHD_Response *resp =
        sl_mhd.create_response_from_buffer_with_free_callback(len, text, sl_free);
    if (!resp) {
        sl_free(text);
        return MHD_NO;
    }
    sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                               "text/plain; version=0.0.4; charset=utf-8");
    return sl_reply(r, c, MHD_HTTP_OK, resp, len);
}
