/* test_load_convert.c - the convert+validate rules of src/load/convert.c:
 * trimming, empty = NULL, blank rows, missing cells, U+0000, and the
 * businesses rules for name, email and website. */
#include <string.h>

#include "base/buf.h"
#include "load/load.h"
#include "test.h"

static int email_ok(const char *s)
{
    char why[256];
    return sl_validate_email(s, why, sizeof why) == 0;
}

static const char *email_why(const char *s)
{
    static char why[256];
    why[0] = '\0';
    sl_validate_email(s, why, sizeof why);
    return why;
}

static int web_ok(const char *s)
{
    char why[256];
    return sl_validate_website(s, why, sizeof why) == 0;
}

static void test_email(void)
{
    T_OK(email_ok("info@example.com"));
    T_OK(email_ok("a.b+c@mail.example.co.uk"));
    T_OK(email_ok("x@a.b"));
    T_OK(!email_ok("two@@x.com"));
    T_EQ_STR(email_why("two@@x.com"), "email 'two@@x.com' has more than one '@'");
    T_OK(!email_ok("no-at-sign.example.com"));
    T_EQ_STR(email_why("no-at-sign.example.com"), "email 'no-at-sign.example.com' has no '@'");
    T_OK(!email_ok("info 12@x.com"));
    T_EQ_STR(email_why("info 12@x.com"), "email 'info 12@x.com' contains whitespace");
    T_OK(!email_ok("info\t@x.com"));
    T_OK(!email_ok("@x.com"));
    T_EQ_STR(email_why("@x.com"), "email '@x.com' has nothing before the '@'");
    T_OK(!email_ok("info12@localhost"));
    T_EQ_STR(email_why("info12@localhost"), "email 'info12@localhost' has no dot in its domain");
    T_OK(!email_ok("a@.com"));
    T_OK(!email_ok("a@com."));
    T_OK(!email_ok("a@"));
    /* a long value is cut in the message */
    char long_email[300];
    memset(long_email, 'a', 250);
    strcpy(long_email + 250, "@@x.com");
    T_OK(strlen(email_why(long_email)) < 120);
}

static void test_website(void)
{
    T_OK(web_ok("www.example.com"));
    T_OK(web_ok("example.com/path?q=1"));
    T_OK(web_ok("http://example.com"));
    T_OK(web_ok("https://localhost:8080/x"));
    T_OK(web_ok("HTTPS://Example.COM"));
    T_OK(!web_ok("www.my shop.com"));
    T_OK(!web_ok("http://"));
    T_OK(!web_ok("https:///path"));
    T_OK(!web_ok("localhost"));
    T_OK(!web_ok(".example.com"));
    T_OK(!web_ok("example."));
    T_OK(!web_ok("ftp://example.com"));
}

static void test_norm(void)
{
    char out[64];
    sl_name_norm(" Created_At ", 12, out, sizeof out);
    T_EQ_STR(out, "createdat");
    sl_name_norm("E-Mail", 6, out, sizeof out);
    T_EQ_STR(out, "e-mail");
}

