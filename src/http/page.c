/* page.c - GET / and its files: the web page compiled into the binary
 * (assets.h), served with a strict Content-Security-Policy. The page needs
 * no token to load (it asks for one when the API says 401); everything it
 * shows comes from the API routes. */
#include <jansson.h>
#include <string.h>

#include "http/assets.h"
#include "http/internal.h"

/* Nothing but our own files: no inline script or style, no other origin,
 * no framing, forms post only here. */
#define SL_PAGE_CSP                                                                   \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

const struct sl_asset *sl_page_find(const char *path, size_t n)
{
    if (n == 11 && !strncmp(path, "/index.html", 11))
        path = "/", n = 1;
    for (size_t i = 0; i < sl_assets_count; i++)
        if (strlen(sl_assets[i].path) == n && !strncmp(sl_assets[i].path, path, n))
            return &sl_assets[i];
    return NULL;
}

int sl_route_page(struct sl_req *r, struct MHD_Connection *c)
{
    const struct sl_asset *a = sl_page_find(r->path, strlen(r->path));
    if (!a)
        return sl_reply_error(r, c, MHD_HTTP_NOT_FOUND, "no page '%s'", r->path);
    struct MHD_Response *resp =
        sl_mhd.create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
    sl_mhd.add_response_header(resp, "Content-Security-Policy", SL_PAGE_CSP);
    sl_mhd.add_response_header(resp, "X-Content-Type-Options", "nosniff");
    sl_mhd.add_response_header(resp, "Referrer-Policy", "no-referrer");
    sl_mhd.add_response_header(resp, "X-Frame-Options", "DENY");
    sl_mhd.add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    return sl_reply(r, c, MHD_HTTP_OK, resp, a->len);
}

/* GET /info: what the page needs to know before the first upload. Behind
 * the token like every API route, so a 401 here is how the page learns it
 * must ask for one. */
int sl_route_info(struct sl_req *r, struct MHD_Connection *c)
{
    const struct sl_http_server *s = r->srv;
    json_t *methods = json_array();
    for (int m = SHEETLOAD_SEQUENTIAL; m <= SHEETLOAD_COPY; m++)
        json_array_append_new(methods, json_string(sheetload_method_name(m)));
    const char *dflt = sheetload_method_name(s->o.method_default);
    return sl_reply_json(r, c, MHD_HTTP_OK,
                         json_pack("{s:b,s:I,s:s,s:o}", "token_required", s->token != NULL,
                                   "max_upload", (json_int_t)s->max_upload, "default_method",
                                   dflt ? dflt : "batch", "methods", methods));
}
