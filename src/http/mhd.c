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
 * SL_LIBMHD_SONAME), RTLD_NOW | RTLD_LOCAL, once (sl_dl_load), never
 * closed, and every function the server calls is resolved into one table
 * (struct sl_mhd, mhd.h; base/dl.h). The header still gives the types.
 * The table is filled before the daemon, and so any of its threads,
 * exists, and never written again: its readers need no lock.
 *
 * SHEETLOAD_LIBMICROHTTPD, when set, names the library to load instead (a
 * path or a SONAME): a test loads a missing or a wrong library with it to
 * see the error a machine without libmicrohttpd12 gives. */
#include "http/mhd.h"

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

static struct sl_dl_lib lib = SL_DL_LIB("libmicrohttpd", "SHEETLOAD_LIBMICROHTTPD",
                                        SL_LIBMHD_SONAME, SL_LIBMHD_DEB, &sl_mhd, funcs, NULL);

int sl_mhd_load(struct sl_error *err)
{
    if (!sl_dl_load(&lib))
        return 0;
    return sl_err_set(err, SL_EIO, "cannot serve: %s", lib.said);
}

void sl_http_version(FILE *f)
{
    if (!sl_dl_load(&lib))
        fprintf(f, "libmicrohttpd %s\n", sl_mhd.get_version());
    else
        fprintf(f, "libmicrohttpd not available (%s)\n", lib.why);
}
