/* The device configuration file: INI read with inih, checked against a table
 * of known sections and keys with one value parser per kind of setting, so
 * that later sections (destinations, credentials, staff) are rows and
 * parsers, not new control flow. Every problem names its line and says what
 * is allowed; the parse allocates nothing. The same table writes a
 * configuration back as text (config_format), and a file that extends this
 * one (the provisioning file) is read by the same parse with a hook for its
 * own settings.
 * Depends on base/, platform/platform.h, inih and libc; nothing above it.
 *
 * inih hands each name=value to a callback without a line number (Debian
 * builds it without INI_HANDLER_LINENO) and returns only the first line it
 * could not read. So the text is fed to ini_parse_stream() one line at a
 * time by our own reader, which knows the line being parsed, and a line
 * that produced no callback is looked at again once inih is done with it:
 * blank, a comment, a [section] heading, or a line inih could not read. */
#include "platform/config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/id.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "platform/platform.h"

/* inih's line buffer: the longest line, its "\r\n" and a NUL. */
#define CFG_INIH_LINE (CONFIG_LINE_MAX + 3)
/* inih keeps at most this many bytes of a section's name (MAX_SECTION - 1). */
#define CFG_INIH_SECTION 49
/* How much of a value or name a reason quotes. */
#define CFG_QUOTE_MAX 32
/* How much of a path a reason quotes: enough for the usual paths under
 * /etc/hatch, twice over in a reason of 256 bytes. */
#define CFG_PATH_QUOTE_MAX 60
/* The longest destination name and journey id, as journeys allow. */
#define CFG_ID_MAX 64
/* The prefix of a destination's service.JOURNEY-ID keys. */
#define CFG_SERVICE "service."

enum cfg_type {
	CFG_TEXT,      /* non-empty UTF-8 text that fits the field */
	CFG_INT,       /* a whole number from min to max */
	CFG_COLOUR,    /* #rrggbb */
	CFG_LINK,      /* an https:// link with {reference} in it, or empty */
	CFG_LANGUAGES, /* a comma-separated list of BCP 47 tags */
	CFG_PATH,      /* an absolute path, or empty for the default */
	CFG_ADAPTER,   /* open311 or webhook */
	CFG_ENDPOINT,  /* an https:// link with a host and no user name */
	CFG_FILE,      /* an absolute path */
	CFG_SECRET,    /* an absolute path to a file only its owner may read */
	CFG_PINS,      /* sha256//BASE64, separated by ';' */
	CFG_HEXKEY,    /* 64 hex digits */
	CFG_FORMAT,    /* json or xml */
	CFG_DEVICE_ID, /* 1 to 64 of A-Z a-z 0-9 . _ - */
	CFG_ENTRY,     /* corner, keys or both */
	CFG_YESNO,     /* yes or no */
	CFG_PUBKEY,    /* the base64 of a 32-byte public key */
	CFG_URL,       /* an https:// link with a host and no user name */
	CFG_METRICS,   /* an absolute path ending in .prom, or empty for none */
};

/* Adapters as bits, for the destination keys' rows. */
#define CFG_O (1u << CONFIG_ADAPTER_OPEN311)
#define CFG_W (1u << CONFIG_ADAPTER_WEBHOOK)

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset; /* of the field in struct config, or in struct
			* config_destination for section "destination" */
	size_t size;   /* of the field */
	long min, max; /* CFG_INT */
	const char *unit; /* CFG_INT: "seconds", as in "use seconds from..." */
	unsigned adapters; /* destination keys: the adapters that read it */
	unsigned required; /* destination keys: the adapters that need it */
};

#define CFG_FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define CFG_DFIELD(f) \
	offsetof(struct config_destination, f), sizeof(((struct config_destination *)0)->f)
#define CFG_ROW(section, name, type, field, min, max, unit) \
	{section, name, type, CFG_FIELD(field), min, max, unit, 0, 0}
#define CFG_DROW(name, type, field, adapters, required) \
	{"destination", name, type, CFG_DFIELD(field), 0, 0, NULL, adapters, required}

/* The sections with fixed names, in the order the documentation gives
 * them; [destination NAME] sections come after them. */
static const char *const cfg_sections[] = {"device",  "council", "kiosk", "display", "storage",
					   "staff",   "fleet",   "stats", "updates"};
#define CFG_NSECTIONS (sizeof cfg_sections / sizeof *cfg_sections)

static const struct cfg_key cfg_keys[] = {
	CFG_ROW("device", "id", CFG_DEVICE_ID, device_id, 0, 0, NULL),
	CFG_ROW("council", "name", CFG_TEXT, council, 0, 0, NULL),
	CFG_ROW("council", "colour", CFG_COLOUR, brand, 0, 0, NULL),
	CFG_ROW("kiosk", "languages", CFG_LANGUAGES, languages, 0, 0, NULL),
	CFG_ROW("kiosk", "idle_timeout", CFG_INT, idle_seconds, 30, 3600, "seconds"),
	CFG_ROW("kiosk", "timeout_warning", CFG_INT, warning_seconds, 10, 300, "seconds"),
	CFG_ROW("kiosk", "tracking_url", CFG_LINK, tracking_url, 0, 0, NULL),
	CFG_ROW("kiosk", "journeys", CFG_PATH, journeys, 0, 0, NULL),
	CFG_ROW("display", "dpi", CFG_INT, dpi, 60, 600, "dots per inch"),
	CFG_ROW("storage", "database", CFG_PATH, database, 0, 0, NULL),
	CFG_ROW("storage", "retention_days", CFG_INT, retention_days, 1, 365, "days"),
	CFG_ROW("staff", "entry", CFG_ENTRY, staff_entry, 0, 0, NULL),
	CFG_ROW("staff", "pause_timeout", CFG_YESNO, staff_pause, 0, 0, NULL),
	CFG_ROW("staff", "session_timeout", CFG_INT, staff_seconds, 60, 3600, "seconds"),
	CFG_ROW("stats", "destination", CFG_TEXT, stats_destination, 0, 0, NULL),
	CFG_ROW("stats", "threshold", CFG_INT, stats_threshold, 2, 100, "events"),
	CFG_ROW("stats", "retention_days", CFG_INT, stats_retention_days, 1, 3650, "days"),
	CFG_DROW("adapter", CFG_ADAPTER, adapter, CFG_O | CFG_W, CFG_O | CFG_W),
	CFG_DROW("url", CFG_ENDPOINT, url, CFG_O | CFG_W, CFG_O | CFG_W),
	CFG_DROW("api_key_file", CFG_SECRET, api_key_file, CFG_O, CFG_O),
	CFG_DROW("secret_file", CFG_SECRET, secret_file, CFG_W, CFG_W),
	CFG_DROW("ca_bundle", CFG_FILE, ca_bundle, CFG_O | CFG_W, 0),
	CFG_DROW("pinned_keys", CFG_PINS, pinned_keys, CFG_O | CFG_W, 0),
	CFG_DROW("client_cert", CFG_FILE, client_cert, CFG_O | CFG_W, 0),
	CFG_DROW("client_key", CFG_SECRET, client_key, CFG_O | CFG_W, 0),
	CFG_DROW("seal_key", CFG_HEXKEY, seal_key, CFG_W, 0),
	CFG_DROW("format", CFG_FORMAT, format, CFG_O, 0),
	/* After the destination's keys, so that a secret_file or ca_bundle
	 * in the wrong section is still sent to [destination NAME]. */
	CFG_ROW("fleet", "heartbeat_url", CFG_ENDPOINT, fleet.heartbeat.url, 0, 0, NULL),
	CFG_ROW("fleet", "heartbeat_interval", CFG_INT, fleet.interval, CONFIG_FLEET_INTERVAL_MIN,
		CONFIG_FLEET_INTERVAL_MAX, "seconds"),
	CFG_ROW("fleet", "secret_file", CFG_SECRET, fleet.heartbeat.secret_file, 0, 0, NULL),
	CFG_ROW("fleet", "ca_bundle", CFG_FILE, fleet.heartbeat.ca_bundle, 0, 0, NULL),
	CFG_ROW("fleet", "pinned_keys", CFG_PINS, fleet.heartbeat.pinned_keys, 0, 0, NULL),
	CFG_ROW("fleet", "client_cert", CFG_FILE, fleet.heartbeat.client_cert, 0, 0, NULL),
	CFG_ROW("fleet", "client_key", CFG_SECRET, fleet.heartbeat.client_key, 0, 0, NULL),
	CFG_ROW("fleet", "metrics_file", CFG_METRICS, fleet.metrics_file, 0, 0, NULL),
	/* [updates] after the destination's keys, so that a url or a
	 * ca_bundle in the wrong section is still sent to [destination NAME]. */
	CFG_ROW("updates", "public_key", CFG_PUBKEY, update_key, 0, 0, NULL),
	CFG_ROW("updates", "url", CFG_URL, update_url, 0, 0, NULL),
	CFG_ROW("updates", "interval", CFG_INT, update_interval, 60, 604800, "seconds"),
	CFG_ROW("updates", "council", CFG_TEXT, update_council, 0, 0, NULL),
	CFG_ROW("updates", "ca_bundle", CFG_FILE, update_ca_bundle, 0, 0, NULL),
	CFG_ROW("updates", "directory", CFG_PATH, update_dir, 0, 0, NULL),
};
#define CFG_NKEYS (sizeof cfg_keys / sizeof *cfg_keys)

static const char *const cfg_adapter_names[] = {
	[CONFIG_ADAPTER_NONE] = "none",
	[CONFIG_ADAPTER_OPEN311] = "open311",
	[CONFIG_ADAPTER_WEBHOOK] = "webhook",
};

static const char *const cfg_entry_names[] = {
	[CONFIG_STAFF_BOTH] = "both",
	[CONFIG_STAFF_CORNER] = "corner",
	[CONFIG_STAFF_KEYS] = "keys",
};

