/* The device configuration file (INI, read with inih): the device's id,
 * the council's name and colour, the kiosk's timeouts, languages and
 * tracking link, the display's density, where the database and journeys
 * live, how long sent records are kept, how staff get in, and the
 * destinations submissions are delivered to. Every setting has a default,
 * so a kiosk runs with no file at all (and with no destinations). The file
 * can also be written back (config_format), which is how hatch provision
 * makes one. The file format is described for technicians in
 * docs/configuration.md.
 * Depends on base/, platform/platform.h and inih; never on ui/, sdl/,
 * store/, sync/ or app/ (they read a struct config, not the file). */
#ifndef HATCH_PLATFORM_CONFIG_H
#define HATCH_PLATFORM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* [staff] entry: the discreet way staff open the sign-in. */
enum config_staff_entry {
	CONFIG_STAFF_BOTH,   /* either of the two below */
	CONFIG_STAFF_CORNER, /* five taps on a hidden target in a corner */
	CONFIG_STAFF_KEYS,   /* a key combination on a keypad or keyboard */
};

/* The longest device id, in bytes. */
#define CONFIG_DEVICE_ID_MAX 64

/* [updates] public_key: the 44 base64 characters of a 32-byte key, and a
 * NUL. */
#define CONFIG_UPDATE_KEY_SIZE 45
/* [updates] interval's default, in seconds: an hour, so that a fleet of a
 * few hundred kiosks asks the council's server a few times a minute. */
#define CONFIG_UPDATE_INTERVAL 3600

/* [fleet] heartbeat_interval: the default, and its bounds. */
#define CONFIG_FLEET_INTERVAL 300
#define CONFIG_FLEET_INTERVAL_MIN 30
#define CONFIG_FLEET_INTERVAL_MAX 86400

/* [fleet]: how the kiosk reports on itself to the council's monitoring
 * (docs/fleet.md). */
struct config_fleet {
	/* heartbeat_url and the settings of its connection, in a
	 * destination's fields so that a heartbeat is set up exactly as a
	 * delivery is: url (https only), secret_file (required with a url:
	 * the HMAC key each heartbeat is signed with), ca_bundle,
	 * pinned_keys, client_cert and client_key. "" when not set; name,
	 * adapter, services and line are never set. */
	struct config_destination heartbeat;
	int interval;            /* heartbeat_interval, seconds, 30..86400 */
	char metrics_file[4096]; /* metrics_file: /abs/path ending .prom; "" = none */
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
	/* [updates]: signed journey bundles (docs/bundles.md); text is ""
	 * when not set. */
	char update_key[CONFIG_UPDATE_KEY_SIZE]; /* public_key: base64 of the
				* Ed25519 key bundles are signed with; "" = no
				* bundle can be installed */
	char update_url[512];  /* url: https:// link the kiosk fetches a bundle
				* from; "" = none (installed by hand) */
	int update_interval;   /* interval: seconds between fetches,
				* 60..604800, default CONFIG_UPDATE_INTERVAL */
	char update_council[128]; /* council: the name a bundle must be for;
				   * "" = [council] name */
	char update_ca_bundle[4096]; /* ca_bundle: CA certificates trusted for
				      * url instead of the system's */
	char update_dir[4096]; /* directory: where bundles are installed; "" =
				* bundles/ beside the database */
	/* [device] id: 1 to 64 of A-Z a-z 0-9 . _ -; "" = not provisioned. */
	char device_id[CONFIG_DEVICE_ID_MAX + 1];
	enum config_staff_entry staff_entry; /* [staff] entry, default both */
	bool staff_pause;    /* [staff] pause_timeout: staff may pause the idle
			      * timeout in an assisted session; default yes */
	int staff_seconds;   /* [staff] session_timeout, 60..3600, default 600:
			      * staff are signed out after this long without a
			      * touch, paused or not */
	struct config_fleet fleet; /* [fleet]: no heartbeat, every 300 s, and
				    * no metrics file by default */
	/* [stats]: the anonymous usage figures (docs/open-data.md). */
	char stats_destination[65]; /* destination = NAME of a [destination NAME]
				     * the daily figures are delivered to; "" none */
	int stats_threshold;        /* threshold, 2..100, default 5: smaller counts
				     * are suppressed in what is sent */
	int stats_retention_days;   /* retention_days, 1..3650, default 30: raw
				     * events kept this long; daily figures for good */
};

/* Fills C with the settings of a kiosk that has no configuration file:
 * no device id, the demonstration council, #1d70b8, a tracking link on
 * council.example, 120 s idle with a 30 s warning, 96 dpi, en cy pl ro pa
 * ur ar, the default database and journeys, 7 days' retention, staff in by
 * the corner or the keys, who may pause the timeout and are signed out
 * after 600 s, no destinations, and no heartbeat or metrics file (a
 * heartbeat_interval of 300 s). */
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

