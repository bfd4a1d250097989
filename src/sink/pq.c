/* pq.c - libpq, loaded only when a PostgreSQL target is first opened
 * (sl_pg_open) or --version prints its line.
 *
 * Why: linking libpq maps it and what it links (libssl, libcrypto, GSSAPI
 * and Kerberos, libldap and through it GnuTLS and SASL) into every process,
 * and their relocations and constructors cost resident memory in every run:
 * an empty main() linked with all of sheetload's libraries peaks at 8.2 MiB,
 * without libpq and libmicrohttpd at 4.2 MiB. cat, import --dry-run and
 * imports into SQLite never call it. So the binary has no DT_NEEDED on
 * libpq: it is dlopen()ed by its SONAME (found at configure time;
 * SL_LIBPQ_SONAME), RTLD_NOW | RTLD_LOCAL, once (sl_dl_load), never
 * closed, and every function the sink calls is resolved into one table
 * (struct sl_pq, pq.h; base/dl.h). The header still gives the types.
 *
 * Threads: the table is filled under sl_dl_load's lock before the first
 * connection exists and never written again, so the cancel path (PQcancel
 * from the fan-in thread, pg.c) reads it without a lock: it can only run on
 * a connection, which was made after the load.
 *
 * SHEETLOAD_LIBPQ, when set, names the library to load instead (a path or
 * a SONAME): a test loads a missing or a wrong library with it to see the
 * error a machine without libpq5 gives. */
#include "sink/pq.h"

#include "base/dl.h"

#ifndef SL_LIBPQ_SONAME
#define SL_LIBPQ_SONAME "libpq.so.5"
#endif
#ifndef SL_LIBPQ_DEB
#define SL_LIBPQ_DEB "libpq5"
#endif

struct sl_pq sl_pq;

/* The table's slots and the symbols that fill them (base/dl.h). */
#define FUNCS(X)                                  \
    X(connectdb_params, PQconnectdbParams)        \
    X(finish, PQfinish)                           \
    X(reset, PQreset)                             \
    X(status, PQstatus)                           \
    X(transaction_status, PQtransactionStatus)    \
    X(error_message, PQerrorMessage)              \
    X(set_notice_processor, PQsetNoticeProcessor) \
    X(get_cancel, PQgetCancel)                    \
    X(free_cancel, PQfreeCancel)                  \
    X(cancel, PQcancel)                           \
    X(exec, PQexec)                               \
    X(exec_params, PQexecParams)                  \
    X(prepare, PQprepare)                         \
    X(exec_prepared, PQexecPrepared)              \
    X(get_result, PQgetResult)                    \
    X(put_copy_data, PQputCopyData)               \
    X(put_copy_end, PQputCopyEnd)                 \
    X(result_status, PQresultStatus)              \
    X(result_error_message, PQresultErrorMessage) \
    X(result_error_field, PQresultErrorField)     \
    X(cmd_status, PQcmdStatus)                    \
    X(ntuples, PQntuples)                         \
    X(nfields, PQnfields)                         \
    X(ftype, PQftype)                             \
    X(getvalue, PQgetvalue)                       \
    X(getisnull, PQgetisnull)                     \
    X(clear, PQclear)                             \
    X(lib_version, PQlibVersion)

#define CHECK(slot, fn) SL_DL_CHECK(sl_pq, slot, fn)
FUNCS(CHECK)

#define ENTRY(slot, fn) SL_DL_SYM(struct sl_pq, slot, fn)
static const struct sl_dl_sym funcs[] = {FUNCS(ENTRY)};

static struct sl_dl_lib lib =
    SL_DL_LIB("libpq", "SHEETLOAD_LIBPQ", SL_LIBPQ_SONAME, SL_LIBPQ_DEB, &sl_pq, funcs, NULL);

int sl_pq_load(struct sl_error *err)
{
    if (!sl_dl_load(&lib))
        return 0;
    return sl_err_set(err, SL_EDBCONN, "cannot connect to PostgreSQL: %s", lib.said);
}

void sl_pq_version(struct sl_buf *b)
{
    if (sl_dl_load(&lib)) {
        sl_buf_addf(b, "libpq not available (%s)\n", lib.why);
        return;
    }
    int v = sl_pq.lib_version(); /* 150010 = 15.10; 90624 = 9.6.24 */
    if (v >= 100000)
        sl_buf_addf(b, "libpq %d.%d\n", v / 10000, v % 10000);
    else
        sl_buf_addf(b, "libpq %d.%d.%d\n", v / 10000, v / 100 % 100, v % 100);
}
