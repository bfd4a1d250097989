/* test_read_xlsx_cellfmt.c - cell values as text (SPEC §4-6): numbers,
 * zero padding, serial dates and times in both systems, t="d" ISO text,
 * format-code classification and _xHHHH_ escapes. Expected values were
 * checked against ../shared/corpus/tools/xlsx_expected.py. */
#include <math.h>
#include <string.h>

#include "read/cellfmt.h"
#include "test.h"

static void num(double x, const char *want)
{
    char out[SL_CELLFMT_MAX];
    size_t n = sl_fmt_number(x, out);
    T_EQ_STR(out, want);
    T_EQ_INT(n, strlen(want));
}

static void test_numbers(void)
{
    num(0.1, "0.1");
    num(12.618328720000001, "12.618328720000001");
    num(1.5e-07, "1.5e-07");
    num(1e15, "1000000000000000.0");
    num(2.5e15, "2500000000000000.0");
    num(1.23456789e+22, "1.23456789e+22");
    num(-0.0, "0");
    num(42, "42");
    num(-40, "-40");
    num(999999999999999.0, "999999999999999");
    num(1e16, "1e+16");
    num(0.0001, "0.0001");
    num(1e-5, "1e-05");
    num(123456789012345678.0, "1.2345678901234568e+17");
    num(5e-324, "5e-324");
    num(-1234.5678, "-1234.5678");
    num(1.7976931348623157e308, "1.7976931348623157e+308");
    num(NAN, "nan");
    num(-INFINITY, "-inf");
    char out[SL_CELLFMT_MAX];
    sl_fmt_number_padded(501, 5, out);
    T_EQ_STR(out, "00501");
    sl_fmt_number_padded(123456, 5, out);
    T_EQ_STR(out, "123456");
    sl_fmt_number_padded(501.5, 5, out);
    T_EQ_STR(out, "501.5");
    sl_fmt_number_padded(-3, 5, out);
    T_EQ_STR(out, "-3");
    double d;
    T_EQ_INT(sl_parse_double(" 1.5e3 ", 7, &d), 0);
    T_OK(d == 1500);
    T_EQ_INT(sl_parse_double("0x10", 4, &d), -1);
    T_EQ_INT(sl_parse_double("", 0, &d), -1);
    T_EQ_INT(sl_parse_double("12abc", 5, &d), -1);
    T_EQ_INT(sl_parse_double("1_000", 5, &d), 0);
    T_OK(d == 1000);
}

static void serial(double x, int kind, int d1904, const char *want)
{
    char out[SL_CELLFMT_MAX];
    size_t n = sl_fmt_serial(x, kind, d1904, out);
    if (!want) {
        T_EQ_INT(n, 0);
        return;
    }
    T_OK(n > 0);
    T_EQ_STR(out, want);
}

static void test_dates(void)
{
    serial(41689.4375, SL_NF_DATE, 0, "2014-02-19 10:30:00");
    serial(60, SL_NF_DATE, 0, "1900-02-29");
    serial(59, SL_NF_DATE, 0, "1900-02-28");
    serial(61, SL_NF_DATE, 0, "1900-03-01");
    serial(0, SL_NF_DATE, 0, "1899-12-31");
    serial(1, SL_NF_DATE, 0, "1900-01-01");
    serial(1.5, SL_NF_TIME, 0, "12:00:00");
    serial(1.5, SL_NF_ELAPSED, 0, "36:00:00");
    serial(12.3456, SL_NF_ELAPSED, 0, "296:17:40");
    serial(0, SL_NF_DATE, 1, "1904-01-01");
    serial(41689.4375 - 1462, SL_NF_DATE, 1, "2014-02-19 10:30:00");
    serial(-1, SL_NF_DATE, 0, NULL);
    serial(2958466, SL_NF_DATE, 0, NULL);
    serial(2957004, SL_NF_DATE, 1, NULL);
    serial(2958465.9999999, SL_NF_DATE, 0, NULL); /* rounds into year 10000 */
    serial(INFINITY, SL_NF_DATE, 0, NULL);
}

static void iso(const char *v, int kind, const char *want)
{
    char out[SL_CELLFMT_MAX];
    size_t n = sl_fmt_iso(v, strlen(v), kind, out);
    if (!want) {
        T_EQ_INT(n, 0);
        return;
    }
    T_OK(n > 0);
    T_EQ_STR(out, want);
}

