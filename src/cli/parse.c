/* parse.c - option value parsers shared by the subcommands. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sheetload.h>

#include "cli/cli.h"

int sl_cli_parse_long(const char *s, long long min, long long max, long long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int sl_cli_parse_size(const char *s, unsigned long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || v < 0)
        return -1;
    while (*end == ' ')
        end++;
    static const struct {
        const char *unit;
        double mul;
    } units[] = {
        {"", 1},         {"b", 1},           {"kb", 1e3},
        {"mb", 1e6},     {"gb", 1e9},        {"tb", 1e12},
        {"k", 1024.0},   {"m", 1048576.0},   {"g", 1073741824.0},
        {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcasecmp(end, units[i].unit)) {
            double r = v * units[i].mul;
            if (r > 1.8e19)
                return -1;
            *out = (unsigned long long)r;
            return 0;
        }
    return -1;
}

int sl_cli_parse_memory(const char *s, unsigned long long *out)
{
    if (s && (!strcasecmp(s, "none") || !strcasecmp(s, "unlimited") || !strcmp(s, "0"))) {
        *out = UINT64_MAX;
        return 0;
    }
    unsigned long long v;
    if (sl_cli_parse_size(s, &v) || v < (1ULL << 20))
        return -1;
    *out = v;
    return 0;
}

int sl_cli_parse_duration(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || v < 0 || end == s)
        return -1;
    double mul = 1;
    if (!*end || !strcmp(end, "s"))
        mul = 1;
    else if (!strcmp(end, "ms"))
        mul = 1e-3;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mul = 60;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else
        return -1;
    *out = v * mul;
    return 0;
}

int sl_cli_parse_delimiter(const char *s, char *out)
{
    if (!strcmp(s, "tab") || !strcmp(s, "\\t") || !strcmp(s, "\t")) {
        *out = '\t';
        return 0;
    }
    if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r')
        return -1;
    *out = s[0];
    return 0;
}

/* A count option from 1 to max, in a usage error's words. */
static int opt_count(const char *sub, const char *name, const char *v, long long max, int *out)
{
    long long n;
    if (sl_cli_parse_long(v, 1, max, &n))
        return sl_cli_usage_error(sub, "%s '%s' is not a number from 1 to %lld", name, v, max);
    *out = (int)n;
    return 0;
}

int sl_cli_opt_workers(const char *sub, const char *v, int *out)
{
    return opt_count(sub, "--workers", v, SHEETLOAD_MAX_WORKERS, out);
}

int sl_cli_opt_batch_size(const char *sub, const char *v, int *out)
{
    return opt_count(sub, "--batch-size", v, SHEETLOAD_MAX_BATCH_SIZE, out);
}

/* A memory budget named name (an option, a variable) into l. */
static int set_memory(const char *sub, const char *name, const char *v, struct sheetload_limits *l)
{
    unsigned long long mem;
    if (sl_cli_parse_memory(v, &mem))
        return sl_cli_usage_error(
            sub, "%s '%s' is not a size of at least 1MiB (e.g. 256MiB) or 'unlimited'", name, v);
    l->max_memory = mem;
    return 0;
}

int sl_cli_env_memory(const char *sub, struct sheetload_limits *l)
{
    const char *env = getenv("SHEETLOAD_MAX_MEMORY");
    return env && *env ? set_memory(sub, "SHEETLOAD_MAX_MEMORY", env, l) : 0;
}

int sl_cli_opt_memory(const char *sub, const char *v, struct sheetload_limits *l)
{
    return set_memory(sub, "--max-memory", v, l);
}

int sl_cli_getopt_error(const char *sub, int c, char **argv)
{
    if (c == ':')
        return sl_cli_usage_error(sub, "option '%s' needs a value", argv[optind - 1]);
    return sl_cli_usage_error(sub, "unknown option '%s' (or one that takes no value given one)",
                              argv[optind - 1]);
}
