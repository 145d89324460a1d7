/* The device configuration file (INI, read with inih): the council's name
 * and colour, the kiosk's timeouts, languages and tracking link, the
 * display's density and where the database and journeys live. Every setting
 * has a default, so a kiosk runs with no file at all. The file format is
 * described for technicians in docs/configuration.md.
 * Depends on base/, platform/platform.h and inih; never on ui/, sdl/,
 * store/, sync/ or app/ (they read a struct config, not the file). */
#ifndef HATCH_PLATFORM_CONFIG_H
#define HATCH_PLATFORM_CONFIG_H

#include <stddef.h>

#include "base/err.h"

/* The largest configuration file read, in bytes: far more than any real
 * one, small enough that a wrong path (a disk image, a log) is refused
 * quickly rather than parsed. */
#define CONFIG_FILE_MAX 65536
/* The longest line, in bytes without its line ending: room for the longest
 * path (4095 bytes) with its key and a comment. */
#define CONFIG_LINE_MAX 8189
/* How many problems are kept; the rest are only counted. */
#define CONFIG_MAX_PROBLEMS 64
/* How many languages [kiosk] languages may list, and the longest tag. */
#define CONFIG_MAX_LANGUAGES 16
#define CONFIG_LANGUAGE_SIZE 16

struct config_color {
	unsigned char r, g, b;
};

struct config {
	char council[128];         /* [council] name */
	struct config_color brand; /* [council] colour, "#rrggbb" */
	char tracking_url[512];    /* [kiosk] tracking_url; "" = no QR code */
	int idle_seconds;          /* [kiosk] idle_timeout, 30..3600 */
	int warning_seconds;       /* [kiosk] timeout_warning, 10..300, < idle */
	int dpi;                   /* [display] dpi, 60..600 */
	/* [kiosk] languages: BCP 47 tags, lower case; the first is the
	 * language the kiosk starts in. */
	char languages[CONFIG_MAX_LANGUAGES][CONFIG_LANGUAGE_SIZE];
	size_t nlanguages;
	char database[4096];       /* [storage] database; "" = the default path */
	char journeys[4096];       /* [kiosk] journeys; "" = the bundled ones */
};

/* Fills C with the settings of a kiosk that has no configuration file:
 * the demonstration council, #1d70b8, a tracking link on council.example,
 * 120 s idle with a 30 s warning, 96 dpi, en cy pl ro pa ur ar, and the
 * default database and journeys. */
void config_defaults(struct config *c);

/* One problem found in a file: the line it is on (0 when it is about the
 * whole file) and a plain reason that names the setting and says what is
 * allowed, such as
 *   [kiosk] idle_timeout: "abc" is not a whole number; use seconds from 30
 *   to 3600
 * The reason does not repeat the line number or the file's name. */
struct config_problem {
	int line;
	char reason[256];
};

struct config_problems {
	struct config_problem v[CONFIG_MAX_PROBLEMS];
	size_t n;       /* problems in V, in the order found */
	size_t dropped; /* problems found past CONFIG_MAX_PROBLEMS */
};

/* Reads the configuration file at PATH (at most CONFIG_FILE_MAX bytes) into
 * OUT, starting from config_defaults(). P is emptied first and receives
 * every problem found.
 *  - HATCH_OK: the file is good and OUT holds it.
 *  - HATCH_ERR_INPUT: at least one problem (P says which, E says how many);
 *    OUT holds the defaults with every good setting of the file applied; a
 *    bad or repeated setting leaves the value it had, and a warning not
 *    shorter than the idle timeout leaves both at their defaults. A file
 *    larger than CONFIG_FILE_MAX is one problem on line 0.
 *  - HATCH_ERR_NOTFOUND (no such file) or HATCH_ERR_IO (unreadable, a
 *    directory): the reason in E (without PATH, which the caller shows);
 *    P is empty and OUT holds the defaults.
 *  - HATCH_ERR_NOMEM: the file could not be held in memory.
 * E may be NULL. Uses inih's process-wide options for the length of the call
 * (and puts them back): not for two threads at once. */
enum hatch_err config_load(const char *path, struct config *out, struct config_problems *p,
			   struct hatch_error *e) HATCH_MUST_CHECK;

/* As config_load() for TEXT[0..LEN) in memory (tests, fuzzing): TEXT need
 * not be NUL-terminated and may hold any bytes. Returns HATCH_OK or
 * HATCH_ERR_INPUT; allocates nothing. Text longer than CONFIG_FILE_MAX is
 * one problem on line 0 and is not read. */
enum hatch_err config_parse(const char *text, size_t len, struct config *out,
			    struct config_problems *p) HATCH_MUST_CHECK;

#endif
