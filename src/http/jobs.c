/* jobs.c - the import jobs of the upload service: a table, a FIFO queue and
 * max_jobs worker threads that run sheetload_import() one job each.
 *
 * DESIGN. Every upload (synchronous /upload or asynchronous /imports)
 * becomes a job. Workers take jobs from the queue in order, so at most
 * max_jobs imports run at once and the rest wait. A job has its own
 * stop handle, a child of the server's root: DELETE, a client that
 * disconnected from /upload, or the end of the shutdown grace cancel it, and
 * the import then stops cleanly and stays resumable (the ledger). The job
 * owns its uploaded file and unlinks it when the import ends, whatever the
 * outcome; a job cancelled while queued never runs and unlinks it at once.
 *
 * Ownership: a job is freed when its last reference goes: the table holds
 * one while the job is listed, a running worker one, each waiting
 * connection one. Finished jobs beyond `keep` are dropped from the table,
 * oldest first.
 *
 * Locking: j->mu guards the table, the queue, the counters and the fields
 * of struct sl_job marked (mu). It is not held while an import runs, while
 * a file is unlinked, or while a connection is polled. Lock order: j->mu,
 * then a stop handle's internal lock (sheetload_stop under j->mu).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "http/internal.h"

static void job_free(struct sl_job *job)
{
    sl_free(job->columns);
    json_decref(job->mapping);
    if (job->rejects[0])
        unlink(job->rejects);
    sl_upload_remove(job->path); /* and its directory */
    sheetload_stop_free(job->stop);
    sl_free(job);
}

/* Caller holds mu. Frees the job when the count reaches zero. */
static void unref_locked(struct sl_job *job)
{
    if (--job->refs == 0)
        job_free(job);
}

static int finished(int state)
{
    return state > SL_JOB_RUNNING;
}

const char *sl_job_state_name(int state)
{
    static const char *names[] = {"queued", "running", "completed", "failed", "cancelled"};
    return state >= 0 && state <= SL_JOB_CANCELLED ? names[state] : "unknown";
}

/* Drops the oldest finished jobs beyond j->keep from the table. */
static void trim_locked(struct sl_jobs *j)
{
    int seen = 0;
    for (struct sl_job **pp = &j->list; *pp;) {
        struct sl_job *job = *pp;
        if (finished(job->state) && ++seen > j->keep) {
            *pp = job->next;
            unref_locked(job);
            continue;
        }
        pp = &job->next;
    }
}

static void on_progress(const struct sheetload_progress *p, void *arg)
{
    struct sl_job *job = arg;
    pthread_mutex_lock(&job->owner->mu);
    job->progress = *p;
    pthread_mutex_unlock(&job->owner->mu);
}

static int outcome(int rc, const struct sheetload_stats *st, int cancel_requested)
{
    if (rc == 0 && !st->cancelled)
        return SL_JOB_COMPLETED;
    if (rc == SL_ECANCELED || st->cancelled || cancel_requested)
        return SL_JOB_CANCELLED;
    return SL_JOB_FAILED;
}

uint64_t sl_http_job_memory(const struct sl_http_opts *o)
{
    uint64_t one = o->max_memory ? o->max_memory : (uint64_t)256 << 20;
    if (one == SHEETLOAD_MEMORY_UNBOUNDED || !o->max_memory_total ||
        o->max_memory_total == SHEETLOAD_MEMORY_UNBOUNDED)
        return one;
    uint64_t share = o->max_memory_total / (uint64_t)(o->max_jobs > 0 ? o->max_jobs : 2);
    return share < one ? (share ? share : 1) : one;
}

/* The import options of a job: the server's target and limits, the
 * client's reading choices. */