static const char *const cfg_default_languages[] = {"en", "cy", "pl", "ro", "pa", "ur", "ar"};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->council, sizeof c->council, "%s", "Demonstration District Council");
	c->brand = (struct config_color){0x1d, 0x70, 0xb8};
	snprintf(c->tracking_url, sizeof c->tracking_url, "%s",
		 "https://council.example/track/{reference}");
	c->idle_seconds = 120;
	c->warning_seconds = 30;
	c->dpi = 96;
	for (size_t i = 0; i < sizeof cfg_default_languages / sizeof *cfg_default_languages;
	     i++)
		snprintf(c->languages[i], sizeof c->languages[i], "%s", cfg_default_languages[i]);
	c->nlanguages = sizeof cfg_default_languages / sizeof *cfg_default_languages;
	c->retention_days = 7;
	c->staff_entry = CONFIG_STAFF_BOTH;
	c->staff_pause = true;
	c->staff_seconds = 600;
	c->update_interval = CONFIG_UPDATE_INTERVAL;
	c->fleet.interval = CONFIG_FLEET_INTERVAL;
	c->stats_threshold = 5;
	c->stats_retention_days = 30;
}

const struct config_destination *config_destination_find(const struct config *c,
							 const char *name)
{
	assert(c && name);
	for (size_t i = 0; i < c->ndestinations; i++)
		if (!strcmp(c->destinations[i].name, name))
			return &c->destinations[i];
	return NULL;
}

/* ---- reasons ---- */

static void cfg_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(out, size, fmt, ap);
	if (n < 0)
		out[0] = '\0';
}

static void cfg_why(char *why, size_t size, const char *fmt, ...) HATCH_PRINTF(3, 4);

static void cfg_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cfg_vformat(why, size, fmt, ap);
	va_end(ap);
}

static void cfg_add(struct config_problems *p, int line, const char *fmt, ...)
	HATCH_PRINTF(3, 4);

static void cfg_add(struct config_problems *p, int line, const char *fmt, ...)
{
	if (p->n == CONFIG_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	struct config_problem *pr = &p->v[p->n++];
	pr->line = line;
	va_list ap;
	va_start(ap, fmt);
	cfg_vformat(pr->reason, sizeof pr->reason, fmt, ap);
	va_end(ap);
}

/* As cfg_add(), but the problem goes before those found so far (the
 * whole file's, found after its lines'), each one after the last added
 * this way; the last of a full list is then only counted. */
static void cfg_add_first(struct config_problems *p, int line, const char *fmt, ...)
	HATCH_PRINTF(3, 4);

static void cfg_add_first(struct config_problems *p, int line, const char *fmt, ...)
{
	size_t at = 0;
	while (at < p->n && p->v[at].line == 0)
		at++;
	if (at == CONFIG_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	if (p->n == CONFIG_MAX_PROBLEMS) {
		p->n--;
		p->dropped++;
	}
	memmove(&p->v[at + 1], &p->v[at], (p->n - at) * sizeof p->v[0]);
	p->n++;
	struct config_problem *pr = &p->v[at];
	pr->line = line;
	va_list ap;
	va_start(ap, fmt);
	cfg_vformat(pr->reason, sizeof pr->reason, fmt, ap);
	va_end(ap);
}

/* Writes S[0..N) into OUT for a reason: printable ASCII as it is, every
 * other byte as \xNN, at most MAX bytes of S and then "...", so that a
 * reason is always short, plain ASCII and safe on a terminal. OUT must hold
 * MAX * 4 + 4 bytes. */
#define CFG_QUOTED_SIZE (CFG_QUOTE_MAX * 4 + 4)
#define CFG_PATH_QUOTED_SIZE (CFG_PATH_QUOTE_MAX * 4 + 4)
static const char *cfg_show_max(char *out, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	if (n > max) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* cfg_show_max() with CFG_QUOTE_MAX: OUT holds CFG_QUOTED_SIZE bytes. */
static const char *cfg_show(char *out, const char *s, size_t n)
{
	return cfg_show_max(out, s, n, CFG_QUOTE_MAX);
}

/* A destination name or a journey id, as journeys have them. */
static bool cfg_is_id(const char *s, size_t n)
{
	return id_valid(s, n, CFG_ID_MAX);
}

/* ---- value parsers: each writes its field only when the value is good,
 * and otherwise says why in WHY, after "[section] key: ". ---- */

/* BASE is the struct config, or for a destination key the struct
 * config_destination, that K's field is in. */
typedef bool (*cfg_parser)(const struct cfg_key *k, const char *v, size_t n,
			   void *base, char *why, size_t whysize);

/* Where K's value lives in BASE. */
static void *cfg_field(void *base, const struct cfg_key *k)
{
	return (char *)base + k->offset;
}

static bool cfg_fits(const struct cfg_key *k, size_t n, char *why, size_t whysize)
{
	if (n < k->size)
		return true;
	cfg_why(why, whysize, "the value is %zu bytes long; the most is %zu", n, k->size - 1);
	return false;
}

static bool cfg_parse_text(const struct cfg_key *k, const char *v, size_t n,
			   void *c, char *why, size_t whysize)
{
	if (n == 0) {
		cfg_why(why, whysize, "needs a value");
		return false;
	}
	if (!cfg_fits(k, n, why, whysize))
		return false;
	memcpy(cfg_field(c, k), v, n + 1);
	return true;
}

static bool cfg_parse_int(const struct cfg_key *k, const char *v, size_t n,
			  void *c, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	/* strtol would also take leading spaces and a '+'. */
	if (n == 0 || !(isdigit((unsigned char)v[0]) || v[0] == '-')) {
		cfg_why(why, whysize, "\"%s\" is not a whole number; use %s from %ld to %ld",
			cfg_show(q, v, n), k->unit, k->min, k->max);
		return false;
	}
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (end == v || *end != '\0') {
		cfg_why(why, whysize, "\"%s\" is not a whole number; use %s from %ld to %ld",
			cfg_show(q, v, n), k->unit, k->min, k->max);
		return false;
	}
	if (errno == ERANGE || x < k->min || x > k->max) {
		cfg_why(why, whysize, "%s is out of range; use %s from %ld to %ld",
			cfg_show(q, v, n), k->unit, k->min, k->max);
		return false;
	}
	assert(k->size == sizeof(int));
	int i = (int)x;
	memcpy(cfg_field(c, k), &i, sizeof i);
	return true;
}

static int cfg_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool cfg_parse_colour(const struct cfg_key *k, const char *v, size_t n,
			     void *c, char *why, size_t whysize)
{
	unsigned char rgb[3];
	bool ok = n == 7 && v[0] == '#';
	for (size_t i = 0; ok && i < 3; i++) {
		int hi = cfg_hex(v[1 + 2 * i]), lo = cfg_hex(v[2 + 2 * i]);
		ok = hi >= 0 && lo >= 0;
		rgb[i] = (unsigned char)(ok ? hi * 16 + lo : 0);
	}
	if (!ok) {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize,
			"\"%s\" is not a colour; use # and six hex digits, like #1d70b8",
			cfg_show(q, v, n));
		return false;
	}
	struct config_color col = {rgb[0], rgb[1], rgb[2]};
	assert(k->size == sizeof col);
	memcpy(cfg_field(c, k), &col, sizeof col);
	return true;
}

/* A link is printable ASCII with no spaces; else says so in WHY. */
static bool cfg_link_ascii(const char *v, size_t n, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch <= 0x20 || ch >= 0x7f) {
			cfg_why(why, whysize,
				"\"%s\" has a space or a character that is not ASCII; "
				"percent-encode it, as in a browser's address bar",
				cfg_show(q, v, n));
			return false;
		}
	}
	return true;
}

static bool cfg_parse_link(const struct cfg_key *k, const char *v, size_t n,
			   void *c, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	/* Empty is allowed: the confirmation shows no QR code. */
	if (!cfg_fits(k, n, why, whysize))
		return false;
	if (!cfg_link_ascii(v, n, why, whysize))
		return false;
	if (n > 0 && (n < 8 || strncmp(v, "https://", 8) != 0)) {
		cfg_why(why, whysize,
			"\"%s\" does not start with https://; the link must use https, "
			"or be empty for no QR code",
			cfg_show(q, v, n));
		return false;
	}
	if (n > 0 && (n == 8 || strchr("/?#", v[8]))) {
		cfg_why(why, whysize, "\"%s\" has no host name after https://",
			cfg_show(q, v, n));
		return false;
	}
	if (n > 0 && !strstr(v, "{reference}")) {
		cfg_why(why, whysize,
			"\"%s\" has no {reference}; put {reference} where the "
			"reference number goes",
			cfg_show(q, v, n));
		return false;
	}
	memcpy(cfg_field(c, k), v, n + 1);
	return true;
}

/* A BCP 47 tag as the kiosk names its catalogs: lower-case letters in
 * subtags joined by '-', the first of 2 or 3 letters, the rest of 1 to 8. */
static bool cfg_language_tag(const char *s, size_t n)
{
	if (n == 0 || n >= CONFIG_LANGUAGE_SIZE)
		return false;
	size_t sub = 0, first = 0;
	bool in_first = true;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '-') {
			if (sub == 0 || sub > 8)
				return false;
			if (in_first)
				first = sub;
			in_first = false;
			sub = 0;
		} else if (s[i] >= 'a' && s[i] <= 'z') {
			sub++;
		} else {
			return false;
		}
	}
	return first >= 2 && first <= 3;
}

