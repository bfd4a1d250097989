/* libversions.c - the libraries only the front ends link, for --version:
 * libmicrohttpd (serve) and libxlsxwriter (gen). The import's own come from
 * sheetload_versions(). */
#include <microhttpd.h>
#include <stdio.h>
#include <xlsxwriter.h>

#include "cli/cli.h"

void sl_cli_lib_versions(FILE *f)
{
    fprintf(f, "libmicrohttpd %s\n", MHD_get_version());
    fprintf(f, "libxlsxwriter %s\n", lxw_version());
}