static void job_opts(const struct sl_http_server *srv, struct sl_job *job, struct sheetload_opts *o)
{
    memset(o, 0, sizeof *o);
    o->file = job->path;
    o->display_name = job->display;
    o->db = srv->db;
    o->node = srv->node;
    o->method = job->method;
    o->force = job->force;
    o->encoding = job->rd.encoding[0] ? job->rd.encoding : NULL;
    o->header_row = job->rd.header_row;
    o->map = job->rd.map[0] ? job->rd.map : NULL;
    o->rejects_path = job->rejects;
    o->max_rows = srv->o.max_rows;
    o->tmp_dir = srv->updir; /* a spill goes beside the upload */
    o->limits.max_memory = sl_http_job_memory(&srv->o);
    o->stop = job->stop;
    o->progress = on_progress;
    o->progress_arg = job;
    o->columns = job->columns;
    o->sheet = job->sheet[0] ? job->sheet : NULL;
    if (job->columns)
        o->header_row = job->header_row;
}

/* The log line of a finished job (its stats are final: read without mu). */
static void log_job(const struct sl_job *job, int state)
{
    const struct sheetload_stats *st = &job->stats;
    long long rows = st->total_records, ok = st->success_count, bad = st->error_count;
    const char *name = sl_job_state_name(state);
    if (sl_log_is_json()) {
        json_t *line =
            json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:f}", "event", "import", "id", job->id, "file",
                      job->display, "state", name, "rows", (json_int_t)rows, "inserted",
                      (json_int_t)ok, "rejected", (json_int_t)bad, "seconds", st->duration_s);
        if (line && st->import_id)
            json_object_set_new(line, "import_id", json_integer(st->import_id));
        if (line && state == SL_JOB_FAILED)
            json_object_set_new(line, "error", json_string(st->err.msg));
        sl_http_log_json(line);
    } else if (state == SL_JOB_FAILED)
        sl_info("import %s: file '%s': %s after %lld rows: %s", job->id, job->display, name, rows,
                st->err.msg);
    else
        sl_info("import %s: file '%s': %s, %lld rows (%lld inserted, %lld rejected) in %.3fs",
                job->id, job->display, name, rows, ok, bad, st->duration_s);
}

static void run(struct sl_jobs *j, struct sl_job *job)
{
    struct sheetload_opts o;
    job_opts(j->srv, job, &o);
    struct sheetload_stats *st = sl_calloc(1, sizeof *st);
    int rc = st ? sheetload_import(&o, st) : SL_ENOMEM;
    if (!st)
        sl_err_set(&job->stats.err, SL_ENOMEM, "out of memory starting import '%s'", job->id);
    sl_upload_remove(job->path);

    pthread_mutex_lock(&j->mu);
    if (st)
        job->stats = *st;
    job->rc = rc;
    job->state = outcome(rc, &job->stats, job->cancel_requested);
    int state = job->state;
    j->running--;
    pthread_cond_broadcast(&j->done);
    pthread_mutex_unlock(&j->mu);
    sl_free(st);
    sl_metrics_import(j->metrics, state, job->stats.success_count, job->stats.error_count,
                      job->stats.duration_s);
    log_job(job, state);
}

static void *worker(void *arg)
{
    struct sl_jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->qhead && !j->stopping)
            pthread_cond_wait(&j->work, &j->mu);
        struct sl_job *job = j->qhead;
        if (!job)
            break;
        j->qhead = job->qnext;
        if (!j->qhead)
            j->qtail = NULL;
        job->qnext = NULL;
        job->state = SL_JOB_RUNNING;
        job->started_ns = sl_now_ns();
        job->refs++;
        int running = ++j->running;
        pthread_mutex_unlock(&j->mu);
        sl_info("import %s: file '%s': started (%d running)", job->id, job->display, running);
        run(j, job);
        pthread_mutex_lock(&j->mu);
        trim_locked(j);
        unref_locked(job);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

