/* utf8.h - text from outside made safe to show: valid UTF-8, bounded, cut
 * on a character boundary. */
#ifndef SL_BASE_UTF8_H
#define SL_BASE_UTF8_H

#include <stddef.h>

/* Flags for sl_utf8_clean. */
#define SL_UTF8_NOCTRL 1 /* C0 controls and DEL become '_' */

/* Copies the n bytes of src into dst (capacity cap > 0, always
 * NUL-terminated) as valid UTF-8: each byte that does not begin a valid
 * sequence (overlong, surrogate, past U+10FFFF, truncated) becomes U+FFFD,
 * a NUL byte too. Stops before a character that would not fit whole.
 * Returns the length written. */
size_t sl_utf8_clean(char *dst, size_t cap, const char *src, size_t n, int flags);

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if none begins there. */
size_t sl_utf8_seq(const unsigned char *s, size_t n);

#endif
