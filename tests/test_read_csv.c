/* test_read_csv.c - the CSV reader beyond the data-driven corpus: fields
 * larger than the input window, many rows, progress counters, the detected
 * delimiter, a closed file descriptor, and every allocation failing in turn. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "read/csv.h"
#include "test.h"

static int open_mem(struct sl_csv **c, const char *s, size_t n, char delim, struct sl_error *err)
{
    struct sl_reader_opts o = {0};
    o.delimiter = delim;
    return sl_csv_open(c, -1, s, n, n, &o, err);
}

/* A temp file holding data; returns an fd positioned at 0. */
static int tmpfile_with(const char *data, size_t n)
{
    char path[] = "/tmp/sl-csv-test.XXXXXX";
    int fd = mkstemp(path);
    T_OK(fd >= 0);
    unlink(path);
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        T_OK(w > 0);
        off += (size_t)w;
    }
    T_OK(lseek(fd, 0, SEEK_SET) == 0);
    return fd;
}

static void test_big_quoted_field(void)
{
    /* 1 MiB field of "ab""" repeated, crossing many 256 KiB windows. */
    struct sl_buf in;
    sl_buf_init(&in, 0);
    sl_buf_addstr(&in, "h1,h2\nx,\"");
    size_t reps = 1 << 18;
    for (size_t i = 0; i < reps; i++)
        sl_buf_addstr(&in, "ab\"\"\n");
    sl_buf_addstr(&in, "\",end\r\nlast,row");
    T_OK(!in.err);
    int fd = tmpfile_with(in.data, in.len);
    struct sl_csv *c;
    struct sl_error err = {0};
    T_EQ_INT(sl_csv_open(&c, fd, NULL, 0, in.len, NULL, &err), 0);
    struct sl_row r;
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_INT(r.num, 1);
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_INT(r.num, 2);
    T_EQ_INT(r.ncells, 3);
    T_EQ_INT(r.cells[1].len, reps * 4);
    for (size_t i = 0; i < reps; i++)
        T_OK(!memcmp(r.cells[1].text + i * 4, "ab\"\n", 4));
    T_EQ_STR(r.cells[2].text, "end");
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_INT(r.num, 3); /* records, not lines */
    T_EQ_STR(r.cells[1].text, "row");
    T_EQ_INT(sl_csv_next(c, &r, &err), 0);
    T_EQ_INT(sl_csv_bytes_read(c), in.len);
    T_EQ_INT(sl_csv_bytes_total(c), in.len);
    sl_csv_close(c);
    sl_buf_release(&in);
}

static void test_many_rows(void)
{
    struct sl_buf in;
    sl_buf_init(&in, 0);
    sl_buf_addstr(&in, "id;name;note\n");
    for (int i = 1; i <= 200000; i++)
        sl_buf_addf(&in, "%d;name %d;%s\n", i, i, i % 7 ? "plain" : "\"semi;colon\"");
    int fd = tmpfile_with(in.data, in.len);
    struct sl_csv *c;
    struct sl_error err = {0};
    T_EQ_INT(sl_csv_open(&c, fd, NULL, 0, in.len, NULL, &err), 0);
    T_EQ_INT(sl_csv_delimiter(c), ';');
    struct sl_row r;
    long long n = 0;
    uint64_t last = 0;
    int rc;
    while ((rc = sl_csv_next(c, &r, &err)) == 1) {
        n++;
        T_EQ_INT(r.num, n);
        T_EQ_INT(r.ncells, 3);
        uint64_t b = sl_csv_bytes_read(c);
        T_OK(b >= last);
        last = b;
        if (n > 1) {
            T_EQ_INT(strtol(r.cells[0].text, NULL, 10), n - 1);
            T_EQ_STR(r.cells[2].text, (n - 1) % 7 ? "plain" : "semi;colon");
        }
    }
    T_EQ_INT(rc, 0);
    T_EQ_INT(n, 200001);
    T_EQ_INT(last, in.len);
    sl_csv_close(c);
    sl_buf_release(&in);
}

static void test_prefix_then_fd(void)
{
    /* The caller read "a,b\n1," for detection; the rest comes from the fd. */
    const char *rest = "2\n3,4\n";
    int fd = tmpfile_with(rest, strlen(rest));
    struct sl_csv *c;
    struct sl_error err = {0};
    T_EQ_INT(sl_csv_open(&c, fd, "a,b\n1,", 6, 12, NULL, &err), 0);
    struct sl_row r;
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_STR(r.cells[0].text, "1");
    T_EQ_STR(r.cells[1].text, "2");
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_STR(r.cells[1].text, "4");
    T_EQ_INT(sl_csv_next(c, &r, &err), 0);
    sl_csv_close(c);
}

