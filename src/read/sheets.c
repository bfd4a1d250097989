/* sheets.c - choosing a workbook's sheet (see sheets.h). */
#include "read/sheets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sl_sheet_choose(const char *want, size_t n, const char *(*name)(const void *ctx, size_t i),
                    const void *ctx, size_t *cur, struct sl_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name(ctx, i), want)) {
            *cur = i;
            return 0;
        }
    if (want[0] >= '0' && want[0] <= '9' && strspn(want, "0123456789") == strlen(want)) {
        unsigned long long k = strtoull(want, NULL, 10);
        if (k >= 1 && k <= n) {
            *cur = (size_t)k - 1;
            return 0;
        }
    }
    if (n == 0)
        return sl_err_set(err, SL_ENOTFOUND, "sheet '%s' not found; the workbook has no sheets",
                          want);
    char list[700];
    size_t off = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int k = snprintf(list + off, sizeof list - off, "%s'%s'", i ? ", " : "", name(ctx, i));
        if (k < 0 || (size_t)k >= sizeof list - off) {
            snprintf(list + off, sizeof list - off, ", ...");
            break;
        }
        off += (size_t)k;
    }
    return sl_err_set(err, SL_ENOTFOUND, "sheet '%s' not found; the workbook has %s", want, list);
}