int sl_jobs_init(struct sl_jobs *j, const struct sl_http_server *srv, int workers, int keep,
                 struct sl_error *err)
{
    memset(j, 0, sizeof *j);
    j->srv = srv;
    j->keep = keep;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    sl_cond_init_monotonic(&j->done);
    j->root = sheetload_stop_new(NULL);
    j->workers = sl_calloc((size_t)workers, sizeof *j->workers);
    if (!j->root || !j->workers)
        return sl_err_set(err, SL_ENOMEM, "out of memory starting %d import workers", workers);
    for (int i = 0; i < workers; i++) {
        int e = pthread_create(&j->workers[i], NULL, worker, j);
        if (e) {
            sl_jobs_stop(j, 0);
            return sl_err_set(err, SL_EIO, "cannot start import worker %d: %s", i + 1, strerror(e));
        }
        j->nworkers++;
    }
    return 0;
}

struct sl_job *sl_jobs_submit(struct sl_jobs *j, const char *path, const char *display,
                              unsigned long long size, int method, int force,
                              const struct sl_job_read *rd, int sync, struct sl_error *err)
{
    return sl_jobs_submit_spec(j, path, display, size, method, force, rd, sync, NULL, err);
}

struct sl_job *sl_jobs_submit_spec(struct sl_jobs *j, const char *path, const char *display,
                                   unsigned long long size, int method, int force,
                                   const struct sl_job_read *rd, int sync,
                                   const struct sl_job_spec *spec, struct sl_error *err)
{
    struct sl_job *job = sl_calloc(1, sizeof *job);
    if (!job || (spec && spec->columns && !(job->columns = sl_strdup(spec->columns)))) {
        if (job)
            sl_free(job);
        sl_err_set(err, SL_ENOMEM, "out of memory queueing '%s'", display);
        return NULL;
    }
    if (spec) {
        job->mapping = spec->mapping ? json_incref(spec->mapping) : NULL;
        sl_strlcpy(job->sheet, spec->sheet ? spec->sheet : "", sizeof job->sheet);
        job->header_row = spec->header_row;
        sl_strlcpy(job->preview, spec->preview ? spec->preview : "", sizeof job->preview);
    }
    job->owner = j;
    sl_random_name(job->id, sizeof job->id, "j", ""); /* a letter first: not a ledger id */
    sl_strlcpy(job->path, path, sizeof job->path);
    sl_strlcpy(job->display, display, sizeof job->display);
    sl_strlcpy(job->rejects, path, sizeof job->rejects);
    char *slash = strrchr(job->rejects, '/');
    if (slash)
        sl_strlcpy(slash + 1, "rejects.csv",
                   sizeof job->rejects - (size_t)(slash + 1 - job->rejects));
    job->size = size;
    job->method = method;
    job->force = force;
    if (rd)
        job->rd = *rd;
    job->sync = sync;
    job->created = time(NULL);
    job->progress.percent = -1;
    job->stop = sheetload_stop_new(j->root);
    if (!job->stop) {
        sl_free(job->columns);
        json_decref(job->mapping);
        sl_free(job);
        sl_err_set(err, SL_ENOMEM, "out of memory queueing '%s'", display);
        return NULL;
    }
    pthread_mutex_lock(&j->mu);
    if (j->stopping) {
        pthread_mutex_unlock(&j->mu);
        sheetload_stop_free(job->stop);
        sl_free(job->columns);
        json_decref(job->mapping);
        sl_free(job);
        sl_err_set(err, SL_ECANCELED, "the server is shutting down; retry later");
        return NULL;
    }
    job->state = SL_JOB_QUEUED;
    job->refs = 2; /* the table's and the caller's */
    job->next = j->list;
    j->list = job;
    if (j->qtail)
        j->qtail->qnext = job;
    else
        j->qhead = job;
    j->qtail = job;
    pthread_cond_signal(&j->work);
    pthread_mutex_unlock(&j->mu);
    return job;
}

