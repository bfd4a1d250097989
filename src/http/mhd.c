/* mhd.c - libmicrohttpd, loaded only when 'sheetload serve' starts
 * (sl_http_start) or --version prints its line (sl_http_version).
 *
 * Why: linking libmicrohttpd maps it and what it links (GnuTLS, p11-kit,
 * libidn2, libunistring, nettle's hogweed, GMP) into every process, and
 * their relocations and constructors cost resident memory in every run: an
 * empty main() linked with all of sheetload's libraries peaks at 8.2 MiB,
 * without libmicrohttpd and libpq at 4.2 MiB. Only serve runs a server;
 * cat, gen and import never do. So the binary has no DT_NEEDED on
 * libmicrohttpd: it is dlopen()ed by its SONAME (found at configure time;
 * SL_LIBMHD_SONAME), RTLD_NOW | RTLD_LOCAL, once (pthread_once), never
 * closed, and every function the server calls is resolved into one table
 * (struct sl_mhd, mhd.h; base/dl.h). The header still gives the types.
 * The table is filled before the daemon, and so any of its threads,
 * exists, and never written again: its readers need no lock.
 *
 * SHEETLOAD_LIBMICROHTTPD, when set, names the library to load instead (a
 * path or a SONAME): a test loads a missing or a wrong library with it to
 * see the error a machine without libmicrohttpd12 gives. */
#include "http/mhd.h"

#include <pthread.h>
#include <stdio.h>

#include "base/dl.h"
#include "http/http.h"

#ifndef SL_LIBMHD_SONAME
#define SL_LIBMHD_SONAME "libmicrohttpd.so.12"
#endif
#ifndef SL_LIBMHD_DEB
#define SL_LIBMHD_DEB "libmicrohttpd12"
#endif

struct sl_mhd sl_mhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char why[512]; /* empty when loaded */

static const char *lib_name(void)
{
    return sl_dl_name("SHEETLOAD_LIBMICROHTTPD", SL_LIBMHD_SONAME);
}

/* The table's slots and the symbols that fill them (base/dl.h). */
#define FUNCS(X)                                                                    \
    X(start_daemon, MHD_start_daemon)                                               \
    X(quiesce_daemon, MHD_quiesce_daemon)                                           \
    X(stop_daemon, MHD_stop_daemon)                                                 \
    X(get_daemon_info, MHD_get_daemon_info)                                         \
    X(get_connection_info, MHD_get_connection_info)                                 \
    X(set_connection_option, MHD_set_connection_option)                             \
    X(lookup_connection_value, MHD_lookup_connection_value)                         \
    X(create_response_from_buffer, MHD_create_response_from_buffer)                 \
    X(create_response_from_buffer_with_free_callback,                               \
      MHD_create_response_from_buffer_with_free_callback)                           \
    X(create_response_from_fd, MHD_create_response_from_fd)                         \
    X(create_response_from_fd_at_offset64, MHD_create_response_from_fd_at_offset64) \
    X(add_response_header, MHD_add_response_header)                                 \
    X(queue_response, MHD_queue_response)                                           \
    X(destroy_response, MHD_destroy_response)                                       \
    X(create_post_processor, MHD_create_post_processor)                             \
    X(post_process, MHD_post_process)                                               \
    X(destroy_post_processor, MHD_destroy_post_processor)                           \
    X(get_version, MHD_get_version)

#define CHECK(slot, fn) SL_DL_CHECK(sl_mhd, slot, fn)
FUNCS(CHECK)

#define ENTRY(slot, fn) SL_DL_SYM(struct sl_mhd, slot, fn)
static const struct sl_dl_sym funcs[] = {FUNCS(ENTRY)};

static void load(void)
{
    lib = sl_dl_open(lib_name(), &sl_mhd, funcs, sizeof funcs / sizeof funcs[0], why, sizeof why);
}

int sl_mhd_load(struct sl_error *err)
{
    pthread_once(&once, load);
    if (lib)
        return 0;
    return sl_err_set(err, SL_EIO,
                      "cannot serve: the library libmicrohttpd (%s) cannot be loaded (%s); "
                      "install the Debian package %s",
                      lib_name(), why, SL_LIBMHD_DEB);
}

void sl_http_version(FILE *f)
{
    pthread_once(&once, load);
    if (lib)
        fprintf(f, "libmicrohttpd %s\n", sl_mhd.get_version());
    else
        fprintf(f, "libmicrohttpd not available (%s)\n", why);
}
