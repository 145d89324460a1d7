/* A citizen's answer to one step: a list of strings whose meaning depends
 * on the step's kind (one for most kinds; day, month, year for a date; line
 * 1, line 2, town, postcode, then UPRN, latitude and longitude for an
 * address; the chosen values for a multiple choice). No parts means not
 * answered. Depends on base/ only. */
#ifndef HATCH_CORE_ANSWER_H
#define HATCH_CORE_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/journey.h"

#define ANSWER_MAX_PARTS JOURNEY_MAX_OPTIONS

enum { DATE_DAY, DATE_MONTH, DATE_YEAR, DATE_PARTS };
/* An address: the four lines a person types (ADDR_LINES of them), then
 * what the gazetteer knows of an address chosen from it: its UPRN and WGS84
 * latitude and longitude as decimal text, all "" for an address typed in.
 * An address answer may be given as its ADDR_LINES lines or as all
 * ADDR_PARTS; it is kept as ADDR_PARTS. */
enum {
	ADDR_LINE1,
	ADDR_LINE2,
	ADDR_TOWN,
	ADDR_POSTCODE,
	ADDR_LINES,
	ADDR_UPRN = ADDR_LINES,
	ADDR_LAT,
	ADDR_LON,
	ADDR_PARTS
};

struct answer {
	char **parts;
	size_t nparts;
};

/* Replaces A's contents with copies of PARTS (A's old parts are wiped). On
 * HATCH_ERR_NOMEM A is left empty. */
enum hatch_err answer_set(struct answer *a, const char *const *parts,
			  size_t nparts) HATCH_MUST_CHECK;
/* Wipes and frees every part; A is left unanswered. */
void answer_clear(struct answer *a);
bool answer_given(const struct answer *a);
/* The single value of one-part kinds, or NULL. */
const char *answer_value(const struct answer *a);
bool answer_has(const struct answer *a, const char *value);

/* Days since 1970-01-01 in the proleptic Gregorian calendar. */
long cdate_days(const struct cdate *d);
bool cdate_valid(int year, int month, int day);
/* The inverse of cdate_days(). */
struct cdate cdate_from_days(long days);
/* Resolves a journey date against TODAY. */
struct cdate date_value_resolve(const struct date_value *v,
				const struct cdate *today);
/* A date answer as a cdate (false if it is not one). */
bool answer_date(const struct answer *a, struct cdate *out);
/* A number answer as a double (false if it is not one). */
bool answer_number(const struct answer *a, double *out);

#endif
