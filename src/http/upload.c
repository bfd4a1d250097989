/* upload.c - uploads streamed to disk: the private upload directory, temp
 * files under generated names, the multipart parser glue, the size limit
 * and the file-type check by content.
 *
 * The client's file name is kept only as a display string; it never becomes
 * a path. Temp files are created O_EXCL|O_NOFOLLOW, mode 0600, relative to
 * an open descriptor of a directory of mode 0700 owned by us. A request
 * and its temp file are confined to the connection's thread until the file
 * is handed to a job (jobs.c), which then owns it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"
#include "http/internal.h"

void sl_random_name(char *out, size_t cap, const char *prefix, const char *suffix)
{
    unsigned char rnd[8];
    size_t got = 0;
    while (got < sizeof rnd) {
        ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    if (got < sizeof rnd) { /* no entropy source: still unique per process */
        static unsigned long long fallback;
        unsigned long long v = __atomic_add_fetch(&fallback, 1, __ATOMIC_RELAXED) ^
                               ((unsigned long long)getpid() << 32);
        memcpy(rnd, &v, sizeof rnd);
    }
    char hex[2 * sizeof rnd + 1];
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    snprintf(out, cap, "%s%s%s", prefix, hex, suffix);
}

int sl_updir_open(struct sl_http_server *s, struct sl_error *err)
{
    if (!s->o.upload_dir) {
        const char *tmp = getenv("TMPDIR");
        char tmpl[PATH_MAX];
        snprintf(tmpl, sizeof tmpl, "%s/sheetload-uploads.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tmpl))
            return sl_err_set(err, SL_EIO,
                              "cannot create an upload directory '%s': %s; set --upload-dir", tmpl,
                              strerror(errno));
        s->updir = sl_strdup(tmpl);
        s->updir_ours = 1;
    } else {
        s->updir = sl_strdup(s->o.upload_dir);
        if (s->updir && mkdir(s->updir, 0700) && errno != EEXIST)
            return sl_err_set(err, SL_EIO, "cannot create upload directory '%s': %s", s->updir,
                              strerror(errno));
    }
    if (!s->updir)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->updir_fd = open(s->updir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s->updir_fd < 0)
        return sl_err_set(err, SL_EIO, "cannot open upload directory '%s': %s", s->updir,
                          strerror(errno));
    struct stat st;
    if (fstat(s->updir_fd, &st))
        return sl_err_set(err, SL_EIO, "cannot stat upload directory '%s': %s", s->updir,
                          strerror(errno));
    if (st.st_uid != geteuid())
        return sl_err_set(
            err, SL_EINVAL,
            "upload directory '%s' belongs to another user; use a directory of your own", s->updir);
    if ((st.st_mode & 077) && fchmod(s->updir_fd, 0700))
        return sl_err_set(err, SL_EIO, "cannot make upload directory '%s' private: %s", s->updir,
                          strerror(errno));
    return 0;
}

void sl_updir_close(struct sl_http_server *s)
{
    if (s->updir_fd > 0)
        close(s->updir_fd);
    s->updir_fd = -1;
    if (s->updir && s->updir_ours && rmdir(s->updir))
        sl_warn("could not remove upload directory '%s': %s", s->updir, strerror(errno));
    sl_free(s->updir);
    s->updir = NULL;
}

/* A display name, made where the client's name enters: valid UTF-8
 * (bytes that are not become U+FFFD, so a Latin-1 "caf\xe9.csv" is shown
 * as "caf\uFFFD.csv" and never fails an import in a UTF-8 database),
 * control characters replaced, cut on a character boundary to fit. */
static void set_display(char *out, size_t cap, const char *name)
{
    size_t n = name ? sl_utf8_clean(out, cap, name, strlen(name), SL_UTF8_NOCTRL) : 0;
    if (!n)
        sl_strlcpy(out, "upload", cap);
}

/* Each upload gets a fresh private subdirectory holding one file named
 * "upload": the importer sees the same base name for every upload (a CSV's
 * sheet name is its base name, and the ledger's resume key includes it), and
 * the job keeps its rejects file beside it. */
int sl_updir_mkdir(const struct sl_http_server *s, const char *prefix, char *name, size_t cap)
{
    for (int tries = 0; tries < 8; tries++) {
        sl_random_name(name, cap, prefix, "");
        if (!mkdirat(s->updir_fd, name, 0700))
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    return -1; /* errno EEXIST: eight names taken */
}

static int open_tmp(struct sl_req *r)
{
    char name[64];
    int dfd = -1;
    if (sl_updir_mkdir(r->srv, "up-", name, sizeof name))
        goto fail;
    dfd = openat(r->srv->updir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0)
        r->fd = openat(dfd, "upload", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (dfd >= 0)
        close(dfd);
    if (r->fd < 0) {
        unlinkat(r->srv->updir_fd, name, AT_REMOVEDIR);
        goto fail;
    }
    snprintf(r->tmp, sizeof r->tmp, "%s/%s/upload", r->srv->updir, name);
    return 0;
fail:
    sl_errlog("cannot create a temp file in '%s': %s", r->srv->updir, strerror(errno));
    r->io_err = 1;
    return -1;
}

void sl_upload_remove(const char *path)
{
    char dir[PATH_MAX];
    sl_strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    unlink(path);
    if (slash) {
        *slash = '\0';
        rmdir(dir); /* fails, harmlessly, while a rejects file is still there */
    }
}

static void drop_tmp(struct sl_req *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    if (r->tmp[0])
        sl_upload_remove(r->tmp);
    r->tmp[0] = '\0';
}

static void write_file(struct sl_req *r, const char *data, size_t size)
{
    if (r->too_big || r->io_err) {
        r->discarded += size;
        return;
    }
    if (r->file_bytes + size > r->srv->max_upload) {
        r->too_big = 1; /* enforced while streaming: the partial file goes now */
        r->discarded += size;
        drop_tmp(r);
        return;
    }
    if (r->headlen < sizeof r->head) {
        size_t n = sizeof r->head - r->headlen;
        if (n > size)
            n = size;
        memcpy(r->head + r->headlen, data, n);
        r->headlen += n;
    }
    r->file_bytes += size;
    while (size > 0) {
        ssize_t w = write(r->fd, data, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            sl_errlog("cannot write upload to '%s': %s", r->tmp, strerror(errno));
            r->io_err = 1;
            drop_tmp(r);
            return;
        }
        data += w;
        size -= (size_t)w;
    }
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    struct sl_req *r = cls;
    (void)kind, (void)content_type, (void)transfer_encoding;
    if (!key)
        return MHD_YES;
    if (!strcmp(key, "method") && !filename) {
        size_t have = strlen(r->form_method);
        if (off == 0)
            have = 0;
        if (have + size < sizeof r->form_method) {
            memcpy(r->form_method + have, data, size);
            r->form_method[have + size] = '\0';
        }
        return MHD_YES;
    }
    if (strcmp(key, "file") || !filename)
        return MHD_YES; /* other fields are ignored, and so is a 'file'
                           that is a text field (urlencoded, or multipart
                           without a file name): not an uploaded file */
    if (r->file_done || (r->have_file && off == 0 && r->file_bytes > 0)) {
        r->file_done = 1; /* only the first 'file' part counts */
        return MHD_YES;
    }
    if (!r->have_file) {
        r->have_file = 1;
        set_display(r->display, sizeof r->display, filename);
        if (open_tmp(r))
            return MHD_YES;
    }
    if (size)
        write_file(r, data, size);
    return MHD_YES;
}

int sl_upload_begin(struct sl_req *r, struct MHD_Connection *c)
{
    r->pp = sl_mhd.create_post_processor(c, 64 * 1024, on_part, r);
    return r->pp ? 0 : -1;
}

void sl_upload_feed(struct sl_req *r, const char *data, size_t size)
{
    if (r->pp && sl_mhd.post_process(r->pp, data, size) != MHD_YES) {
        r->discarded += size; /* a malformed body: nothing more is parsed */
        r->truncated = 1;
    }
}

void sl_upload_end(struct sl_req *r)
{
    /* MHD_NO: the body ended before its closing boundary (the last part
     * would otherwise be imported without the bytes held back in case
     * they began the boundary). */
    if (r->pp && sl_mhd.destroy_post_processor(r->pp) != MHD_YES)
        r->truncated = 1;
    r->pp = NULL;
    if (r->fd >= 0 && close(r->fd)) {
        sl_errlog("cannot write upload to '%s': %s", r->tmp, strerror(errno));
        r->io_err = 1;
    }
    r->fd = -1;
    if (r->io_err || r->too_big || r->truncated)
        drop_tmp(r);
}

void sl_upload_discard(struct sl_req *r)
{
    if (r->pp)
        sl_mhd.destroy_post_processor(r->pp);
    r->pp = NULL;
    drop_tmp(r);
}