static void test_iso(void)
{
    iso("2020-01-02T03:04:05Z", SL_NF_DATE, "2020-01-02 03:04:05");
    iso("2020-01-02T03:04:05Z", SL_NF_TIME, "03:04:05");
    iso("2020-01-02T00:00:00", SL_NF_DATE, "2020-01-02");
    iso("2020-01-02T23:59:59.6", SL_NF_DATE, "2020-01-03");
    iso("10:30", SL_NF_DATE, "10:30:00");
    iso("T10:30:15.5", SL_NF_DATE, "10:30:16");
    iso("2020-01-02 10:30+05:30", SL_NF_DATE, "2020-01-02 10:30:00");
    iso("2020-02-30", SL_NF_DATE, NULL);
    iso("garbage", SL_NF_DATE, NULL);
    iso("10:30:4", SL_NF_DATE, NULL);
}

static void cls(const char *code, int want, int want_pad)
{
    int pad = -1;
    int k = sl_numfmt_classify(code, &pad);
    if (k != want || pad != want_pad)
        T_FAIL("'%s': kind %d pad %d, want %d %d", code, k, pad, want, want_pad);
}

static void test_formats(void)
{
    cls("yyyy-mm-dd", SL_NF_DATE, 0);
    cls("[h]:mm:ss", SL_NF_ELAPSED, 0);
    cls("h:mm AM/PM", SL_NF_TIME, 0);
    cls("mmmm", SL_NF_DATE, 0);
    cls("0.00%", SL_NF_NONE, 0);
    cls("\"d\"0", SL_NF_NONE, 0);
    cls("[Red]0.00", SL_NF_NONE, 0);
    cls("[$-409]mmmm d, yyyy", SL_NF_DATE, 0);
    cls("General", SL_NF_NONE, 0);
    cls("00000", SL_NF_NONE, 5);
    cls("00000;[Red]-0", SL_NF_NONE, 5);
    cls("0", SL_NF_NONE, 0);
    cls("mm:ss", SL_NF_TIME, 0);
    cls("[mm]:ss", SL_NF_ELAPSED, 0);
    cls("e", SL_NF_NONE, 0);
    cls("_d0", SL_NF_NONE, 0);
    cls("A/P", SL_NF_TIME, 0);
    cls("0.00;[Red]yyyy", SL_NF_NONE, 0);
    cls("\\d0", SL_NF_NONE, 0);
    cls("", SL_NF_NONE, 0);
    T_EQ_INT(sl_numfmt_builtin(14), SL_NF_DATE);
    T_EQ_INT(sl_numfmt_builtin(22), SL_NF_DATE);
    T_EQ_INT(sl_numfmt_builtin(20), SL_NF_TIME);
    T_EQ_INT(sl_numfmt_builtin(46), SL_NF_ELAPSED);
    T_EQ_INT(sl_numfmt_builtin(71), SL_NF_NONE);
    T_EQ_INT(sl_numfmt_builtin(0), SL_NF_NONE);
    T_EQ_INT(sl_numfmt_builtin(164), SL_NF_NONE);
}

static void esc(const char *in, const char *want, size_t want_len)
{
    char buf[128];
    size_t n = strlen(in);
    memcpy(buf, in, n);
    n = sl_xesc_decode(buf, n);
    if (n != want_len || memcmp(buf, want, n))
        T_FAIL("'%s': got %zu bytes '%.*s'", in, n, (int)n, buf);
}

static void test_escapes(void)
{
    esc("_x005F_x000D_", "_x000D_", 7);
    esc("a_x000D_b", "a\rb", 3);
    esc("_xD83D__xDE00_", "\xF0\x9F\x98\x80", 4);
    esc("_xD83D_", "\xEF\xBF\xBD", 3);
    esc("_xDE00__xD83D_", "\xEF\xBF\xBD\xEF\xBF\xBD", 6);
    esc("_x00e9_", "\xC3\xA9", 2);
    esc("_x00E9", "_x00E9", 6);
    esc("x_x0041__x0042_", "xAB", 3);
    esc("_x0000_", "\0", 1);
    esc("plain text", "plain text", 10);
}

int main(void)
{
    T_RUN(test_numbers);
    T_RUN(test_dates);
    T_RUN(test_iso);
    T_RUN(test_formats);
    T_RUN(test_escapes);
    return 0;
}
