/* The device configuration file: INI read with inih, checked against a table
 * of known sections and keys with one value parser per kind of setting, so
 * that later sections (destinations, credentials, staff) are rows and
 * parsers, not new control flow. Every problem names its line and says what
 * is allowed; the parse allocates nothing.
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
#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "platform/platform.h"

/* inih's line buffer: the longest line, its "\r\n" and a NUL. */
#define CFG_INIH_LINE (CONFIG_LINE_MAX + 3)
/* inih keeps at most this many bytes of a section's name (MAX_SECTION - 1). */
#define CFG_INIH_SECTION 49
/* How much of a value or name a reason quotes. */
#define CFG_QUOTE_MAX 32

enum cfg_type {
	CFG_TEXT,      /* non-empty UTF-8 text that fits the field */
	CFG_INT,       /* a whole number from min to max */
	CFG_COLOUR,    /* #rrggbb */
	CFG_LINK,      /* an https:// link with {reference} in it, or empty */
	CFG_LANGUAGES, /* a comma-separated list of BCP 47 tags */
	CFG_PATH,      /* an absolute path, or empty for the default */
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	size_t offset; /* of the field in struct config */
	size_t size;   /* of the field */
	long min, max; /* CFG_INT */
	const char *unit; /* CFG_INT: "seconds", as in "use seconds from..." */
};

#define CFG_FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

/* The sections, in the order the documentation gives them. */
static const char *const cfg_sections[] = {"council", "kiosk", "display", "storage"};
#define CFG_NSECTIONS (sizeof cfg_sections / sizeof *cfg_sections)

static const struct cfg_key cfg_keys[] = {
	{"council", "name", CFG_TEXT, CFG_FIELD(council), 0, 0, NULL},
	{"council", "colour", CFG_COLOUR, CFG_FIELD(brand), 0, 0, NULL},
	{"kiosk", "languages", CFG_LANGUAGES, CFG_FIELD(languages), 0, 0, NULL},
	{"kiosk", "idle_timeout", CFG_INT, CFG_FIELD(idle_seconds), 30, 3600, "seconds"},
	{"kiosk", "timeout_warning", CFG_INT, CFG_FIELD(warning_seconds), 10, 300, "seconds"},
	{"kiosk", "tracking_url", CFG_LINK, CFG_FIELD(tracking_url), 0, 0, NULL},
	{"kiosk", "journeys", CFG_PATH, CFG_FIELD(journeys), 0, 0, NULL},
	{"display", "dpi", CFG_INT, CFG_FIELD(dpi), 60, 600, "dots per inch"},
	{"storage", "database", CFG_PATH, CFG_FIELD(database), 0, 0, NULL},
};
#define CFG_NKEYS (sizeof cfg_keys / sizeof *cfg_keys)

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

/* Writes S[0..N) into OUT for a reason: printable ASCII as it is, every
 * other byte as \xNN, at most CFG_QUOTE_MAX bytes of S and then "...", so
 * that a reason is always short, plain ASCII and safe on a terminal.
 * OUT must hold CFG_QUOTE_MAX * 4 + 4 bytes. */
#define CFG_QUOTED_SIZE (CFG_QUOTE_MAX * 4 + 4)
static const char *cfg_show(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && i < CFG_QUOTE_MAX; i++) {
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
	if (n > CFG_QUOTE_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* ---- value parsers: each writes its field only when the value is good,
 * and otherwise says why in WHY, after "[section] key: ". ---- */

typedef bool (*cfg_parser)(const struct cfg_key *k, const char *v, size_t n,
			   struct config *c, char *why, size_t whysize);

/* Where K's value lives in C. */
static void *cfg_field(struct config *c, const struct cfg_key *k)
{
	return (char *)c + k->offset;
}

static bool cfg_fits(const struct cfg_key *k, size_t n, char *why, size_t whysize)
{
	if (n < k->size)
		return true;
	cfg_why(why, whysize, "the value is %zu bytes long; the most is %zu", n, k->size - 1);
	return false;
}

static bool cfg_parse_text(const struct cfg_key *k, const char *v, size_t n,
			   struct config *c, char *why, size_t whysize)
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
			  struct config *c, char *why, size_t whysize)
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
			     struct config *c, char *why, size_t whysize)
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

static bool cfg_parse_link(const struct cfg_key *k, const char *v, size_t n,
			   struct config *c, char *why, size_t whysize)
{
	char q[CFG_QUOTED_SIZE];
	/* Empty is allowed: the confirmation shows no QR code. */
	if (!cfg_fits(k, n, why, whysize))
		return false;
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
				struct config *c, char *why, size_t whysize)
{
	assert(k->offset == offsetof(struct config, languages));
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
			   struct config *c, char *why, size_t whysize)
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

