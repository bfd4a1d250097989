/* assets.h - the web page's files, compiled into the binary by
 * cmake/embed.cmake from src/http/assets/ (sl_assets.c in the build dir).
 * Immutable; read by any thread. */
#ifndef SL_HTTP_ASSETS_H
#define SL_HTTP_ASSETS_H

#include <stddef.h>

struct sl_asset {
    const char *path; /* URL path: "/", "/app.js", ... */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
};

extern const struct sl_asset sl_assets[];
extern const size_t sl_assets_count;

#endif
