/* Every path through a journey: the checker uses it to prove that each path
 * ends at a stop page or at check your answers with a route, and tests use
 * it to walk each path through a real session. A path branches on every
 * value of every answer a condition looks at (choices, and the boundary
 * values of each comparison); answers nothing looks at take one sample.
 * Depends on base/ only. */
#ifndef HATCH_CORE_PATHS_H
#define HATCH_CORE_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "core/answer.h"
#include "core/journey.h"

struct journey_path_step {
	size_t step;
	/* The answer as a citizen would type it (NULL for pages); borrowed. */
	const struct answer *answer;
};

struct journey_path {
	const struct journey_path_step *steps;
	size_t n;
	bool stopped;            /* ends at a stop page, else at check answers */
	const char *destination; /* NULL when stopped or when no route holds */
};

/* Return false to stop the walk. */
typedef bool (*journey_path_fn)(void *user, const struct journey_path *path);

struct journey_paths_result {
	size_t paths;
	size_t nodes;
	bool complete;           /* false: MAX_NODES was reached first */
	bool *reached;           /* nsteps flags, owned: mem_free() it */
};

/* Walks every path of J (which must have passed the structural checks),
 * calling FN for each, visiting at most MAX_NODES steps in all. Sample
 * answers that fail a step's own rules are reported in DIAGS when not NULL.
 * HATCH_ERR_NOMEM leaves *RES empty. */
enum hatch_err journey_paths(const struct journey *j, const struct cdate *today,
			     size_t max_nodes, journey_path_fn fn, void *user,
			     struct journey_diags *diags,
			     struct journey_paths_result *res) HATCH_MUST_CHECK;

#endif