/* Caller holds mu. Returns the path to unlink ("" = none) in unlink_path. */
static int cancel_locked(struct sl_jobs *j, struct sl_job *job, char *unlink_path, size_t cap)
{
    int was = job->state;
    unlink_path[0] = '\0';
    if (was == SL_JOB_QUEUED) {
        struct sl_job **pp = &j->qhead, *prev = NULL;
        while (*pp && *pp != job) {
            prev = *pp;
            pp = &(*pp)->qnext;
        }
        if (*pp) {
            *pp = job->qnext;
            if (j->qtail == job)
                j->qtail = prev;
        }
        job->qnext = NULL;
        job->state = SL_JOB_CANCELLED;
        job->cancel_requested = 1;
        job->stats.cancelled = 1;
        sl_err_set(&job->stats.err, SL_ECANCELED, "import '%s' was cancelled before it started",
                   job->id);
        sl_strlcpy(unlink_path, job->path, cap);
        pthread_cond_broadcast(&j->done);
    } else if (was == SL_JOB_RUNNING && !job->cancel_requested) {
        job->cancel_requested = 1;
        sheetload_stop(job->stop);
    }
    return was;
}

int sl_jobs_cancel(struct sl_jobs *j, struct sl_job *job)
{
    char path[PATH_MAX];
    pthread_mutex_lock(&j->mu);
    int was = cancel_locked(j, job, path, sizeof path);
    pthread_mutex_unlock(&j->mu);
    if (path[0]) {
        sl_upload_remove(path);
        sl_info("import %s: file '%s': cancelled while queued", job->id, job->display);
    }
    return was;
}