/* Settings that a file extending the configuration file may add (hatch
 * provision's provisioning file): offered what config_parse_extended() does
 * not know before it is reported as unknown. */
enum config_ext_result {
	CONFIG_EXT_UNKNOWN, /* not the extension's either: reported as unknown */
	CONFIG_EXT_TAKEN,   /* the extension's, and good */
	CONFIG_EXT_BAD,     /* the extension's, and bad: the reason in WHY */
	CONFIG_EXT_AS,      /* stands for the known setting *AS_NAME = AS_VALUE,
			     * which is read in its place, on its line */
};

struct config_extension {
	/* Whether a heading [NAME] on LINE that the file does not have starts
	 * a section of the extension's (CONFIG_EXT_TAKEN: every setting under
	 * it then goes to SETTING), is the extension's but bad
	 * (CONFIG_EXT_BAD, the reason in WHY, written after "[NAME] "; its
	 * settings are not read), or is not (CONFIG_EXT_UNKNOWN). NULL: none
	 * is. */
	enum config_ext_result (*section)(void *user, int line, const char *name, char *why,
					  size_t whysize);
	/* NAME = VALUE on LINE in SECTION ("council", "destination waste",
	 * or one of the extension's own) that the file does not have. WHY
	 * (WHYSIZE bytes) takes the reason for CONFIG_EXT_BAD, written after
	 * "[SECTION] NAME: "; AS_VALUE (AS_SIZE bytes) the value for
	 * CONFIG_EXT_AS, and *AS_NAME a string that outlives the parse. */
	enum config_ext_result (*setting)(void *user, int line, const char *section,
					  const char *name, const char *value, char *why,
					  size_t whysize, const char **as_name, char *as_value,
					  size_t as_size);
	/* Told of each setting the file has once it is read and good (and of
	 * what a CONFIG_EXT_AS stood for), with its LINE. NULL: not told. */
	void (*seen)(void *user, int line, const char *section, const char *name,
		     const char *value);
	void *user;
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
 * Only here, not in config_parse(), are files looked at on disk:
 *  - the file itself: one that users other than its owner may change, or
 *    whose owner is neither root nor the user reading it, is a problem on
 *    line 0;
 *  - each destination's secret file (api_key_file, secret_file,
 *    client_key), as config_check_secret() does: a problem on its line;
 *  - its ca_bundle and client_cert, when they exist: one that users other
 *    than its owner may change is a problem on its line.
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

/* As config_parse(), with the settings and sections of a file that extends
 * the configuration file offered to X (which may be NULL) before they are
 * reported. Looks at no file named in TEXT. */
enum hatch_err config_parse_extended(const char *text, size_t len,
				     const struct config_extension *x, struct config *out,
				     struct config_problems *p) HATCH_MUST_CHECK;

/* Writes C as the text of a configuration file into *OUT (NUL-terminated,
 * *LEN bytes, caller frees with mem_free): every section in the order of
 * docs/configuration.md, every setting of the fixed sections (but an empty
 * database or journeys path, and an empty device id), and each destination
 * with the settings it has. config_parse() of the text gives C back (but
 * each destination's line). C must be as config_parse() leaves it.
 *  - HATCH_ERR_INPUT: a text value that a file cannot hold (one that starts
 *    or ends with a space, or has " ;" in it, which would start a comment),
 *    named in E;
 *  - HATCH_ERR_LIMIT: the text would be larger than CONFIG_FILE_MAX;
 *  - HATCH_ERR_NOMEM.
 * E may be NULL. */
enum hatch_err config_format(const struct config *c, char **out, size_t *len,
			     struct hatch_error *e) HATCH_MUST_CHECK;

/* The user a kiosk's secret files must belong to: the user running the
 * program, or when that is root (checking or provisioning on the service's
 * behalf) the service's user, $HATCH_SERVICE_USER or else "hatch", when
 * such a user exists, and root otherwise. NAME gets its name (or its
 * number when it has none). */
struct config_owner {
	uid_t uid;
	gid_t gid;
	char name[64];
};
void config_secret_owner(struct config_owner *o);

/* Looks at a secret file on disk: it must exist, be a regular file, belong
 * to config_secret_owner()'s user, and be neither readable nor writable by
 * anyone else, since whoever can read it can send as the kiosk and whoever
 * can change it can make the kiosk send elsewhere. When not, says why in
 * WHY (WHYSIZE bytes; the path quoted, shortened when long) and returns
 * false. */
bool config_check_secret(const char *path, char *why, size_t whysize);

/* The destination called NAME in C (borrowed from C), or NULL when there is
 * none. */
const struct config_destination *config_destination_find(const struct config *c, const char *name);

#endif
