/* Ids as journeys, steps, options and destinations have them: lower-case
 * letters, digits and '-', not starting with '-'. One rule for journey files
 * and the device configuration, so a destination a journey names can be
 * configured. Depends on libc only. */
#ifndef HATCH_BASE_ID_H
#define HATCH_BASE_ID_H

#include <stdbool.h>
#include <stddef.h>

/* True when S[0..N) is an id of 1 to MAX bytes. */
bool id_valid(const char *s, size_t n, size_t max);

#endif
