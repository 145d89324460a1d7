/* The device configuration file (INI, read with inih): the council's name
 * and colour, the kiosk's timeouts, languages and tracking link, the
 * display's density, where the database and journeys live, how long sent
 * records are kept, and the destinations submissions are delivered to.
 * Every setting has a default, so a kiosk runs with no file at all (and
 * with no destinations). The file format is described for technicians in
 * docs/configuration.md.
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

/* How many [destination NAME] sections a file may have. */
#define CONFIG_MAX_DESTINATIONS 16

/* How a destination is delivered to. NONE only while its adapter key is
 * missing, which is a problem. */
enum config_adapter { CONFIG_ADAPTER_NONE, CONFIG_ADAPTER_OPEN311, CONFIG_ADAPTER_WEBHOOK };

/* How many service.JOURNEY-ID keys one destination may have. */
#define CONFIG_MAX_SERVICES 32

struct config_service { char journey[65]; char code[65]; };  /* journey id -> Open311 service_code */

/* One [destination NAME] section. Text fields are "" when not set. */
struct config_destination {
	char name[65];
	enum config_adapter adapter;      /* adapter = open311 | webhook (required) */
	char url[512];                    /* url = https://... (required; http:// refused: "use https"); open311: the endpoint base, e.g. https://host/open311/v2/ (must end with '/'); webhook: the full URL */
	char api_key_file[4096];          /* api_key_file = /abs/path (open311; required for open311) */
	char secret_file[4096];           /* secret_file = /abs/path (webhook HMAC secret; required for webhook) */
	char ca_bundle[4096];             /* ca_bundle = /abs/path (optional: CA certificates to trust instead of the system's) */
	char pinned_keys[1024];           /* pinned_keys = sha256//BASE64[;sha256//BASE64...] (optional; each 44-char base64 of a SHA-256) */
	char client_cert[4096];           /* client_cert = /abs/path (optional, with client_key) */
	char client_key[4096];            /* client_key = /abs/path */
	char seal_key[65];                /* seal_key = 64 hex digits (optional: a crypto_box public key; payloads sealed to it) */
	char format[8];                   /* format = json | xml (open311 only; default json) */
	struct config_service services[CONFIG_MAX_SERVICES]; /* service.JOURNEY-ID = CODE (open311) */
	size_t nservices;
	int line;                         /* the line of its heading, for messages */
};

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
	/* [destination NAME] sections, in the order of the file; names are
	 * unique. */
	struct config_destination destinations[CONFIG_MAX_DESTINATIONS];
	size_t ndestinations;
	int retention_days; /* [storage] retention_days, 1..365, default 7 */
};

/* Fills C with the settings of a kiosk that has no configuration file:
 * the demonstration council, #1d70b8, a tracking link on council.example,
 * 120 s idle with a 30 s warning, 96 dpi, en cy pl ro pa ur ar, the
 * default database and journeys, 7 days' retention and no destinations. */
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
 * Only here, not in config_parse(), is each destination's secret file
 * (api_key_file, secret_file, client_key) looked at on disk: a missing one,
 * or one that users other than the owner may read, is a problem on its line.
 * E may be NULL. Uses inih's process-wide options for the length of the call
 * (and puts them back): not for two threads at once. */
enum hatch_err config_load(const char *path, struct config *out, struct config_problems *p,
			   struct hatch_error *e) HATCH_MUST_CHECK;

/* As config_load() for TEXT[0..LEN) in memory (tests, fuzzing): TEXT need
 * not be NUL-terminated and may hold any bytes. Returns HATCH_OK or
 * HATCH_ERR_INPUT; allocates nothing. Text longer than CONFIG_FILE_MAX is
 * one problem on line 0 and is not read. Looks at no file named in TEXT. */
enum hatch_err config_parse(const char *text, size_t len, struct config *out,
			    struct config_problems *p) HATCH_MUST_CHECK;

/* The destination called NAME in C (borrowed from C), or NULL when there is
 * none. */
const struct config_destination *config_destination_find(const struct config *c, const char *name);

#endif
