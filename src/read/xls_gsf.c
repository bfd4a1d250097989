/* xls_gsf.c - libgsf (and the GLib under it), loaded only when an .xls is
 * opened.
 *
 * Why: linking libgsf-1 brings GLib, GObject, GIO, libxml2, ICU and
 * libstdc++ into every process, and their relocations and constructors
 * cost about 5 MiB of resident memory in every run: `sheetload --version`
 * peaked at 13.8 MiB linked against 8.8 MiB before the .xls reader, and an
 * empty main() linked with libgsf's pkg-config libraries peaks at 6.4 MiB
 * against 1.0 MiB. A CSV or xlsx never needs any of it. So the binary has
 * no DT_NEEDED on libgsf: the first .xls (or --version) dlopen()s it by its
 * SONAME (found at configure time; SL_LIBGSF_SONAME), RTLD_NOW | RTLD_LOCAL,
 * once (sl_dl_load), and never closes it (base/dl.c); every function the reader
 * calls is resolved here into one table (struct sl_xls_gsf, xls_int.h).
 * The GLib functions come from the same handle (dlsym searches the
 * library's dependencies). The headers still give the types.
 *
 * SHEETLOAD_LIBGSF, when set, names the library to load instead (a path or
 * a SONAME): a test loads a missing or a wrong library with it to see the
 * error a machine without libgsf-1-114 gives. */
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input-stdio.h>
#include <gsf/gsf-utils.h>

#include "base/buf.h"
#include "base/dl.h"
#include "base/err.h"
#include "read/xls_int.h"

#ifndef SL_LIBGSF_SONAME
#define SL_LIBGSF_SONAME "libgsf-1.so.114"
#endif
#ifndef SL_LIBGSF_DEB
#define SL_LIBGSF_DEB "libgsf-1-114"
#endif

struct sl_xls_gsf sl_xls_gsf;

static const int *gsf_ver[3];
static const unsigned *glib_ver[3];

static void quiet(const gchar *dom, GLogLevelFlags lvl, const gchar *msg, gpointer ud)
{
    (void)dom, (void)lvl, (void)msg, (void)ud; /* corrupt files are our errors, not warnings */
}

/* The table's slots and the symbols that fill them (base/dl.h). */
#define FUNCS(X)                                        \
    X(init, gsf_init)                                   \
    X(input_stdio_new, gsf_input_stdio_new)             \
    X(input_memory_new, gsf_input_memory_new)           \
    X(infile_msole_new, gsf_infile_msole_new)           \
    X(infile_num_children, gsf_infile_num_children)     \
    X(infile_name_by_index, gsf_infile_name_by_index)   \
    X(infile_child_by_index, gsf_infile_child_by_index) \
    X(input_size, gsf_input_size)                       \
    X(input_tell, gsf_input_tell)                       \
    X(input_seek, gsf_input_seek)                       \
    X(input_read, gsf_input_read)                       \
    X(object_unref, g_object_unref)                     \
    X(error_free, g_error_free)                         \
    X(clear_error, g_clear_error)                       \
    X(log_set_handler, g_log_set_handler)

#define CHECK(slot, fn) SL_DL_CHECK(sl_xls_gsf, slot, fn)
FUNCS(CHECK)

#define ENTRY(slot, fn) SL_DL_SYM(struct sl_xls_gsf, slot, fn)
static const struct sl_dl_sym funcs[] = {FUNCS(ENTRY)};

/* Once the table is filled: the versions --version reports, and GLib's
 * logging of libgsf's complaints silenced. */
static int then(void *lib, char *why, size_t whylen)
{
    static const char *const gv[] = {"libgsf_major_version", "libgsf_minor_version",
                                     "libgsf_micro_version"};
    static const char *const lv[] = {"glib_major_version", "glib_minor_version",
                                     "glib_micro_version"};
    for (int i = 0; i < 3; i++)
        if (sl_dl_sym(lib, &gsf_ver[i], gv[i], why, whylen) ||
            sl_dl_sym(lib, &glib_ver[i], lv[i], why, whylen))
            return -1;
    struct sl_xls_gsf *g = &sl_xls_gsf;
    g->init();
    g->log_set_handler("libgsf:msole", G_LOG_LEVEL_MASK, quiet, NULL);
    g->log_set_handler("libgsf", G_LOG_LEVEL_MASK, quiet, NULL);
    /* gsf-infile.c logs without a domain ("Unable to get child[0] ...");
     * nothing else in sheetload uses GLib's default domain. */
    g->log_set_handler(NULL, G_LOG_LEVEL_MASK & ~G_LOG_LEVEL_ERROR, quiet, NULL);
    return 0;
}

static struct sl_dl_lib lib = SL_DL_LIB("libgsf", "SHEETLOAD_LIBGSF", SL_LIBGSF_SONAME,
                                        SL_LIBGSF_DEB, &sl_xls_gsf, funcs, then);

int sl_xls_gsf_load(struct sl_error *err)
{
    if (!sl_dl_load(&lib))
        return 0;
    return sl_err_set(err, SL_EFORMAT, "cannot read .xls files: %s", lib.said);
}

void sl_xls_gsf_versions(struct sl_buf *b)
{
    if (sl_dl_load(&lib)) {
        sl_buf_addf(b, "libgsf not available (%s)\n", lib.why);
        return;
    }
    sl_buf_addf(b, "libgsf %d.%d.%d\n", *gsf_ver[0], *gsf_ver[1], *gsf_ver[2]);
    sl_buf_addf(b, "GLib %u.%u.%u\n", *glib_ver[0], *glib_ver[1], *glib_ver[2]);
}
