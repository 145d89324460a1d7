/* One error type for the whole program: every fallible function returns an
 * enum hatch_err (0 for success) and, where a reason helps, writes it into a
 * caller-owned struct hatch_error. Library code never prints.
 * Depends on libc only. */
#ifndef HATCH_BASE_ERR_H
#define HATCH_BASE_ERR_H

#include <stddef.h>

#define HATCH_MUST_CHECK __attribute__((warn_unused_result))
#define HATCH_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum hatch_err {
	HATCH_OK = 0,
	HATCH_ERR_NOMEM,    /* an allocation failed */
	HATCH_ERR_INPUT,    /* outside input is malformed or breaks a rule */
	HATCH_ERR_LIMIT,    /* outside input is larger than a hard cap */
	HATCH_ERR_IO,       /* a file or device operation failed */
	HATCH_ERR_NOTFOUND, /* a named thing does not exist */
	HATCH_ERR_STATE,    /* the call does not fit the object's state */
};

/* A reason for the caller to show; always NUL-terminated. */
struct hatch_error {
	char msg[512];
};

/* Writes the formatted reason into E (which may be NULL) and returns CODE,
 * so that `return err_set(e, HATCH_ERR_INPUT, "...")` reads naturally. */
enum hatch_err err_set(struct hatch_error *e, enum hatch_err code,
		       const char *fmt, ...) HATCH_PRINTF(3, 4);

/* A short English name for CODE, for logs ("out of memory"). */
const char *err_name(enum hatch_err code);

#endif
