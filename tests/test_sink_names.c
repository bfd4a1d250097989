/* test_sink_names.c - target detection, password redaction and quoting. */
#include "base/err.h"
#include "sink/sink.h"
#include "test.h"

static void test_is_sqlite(void)
{
    const char *path = NULL;
    T_OK(sl_target_is_sqlite("sqlite:businesses.db", &path));
    T_EQ_STR(path, "businesses.db");
    T_OK(sl_target_is_sqlite("sqlite:/tmp/x", &path));
    T_EQ_STR(path, "/tmp/x");
    T_OK(sl_target_is_sqlite("sqlite:///tmp/y.db", &path));
    T_EQ_STR(path, "/tmp/y.db");
    T_OK(sl_target_is_sqlite("data/file.sqlite", &path));
    T_EQ_STR(path, "data/file.sqlite");
    T_OK(sl_target_is_sqlite("A.SQLITE3", &path));
    T_OK(sl_target_is_sqlite("x.db", NULL));
    T_OK(!sl_target_is_sqlite("postgresql://u@h/my.db", NULL));
    T_OK(!sl_target_is_sqlite("postgres://h/db", NULL));
    T_OK(!sl_target_is_sqlite("dbname=foo.db host=x", NULL));
    T_OK(!sl_target_is_sqlite("", NULL));
    T_OK(!sl_target_is_sqlite("x.dbx", NULL));
}

static void redact(const char *in, const char *want)
{
    char out[256];
    sl_target_redact(in, out, sizeof out);
    T_EQ_STR(out, want);
}

static void test_redact(void)
{
    redact("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db");
    redact("postgres://u:p%40ss@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require");
    redact("postgresql://u@h/db", "postgresql://u@h/db");
    redact("postgresql://h/db?user=u&password=secret&sslmode=disable",
           "postgresql://h/db?user=u&password=***&sslmode=disable");
    redact("postgresql://u:a:b@h/db", "postgresql://u:***@h/db");
    redact("host=h password=secret dbname=d", "host=h password=*** dbname=d");
    redact("host=h password = 'se cr\\'et' dbname=d", "host=h password = *** dbname=d");
    redact("password=x", "password=***");
    redact("", "");
    redact("sqlite:x.db", "sqlite:x.db");
    char small[8];
    sl_target_redact("postgresql://u:pw@h/db", small, sizeof small);
    T_EQ_STR(small, "postgre");
}

static void test_quote(void)
{
    char out[64];
    T_EQ_INT(sl_sink_quote_ident("name", out, sizeof out), 0);
    T_EQ_STR(out, "\"name\"");
    T_EQ_INT(sl_sink_quote_ident("we\"ird", out, sizeof out), 0);
    T_EQ_STR(out, "\"we\"\"ird\"");
    T_EQ_INT(sl_sink_quote_ident("Mixed Case", out, sizeof out), 0);
    T_EQ_STR(out, "\"Mixed Case\"");
    T_EQ_INT(sl_sink_quote_ident("abcdef", out, 9), 0);
    T_EQ_STR(out, "\"abcdef\"");
    T_EQ_INT(sl_sink_quote_ident("abcdefg", out, 9), SL_ELIMIT);
    T_EQ_INT(sl_sink_quote_table("public.t", out, sizeof out), 0);
    T_EQ_STR(out, "\"public\".\"t\"");
    T_EQ_INT(sl_sink_quote_table("t", out, sizeof out), 0);
    T_EQ_STR(out, "\"t\"");
}

static void test_open_bad(void)
{
    struct sl_sink *s = (struct sl_sink *)1;
    struct sl_error err = {0};
    T_EQ_INT(sl_sink_open(&s, "sqlite:", &err), SL_EINVAL);
    T_OK(s == NULL);
    sl_err_clear(&err);
    T_EQ_INT(sl_sink_open(&s, "sqlite:/nonexistent-dir/x/y.db", &err), SL_EDBCONN);
    T_OK(strstr(err.msg, "/nonexistent-dir/x/y.db") != NULL);
    /* nothing listens on port 1 */
    sl_err_clear(&err);
    T_EQ_INT(sl_sink_open(&s, "postgresql://nouser:secret@127.0.0.1:1/x", &err), SL_EDBCONN);
    T_OK(strstr(err.msg, "secret") == NULL);
    T_OK(strstr(err.msg, "nouser:***@127.0.0.1:1") != NULL);
}

int main(void)
{
    T_RUN(test_is_sqlite);
    T_RUN(test_redact);
    T_RUN(test_quote);
    T_RUN(test_open_bad);
    return 0;
}