/* The whole list or nothing: LANGUAGES and NLANGUAGES change together. */
static bool cfg_parse_languages(const struct cfg_key *k, const char *v, size_t n,
				void *base, char *why, size_t whysize)
{
	assert(k->offset == offsetof(struct config, languages));
	struct config *c = base;
	char q[CFG_QUOTED_SIZE];
	/* Zeroed so that what is copied out holds nothing but the tags. */
	char tags[CONFIG_MAX_LANGUAGES][CONFIG_LANGUAGE_SIZE] = {{0}};
	size_t count = 0;
	const char *p = v, *end = v + n;
	if (n == 0) {
		cfg_why(why, whysize, "needs at least one language, like en");
		return false;
	}
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *a = p, *b = comma ? comma : end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		size_t len = (size_t)(b - a);
		if (len == 0) {
			cfg_why(why, whysize,
				"the list has an empty entry; separate languages with "
				"single commas, like en, cy");
			return false;
		}
		if (!cfg_language_tag(a, len)) {
			cfg_why(why, whysize,
				"\"%s\" is not a language tag; use lower-case BCP 47 tags "
				"such as en, cy or pt-br, separated by commas",
				cfg_show(q, a, len));
			return false;
		}
		if (count == CONFIG_MAX_LANGUAGES) {
			cfg_why(why, whysize, "lists more than %d languages; the most is %d",
				CONFIG_MAX_LANGUAGES, CONFIG_MAX_LANGUAGES);
			return false;
		}
		for (size_t i = 0; i < count; i++) {
			if (strlen(tags[i]) == len && memcmp(tags[i], a, len) == 0) {
				cfg_why(why, whysize, "\"%s\" is listed twice",
					cfg_show(q, a, len));
				return false;
			}
		}
		memcpy(tags[count], a, len);
		tags[count][len] = '\0';
		count++;
		if (!comma)
			break;
		p = comma + 1;
	}
	memset(c->languages, 0, sizeof c->languages);
	memcpy(c->languages, tags, count * sizeof tags[0]);
	c->nlanguages = count;
	return true;
}

static bool cfg_parse_path(const struct cfg_key *k, const char *v, size_t n,
			   void *c, char *why, size_t whysize)
{
	/* Empty is allowed: the program's default. */
	if (!cfg_fits(k, n, why, whysize))
		return false;
	if (n > 0 && v[0] != '/') {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize,
			"\"%s\" is not an absolute path; start it with /, or leave it "
			"empty for the default",
			cfg_show(q, v, n));
		return false;
	}
	memcpy(cfg_field(c, k), v, n + 1);
	return true;
}

static bool cfg_parse_adapter(const struct cfg_key *k, const char *v, size_t n,
			      void *base, char *why, size_t whysize)
{
	for (int a = CONFIG_ADAPTER_OPEN311; a <= CONFIG_ADAPTER_WEBHOOK; a++) {
		if (!strcmp(v, cfg_adapter_names[a])) {
			enum config_adapter e = (enum config_adapter)a;
			assert(k->size == sizeof e);
			memcpy(cfg_field(base, k), &e, sizeof e);
			return true;
		}
	}
	char q[CFG_QUOTED_SIZE];
	cfg_why(why, whysize, "\"%s\" is not an adapter; use open311 or webhook",
		cfg_show(q, v, n));
	return false;
}

/* Where a destination's submissions go. Never quoted when it has a user
 * name or password in it, so that a reason does not show a password. */
