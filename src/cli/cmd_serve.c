/* cmd_serve.c - 'sheetload serve': options and environment, then run the
 * upload service until SIGINT or SIGTERM, then stop it gracefully.
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread starts (every
 * thread inherits the mask) and the main thread takes them with sigwait(),
 * so no code runs in a signal handler.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "cli/cli.h"
#include "http/http.h"

static void usage(void)
{
    printf(
        "Usage: sheetload serve [OPTIONS]\n"
        "\n"
        "Runs the HTTP upload service: the web page at / for people, the tutorial's\n"
        "API (POST /upload, GET /health), import jobs (POST /imports, GET /imports,\n"
        "GET|DELETE /imports/ID, GET /imports/ID/rejects), previews (POST /previews,\n"
        "GET|POST|DELETE /previews/ID, POST /previews/ID/import), fixed rows\n"
        "(POST /imports/ID/fixes) and GET /history. Uploads are streamed to a private directory "
        "under\n"
        "generated names; the client's file name is only ever displayed.\n"
        "\n"
        "Options (environment variable in brackets):\n"
        "  --listen HOST:PORT       address to bind (127.0.0.1:8080) [SHEETLOAD_LISTEN];\n"
        "                           port 0 picks a free port; the address is printed\n"
        "  --db URL                 import target (postgres://..., sqlite:PATH)\n"
        "                           [DATABASE_URL]; default sqlite:businesses.db\n"
        "  --max-upload SIZE        largest file accepted, e.g. 3MB, 100MB, 1GiB (100MB)\n"
        "                           [SHEETLOAD_MAX_UPLOAD]; larger uploads get 413\n"
        "  --max-rows N             refuse a file of more than N data rows (422; the\n"
        "                           import stops there); no limit by default\n"
        "  --max-jobs N             imports running at once; more are queued (2)\n"
        "                           [SHEETLOAD_MAX_JOBS]\n"
        "  --max-connections N      open connections at once (64); over it a request\n"
        "                           gets 503 and the connection is closed\n"
        "  --max-connections-per-ip N\n"
        "                           open connections from one address (16); over it\n"
        "                           likewise 503\n"
        "  --header-timeout D       a request's headers must arrive within D of the\n"
        "                           connection (or of the previous answer) (10s)\n"
        "  --body-timeout D         an upload must send 16 KiB within every D, else it\n"
        "                           is dropped with its temp file (30s)\n"
        "  --upload-dir DIR         where uploads are stored while imported (created\n"
        "                           0700; default a fresh temp dir) [SHEETLOAD_UPLOAD_DIR]\n"
        "  --shutdown-timeout D     on SIGTERM/SIGINT, how long running imports may\n"
        "                           finish before they are cancelled (30s)\n"
        "  --method-default M       method when ?method= is absent: sequential,\n"
        "                           concurrent, batch (default) or copy\n"
        "  --max-memory SIZE        one import's memory budget (256MiB; 'unlimited')\n"
        "                           [SHEETLOAD_MAX_MEMORY]: shared strings past it\n"
        "                           spill to a file in the upload directory\n"
        "  --max-memory-total SIZE  all running imports together (default: max-jobs x\n"
        "                           max-memory); each gets min(max-memory, total/max-jobs)\n"
        "  --node NAME              this server's name in /health and in the ledger\n"
        "                           (default HOST:PORT) [SHEETLOAD_NODE]\n"
        "  --log-format F           text (default) or json: one JSON object per line\n"
        "                           (requests: request_id, method, path, status,\n"
        "                           bytes, ms; imports: id, file, state, counts)\n"
        "  --preview-ttl D          how long a file uploaded for a preview (the web\n"
        "                           page, POST /previews) is kept after its last use (1h)\n"
        "  --preview-space SIZE     the most bytes all kept previews may hold (1GB); an\n"
        "                           upload that does not fit gets 507\n"
        "  -q, --quiet              log warnings and errors only\n"
        "  -h, --help               show this help\n"
        "\n"
        "Several servers on one database are one service: a file being imported by\n"
        "one is refused by the others (409), and GET|DELETE /imports/ID by ledger id\n"
        "work on every node (docs/scaling.md).\n"
        "\n"
        "Authentication: when SHEETLOAD_TOKEN is set, every route but /health needs\n"
        "'Authorization: Bearer <token>'.\n"
        "\n"
        "Example (the tutorial's client works unchanged):\n"
        "  sheetload serve --db postgres://localhost/app &\n"
        "  curl -X POST 'http://localhost:8080/upload?method=batch' -F \"file=@sample_data.xlsx\"\n"
        "\n"
        "Exit status: 0 after a graceful stop, 1 when the server cannot start, 2 usage.\n");
}

/* The options as given (and the environment under them), then applied
 * into o. */
