/* cmd_serve.c - 'sheetload serve': options and environment, then run the
 * upload service until SIGINT or SIGTERM, then stop it gracefully.
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread starts (every
 * thread inherits the mask) and the main thread takes them with sigwait(),
 * so no code runs in a signal handler.
 */
#include "base/err.h"
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* "--name value" or "--name=value": the value, else NULL (with *i moved). */
struct serve_args {
    struct sl_http_opts o;
    const char *max_upload, *max_jobs, *max_conns, *shutdown, *method;
    const char *per_ip, *header_to, *body_to, *log_format, *max_rows;
    const char *preview_ttl, *preview_space;
    const char *max_mem, *max_mem_total;
};

static int apply(struct serve_args *a)
{
    if (a->max_upload) {
        unsigned long long v;
        if (sl_cli_parse_size(a->max_upload, &v) || v == 0)
            return sl_cli_usage_error("serve",
                                      "--max-upload '%s' is not a size such as 3MB, 100MB or 1GiB",
                                      a->max_upload);
        a->o.max_upload = v;
    }
    if (a->max_mem) {
        unsigned long long m;
        if (sl_cli_parse_memory(a->max_mem, &m))
            return sl_cli_usage_error("serve",
                                      "--max-memory '%s' is not a size of at least 1MiB "
                                      "(e.g. 256MiB) or 'unlimited'",
                                      a->max_mem);
        a->o.max_memory = m;
    }
    if (a->max_mem_total) {
        unsigned long long m;
        if (sl_cli_parse_memory(a->max_mem_total, &m))
            return sl_cli_usage_error("serve",
                                      "--max-memory-total '%s' is not a size of at least "
                                      "1MiB (e.g. 1GiB) or 'unlimited'",
                                      a->max_mem_total);
        a->o.max_memory_total = m;
    }
    long long v;
    if (a->max_jobs) {
        if (sl_cli_parse_long(a->max_jobs, 1, 1024, &v))
            return sl_cli_usage_error("serve", "--max-jobs '%s' is not a number from 1 to 1024",
                                      a->max_jobs);
        a->o.max_jobs = (int)v;
    }
    if (a->max_conns) {
        if (sl_cli_parse_long(a->max_conns, 1, 10000, &v))
            return sl_cli_usage_error(
                "serve", "--max-connections '%s' is not a number from 1 to 10000", a->max_conns);
        a->o.max_connections = (int)v;
    }
    if (a->per_ip) {
        if (sl_cli_parse_long(a->per_ip, 1, 10000, &v))
            return sl_cli_usage_error(
                "serve", "--max-connections-per-ip '%s' is not a number from 1 to 10000",
                a->per_ip);
        a->o.max_per_ip = (int)v;
    }
    if (a->header_to &&
        (sl_cli_parse_duration(a->header_to, &a->o.header_timeout_s) || a->o.header_timeout_s < 1))
        return sl_cli_usage_error("serve", "--header-timeout '%s' is not a duration of 1s or more",
                                  a->header_to);
    if (a->body_to &&
        (sl_cli_parse_duration(a->body_to, &a->o.body_timeout_s) || a->o.body_timeout_s < 1))
        return sl_cli_usage_error("serve", "--body-timeout '%s' is not a duration of 1s or more",
                                  a->body_to);
    if (a->log_format) {
        if (!strcmp(a->log_format, "json"))
            a->o.log_json = 1;
        else if (strcmp(a->log_format, "text"))
            return sl_cli_usage_error("serve", "--log-format '%s': use text or json",
                                      a->log_format);
    }
    if (a->max_rows) {
        if (sl_cli_parse_long(a->max_rows, 1, (long long)1 << 62, &v))
            return sl_cli_usage_error("serve", "--max-rows '%s' is not a positive number",
                                      a->max_rows);
        a->o.max_rows = v;
    }
    a->o.shutdown_timeout_s = 30;
    if (a->shutdown && sl_cli_parse_duration(a->shutdown, &a->o.shutdown_timeout_s))
        return sl_cli_usage_error(
            "serve", "--shutdown-timeout '%s' is not a duration such as 30s or 2m", a->shutdown);
    if (a->preview_ttl &&
        (sl_cli_parse_duration(a->preview_ttl, &a->o.preview_ttl_s) || a->o.preview_ttl_s <= 0))
        return sl_cli_usage_error("serve", "--preview-ttl '%s' is not a duration such as 10m or 1h",
                                  a->preview_ttl);
    if (a->preview_space) {
        unsigned long long v2;
        if (sl_cli_parse_size(a->preview_space, &v2) || v2 == 0)
            return sl_cli_usage_error("serve",
                                      "--preview-space '%s' is not a size such as 500MB or 2GB",
                                      a->preview_space);
        a->o.preview_space = v2;
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
        else if (c == 0 || c == ':')
            return sl_cli_usage_error("serve", "option '%s' needs a value", argv[optind - 1]);
        else if (c == 'q')
            sl_log_set_level(SL_LOG_WARNING);
        else if (c != 'h')
            return sl_cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
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
