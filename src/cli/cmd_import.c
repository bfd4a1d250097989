/* cmd_import.c - 'sheetload import FILE': options → sheetload_import(),
 * a summary (or JSON) on stdout, a progress line on a terminal, and clean
 * cancellation on SIGINT/SIGTERM.
 *
 * Threads: the main thread runs the import; a signal thread waits for
 * SIGINT/SIGTERM (blocked in every thread, so only it receives them) and
 * stops the import (its stop handle) on the first, exits at once on the
 * second. SIGUSR2, sent by the main thread, tells it to leave. The progress
 * callback runs on the main thread (the import's fan-in) and owns the
 * progress line state. */
#include <getopt.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sheetload.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "cli/cli.h"

static void help(void)
{
    printf(
        "Usage: sheetload import FILE [OPTIONS]\n"
        "\n"
        "Loads a spreadsheet (.xlsx, .xls or .csv) into PostgreSQL or SQLite. Every good row goes "
        "into\n"
        "the table exactly once; every bad row is explained in a rejects file.\n"
        "\n"
        "Target:\n"
        "  --db URL            postgres://..., postgresql://..., a libpq keyword string (\"\" = "
        "libpq's\n"
        "                      PG* variables), sqlite:PATH or a path ending in .db/.sqlite.\n"
        "                      Default: $DATABASE_URL, else sqlite:businesses.db\n"
        "  --table T           load into the existing table T instead of 'businesses'; values go\n"
        "                      as text and the database converts them\n"
        "\n"
        "Header:\n"
        "  --header auto|none|N  where the header is: found among the first 20 rows (auto, the\n"
        "                      default; rows above it are skipped), none (every row is data, in\n"
        "                      the columns' order or --columns), or row N\n"
        "  --map 'Cell=col,...'  match header cells to columns yourself ('Cell=' ignores a cell);\n"
        "                      cells are otherwise matched by name ignoring case, spaces,\n"
        "                      punctuation, accents and a unit in parentheses, and for\n"
        "                      'businesses' by common synonyms (Company, Tel., E-mail, Town, ...)\n"
        "  --map-file FILE     the same, one 'Header cell=column' per line ('#' comments)\n"
        "  --columns a,b,c     map the sheet's columns by position (an empty name skips a "
        "column);\n"
        "                      a row that names exactly these columns is skipped as the header\n"
        "  --encoding NAME     CSV text encoding (cp1252, macintosh, latin1, utf-16, ...; any\n"
        "                      iconv name). Default: UTF-8, or what a byte-order mark says\n"
        "  --sheet NAME|N      the sheet to read (default: the first)\n"
        "  --delimiter C       CSV delimiter (default: detected among , ; TAB); 'tab' for TAB\n"
        "\n"
        "How:\n"
        "  --method M          sequential | concurrent | batch | copy (default: copy for "
        "PostgreSQL,\n"
        "                      batch for SQLite)\n"
        "  --workers N         writer connections (default: CPUs, at most 8; SQLite: always 1)\n"
        "  --batch-size B      rows per batch and per transaction (default 5000)\n"
        "  --timeout D         deadline for the whole import (30s, 5m, 1h); stops cleanly\n"
        "  --max-errors N      stop cleanly after N rejected rows\n"
        "  --max-rows N        refuse a file of more than N data rows: stop cleanly there\n"
        "  --max-memory SIZE   memory budget (default 256MiB; KiB, MiB, GiB; 'unlimited'): an\n"
        "                      .xlsx's shared strings past it spill to a file in $TMPDIR (/tmp)\n"
        "                      [SHEETLOAD_MAX_MEMORY]\n"
        "  --dry-run           read, convert and validate everything; write nothing\n"
        "  --indexes MODE      secondary indexes around the load: auto (default: dropped and\n"
        "                      built after the load where that pays: PostgreSQL from 16 MiB of\n"
        "                      input, SQLite always), keep (never dropped), defer (always, for an\n"
        "                      empty table)\n"
        "  --keep-indexes      the same as --indexes keep\n"
        "\n"
        "Again:\n"
        "  An interrupted import is resumed by running the same command again: the batches the\n"
        "  import ledger (table sheetload_batches) holds are skipped, no row goes in twice.\n"
        "  --resume ID         resume import ID (see sheetload_imports)\n"
        "  --restart           abandon an unfinished import of this file and start again; the "
        "rows\n"
        "                      it already inserted STAY in the table\n"
        "  --force             import a file that was already imported completely into the table\n"
        "  --wait              when another importer (a process, a server, another machine) is\n"
        "                      importing this very file into this table right now, wait for it to\n"
        "                      end, then end as the ledger says: exit 3 if it completed, take "
        "over\n"
        "                      and resume if it died or failed (without --wait: exit 3 at once)\n"
        "\n"
        "Output:\n"
        "  --rejects FILE      where rejected rows go (default NAME.rejects.csv beside the input,\n"
        "                      written only when a row was rejected): "
        "row,reason,sqlstate,cells...\n"
        "  --json              print the statistics as JSON on stdout\n"
        "  -q, --quiet         no progress line, no warnings\n"
        "  -h, --help          this help\n"
        "\n"
        "A progress line (rows, rows/s, percent, ETA) is shown on stderr when it is a terminal.\n"
        "The first SIGINT (Ctrl-C) or SIGTERM stops cleanly: batches in flight commit or roll "
        "back\n"
        "whole and the statistics are printed; a second one exits at once (the ledger still\n"
        "lets the next run resume).\n"
        "\n"
        "Exit codes:\n"
        "  0    every row accounted for (some may be rejected: see the rejects file)\n"
        "  1    the import failed or stopped (--max-errors); the statistics say how far it got\n"
        "  2    usage error\n"
        "  3    this file was already imported into this table (use --force), or another importer\n"
        "       is importing it right now (its import id, start, host and pid are named; --wait)\n"
        "  124  the --timeout deadline passed\n"
        "  130  interrupted by SIGINT (143: SIGTERM)\n");
}

