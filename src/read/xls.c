/* xls.c - a legacy .xls workbook (BIFF8, and BIFF5/7) read from its OLE2
 * container (libgsf, loaded on first use: xls_gsf.c): the container and the
 * reader interface.
 *
 * The container: libgsf opens the compound file and gives the 'Workbook'
 * stream (BIFF8; 'Book' for BIFF5), checking the sector chains. An OLE2
 * file without one is named from its streams (Word, PowerPoint, an
 * encrypted OOXML package, Outlook).
 *
 * The stream: records of (type u16, length u16, body) (xls_rec.c). The
 * globals come first (xls_globals.c: BOF, FILEPASS = encrypted, CODEPAGE,
 * DATEMODE = 1904 system, FORMAT, XF, BOUNDSHEET, SST with its CONTINUE
 * records in xls_sst.c, EOF); each sheet is a substream BOF..EOF at the
 * offset its BOUNDSHEET gives (xls_sheet.c: its cells into one sorted
 * array), handed out here as rows. The shared strings past the memory
 * budget live in a spill file (xls_sst.c); the sheet's cells are in memory
 * (about 24 bytes a cell plus the text of cells that are not shared
 * strings). */
#include "read/xls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "read/sheets.h"
#include "read/xls_int.h"

/* ---- open ---- */

static const char *sheet_name(const void *ctx, size_t i)
{
    return ((const struct sl_xls *)ctx)->sheets[i].name;
}

static int choose_sheet(struct sl_xls *x, const char *want, struct sl_error *err)
{
    x->cur = 0;
    if (!want)
        return x->nsheets ? 0 : sl_err_set(err, SL_EXLSX, "the workbook lists no sheets");
    return sl_sheet_choose(want, x->nsheets, sheet_name, x, &x->cur, err);
}

/* An OLE2 file without a workbook stream: say what it is from its streams. */
static int not_a_workbook(GsfInfile *ole, struct sl_error *err)
{
    int n = sl_xls_gsf.infile_num_children(ole);
    int word = 0, ppt = 0, enc = 0, msg = 0, vis = 0;
    for (int i = 0; i < n; i++) {
        const char *c = sl_xls_gsf.infile_name_by_index(ole, i);
        if (!c)
            continue;
        if (!strcasecmp(c, "WordDocument"))
            word = 1;
        else if (!strcasecmp(c, "PowerPoint Document"))
            ppt = 1;
        else if (!strcasecmp(c, "EncryptedPackage") || !strcasecmp(c, "EncryptionInfo"))
            enc = 1;
        else if (!strncasecmp(c, "__substg1.0_", 12) || !strcasecmp(c, "__properties_version1.0"))
            msg = 1;
        else if (!strcasecmp(c, "VisioDocument"))
            vis = 1;
    }
    const char *what = enc    ? "a password-protected (encrypted) Office document; remove the "
                                "password in Excel and save it again"
                       : word ? "a Word document (.doc), not a spreadsheet"
                       : ppt  ? "a PowerPoint presentation (.ppt), not a spreadsheet"
                       : msg  ? "an Outlook message (.msg), not a spreadsheet; save the attached "
                                "workbook and load that"
                       : vis  ? "a Visio drawing, not a spreadsheet"
                              : "an OLE2 compound file without a 'Workbook' stream, so not an "
                                "Excel workbook";
    return sl_err_set(err, SL_EFORMAT, "this is %s", what);
}

static GsfInput *find_stream(GsfInfile *ole)
{
    static const char *names[] = {"Workbook", "Book"};
    for (size_t k = 0; k < 2; k++) {
        int n = sl_xls_gsf.infile_num_children(ole);
        for (int i = 0; i < n; i++) {
            const char *c = sl_xls_gsf.infile_name_by_index(ole, i);
            if (c && !strcasecmp(c, names[k])) {
                GsfInput *in = sl_xls_gsf.infile_child_by_index(ole, i);
                if (in)
                    return in;
            }
        }
    }
    return NULL;
}

