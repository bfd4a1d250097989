/* main.c - the sheetload program: dispatch to a subcommand. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sheetload.h>

#include "cli/cli.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} cmds[] = {
    {"import", sl_cmd_import, "load a spreadsheet (.xlsx, .xls or .csv) into PostgreSQL or SQLite"},
    {"serve", sl_cmd_serve, "run the HTTP upload service (POST /upload, GET /health, jobs)"},
    {"cat", sl_cmd_cat, "print a sheet as CSV (a fast xlsx-to-csv converter)"},
    {"gen", sl_cmd_gen, "generate a business-directory spreadsheet for tests and benchmarks"},
    {"bench", sl_cmd_bench, "time every import method on this machine"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "sheetload %s - load spreadsheets into databases, fast, with every bad row explained\n"
            "\n"
            "Usage: sheetload COMMAND [OPTIONS]\n"
            "\n"
            "Commands:\n",
            SL_VERSION);
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\n"
               "Options:\n"
               "  -h, --help     show this help\n"
               "  -V, --version  show the version and those of the libraries in use\n"
               "\n"
               "Run 'sheetload COMMAND --help' for the options of a command.\n"
               "The default target is the embedded SQLite file businesses.db.\n");
}

int sl_cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sheetload%s%s: ", sub ? " " : "", sub ? sub : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sheetload%s%s --help'.\n", sub ? " " : "", sub ? sub : "");
    return SL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* libzip turns DOS times into time_t with mktime(). With TZ unset, glibc
     * re-reads the zone (freeing and copying its name) on every call, under
     * a lock that ThreadSanitizer cannot see; with TZ set to the same zone it
     * returns at once. So name the default zone and load it here, before any
     * thread starts, and two imports may open workbooks at the same time. */
    if (!getenv("TZ"))
        setenv("TZ", ":/etc/localtime", 0);
    tzset();
#ifdef __GLIBC__
    /* glibc raises its mmap threshold (up to 32 MiB) whenever a mapped block
     * is freed; the large buffers allocated after that come from the heaps
     * and stay resident once freed. A fixed threshold (glibc's first one,
     * 128 KiB) keeps every large buffer mapped and gives it back at its
     * free: 0.3 to 0.6 MiB less peak RSS in cat and import --dry-run of 10k
     * and 100k rows (bench/rss.sh), no measurable CPU. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    if (argc < 2) {
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
        char libs[1024];
        sheetload_versions(libs, sizeof libs);
        printf("sheetload %s\n%s", SL_VERSION, libs);
        sl_cli_lib_versions(stdout);
        return SL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(a, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "sheetload: unknown command '%s'\n\n", a);
    usage(stderr);
    return SL_EXIT_USAGE;
}
