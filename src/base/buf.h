/* A growable byte buffer with a hard cap, after curl's dynbuf: text read from
 * outside never grows without bound, and a failed add frees the buffer so
 * that a caller cannot go on with half a result. Depends on libc only. */
#ifndef HATCH_BASE_BUF_H
#define HATCH_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

struct buf {
	char *data;   /* NUL-terminated when not NULL */
	size_t len;
	size_t alloc;
	size_t max;   /* len never exceeds this */
};

/* Empty buffer that may hold at most MAX bytes. No allocation. */
void buf_init(struct buf *b, size_t max);
/* Frees the contents (wiping them) and leaves B empty and reusable. */
void buf_cleanup(struct buf *b);

/* Appends; on failure (HATCH_ERR_NOMEM, or HATCH_ERR_LIMIT past the cap) the
 * buffer is cleaned up and empty. */
enum hatch_err buf_add(struct buf *b, const void *p, size_t n) HATCH_MUST_CHECK;
enum hatch_err buf_addstr(struct buf *b, const char *s) HATCH_MUST_CHECK;
enum hatch_err buf_addf(struct buf *b, const char *fmt, ...)
	HATCH_PRINTF(2, 3) HATCH_MUST_CHECK;
enum hatch_err buf_vaddf(struct buf *b, const char *fmt, va_list ap)
	HATCH_MUST_CHECK;

/* Ownership of the string moves to the caller (never NULL for an empty
 * buffer that has not failed: "" is allocated); B is left empty. Returns NULL
 * when that allocation fails. */
char *buf_take(struct buf *b);

/* Borrowed view: "" when empty. */
const char *buf_get(const struct buf *b);

#endif
