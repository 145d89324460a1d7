/* Answers and calendar arithmetic. Depends on base/ only. */
#include "core/answer.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void answer_clear(struct answer *a)
{
	for (size_t i = 0; i < a->nparts; i++)
		mem_free_wiped(a->parts[i]);
	mem_free(a->parts);
	a->parts = NULL;
	a->nparts = 0;
}

enum hatch_err answer_set(struct answer *a, const char *const *parts,
			  size_t nparts)
{
	answer_clear(a);
	if (nparts == 0)
		return HATCH_OK;
	char **v = mem_calloc(nparts, sizeof *v);
	if (!v)
		return HATCH_ERR_NOMEM;
	for (size_t i = 0; i < nparts; i++) {
		v[i] = mem_strdup(parts[i] ? parts[i] : "");
		if (!v[i]) {
			for (size_t k = 0; k < i; k++)
				mem_free_wiped(v[k]);
			mem_free(v);
			return HATCH_ERR_NOMEM;
		}
	}
	a->parts = v;
	a->nparts = nparts;
	return HATCH_OK;
}

bool answer_given(const struct answer *a)
{
	return a && a->nparts > 0;
}

const char *answer_value(const struct answer *a)
{
	return answer_given(a) ? a->parts[0] : NULL;
}

bool answer_has(const struct answer *a, const char *value)
{
	if (!a)
		return false;
	for (size_t i = 0; i < a->nparts; i++)
		if (strcmp(a->parts[i], value) == 0)
			return true;
	return false;
}

/* Howard Hinnant's days_from_civil: exact for every Gregorian date. */
long cdate_days(const struct cdate *d)
{
	long y = d->year - (d->month <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long mp = (d->month + 9) % 12;
	long doy = (153 * mp + 2) / 5 + d->day - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int year, int month)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return dim[month - 1];
}

bool cdate_valid(int year, int month, int day)
{
	return year >= 1 && year <= 9999 && month >= 1 && month <= 12 &&
	       day >= 1 && day <= days_in_month(year, month);
}

struct cdate cdate_from_days(long z)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	return (struct cdate){(int)(y + (m <= 2)), (int)m, (int)d};
}

struct cdate date_value_resolve(const struct date_value *v,
				const struct cdate *today)
{
	if (!v->relative)
		return (struct cdate){v->years, v->months, v->days};
	/* Years and months move the calendar month and clamp the day (29
	 * February less a year is 28 February); days are then added. */
	long months = (long)today->year * 12 + (today->month - 1) +
		      (long)v->years * 12 + v->months;
	struct cdate r;
	r.year = (int)(months / 12);
	r.month = (int)(months % 12) + 1;
	r.day = today->day;
	if (r.year < 1)
		r = (struct cdate){1, 1, 1};
	if (r.year > 9999)
		r = (struct cdate){9999, 12, 31};
	int dim = days_in_month(r.year, r.month);
	if (r.day > dim)
		r.day = dim;
	return cdate_from_days(cdate_days(&r) + v->days);
}

static bool parse_int(const char *s, int *out)
{
	if (!*s || strlen(s) > 9)
		return false;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = (int)v;
	return true;
}

bool answer_date(const struct answer *a, struct cdate *out)
{
	if (!a || a->nparts != DATE_PARTS)
		return false;
	struct cdate d;
	if (!parse_int(a->parts[DATE_DAY], &d.day) ||
	    !parse_int(a->parts[DATE_MONTH], &d.month) ||
	    !parse_int(a->parts[DATE_YEAR], &d.year) ||
	    !cdate_valid(d.year, d.month, d.day))
		return false;
	*out = d;
	return true;
}

bool answer_number(const struct answer *a, double *out)
{
	const char *v = answer_value(a);
	if (!v || !*v)
		return false;
	char *end;
	double d = strtod(v, &end);
	if (*end)
		return false;
	*out = d;
	return true;
}
