/* UTF-8 checks for text that comes from outside (journey files, typed
 * answers). Depends on libc only. */
#ifndef HATCH_BASE_UTF8_H
#define HATCH_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when S[0..N) is well-formed UTF-8 (no overlongs, no surrogates, no
 * code points past U+10FFFF) with no NUL byte. */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s);

#endif
