/* cmd_import.c - 'sheetload import' (not yet built). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sl_cmd_import(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: sheetload import [OPTIONS]\n\n'sheetload import' is not yet built.\n");
        return SL_EXIT_OK;
    }
    fprintf(stderr, "sheetload import: not yet built\n");
    return SL_EXIT_FAIL;
}
