/* cmd_bench.c - 'sheetload bench' (not yet built). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sl_cmd_bench(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: sheetload bench [OPTIONS]\n\n'sheetload bench' is not yet built.\n");
        return SL_EXIT_OK;
    }
    fprintf(stderr, "sheetload bench: not yet built\n");
    return SL_EXIT_FAIL;
}
