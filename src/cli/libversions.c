/* libversions.c - the libraries only the front ends link, for --version:
 * libmicrohttpd (serve) and libxlsxwriter (gen; loaded to ask it,
 * gen_lxw.c). The import's own come from sheetload_versions(). */
#include <microhttpd.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/gen_lxw.h"

void sl_cli_lib_versions(FILE *f)
{
    fprintf(f, "libmicrohttpd %s\n", MHD_get_version());
    sl_gen_lxw_version(f); /* loads it (gen_lxw.c) */
}