struct serve_args {
    struct sl_http_opts o;
    const char *max_upload, *max_jobs, *max_conns, *shutdown, *method;
    const char *per_ip, *header_to, *body_to, *log_format, *max_rows;
    const char *preview_ttl, *preview_space;
    const char *max_mem, *max_mem_total;
};

/* How an option's text becomes its value. */
enum num_kind {
    K_SIZE,    /* sl_cli_parse_size, more than 0, into an unsigned long long */
    K_MEMORY,  /* sl_cli_parse_memory, into a uint64_t */
    K_INT,     /* a number from min to max, into an int */
    K_LONG,    /* the same into a long long */
    K_SECONDS, /* sl_cli_parse_duration, at least min (more than min: above), into a double */
};

/* The options with a number, a size or a duration: the text at src in
 * struct serve_args becomes the value at dst; what says in the usage
 * error what the value must be. */
static const struct num_opt {
    const char *name;
    enum num_kind kind;
    double min, max;
    int above;
    size_t src, dst;
    const char *what;
} num_opts[] = {
#define A(f) offsetof(struct serve_args, f)
    {"--max-upload", K_SIZE, 0, 0, 0, A(max_upload), A(o.max_upload),
     "a size such as 3MB, 100MB or 1GiB"},
    {"--max-memory", K_MEMORY, 0, 0, 0, A(max_mem), A(o.max_memory),
     "a size of at least 1MiB (e.g. 256MiB) or 'unlimited'"},
    {"--max-memory-total", K_MEMORY, 0, 0, 0, A(max_mem_total), A(o.max_memory_total),
     "a size of at least 1MiB (e.g. 1GiB) or 'unlimited'"},
    {"--max-jobs", K_INT, 1, 1024, 0, A(max_jobs), A(o.max_jobs), "a number from 1 to 1024"},
    {"--max-connections", K_INT, 1, 10000, 0, A(max_conns), A(o.max_connections),
     "a number from 1 to 10000"},
    {"--max-connections-per-ip", K_INT, 1, 10000, 0, A(per_ip), A(o.max_per_ip),
     "a number from 1 to 10000"},
    {"--header-timeout", K_SECONDS, 1, 0, 0, A(header_to), A(o.header_timeout_s),
     "a duration of 1s or more"},
    {"--body-timeout", K_SECONDS, 1, 0, 0, A(body_to), A(o.body_timeout_s),
     "a duration of 1s or more"},
    {"--max-rows", K_LONG, 1, 0x1p62, 0, A(max_rows), A(o.max_rows), "a positive number"},
    {"--shutdown-timeout", K_SECONDS, 0, 0, 0, A(shutdown), A(o.shutdown_timeout_s),
     "a duration such as 30s or 2m"},
    {"--preview-ttl", K_SECONDS, 0, 0, 1, A(preview_ttl), A(o.preview_ttl_s),
     "a duration such as 10m or 1h"},
    {"--preview-space", K_SIZE, 0, 0, 0, A(preview_space), A(o.preview_space),
     "a size such as 500MB or 2GB"},
#undef A
};

/* The value of text v into dst as n says; 0 or -1. */
static int num_value(const struct num_opt *n, const char *v, void *dst)
{
    unsigned long long size;
    long long count;
    double d;
    switch (n->kind) {
    case K_SIZE:
        if (sl_cli_parse_size(v, &size) || size == 0)
            return -1;
        *(unsigned long long *)dst = size;
        return 0;
    case K_MEMORY:
        if (sl_cli_parse_memory(v, &size))
            return -1;
        *(uint64_t *)dst = size;
        return 0;
    case K_INT:
    case K_LONG:
        if (sl_cli_parse_long(v, (long long)n->min, (long long)n->max, &count))
            return -1;
        if (n->kind == K_INT)
            *(int *)dst = (int)count;
        else
            *(long long *)dst = count;
        return 0;
    case K_SECONDS:
        if (sl_cli_parse_duration(v, &d) || d < n->min || (n->above && d <= n->min))
            return -1;
        *(double *)dst = d;
        return 0;
    }
    return -1;
}

