/* csv.h - the streaming CSV reader behind reader.h. */
#ifndef SL_READ_CSV_H
#define SL_READ_CSV_H

#include <stdio.h>

#include "read/reader.h"

struct sl_csv;

/* Reads from fd (owned: closed by sl_csv_close). prefix/prefix_len are bytes
 * already read from fd by the caller (for format detection), to be parsed
 * first. total = file size or 0 when unknown. */
int sl_csv_open(struct sl_csv **out, int fd, const void *prefix, size_t prefix_len,
                uint64_t total, const struct sl_reader_opts *opts, struct sl_error *err);
int sl_csv_next(struct sl_csv *c, struct sl_row *row, struct sl_error *err);
void sl_csv_close(struct sl_csv *c);
uint64_t sl_csv_bytes_read(const struct sl_csv *c);
/* The delimiter in use (given or detected). */
char sl_csv_delimiter(const struct sl_csv *c);

#endif