static bool cfg_parse_endpoint(const struct cfg_key *k, const char *v, size_t n,
			       void *base, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	if (n == 0) {
		cfg_why(why, whysize, "needs an https:// link");
		return false;
	}
	const char *scheme_end = strstr(v, "://");
	const char *host = scheme_end ? scheme_end + 3 : v;
	size_t hostlen = strcspn(host, "/?#");
	if (memchr(host, '@', hostlen)) {
		cfg_why(why, whysize,
			"the link has a user name or password in it (before '@'); take "
			"it out, and put the credentials in api_key_file or secret_file");
		return false;
	}
	if (!cfg_fits(k, n, why, whysize))
		return false;
	if (!cfg_link_ascii(v, n, why, whysize))
		return false;
	/* Schemes are case-insensitive; only lower-case https:// is taken,
	 * but HTTP:// is still an http link. */
	bool http = n >= 7;
	for (size_t i = 0; http && i < 7; i++)
		http = tolower((unsigned char)v[i]) == "http://"[i];
	if (http) {
		bool fleet = !strcmp(k->section, "fleet");
		cfg_why(why, whysize, "\"%s\": an http link would send %s unencrypted%s; use https",
			cfg_show(q, v, n), fleet ? "the kiosk's heartbeat" : "personal data",
			fleet ? ", for anyone on the way to read or forge" : "");
		return false;
	}
	if (strncmp(v, "https://", 8) != 0) {
		cfg_why(why, whysize,
			"\"%s\" does not start with https://; the link must use https",
			cfg_show(q, v, n));
		return false;
	}
	if (hostlen == 0) {
		cfg_why(why, whysize, "\"%s\" has no host name after https://",
			cfg_show(q, v, n));
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

/* CFG_FILE and CFG_SECRET: whether a secret is on disk and private is
 * looked at by cfg_check_secret(), for files only. */
static bool cfg_parse_file(const struct cfg_key *k, const char *v, size_t n,
			   void *base, char *why, size_t whysize)
{
	if (n == 0) {
		cfg_why(why, whysize,
			"needs an absolute path; leave the setting out when there is "
			"none");
		return false;
	}
	if (!cfg_fits(k, n, why, whysize))
		return false;
	if (v[0] != '/') {
		char q[CFG_PATH_QUOTED_SIZE];
		cfg_why(why, whysize, "\"%s\" is not an absolute path; start it with /",
			cfg_show_max(q, v, n, CFG_PATH_QUOTE_MAX));
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

static bool cfg_base64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* "sha256//" and the base64 of 32 bytes: 43 digits, the last of which
 * carries two zero bits, and one '='. */
#define CFG_PIN_PREFIX "sha256//"
#define CFG_PIN_LEN (sizeof CFG_PIN_PREFIX - 1 + 44)
static bool cfg_pin(const char *s, size_t n)
{
	size_t pre = sizeof CFG_PIN_PREFIX - 1;
	if (n != CFG_PIN_LEN || memcmp(s, CFG_PIN_PREFIX, pre) != 0)
		return false;
	const char *b = s + pre;
	for (size_t i = 0; i < 43; i++)
		if (!cfg_base64(b[i]))
			return false;
	return strchr("AEIMQUYcgkosw048", b[42]) != NULL && b[43] == '=';
}

static bool cfg_parse_pins(const struct cfg_key *k, const char *v, size_t n,
			   void *base, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	if (n == 0) {
		cfg_why(why, whysize,
			"needs a value; leave the setting out for no pinning");
		return false;
	}
	if (!cfg_fits(k, n, why, whysize))
		return false;
	const char *p = v, *end = v + n;
	for (;;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		if (!cfg_pin(p, (size_t)(e - p))) {
			cfg_why(why, whysize,
				"\"%s\" is not a pinned key; write sha256// and the "
				"44-character base64 SHA-256 of the server's public key, "
				"with ';' and no spaces between two",
				cfg_show(q, p, (size_t)(e - p)));
			return false;
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

static bool cfg_parse_hexkey(const struct cfg_key *k, const char *v, size_t n,
			     void *base, char *why, size_t whysize)
{
	bool ok = n + 1 == k->size;
	for (size_t i = 0; ok && i < n; i++)
		ok = cfg_hex(v[i]) >= 0;
	if (!ok) {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize,
			"\"%s\" is not a public key; use the %zu hex digits of the "
			"destination's crypto_box public key",
			cfg_show(q, v, n), k->size - 1);
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

static bool cfg_parse_format(const struct cfg_key *k, const char *v, size_t n,
			     void *base, char *why, size_t whysize)
{
	if (strcmp(v, "json") && strcmp(v, "xml")) {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize, "\"%s\" is not a format; use json or xml",
			cfg_show(q, v, n));
		return false;
	}
	assert(n < k->size);
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

/* A device id: what the council's systems know the kiosk by, in logs,
 * deliveries and its enrolment. */
static bool cfg_parse_device_id(const struct cfg_key *k, const char *v, size_t n,
				void *base, char *why, size_t whysize)
{
	bool ok = n > 0 && n < k->size;
	for (size_t i = 0; ok && i < n; i++)
		ok = isalnum((unsigned char)v[i]) || strchr("._-", v[i]);
	if (!ok) {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize,
			"\"%s\" is not a device id; use 1 to %zu letters, digits, '.', '_' "
			"and '-', as in library-ground-1",
			cfg_show(q, v, n), k->size - 1);
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

static bool cfg_parse_entry(const struct cfg_key *k, const char *v, size_t n,
			    void *base, char *why, size_t whysize)
{
	for (size_t i = 0; i < sizeof cfg_entry_names / sizeof *cfg_entry_names; i++) {
		if (!strcmp(v, cfg_entry_names[i])) {
			enum config_staff_entry e = (enum config_staff_entry)i;
			assert(k->size == sizeof e);
			memcpy(cfg_field(base, k), &e, sizeof e);
			return true;
		}
	}
	char q[CFG_QUOTED_SIZE];
	cfg_why(why, whysize,
		"\"%s\" is not a way in; use corner (five taps on the hidden corner), "
		"keys (the key combination) or both",
		cfg_show(q, v, n));
	return false;
}

static bool cfg_parse_yesno(const struct cfg_key *k, const char *v, size_t n,
			    void *base, char *why, size_t whysize)
{
	bool yes = !strcmp(v, "yes");
	if (!yes && strcmp(v, "no")) {
		char q[CFG_QUOTED_SIZE];
		cfg_why(why, whysize, "\"%s\" is not yes or no", cfg_show(q, v, n));
		return false;
	}
	assert(k->size == sizeof yes);
	memcpy(cfg_field(base, k), &yes, sizeof yes);
	return true;
}

/* Where the figures for node_exporter's textfile collector go: that
 * collector reads only the files whose names end in .prom. */
static bool cfg_parse_metrics(const struct cfg_key *k, const char *v, size_t n,
			      void *base, char *why, size_t whysize)
{
	static const char ext[] = ".prom";
	size_t el = sizeof ext - 1;
	if (n > 0 && (n <= el + 1 || strcmp(v + n - el, ext) || v[n - el - 1] == '/')) {
		char q[CFG_PATH_QUOTED_SIZE];
		cfg_why(why, whysize,
			"\"%s\" does not end in a file name with .prom; node_exporter's "
			"textfile collector reads only .prom files, as in "
			"/var/lib/prometheus/node-exporter/hatch.prom",
			cfg_show_max(q, v, n, CFG_PATH_QUOTE_MAX));
		return false;
	}
	return cfg_parse_path(k, v, n, base, why, whysize);
}

/* [updates] public_key: "hatch journeys keygen" prints it. Any 32 bytes
 * are taken here; whether they are a key is for the signature to show. */
static bool cfg_parse_pubkey(const struct cfg_key *k, const char *v, size_t n,
			     void *base, char *why, size_t whysize)
{
	/* 43 base64 digits, the last of which carries two zero bits, and '='. */
	bool ok = n + 1 == k->size && v[43] == '=' && strchr("AEIMQUYcgkosw048", v[42]);
	for (size_t i = 0; ok && i < 43; i++)
		ok = cfg_base64(v[i]);
	if (!ok) {
		char q[CFG_QUOTED_SIZE * 2];
		cfg_why(why, whysize,
			"\"%s\" is not a public key; use the %zu-character base64 key that "
			"hatch journeys keygen printed",
			cfg_show_max(q, v, n, CFG_QUOTE_MAX * 2), k->size - 1);
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

/* [updates] url: where the kiosk fetches bundles. A bundle is signed, but
 * the link is still https only, as every link the kiosk follows. */
static bool cfg_parse_url(const struct cfg_key *k, const char *v, size_t n,
			  void *base, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	if (n == 0) {
		cfg_why(why, whysize,
			"needs an https:// link; leave the setting out when bundles are "
			"installed by hand");
		return false;
	}
	const char *scheme_end = strstr(v, "://");
	const char *host = scheme_end ? scheme_end + 3 : v;
	size_t hostlen = strcspn(host, "/?#");
	if (memchr(host, '@', hostlen)) {
		cfg_why(why, whysize,
			"the link has a user name or password in it (before '@'); take it out");
		return false;
	}
	if (!cfg_fits(k, n, why, whysize) || !cfg_link_ascii(v, n, why, whysize))
		return false;
	if (strncmp(v, "https://", 8) != 0) {
		cfg_why(why, whysize,
			"\"%s\" does not start with https://; the kiosk fetches bundles over "
			"https only",
			cfg_show(q, v, n));
		return false;
	}
	if (hostlen == 0) {
		cfg_why(why, whysize, "\"%s\" has no host name after https://",
			cfg_show(q, v, n));
		return false;
	}
	memcpy(cfg_field(base, k), v, n + 1);
	return true;
}

static const cfg_parser cfg_parsers[] = {
	[CFG_TEXT] = cfg_parse_text,
	[CFG_INT] = cfg_parse_int,
	[CFG_COLOUR] = cfg_parse_colour,
	[CFG_LINK] = cfg_parse_link,
	[CFG_LANGUAGES] = cfg_parse_languages,
	[CFG_PATH] = cfg_parse_path,
	[CFG_ADAPTER] = cfg_parse_adapter,
	[CFG_ENDPOINT] = cfg_parse_endpoint,
	[CFG_FILE] = cfg_parse_file,
	[CFG_SECRET] = cfg_parse_file,
	[CFG_PINS] = cfg_parse_pins,
	[CFG_HEXKEY] = cfg_parse_hexkey,
	[CFG_FORMAT] = cfg_parse_format,
	[CFG_DEVICE_ID] = cfg_parse_device_id,
	[CFG_ENTRY] = cfg_parse_entry,
	[CFG_YESNO] = cfg_parse_yesno,
	[CFG_PUBKEY] = cfg_parse_pubkey,
	[CFG_URL] = cfg_parse_url,
	[CFG_METRICS] = cfg_parse_metrics,
};

/* ---- lookups ---- */

static long cfg_find_section(const char *s, size_t n)
{
	for (size_t i = 0; i < CFG_NSECTIONS; i++)
		if (strlen(cfg_sections[i]) == n && memcmp(cfg_sections[i], s, n) == 0)
			return (long)i;
	return -1;
}

/* The key NAME in SECTION, or with SECTION NULL in the first section that
 * has it; -1 when there is none. */
static long cfg_find_key(const char *section, const char *name)
{
	for (size_t i = 0; i < CFG_NKEYS; i++)
		if ((!section || !strcmp(cfg_keys[i].section, section)) &&
		    !strcmp(cfg_keys[i].name, name))
			return (long)i;
	return -1;
}

/* SECTION of the key table as a heading shows it, without its brackets. */
static const char *cfg_heading(const char *section)
{
	return strcmp(section, "destination") ? section : "destination NAME";
}

/* "[council], [kiosk], [display], [storage] and [destination NAME]" */
static void cfg_list_sections(char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < CFG_NSECTIONS && o < size; i++) {
		int w = snprintf(out + o, size - o, "%s[%s]", i == 0 ? "" : ", ",
				 cfg_sections[i]);
		if (w < 0)
			return;
		o += (size_t)w;
	}
	if (o < size)
		snprintf(out + o, size - o, " and [%s]", cfg_heading("destination"));
}

/* "tracking_url, idle_timeout and journeys": the keys of SECTION, and
 * LAST after them when it is not NULL. */
static void cfg_list_keys(char *out, size_t size, const char *section, const char *last)
{
	size_t o = 0, total = last != NULL, seen = 0;
	out[0] = '\0';
	for (size_t i = 0; i < CFG_NKEYS; i++)
		total += !strcmp(cfg_keys[i].section, section);
	for (size_t i = 0; i <= CFG_NKEYS && o < size; i++) {
		const char *name = i < CFG_NKEYS ? cfg_keys[i].name : last;
		if (i < CFG_NKEYS ? strcmp(cfg_keys[i].section, section) != 0 : !last)
			continue;
		const char *sep = seen == 0 ? "" : seen + 1 == total ? " and " : ", ";
		int w = snprintf(out + o, size - o, "%s%s", sep, name);
		if (w < 0)
			break;
		o += (size_t)w;
		seen++;
	}
}

/* ---- the parse ---- */

/* ps->section when not an index in cfg_sections. An unknown section is
 * also a [destination NAME] heading that was reported: its settings are
 * not read. */
enum {
	CFG_NO_SECTION = -1,
	CFG_UNKNOWN_SECTION = -2,
	CFG_DESTINATION = -3,
	CFG_EXT_SECTION = -4, /* one of the extension's sections (secname) */
};

struct cfg_parse {
	struct config *c;
	struct config_problems *p;
	bool check_files;    /* look at secret files on disk (config_load) */
	const struct config_extension *x; /* NULL: no extension */
	const char *text;
	size_t len, pos;     /* POS: the first byte not yet handed to inih */
	int line;            /* the line inih has, from 1; 0 before the first */
	const char *raw;     /* that line, without its '\n' */
	size_t rawlen;
	bool dealt;          /* it gave a setting or has been reported */
	long section;        /* index in cfg_sections, or CFG_*_SECTION */
	char secname[CFG_INIH_SECTION + 1]; /* as inih keeps it */
	int set_on[CFG_NKEYS]; /* the line each key was set on, or 0 */
	/* CFG_DESTINATION: the destination being read, as an index in
	 * c->destinations and in the two arrays below. */
	size_t dest;
	int dest_set_on[CONFIG_MAX_DESTINATIONS][CFG_NKEYS];
	int service_on[CONFIG_MAX_DESTINATIONS][CONFIG_MAX_SERVICES];
};

/* A [destination ...] heading: NAME[0..N) is what is between the brackets,
 * "destination" and then blanks. Starts the destination, or reports why
 * it cannot, in which case its settings are not read. */
static void cfg_destination_heading(struct cfg_parse *ps, const char *name, size_t n)
{
	char q[CFG_QUOTED_SIZE * 2];
	const char *a = name + strlen("destination"), *b = name + n;
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	size_t len = (size_t)(b - a);
	struct config *c = ps->c;
	ps->section = CFG_UNKNOWN_SECTION;
	if (!cfg_is_id(a, len)) {
		cfg_add(ps->p, ps->line,
			"[%s] has no good destination name, and its settings are not "
			"read; name it with 1 to %d lower-case letters, digits and '-', "
			"as in [destination waste-services]",
			cfg_show_max(q, name, n, CFG_QUOTE_MAX * 2), CFG_ID_MAX);
		return;
	}
	for (size_t i = 0; i < c->ndestinations; i++) {
		if (strlen(c->destinations[i].name) == len &&
		    !memcmp(c->destinations[i].name, a, len)) {
			cfg_add(ps->p, ps->line,
				"[destination %s] is a second heading for it (the first "
				"is on line %d), and its settings are not read; give each "
				"destination one section",
				c->destinations[i].name, c->destinations[i].line);
			return;
		}
	}
	if (c->ndestinations == CONFIG_MAX_DESTINATIONS) {
		cfg_add(ps->p, ps->line,
			"[destination %s] is one destination too many, and its settings are "
			"not read; a kiosk has at most %d",
			cfg_show_max(q, a, len, CFG_QUOTE_MAX * 2), CONFIG_MAX_DESTINATIONS);
		return;
	}
	struct config_destination *d = &c->destinations[c->ndestinations];
	memset(d, 0, sizeof *d);
	memcpy(d->name, a, len);
	snprintf(d->format, sizeof d->format, "%s", "json");
	d->line = ps->line;
	ps->dest = c->ndestinations++;
	ps->section = CFG_DESTINATION;
}

/* Looks again at a line that gave inih no setting, as inih saw it: blank, a
 * comment, a heading, or a line it could not read. */
static void cfg_finish_line(struct cfg_parse *ps)
{
	if (ps->line == 0 || ps->dealt)
		return;
	ps->dealt = true;
	const char *s = ps->raw, *end = ps->raw + ps->rawlen;
	char q[CFG_QUOTED_SIZE];
	if (ps->line == 1 && ps->rawlen >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return;
	if (*s != '[') {
		cfg_add(ps->p, ps->line,
			"\"%s\" is not a setting; write key = value, or [section] for a heading",
			cfg_show(q, s, (size_t)(end - s)));
		return;
	}
	/* As inih: the heading ends at the first ']' unless an inline comment
	 * (';' after a space) comes first. */
	const char *close = NULL;
	bool was_space = false;
	for (const char *t = s + 1; t < end; t++) {
		if (*t == ']') {
			close = t;
			break;
		}
		if (was_space && *t == ';')
			break;
		was_space = isspace((unsigned char)*t) != 0;
	}
	if (!close) {
		cfg_add(ps->p, ps->line,
			"\"%s\" is a section heading without its ']'; write it as [name]",
			cfg_show(q, s, (size_t)(end - s)));
		return;
	}
	const char *name = s + 1;
	size_t n = (size_t)(close - name);
	size_t kept = n < CFG_INIH_SECTION ? n : CFG_INIH_SECTION;
	char why[256] = "";
	enum config_ext_result ext;
	memcpy(ps->secname, name, kept);
	ps->secname[kept] = '\0';
	ps->section = cfg_find_section(name, n);
	if (ps->section < 0 && n >= 11 && !memcmp(name, "destination", 11) &&
	    (n == 11 || isspace((unsigned char)name[11]))) {
		cfg_destination_heading(ps, name, n);
	} else if (ps->section < 0 && ps->x && ps->x->section &&
		   (ext = ps->x->section(ps->x->user, ps->line, ps->secname, why, sizeof why)) !=
			   CONFIG_EXT_UNKNOWN) {
		ps->section = ext == CONFIG_EXT_TAKEN ? CFG_EXT_SECTION : CFG_UNKNOWN_SECTION;
		if (ext != CONFIG_EXT_TAKEN)
			cfg_add(ps->p, ps->line, "[%s] %s", cfg_show(q, name, n), why);
	} else if (ps->section < 0) {
		char list[128];
		ps->section = CFG_UNKNOWN_SECTION;
		cfg_list_sections(list, sizeof list);
		cfg_add(ps->p, ps->line,
			"[%s] is not a known section, and its settings are not read; "
			"the sections are %s",
			cfg_show(q, name, n), list);
	}
	const char *rest = close + 1;
	while (rest < end && isspace((unsigned char)*rest))
		rest++;
	if (rest < end && *rest != ';' && *rest != '#')
		cfg_add(ps->p, ps->line,
			"\"%s\" after the heading is not read; put each setting on a line "
			"of its own",
			cfg_show(q, rest, (size_t)(end - rest)));
}

/* inih's reader: hands over the next line, or NULL at the end. A line too
 * long for inih's buffer, or with a NUL byte in it, is reported here and
 * handed over blank so that inih neither splits it nor cuts it short. */
static char *cfg_read_line(char *str, int num, void *stream)
{
	struct cfg_parse *ps = stream;
	cfg_finish_line(ps);
	if (ps->pos >= ps->len)
		return NULL;
	assert(num >= CFG_INIH_LINE);
	(void)num;
	const char *raw = ps->text + ps->pos;
	size_t left = ps->len - ps->pos;
	const char *nl = memchr(raw, '\n', left);
	size_t n = nl ? (size_t)(nl - raw) : left;
	ps->pos += nl ? n + 1 : n;
	ps->line++;
	ps->raw = raw;
	ps->rawlen = n;
	ps->dealt = false;
	size_t content = n - (n > 0 && raw[n - 1] == '\r');
	if (content > CONFIG_LINE_MAX) {
		ps->dealt = true;
		cfg_add(ps->p, ps->line, "the line is %zu bytes long; the most is %d", content,
			CONFIG_LINE_MAX);
		memcpy(str, "\n", 2);
		return str;
	}
	if (memchr(raw, '\0', n)) {
		ps->dealt = true;
		cfg_add(ps->p, ps->line,
			"the line has a NUL byte in it; the file must be UTF-8 text");
		memcpy(str, "\n", 2);
		return str;
	}
	memcpy(str, raw, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
}

/* True when inih's SECTION is the one this file's reader saw last. */
static bool cfg_same_section(const struct cfg_parse *ps, const char *section)
{
	if (ps->section == CFG_NO_SECTION)
		return section[0] == '\0';
	return strcmp(section, ps->secname) == 0;
}

static bool cfg_has_control(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return true;
	return false;
}

void config_secret_owner(struct config_owner *o)
{
	uid_t me = geteuid();
	struct passwd *pw = NULL;
	if (me == 0) {
		const char *service = getenv("HATCH_SERVICE_USER");
		pw = getpwnam(service && *service ? service : "hatch");
		if (!pw)
			pw = getpwuid(0);
	} else {
		pw = getpwuid(me);
	}
	o->uid = pw ? pw->pw_uid : me;
	o->gid = pw ? pw->pw_gid : getegid();
	if (pw && strlen(pw->pw_name) < sizeof o->name)
		snprintf(o->name, sizeof o->name, "%s", pw->pw_name);
	else
		snprintf(o->name, sizeof o->name, "%lu", (unsigned long)o->uid);
}

/* The name of user UID, or its number, into OUT. */
static const char *cfg_user_name(uid_t uid, char *out, size_t size)
{
	struct passwd *pw = getpwuid(uid);
	if (pw && strlen(pw->pw_name) < 32)
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "user %lu", (unsigned long)uid);
	return out;
}

bool config_check_secret(const char *path, char *why, size_t whysize)
{
	char q[CFG_PATH_QUOTED_SIZE], has[48];
	struct stat st;
	struct config_owner o;
	cfg_show_max(q, path, strlen(path), CFG_PATH_QUOTE_MAX);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			cfg_why(why, whysize, "%s does not exist", q);
		else
			cfg_why(why, whysize, "%s cannot be looked at: %s", q,
				strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_why(why, whysize, "%s is not a file", q);
		return false;
	}
	config_secret_owner(&o);
	if (st.st_uid != o.uid) {
		cfg_why(why, whysize,
			"%s belongs to %s, not to %s, the kiosk's user; whoever owns it "
			"can read and change it: chown %s %s",
			q, cfg_user_name(st.st_uid, has, sizeof has), o.name, o.name, q);
		return false;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		cfg_why(why, whysize,
			"%s is readable by other users; make it readable only by the "
			"kiosk's user: chmod 600 %s",
			q, q);
		return false;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		cfg_why(why, whysize,
			"%s can be changed by other users; make it the kiosk's user's "
			"alone: chmod 600 %s",
			q, q);
		return false;
	}
	return true;
}

/* A certificate file (ca_bundle, client_cert) is no secret, but whoever can
 * change a CA bundle can have the kiosk trust a server of theirs. One that
 * is not there is left to the connection to report. */
static bool cfg_check_cert(const char *path, char *why, size_t whysize)
{
	char q[CFG_PATH_QUOTED_SIZE];
	struct stat st;
	if (stat(path, &st) != 0 || !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	cfg_show_max(q, path, strlen(path), CFG_PATH_QUOTE_MAX);
	cfg_why(why, whysize,
		"%s can be changed by other users, who could then have the kiosk "
		"trust a server of theirs: chmod go-w %s",
		q, q);
	return false;
}

/* service.JOURNEY = CODE in the current destination; LABEL is its heading. */
static void cfg_service(struct cfg_parse *ps, const char *label, const char *name,
			const char *value)
{
	char q[CFG_QUOTED_SIZE], qj[CFG_QUOTED_SIZE];
	struct config_destination *d = &ps->c->destinations[ps->dest];
	int line = ps->line;
	const char *journey = name + strlen(CFG_SERVICE);
	size_t jn = strlen(journey), n = strlen(value);
	if (!cfg_is_id(journey, jn)) {
		cfg_add(ps->p, line,
			"[%s] %s: \"%s\" is not a journey id; write service., the id of a "
			"journey and = its Open311 service code, as in "
			"service.missed-bin = 42",
			label, cfg_show(q, name, strlen(name)), cfg_show(qj, journey, jn));
		return;
	}
	for (size_t i = 0; i < d->nservices; i++) {
		if (!strcmp(d->services[i].journey, journey)) {
			cfg_add(ps->p, line,
				"[%s] %s: is set again (first on line %d); give each "
				"setting once",
				label, name, ps->service_on[ps->dest][i]);
			return;
		}
	}
	if (d->nservices == CONFIG_MAX_SERVICES) {
		cfg_add(ps->p, line, "[%s] %s: is one service code too many; the most is %d",
			label, name, CONFIG_MAX_SERVICES);
		return;
	}
	if (!utf8_valid(value, n) || cfg_has_control(value, n)) {
		cfg_add(ps->p, line,
			"[%s] %s: the value is not UTF-8 text, or has a control "
			"character in it",
			label, name);
		return;
	}
	if (n == 0 || n >= sizeof d->services[0].code || strpbrk(value, " ")) {
		cfg_add(ps->p, line,
			"[%s] %s: \"%s\" is not a service code; use the council's Open311 "
			"service_code for the journey, 1 to %zu bytes with no spaces",
			label, name, cfg_show(q, value, n), sizeof d->services[0].code - 1);
		return;
	}
	struct config_service *sv = &d->services[d->nservices];
	memcpy(sv->journey, journey, jn + 1);
	memcpy(sv->code, value, n + 1);
	ps->service_on[ps->dest][d->nservices++] = line;
}

/* Whether VALUE is UTF-8 with no control character; when not, says so as a
 * problem of NAME in [LABEL]. */
static bool cfg_plain_value(struct cfg_parse *ps, const char *label, const char *name,
			    const char *value)
{
	char q[CFG_QUOTED_SIZE];
	size_t n = strlen(value);
	/* NAME may be one no table has (offered to an extension): quoted. */
	if (!utf8_valid(value, n)) {
		cfg_add(ps->p, ps->line,
			"[%s] %s: the value is not valid UTF-8; save the file as UTF-8 text",
			label, cfg_show(q, name, strlen(name)));
		return false;
	}
	if (cfg_has_control(value, n)) {
		cfg_add(ps->p, ps->line,
			"[%s] %s: the value has a control character (such as a tab) in it",
			label, cfg_show(q, name, strlen(name)));
		return false;
	}
	return true;
}

/* NAME = VALUE in the extension's section SECTION. */
static void cfg_extension(struct cfg_parse *ps, const char *section, const char *name,
			  const char *value)
{
	char q[CFG_QUOTED_SIZE], qs[CFG_QUOTED_SIZE * 2], why[256], as_value[16];
	const char *as_name = NULL;
	enum config_ext_result r = CONFIG_EXT_UNKNOWN;
	why[0] = '\0';
	cfg_show_max(qs, section, strlen(section), CFG_QUOTE_MAX * 2);
	if (!name[0]) {
		cfg_add(ps->p, ps->line, "[%s]: a line has '=' with no setting name before it",
			qs);
		return;
	}
	if (!cfg_plain_value(ps, qs, name, value))
		return;
	r = ps->x->setting(ps->x->user, ps->line, section, name, value, why, sizeof why,
			   &as_name, as_value, sizeof as_value);
	/* Its own sections have no settings of the file's to stand for. */
	assert(r != CONFIG_EXT_AS);
	if (r == CONFIG_EXT_BAD)
		cfg_add(ps->p, ps->line, "[%s] %s: %s", qs, cfg_show(q, name, strlen(name)), why);
	else if (r != CONFIG_EXT_TAKEN)
		cfg_add(ps->p, ps->line, "[%s] %s: is not a known setting", qs,
			cfg_show(q, name, strlen(name)));
}

static void cfg_setting(struct cfg_parse *ps, const char *name, const char *value)
{
	char q[CFG_QUOTED_SIZE], why[256], label[96];
	struct config_problems *p = ps->p;
	int line = ps->line;
	if (ps->section == CFG_UNKNOWN_SECTION)
		return; /* its heading has been reported */
	const char *section = NULL;
	if (ps->section == CFG_EXT_SECTION) {
		cfg_extension(ps, ps->secname, name, value);
		return;
	}
	if (ps->section == CFG_DESTINATION) {
		section = "destination";
		snprintf(label, sizeof label, "destination %s",
			 ps->c->destinations[ps->dest].name);
	} else if (ps->section >= 0) {
		section = cfg_sections[ps->section];
		snprintf(label, sizeof label, "%s", section);
	}
	if (name[0] == '\0') {
		if (!section)
			cfg_add(p, line, "a line has '=' with no setting name before it");
		else
			cfg_add(p, line, "[%s]: a line has '=' with no setting name before it",
				label);
		return;
	}
	if (!section) {
		long k = cfg_find_key(NULL, name);
		if (k >= 0)
			cfg_add(p, line,
				"%s: comes before any section heading; put it under [%s]",
				name, cfg_heading(cfg_keys[k].section));
		else
			cfg_add(p, line,
				"\"%s\" comes before any section heading and is not a known "
				"setting",
				cfg_show(q, name, strlen(name)));
		return;
	}
	if (ps->section == CFG_DESTINATION &&
	    !strncmp(name, CFG_SERVICE, strlen(CFG_SERVICE))) {
		cfg_service(ps, label, name, value);
		return;
	}
	long k = cfg_find_key(section, name);
	char as_value[4096];
	if (k < 0 && ps->x && ps->x->setting) {
		const char *as_name = NULL;
		as_value[0] = '\0';
		if (!cfg_plain_value(ps, label, name, value))
			return;
		switch (ps->x->setting(ps->x->user, line, label, name, value, why, sizeof why,
				       &as_name, as_value, sizeof as_value)) {
		case CONFIG_EXT_UNKNOWN:
			break;
		case CONFIG_EXT_TAKEN:
			return;
		case CONFIG_EXT_BAD:
			cfg_add(p, line, "[%s] %s: %s", label, cfg_show(q, name, strlen(name)),
				why);
			return;
		case CONFIG_EXT_AS:
			k = cfg_find_key(section, as_name);
			assert(k >= 0);
			name = as_name;
			value = as_value;
			break;
		}
	}
	if (k < 0) {
		long elsewhere = cfg_find_key(NULL, name);
		char list[192];
		/* A destination's keys are listed rather than sent elsewhere: a
		 * "name" there is not the council's. */
		if (elsewhere >= 0 && ps->section != CFG_DESTINATION) {
			cfg_add(p, line, "[%s] %s: is not a setting of [%s]; put it under [%s]",
				label, name, label, cfg_heading(cfg_keys[elsewhere].section));
			return;
		}
		bool dest = ps->section == CFG_DESTINATION;
		cfg_list_keys(list, sizeof list, section, dest ? CFG_SERVICE "JOURNEY-ID" : NULL);
		cfg_add(p, line, "[%s] %s: is not a known setting; [%s] has %s", label,
			cfg_show(q, name, strlen(name)), cfg_heading(section), list);
		return;
	}
	const struct cfg_key *key = &cfg_keys[k];
	int *set_on = ps->section == CFG_DESTINATION ? ps->dest_set_on[ps->dest] : ps->set_on;
	void *base = ps->section == CFG_DESTINATION ? (void *)&ps->c->destinations[ps->dest]
						     : (void *)ps->c;
	if (set_on[k]) {
		cfg_add(p, line,
			"[%s] %s: is set again (first on line %d); give each setting once",
			label, name, set_on[k]);
		return;
	}
	set_on[k] = line;
	size_t n = strlen(value);
	if (!cfg_plain_value(ps, label, name, value))
		return;
	if (!cfg_parsers[key->type](key, value, n, base, why, sizeof why)) {
		cfg_add(p, line, "[%s] %s: %s", label, name, why);
		return;
	}
	if (key->type == CFG_SECRET && ps->check_files &&
	    !config_check_secret(value, why, sizeof why)) {
		cfg_add(p, line, "[%s] %s: %s", label, name, why);
		memset(cfg_field(base, key), 0, key->size);
	} else if (key->type == CFG_FILE && ps->check_files &&
		   !cfg_check_cert(value, why, sizeof why)) {
		cfg_add(p, line, "[%s] %s: %s", label, name, why);
		memset(cfg_field(base, key), 0, key->size);
	} else if (ps->x && ps->x->seen) {
		ps->x->seen(ps->x->user, line, label, name, value);
	}
}

static int cfg_on_setting(void *user, const char *section, const char *name,
			  const char *value)
{
	struct cfg_parse *ps = user;
	/* Only a heading with INI_CALL_HANDLER_ON_NEW_SECTION, or a bare name
	 * with ini_allow_no_value, both of which are off. */
	if (!name || !value)
		return 1;
	ps->dealt = true;
	assert(cfg_same_section(ps, section));
	(void)section;
	cfg_setting(ps, name, value);
	/* Every problem is recorded here, so inih need not count one. */
	return 1;
}

/* The figures go to a destination of this file. */
static void cfg_check_stats(struct cfg_parse *ps)
{
	struct config *c = ps->c;
	if (!c->stats_destination[0] || config_destination_find(c, c->stats_destination))
		return;
	long k = cfg_find_key("stats", "destination");
	assert(k >= 0);
	cfg_add(ps->p, ps->set_on[k],
		"[stats] destination: no [destination %s] section in this file; name one of "
		"the destinations the figures are to be delivered to",
		c->stats_destination);
	c->stats_destination[0] = '\0';
}

/* The timeout warning has to come before the timeout. */
static void cfg_check_timeouts(struct cfg_parse *ps)
{
	struct config *c = ps->c;
	if (c->warning_seconds < c->idle_seconds)
		return;
	long wi = cfg_find_key("kiosk", "timeout_warning"), ii = cfg_find_key("kiosk", "idle_timeout");
	assert(wi >= 0 && ii >= 0);
	int wl = ps->set_on[wi], il = ps->set_on[ii];
	cfg_add(ps->p, wl > il ? wl : il,
		"[kiosk] timeout_warning: %d seconds is not shorter than idle_timeout (%d "
		"seconds); the warning comes before the timeout, so both keep their defaults",
		c->warning_seconds, c->idle_seconds);
	struct config d;
	config_defaults(&d);
	c->idle_seconds = d.idle_seconds;
	c->warning_seconds = d.warning_seconds;
}

/* What can only be said of a destination once all of it has been read:
 * the keys its adapter needs or does not read, and its link's form. */
static void cfg_check_destination(struct cfg_parse *ps, size_t di)
{
	const struct config_destination *d = &ps->c->destinations[di];
	const int *set_on = ps->dest_set_on[di];
	char label[96], needs[128];
	snprintf(label, sizeof label, "destination %s", d->name);
	unsigned bit = d->adapter == CONFIG_ADAPTER_NONE ? CFG_O | CFG_W : 1u << d->adapter;
	const char *adapter = cfg_adapter_names[d->adapter];
	size_t o = 0, total = 0, seen = 0;
	/* "url and api_key_file", for the reasons below. */
	for (size_t k = 0; k < CFG_NKEYS; k++)
		total += (cfg_keys[k].required & bit) == bit && cfg_keys[k].required;
	needs[0] = '\0';
	for (size_t k = 0; k < CFG_NKEYS && o < sizeof needs; k++) {
		if ((cfg_keys[k].required & bit) != bit || !cfg_keys[k].required)
			continue;
		int w = snprintf(needs + o, sizeof needs - o, "%s%s",
				 seen == 0 ? "" : seen + 1 == total ? " and " : ", ",
				 cfg_keys[k].name);
		if (w < 0)
			break;
		o += (size_t)w;
		seen++;
	}
	for (size_t k = 0; k < CFG_NKEYS; k++) {
		const struct cfg_key *key = &cfg_keys[k];
		if (strcmp(key->section, "destination"))
			continue;
		if (!set_on[k] && key->required && (key->required & bit) == bit) {
			if (d->adapter != CONFIG_ADAPTER_NONE)
				cfg_add(ps->p, d->line,
					"[%s] %s: is missing; %s %s destination needs %s",
					label, key->name,
					d->adapter == CONFIG_ADAPTER_OPEN311 ? "an" : "a",
					adapter, needs);
			else if (key->type == CFG_ADAPTER)
				cfg_add(ps->p, d->line,
					"[%s] adapter: is missing; add adapter = open311 or "
					"adapter = webhook",
					label);
			else
				cfg_add(ps->p, d->line,
					"[%s] %s: is missing; every destination needs %s",
					label, key->name, needs);
		}
		if (set_on[k] && d->adapter == CONFIG_ADAPTER_OPEN311 &&
		    !strcmp(key->name, "seal_key"))
			cfg_add(ps->p, set_on[k],
				"[%s] seal_key: an open311 back end reads each field of a "
				"report, so what is sent to it cannot be sealed; take it out "
				"(the device still encrypts every payload it keeps)",
				label);
		else if (set_on[k] && d->adapter != CONFIG_ADAPTER_NONE && !(key->adapters & bit))
			cfg_add(ps->p, set_on[k],
				"[%s] %s: is not read by the %s adapter; take it out", label,
				key->name, adapter);
	}
	if (d->nservices && d->adapter == CONFIG_ADAPTER_WEBHOOK)
		cfg_add(ps->p, ps->service_on[di][0],
			"[%s] %s%s: service codes are read by the open311 adapter only; take "
			"them out",
			label, CFG_SERVICE, d->services[0].journey);
	long u = cfg_find_key("destination", "url");
	assert(u >= 0);
	size_t ul = strlen(d->url);
	if (d->adapter == CONFIG_ADAPTER_OPEN311 && ul && d->url[ul - 1] != '/')
		cfg_add(ps->p, set_on[u],
			"[%s] url: an Open311 link is the base of the API and ends with '/', "
			"as in https://council.example/open311/v2/",
			label);
	long ck = cfg_find_key("destination", "client_cert");
	long kk = cfg_find_key("destination", "client_key");
	assert(ck >= 0 && kk >= 0);
	if (!set_on[ck] != !set_on[kk])
		cfg_add(ps->p, d->line,
			"[%s] %s: is missing; client_cert and client_key go together", label,
			set_on[ck] ? "client_key" : "client_cert");
}

/* [fleet] once read: a heartbeat needs its secret, the settings of its
 * connection need a heartbeat, and a client certificate needs its key. */
static void cfg_check_fleet(struct cfg_parse *ps)
{
	long url = cfg_find_key("fleet", "heartbeat_url");
	long secret = cfg_find_key("fleet", "secret_file");
	long cert = cfg_find_key("fleet", "client_cert");
	long key = cfg_find_key("fleet", "client_key");
	assert(url >= 0 && secret >= 0 && cert >= 0 && key >= 0);
	const int *set_on = ps->set_on;
	if (set_on[url] && !set_on[secret])
		cfg_add(ps->p, set_on[url],
			"[fleet] secret_file: is missing; a heartbeat_url needs secret_file, "
			"the file holding the secret each heartbeat is signed with");
	for (size_t k = 0; k < CFG_NKEYS; k++) {
		const struct cfg_key *fk = &cfg_keys[k];
		bool tls = fk->type == CFG_SECRET || fk->type == CFG_FILE || fk->type == CFG_PINS;
		if (!strcmp(fk->section, "fleet") && tls && set_on[k] && !set_on[url])
			cfg_add(ps->p, set_on[k],
				"[fleet] %s: is read only for a heartbeat; add heartbeat_url, or "
				"take it out",
				fk->name);
	}
	if (!set_on[cert] != !set_on[key])
		cfg_add(ps->p, set_on[cert] ? set_on[cert] : set_on[key],
			"[fleet] %s: is missing; client_cert and client_key go together",
			set_on[cert] ? "client_key" : "client_cert");
}

/* [updates] once read: a link to fetch from needs the key to check what
 * it fetches, and a CA bundle is for that link. */
static void cfg_check_updates(struct cfg_parse *ps)
{
	long key = cfg_find_key("updates", "public_key");
	long url = cfg_find_key("updates", "url");
	long ca = cfg_find_key("updates", "ca_bundle");
	assert(key >= 0 && url >= 0 && ca >= 0);
	const int *set_on = ps->set_on;
	if (set_on[url] && !set_on[key])
		cfg_add(ps->p, set_on[url],
			"[updates] public_key: is missing; a url needs public_key, the key "
			"bundles are signed with, or no bundle it fetches can be installed");
	if (set_on[ca] && !set_on[url])
		cfg_add(ps->p, set_on[ca],
			"[updates] ca_bundle: is read only for url; add url, or take it out");
}

/* inih's process-wide options, set for our parse and put back after it. */
struct cfg_inih_options {
	bool multiline, bom, inline_comments, use_stack, realloc, stop, no_value;
	char *start_prefixes, *inline_prefixes;
	int max_line;
};

static void cfg_inih_swap(struct cfg_inih_options *o)
{
	struct cfg_inih_options was = {
		ini_allow_multiline, ini_allow_bom, ini_allow_inline_comments, ini_use_stack,
		ini_allow_realloc, ini_stop_on_first_error, ini_allow_no_value,
		ini_start_comment_prefixes, ini_inline_comment_prefixes, ini_max_line,
	};
	ini_allow_multiline = o->multiline;
	ini_allow_bom = o->bom;
	ini_allow_inline_comments = o->inline_comments;
	ini_use_stack = o->use_stack;
	ini_allow_realloc = o->realloc;
	ini_stop_on_first_error = o->stop;
	ini_allow_no_value = o->no_value;
	ini_start_comment_prefixes = o->start_prefixes;
	ini_inline_comment_prefixes = o->inline_prefixes;
	ini_max_line = o->max_line;
	*o = was;
}

static void cfg_too_big(struct config_problems *p)
{
	cfg_add(p, 0,
		"the file is larger than %d bytes, the most a configuration file may be; "
		"is it the right file?",
		CONFIG_FILE_MAX);
}

static bool cfg_has_problem_on(const struct config_problems *p, int line)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].line == line)
			return true;
	return p->dropped > 0;
}

/* config_parse_extended(), and with CHECK_FILES config_load()'s look at the
 * files on disk. */
static enum hatch_err cfg_parse_all(const char *text, size_t len,
				    const struct config_extension *x, struct config *out,
				    struct config_problems *p, bool check_files)
{
	config_defaults(out);
	p->n = 0;
	p->dropped = 0;
	if (len > CONFIG_FILE_MAX) {
		cfg_too_big(p);
		return HATCH_ERR_INPUT;
	}
	struct cfg_parse ps = {
		.c = out,
		.p = p,
		.text = text,
		.len = len,
		.section = CFG_NO_SECTION,
		.check_files = check_files,
		.x = x,
	};
	/* Comments are whole lines starting ';' or '#', or the rest of a line
	 * after " ;". Not after " #": "colour = #1d70b8" would lose its value.
	 * No continuation lines: an indented line is a line like any other. */
	static char start_prefixes[] = ";#";
	static char inline_prefixes[] = ";";
	struct cfg_inih_options opts = {
		.multiline = false,
		.bom = true,
		.inline_comments = true,
		.use_stack = true,
		.realloc = false,
		.stop = false,
		.no_value = false,
		.start_prefixes = start_prefixes,
		.inline_prefixes = inline_prefixes,
		.max_line = CFG_INIH_LINE,
	};
	cfg_inih_swap(&opts);
	int rc = ini_parse_stream(cfg_read_line, &ps, cfg_on_setting, &ps);
	cfg_inih_swap(&opts);
	cfg_finish_line(&ps);
	/* Each line inih could not read has been reported above; this only
	 * keeps a difference between inih's reading and ours from passing. */
	if (rc != 0 && !cfg_has_problem_on(p, rc > 0 ? rc : 0))
		cfg_add(p, rc > 0 ? rc : 0, "the line cannot be read; write key = value, or "
					     "[section] for a heading");
	cfg_check_timeouts(&ps);
	cfg_check_updates(&ps);
	cfg_check_fleet(&ps);
	cfg_check_stats(&ps);
	for (size_t i = 0; i < out->ndestinations; i++)
		cfg_check_destination(&ps, i);
	return p->n || p->dropped ? HATCH_ERR_INPUT : HATCH_OK;
}

enum hatch_err config_parse(const char *text, size_t len, struct config *out,
			    struct config_problems *p)
{
	return cfg_parse_all(text, len, NULL, out, p, false);
}

enum hatch_err config_parse_extended(const char *text, size_t len,
				     const struct config_extension *x, struct config *out,
				     struct config_problems *p)
{
	return cfg_parse_all(text, len, x, out, p, false);
}

/* The file itself: whoever can change it can send the kiosk's submissions
 * anywhere, so it must be its owner's to change, and its owner root or the
 * user reading it. A problem on line 0. */
static void cfg_check_own_file(const char *path, struct config_problems *p)
{
	struct stat st;
	char has[48], me[48];
	if (stat(path, &st) != 0)
		return; /* reported when it is read */
	uid_t uid = geteuid();
	if (st.st_uid != 0 && st.st_uid != uid)
		cfg_add_first(p, 0,
			"the file belongs to %s, who could change where submissions go; "
			"it must belong to root%s%s: chown root on it",
			cfg_user_name(st.st_uid, has, sizeof has), uid ? " or to " : "",
			uid ? cfg_user_name(uid, me, sizeof me) : "");
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		cfg_add_first(p, 0,
			      "the file can be changed by other users, who could send "
			      "submissions elsewhere: chmod go-w on it");
}

enum hatch_err config_load(const char *path, struct config *out, struct config_problems *p,
			   struct hatch_error *e)
{
	config_defaults(out);
	p->n = 0;
	p->dropped = 0;
	char *data;
	size_t len;
	struct hatch_error re;
	enum hatch_err rc = platform_read_file(path, CONFIG_FILE_MAX, &data, &len, &re);
	if (rc == HATCH_ERR_LIMIT) {
		cfg_too_big(p);
		rc = HATCH_ERR_INPUT;
	} else if (rc != HATCH_OK) {
		return err_set(e, rc, "%s", re.msg);
	} else {
		rc = cfg_parse_all(data, len, NULL, out, p, true);
		mem_free(data);
		cfg_check_own_file(path, p);
		if (rc == HATCH_OK && p->n)
			rc = HATCH_ERR_INPUT;
	}
	if (rc != HATCH_OK) {
		size_t n = p->n + p->dropped;
		return err_set(e, rc, "%zu problem%s in the configuration", n, n == 1 ? "" : "s");
	}
	return HATCH_OK;
}

/* ---- writing a configuration back ---- */

/* Whether text value V reads back as itself after "key = ": inih strips
 * the spaces around a value and ends it at a ';' after a space. Says why
 * not in WHY. */
static bool cfg_writable(const char *v, char *why, size_t whysize)
{
	size_t n = strlen(v);
	char q[CFG_QUOTED_SIZE];
	if (n && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]))) {
		cfg_why(why, whysize, "\"%s\" starts or ends with a space, which a file cannot keep",
			cfg_show(q, v, n));
		return false;
	}
	for (size_t i = 1; i < n; i++) {
		if (v[i] == ';' && isspace((unsigned char)v[i - 1])) {
			cfg_why(why, whysize,
				"\"%s\" has a ';' after a space, which would start a comment",
				cfg_show(q, v, n));
			return false;
		}
	}
	return true;
}

/* "key = value\n"; "key =;value\n" for a value that starts with ';', which
 * after a space would be a comment, and "key =\n" for an empty one. */
static enum hatch_err cfg_write_value(struct buf *b, const char *label, const char *key,
				      const char *v, struct hatch_error *e)
{
	char why[256];
	if (!cfg_writable(v, why, sizeof why))
		return err_set(e, HATCH_ERR_INPUT, "[%s] %s: %s", label, key, why);
	enum hatch_err rc = buf_addf(b, "%s =%s%s\n", key, v[0] == ';' || !v[0] ? "" : " ", v);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s", rc == HATCH_ERR_NOMEM ? "out of memory"
								   : "the configuration would be "
								     "larger than a file may be");
	return HATCH_OK;
}

/* One key K of BASE (a struct config, or a struct config_destination). */
static enum hatch_err cfg_write_key(struct buf *b, const char *label, const struct cfg_key *k,
				    const void *base, struct hatch_error *e)
{
	const char *f = (const char *)base + k->offset;
	char v[CONFIG_MAX_LANGUAGES * (CONFIG_LANGUAGE_SIZE + 2)];
	int i;
	switch (k->type) {
	case CFG_INT:
		memcpy(&i, f, sizeof i);
		snprintf(v, sizeof v, "%d", i);
		return cfg_write_value(b, label, k->name, v, e);
	case CFG_COLOUR: {
		struct config_color col;
		memcpy(&col, f, sizeof col);
		snprintf(v, sizeof v, "#%02x%02x%02x", col.r, col.g, col.b);
		return cfg_write_value(b, label, k->name, v, e);
	}
	case CFG_LANGUAGES: {
		const struct config *c = base;
		size_t o = 0;
		v[0] = '\0';
		for (size_t l = 0; l < c->nlanguages && o < sizeof v; l++)
			o += (size_t)snprintf(v + o, sizeof v - o, "%s%s", l ? ", " : "",
					      c->languages[l]);
		return cfg_write_value(b, label, k->name, v, e);
	}
	case CFG_ADAPTER: {
		enum config_adapter a;
		memcpy(&a, f, sizeof a);
		return cfg_write_value(b, label, k->name, cfg_adapter_names[a], e);
	}
	case CFG_ENTRY: {
		enum config_staff_entry en;
		memcpy(&en, f, sizeof en);
		return cfg_write_value(b, label, k->name, cfg_entry_names[en], e);
	}
	case CFG_YESNO: {
		bool yes;
		memcpy(&yes, f, sizeof yes);
		return cfg_write_value(b, label, k->name, yes ? "yes" : "no", e);
	}
	case CFG_TEXT:
	case CFG_LINK:
	case CFG_PATH:
	case CFG_ENDPOINT:
	case CFG_FILE:
	case CFG_SECRET:
	case CFG_PINS:
	case CFG_HEXKEY:
	case CFG_FORMAT:
	case CFG_DEVICE_ID:
	case CFG_PUBKEY:
	case CFG_URL:
	case CFG_METRICS:
		assert(memchr(f, '\0', k->size));
		return cfg_write_value(b, label, k->name, f, e);
	}
	assert(0 && "a key type without a writer");
	return HATCH_ERR_STATE;
}

/* Whether K of a fixed section is written: empty paths and an empty device
 * id are the defaults and have nothing to say, and so is a [fleet] setting
 * that is empty or, for the interval, the default. */
static bool cfg_written(const struct cfg_key *k, const struct config *c)
{
	/* [updates]: what is set; the interval when it is not the default. */
	if (!strcmp(k->section, "updates"))
		return k->type == CFG_INT ? c->update_interval != CONFIG_UPDATE_INTERVAL
					  : ((const char *)c + k->offset)[0] != '\0';
	if (!strcmp(k->section, "fleet") && k->type == CFG_INT)
		return c->fleet.interval != CONFIG_FLEET_INTERVAL;
	if (k->type == CFG_PATH || k->type == CFG_DEVICE_ID || !strcmp(k->section, "fleet"))
		return ((const char *)c + k->offset)[0] != '\0';
	/* No destination, no figures sent: the section says nothing. */
	if (!strcmp(k->section, "stats"))
		return c->stats_destination[0] != '\0';
	return true;
}

static enum hatch_err cfg_write_heading(struct buf *b, bool first, const char *name,
					struct hatch_error *e)
{
	enum hatch_err rc = buf_addf(b, "%s[%s]\n", first ? "" : "\n", name);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s", rc == HATCH_ERR_NOMEM ? "out of memory"
								   : "the configuration would be "
								     "larger than a file may be");
	return HATCH_OK;
}

static enum hatch_err cfg_write_destination(struct buf *b, const struct config_destination *d,
					    struct hatch_error *e)
{
	char label[96];
	snprintf(label, sizeof label, "destination %s", d->name);
	enum hatch_err rc = cfg_write_heading(b, false, label, e);
	unsigned bit = d->adapter == CONFIG_ADAPTER_NONE ? 0 : 1u << d->adapter;
	for (size_t k = 0; rc == HATCH_OK && k < CFG_NKEYS; k++) {
		const struct cfg_key *key = &cfg_keys[k];
		if (strcmp(key->section, "destination"))
			continue;
		const char *f = (const char *)d + key->offset;
		bool set = key->type == CFG_ADAPTER ? d->adapter != CONFIG_ADAPTER_NONE
						    : f[0] != '\0';
		if (set && (key->type == CFG_ADAPTER || (key->adapters & bit)))
			rc = cfg_write_key(b, label, key, d, e);
	}
	for (size_t i = 0; rc == HATCH_OK && i < d->nservices; i++) {
		char key[sizeof CFG_SERVICE + sizeof d->services[i].journey];
		snprintf(key, sizeof key, "%s%s", CFG_SERVICE, d->services[i].journey);
		rc = cfg_write_value(b, label, key, d->services[i].code, e);
	}
	return rc;
}

enum hatch_err config_format(const struct config *c, char **out, size_t *len,
			     struct hatch_error *e)
{
	struct buf b;
	enum hatch_err rc = HATCH_OK;
	bool first = true;
	*out = NULL;
	*len = 0;
	buf_init(&b, CONFIG_FILE_MAX);
	for (size_t s = 0; rc == HATCH_OK && s < CFG_NSECTIONS; s++) {
		bool heading = false;
		for (size_t k = 0; rc == HATCH_OK && k < CFG_NKEYS; k++) {
			const struct cfg_key *key = &cfg_keys[k];
			if (strcmp(key->section, cfg_sections[s]) || !cfg_written(key, c))
				continue;
			if (!heading)
				rc = cfg_write_heading(&b, first, cfg_sections[s], e);
			heading = true;
			first = false;
			if (rc == HATCH_OK)
				rc = cfg_write_key(&b, cfg_sections[s], key, c, e);
		}
	}
	for (size_t i = 0; rc == HATCH_OK && i < c->ndestinations; i++)
		rc = cfg_write_destination(&b, &c->destinations[i], e);
	if (rc != HATCH_OK) {
		buf_cleanup(&b);
		return rc;
	}
	*len = b.len;
	*out = buf_take(&b);
	if (!*out)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	return HATCH_OK;
}
