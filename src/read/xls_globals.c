/* xls_globals.c - the .xls workbook's globals: BOF (the BIFF version),
 * FILEPASS (encrypted: refused), CODEPAGE, DATEMODE (the 1904 system),
 * FORMAT, XF, BOUNDSHEET and SST (xls_sst.c), up to the globals' EOF. */
#include "base/alloc.h"
#include "read/cellfmt.h"
#include "read/xls_int.h"

static int add_format(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 2)
        return 0;
    struct sl_buf code;
    int rc = sl_xls_record_string(x, 2, x->biff >= 8 ? 2 : 1, 1 << 16, &code, err,
                                  "a number format runs past its record");
    if (rc)
        return rc;
    if (sl_xls_grow(&x->fmts, &x->fmtcap, x->nfmts, sizeof *x->fmts, 64)) {
        sl_buf_release(&code);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    int pad = 0;
    struct fmt *f = &x->fmts[x->nfmts++];
    f->id = (uint16_t)u16(x->rec);
    f->kind = (signed char)sl_numfmt_classify(code.data ? code.data : "", &pad);
    f->pad = (signed char)(pad > 100 ? 100 : pad);
    sl_buf_release(&code);
    return 0;
}

static int add_xf(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 4)
        return sl_xls_corrupt(x, err, "an XF record is too short");
    if (sl_xls_grow(&x->xf_fmt, &x->xfcap, x->nxf, sizeof *x->xf_fmt, 64))
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    x->xf_fmt[x->nxf++] = (uint16_t)u16(x->rec + 2);
    return 0;
}

static int add_sheet(struct sl_xls *x, struct sl_error *err)
{
    if (x->rlen < 8)
        return sl_xls_corrupt(x, err, "a BOUNDSHEET record is too short");
    struct sl_buf name;
    int rc = sl_xls_record_string(x, 6, 1, 4096, &name, err, "a sheet name runs past its record");
    if (rc)
        return rc;
    if (sl_xls_grow(&x->sheets, &x->sheetcap, x->nsheets, sizeof *x->sheets, 8)) {
        sl_buf_release(&name);
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    }
    struct sheet *s = &x->sheets[x->nsheets];
    s->name = name.data ? sl_buf_detach(&name, NULL) : sl_strdup("");
    if (!s->name)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    s->pos = u32(x->rec);
    s->type = x->rec[5];
    x->nsheets++;
    return 0;
}

/* Each XF's date kind and padding, from its format (a FORMAT record with
 * that id overrides the built-in meaning; the last one wins). */
static int resolve_xfs(struct sl_xls *x, struct sl_error *err)
{
    if (!x->nxf)
        return 0;
    x->xf_kind = sl_malloc(x->nxf);
    x->xf_pad = sl_malloc(x->nxf);
    if (!x->xf_kind || !x->xf_pad)
        return sl_err_set(err, SL_ENOMEM, "out of memory");
    for (size_t i = 0; i < x->nxf; i++) {
        int kind = sl_numfmt_builtin(x->xf_fmt[i]), pad = 0;
        for (size_t j = x->nfmts; j-- > 0;)
            if (x->fmts[j].id == x->xf_fmt[i]) {
                kind = x->fmts[j].kind;
                pad = x->fmts[j].pad;
                break;
            }
        x->xf_kind[i] = (signed char)kind;
        x->xf_pad[i] = (signed char)pad;
    }
    return 0;
}

static int encrypted(struct sl_error *err)
{
    return sl_err_set(err, SL_EFORMAT,
                      "the workbook is password-protected (encrypted); open it in Excel or "
                      "LibreOffice, remove the password and save it again");
}

int sl_xls_parse_globals(struct sl_xls *x, struct sl_error *err)
{
    int rc = sl_xls_next_record(x, err);
    if (rc < 0 && x->rtype == REC_BOF)
        return rc;
    if (rc <= 0 || x->rtype != REC_BOF || x->rlen < 4)
        return sl_err_reset(err, SL_EXLSX,
                            "the 'Workbook' stream does not start with a BOF record; the file is "
                            "corrupt or not an Excel workbook");
    unsigned vers = u16(x->rec);
    if (vers == 0x0600)
        x->biff = 8;
    else if (vers == 0x0500)
        x->biff = 5;
    else
        return sl_err_set(err, SL_EFORMAT,
                          "unsupported Excel file version (BIFF BOF 0x%04X); sheetload reads "
                          "Excel 5.0 to 2003 files: save it as .xlsx",
                          vers);
    if (x->biff < 8)
        sl_xls_set_codepage(x, 1252); /* until a CODEPAGE record says otherwise */
    for (;;) {
        if ((rc = sl_xls_next_record(x, err)) < 0)
            return rc;
        if (rc == 0)
            return sl_err_set(err, SL_EXLSX,
                              "the 'Workbook' stream ends before the workbook's EOF record; the "
                              "file is truncated");
        rc = 0;
        switch (x->rtype) {
        case REC_EOF:
            return resolve_xfs(x, err);
        case REC_FILEPASS:
            return encrypted(err);
        case REC_CODEPAGE:
            if (x->rlen >= 2 && x->biff < 8)
                sl_xls_set_codepage(x, u16(x->rec));
            break;
        case REC_DATEMODE:
            if (x->rlen >= 2)
                x->date1904 = u16(x->rec) != 0;
            break;
        case REC_FORMAT:
            rc = add_format(x, err);
            break;
        case REC_XF:
            rc = add_xf(x, err);
            break;
        case REC_BOUNDSHEET:
            rc = add_sheet(x, err);
            break;
        case REC_SST:
            if (x->biff >= 8 && !x->sst.loaded)
                rc = sl_xls_sst_load(x, err);
            break;
        default:
            break;
        }
        if (rc)
            return rc;
    }
}
