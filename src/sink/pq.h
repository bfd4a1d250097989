/* pq.h - libpq, loaded when the first PostgreSQL target is opened or
 * --version prints its line (pq.c says why). Private to src/sink. */
#ifndef SL_SINK_PQ_H
#define SL_SINK_PQ_H

#include <libpq-fe.h>

#include "base/buf.h"
#include "base/err.h"

/* The libpq functions the PostgreSQL sink calls, each named as libpq names
 * it without the PQ prefix (sl_pq.exec is PQexec), resolved by sl_pq_load
 * from the library loaded at run time. Valid after sl_pq_load returned 0;
 * never changed after (pq.c: the cancel path reads it from any thread). */
struct sl_pq {
    PGconn *(*connectdb_params)(const char *const *keywords, const char *const *values,
                                int expand_dbname);
    void (*finish)(PGconn *conn);
    void (*reset)(PGconn *conn);
    ConnStatusType (*status)(const PGconn *conn);
    PGTransactionStatusType (*transaction_status)(const PGconn *conn);
    char *(*error_message)(const PGconn *conn);
    PQnoticeProcessor (*set_notice_processor)(PGconn *conn, PQnoticeProcessor proc, void *arg);
    PGcancel *(*get_cancel)(PGconn *conn);
    void (*free_cancel)(PGcancel *cancel);
    int (*cancel)(PGcancel *cancel, char *errbuf, int errbufsize);
    PGresult *(*exec)(PGconn *conn, const char *query);
    PGresult *(*exec_params)(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                             const char *const *paramValues, const int *paramLengths,
                             const int *paramFormats, int resultFormat);
    PGresult *(*prepare)(PGconn *conn, const char *stmtName, const char *query, int nParams,
                         const Oid *paramTypes);
    PGresult *(*exec_prepared)(PGconn *conn, const char *stmtName, int nParams,
                               const char *const *paramValues, const int *paramLengths,
                               const int *paramFormats, int resultFormat);
    PGresult *(*get_result)(PGconn *conn);
    int (*put_copy_data)(PGconn *conn, const char *buffer, int nbytes);
    int (*put_copy_end)(PGconn *conn, const char *errormsg);
    ExecStatusType (*result_status)(const PGresult *res);
    char *(*result_error_message)(const PGresult *res);
    char *(*result_error_field)(const PGresult *res, int fieldcode);
    char *(*cmd_status)(PGresult *res);
    int (*ntuples)(const PGresult *res);
    int (*nfields)(const PGresult *res);
    Oid (*ftype)(const PGresult *res, int field_num);
    char *(*getvalue)(const PGresult *res, int tup_num, int field_num);
    int (*getisnull)(const PGresult *res, int tup_num, int field_num);
    void (*clear)(PGresult *res);
    int (*lib_version)(void);
};
extern struct sl_pq sl_pq;

/* Loads libpq once (thread-safe; never unloaded) and fills sl_pq: 0, or
 * SL_EDBCONN saying which library could not be loaded, why (dlerror) and
 * which Debian package to install. */
int sl_pq_load(struct sl_error *err);
/* Appends "libpq X.Y\n" (the loaded library's PQlibVersion, loading it),
 * or "libpq not available (why)\n". */
void sl_pq_version(struct sl_buf *b);

#endif
