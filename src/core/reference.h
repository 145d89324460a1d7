/* Reference numbers and submission UUIDs. A reference is short and safe to
 * read aloud or type: eight Crockford base32 characters (40 bits) and
 * Crockford's mod-37 check character, shown as XXXX-XXXX-C. It is a keyed
 * permutation of the device's submission sequence number, so references are
 * unique per device without looking sequential. No randomness or clock of
 * its own: the caller passes them in. Depends on base/ only. */
#ifndef HATCH_CORE_REFERENCE_H
#define HATCH_CORE_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REFERENCE_SIZE 12  /* "XXXX-XXXX-C" and NUL */
#define REFERENCE_SPACE ((uint64_t)1 << 40)
#define UUID_SIZE 37

/* Writes the reference for sequence number SEQ (< REFERENCE_SPACE) under the
 * device's KEY into OUT. Distinct SEQs give distinct references. */
void reference_make(uint64_t seq, uint64_t key, char out[REFERENCE_SIZE]);

/* Reads a reference as a person types it (any case, hyphens and spaces
 * anywhere, O for 0, I or L for 1) into canonical form. False when it is not
 * one or the check character does not match. */
bool reference_parse(const char *in, char out[REFERENCE_SIZE]);

/* The sequence number behind a canonical reference. */
bool reference_sequence(const char *ref, uint64_t key, uint64_t *seq);

/* Formats 16 random bytes as a version 4 UUID (RFC 9562), setting the
 * version and variant bits. */
void uuid_format(const uint8_t random[16], char out[UUID_SIZE]);

#endif
