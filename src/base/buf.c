/* Capped growable buffer. libc only. */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>

#include "base/mem.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void buf_cleanup(struct buf *b)
{
	if (b->data) {
		mem_wipe(b->data, b->alloc);
		mem_free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

enum hatch_err buf_add(struct buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len) {
		buf_cleanup(b);
		return HATCH_ERR_LIMIT;
	}
	size_t need = b->len + n + 1;
	if (need > b->alloc) {
		size_t a = b->alloc ? b->alloc : 32;
		while (a < need)
			a *= 2;
		if (a > b->max + 1)
			a = b->max + 1;
		char *d = mem_realloc(b->data, a);
		if (!d) {
			buf_cleanup(b);
			return HATCH_ERR_NOMEM;
		}
		b->data = d;
		b->alloc = a;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HATCH_OK;
}

enum hatch_err buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

enum hatch_err buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		buf_cleanup(b);
		return HATCH_ERR_INPUT;
	}
	if ((size_t)n < sizeof small)
		return buf_add(b, small, (size_t)n);
	char *big = mem_alloc((size_t)n + 1);
	if (!big) {
		buf_cleanup(b);
		return HATCH_ERR_NOMEM;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	enum hatch_err rc = buf_add(b, big, (size_t)n);
	mem_free(big);
	return rc;
}

enum hatch_err buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum hatch_err rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *buf_take(struct buf *b)
{
	if (!b->data && buf_add(b, "", 0) != HATCH_OK)
		return NULL;
	char *s = b->data;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return s;
}

const char *buf_get(const struct buf *b)
{
	return b->data ? b->data : "";
}
