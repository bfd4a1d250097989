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

int main(void)
{
    T_RUN(test_fields);
    T_RUN(test_bound);
    return 0;
}
