/* cli.h - the subcommands of the sheetload program. Each returns the exit
 * code (SL_EXIT_* below: 0 success, 1 failure, 2 usage error, 3 already
 * imported, 124 deadline, 130 interrupted). Only src/cli may call exit(). */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdio.h>

int sl_cmd_import(int argc, char **argv);
int sl_cmd_serve(int argc, char **argv);
int sl_cmd_cat(int argc, char **argv);
int sl_cmd_gen(int argc, char **argv);
int sl_cmd_bench(int argc, char **argv);
/* Prints the versions of libmicrohttpd and libxlsxwriter, one line each. */
void sl_cli_lib_versions(FILE *f);

/* Exit codes shared by the subcommands. */
enum {
    SL_EXIT_OK = 0,
    SL_EXIT_FAIL = 1,
    SL_EXIT_USAGE = 2,
    SL_EXIT_ALREADY = 3,      /* import: this file is already in this table (--force) */
    SL_EXIT_DEADLINE = 124,   /* import: the --timeout deadline passed (as timeout(1)) */
    SL_EXIT_INTERRUPTED = 130 /* 128 + SIGINT (143: SIGTERM) */
};

/* Prints "sheetload SUB: message\nTry 'sheetload SUB --help'." to stderr,
 * returns SL_EXIT_USAGE. */
int sl_cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses a size with an optional unit (B, KB, MB, GB, KiB, MiB, GiB; k/m/g
 * as binary). 0 or -1 on a malformed value. */
int sl_cli_parse_size(const char *s, unsigned long long *out);
/* Parses a memory budget: a size of at least 1 MiB, or 0, 'none' or
 * 'unlimited' for SHEETLOAD_MEMORY_UNBOUNDED. 0 or -1. */
int sl_cli_parse_memory(const char *s, unsigned long long *out);
/* Parses a duration: a number with optional unit ms, s, m, h (default s). */
int sl_cli_parse_duration(const char *s, double *out);
/* --workers and --batch-size as every subcommand takes them, within the
 * import's bounds (SHEETLOAD_MAX_WORKERS, SHEETLOAD_MAX_BATCH_SIZE). 0, or
 * SL_EXIT_USAGE after saying why (as sub). */
int sl_cli_opt_workers(const char *sub, const char *v, int *out);
int sl_cli_opt_batch_size(const char *sub, const char *v, int *out);
/* SHEETLOAD_MAX_MEMORY, when set, into l->max_memory (an option may
 * override it). 0, or SL_EXIT_USAGE after saying why (as sub). */
struct sheetload_limits;
int sl_cli_env_memory(const char *sub, struct sheetload_limits *l);
/* --max-memory as every subcommand takes it (sl_cli_parse_memory) into
 * l->max_memory. 0, or SL_EXIT_USAGE after saying why (as sub). */
int sl_cli_opt_memory(const char *sub, const char *v, struct sheetload_limits *l);
/* The usage error for what getopt_long returned as c, ':' (a value is
 * missing) or '?' (an unknown option), naming argv[optind - 1]; returns
 * SL_EXIT_USAGE. */
int sl_cli_getopt_error(const char *sub, int c, char **argv);
/* Parses a CSV delimiter: one byte other than '"', CR and LF, or "tab" or
 * "\t" for TAB; 0 or -1. */
int sl_cli_parse_delimiter(const char *s, char *out);
/* Parses a non-negative integer; 0 or -1. */
int sl_cli_parse_long(const char *s, long long min, long long max, long long *out);

#endif
