/* What the test and benchmark programs share: a temporary directory, the
 * bundled journeys, and a path's answers as the JSON that ui_show_step and
 * hatch screenshot take. For tests only. */
#ifndef HATCH_TESTS_SUPPORT_H
#define HATCH_TESTS_SUPPORT_H

#include <stddef.h>

#include <jansson.h>

#include "core/journey.h"
#include "core/paths.h"

/* A directory of the test's own, for cmocka's setup and teardown. */
extern char support_dir[256];
int support_dir_setup(void **state);
int support_dir_teardown(void **state);

/* Makes a new directory under /tmp into DIR (SIZE >= 32); 0 on success. */
int support_tmpdir_create(char *dir, size_t size);
/* Removes DIR and everything in it, whatever its modes; 0 on success. */
int support_tmpdir_remove(const char *dir);

/* Loads the bundled journeys (from HATCH_ASSETS or the build tree) into
 * OUT, at most MAX, in file name order. Returns how many, or 0 when any
 * fails to load (the reason is printed). Free with journey_destroy(). */
size_t support_load_journeys(const struct cdate *today, struct journey **out, size_t max);

/* The answers of P's first UPTO steps as a JSON object of step id -> the
 * answer as typed (a string, or a list for dates, addresses and multiple
 * choices). Caller decrefs. */
json_t *support_path_answers(const struct journey *j, const struct journey_path *p,
			     size_t upto);

/* Monotonic microseconds, for benchmarks. */
double support_now_us(void);
/* The Pth percentile (0..100) of V[0..N), nearest rank; sorts V. */
double support_percentile(double *v, size_t n, double p);

#endif