/* A plan for the businesses table with the sheet's columns in model order. */
static void biz_plan(struct sl_plan *p, size_t ncells)
{
    static const char *names[] = {"name",        "category",   "phone",     "email",
                                  "address",     "city",       "country",   "website",
                                  "description", "created_at", "updated_at"};
    static int map[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    memset(p, 0, sizeof *p);
    p->default_table = 1;
    p->ncols = 11;
    p->cols = (char **)names;
    p->nmap = ncells < 9 ? ncells : 9;
    p->map = map;
    p->stamp1 = 9;
    p->stamp2 = 10;
    strcpy(p->stamp, "2024-01-02 03:04:05.000006");
    p->v_name = 0;
    p->v_email = 3;
    p->v_website = 7;
}

static void add(struct sl_block *b, long long num, size_t n, const char *const *texts,
                const size_t *lens)
{
    struct sl_cell cells[16];
    for (size_t i = 0; i < n; i++) {
        cells[i].text = texts[i];
        cells[i].len = lens ? lens[i] : strlen(texts[i]);
        cells[i].kind = SL_CELL_STRING;
    }
    struct sl_row row = {num, n, cells};
    T_EQ_INT(sl_block_add(b, &row), 0);
}

static void test_rows(void)
{
    struct sl_plan p;
    biz_plan(&p, 9);
    struct sl_block *b = sl_block_new(0, 2);
    T_OK(b);
    const char *r1[] = {"  Acme  ", "", " shop", "info@acme.com ", "", "", "", "acme.com", ""};
    const char *r2[] = {"", "  ", "\t"};
    const char *r3[] = {"Solo"};
    const char *r4[] = {"", "x"};
    const char *r5[] = {"Bad", "", "", "two@@x.com"};
    const char *r6[] = {"Nul", "a\0b"};
    size_t l6[] = {3, 3};
    const char *r7[] = {"Web", "", "", "", "", "", "", "www.my shop.com"};
    add(b, 2, 9, r1, NULL);
    add(b, 3, 3, r2, NULL);
    add(b, 4, 1, r3, NULL);
    add(b, 5, 2, r4, NULL);
    add(b, 6, 4, r5, NULL);
    add(b, 7, 2, r6, l6);
    add(b, 8, 8, r7, NULL);
    T_EQ_INT(b->nrows, 7);
    T_EQ_INT(b->first_row, 2);
    T_EQ_INT(b->last_row, 8);
    T_EQ_INT(sl_convert_block(&p, b), 0);

    struct sl_brow *r = &b->rows[0];
    T_EQ_INT(r->state, SL_ROW_OK);
    T_EQ_STR(r->vals[0], "Acme");
    T_OK(r->vals[1] == NULL);
    T_EQ_STR(r->vals[2], "shop");
    T_EQ_STR(r->vals[3], "info@acme.com");
    T_EQ_STR(r->vals[7], "acme.com");
    T_OK(r->vals[8] == NULL);
    T_EQ_STR(r->vals[9], "2024-01-02 03:04:05.000006");
    T_EQ_STR(r->vals[10], "2024-01-02 03:04:05.000006");
    T_EQ_STR(r->cells[0].text, "  Acme  "); /* the original stays for the rejects file */

    T_EQ_INT(b->rows[1].state, SL_ROW_BLANK);

    r = &b->rows[2]; /* fewer cells than columns: NULLs */
    T_EQ_INT(r->state, SL_ROW_OK);
    T_EQ_STR(r->vals[0], "Solo");
    for (int j = 1; j < 9; j++)
        T_OK(r->vals[j] == NULL);

    r = &b->rows[3];
    T_EQ_INT(r->state, SL_ROW_REJECT);
    T_EQ_STR(r->reason, "name is empty (a business needs a name)");

    r = &b->rows[4];
    T_EQ_INT(r->state, SL_ROW_REJECT);
    T_EQ_STR(r->reason, "email 'two@@x.com' has more than one '@'");

    r = &b->rows[5];
    T_EQ_INT(r->state, SL_ROW_REJECT);
    T_OK(strstr(r->reason, "U+0000") != NULL);
    T_OK(strstr(r->reason, "category") != NULL);

    r = &b->rows[6];
    T_EQ_INT(r->state, SL_ROW_REJECT);
    T_EQ_STR(r->reason, "website 'www.my shop.com' contains whitespace");

    /* the rejects file's CSV form of the original cells */
    struct sl_buf csv;
    sl_buf_init(&csv, 0);
    sl_csv_record(&csv, b->rows[0].cells, 3);
    T_EQ_STR(csv.data, "\"  Acme  \",,\" shop\"");
    sl_buf_reset(&csv);
    const char *q[] = {"a,b", "say \"hi\""};
    struct sl_block *b2 = sl_block_new(1, 1);
    add(b2, 9, 2, q, NULL);
    sl_csv_record(&csv, b2->rows[0].cells, 2);
    T_EQ_STR(csv.data, "\"a,b\",\"say \"\"hi\"\"\"");
    sl_buf_release(&csv);
    sl_block_free(b2);
    sl_block_free(b);
}

static void test_table_mode(void)
{
    /* --table: no validation, no stamps; only NUL is refused */
    static const char *names[] = {"id", "amount"};
    static int map[2] = {0, 1};
    struct sl_plan p;
    memset(&p, 0, sizeof p);
    p.ncols = 2;
    p.cols = (char **)names;
    p.nmap = 2;
    p.map = map;
    p.stamp1 = p.stamp2 = p.v_name = p.v_email = p.v_website = -1;
    struct sl_block *b = sl_block_new(0, 4);
    const char *r1[] = {" 1 ", "not a number"};
    const char *r2[] = {"", "", ""};
    add(b, 2, 2, r1, NULL);
    add(b, 3, 3, r2, NULL);
    T_EQ_INT(sl_convert_block(&p, b), 0);
    T_EQ_INT(b->rows[0].state, SL_ROW_OK);
    T_EQ_STR(b->rows[0].vals[0], "1");
    T_EQ_STR(b->rows[0].vals[1], "not a number");
    T_EQ_INT(b->rows[1].state, SL_ROW_BLANK);
    sl_block_free(b);
}

static void test_duration(void)
{
    static const struct {
        double s;
        const char *text;
    } cases[] = {
        {1.234, "1.234s"},
        {0.35, "350ms"},
        {123.5, "2m3.5s"},
        {3600, "1h0m0s"},
        {0, "0s"},
        {1.5e-6, "1.5\xc2\xb5s"},
        {5e-7, "500ns"},
        {7322.25, "2h2m2.25s"},
        /* Rounding carries into the next unit: never "60s", "1m60s" or "1000ms". */
        {59.9999999, "1m0s"},
        {119.9999999, "2m0s"},
        {3599.9999999, "1h0m0s"},
        {0.9999999999, "1s"},
        {0.0009999999999, "1ms"},
    };
    char d[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_go_duration(cases[i].s, d, sizeof d);
        T_EQ_STR(d, cases[i].text);
    }
}

int main(void)
{
    T_RUN(test_email);
    T_RUN(test_website);
    T_RUN(test_norm);
    T_RUN(test_rows);
    T_RUN(test_table_mode);
    T_RUN(test_duration);
    return 0;
}
