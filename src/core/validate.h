/* Checks a citizen's raw answer against a step's rules and normalises it
 * (trimmed text, upper-case postcodes with one space, ISO-ready dates), and
 * words the error messages. Depends on base/ only (POSIX regex for
 * patterns). */
#ifndef HATCH_CORE_VALIDATE_H
#define HATCH_CORE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "base/msg.h"
#include "core/answer.h"
#include "core/journey.h"

#define VALIDATE_MAX_ERRORS 4
#define VALIDATE_MAX_INPUT 16384  /* bytes in one typed part */

struct field_error {
	size_t part;          /* which box: 0, or a date/address part */
	enum step_rule rule;
};

/* Checks PARTS (as typed) against STEP. On HATCH_OK *OUT holds the
 * normalised answer (unanswered for a blank optional question). On
 * HATCH_ERR_INPUT, ERRS[0..*NERRS) say what is wrong in box order and *OUT
 * is left unanswered. HATCH_ERR_NOMEM leaves *OUT unanswered. */
enum hatch_err validate_answer(const struct journey_step *step,
			       const char *const *parts, size_t nparts,
			       const struct cdate *today, struct answer *out,
			       struct field_error *errs,
			       size_t *nerrs) HATCH_MUST_CHECK;

/* The message for ERR on STEP: the journey's own for the rule, or the
 * program's default, translated by TR (NULL: English), with {min}, {max},
 * {min_length} and {max_length} filled in. Writes at most SIZE bytes into
 * OUT. TODAY resolves relative dates in the message. */
void validate_message(const struct journey_step *step,
		      const struct field_error *err, const struct cdate *today,
		      const struct msg_tr *tr, char *out, size_t size);

/* Format checks; each writes the normalised form into OUT (SIZE >= 16 for
 * postcodes, NINOs and registrations) and returns false when IN is not one. */
bool validate_postcode(const char *in, char *out, size_t size);
bool validate_nino(const char *in, char *out, size_t size);
bool validate_vehicle_reg(const char *in, char *out, size_t size);
bool validate_phone(const char *in, char *out, size_t size);
bool validate_email(const char *in, char *out, size_t size);
/* A number as typed ("1,250", " 3.5 "): digits with an optional sign, one
 * decimal point and thousands commas; no exponents, infinities or NaNs. */
bool validate_number(const char *in, double *value, char *out, size_t size);
/* An English month name or number for the date's month box. */
int validate_month(const char *in);

/* "3 November 2025", translated by TR (NULL: English). */
void validate_format_date(const struct cdate *d, const struct msg_tr *tr, char *out,
			  size_t size);

#endif
