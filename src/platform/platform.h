/* The device underneath: files, paths, clock and randomness. The one place
 * that chooses how these are done on Linux. Depends on base/ and libc. */
#ifndef HATCH_PLATFORM_PLATFORM_H
#define HATCH_PLATFORM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "core/journey.h"

/* Reads the whole of PATH into *DATA (NUL-terminated, caller frees with
 * mem_free) and its length into *LEN. HATCH_ERR_LIMIT when it is larger
 * than MAX bytes (nothing is returned); HATCH_ERR_IO or HATCH_ERR_NOTFOUND
 * with the reason in E. */
enum hatch_err platform_read_file(const char *path, size_t max, char **data,
				  size_t *len, struct hatch_error *e) HATCH_MUST_CHECK;

/* Fills BUF with N bytes from the kernel's random source. */
enum hatch_err platform_random(void *buf, size_t n,
			       struct hatch_error *e) HATCH_MUST_CHECK;

/* Seconds since 1970-01-01 UTC. */
long long platform_now(void);
/* Today's date where the kiosk stands (local time). */
struct cdate platform_today(void);

/* The directory of bundled assets: $HATCH_ASSETS, else assets/ beside the
 * nearest parent of the binary with assets/journeys in it (a build tree),
 * else the installed data directory.
 * Writes into OUT (SIZE bytes). */
enum hatch_err platform_assets_dir(char *out, size_t size,
				   struct hatch_error *e) HATCH_MUST_CHECK;

/* The message catalogs (LANG.po): DIR/locales when installed, the source
 * tree's locales/ beside its assets/ otherwise. HATCH_ERR_NOTFOUND. */
enum hatch_err platform_locales_dir(char *out, size_t size,
				    struct hatch_error *e) HATCH_MUST_CHECK;

/* Lists the regular files in DIR whose names end in SUFFIX, sorted, as
 * full paths; *NAMES is an array of *N strings, freed with
 * platform_list_free(). */
enum hatch_err platform_list_dir(const char *dir, const char *suffix,
				 char ***names, size_t *n,
				 struct hatch_error *e) HATCH_MUST_CHECK;
void platform_list_free(char **names, size_t n);

#endif
