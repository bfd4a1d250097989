/* xml.h - expat over one zip entry: namespace-aware, local names only,
 * fed in chunks straight from the inflating stream, with a depth limit, no
 * DTDs, and suspension so a caller can take one record (a row) at a time.
 *
 * Handlers get the local name (the part after any namespace) and expat's
 * attribute array, whose names are local too for unprefixed attributes and
 * "URI\x01local" for namespaced ones (see sl_xml_local). Character data is
 * delivered only while a collect buffer is set (sl_xml_collect), appended
 * into it; a handler may stop the parse with an error (sl_xml_fail) or
 * suspend it (sl_xml_suspend) to hand a record to the caller. */
#ifndef SL_READ_XML_H
#define SL_READ_XML_H

#include "base/err.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"

struct sl_zip;
struct sl_xml;

#define SL_XML_NSSEP '\x01'

/* end gets no name: no handler needs it (depth says which element ends),
 * and finding the local part of every end tag costs time on big sheets.
 *
 * whole (optional, with the scanner only): while the open elements are d
 * deep for a d of whole_depths (bit d set), before each event, it may take
 * whole elements (one or more siblings in a row) of a shape it knows (at
 * most 4 levels, no line end) straight from the unscanned bytes p[0..n),
 * doing what start, text and end would have done, and return how many
 * bytes it took; 0 leaves them to the parser. It may ask to suspend
 * (sl_xml_suspend) as end would. It must take only what the scanner would
 * find well-formed and give the same result: fuzz/fuzz_scan.c compares it
 * with expat. */
struct sl_xml_handler {
    void (*start)(void *ud, const char *name, const char **atts, int depth);
    void (*end)(void *ud, int depth);
    size_t (*whole)(void *ud, char *p, size_t n, int depth);
    unsigned whole_depths;
};

/* Opens zip entry idx for parsing. depth limit from lim->max_depth; a
 * collected text run may not pass lim->max_cell_bytes. */
int sl_xml_open(struct sl_xml **out, struct sl_zip *z, long idx, const struct sl_xml_handler *h,
                void *ud, const struct sheetload_limits *lim, struct sl_error *err);
/* The same with the pull scanner (scan.h) in place of expat: for the
 * worksheet and shared strings. */
int sl_xml_open_fast(struct sl_xml **out, struct sl_zip *z, long idx,
                     const struct sl_xml_handler *h, void *ud, const struct sheetload_limits *lim,
                     struct sl_error *err);
/* The same over len bytes in memory (borrowed until close), given in
 * pieces of step bytes (0 = all at once); name is the part's name for
 * messages (borrowed); fast: the scanner, else expat. For tests and fuzz
 * targets. */
int sl_xml_open_mem(struct sl_xml **out, const char *data, size_t len, size_t step,
                    const char *name, const struct sl_xml_handler *h, void *ud,
                    const struct sheetload_limits *lim, int fast, struct sl_error *err);
/* Parses on: 1 = suspended by a handler, 0 = the part is done, < 0 error. */
int sl_xml_run(struct sl_xml *x, struct sl_error *err);
void sl_xml_close(struct sl_xml *x);

/* From a handler: */
void sl_xml_suspend(struct sl_xml *x);
/* Collects character data into b until the next start or end tag (NULL
 * stops collecting at once): only the text before a child element counts.
 * The text since this call may not pass the cell limit. */
void sl_xml_collect(struct sl_xml *x, struct sl_buf *b);
/* Stops the parse with an error; msg is prefixed "'part' line N: ". */
void sl_xml_fail(struct sl_xml *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Whether a handler failed (sl_xml_fail), or asked to suspend
 * (sl_xml_suspend, the scanner's parse: for a whole handler). */
int sl_xml_failed(const struct sl_xml *x);
int sl_xml_suspend_asked(const struct sl_xml *x);
const char *sl_xml_part(const struct sl_xml *x);
unsigned long sl_xml_line(const struct sl_xml *x);
/* Compressed bytes consumed so far / in all (for progress). */
uint64_t sl_xml_pos(const struct sl_xml *x);
uint64_t sl_xml_size(const struct sl_xml *x);

/* The local part of an expanded name ("URI\x01local" or "local"). */
static inline const char *sl_xml_local(const char *name)
{
    const char *l = strrchr(name, SL_XML_NSSEP);
    return l ? l + 1 : name;
}
/* Whether an attribute name is in a namespace. */
static inline int sl_xml_has_ns(const char *name)
{
    return strchr(name, SL_XML_NSSEP) != NULL;
}

#endif
