/* cmd_cat.c - 'sheetload cat' (not yet built). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sl_cmd_cat(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: sheetload cat [OPTIONS]\n\n'sheetload cat' is not yet built.\n");
        return SL_EXIT_OK;
    }
    fprintf(stderr, "sheetload cat: not yet built\n");
    return SL_EXIT_FAIL;
}
