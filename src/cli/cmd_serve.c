/* cmd_serve.c - 'sheetload serve' (not yet built). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int sl_cmd_serve(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: sheetload serve [OPTIONS]\n\n'sheetload serve' is not yet built.\n");
        return SL_EXIT_OK;
    }
    fprintf(stderr, "sheetload serve: not yet built\n");
    return SL_EXIT_FAIL;
}
