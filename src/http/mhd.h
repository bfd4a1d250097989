/* mhd.h - libmicrohttpd, loaded when serve starts or --version prints its
 * line (mhd.c says why). Private to src/http. */
#ifndef SL_HTTP_MHD_H
#define SL_HTTP_MHD_H

#include <microhttpd.h>
#include <stddef.h>

#include "base/err.h"

/* The libmicrohttpd functions the server calls, each named as the library
 * names it without the MHD_ prefix (sl_mhd.queue_response is
 * MHD_queue_response), resolved by sl_mhd_load from the library loaded at
 * run time. Valid after sl_mhd_load returned 0 (sl_http_start calls it
 * before anything else); never changed after. */
struct sl_mhd {
    struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
                                       MHD_AcceptPolicyCallback apc, void *apc_cls,
                                       MHD_AccessHandlerCallback dh, void *dh_cls, ...);
    MHD_socket (*quiesce_daemon)(struct MHD_Daemon *daemon);
    void (*stop_daemon)(struct MHD_Daemon *daemon);
    const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *daemon,
                                                   enum MHD_DaemonInfoType info_type, ...);
    const union MHD_ConnectionInfo *(*get_connection_info)(struct MHD_Connection *connection,
                                                           enum MHD_ConnectionInfoType info_type,
                                                           ...);
    enum MHD_Result (*set_connection_option)(struct MHD_Connection *connection,
                                             enum MHD_CONNECTION_OPTION option, ...);
    const char *(*lookup_connection_value)(struct MHD_Connection *connection,
                                           enum MHD_ValueKind kind, const char *key);
    struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
                                                        enum MHD_ResponseMemoryMode mode);
    struct MHD_Response *(*create_response_from_buffer_with_free_callback)(
        size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc);
    struct MHD_Response *(*create_response_from_fd)(size_t size, int fd);
    struct MHD_Response *(*create_response_from_fd_at_offset64)(uint64_t size, int fd,
                                                                uint64_t offset);
    enum MHD_Result (*add_response_header)(struct MHD_Response *response, const char *header,
                                           const char *content);
    enum MHD_Result (*queue_response)(struct MHD_Connection *connection, unsigned int status_code,
                                      struct MHD_Response *response);
    void (*destroy_response)(struct MHD_Response *response);
    struct MHD_PostProcessor *(*create_post_processor)(struct MHD_Connection *connection,
                                                       size_t buffer_size,
                                                       MHD_PostDataIterator iter, void *iter_cls);
    enum MHD_Result (*post_process)(struct MHD_PostProcessor *pp, const char *post_data,
                                    size_t post_data_len);
    enum MHD_Result (*destroy_post_processor)(struct MHD_PostProcessor *pp);
    const char *(*get_version)(void);
};
extern struct sl_mhd sl_mhd;

/* Loads libmicrohttpd once (thread-safe; never unloaded) and fills sl_mhd:
 * 0, or SL_EIO saying which library could not be loaded, why (dlerror) and
 * which Debian package to install. */
int sl_mhd_load(struct sl_error *err);

#endif
