/* zip.h - the .xlsx container: open an archive, find a part, stream one
 * part's inflated bytes, with limits against zip bombs.
 *
 * One struct sl_zip per open archive, used by one thread at a time (a twin
 * lets a second thread read the same file). Entry
 * names returned are borrowed from the archive (valid until sl_zip_close).
 * Errors name the part in quotes ("'xl/worksheets/sheet1.xml': ..."). */
#ifndef SL_READ_ZIP_H
#define SL_READ_ZIP_H

#include "base/err.h"
#include <stddef.h>
#include <stdint.h>

struct sl_zip;
struct sl_zip_stream;

/* Opens the archive at path. lim: filled limits (sl_limits_defaults).
 * Errors about the archive as a whole do not name it: the caller puts the
 * name the user knows (not a spool file's) in err->file. */
int sl_zip_open(struct sl_zip **out, const char *path, const struct sheetload_limits *lim,
                struct sl_error *err);
void sl_zip_close(struct sl_zip *z);
/* Opens path (the file z was opened from) again as a twin of z: its own
 * handle, usable by another thread while z is in use, counting inflated
 * bytes into z's total for the limits; it never inflates ahead. z must
 * outlive it. */
int sl_zip_open_twin(struct sl_zip **out, struct sl_zip *z, const char *path, struct sl_error *err);
/* The entry's inflated size as the central directory declares it (0 if
 * unknown; headers can lie). */
uint64_t sl_zip_entry_size(struct sl_zip *z, long idx);
/* The entry named name (a leading '/' ignored): an exact match, else one
 * that ignores ASCII case, else one that also reads '\\' as '/' (some
 * producers write 'xl\\workbook.xml'); -1 when there is none. */
long sl_zip_find(struct sl_zip *z, const char *name);
/* The archive's entry names for a message ("'a', 'b', ..."), cut to fit
 * cap; returns the number of entries. */
size_t sl_zip_list(struct sl_zip *z, char *out, size_t cap);
/* The entry's name as stored (borrowed). */
const char *sl_zip_name(struct sl_zip *z, long idx);

/* Opens entry idx for reading. Refuses it up front when the central
 * directory already says it passes a limit. */
int sl_zip_stream_open(struct sl_zip_stream **out, struct sl_zip *z, long idx,
                       struct sl_error *err);
/* The next chunk of inflated bytes without a copy: > 0 its length, *data
 * pointing at it (borrowed until the next call or close), 0 at the end,
 * < 0 error. A part declared larger than a few MiB is inflated ahead by a
 * thread of its own (see zip.c): nothing else may use the archive while
 * such a stream is open. Limits are enforced on the bytes actually
 * inflated, since headers can lie; the CRC is checked at the end. */
long sl_zip_stream_chunk(struct sl_zip_stream *s, const char **data, struct sl_error *err);
void sl_zip_stream_close(struct sl_zip_stream *s);
/* The part's name (borrowed). */
const char *sl_zip_stream_name(const struct sl_zip_stream *s);
/* Compressed bytes of the entry consumed so far (estimated from the share
 * inflated) and in all. */
uint64_t sl_zip_stream_pos(const struct sl_zip_stream *s);
uint64_t sl_zip_stream_size(const struct sl_zip_stream *s);

#endif
