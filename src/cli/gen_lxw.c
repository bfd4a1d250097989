/* gen_lxw.c - libxlsxwriter, loaded only when 'gen --inline-strings' writes
 * a workbook (cmd_gen.c) or --version prints its version line.
 *
 * Why: linking libxlsxwriter maps it and libminizip into every process,
 * and their relocations cost about 2 MiB of resident memory in every run:
 * an empty main() linked with -lxlsxwriter peaks at 3.0 MiB against 1.0
 * MiB. Only gen's inline-strings mode writes through it (the default
 * shared-strings mode is gen_xlsx.c over libzip), and cat, import and serve
 * never do. So the binary has no DT_NEEDED on libxlsxwriter: it is
 * dlopen()ed by its SONAME (found at configure time; SL_LIBLXW_SONAME),
 * RTLD_NOW | RTLD_LOCAL, once (sl_dl_load), never closed, and every
 * function gen calls is resolved into one table (struct sl_gen_lxw,
 * gen_lxw.h; base/dl.h). The header still gives the types.
 *
 * SHEETLOAD_LIBXLSXWRITER, when set, names the library to load instead (a
 * path or a SONAME): a test loads a missing or a wrong library with it to
 * see the error a machine without libxlsxwriter4 gives. */
#include "cli/gen_lxw.h"

#include <stdio.h>

#include "base/dl.h"

#ifndef SL_LIBLXW_SONAME
#define SL_LIBLXW_SONAME "libxlsxwriter.so.4"
#endif
#ifndef SL_LIBLXW_DEB
#define SL_LIBLXW_DEB "libxlsxwriter4"
#endif

struct sl_gen_lxw sl_gen_lxw;

/* The table's slots and the symbols that fill them (base/dl.h). */
#define FUNCS(X)                                        \
    X(workbook_new_opt, workbook_new_opt)               \
    X(workbook_set_properties, workbook_set_properties) \
    X(workbook_add_worksheet, workbook_add_worksheet)   \
    X(worksheet_write_string, worksheet_write_string)   \
    X(workbook_close, workbook_close)                   \
    X(strerror, lxw_strerror)                           \
    X(version, lxw_version)

#define CHECK(slot, fn) SL_DL_CHECK(sl_gen_lxw, slot, fn)
FUNCS(CHECK)

#define ENTRY(slot, fn) SL_DL_SYM(struct sl_gen_lxw, slot, fn)
static const struct sl_dl_sym funcs[] = {FUNCS(ENTRY)};

static struct sl_dl_lib lib = SL_DL_LIB("libxlsxwriter", "SHEETLOAD_LIBXLSXWRITER",
                                        SL_LIBLXW_SONAME, SL_LIBLXW_DEB, &sl_gen_lxw, funcs, NULL);

int sl_gen_lxw_load(char *why, size_t whylen)
{
    if (!sl_dl_load(&lib))
        return 0;
    snprintf(why, whylen, "--inline-strings: %s", lib.said);
    return -1;
}

void sl_gen_lxw_version(FILE *f)
{
    if (!sl_dl_load(&lib))
        fprintf(f, "libxlsxwriter %s\n", sl_gen_lxw.version());
    else
        fprintf(f, "libxlsxwriter not available (%s)\n", lib.why);
}