/* ---- signals ------------------------------------------------------------- */
struct sigwatch {
    pthread_t thread;
    sigset_t set;
    struct sheetload_stop *stop;
    atomic_int signo; /* the first signal received, 0 = none */
};

static void *sig_main(void *arg)
{
    struct sigwatch *sw = arg;
    for (;;) {
        int sig = 0;
        if (sigwait(&sw->set, &sig))
            continue;
        if (sig == SIGUSR2)
            return NULL;
        int expected = 0;
        if (atomic_compare_exchange_strong(&sw->signo, &expected, sig)) {
            static const char m[] =
                "\nsheetload import: stopping cleanly (again to quit at once)\n";
            ssize_t w = write(2, m, sizeof m - 1);
            (void)w;
            sheetload_stop(sw->stop);
        } else {
            _exit(128 + sig);
        }
    }
}

/* ---- progress -------------------------------------------------------------- */
struct progress_line {
    int shown;
};

static void fmt_eta(double s, char *out, size_t cap)
{
    if (s < 0 || s > 360000)
        snprintf(out, cap, "?");
    else if (s >= 3600)
        snprintf(out, cap, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
    else if (s >= 60)
        snprintf(out, cap, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(out, cap, "%ds", (int)s);
}

static void on_progress(const struct sheetload_progress *p, void *arg)
{
    struct progress_line *pl = arg;
    char eta[32] = "?";
    if (p->percent > 0 && p->percent < 100 && p->elapsed_s > 0)
        fmt_eta(p->elapsed_s * (100 - p->percent) / p->percent, eta, sizeof eta);
    else if (p->percent >= 100)
        snprintf(eta, sizeof eta, "0s");
    if (p->percent >= 0)
        fprintf(stderr, "\r\033[K%lld rows  %.0f rows/s  %.1f%%  ETA %s", p->rows_done,
                p->rows_per_s, p->percent, eta);
    else
        fprintf(stderr, "\r\033[K%lld rows  %.0f rows/s", p->rows_done, p->rows_per_s);
    fflush(stderr);
    pl->shown = 1;
}

/* ---- options --------------------------------------------------------------- */
struct args {
    struct sheetload_opts o;
    int json, quiet;
};

/* The long options; a value above 255 names an option without a short form. */
enum {
    O_DB = 256,
    O_METHOD,
    O_TABLE,
    O_COLUMNS,
    O_HEADER,
    O_MAP,
    O_MAP_FILE,
    O_ENCODING,
    O_SHEET,
    O_WORKERS,
    O_BATCH,
    O_DELIM,
    O_REJECTS,
    O_MAX_ERRORS,
    O_MAX_ROWS,
    O_TIMEOUT,
    O_RESUME,
    O_DRY_RUN,
    O_INDEXES,
    O_KEEP_INDEXES,
    O_FORCE,
    O_RESTART,
    O_WAIT,
    O_JSON,
    O_MAX_MEMORY
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, O_DB},
    {"method", required_argument, NULL, O_METHOD},
    {"table", required_argument, NULL, O_TABLE},
    {"columns", required_argument, NULL, O_COLUMNS},
    {"header", required_argument, NULL, O_HEADER},
    {"map", required_argument, NULL, O_MAP},
    {"map-file", required_argument, NULL, O_MAP_FILE},
    {"encoding", required_argument, NULL, O_ENCODING},
    {"sheet", required_argument, NULL, O_SHEET},
    {"workers", required_argument, NULL, O_WORKERS},
    {"batch-size", required_argument, NULL, O_BATCH},
    {"delimiter", required_argument, NULL, O_DELIM},
    {"rejects", required_argument, NULL, O_REJECTS},
    {"max-errors", required_argument, NULL, O_MAX_ERRORS},
    {"max-rows", required_argument, NULL, O_MAX_ROWS},
    {"timeout", required_argument, NULL, O_TIMEOUT},
    {"resume", required_argument, NULL, O_RESUME},
    {"dry-run", no_argument, NULL, O_DRY_RUN},
    {"indexes", required_argument, NULL, O_INDEXES},
    {"keep-indexes", no_argument, NULL, O_KEEP_INDEXES},
    {"force", no_argument, NULL, O_FORCE},
    {"restart", no_argument, NULL, O_RESTART},
    {"wait", no_argument, NULL, O_WAIT},
    {"json", no_argument, NULL, O_JSON},
    {"max-memory", required_argument, NULL, O_MAX_MEMORY},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The options whose value is a text kept as given; need: the usage error
 * when it is empty (NULL: "" is allowed). */
static const struct text_opt {
    int opt;
    size_t off; /* of the const char * in struct args */
    const char *need;
} text_opts[] = {
    {O_DB, offsetof(struct args, o.db), NULL},
    {O_TABLE, offsetof(struct args, o.table), "--table needs a table name"},
    {O_COLUMNS, offsetof(struct args, o.columns), NULL},
    {O_MAP, offsetof(struct args, o.map), NULL},
    {O_MAP_FILE, offsetof(struct args, o.map_file), NULL},
    {O_SHEET, offsetof(struct args, o.sheet), NULL},
    {O_REJECTS, offsetof(struct args, o.rejects_path), NULL},
    {O_ENCODING, offsetof(struct args, o.encoding),
     "--encoding needs an encoding name (e.g. cp1252)"},
};

/* The switches: each sets an int of struct args to 1. */
static const struct flag_opt {
    int opt;
    size_t off;
} flag_opts[] = {
    {O_DRY_RUN, offsetof(struct args, o.dry_run)}, {O_FORCE, offsetof(struct args, o.force)},
    {O_RESTART, offsetof(struct args, o.restart)}, {O_WAIT, offsetof(struct args, o.wait)},
    {O_JSON, offsetof(struct args, json)},         {'q', offsetof(struct args, quiet)},
};

/* The counts of at least 1 (a long long of struct args), as the usage
 * error words them. */
static const struct count_opt {
    int opt;
    const char *name, *what;
    size_t off;
} count_opts[] = {
    {O_MAX_ERRORS, "--max-errors", "a positive number", offsetof(struct args, o.max_errors)},
    {O_MAX_ROWS, "--max-rows", "a positive number", offsetof(struct args, o.max_rows)},
    {O_RESUME, "--resume", "an import id", offsetof(struct args, o.resume_id)},
};

#define NOT_MINE (-1) /* set_plain: an option set_choice handles */

/* The options of the tables above: 0, NOT_MINE, or SL_EXIT_USAGE (said). */
static int set_plain(struct args *a, int opt, const char *v)
{
    char *base = (char *)a;
    for (size_t i = 0; i < sizeof text_opts / sizeof text_opts[0]; i++)
        if (text_opts[i].opt == opt) {
            if (text_opts[i].need && !*v)
                return sl_cli_usage_error("import", "%s", text_opts[i].need);
            *(const char **)(void *)(base + text_opts[i].off) = v;
            return 0;
        }
    for (size_t i = 0; i < sizeof flag_opts / sizeof flag_opts[0]; i++)
        if (flag_opts[i].opt == opt) {
            *(int *)(void *)(base + flag_opts[i].off) = 1;
            return 0;
        }
    for (size_t i = 0; i < sizeof count_opts / sizeof count_opts[0]; i++) {
        const struct count_opt *c = &count_opts[i];
        if (c->opt == opt) {
            if (sl_cli_parse_long(v, 1, (long long)1 << 62, (long long *)(void *)(base + c->off)))
                return sl_cli_usage_error("import", "%s '%s' is not %s", c->name, v, c->what);
            return 0;
        }
    }
    return NOT_MINE;
}

/* --header: auto, none or a row number. */
static int set_header(struct args *a, const char *v)
{
    long long n;
    if (!strcmp(v, "auto"))
        a->o.header_row = SHEETLOAD_HEADER_AUTO;
    else if (!strcmp(v, "none"))
        a->o.header_row = SHEETLOAD_HEADER_NONE;
    else if (sl_cli_parse_long(v, 1, 1048576, &n) == 0)
        a->o.header_row = n;
    else
        return sl_cli_usage_error("import",
                                  "--header '%s' must be auto, none or a row number from 1 to "
                                  "1048576",
                                  v);
    return 0;
}

/* The options with a choice or a unit. 0, or SL_EXIT_USAGE (said). */
static int set_choice(struct args *a, int opt, const char *v)
{
    double d;
    int m;
    switch (opt) {
    case O_HEADER:
        return set_header(a, v);
    case O_DELIM:
        if (sl_cli_parse_delimiter(v, &a->o.delimiter))
            return sl_cli_usage_error("import", "--delimiter '%s' must be one character (or 'tab')",
                                      v);
        return 0;
    case O_INDEXES:
        if ((m = sheetload_indexes_parse(v)) < 0)
            return sl_cli_usage_error("import", "unknown --indexes '%s'; use auto, keep or defer",
                                      v);
        a->o.indexes = m;
        return 0;
    case O_KEEP_INDEXES:
        a->o.indexes = SHEETLOAD_INDEXES_KEEP;
        return 0;
    case O_METHOD:
        if ((m = sheetload_method_parse(v)) < 0)
            return sl_cli_usage_error(
                "import", "unknown method '%s'; use sequential, concurrent, batch or copy", v);
        a->o.method = m;
        return 0;
    case O_WORKERS:
        return sl_cli_opt_workers("import", v, &a->o.workers);
    case O_BATCH:
        return sl_cli_opt_batch_size("import", v, &a->o.batch_size);
    case O_MAX_MEMORY:
        return sl_cli_opt_memory("import", v, &a->o.limits);
    case O_TIMEOUT:
        if (sl_cli_parse_duration(v, &d) || d <= 0)
            return sl_cli_usage_error("import",
                                      "--timeout '%s' is not a duration (e.g. 30s, 500ms, 5m)", v);
        a->o.timeout_s = d;
        return 0;
    }
    return SL_EXIT_USAGE; /* cannot happen: every long option is someone's */
}

/* The options that exclude each other, and the file. */
static int check_args(const struct args *a)
{
    if (!a->o.file)
        return sl_cli_usage_error("import", "no file given");
    if ((a->o.restart != 0) + (a->o.resume_id != 0) + (a->o.force != 0) > 1)
        return sl_cli_usage_error("import", "--restart, --resume and --force exclude each other");
    if (a->o.dry_run && (a->o.restart || a->o.resume_id))
        return sl_cli_usage_error("import", "--dry-run writes nothing, so it cannot resume or "
                                            "restart");
    return 0;
}

/* getopt_long, as every subcommand parses. 0, -1 after --help, or
 * SL_EXIT_USAGE (said). */
static int parse(int argc, char **argv, struct args *a)
{
    int c, rc;
    if (sl_cli_env_memory("import", &a->o.limits))
        return SL_EXIT_USAGE;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", long_opts, NULL)) != -1) {
        if (c == 'h') {
            help();
            return -1;
        }
        if (c == ':' || c == '?')
            return sl_cli_getopt_error("import", c, argv);
        if ((rc = set_plain(a, c, optarg)) == NOT_MINE)
            rc = set_choice(a, c, optarg);
        if (rc)
            return rc;
    }
    if (optind < argc)
        a->o.file = argv[optind++];
    if (optind < argc)
        return sl_cli_usage_error("import", "more than one file given ('%s', '%s')", a->o.file,
                                  argv[optind]);
    return check_args(a);
}

/* Which header cell went where. */
static void header_summary(const struct sheetload_stats *st)
{
    if (st->encoding[0] && strcmp(st->encoding, "UTF-8"))
        printf("  text:    %s\n", st->encoding);
    if (st->header_row > 2)
        printf("  header:  row %lld (rows 1-%lld above it skipped)\n", st->header_row,
               st->header_row - 1);
    else if (st->header_row == 2)
        printf("  header:  row 2 (row 1 above it skipped)\n");
    else if (st->header_row == 1)
        printf("  header:  row 1\n");
    else if (st->nheader_cells)
        printf("  header:  none; columns by position\n");
    for (int i = 0; i < st->nheader_cells; i++) {
        const struct sheetload_header_cell *c = &st->header_cells[i];
        char letters[8];
        sl_col_letters(c->col, letters);
        if (c->column[0])
            printf("           %-3s %-24s -> %s (%s)\n", letters, c->text[0] ? c->text : "-",
                   c->column, sheetload_match_how_name(c->how));
        else
            printf("           %-3s %-24s    ignored (%s)\n", letters, c->text,
                   sheetload_match_how_name(c->how));
    }
}

static void summary(const struct sheetload_stats *st, int rc, int dry_run)
{
    char dur[64];
    snprintf(dur, sizeof dur, "%.2fs", st->duration_s);
    const char *verb = rc == 0 ? "imported" : "stopped importing";
    if (dry_run)
        printf("%s '%s' for %s (%s): dry run, nothing written\n",
               rc == 0 ? "checked" : "stopped checking", st->file, st->table, st->target);
    else
        printf("%s '%s' into %s (%s)%s\n", verb, st->file, st->table, st->target,
               st->resumed ? ", resumed" : "");
    printf("  rows:    %lld total, %lld inserted, %lld rejected, %lld blank skipped\n",
           st->total_records, st->success_count, st->error_count, st->skipped_blank);
    printf("  time:    %s, %.0f rows/s, method %s, %d writer%s, batch size %d\n", dur,
           st->records_per_second, st->method, st->workers, st->workers == 1 ? "" : "s",
           st->batch_size);
    if (st->import_id)
        printf("  ledger:  import %lld%s\n", st->import_id,
               st->batches_skipped ? " (batches already in: skipped)" : "");
    if (st->rejects_path[0])
        printf("  rejects: %s\n", st->rejects_path);
    header_summary(st);
}

/* Blocks SIGINT, SIGTERM and SIGUSR2 and starts the thread that takes
 * them. 0, or -1 when out of memory (said); sw->thread runs when
 * *started. */
static int sigwatch_start(struct sigwatch *sw, int *started)
{
    memset(sw, 0, sizeof *sw);
    *started = 0;
    sw->stop = sheetload_stop_new(NULL);
    if (!sw->stop) {
        fprintf(stderr, "sheetload import: out of memory\n");
        return -1;
    }
    sigemptyset(&sw->set);
    sigaddset(&sw->set, SIGINT);
    sigaddset(&sw->set, SIGTERM);
    sigaddset(&sw->set, SIGUSR2);
    if (pthread_sigmask(SIG_BLOCK, &sw->set, NULL) == 0 &&
        pthread_create(&sw->thread, NULL, sig_main, sw) == 0)
        *started = 1;
    return 0;
}

/* Ends the signal thread; the first signal it took, 0 = none. */
static int sigwatch_end(struct sigwatch *sw, int started)
{
    if (started) {
        pthread_kill(sw->thread, SIGUSR2);
        pthread_join(sw->thread, NULL);
    }
    return atomic_load(&sw->signo);
}

/* The error on stderr, the statistics on stdout. */
static void report(const struct args *a, const struct sheetload_stats *st, int rc)
{
    if (rc) {
        char line[1400];
        sl_err_format(&st->err, line, sizeof line);
        fprintf(
            stderr, "sheetload import: %s%s\n",
            rc == SL_ECANCELED || rc == SL_ETIMEDOUT || rc == SL_EMAXERR ? "" : "error: ", line);
    }
    if (a->json) {
        static char buf[65536];
        sheetload_stats_json(st, buf, sizeof buf);
        printf("%s\n", buf);
    } else if (rc != SL_EEXISTS && rc != SL_EBUSY &&
               (st->total_records || rc == 0 || st->import_id)) {
        summary(st, rc, a->o.dry_run);
    }
    fflush(stdout);
}

/* The exit code of an import that returned rc after signal sig (0: none). */
static int exit_code(int rc, int sig)
{
    switch (rc) {
    case 0:
        return SL_EXIT_OK;
    case SL_EEXISTS:
    case SL_EBUSY:
        return SL_EXIT_ALREADY;
    case SL_ETIMEDOUT:
        return SL_EXIT_DEADLINE;
    case SL_ECANCELED:
        return sig ? 128 + sig : SL_EXIT_INTERRUPTED;
    default:
        return SL_EXIT_FAIL;
    }
}

int sl_cmd_import(int argc, char **argv)
{
    struct args a;
    struct sheetload_stats st;
    struct sigwatch sw;
    struct progress_line pl = {0};
    int rc, started;
    memset(&a, 0, sizeof a);
    rc = parse(argc, argv, &a);
    if (rc == -1)
        return SL_EXIT_OK;
    if (rc)
        return rc;
    if (a.quiet)
        sl_log_set_level(SL_LOG_ERROR);
    if (sigwatch_start(&sw, &started))
        return SL_EXIT_FAIL;
    a.o.stop = sw.stop;
    if (!a.quiet && isatty(2)) {
        a.o.progress = on_progress;
        a.o.progress_arg = &pl;
    }
    rc = sheetload_import(&a.o, &st);
    if (pl.shown)
        fprintf(stderr, "\r\033[K");
    int sig = sigwatch_end(&sw, started);
    report(&a, &st, rc);
    sheetload_stop_free(sw.stop);
    return exit_code(rc, sig);
}