static void test_big_prefix_then_fd(void)
{
    /* A prefix larger than the window still leaves the fd to be read. */
    struct sl_buf pre;
    sl_buf_init(&pre, 0);
    for (int i = 0; i < 100000; i++)
        sl_buf_addstr(&pre, "x,y\n");
    const char *rest = "last,row\n";
    int fd = tmpfile_with(rest, strlen(rest));
    struct sl_csv *c;
    struct sl_error err = {0};
    T_EQ_INT(sl_csv_open(&c, fd, pre.data, pre.len, 0, NULL, &err), 0);
    struct sl_row r;
    long long n = 0;
    while (sl_csv_next(c, &r, &err) == 1)
        n++;
    T_EQ_INT(err.code, 0);
    T_EQ_INT(n, 100001);
    T_EQ_STR(r.cells[0].text, "last");
    sl_csv_close(c);
    sl_buf_release(&pre);
}

static void test_read_error(void)
{
    /* A directory cannot be read(): EISDIR, reported as SL_EIO. */
    int fd = open("/", O_RDONLY);
    T_OK(fd >= 0);
    struct sl_csv *c = NULL;
    struct sl_error err = {0};
    int rc = sl_csv_open(&c, fd, NULL, 0, 0, NULL, &err);
    T_EQ_INT(rc, SL_EIO);
    T_OK(c == NULL);
    T_OK(strstr(err.msg, "cannot read") != NULL);
}

static void test_bad_delimiter(void)
{
    struct sl_csv *c = NULL;
    struct sl_error err = {0};
    T_EQ_INT(open_mem(&c, "a\n", 2, '"', &err), SL_EINVAL);
    T_OK(c == NULL);
}

static void test_default_field_limit(void)
{
    /* 16384 fields pass, 16385 do not. */
    struct sl_buf in;
    sl_buf_init(&in, 0);
    for (int i = 0; i < 16384; i++)
        sl_buf_addstr(&in, i ? ",x" : "x");
    sl_buf_addstr(&in, "\n");
    for (int i = 0; i < 16385; i++)
        sl_buf_addstr(&in, i ? ",x" : "x");
    struct sl_csv *c;
    struct sl_error err = {0};
    T_EQ_INT(open_mem(&c, in.data, in.len, 0, &err), 0);
    struct sl_row r;
    T_EQ_INT(sl_csv_next(c, &r, &err), 1);
    T_EQ_INT(r.ncells, 16384);
    T_EQ_INT(sl_csv_next(c, &r, &err), SL_ELIMIT);
    T_EQ_INT(err.row, 2);
    T_EQ_INT(err.col, 16385);
    sl_csv_close(c);
    sl_buf_release(&in);
}

/* Every allocation fails in turn: the reader reports SL_ENOMEM (or, past the
 * last allocation, succeeds with the right rows) and leaks nothing (ASan). */
static void test_alloc_failures(void)
{
    const char *in = "name,city\n\"Zoë, Ltd\",Oslo\nx,\"multi\nline\"\n";
    int done = 0;
    for (long n = 0; n < 1000 && !done; n++) {
        struct sl_csv *c = NULL;
        struct sl_error err = {0};
        struct sl_row r;
        int rows = 0, rc;
        sl_alloc_fail_after(n);
        rc = open_mem(&c, in, strlen(in), 0, &err);
        if (rc == 0) {
            while ((rc = sl_csv_next(c, &r, &err)) == 1)
                rows++;
            sl_csv_close(c);
        }
        long failures = sl_alloc_failures();
        sl_alloc_fail_after(-1);
        if (failures == 0) {
            T_EQ_INT(rc, 0);
            T_EQ_INT(rows, 3);
            done = 1;
        } else {
            T_EQ_INT(rc, SL_ENOMEM);
            T_EQ_INT(err.code, SL_ENOMEM);
        }
    }
    T_OK(done);
}

int main(void)
{
    T_RUN(test_big_quoted_field);
    T_RUN(test_many_rows);
    T_RUN(test_prefix_then_fd);
    T_RUN(test_big_prefix_then_fd);
    T_RUN(test_read_error);
    T_RUN(test_bad_delimiter);
    T_RUN(test_default_field_limit);
    T_RUN(test_alloc_failures);
    return 0;
}
