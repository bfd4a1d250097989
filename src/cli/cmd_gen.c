/* cmd_gen.c - 'sheetload gen' (not yet built). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sl_cmd_gen(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: sheetload gen [OPTIONS]\n\n'sheetload gen' is not yet built.\n");
        return SL_EXIT_OK;
    }
    fprintf(stderr, "sheetload gen: not yet built\n");
    return SL_EXIT_FAIL;
}
