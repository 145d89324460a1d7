/* Condition evaluation and the path rules shared by sessions and the
 * journey checker. Depends on base/ only. */
#include "core/cond.h"

#include <string.h>

#include "base/mem.h"

static int compare(const struct journey_step *s, const struct cond *c,
		   const struct answer *a, const struct cdate *today, bool *ok)
{
	*ok = false;
	if (s->kind == STEP_DATE) {
		struct cdate d;
		if (!answer_date(a, &d))
			return 0;
		struct cdate lim = date_value_resolve(&c->date, today);
		long x = cdate_days(&d), y = cdate_days(&lim);
		*ok = true;
		return (x > y) - (x < y);
	}
	double v;
	if (!answer_number(a, &v))
		return 0;
	*ok = true;
	return (v > c->number) - (v < c->number);
}

bool cond_eval(const struct journey *j, const struct cond *c,
	       cond_lookup_fn lookup, void *user, const struct cdate *today)
{
	const struct answer *a = NULL;
	bool ok;
	int cmp;
	if (c->op <= COND_GE)
		a = lookup(user, c->step);
	switch (c->op) {
	case COND_EQUALS:
		return answer_given(a) && a->nparts == 1 &&
		       strcmp(a->parts[0], c->values[0]) == 0;
	case COND_ONE_OF:
		for (size_t i = 0; i < c->nvalues; i++)
			if (answer_given(a) && answer_has(a, c->values[i]))
				return true;
		return false;
	case COND_INCLUDES:
		return answer_given(a) && answer_has(a, c->values[0]);
	case COND_ANSWERED:
		return answer_given(a) == c->answered;
	case COND_LT:
	case COND_LE:
	case COND_GT:
	case COND_GE:
		if (!answer_given(a))
			return false;
		cmp = compare(&j->steps[c->step], c, a, today, &ok);
		if (!ok)
			return false;
		return c->op == COND_LT   ? cmp < 0
		       : c->op == COND_LE ? cmp <= 0
		       : c->op == COND_GT ? cmp > 0
					  : cmp >= 0;
	case COND_ALL:
		for (size_t i = 0; i < c->nsub; i++)
			if (!cond_eval(j, &c->sub[i], lookup, user, today))
				return false;
		return true;
	case COND_ANY:
		for (size_t i = 0; i < c->nsub; i++)
			if (cond_eval(j, &c->sub[i], lookup, user, today))
				return true;
		return false;
	case COND_NOT:
		return !cond_eval(j, &c->sub[0], lookup, user, today);
	}
	return false;
}

const char *cond_route(const struct journey *j, cond_lookup_fn lookup,
		       void *user, const struct cdate *today)
{
	for (size_t i = 0; i < j->nroutes; i++) {
		const struct journey_route *r = &j->routes[i];
		if (!r->when || cond_eval(j, r->when, lookup, user, today))
			return r->destination;
	}
	return NULL;
}

size_t cond_shown_from(const struct journey *j, size_t i, cond_lookup_fn lookup,
		       void *user, const struct cdate *today)
{
	while (i < j->nsteps && j->steps[i].show_when &&
	       !cond_eval(j, j->steps[i].show_when, lookup, user, today))
		i++;
	return i;
}

size_t cond_next_step(const struct journey *j, size_t i, cond_lookup_fn lookup,
		      void *user, const struct cdate *today)
{
	const struct journey_step *s = &j->steps[i];
	size_t to = i + 1;
	for (size_t k = 0; k < s->nnext; k++)
		if (cond_eval(j, s->next[k].when, lookup, user, today)) {
			to = s->next[k].target;
			break;
		}
	return cond_shown_from(j, to, lookup, user, today);
}

void cond_cleanup(struct cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nvalues; i++)
		mem_free(c->values[i]);
	mem_free(c->values);
	for (size_t i = 0; i < c->nsub; i++)
		cond_cleanup(&c->sub[i]);
	mem_free(c->sub);
	c->values = NULL;
	c->sub = NULL;
	c->nvalues = c->nsub = 0;
}
