/* csv.h - the streaming CSV reader behind reader.h.
 *
 * RFC 4180 with the usual liberties: records end with LF, CRLF or a lone
 * CR; a field may be quoted with '"' (a doubled quote is one quote, and a
 * quoted field may hold delimiters and line ends); a quote inside an
 * unquoted field is an ordinary character. The delimiter is given or
 * detected from the first record (the most frequent of ',' ';' TAB outside
 * quotes; ',' when none). Text is UTF-8, or decoded with iconv: a byte
 * order mark decides (UTF-8, UTF-16LE/BE, UTF-32LE/BE; it is skipped), else
 * opts->encoding; every field must then be valid UTF-8, and an invalid one
 * is reported with how the row reads in Windows-1252 and the option to add. Row numbers count
 * records from 1 (the header is row 1), so a record holding a quoted line break is still one row.
 *
 * Memory: one input window and one row (its fields' text in one buffer, no
 * allocation per field). A field longer than limits.max_cell_bytes, a row
 * longer than 4 times that, or more than limits.max_fields fields is
 * SL_ELIMIT. */
#ifndef SL_READ_CSV_H
#define SL_READ_CSV_H

#include "base/err.h"
#include <stdio.h>

#include "read/reader.h"

#define SL_CSV_DEFAULT_MAX_FIELDS 16384

struct sl_csv;

/* Reads from fd (owned: closed by sl_csv_close; -1 = no file, the prefix is
 * the whole input). prefix/prefix_len are bytes already read from fd by the
 * caller (for format detection), to be parsed first (copied). total = file
 * size or 0 when unknown. */
int sl_csv_open(struct sl_csv **out, int fd, const void *prefix, size_t prefix_len, uint64_t total,
                const struct sl_reader_opts *opts, struct sl_error *err);
/* 1 = a row in *row (borrowed until the next call); 0 = end; < 0 = error
 * with err->row and err->col set. After an error the reader is finished. */
int sl_csv_next(struct sl_csv *c, struct sl_row *row, struct sl_error *err);
void sl_csv_close(struct sl_csv *c);
uint64_t sl_csv_bytes_read(const struct sl_csv *c);
uint64_t sl_csv_bytes_total(const struct sl_csv *c);
/* The encoding read: "UTF-8", "UTF-16LE", "CP1252", ... (borrowed). */
const char *sl_csv_encoding(const struct sl_csv *c);
/* The delimiter in use (given or detected). */
char sl_csv_delimiter(const struct sl_csv *c);

#endif
