/* Error codes and the caller-owned reason buffer. libc only. */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

enum hatch_err err_set(struct hatch_error *e, enum hatch_err code,
		       const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *err_name(enum hatch_err code)
{
	switch (code) {
	case HATCH_OK: return "success";
	case HATCH_ERR_NOMEM: return "out of memory";
	case HATCH_ERR_INPUT: return "invalid input";
	case HATCH_ERR_LIMIT: return "too large";
	case HATCH_ERR_IO: return "input/output error";
	case HATCH_ERR_NOTFOUND: return "not found";
	case HATCH_ERR_STATE: return "not allowed now";
	}
	return "unknown error";
}