static int open_container(struct sl_xls *x, const char *path, const void *data, size_t n,
                          struct sl_error *err)
{
    GError *ge = NULL;
    if (path)
        x->src = sl_xls_gsf.input_stdio_new(path, &ge);
    else
        x->src = sl_xls_gsf.input_memory_new((const guint8 *)data, (gsf_off_t)n, FALSE);
    if (!x->src) {
        int rc = sl_err_set(err, SL_EIO, "cannot open: %s", ge ? ge->message : "unknown error");
        if (ge)
            sl_xls_gsf.error_free(ge);
        return rc;
    }
    if (ge)
        sl_xls_gsf.clear_error(&ge);
    x->ole = sl_xls_gsf.infile_msole_new(x->src, &ge);
    if (!x->ole) {
        char why[200];
        snprintf(why, sizeof why, "%s", ge && ge->message ? ge->message : "unreadable");
        for (char *p = why; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        if (ge)
            sl_xls_gsf.error_free(ge);
        return sl_err_set(err, SL_EXLSX,
                          "an Office 97-2003 (OLE2) file that is truncated or corrupt (%s)", why);
    }
    x->wb = find_stream(x->ole);
    if (!x->wb)
        return not_a_workbook(x->ole, err);
    gsf_off_t sz = sl_xls_gsf.input_size(x->wb);
    x->size = sz > 0 ? (uint64_t)sz : 0;
    if (x->size > x->lim.max_entry_bytes)
        return sl_err_set(err, SL_ELIMIT,
                          "the 'Workbook' stream is %llu bytes, more than the limit of %llu",
                          (unsigned long long)x->size, (unsigned long long)x->lim.max_entry_bytes);
    if (sl_xls_gsf.input_seek(x->wb, 0, G_SEEK_SET))
        return sl_err_set(err, SL_EXLSX, "cannot read the 'Workbook' stream; the file is corrupt");
    return 0;
}

int sl_xls_open(struct sl_xls **out, const char *path, const void *data, size_t n,
                const struct sl_reader_opts *opts, struct sl_error *err)
{
    *out = NULL;
    int rc = sl_xls_gsf_load(err);
    if (rc)
        return rc;
    struct sl_xls *x = sl_calloc(1, sizeof *x);
    if (!x)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    x->cd = (iconv_t)-1;
    if (opts)
        x->lim = opts->limits;
    sl_limits_defaults(&x->lim);
    x->tmp_dir = opts ? opts->tmp_dir : NULL;
    sl_buf_init(&x->text, x->lim.max_sst_bytes);
    rc = SL_ENOMEM;
    if (!(x->rec = sl_malloc(65536))) {
        sl_err_set(err, SL_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = open_container(x, path, data, n, err)))
        goto fail;
    if ((rc = sl_xls_parse_globals(x, err)))
        goto fail;
    if ((rc = choose_sheet(x, opts ? opts->sheet : NULL, err)))
        goto fail;
    if ((rc = sl_xls_read_sheet(x, err))) {
        if (err && !err->sheet[0])
            sl_strlcpy(err->sheet, x->sheets[x->cur].name, sizeof err->sheet);
        goto fail;
    }
    *out = x;
    return 0;
fail:
    if (err && !err->code)
        sl_err_set(err, rc ? rc : SL_EXLSX, "cannot read the workbook");
    rc = err && err->code ? err->code : (rc ? rc : SL_EXLSX);
    sl_xls_close(x);
    return rc;
}

int sl_xls_next(struct sl_xls *x, struct sl_row *row, struct sl_error *err)
{
    (void)err;
    if (x->finished || x->next >= x->ncells) {
        x->finished = 1;
        return 0;
    }
    uint32_t r = x->cells[x->next].row;
    size_t end = x->next;
    while (end < x->ncells && x->cells[end].row == r)
        end++;
    size_t width = (size_t)x->cells[end - 1].col + 1;
    if (width > x->rowcap) {
        struct sl_cell *v = sl_realloc(x->row, width * sizeof *v);
        if (!v) {
            x->finished = 1;
            return sl_err_set(err, SL_ENOMEM, "out of memory");
        }
        x->row = v;
        x->rowcap = width;
    }
    for (size_t i = 0; i < width; i++)
        x->row[i] = (struct sl_cell){"", 0, SL_CELL_EMPTY};
    for (size_t i = x->next; i < end; i++) { /* sorted: the later duplicate is last */
        const struct xcell *c = &x->cells[i];
        size_t len;
        const char *t = c->sst ? sl_xls_sst_get(x, c->off, &len) : x->text.data + c->off;
        x->row[c->col] = (struct sl_cell){t, c->len, c->kind};
    }
    x->given += end - x->next;
    x->next = end;
    row->num = (long long)r + 1;
    row->ncells = width;
    row->cells = x->row;
    return 1;
}

void sl_xls_close(struct sl_xls *x)
{
    if (!x)
        return;
    if (x->wb)
        sl_xls_gsf.object_unref(x->wb);
    if (x->ole)
        sl_xls_gsf.object_unref(x->ole);
    if (x->src)
        sl_xls_gsf.object_unref(x->src);
    if (x->cd != (iconv_t)-1)
        iconv_close(x->cd);
    for (size_t i = 0; i < x->nsheets; i++)
        sl_free(x->sheets[i].name);
    sl_free(x->sheets);
    sl_free(x->rec);
    sl_free(x->fmts);
    sl_free(x->xf_fmt);
    sl_free(x->xf_kind);
    sl_free(x->xf_pad);
    sl_xls_sst_free(&x->sst);
    sl_buf_release(&x->text);
    sl_free(x->cells);
    sl_free(x->row);
    sl_free(x);
}

size_t sl_xls_sheet_count(const struct sl_xls *x)
{
    return x->nsheets;
}

const char *sl_xls_sheet_name(const struct sl_xls *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

size_t sl_xls_current_sheet(const struct sl_xls *x)
{
    return x->cur;
}

uint64_t sl_xls_bytes_read(const struct sl_xls *x)
{
    return x->ncells ? x->sheet_bytes * x->given / x->ncells : x->sheet_bytes;
}

uint64_t sl_xls_bytes_total(const struct sl_xls *x)
{
    return x->sheet_bytes;
}
