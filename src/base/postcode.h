/* UK postcodes as people type them: a full postcode normalised (upper case,
 * one space before the inward code) and checked against the Royal Mail
 * format rules, and a partial postcode read as the prefixes of normalised
 * postcodes it may begin, for searching as one types. Shared by core/'s
 * postcode questions and store/'s gazetteer. Depends on libc only. */
#ifndef HATCH_BASE_POSTCODE_H
#define HATCH_BASE_POSTCODE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest normalised postcode ("SW1A 1AA", "AB12 3CD") and its NUL. */
#define POSTCODE_SIZE 9

/* Writes the normalised form of the full postcode IN ("sw1a1aa",
 * " ab1 0aa ") into OUT: "SW1A 1AA". False when IN is not a postcode in
 * the Royal Mail format, or OUT is too small; OUT is then unchanged. */
bool postcode_normalise(const char *in, char *out, size_t size);

/* The most prefixes postcode_prefixes() gives. */
#define POSTCODE_PREFIXES 3

/* Reads IN, a postcode perhaps only begun, as the prefixes of normalised
 * postcodes it may be the start of, into OUT, shortest-first in byte order;
 * returns how many (0 when IN cannot begin a postcode). A full postcode
 * gives itself; "ab1 2" gives "AB1 2"; "ab1" gives "AB1" (AB1 and AB10 to
 * AB19 alike, as one still typing); "ab12", typed without its space, may be
 * the outward code AB12 or AB1 and the start of the inward code 2, and
 * gives both "AB1 2" and "AB12". */
size_t postcode_prefixes(const char *in, char out[POSTCODE_PREFIXES][POSTCODE_SIZE]);

#endif
