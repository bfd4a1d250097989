/* fuzz_scan.c - libFuzzer target, differential: one worksheet or shared
 * strings part read by the sheet's (or the table's) handlers twice, once
 * through expat and once through the pull scanner (src/read/scan.c), which
 * must give the same rows and cells (or the same strings) or both refuse
 * the part. Byte 0 of the input chooses: bit 0 the part (0 sheet, 1 shared
 * strings), bits 1-7 the size of the pieces the scanner is fed (1..127
 * bytes, 0 = all at once), so tokens cut at every place are tried. The
 * sheet sees a table of four shared strings. Any difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "read/reader.h"
#include "read/xlsx_int.h"

static const char fs_table[] =
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>zero</t></si><si><t/></si><si><r><t>t</t></r><r><t>wo</t></r></si>"
    "<si><t xml:space=\"preserve\"> three </t></si></sst>";

static void fs_limits(struct sl_xlsx *x)
{
    memset(&x->lim, 0, sizeof x->lim);
    x->lim.max_depth = 64;
    x->lim.max_cell_bytes = 1u << 16;
    x->lim.max_sst_bytes = 1u << 20;
    sl_limits_defaults(&x->lim);
}

static void fs_add(struct sl_buf *out, const char *p, size_t n)
{
    char head[64];
    snprintf(head, sizeof head, "%zu:", n);
    sl_buf_addstr(out, head);
    sl_buf_add(out, p, n);
    sl_buf_addch(out, '\n');
}

/* Reads the part; its rows (or strings) serialised into out. 0 or the
 * error code. */
static int fs_read(const char *data, size_t len, size_t step, int sst, int fast, struct sl_buf *out)
{
    struct sl_xlsx x;
    struct sl_error err;
    memset(&x, 0, sizeof x);
    memset(&err, 0, sizeof err);
    fs_limits(&x);
    int rc;
    if (sst) {
        rc = sl_xlsx_sst_load_mem(&x, data, len, step, fast, &err);
        for (size_t i = 0; !rc && i < x.sst_ready; i++)
            fs_add(out, x.sst_text + x.sst_off[i], x.sst_off[i + 1] - x.sst_off[i] - 1);
        sl_xlsx_sst_free(&x);
        return rc;
    }
    rc = sl_xlsx_sst_load_mem(&x, fs_table, sizeof fs_table - 1, 0, 0, &err);
    if (rc)
        abort(); /* the fixed table must load */
    rc = sl_xlsx_sheet_start_mem(&x, data, len, step, fast, &err);
    struct sl_row row;
    while (!rc && (rc = sl_xlsx_next_here(&x, &row, &err)) == 1) {
        char head[64];
        snprintf(head, sizeof head, "row %lld, %zu cells\n", row.num, row.ncells);
        sl_buf_addstr(out, head);
        for (size_t i = 0; i < row.ncells; i++) {
            sl_buf_addch(out, (char)('0' + row.cells[i].kind));
            fs_add(out, row.cells[i].text, row.cells[i].len);
        }
        rc = 0;
    }
    sl_xlsx_sheet_free(&x);
    sl_xlsx_sst_free(&x);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int sst = data[0] & 1;
    size_t step = data[0] >> 1;
    const char *xml = (const char *)data + 1;
    size_t len = size - 1;
    struct sl_buf a, b;
    sl_buf_init(&a, 0);
    sl_buf_init(&b, 0);
    int ra = fs_read(xml, len, 0, sst, 0, &a);
    int rb = fs_read(xml, len, step, sst, 1, &b);
    if ((ra == 0) != (rb == 0) || a.err || b.err ||
        (ra == 0 && (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len))))) {
        fprintf(
            stderr,
            "fuzz_scan: expat %d, scanner %d (step %zu, %s)\n--- expat\n%.*s\n--- scanner\n%.*s\n",
            ra, rb, step, sst ? "shared strings" : "sheet", (int)(a.len < 2000 ? a.len : 2000),
            a.data ? a.data : "", (int)(b.len < 2000 ? b.len : 2000), b.data ? b.data : "");
        abort();
    }
    sl_buf_release(&a);
    sl_buf_release(&b);
    return 0;
}
