/* test_read_csv_corpus.c - walks tests/corpus/csv/<case>/: input.csv with an
 * optional args file (delimiter=C, max_cell_bytes=N, max_fields=N, encoding=NAME) must give
 * expected.csv (each row written back as CSV: fields joined by ',', quoted
 * only for , " CR LF, LF after each row, no padding) or the one-line error
 * in expected.err. Each case is read three ways: from the file, from a pipe
 * fed one byte per write (every window boundary), and from memory. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "read/csv.h"
#include "test.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sl_buf b;
    sl_buf_init(&b, 0);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        sl_buf_add(&b, tmp, n);
    fclose(f);
    sl_buf_addstr(&b, ""); /* a buffer even for an empty file */
    return sl_buf_detach(&b, len);
}

static void put_field(struct sl_buf *o, const char *s, size_t n)
{
    int q = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            q = 1;
    if (!q) {
        sl_buf_add(o, s, n);
        return;
    }
    sl_buf_addch(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            sl_buf_addch(o, '"');
        sl_buf_addch(o, s[i]);
    }
    sl_buf_addch(o, '"');
}

struct feed {
    int fd;
    const char *data;
    size_t len;
};

static void *feeder(void *arg)
{
    struct feed *f = arg;
    for (size_t i = 0; i < f->len; i++)
        if (write(f->fd, f->data + i, 1) != 1)
            break;
    close(f->fd);
    return NULL;
}

enum { VIA_FILE, VIA_PIPE, VIA_MEMORY };

/* Reads the case; fills out (rows as CSV) and msg (the error, or ""). */
static void run(const char *dir, int via, const struct sl_reader_opts *opts, const char *input,
                size_t input_len, struct sl_buf *out, char *msg, size_t msgcap)
{
    char path[2300];
    struct sl_error err = {0};
    struct sl_csv *c = NULL;
    pthread_t th;
    struct feed feed = {-1, input, input_len};
    int fd = -1, rc;
    msg[0] = '\0';
    sl_buf_reset(out);
    if (via == VIA_FILE) {
        snprintf(path, sizeof path, "%s/input.csv", dir);
        fd = open(path, O_RDONLY);
        T_OK(fd >= 0);
    } else if (via == VIA_PIPE) {
        int p[2];
        T_OK(pipe(p) == 0);
        fd = p[0];
        feed.fd = p[1];
        T_OK(pthread_create(&th, NULL, feeder, &feed) == 0);
    }
    if (via == VIA_MEMORY)
        rc = sl_csv_open(&c, -1, input, input_len, input_len, opts, &err);
    else
        rc = sl_csv_open(&c, fd, NULL, 0, 0, opts, &err);
    if (rc == 0) {
        struct sl_row row;
        while ((rc = sl_csv_next(c, &row, &err)) == 1) {
            for (size_t i = 0; i < row.ncells; i++) {
                if (i)
                    sl_buf_addch(out, ',');
                T_OK(row.cells[i].text[row.cells[i].len] == '\0');
                T_OK((row.cells[i].len == 0) == (row.cells[i].kind == SL_CELL_EMPTY));
                put_field(out, row.cells[i].text, row.cells[i].len);
            }
            sl_buf_addch(out, '\n');
        }
        if (via == VIA_MEMORY && rc == 0)
            T_EQ_INT(sl_csv_bytes_read(c), input_len);
        /* After the end (or an error) the reader stays at the end. */
        T_EQ_INT(sl_csv_next(c, &row, NULL), 0);
    }
    if (rc < 0)
        sl_err_format(&err, msg, msgcap);
    sl_csv_close(c); /* closes the pipe's read end: the feeder stops */
    if (via == VIA_PIPE)
        pthread_join(th, NULL);
}

static void read_args(const char *dir, struct sl_reader_opts *opts)
{
    char path[2300], line[256];
    snprintf(path, sizeof path, "%s/args", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "delimiter=", 10))
            opts->delimiter = line[10] == '\\' && line[11] == 't' ? '\t' : line[10];
        else if (!strncmp(line, "max_cell_bytes=", 15))
            opts->limits.max_cell_bytes = strtoull(line + 15, NULL, 10);
        else if (!strncmp(line, "max_fields=", 11))
            opts->limits.max_fields = (uint32_t)strtoul(line + 11, NULL, 10);
        else if (!strncmp(line, "encoding=", 9)) {
            static char enc[256]; /* one case at a time */
            snprintf(enc, sizeof enc, "%s", line + 9);
            opts->encoding = enc;
        } else
            T_FAIL("%s: unknown args line '%s'", dir, line);
    }
    fclose(f);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    /* The reader may stop before the feeder is done: let write() fail. */
    signal(SIGPIPE, SIG_IGN);
    const char *src = getenv("SL_SRC");
    char root[1024], dir[2048], path[2300];
    snprintf(root, sizeof root, "%s/tests/corpus/csv", src ? src : ".");
    DIR *d = opendir(root);
    if (!d)
        T_FAIL("cannot open %s (set SL_SRC)", root);
    char *names[512];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 512)
        if (e->d_name[0] != '.')
            names[nn++] = strdup(e->d_name);
    closedir(d);
    qsort(names, nn, sizeof names[0], cmp_names);

    struct sl_buf out;
    sl_buf_init(&out, 0);
    int failed = 0, passed = 0;
    for (size_t i = 0; i < nn; i++) {
        snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
        struct sl_reader_opts opts = {0};
        read_args(dir, &opts);
        size_t in_len, exp_len = 0, err_len = 0;
        snprintf(path, sizeof path, "%s/input.csv", dir);
        char *input = slurp(path, &in_len);
        snprintf(path, sizeof path, "%s/expected.csv", dir);
        char *exp = slurp(path, &exp_len);
        snprintf(path, sizeof path, "%s/expected.err", dir);
        char *experr = slurp(path, &err_len);
        if (!input || (!exp && !experr))
            T_FAIL("%s: needs input.csv and expected.csv or expected.err", names[i]);
        if (experr)
            experr[strcspn(experr, "\n")] = '\0';
        static const char *const vias[] = {"file", "pipe", "memory"};
        for (int via = VIA_FILE; via <= VIA_MEMORY; via++) {
            char msg[1200];
            run(dir, via, &opts, input, in_len, &out, msg, sizeof msg);
            int ok = 1;
            if (experr && strcmp(msg, experr)) {
                fprintf(stderr, "%s (%s): error\n  got:  '%s'\n  want: '%s'\n", names[i], vias[via],
                        msg, experr);
                ok = 0;
            }
            if (!experr && msg[0]) {
                fprintf(stderr, "%s (%s): unexpected error '%s'\n", names[i], vias[via], msg);
                ok = 0;
            }
            if (exp && (out.len != exp_len || memcmp(out.data ? out.data : "", exp, exp_len))) {
                fprintf(stderr, "%s (%s): output\n  got:  '%.*s'\n  want: '%s'\n", names[i],
                        vias[via], (int)out.len, out.data ? out.data : "", exp);
                ok = 0;
            }
            if (ok)
                passed++;
            else
                failed++;
        }
        free(input);
        free(exp);
        free(experr);
        free(names[i]);
    }
    sl_buf_release(&out);
    fprintf(stderr, "csv corpus: %d passed, %d failed (%zu cases, 3 ways each)\n", passed, failed,
            nn);
    return failed ? 1 : 0;
}
