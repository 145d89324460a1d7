/* Conditions over a session's answers ("show this step when", "go to that
 * step when", routes). Depends on base/ only. */
#ifndef HATCH_CORE_COND_H
#define HATCH_CORE_COND_H

#include <stdbool.h>

#include "core/answer.h"
#include "core/journey.h"

/* Returns the answer to step STEP (NULL or unanswered when there is none). */
typedef const struct answer *(*cond_lookup_fn)(void *user, size_t step);

bool cond_eval(const struct journey *j, const struct cond *c,
	       cond_lookup_fn lookup, void *user, const struct cdate *today);

/* The destination of the first route that holds, or NULL. */
const char *cond_route(const struct journey *j, cond_lookup_fn lookup,
		       void *user, const struct cdate *today);

/* Where the path goes after step I: the first "next" that holds, else the
 * following step; then on past steps whose show_when does not hold. Returns
 * j->nsteps when the path runs off the end. */
size_t cond_next_step(const struct journey *j, size_t i, cond_lookup_fn lookup,
		      void *user, const struct cdate *today);

/* The first step at or after I that is shown. */
size_t cond_shown_from(const struct journey *j, size_t i, cond_lookup_fn lookup,
		       void *user, const struct cdate *today);

void cond_cleanup(struct cond *c);

#endif