static int apply(struct serve_args *a)
{
    a->o.shutdown_timeout_s = 30;
    for (size_t i = 0; i < sizeof num_opts / sizeof num_opts[0]; i++) {
        const struct num_opt *n = &num_opts[i];
        const char *v = *(const char **)(void *)((char *)a + n->src);
        if (v && num_value(n, v, (char *)a + n->dst))
            return sl_cli_usage_error("serve", "%s '%s' is not %s", n->name, v, n->what);
    }
    if (a->log_format) {
        if (!strcmp(a->log_format, "json"))
            a->o.log_json = 1;
        else if (strcmp(a->log_format, "text"))
            return sl_cli_usage_error("serve", "--log-format '%s': use text or json",
                                      a->log_format);
    }
    if (a->method) {
        int m = sheetload_method_parse(a->method);
        if (m <= 0)
            return sl_cli_usage_error(
                "serve", "--method-default '%s': use sequential, concurrent, batch or copy",
                a->method);
        a->o.method_default = m;
    }
    return 0;
}

/* The options with a value, in the order of dest in parse_args. */
static const struct option long_opts[] = {
    {"listen", required_argument, NULL, 0},
    {"db", required_argument, NULL, 0},
    {"max-upload", required_argument, NULL, 0},
    {"max-jobs", required_argument, NULL, 0},
    {"max-connections", required_argument, NULL, 0},
    {"max-connections-per-ip", required_argument, NULL, 0},
    {"header-timeout", required_argument, NULL, 0},
    {"body-timeout", required_argument, NULL, 0},
    {"log-format", required_argument, NULL, 0},
    {"max-rows", required_argument, NULL, 0},
    {"upload-dir", required_argument, NULL, 0},
    {"shutdown-timeout", required_argument, NULL, 0},
    {"method-default", required_argument, NULL, 0},
    {"node", required_argument, NULL, 0},
    {"preview-ttl", required_argument, NULL, 0},
    {"preview-space", required_argument, NULL, 0},
    {"max-memory-total", required_argument, NULL, 0},
    {"max-memory", required_argument, NULL, 0},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* getopt_long, as every subcommand parses; the environment first, the
 * options over it. */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
    memset(a, 0, sizeof *a);
    a->o.listen = getenv("SHEETLOAD_LISTEN");
    a->max_upload = getenv("SHEETLOAD_MAX_UPLOAD");
    a->max_jobs = getenv("SHEETLOAD_MAX_JOBS");
    a->o.upload_dir = getenv("SHEETLOAD_UPLOAD_DIR");
    a->o.token = getenv("SHEETLOAD_TOKEN");
    a->o.node = getenv("SHEETLOAD_NODE");
    a->max_mem = getenv("SHEETLOAD_MAX_MEMORY");
    const char **dest[] = {&a->o.listen,      &a->o.db,     &a->max_upload,   &a->max_jobs,
                           &a->max_conns,     &a->per_ip,   &a->header_to,    &a->body_to,
                           &a->log_format,    &a->max_rows, &a->o.upload_dir, &a->shutdown,
                           &a->method,        &a->o.node,   &a->preview_ttl,  &a->preview_space,
                           &a->max_mem_total, &a->max_mem};
    _Static_assert(sizeof dest / sizeof dest[0] == sizeof long_opts / sizeof long_opts[0] - 3,
                   "one destination per option with a value");
    int c, idx = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", long_opts, &idx)) != -1) {
        if (c == 0 && *optarg)
            *dest[idx] = optarg;
        else if (c == 0)
            return sl_cli_getopt_error("serve", ':', argv);
        else if (c == 'q')
            sl_log_set_level(SL_LOG_WARNING);
        else if (c != 'h')
            return sl_cli_getopt_error("serve", c, argv);
    }
    if (optind < argc)
        return sl_cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (a->o.upload_dir && !*a->o.upload_dir)
        a->o.upload_dir = NULL;
    return apply(a);
}

int sl_cmd_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage();
            return SL_EXIT_OK;
        }
    struct serve_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (a.o.log_json)
        sl_log_set_json(1);
    struct sl_error err;
    memset(&err, 0, sizeof err);
    struct sl_http_server *srv;
    if (sl_http_start(&srv, &a.o, &err)) {
        sl_errlog("%s", err.msg);
        return SL_EXIT_FAIL;
    }
    sl_info("listening on %s", sl_http_url(srv));
    int sig = 0;
    while (sigwait(&set, &sig))
        ;
    sl_info("%s received: stopping (running imports get %.1fs to finish)",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", a.o.shutdown_timeout_s);
    sl_http_stop(srv);
    sl_info("stopped");
    return SL_EXIT_OK;
}
