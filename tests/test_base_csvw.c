/* test_base_csvw.c - the one CSV field writer: quoted only for , " CR LF
 * (and, when asked, white space at either end), quotes doubled, a NUL as
 * U+FFFD when asked; the bound holds for the worst field. */
#include "base/csvw.h"
#include "test.h"

static void field(const char *in, size_t n, int flags, const char *want, size_t wn)
{
    struct sl_buf b;
    sl_buf_init(&b, 0);
    sl_csvw_add(&b, in, n, flags);
    T_EQ_INT(b.err, 0);
    T_EQ_INT(b.len, wn);
    T_OK(!memcmp(b.data, want, b.len));
    T_OK(b.len <= sl_csvw_max(n, flags));
    sl_buf_release(&b);
}

#define F(in, flags, want) field(in, sizeof in - 1, flags, want, sizeof want - 1)

static void test_fields(void)
{
    F("", 0, "");
    F("plain text", 0, "plain text");
    F("a,b", 0, "\"a,b\"");
    F("say \"hi\"", 0, "\"say \"\"hi\"\"\"");
    F("two\nlines", 0, "\"two\nlines\"");
    F("cr\r", 0, "\"cr\r\"");
    F(" padded ", 0, " padded ");
    F(" padded ", SL_CSVW_QUOTE_SPACE, "\" padded \"");
    F("tab\t", SL_CSVW_QUOTE_SPACE, "\"tab\t\"");
    F("in side", SL_CSVW_QUOTE_SPACE, "in side");
    F("a\0b", 0, "a\0b");
    F("a\0b", SL_CSVW_NUL_FFFD,
      "a\xEF\xBF\xBD"
      "b");
    F("\"\0\"", SL_CSVW_NUL_FFFD, "\"\"\"\xEF\xBF\xBD\"\"\"");
}

/* The worst fields fill the bound exactly: every byte a quote, every byte
 * a NUL. */
static void test_bound(void)
{
    char q[64], z[64], out[256];
    memset(q, '"', sizeof q);
    memset(z, 0, sizeof z);
    T_EQ_INT(sl_csvw_put(out, q, sizeof q, 0) - out, (long long)sl_csvw_max(sizeof q, 0));
    T_EQ_INT(sl_csvw_put(out, z, sizeof z, SL_CSVW_NUL_FFFD) - out,
             (long long)sl_csvw_max(sizeof z, SL_CSVW_NUL_FFFD) - 2);
}

/* The block-wise search for , " CR LF: each special byte at every position
 * of fields from 0 to 40 bytes (whole blocks and the tail) is seen, and a
 * field without one is copied as it is. */
static void test_every_position(void)
{
    static const char specials[] = ",\"\r\n";
    char in[41], want[128], out[128];
    for (size_t n = 0; n <= 40; n++) {
        memset(in, 'x', n);
        T_EQ_INT(sl_csvw_put(out, in, n, 0) - out, (long long)n);
        T_OK(!memcmp(out, in, n));
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < 4; k++) {
                memset(in, 'x', n);
                in[at] = specials[k];
                size_t w = 0;
                want[w++] = '"';
                for (size_t i = 0; i < n; i++) {
                    if (in[i] == '"')
                        want[w++] = '"';
                    want[w++] = in[i];
                }
                want[w++] = '"';
                T_EQ_INT(sl_csvw_put(out, in, n, 0) - out, (long long)w);
                T_OK(!memcmp(out, want, w));
            }
    }
}

/* sl_buf_addch stops at the buffer's maximum like every other append. */
static void test_addch_max(void)
{
    struct sl_buf b;
    sl_buf_init(&b, 3);
    T_EQ_INT(sl_buf_addch(&b, 'a'), 0);
    T_EQ_INT(sl_buf_addch(&b, 'b'), 0);
    T_EQ_INT(sl_buf_addch(&b, 'c'), 0);
    T_OK(b.cap > 5); /* room left past the maximum: the fast path's case */
    T_EQ_INT(sl_buf_addch(&b, 'd'), SL_ELIMIT);
    T_EQ_INT(b.len, 3);
    T_EQ_INT(b.err, SL_ELIMIT);
    T_EQ_STR(b.data, "abc");
    sl_buf_release(&b);
}

int main(void)
{
    T_RUN(test_fields);
    T_RUN(test_bound);
    T_RUN(test_every_position);
    T_RUN(test_addch_max);
    return 0;
}