static const cfg_parser cfg_parsers[] = {
	[CFG_TEXT] = cfg_parse_text,
	[CFG_INT] = cfg_parse_int,
	[CFG_COLOUR] = cfg_parse_colour,
	[CFG_LINK] = cfg_parse_link,
	[CFG_LANGUAGES] = cfg_parse_languages,
	[CFG_PATH] = cfg_parse_path,
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

/* "[council], [kiosk], [display] and [storage]" */
static void cfg_list_sections(char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < CFG_NSECTIONS && o < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == CFG_NSECTIONS ? " and " : ", ";
		int w = snprintf(out + o, size - o, "%s[%s]", sep, cfg_sections[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* "tracking_url, idle_timeout and journeys": the keys of SECTION. */
static void cfg_list_keys(char *out, size_t size, const char *section)
{
	size_t o = 0, total = 0, seen = 0;
	out[0] = '\0';
	for (size_t i = 0; i < CFG_NKEYS; i++)
		total += !strcmp(cfg_keys[i].section, section);
	for (size_t i = 0; i < CFG_NKEYS && o < size; i++) {
		if (strcmp(cfg_keys[i].section, section))
			continue;
		const char *sep = seen == 0 ? "" : seen + 1 == total ? " and " : ", ";
		int w = snprintf(out + o, size - o, "%s%s", sep, cfg_keys[i].name);
		if (w < 0)
			break;
		o += (size_t)w;
		seen++;
	}
}

/* ---- the parse ---- */

enum { CFG_NO_SECTION = -1, CFG_UNKNOWN_SECTION = -2 };

struct cfg_parse {
	struct config *c;
	struct config_problems *p;
	const char *text;
	size_t len, pos;     /* POS: the first byte not yet handed to inih */
	int line;            /* the line inih has, from 1; 0 before the first */
	const char *raw;     /* that line, without its '\n' */
	size_t rawlen;
	bool dealt;          /* it gave a setting or has been reported */
	long section;        /* index in cfg_sections, or CFG_*_SECTION */
	char secname[CFG_INIH_SECTION + 1]; /* as inih keeps it */
	int set_on[CFG_NKEYS]; /* the line each key was set on, or 0 */
};

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
	memcpy(ps->secname, name, kept);
	ps->secname[kept] = '\0';
	ps->section = cfg_find_section(name, n);
	if (ps->section < 0) {
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

static void cfg_setting(struct cfg_parse *ps, const char *name, const char *value)
{
	char q[CFG_QUOTED_SIZE], why[256];
	struct config_problems *p = ps->p;
	int line = ps->line;
	if (ps->section == CFG_UNKNOWN_SECTION)
		return; /* its heading has been reported */
	if (name[0] == '\0') {
		if (ps->section == CFG_NO_SECTION)
			cfg_add(p, line, "a line has '=' with no setting name before it");
		else
			cfg_add(p, line, "[%s]: a line has '=' with no setting name before it",
				cfg_sections[ps->section]);
		return;
	}
	if (ps->section == CFG_NO_SECTION) {
		long k = cfg_find_key(NULL, name);
		if (k >= 0)
			cfg_add(p, line,
				"%s: comes before any section heading; put it under [%s]",
				name, cfg_keys[k].section);
		else
			cfg_add(p, line,
				"\"%s\" comes before any section heading and is not a known "
				"setting",
				cfg_show(q, name, strlen(name)));
		return;
	}
	const char *section = cfg_sections[ps->section];
	long k = cfg_find_key(section, name);
	if (k < 0) {
		long elsewhere = cfg_find_key(NULL, name);
		char list[160];
		if (elsewhere >= 0) {
			cfg_add(p, line, "[%s] %s: is not a setting of [%s]; put it under [%s]",
				section, name, section, cfg_keys[elsewhere].section);
			return;
		}
		cfg_list_keys(list, sizeof list, section);
		cfg_add(p, line, "[%s] %s: is not a known setting; [%s] has %s", section,
			cfg_show(q, name, strlen(name)), section, list);
		return;
	}
	const struct cfg_key *key = &cfg_keys[k];
	if (ps->set_on[k]) {
		cfg_add(p, line,
			"[%s] %s: is set again (first on line %d); give each setting once",
			section, name, ps->set_on[k]);
		return;
	}
	ps->set_on[k] = line;
	size_t n = strlen(value);
	if (!utf8_valid(value, n)) {
		cfg_add(p, line,
			"[%s] %s: the value is not valid UTF-8; save the file as UTF-8 text",
			section, name);
		return;
	}
	if (cfg_has_control(value, n)) {
		cfg_add(p, line, "[%s] %s: the value has a control character (such as a tab) in it",
			section, name);
		return;
	}
	if (!cfg_parsers[key->type](key, value, n, ps->c, why, sizeof why))
		cfg_add(p, line, "[%s] %s: %s", section, name, why);
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

enum hatch_err config_parse(const char *text, size_t len, struct config *out,
			    struct config_problems *p)
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
	return p->n || p->dropped ? HATCH_ERR_INPUT : HATCH_OK;
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
		rc = config_parse(data, len, out, p);
		mem_free(data);
	}
	if (rc != HATCH_OK) {
		size_t n = p->n + p->dropped;
		return err_set(e, rc, "%zu problem%s in the configuration", n, n == 1 ? "" : "s");
	}
	return HATCH_OK;
}