void sl_jobs_wait(struct sl_jobs *j, struct sl_job *job, int (*gone)(void *), void *arg)
{
    pthread_mutex_lock(&j->mu);
    while (!finished(job->state)) {
        struct timespec ts = sl_ns_to_timespec(sl_now_ns() + 200 * 1000 * 1000);
        pthread_cond_timedwait(&j->done, &j->mu, &ts);
        if (finished(job->state) || job->cancel_requested || !gone)
            continue;
        pthread_mutex_unlock(&j->mu);
        int g = gone(arg);
        if (g) {
            sl_info("import %s: the client disconnected; cancelling", job->id);
            sl_jobs_cancel(j, job);
        }
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
}

void sl_jobs_release(struct sl_jobs *j, struct sl_job *job)
{
    pthread_mutex_lock(&j->mu);
    unref_locked(job);
    pthread_mutex_unlock(&j->mu);
}

struct sl_job *sl_jobs_get(struct sl_jobs *j, const char *id)
{
    pthread_mutex_lock(&j->mu);
    struct sl_job *job = j->list;
    while (job && strcmp(job->id, id))
        job = job->next;
    if (job)
        job->refs++;
    pthread_mutex_unlock(&j->mu);
    return job;
}

struct sl_job *sl_jobs_get_import(struct sl_jobs *j, long long import_id)
{
    pthread_mutex_lock(&j->mu);
    struct sl_job *job = j->list;
    while (job &&
           (job->stats.import_id ? job->stats.import_id : job->progress.import_id) != import_id)
        job = job->next;
    if (job)
        job->refs++;
    pthread_mutex_unlock(&j->mu);
    return job;
}

void sl_jobs_snapshot(struct sl_jobs *j, const struct sl_job *job, int *state, int *rc,
                      struct sheetload_stats *stats)
{
    pthread_mutex_lock(&j->mu);
    *state = job->state;
    *rc = job->rc;
    if (stats)
        *stats = job->stats;
    pthread_mutex_unlock(&j->mu);
}

static json_t *progress_json(const struct sl_job *job)
{
    const struct sheetload_progress *p = &job->progress;
    json_t *o = json_object();
    json_object_set_new(o, "rows_done", json_integer(p->rows_done));
    json_object_set_new(o, "rows_inserted", json_integer(p->rows_inserted));
    json_object_set_new(o, "rows_rejected", json_integer(p->rows_rejected));
    json_object_set_new(o, "rows_per_second", json_real(p->rows_per_s));
    json_object_set_new(o, "percent",
                        job->state == SL_JOB_COMPLETED ? json_real(100.0) : json_real(p->percent));
    json_object_set_new(o, "elapsed_s", json_real(p->elapsed_s));
    return o;
}

json_t *sl_job_json_locked(const struct sl_job *job, int full)
{
    char when[32];
    struct tm tm;
    gmtime_r(&job->created, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(job->id));
    json_object_set_new(o, "status", json_string(sl_job_state_name(job->state)));
    json_object_set_new(o, "method",
                        json_string(sheetload_method_name(job->method)
                                        ? sheetload_method_name(job->method)
                                        : "default"));
    json_object_set_new(o, "file", json_string(job->display));
    json_object_set_new(o, "size", json_integer((json_int_t)job->size));
    json_object_set_new(o, "created_at", json_string(when));
    json_object_set_new(o, "progress", progress_json(job));
    long long iid = job->stats.import_id ? job->stats.import_id : job->progress.import_id;
    if (iid)
        json_object_set_new(o, "import_id", json_integer(iid));
    if (job->cancel_requested)
        json_object_set_new(o, "cancel_requested", json_true());
    if (job->preview[0])
        json_object_set_new(o, "preview", json_string(job->preview));
    if (job->mapping)
        json_object_set_new(o, "mapping", json_incref(job->mapping));
    if (job->state == SL_JOB_FAILED || job->state == SL_JOB_CANCELLED)
        if (job->stats.err.msg[0]) {
            char msg[sizeof job->stats.err.msg + 600];
            sl_http_import_error(job->owner->srv, &job->stats.err, job->display, job->id, msg,
                                 sizeof msg);
            json_object_set_new(o, "error", json_string(msg));
        }
    if (full && finished(job->state))
        json_object_set_new(
            o, "stats", sl_http_stats_json(job->owner->srv, &job->stats, job->display, job->id));
    return o;
}

json_t *sl_jobs_list_json(struct sl_jobs *j)
{
    json_t *a = json_array();
    pthread_mutex_lock(&j->mu);
    for (struct sl_job *job = j->list; job; job = job->next)
        json_array_append_new(a, sl_job_json_locked(job, 0));
    pthread_mutex_unlock(&j->mu);
    return a;
}

void sl_jobs_stop(struct sl_jobs *j, double grace_s)
{
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    while (j->qhead) {
        char path[PATH_MAX];
        struct sl_job *job = j->qhead;
        cancel_locked(j, job, path, sizeof path);
        if (path[0])
            sl_upload_remove(path);
    }
    pthread_cond_broadcast(&j->work);
    int64_t deadline = sl_now_ns() + (int64_t)(grace_s * 1e9);
    while (j->running > 0 && sl_now_ns() < deadline) {
        struct timespec ts = sl_ns_to_timespec(deadline);
        pthread_cond_timedwait(&j->done, &j->mu, &ts);
    }
    int left = j->running;
    pthread_mutex_unlock(&j->mu);
    if (left > 0) {
        sl_info("shutdown: cancelling %d running import%s (they can be resumed)", left,
                left == 1 ? "" : "s");
        sheetload_stop(j->root);
    }
    for (int i = 0; i < j->nworkers; i++)
        pthread_join(j->workers[i], NULL);
    j->nworkers = 0;
}

void sl_jobs_free(struct sl_jobs *j)
{
    pthread_mutex_lock(&j->mu);
    while (j->list) {
        struct sl_job *job = j->list;
        j->list = job->next;
        unref_locked(job);
    }
    pthread_mutex_unlock(&j->mu);
    sl_free(j->workers);
    j->workers = NULL;
    sheetload_stop_free(j->root);
    j->root = NULL;
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->done);
    pthread_mutex_destroy(&j->mu);
}
