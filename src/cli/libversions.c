/* libversions.c - the libraries only the front ends use, for --version:
 * libmicrohttpd (serve; loaded to ask it, http/mhd.c) and libxlsxwriter
 * (gen; loaded to ask it, gen_lxw.c). The import's own come from
 * sheetload_versions(). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/gen_lxw.h"
#include "http/http.h"

void sl_cli_lib_versions(FILE *f)
{
    sl_http_version(f);    /* loads it (http/mhd.c) */
    sl_gen_lxw_version(f); /* loads it (gen_lxw.c) */
}
