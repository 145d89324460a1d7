/* Internal to the journey module: shared by the loader and the checker. */
#ifndef HATCH_CORE_JOURNEY_INT_H
#define HATCH_CORE_JOURNEY_INT_H

#include "base/err.h"
#include "core/journey.h"

/* Records a problem at PATH (NULL for none) in D. */
void journey_diag_add(struct journey_diags *d, int line, int column,
		      const char *path, const char *fmt, ...) HATCH_PRINTF(5, 6);

/* Meaning checks that need the whole journey: structure, conditions that
 * look ahead, loops, then every path (reachability, routes, examples). */
void journey_check(const struct journey *j, const struct cdate *today,
		   struct journey_diags *d);

/* Routes jansson's allocations through base/mem (fault injection, and
 * wiping on free since records hold answers). Idempotent. */
void journey_json_init(void);

#endif
