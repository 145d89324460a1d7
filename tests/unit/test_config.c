/* Unit tests for platform/config: the defaults, a full file, comments and
 * line endings, every kind of problem on the line it is on, destinations and
 * their rules, the device and staff settings, loading a file from disk with
 * the checks of the file itself, its secret and certificate files, writing
 * a configuration back (config_format), and a file that extends it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"
#include <ini.h>

#include "base/mem.h"
#include "platform/config.h"


static void write_file(const char *name, const char *text, size_t n, char *path,
		       size_t size)
{
	snprintf(path, size, "%s/%s", support_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
	/* Whatever the umask, a file only its owner may change. */
	assert_int_equal(chmod(path, 0644), 0);
}

static enum hatch_err parse(const char *text, struct config *c, struct config_problems *p)
{
	return config_parse(text, strlen(text), c, p);
}

/* Problem I is on LINE and its reason contains WANT. */
static void expect(const struct config_problems *p, size_t i, int line, const char *want)
{
	if (i >= p->n)
		fail_msg("expected a problem %zu on line %d (\"%s\"); there are %zu", i, line,
			 want, p->n);
	if (p->v[i].line != line || !strstr(p->v[i].reason, want))
		fail_msg("problem %zu: got line %d \"%s\"; expected line %d with \"%s\"", i,
			 p->v[i].line, p->v[i].reason, line, want);
}

/* There are N problems; when not, they are shown. */
static void expect_count(const struct config_problems *p, size_t n)
{
	if (p->n == n)
		return;
	for (size_t i = 0; i < p->n; i++)
		print_message("# line %d: %s\n", p->v[i].line, p->v[i].reason);
	fail_msg("expected %zu problems; there are %zu", n, p->n);
}

static void defaults(void **state)
{
	(void)state;
	struct config c;
	memset(&c, 0x55, sizeof c);
	config_defaults(&c);
	assert_string_equal(c.council, "Demonstration District Council");
	assert_int_equal(c.brand.r, 0x1d);
	assert_int_equal(c.brand.g, 0x70);
	assert_int_equal(c.brand.b, 0xb8);
	assert_string_equal(c.tracking_url, "https://council.example/track/{reference}");
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.warning_seconds, 30);
	assert_int_equal(c.dpi, 96);
	static const char *const langs[] = {"en", "cy", "pl", "ro", "pa", "ur", "ar"};
	assert_int_equal(c.nlanguages, 7);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal(c.languages[i], langs[i]);
	assert_string_equal(c.database, "");
	assert_string_equal(c.journeys, "");
	assert_int_equal(c.retention_days, 7);
	assert_int_equal(c.ndestinations, 0);
	assert_null(config_destination_find(&c, "waste-services"));
	assert_string_equal(c.device_id, "");
	assert_int_equal(c.staff_entry, CONFIG_STAFF_BOTH);
	assert_true(c.staff_pause);
	assert_int_equal(c.staff_seconds, 600);

	/* An empty file, and one of only comments, is the defaults. */
	struct config d;
	struct config_problems p;
	assert_int_equal(parse("", &d, &p), HATCH_OK);
	expect_count(&p, 0);
	assert_memory_equal(&c, &d, sizeof c);
	assert_int_equal(parse("; nothing\n# here\n\n[kiosk]\n", &d, &p), HATCH_OK);
	assert_memory_equal(&c, &d, sizeof c);
}

static const char full[] =
	"; Hatch configuration for the kiosk in Central Library\n"
	"[council]\n"
	"name = Borough of Example Council\n"
	"colour = #00703C\n"
	"\n"
	"[kiosk]\n"
	"languages = cy, en , pt-br,sr-latn\n"
	"idle_timeout = 300 ; five minutes\n"
	"timeout_warning = 45\n"
	"tracking_url = https://example.gov.uk/track?ref={reference}&from=kiosk\n"
	"journeys = /srv/hatch/journeys\n"
	"# the screen is a 10 inch panel\n"
	"[display]\n"
	"dpi = 160\n"
	"[storage]\n"
	"database = /var/lib/hatch/hatch.db\n";

static void full_file(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse(full, &c, &p);
	assert_int_equal(rc, HATCH_OK);
	expect_count(&p, 0);
	assert_int_equal(p.dropped, 0);
	assert_string_equal(c.council, "Borough of Example Council");
	assert_int_equal(c.brand.r, 0x00);
	assert_int_equal(c.brand.g, 0x70);
	assert_int_equal(c.brand.b, 0x3c);
	assert_int_equal(c.nlanguages, 4);
	assert_string_equal(c.languages[0], "cy");
	assert_string_equal(c.languages[1], "en");
	assert_string_equal(c.languages[2], "pt-br");
	assert_string_equal(c.languages[3], "sr-latn");
	assert_string_equal(c.languages[4], "");
	assert_int_equal(c.idle_seconds, 300);
	assert_int_equal(c.warning_seconds, 45);
	assert_string_equal(c.tracking_url,
			    "https://example.gov.uk/track?ref={reference}&from=kiosk");
	assert_string_equal(c.journeys, "/srv/hatch/journeys");
	assert_int_equal(c.dpi, 160);
	assert_string_equal(c.database, "/var/lib/hatch/hatch.db");
}

/* A byte order mark, Windows line endings, both comment characters, an
 * indented setting and ':' for '=' are all read; '#' inside a value is not a
 * comment, " ;" is. Text need not end in a newline or a NUL. */
static void comments_and_line_endings(void **state)
{
	(void)state;
	static const char text[] = "\xEF\xBB\xBF; first line\r\n"
				   "[council]\r\n"
				   "  colour = #ABCDEF ; a comment\r\n"
				   "# another\r\n"
				   "name: Ynys Council #1\r\n"
				   "[kiosk] ; the kiosk\r\n"
				   "idle_timeout=60;not a comment\r\n"
				   "dpi";
	struct config c;
	struct config_problems p;
	/* Without the last line ("dpi", an unfinished setting). */
	enum hatch_err rc = config_parse(text, sizeof text - 4, &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	assert_int_equal(c.brand.r, 0xab);
	assert_int_equal(c.brand.b, 0xef);
	assert_string_equal(c.council, "Ynys Council #1");
	/* ';' with no space before it is part of the value. */
	expect_count(&p, 1);
	expect(&p, 0, 7, "[kiosk] idle_timeout: \"60;not a comment\" is not a whole number");
	assert_int_equal(c.idle_seconds, 120);

	rc = config_parse(text, sizeof text - 1, &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 1, 8, "\"dpi\" is not a setting; write key = value");
}

static void bad_numbers(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[kiosk]\n"
				  "\n"
				  "; the timeout\n"
				  "\n"
				  "\n"
				  "\n"
				  "idle_timeout = abc\n"
				  "timeout_warning = 301\n"
				  "[display]\n"
				  "dpi = 59\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 3);
	assert_int_equal(p.v[0].line, 7);
	assert_string_equal(p.v[0].reason, "[kiosk] idle_timeout: \"abc\" is not a whole "
					   "number; use seconds from 30 to 3600");
	expect(&p, 1, 8, "[kiosk] timeout_warning: 301 is out of range; use seconds from 10 to 300");
	expect(&p, 2, 10, "[display] dpi: 59 is out of range; use dots per inch from 60 to 600");
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.warning_seconds, 30);
	assert_int_equal(c.dpi, 96);

	static const char *const bad[] = {
		"",  "+60", "60s", "6 0", "1e3", "0x40", "-", "99999999999999999999999",
		"-99999999999999999999999", "3601", "29", "-60",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[128];
		snprintf(text, sizeof text, "[kiosk]\nidle_timeout = %s\n", bad[i]);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 2, "[kiosk] idle_timeout: ");
		expect(&p, 0, 2, "use seconds from 30 to 3600");
		assert_int_equal(c.idle_seconds, 120);
	}
	/* The ends of the ranges are allowed. */
	assert_int_equal(parse("[kiosk]\nidle_timeout=3600\ntimeout_warning=300\n"
			       "[display]\ndpi=600\n",
			       &c, &p),
			 HATCH_OK);
	assert_int_equal(c.idle_seconds, 3600);
	assert_int_equal(c.warning_seconds, 300);
	assert_int_equal(c.dpi, 600);
	assert_int_equal(parse("[kiosk]\nidle_timeout=30\ntimeout_warning=10\n"
			       "[display]\ndpi=60\n",
			       &c, &p),
			 HATCH_OK);
	assert_int_equal(c.idle_seconds, 30);
	assert_int_equal(c.warning_seconds, 10);
	assert_int_equal(c.dpi, 60);
}

/* The warning must come before the timeout; when it does not, both keep
 * their defaults and the later of the two lines is blamed. */
static void warning_not_before_timeout(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[kiosk]\ntimeout_warning = 60\nidle_timeout = 60\n", &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 3, "[kiosk] timeout_warning: 60 seconds is not shorter than "
			 "idle_timeout (60 seconds)");
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.warning_seconds, 30);
	/* Against the default timeout. */
	assert_int_equal(parse("[kiosk]\n\ntimeout_warning = 200\n", &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 3, "200 seconds is not shorter than idle_timeout (120 seconds)");
}

static void bad_colour(void **state)
{
	(void)state;
	static const char *const bad[] = {"blue", "1d70b8", "#1d70b", "#1d70b8a",
					  "#1d70bg", "#fff", "# 1d70b8", ""};
	struct config c;
	struct config_problems p;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[128];
		snprintf(text, sizeof text, "[council]\nname = X\ncolour = %s\n", bad[i]);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 3, "[council] colour: ");
		expect(&p, 0, 3, "is not a colour; use # and six hex digits, like #1d70b8");
		assert_int_equal(c.brand.r, 0x1d);
		assert_string_equal(c.council, "X");
	}
}

static void tracking_url(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[kiosk]\ntracking_url = http://council.example/{reference}\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 2, "[kiosk] tracking_url: \"http://council.example/{referenc...\" "
			 "does not start with https://; the link must use https, or be empty");
	assert_string_equal(c.tracking_url, "https://council.example/track/{reference}");
	assert_int_equal(parse("[kiosk]\n\ntracking_url = https://council.example/track\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 3, "has no {reference}; put {reference} where the reference number goes");
	assert_int_equal(parse("[kiosk]\ntracking_url = https:///{reference}\n", &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 2, "has no host name after https://");
	assert_int_equal(parse("[kiosk]\ntracking_url = https://a.example/my {reference}\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 2, "has a space or a character that is not ASCII");
	assert_int_equal(parse("[kiosk]\ntracking_url = https://a.example/\xC3\xA9/{reference}\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 2, "\"https://a.example/\\xc3\\xa9/{reference}\" has a space");
	/* A good one, with the reference in the query. */
	assert_int_equal(parse("[kiosk]\ntracking_url = https://a.example/t?r={reference}\n",
			       &c, &p),
			 HATCH_OK);
	assert_string_equal(c.tracking_url, "https://a.example/t?r={reference}");
}

static void empty_tracking_url_disables_qr(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[kiosk]\ntracking_url =\n", &c, &p), HATCH_OK);
	expect_count(&p, 0);
	assert_string_equal(c.tracking_url, "");
	assert_int_equal(parse("[kiosk]\ntracking_url = ; no QR code\n", &c, &p), HATCH_OK);
	assert_string_equal(c.tracking_url, "");
}

static void languages(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[kiosk]\nlanguages = pl\n", &c, &p), HATCH_OK);
	assert_int_equal(c.nlanguages, 1);
	assert_string_equal(c.languages[0], "pl");
	assert_string_equal(c.languages[1], "");

	static const struct {
		const char *value, *want;
	} bad[] = {
		{"", "needs at least one language"},
		{"en, EN-GB", "\"EN-GB\" is not a language tag; use lower-case BCP 47 tags"},
		{"en,,cy", "the list has an empty entry"},
		{"en, cy,", "the list has an empty entry"},
		{"en cy", "\"en cy\" is not a language tag"},
		{"e", "\"e\" is not a language tag"},
		{"engl", "\"engl\" is not a language tag"},
		{"en-", "\"en-\" is not a language tag"},
		{"en--gb", "\"en--gb\" is not a language tag"},
		{"en-abcdefghi", "\"en-abcdefghi\" is not a language tag"},
		{"zh-hant-abcdefgh", "\"zh-hant-abcdefgh\" is not a language tag"},
		{"es-419", "\"es-419\" is not a language tag"},
		{"en, cy, en", "\"en\" is listed twice"},
		{"aa,ab,ac,ad,ae,af,ag,ah,ai,aj,ak,al,am,an,ao,ap,aq",
		 "lists more than 16 languages; the most is 16"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[128];
		snprintf(text, sizeof text, "[kiosk]\nlanguages = %s\n", bad[i].value);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 2, "[kiosk] languages: ");
		expect(&p, 0, 2, bad[i].want);
		/* All or nothing: the default list stays whole. */
		assert_int_equal(c.nlanguages, 7);
		assert_string_equal(c.languages[0], "en");
		assert_string_equal(c.languages[6], "ar");
	}
	/* Sixteen, and a tag of fifteen bytes, are allowed. */
	assert_int_equal(parse("[kiosk]\nlanguages = aa,ab,ac,ad,ae,af,ag,ah,ai,aj,ak,al,am,an,"
			       "ao,zh-hant-abcdefg\n",
			       &c, &p),
			 HATCH_OK);
	assert_int_equal(c.nlanguages, 16);
	assert_string_equal(c.languages[15], "zh-hant-abcdefg");
}

static void paths(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[storage]\ndatabase = hatch.db\n[kiosk]\njourneys = ./j\n", &c,
			       &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 2, "[storage] database: \"hatch.db\" is not an absolute path; start it "
			 "with /");
	expect(&p, 1, 4, "[kiosk] journeys: \"./j\" is not an absolute path");
	assert_string_equal(c.database, "");
	assert_string_equal(c.journeys, "");
	/* Empty means the program's default. */
	assert_int_equal(parse("[storage]\ndatabase =\n", &c, &p), HATCH_OK);
	assert_string_equal(c.database, "");
}

/* Values longer than their field, and lines longer than inih's buffer. */
static void too_long(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static char text[4 * CONFIG_LINE_MAX];
	char *t = text;
	t += snprintf(t, 64, "[council]\nname = ");
	memset(t, 'N', 127);
	t += 127;
	t += snprintf(t, 64, "\n[storage]\ndatabase = /");
	memset(t, 'd', 4095);
	t += 4095;
	t += snprintf(t, 64, "\n[kiosk]\njourneys = /");
	memset(t, 'j', 4094);
	t += 4094;
	t += snprintf(t, 64, "\ntracking_url = https://a.example/{reference}");
	memset(t, 'u', 512 - 29);
	t += 512 - 29;
	*t++ = '\n';
	enum hatch_err rc = config_parse(text, (size_t)(t - text), &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 4, "[storage] database: the value is 4096 bytes long; the most is 4095");
	expect(&p, 1, 7, "[kiosk] tracking_url: the value is 512 bytes long; the most is 511");
	assert_int_equal(strlen(c.council), 127);
	assert_int_equal(strlen(c.journeys), 4095);
	assert_string_equal(c.database, "");

	t = text;
	t += snprintf(t, 64, "[council]\nname = ");
	memset(t, 'N', 128);
	t += 128;
	t += snprintf(t, 64, "\n[storage]\n; ");
	memset(t, '=', CONFIG_LINE_MAX - 2);
	t += CONFIG_LINE_MAX - 2;
	t += snprintf(t, 64, "\r\n; ");
	/* A line inih would split in two: never read as a setting. */
	memset(t, 'x', CONFIG_LINE_MAX + 100);
	memcpy(t + CONFIG_LINE_MAX, "database = /x", 13);
	t += CONFIG_LINE_MAX + 100;
	t += snprintf(t, 64, "\r\n[display]\ndpi = 100\n");
	rc = config_parse(text, (size_t)(t - text), &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 2, "[council] name: the value is 128 bytes long; the most is 127");
	expect(&p, 1, 5, "the line is 8291 bytes long; the most is 8189");
	assert_string_equal(c.council, "Demonstration District Council");
	assert_string_equal(c.database, "");
	assert_int_equal(c.dpi, 100);
}

static void bad_text(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static const char text[] = "[council]\n"
				   "name = Cyngor \xC3\xA2 \xC0\xAF\n"
				   "[kiosk]\n"
				   "journeys = /a\tb\n"
				   "[display]\n"
				   "dpi = 1\0002\n"
				   "[council]\n"
				   "name =\n";
	assert_int_equal(config_parse(text, sizeof text - 1, &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 4);
	expect(&p, 0, 2, "[council] name: the value is not valid UTF-8; save the file as UTF-8");
	expect(&p, 1, 4, "[kiosk] journeys: the value has a control character");
	expect(&p, 2, 6, "the line has a NUL byte in it");
	expect(&p, 3, 8, "[council] name: is set again (first on line 2)");
	/* Good UTF-8 is kept as it is. */
	assert_int_equal(parse("[council]\nname = Cyngor Sir Ynys M\xC3\xB4n\n", &c, &p),
			 HATCH_OK);
	assert_string_equal(c.council, "Cyngor Sir Ynys M\xC3\xB4n");
	assert_int_equal(parse("[council]\nname =\n", &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 2, "[council] name: needs a value");
}

static void lines_inih_cannot_read(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[kiosk\n"
				  "idle_timeout = 60\n"
				  "just some words\n"
				  "[display] dpi = 100\n"
				  "= 5\n"
				  "[display ; comment]\n"
				  "dpi = 120\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 6);
	expect(&p, 0, 1, "\"[kiosk\" is a section heading without its ']'");
	expect(&p, 1, 2, "idle_timeout: comes before any section heading; put it under [kiosk]");
	expect(&p, 2, 3, "\"just some words\" is not a setting; write key = value");
	expect(&p, 3, 4, "\"dpi = 100\" after the heading is not read");
	expect(&p, 4, 5, "[display]: a line has '=' with no setting name before it");
	expect(&p, 5, 6, "\"[display ; comment]\" is a section heading without its ']'");
	/* The heading with text after it still counts, but not its text. */
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.dpi, 120);
}

static void duplicate_key(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[kiosk]\n"
				  "idle_timeout = 200\n"
				  "[display]\n"
				  "dpi = 120\n"
				  "[kiosk]\n"
				  "idle_timeout = 300\n"
				  "idle_timeout = 400\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 2);
	assert_int_equal(p.v[0].line, 6);
	assert_string_equal(p.v[0].reason, "[kiosk] idle_timeout: is set again (first on line "
					   "2); give each setting once");
	expect(&p, 1, 7, "(first on line 2)");
	/* The first one counts; the rest of the file is still read. */
	assert_int_equal(c.idle_seconds, 200);
	assert_int_equal(c.dpi, 120);
	/* A bad first value is still the first. */
	assert_int_equal(parse("[display]\ndpi = x\ndpi = 100\n", &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 1, 3, "[display] dpi: is set again (first on line 2)");
	assert_int_equal(c.dpi, 96);
}

/* [stats]: the destination the figures go to must be one of the file's,
 * and the threshold and retention have their ranges. */
static void stats_section(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static const char good[] = "[stats]\ndestination = figures\nthreshold = 10\n"
				   "retention_days = 90\n"
				   "[destination figures]\nadapter = webhook\n"
				   "url = https://stats.example.org/hatch\n"
				   "secret_file = /etc/hatch/secrets/figures.hmac\n";
	assert_int_equal(config_parse(good, strlen(good), &c, &p), HATCH_OK);
	assert_string_equal(c.stats_destination, "figures");
	assert_int_equal(c.stats_threshold, 10);
	assert_int_equal(c.stats_retention_days, 90);
	config_defaults(&c);
	assert_string_equal(c.stats_destination, "");
	assert_int_equal(c.stats_threshold, 5);
	assert_int_equal(c.stats_retention_days, 30);
	static const char bad[] = "[stats]\ndestination = elsewhere\nthreshold = 1\n"
				  "retention_days = 0\n";
	assert_int_equal(config_parse(bad, strlen(bad), &c, &p), HATCH_ERR_INPUT);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.v[0].line, 3);
	assert_int_equal(p.v[1].line, 4);
	assert_int_equal(p.v[2].line, 2);
	assert_non_null(strstr(p.v[2].reason, "no [destination elsewhere] section"));
	assert_string_equal(c.stats_destination, "");
}

static void unknown_section_and_key(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[council]\n"
				  "name = A\n"
				  "[destinations]\n"
				  "url = https://example\n"
				  "idle_timeout = 40\n"
				  "[kiosk]\n"
				  "idle_timout = 40\n"
				  "dpi = 100\n"
				  "[Kiosk]\n"
				  "[]\n"
				  "[display]\n"
				  "dpi = 100\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 5);
	/* The heading is the problem; its settings are not reported again. */
	assert_int_equal(p.v[0].line, 3);
	assert_string_equal(p.v[0].reason,
			    "[destinations] is not a known section, and its settings are "
			    "not read; the sections are [device], [council], [kiosk], "
			    "[display], [storage], [staff], [fleet], [stats], [updates] and "
			    "[destination NAME]");
	assert_int_equal(p.v[1].line, 7);
	assert_string_equal(p.v[1].reason,
			    "[kiosk] idle_timout: is not a known setting; [kiosk] has "
			    "languages, idle_timeout, timeout_warning, tracking_url and journeys");
	expect(&p, 2, 8, "[kiosk] dpi: is not a setting of [kiosk]; put it under [display]");
	expect(&p, 3, 9, "[Kiosk] is not a known section");
	expect(&p, 4, 10, "[] is not a known section");
	assert_string_equal(c.council, "A");
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.dpi, 100);
	/* Before any heading. */
	assert_int_equal(parse("colour = #000000\nfoo = 1\n", &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 1, "colour: comes before any section heading; put it under [council]");
	expect(&p, 1, 2, "\"foo\" comes before any section heading and is not a known setting");
}

/* Reasons quote at most a little of what was written, as plain ASCII. */
static void reasons_are_short_and_plain(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static char text[2048];
	char *t = text;
	t += snprintf(t, 64, "[\x1b[31m");
	for (int i = 0; i < 100; i++)
		t += snprintf(t, 8, "\xE2\x80\xAE");
	t += snprintf(t, 64, "]\n[kiosk]\nidle_timeout = ");
	memset(t, '9', 600);
	t += 600;
	*t++ = '\n';
	assert_int_equal(config_parse(text, (size_t)(t - text), &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 1, "[\\x1b[31m\\xe2\\x80\\xae");
	expect(&p, 1, 3, "99999999999999999999999999999999... is out of range");
	for (size_t i = 0; i < p.n; i++)
		for (const char *s = p.v[i].reason; *s; s++)
			assert_true(*s >= 0x20 && *s < 0x7f);
}

static void problems_are_capped(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static char text[4096];
	char *t = text;
	t += snprintf(t, 16, "[display]\n");
	for (int i = 0; i < 100; i++)
		t += snprintf(t, 16, "x%d\n", i);
	t += snprintf(t, 16, "dpi = 200\n");
	assert_int_equal(config_parse(text, (size_t)(t - text), &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, CONFIG_MAX_PROBLEMS);
	assert_int_equal(p.dropped, 100 - CONFIG_MAX_PROBLEMS);
	expect(&p, 63, 65, "\"x63\" is not a setting");
	assert_int_equal(c.dpi, 200);
}

/* inih's process-wide options are put back as they were. */
static void inih_options_restored(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	bool multiline = ini_allow_multiline, inline_comments = ini_allow_inline_comments;
	int max_line = ini_max_line;
	char *prefixes = ini_inline_comment_prefixes;
	assert_int_equal(parse(full, &c, &p), HATCH_OK);
	assert_int_equal(ini_allow_multiline, multiline);
	assert_int_equal(ini_allow_inline_comments, inline_comments);
	assert_int_equal(ini_max_line, max_line);
	assert_ptr_equal(ini_inline_comment_prefixes, prefixes);
	/* With continuation lines allowed by someone else, an indented line is
	 * still a setting of its own here. */
	ini_allow_multiline = true;
	assert_int_equal(parse("[kiosk]\nidle_timeout = 60\n  timeout_warning = 20\n", &c, &p),
			 HATCH_OK);
	assert_int_equal(c.warning_seconds, 20);
	assert_true(ini_allow_multiline);
	ini_allow_multiline = multiline;
}

static void load_file(void **state)
{
	(void)state;
	char path[512];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	write_file("hatch.conf", full, sizeof full - 1, path, sizeof path);
	assert_int_equal(config_load(path, &c, &p, &e), HATCH_OK);
	expect_count(&p, 0);
	assert_int_equal(c.dpi, 160);

	static const char bad[] = "[kiosk]\nidle_timeout = abc\n[display]\ndpi = 200\n";
	write_file("bad.conf", bad, sizeof bad - 1, path, sizeof path);
	assert_int_equal(config_load(path, &c, &p, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "1 problem in the configuration");
	expect(&p, 0, 2, "[kiosk] idle_timeout: \"abc\" is not a whole number");
	assert_int_equal(c.idle_seconds, 120);
	assert_int_equal(c.dpi, 200);
	assert_int_equal(config_load(path, &c, &p, NULL), HATCH_ERR_INPUT);
}

static void missing_file(void **state)
{
	(void)state;
	char path[512];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	memset(&c, 0x55, sizeof c);
	memset(&p, 0x55, sizeof p);
	snprintf(path, sizeof path, "%s/absent.conf", support_dir);
	assert_int_equal(config_load(path, &c, &p, &e), HATCH_ERR_NOTFOUND);
	assert_non_null(strstr(e.msg, "No such file"));
	expect_count(&p, 0);
	assert_int_equal(p.dropped, 0);
	assert_int_equal(c.idle_seconds, 120);
	assert_string_equal(c.council, "Demonstration District Council");
	/* A directory is not a file. */
	assert_int_equal(config_load(support_dir, &c, &p, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "directory"));
	expect_count(&p, 0);
}

static void file_too_large(void **state)
{
	(void)state;
	char path[512];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	char *big = mem_alloc(CONFIG_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	write_file("big.conf", big, CONFIG_FILE_MAX + 1, path, sizeof path);
	assert_int_equal(config_load(path, &c, &p, &e), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 0, "the file is larger than 65536 bytes");
	assert_int_equal(config_parse(big, CONFIG_FILE_MAX + 1, &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 0, "the file is larger than 65536 bytes");
	/* At the limit it is read. */
	assert_int_equal(config_parse(big, CONFIG_FILE_MAX, &c, &p), HATCH_OK);
	write_file("big.conf", big, CONFIG_FILE_MAX, path, sizeof path);
	assert_int_equal(config_load(path, &c, &p, &e), HATCH_OK);
	mem_free(big);
}

static void retention_days(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[storage]\nretention_days = 30\n", &c, &p), HATCH_OK);
	assert_int_equal(c.retention_days, 30);
	assert_int_equal(parse("[storage]\nretention_days = 1\n", &c, &p), HATCH_OK);
	assert_int_equal(c.retention_days, 1);
	assert_int_equal(parse("[storage]\nretention_days = 365\n", &c, &p), HATCH_OK);
	assert_int_equal(c.retention_days, 365);
	assert_int_equal(parse("[storage]\n\nretention_days = 366\n", &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 3, "[storage] retention_days: 366 is out of range; use days from 1 to 365");
	assert_int_equal(c.retention_days, 7);
	assert_int_equal(parse("[storage]\nretention_days = 0\n", &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 2, "[storage] retention_days: 0 is out of range");
}

#define PIN_A "sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
#define PIN_B "sha256//YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg="
#define SEAL "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f"

static const char destinations_text[] =
	"[council]\n"
	"name = Borough of Example Council\n"
	"\n"
	"[destination waste-services]\n"
	"adapter = open311\n"
	"url = https://311.example.gov.uk/open311/v2/\n"
	"api_key_file = /etc/hatch/secrets/waste.key\n"
	"format = xml\n"
	"service.missed-bin = 4\n"
	"service.fly-tipping = FT-01\n"
	"ca_bundle = /etc/hatch/ca/council.pem\n"
	"pinned_keys = " PIN_A ";" PIN_B "\n"
	"client_cert = /etc/hatch/tls/kiosk.crt\n"
	"client_key = /etc/hatch/tls/kiosk.key\n"
	"; a second destination\n"
	"[destination parish-council]\n"
	"adapter = webhook\n"
	"url = https://hooks.example.org/hatch?kiosk=library\n"
	"secret_file = /etc/hatch/secrets/parish.hmac\n"
	"seal_key = " SEAL "\n"
	"[storage]\n"
	"retention_days = 14\n"
	"[destination 311]\n"
	"adapter = open311\n"
	"url = https://a.example/\n"
	"api_key_file = /k\n";

static void destinations(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse(destinations_text, &c, &p), HATCH_OK);
	expect_count(&p, 0);
	assert_string_equal(c.council, "Borough of Example Council");
	assert_int_equal(c.retention_days, 14);
	assert_int_equal(c.ndestinations, 3);

	const struct config_destination *d = &c.destinations[0];
	assert_string_equal(d->name, "waste-services");
	assert_int_equal(d->line, 4);
	assert_int_equal(d->adapter, CONFIG_ADAPTER_OPEN311);
	assert_string_equal(d->url, "https://311.example.gov.uk/open311/v2/");
	assert_string_equal(d->api_key_file, "/etc/hatch/secrets/waste.key");
	assert_string_equal(d->secret_file, "");
	assert_string_equal(d->format, "xml");
	assert_string_equal(d->ca_bundle, "/etc/hatch/ca/council.pem");
	assert_string_equal(d->pinned_keys, PIN_A ";" PIN_B);
	assert_string_equal(d->client_cert, "/etc/hatch/tls/kiosk.crt");
	assert_string_equal(d->client_key, "/etc/hatch/tls/kiosk.key");
	assert_string_equal(d->seal_key, "");
	assert_int_equal(d->nservices, 2);
	assert_string_equal(d->services[0].journey, "missed-bin");
	assert_string_equal(d->services[0].code, "4");
	assert_string_equal(d->services[1].journey, "fly-tipping");
	assert_string_equal(d->services[1].code, "FT-01");

	d = &c.destinations[1];
	assert_string_equal(d->name, "parish-council");
	assert_int_equal(d->line, 16);
	assert_int_equal(d->adapter, CONFIG_ADAPTER_WEBHOOK);
	assert_string_equal(d->url, "https://hooks.example.org/hatch?kiosk=library");
	assert_string_equal(d->secret_file, "/etc/hatch/secrets/parish.hmac");
	assert_string_equal(d->api_key_file, "");
	assert_string_equal(d->seal_key, SEAL);
	assert_string_equal(d->pinned_keys, "");
	assert_string_equal(d->client_cert, "");
	assert_int_equal(d->nservices, 0);

	/* format defaults to json. */
	d = &c.destinations[2];
	assert_string_equal(d->name, "311");
	assert_int_equal(d->line, 23);
	assert_string_equal(d->format, "json");

	assert_ptr_equal(config_destination_find(&c, "waste-services"), &c.destinations[0]);
	assert_ptr_equal(config_destination_find(&c, "parish-council"), &c.destinations[1]);
	assert_ptr_equal(config_destination_find(&c, "311"), &c.destinations[2]);
	assert_null(config_destination_find(&c, "waste"));
	assert_null(config_destination_find(&c, ""));
	assert_null(config_destination_find(&c, "Waste-Services"));
}

static void destination_headings(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[destination]\n"
				  "adapter = x\n"
				  "[destination Waste]\n"
				  "[destination -waste]\n"
				  "[destination waste_services]\n"
				  "[destination a]\n"
				  "adapter = webhook\n"
				  "url = https://a.example/hook\n"
				  "secret_file = /s\n"
				  "[destination a]\n"
				  "adapter = open311\n"
				  "[destination\tb ]\n"
				  "adapter = webhook\n"
				  "url = https://b.example/hook\n"
				  "secret_file = /s\n"
				  "[destinations]\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 6);
	assert_string_equal(p.v[0].reason,
			    "[destination] has no good destination name, and its settings are "
			    "not read; name it with 1 to 64 lower-case letters, digits and '-', "
			    "as in [destination waste-services]");
	expect(&p, 0, 1, "[destination] has no good destination name");
	expect(&p, 1, 3, "[destination Waste] has no good destination name");
	expect(&p, 2, 4, "[destination -waste] has no good destination name");
	expect(&p, 3, 5, "[destination waste_services] has no good destination name");
	expect(&p, 4, 10, "[destination a] is a second heading for it (the first is on line "
			  "6), and its settings are not read; give each destination one section");
	expect(&p, 5, 16, "[destinations] is not a known section");
	assert_int_equal(c.ndestinations, 2);
	assert_int_equal(c.destinations[0].adapter, CONFIG_ADAPTER_WEBHOOK);
	assert_string_equal(c.destinations[1].name, "b");

	/* Names of 64 are allowed, and not of 65. */
	char text[256];
	char name[66];
	memset(name, 'n', 65);
	name[65] = '\0';
	snprintf(text, sizeof text, "[destination %s]\n", name);
	assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 1, "has no good destination name");
	assert_int_equal(c.ndestinations, 0);
	name[64] = '\0';
	snprintf(text, sizeof text,
		 "[destination %s]\nadapter = webhook\nurl = https://a.example/\n"
		 "secret_file = /s\n",
		 name);
	assert_int_equal(parse(text, &c, &p), HATCH_OK);
	assert_int_equal(c.ndestinations, 1);
	assert_string_equal(c.destinations[0].name, name);
	assert_non_null(config_destination_find(&c, name));
}

static void too_many_destinations(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static char text[8192];
	char *t = text;
	for (int i = 0; i < CONFIG_MAX_DESTINATIONS + 1; i++)
		t += snprintf(t, 256,
			      "[destination d%d]\nadapter = webhook\n"
			      "url = https://d%d.example/\nsecret_file = /s\n",
			      i, i);
	assert_int_equal(config_parse(text, (size_t)(t - text), &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	assert_int_equal(p.v[0].line, 4 * CONFIG_MAX_DESTINATIONS + 1);
	assert_string_equal(p.v[0].reason, "[destination d16] is one destination too many, and "
					   "its settings are not read; a kiosk has at most 16");
	assert_int_equal(c.ndestinations, CONFIG_MAX_DESTINATIONS);
	assert_string_equal(c.destinations[15].name, "d15");
	assert_null(config_destination_find(&c, "d16"));
}

static void destination_keys(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[destination waste]\n"
				  "adapter = open311\n"
				  "url = https://a.example/v2/\n"
				  "api_key_file = /k\n"
				  "name = Waste services\n"
				  "dpi = 100\n"
				  "adapter = webhook\n"
				  "format = yaml\n"
				  "seal_key = 8f40\n"
				  "pinned_keys = sha256//abc\n"
				  "ca_bundle = certs/ca.pem\n"
				  "client_cert =\n"
				  "client_key = ~/kiosk.key\n"
				  "= 1\n"
				  "[kiosk]\n"
				  "url = https://a.example/\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 12);
	assert_int_equal(p.v[0].line, 5);
	assert_string_equal(p.v[0].reason,
			    "[destination waste] name: is not a known setting; [destination "
			    "NAME] has adapter, url, api_key_file, secret_file, ca_bundle, "
			    "pinned_keys, client_cert, client_key, seal_key, format and "
			    "service.JOURNEY-ID");
	expect(&p, 1, 6, "[destination waste] dpi: is not a known setting; [destination NAME] "
			 "has adapter");
	expect(&p, 2, 7, "[destination waste] adapter: is set again (first on line 2)");
	expect(&p, 3, 8, "[destination waste] format: \"yaml\" is not a format; use json or xml");
	expect(&p, 4, 9, "[destination waste] seal_key: \"8f40\" is not a public key; use the 64 "
			 "hex digits");
	expect(&p, 5, 10, "[destination waste] pinned_keys: \"sha256//abc\" is not a pinned key");
	expect(&p, 6, 11, "[destination waste] ca_bundle: \"certs/ca.pem\" is not an absolute "
			  "path; start it with /");
	expect(&p, 7, 12, "[destination waste] client_cert: needs an absolute path; leave the "
			  "setting out when there is none");
	expect(&p, 8, 13, "[destination waste] client_key: \"~/kiosk.key\" is not an absolute "
			  "path");
	expect(&p, 9, 14, "[destination waste]: a line has '=' with no setting name");
	expect(&p, 10, 16, "[kiosk] url: is not a setting of [kiosk]; put it under "
			   "[destination NAME]");
	const struct config_destination *d = config_destination_find(&c, "waste");
	assert_non_null(d);
	assert_int_equal(d->adapter, CONFIG_ADAPTER_OPEN311);
	assert_string_equal(d->format, "json");
	assert_string_equal(d->ca_bundle, "");
	/* client_cert and client_key were both given, if badly: no "missing". */

	/* Before any heading. */
	assert_int_equal(parse("secret_file = /s\n", &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 1, "secret_file: comes before any section heading; put it under "
			 "[destination NAME]");

	/* Pins: one or several, each exact. */
	static const char *const bad_pins[] = {
		PIN_A ";",
		PIN_A "; " PIN_B,
		"SHA256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
		"sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg",
		"sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgh=",
		"sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwC-g=",
		"sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg==",
	};
	for (size_t i = 0; i < sizeof bad_pins / sizeof *bad_pins; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "[destination w]\nadapter = webhook\nurl = https://a.example/\n"
			 "secret_file = /s\npinned_keys = %s\n",
			 bad_pins[i]);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 5, "[destination w] pinned_keys: ");
		expect(&p, 0, 5, "is not a pinned key");
		assert_string_equal(c.destinations[0].pinned_keys, "");
	}
	/* An upper-case public key is allowed; a 63-digit one is not. */
	assert_int_equal(parse("[destination w]\nadapter = webhook\nurl = https://a.example/\n"
			       "secret_file = /s\nseal_key = "
			       "8F40C5ADB68F25624AE5B214EA767A6EC94D829D3D7B5E1AD1BA6F3E2138285F\n",
			       &c, &p),
			 HATCH_OK);
	assert_int_equal(parse("[destination w]\nadapter = webhook\nurl = https://a.example/\n"
			       "secret_file = /s\nseal_key = "
			       "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 5, "is not a public key");
	/* Open311 needs the fields themselves: nothing sent to it is sealed. */
	assert_int_equal(parse("[destination o]\nadapter = open311\nurl = https://a.example/\n"
			       "api_key_file = /k\nseal_key = "
			       "8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 5, "[destination o] seal_key: an open311 back end reads each field of a "
			 "report, so what is sent to it cannot be sealed");
	assert_int_equal(parse("[destination w]\nadapter = ftp\n", &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 2, "[destination w] adapter: \"ftp\" is not an adapter; use open311 or "
			 "webhook");
	expect(&p, 1, 1, "[destination w] url: is missing; every destination needs adapter "
			 "and url");
}

static void destination_urls(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	static const struct {
		const char *url, *want;
	} bad[] = {
		{"http://311.example.gov.uk/v2/",
		 "\"http://311.example.gov.uk/v2/\": an http link would send personal data "
		 "unencrypted; use https"},
		{"HTTP://311.example/", "an http link would send personal data unencrypted"},
		{"ftp://311.example/", "\"ftp://311.example/\" does not start with https://"},
		{"311.example/v2/", "does not start with https://"},
		{"https://", "\"https://\" has no host name after https://"},
		{"https:///v2/", "has no host name after https://"},
		{"https://311.example/my api/", "has a space or a character that is not ASCII"},
		{"https://kiosk:hunter2@311.example/v2/",
		 "the link has a user name or password in it (before '@'); take it out"},
		{"http://kiosk:hunter2@311.example/v2/", "has a user name or password in it"},
		{"https://kiosk@311.example/v2/", "has a user name or password in it"},
		{"", "needs an https:// link"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "[destination waste-services]\nadapter = open311\n"
			 "api_key_file = /k\nurl = %s\n",
			 bad[i].url);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		/* Reported once: a bad url is not also a missing one. */
		expect_count(&p, 1);
		expect(&p, 0, 4, "[destination waste-services] url: ");
		expect(&p, 0, 4, bad[i].want);
		/* The password is never repeated. */
		assert_null(strstr(p.v[0].reason, "hunter2"));
		assert_string_equal(c.destinations[0].url, "");
	}
	assert_int_equal(parse("[destination waste-services]\nadapter = open311\n"
			       "api_key_file = /k\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 1, "[destination waste-services] url: is missing; an open311 "
			 "destination needs adapter, url and api_key_file");
	/* An '@' after the host is not a user name. */
	assert_int_equal(parse("[destination w]\nadapter = webhook\nsecret_file = /s\n"
			       "url = https://a.example/hook?to=a@b.example\n",
			       &c, &p),
			 HATCH_OK);
	assert_string_equal(c.destinations[0].url, "https://a.example/hook?to=a@b.example");
	/* An Open311 link is a base and ends with '/'; a webhook's need not. */
	assert_int_equal(parse("[destination waste]\nadapter = open311\n"
			       "url = https://311.example/open311/v2\napi_key_file = /k\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	assert_int_equal(p.v[0].line, 3);
	assert_string_equal(p.v[0].reason,
			    "[destination waste] url: an Open311 link is the base of the API "
			    "and ends with '/', as in https://council.example/open311/v2/");
}

static void destination_required_keys(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[kiosk]\n"
				  "dpi = 1\n"
				  "[destination none]\n"
				  "format = json\n"
				  "[destination waste]\n"
				  "adapter = open311\n"
				  "url = https://a.example/\n"
				  "secret_file = /s\n"
				  "[destination parish]\n"
				  "adapter = webhook\n"
				  "api_key_file = /k\n"
				  "format = json\n"
				  "service.missed-bin = 4\n"
				  "service.report-it = 5\n"
				  "client_cert = /c\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	/* Problems on lines come first; what is missing comes after the whole
	 * file, on the heading's line, destination by destination. */
	expect_count(&p, 11);
	expect(&p, 0, 2, "[kiosk] dpi: is not a setting of [kiosk]");
	assert_int_equal(p.v[1].line, 3);
	assert_string_equal(p.v[1].reason, "[destination none] adapter: is missing; add adapter "
					   "= open311 or adapter = webhook");
	expect(&p, 2, 3, "[destination none] url: is missing; every destination needs adapter "
			 "and url");
	assert_int_equal(p.v[3].line, 5);
	assert_string_equal(p.v[3].reason, "[destination waste] api_key_file: is missing; an "
					   "open311 destination needs adapter, url and "
					   "api_key_file");
	expect(&p, 4, 8, "[destination waste] secret_file: is not read by the open311 "
			 "adapter; take it out");
	expect(&p, 5, 9, "[destination parish] url: is missing; a webhook destination needs "
			 "adapter, url and secret_file");
	expect(&p, 6, 11, "[destination parish] api_key_file: is not read by the webhook adapter");
	expect(&p, 7, 9, "[destination parish] secret_file: is missing; a webhook destination "
			 "needs adapter, url and secret_file");
	expect(&p, 8, 12, "[destination parish] format: is not read by the webhook adapter");
	expect(&p, 9, 13, "[destination parish] service.missed-bin: service codes are read by "
			  "the open311 adapter only");
	expect(&p, 10, 9, "[destination parish] client_key: is missing; client_cert and "
			  "client_key go together");
	/* A key alone also needs its certificate. */
	assert_int_equal(parse("[destination w]\nadapter = webhook\nurl = https://a.example/\n"
			       "secret_file = /s\nclient_key = /k\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 1, "[destination w] client_cert: is missing; client_cert and client_key "
			 "go together");
}

static void destination_services(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	enum hatch_err rc = parse("[destination waste]\n"
				  "adapter = open311\n"
				  "url = https://a.example/\n"
				  "api_key_file = /k\n"
				  "service.missed-bin = 4\n"
				  "service.Missed-Bin = 5\n"
				  "service. = 6\n"
				  "service.-bin = 6\n"
				  "service.fly-tipping =\n"
				  "service.report-it = report it\n"
				  "service.missed-bin = 7\n"
				  "service.noise = N\xC3\xA9\n",
				  &c, &p);
	assert_int_equal(rc, HATCH_ERR_INPUT);
	expect_count(&p, 6);
	expect(&p, 0, 6, "[destination waste] service.Missed-Bin: \"Missed-Bin\" is not a "
			 "journey id; write service., the id of a journey and = its Open311 "
			 "service code");
	expect(&p, 1, 7, "[destination waste] service.: \"\" is not a journey id");
	expect(&p, 2, 8, "[destination waste] service.-bin: \"-bin\" is not a journey id");
	expect(&p, 3, 9, "[destination waste] service.fly-tipping: \"\" is not a service code; "
			 "use the council's Open311 service_code for the journey, 1 to 64 bytes "
			 "with no spaces");
	expect(&p, 4, 10, "[destination waste] service.report-it: \"report it\" is not a service "
			  "code");
	expect(&p, 5, 11, "[destination waste] service.missed-bin: is set again (first on line "
			  "5); give each setting once");
	const struct config_destination *d = config_destination_find(&c, "waste");
	assert_non_null(d);
	assert_int_equal(d->nservices, 2);
	assert_string_equal(d->services[0].journey, "missed-bin");
	assert_string_equal(d->services[0].code, "4");
	assert_string_equal(d->services[1].journey, "noise");
	assert_string_equal(d->services[1].code, "N\xC3\xA9");

	/* At most CONFIG_MAX_SERVICES. */
	static char text[4096];
	char *t = text;
	t += snprintf(t, 256, "[destination waste]\nadapter = open311\nurl = https://a.example/\n"
			      "api_key_file = /k\n");
	for (int i = 0; i < CONFIG_MAX_SERVICES + 1; i++)
		t += snprintf(t, 64, "service.j%d = %d\n", i, i);
	assert_int_equal(config_parse(text, (size_t)(t - text), &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 4 + CONFIG_MAX_SERVICES + 1,
	       "[destination waste] service.j32: is one service code too many; the most is 32");
	assert_int_equal(c.destinations[0].nservices, CONFIG_MAX_SERVICES);
	assert_string_equal(c.destinations[0].services[31].journey, "j31");
}

/* Writes a short secret to the file NAME in the test directory with MODE. */
static void write_secret(const char *name, mode_t mode, char *path, size_t size)
{
	write_file(name, "k3y\n", 4, path, size);
	assert_int_equal(chmod(path, mode), 0);
}

/* The secret files are looked at on disk by config_load, not config_parse. */
static void destination_secret_files(void **state)
{
	(void)state;
	char key[512], secret[512], client_key[512], conf[512], text[4096];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	write_secret("waste.key", 0600, key, sizeof key);
	write_secret("parish.hmac", 0400, secret, sizeof secret);
	write_secret("kiosk.key", 0600, client_key, sizeof client_key);
	int n = snprintf(text, sizeof text,
			 "[destination waste]\n"
			 "adapter = open311\n"
			 "url = https://a.example/\n"
			 "api_key_file = %s\n"
			 "client_cert = %s/kiosk.crt\n"
			 "client_key = %s\n"
			 "[destination parish]\n"
			 "adapter = webhook\n"
			 "url = https://b.example/hook\n"
			 "secret_file = %s\n",
			 key, support_dir, client_key, secret);
	assert_true(n > 0 && (size_t)n < sizeof text);
	write_file("hatch.conf", text, (size_t)n, conf, sizeof conf);
	/* The certificate itself is not a secret and is not looked at. */
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	expect_count(&p, 0);
	assert_string_equal(config_destination_find(&c, "waste")->api_key_file, key);
	assert_string_equal(config_destination_find(&c, "parish")->secret_file, secret);

	/* Readable by the group or by everyone. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(chmod(secret, 0640), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "2 problems in the configuration");
	expect_count(&p, 2);
	char want[1200];
	snprintf(want, sizeof want,
		 "[destination waste] api_key_file: %s is readable by other users; make it "
		 "readable only by the kiosk's user: chmod 600 %s",
		 key, key);
	if (strlen(key) <= 60) {
		assert_int_equal(p.v[0].line, 4);
		assert_string_equal(p.v[0].reason, want);
	}
	expect(&p, 0, 4, "[destination waste] api_key_file: ");
	expect(&p, 0, 4, "is readable by other users; make it readable only by the kiosk's "
			 "user: chmod 600 ");
	expect(&p, 1, 10, "[destination parish] secret_file: ");
	expect(&p, 1, 10, "is readable by other users");
	/* What failed is not kept. */
	assert_string_equal(config_destination_find(&c, "waste")->api_key_file, "");
	/* The same text in memory is not looked at on disk. */
	assert_int_equal(config_parse(text, (size_t)n, &c, &p), HATCH_OK);
	assert_string_equal(config_destination_find(&c, "waste")->api_key_file, key);

	/* Missing, and a directory. */
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(chmod(secret, 0600), 0);
	assert_int_equal(unlink(client_key), 0);
	n = snprintf(text, sizeof text,
		     "[destination parish]\n"
		     "adapter = webhook\n"
		     "url = https://b.example/hook\n"
		     "secret_file = %s\n"
		     "client_cert = /c\n"
		     "client_key = %s\n",
		     support_dir, client_key);
	write_file("hatch.conf", text, (size_t)n, conf, sizeof conf);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 4, "[destination parish] secret_file: ");
	expect(&p, 0, 4, " is not a file");
	expect(&p, 1, 6, "[destination parish] client_key: ");
	expect(&p, 1, 6, "kiosk.key does not exist");
	assert_int_equal(config_parse(text, (size_t)n, &c, &p), HATCH_OK);
}


static void device_and_staff(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	assert_int_equal(parse("[device]\nid = Library.Ground_1-a\n"
			       "[staff]\nentry = keys\npause_timeout = no\nsession_timeout = 60\n",
			       &c, &p),
			 HATCH_OK);
	assert_string_equal(c.device_id, "Library.Ground_1-a");
	assert_int_equal(c.staff_entry, CONFIG_STAFF_KEYS);
	assert_false(c.staff_pause);
	assert_int_equal(c.staff_seconds, 60);
	assert_int_equal(parse("[staff]\nentry = corner\npause_timeout = yes\n"
			       "session_timeout = 3600\n",
			       &c, &p),
			 HATCH_OK);
	assert_int_equal(c.staff_entry, CONFIG_STAFF_CORNER);
	assert_true(c.staff_pause);
	assert_int_equal(c.staff_seconds, 3600);
	/* Sixty-four characters are allowed. */
	char text[256];
	snprintf(text, sizeof text, "[device]\nid = %064d\n", 7);
	assert_int_equal(parse(text, &c, &p), HATCH_OK);
	assert_int_equal(strlen(c.device_id), 64);

	static const char *const bad_ids[] = {
		"", "kiosk 1", "kiosk/1", "k\xC3\xB6sk", "kiosk;1", "kiosk:1",
		"00000000000000000000000000000000000000000000000000000000000000000",
	};
	for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
		snprintf(text, sizeof text, "[device]\n\nid = %s\n", bad_ids[i]);
		assert_int_equal(parse(text, &c, &p), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 3, "[device] id: ");
		expect(&p, 0, 3, "is not a device id; use 1 to 64 letters, digits, '.', '_' and "
				 "'-', as in library-ground-1");
		assert_string_equal(c.device_id, "");
	}
	assert_int_equal(parse("[staff]\nentry = door\npause_timeout = true\n"
			       "session_timeout = 59\nlockout_attempts = 3\n"
			       "[kiosk]\nentry = keys\n",
			       &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 5);
	expect(&p, 0, 2, "[staff] entry: \"door\" is not a way in; use corner (five taps on "
			 "the hidden corner), keys (the key combination) or both");
	expect(&p, 1, 3, "[staff] pause_timeout: \"true\" is not yes or no");
	expect(&p, 2, 4, "[staff] session_timeout: 59 is out of range; use seconds from 60 "
			 "to 3600");
	/* Five tries before a lockout is fixed, not a setting. */
	expect(&p, 3, 5, "[staff] lockout_attempts: is not a known setting; [staff] has entry, "
			 "pause_timeout and session_timeout");
	expect(&p, 4, 7, "[kiosk] entry: is not a setting of [kiosk]; put it under [staff]");
	assert_int_equal(c.staff_entry, CONFIG_STAFF_BOTH);
	assert_true(c.staff_pause);
	assert_int_equal(c.staff_seconds, 600);
	assert_int_equal(parse("id = x\n", &c, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 1, "id: comes before any section heading; put it under [device]");
}

/* Another user than the one running the tests, and a file that belongs to
 * them, in DIR/NAME with MODE: as root, the file made and given to nobody;
 * otherwise /etc/passwd, which belongs to root. */
static const char *others_file(const char *name, mode_t mode, char *path, size_t size)
{
	if (geteuid() != 0)
		return "/etc/passwd";
	write_file(name, "k3y\n", 4, path, size);
	struct passwd *pw = getpwnam("nobody");
	assert_non_null(pw);
	assert_int_equal(chown(path, pw->pw_uid, pw->pw_gid), 0);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Secret files: their owner, and writable as well as readable by others. */
static void secret_owner_and_modes(void **state)
{
	(void)state;
	char key[512], other[512], conf[512], text[2048];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	struct config_owner o;
	write_file("waste.key", "k3y\n", 4, key, sizeof key);
	assert_int_equal(chmod(key, 0600), 0);
	const char *theirs = others_file("theirs.key", 0600, other, sizeof other);
	int n = snprintf(text, sizeof text,
			 "[destination waste]\nadapter = open311\nurl = https://a.example/\n"
			 "api_key_file = %s\n"
			 "[destination parish]\nadapter = webhook\nurl = https://b.example/\n"
			 "secret_file = %s\n",
			 key, theirs);
	write_file("hatch.conf", text, (size_t)n, conf, sizeof conf);
	config_secret_owner(&o);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 8, "[destination parish] secret_file: ");
	char want[256];
	snprintf(want, sizeof want, " belongs to %s, not to %s, the kiosk's user; whoever owns "
				    "it can read and change it: chown %s ",
		 geteuid() == 0 ? "nobody" : "root", o.name, o.name);
	expect(&p, 0, 8, want);
	assert_string_equal(config_destination_find(&c, "parish")->secret_file, "");

	/* Writable by the group or by everyone, though not readable. */
	static const mode_t writable[] = {0620, 0602, 0622};
	for (size_t i = 0; i < sizeof writable / sizeof *writable; i++) {
		n = snprintf(text, sizeof text,
			     "[destination waste]\nadapter = open311\nurl = https://a.example/\n"
			     "api_key_file = %s\n",
			     key);
		write_file("hatch.conf", text, (size_t)n, conf, sizeof conf);
		assert_int_equal(chmod(key, writable[i]), 0);
		assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		expect(&p, 0, 4, "[destination waste] api_key_file: ");
		expect(&p, 0, 4, "can be changed by other users; make it the kiosk's user's "
				 "alone: chmod 600 ");
	}
	/* Readable and writable: readable is said. */
	assert_int_equal(chmod(key, 0666), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect(&p, 0, 4, "is readable by other users");
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	/* Read only by its owner is as good. */
	assert_int_equal(chmod(key, 0400), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	assert_true(config_check_secret(key, want, sizeof want));
	assert_int_equal(chmod(key, 0600), 0);
}

/* Root checks for the service's user: $HATCH_SERVICE_USER, else hatch,
 * when there is such a user; root itself when there is not. */
static void secret_owner_for_root(void **state)
{
	(void)state;
	struct config_owner o;
	char key[512], why[256];
	const char *was = getenv("HATCH_SERVICE_USER");
	if (geteuid() != 0) {
		/* Anyone else checks for themselves, whatever the variable says. */
		assert_int_equal(setenv("HATCH_SERVICE_USER", "root", 1), 0);
		config_secret_owner(&o);
		assert_int_equal(o.uid, geteuid());
		assert_false(config_check_secret("/etc/passwd", why, sizeof why));
		assert_non_null(strstr(why, "belongs to root, not to "));
	} else {
		struct passwd *nobody = getpwnam("nobody");
		assert_non_null(nobody);
		uid_t nobody_uid = nobody->pw_uid;
		assert_int_equal(setenv("HATCH_SERVICE_USER", "nobody", 1), 0);
		config_secret_owner(&o);
		assert_int_equal(o.uid, nobody_uid);
		assert_string_equal(o.name, "nobody");
		/* A file of root's is one the kiosk could not read. */
		write_file("root.key", "k3y\n", 4, key, sizeof key);
		assert_int_equal(chmod(key, 0600), 0);
		assert_false(config_check_secret(key, why, sizeof why));
		assert_non_null(strstr(why, " belongs to root, not to nobody, the kiosk's user"));
		assert_int_equal(chown(key, nobody_uid, (gid_t)-1), 0);
		assert_true(config_check_secret(key, why, sizeof why));
		/* With no such user, root's own files. */
		assert_int_equal(setenv("HATCH_SERVICE_USER", "no-such-user-here", 1), 0);
		config_secret_owner(&o);
		assert_int_equal(o.uid, 0);
		assert_string_equal(o.name, "root");
		assert_false(config_check_secret(key, why, sizeof why));
		assert_non_null(strstr(why, " belongs to nobody, not to root"));
	}
	if (was)
		assert_int_equal(setenv("HATCH_SERVICE_USER", was, 1), 0);
	else
		assert_int_equal(unsetenv("HATCH_SERVICE_USER"), 0);
}

/* The file itself: not to be changed by others; root's or the reader's. */
static void config_file_itself(void **state)
{
	(void)state;
	char conf[512], other[512];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	static const char text[] = "[kiosk]\nidle_timeout = abc\n";
	write_file("hatch.conf", text, sizeof text - 1, conf, sizeof conf);
	assert_int_equal(chmod(conf, 0664), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "2 problems in the configuration");
	expect_count(&p, 2);
	/* The whole file's problem first. */
	assert_int_equal(p.v[0].line, 0);
	assert_string_equal(p.v[0].reason, "the file can be changed by other users, who could "
					   "send submissions elsewhere: chmod go-w on it");
	expect(&p, 1, 2, "[kiosk] idle_timeout: ");
	assert_int_equal(chmod(conf, 0646), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect(&p, 0, 0, "the file can be changed by other users");
	/* A good file that others may change is still refused. */
	write_file("hatch.conf", "[display]\ndpi = 100\n", 20, conf, sizeof conf);
	assert_int_equal(chmod(conf, 0666), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect_count(&p, 1);
	assert_int_equal(c.dpi, 100);
	assert_int_equal(chmod(conf, 0640), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	/* Another user's (made only by root; anyone else has their own file
	 * above, which is good). */
	if (geteuid() == 0) {
		write_file("theirs.conf", "[display]\ndpi = 100\n", 20, other, sizeof other);
		struct passwd *pw = getpwnam("nobody");
		assert_non_null(pw);
		assert_int_equal(chown(other, pw->pw_uid, pw->pw_gid), 0);
		assert_int_equal(config_load(other, &c, &p, &e), HATCH_ERR_INPUT);
		expect_count(&p, 1);
		assert_int_equal(p.v[0].line, 0);
		assert_string_equal(p.v[0].reason, "the file belongs to nobody, who could change "
						   "where submissions go; it must belong to root: "
						   "chown root on it");
	}
}

/* A CA bundle or a client certificate that others may change. */
static void certificate_files(void **state)
{
	(void)state;
	char key[512], ca[512], crt[512], conf[512], text[2048];
	struct config c;
	struct config_problems p;
	struct hatch_error e = {""};
	write_file("w.key", "k3y\n", 4, key, sizeof key);
	assert_int_equal(chmod(key, 0600), 0);
	write_file("ca.pem", "-\n", 2, ca, sizeof ca);
	write_file("kiosk.crt", "-\n", 2, crt, sizeof crt);
	int n = snprintf(text, sizeof text,
			 "[destination w]\nadapter = webhook\nurl = https://a.example/\n"
			 "secret_file = %s\nca_bundle = %s\nclient_cert = %s\nclient_key = %s\n",
			 key, ca, crt, key);
	write_file("hatch.conf", text, (size_t)n, conf, sizeof conf);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	assert_int_equal(chmod(ca, 0666), 0);
	assert_int_equal(chmod(crt, 0664), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 5, "[destination w] ca_bundle: ");
	expect(&p, 0, 5, " can be changed by other users, who could then have the kiosk trust "
			 "a server of theirs: chmod go-w ");
	expect(&p, 1, 6, "[destination w] client_cert: ");
	assert_string_equal(c.destinations[0].ca_bundle, "");
	/* One that is not there is the connection's to report. */
	assert_int_equal(unlink(ca), 0);
	assert_int_equal(chmod(crt, 0644), 0);
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
}

/* B is A read again: the same settings, destinations on other lines. */
static void expect_same_config(const struct config *a, struct config *b)
{
	assert_int_equal(a->ndestinations, b->ndestinations);
	for (size_t i = 0; i < b->ndestinations; i++)
		b->destinations[i].line = a->destinations[i].line;
	assert_memory_equal(a, b, sizeof *a);
}

/* Formats A, checks the text reads back as A, and returns the text. */
static char *round_trip(const struct config *a)
{
	char *text;
	size_t len;
	struct hatch_error e = {""};
	static struct config b;
	struct config_problems p;
	if (config_format(a, &text, &len, &e) != HATCH_OK)
		fail_msg("config_format: %s", e.msg);
	assert_int_equal(strlen(text), len);
	if (config_parse(text, len, &b, &p) != HATCH_OK) {
		print_message("%s", text);
		expect_count(&p, 0);
	}
	expect_same_config(a, &b);
	return text;
}

static void format_defaults(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	char *text = round_trip(&c);
	assert_string_equal(text, "[council]\n"
				  "name = Demonstration District Council\n"
				  "colour = #1d70b8\n"
				  "\n"
				  "[kiosk]\n"
				  "languages = en, cy, pl, ro, pa, ur, ar\n"
				  "idle_timeout = 120\n"
				  "timeout_warning = 30\n"
				  "tracking_url = https://council.example/track/{reference}\n"
				  "\n"
				  "[display]\n"
				  "dpi = 96\n"
				  "\n"
				  "[storage]\n"
				  "retention_days = 7\n"
				  "\n"
				  "[staff]\n"
				  "entry = both\n"
				  "pause_timeout = yes\n"
				  "session_timeout = 600\n");
	mem_free(text);
}

static void format_round_trip(void **state)
{
	(void)state;
	static struct config c;
	struct config_problems p;
	/* Everything: the full file's kiosk and storage, destinations, the
	 * device and staff. */
	static char text[8192];
	const char *dests = strstr(destinations_text, "[destination waste-services]");
	assert_non_null(dests);
	int n = snprintf(text, sizeof text,
			 "[device]\nid = kiosk-7\n[staff]\nentry = corner\n"
			 "pause_timeout = no\nsession_timeout = 900\n"
			 "[kiosk]\ntracking_url =\nlanguages = cy, en\njourneys = /srv/hatch/journeys\n"
			 "[storage]\ndatabase = /var/lib/hatch/hatch.db\n%s",
			 dests);
	assert_true(n > 0 && (size_t)n < sizeof text);
	assert_int_equal(config_parse(text, (size_t)n, &c, &p), HATCH_OK);
	assert_int_equal(c.ndestinations, 3);
	char *out = round_trip(&c);
	assert_non_null(strstr(out, "[device]\nid = kiosk-7\n\n[council]\n"));
	assert_non_null(strstr(out, "\n[destination waste-services]\nadapter = open311\n"
				    "url = https://311.example.gov.uk/open311/v2/\n"
				    "api_key_file = /etc/hatch/secrets/waste.key\n"));
	assert_non_null(strstr(out, "format = xml\nservice.missed-bin = 4\n"
				    "service.fly-tipping = FT-01\n"));
	/* A webhook has no format line. */
	assert_non_null(strstr(out, "[destination parish-council]\nadapter = webhook\n"
				    "url = https://hooks.example.org/hatch?kiosk=library\n"
				    "secret_file = /etc/hatch/secrets/parish.hmac\n"
				    "seal_key = " SEAL "\n\n"));
	assert_non_null(strstr(out, "journeys = /srv/hatch/journeys\n"));
	assert_non_null(strstr(out, "tracking_url =\n"));
	assert_non_null(strstr(out, "entry = corner\npause_timeout = no\nsession_timeout = 900\n"));
	mem_free(out);

	/* A value that starts with ';' is kept by leaving out the space. */
	assert_int_equal(parse("[council]\nname =;Cyngor\n", &c, &p), HATCH_OK);
	assert_string_equal(c.council, ";Cyngor");
	out = round_trip(&c);
	assert_non_null(strstr(out, "name =;Cyngor\n"));
	mem_free(out);
}

static void format_refusals(void **state)
{
	(void)state;
	static struct config c;
	char *text = (char *)1;
	size_t len = 1;
	struct hatch_error e = {""};
	config_defaults(&c);
	snprintf(c.council, sizeof c.council, "%s", "Council ; of Example");
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_ERR_INPUT);
	assert_null(text);
	assert_int_equal(len, 0);
	assert_string_equal(e.msg, "[council] name: \"Council ; of Example\" has a ';' after a "
				   "space, which would start a comment");
	snprintf(c.council, sizeof c.council, "%s", " Council");
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "[council] name: \" Council\" starts or ends with a space, "
				   "which a file cannot keep");
	config_defaults(&c);
	snprintf(c.destinations[0].name, sizeof c.destinations[0].name, "w");
	c.destinations[0].adapter = CONFIG_ADAPTER_WEBHOOK;
	snprintf(c.destinations[0].url, sizeof c.destinations[0].url, "https://a.example/");
	snprintf(c.destinations[0].secret_file, sizeof c.destinations[0].secret_file,
		 "/s\t;x");
	c.ndestinations = 1;
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "[destination w] secret_file: "));

	/* Larger than a file may be. */
	config_defaults(&c);
	for (size_t i = 0; i < CONFIG_MAX_DESTINATIONS; i++) {
		struct config_destination *d = &c.destinations[i];
		snprintf(d->name, sizeof d->name, "d%zu", i);
		d->adapter = CONFIG_ADAPTER_WEBHOOK;
		snprintf(d->url, sizeof d->url, "https://a.example/");
		d->secret_file[0] = '/';
		memset(d->secret_file + 1, 's', sizeof d->secret_file - 2);
		d->secret_file[sizeof d->secret_file - 1] = '\0';
	}
	c.ndestinations = CONFIG_MAX_DESTINATIONS;
	assert_int_equal(config_format(&c, &text, &len, &e), HATCH_ERR_LIMIT);
	assert_null(text);
	assert_string_equal(e.msg, "the configuration would be larger than a file may be");
}

/* Every allocation config_format makes may fail, and nothing is kept. */
static void format_out_of_memory(void **state)
{
	(void)state;
	static struct config c;
	struct config_problems p;
	assert_int_equal(parse(destinations_text, &c, &p), HATCH_OK);
	char *text = NULL;
	size_t len;
	struct hatch_error e = {""};
	long k;
	for (k = 1; k < 1000; k++) {
		mem_fail_after(k, 0);
		enum hatch_err rc = config_format(&c, &text, &len, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK)
			break;
		assert_int_equal(rc, HATCH_ERR_NOMEM);
		assert_null(text);
		assert_string_equal(e.msg, "out of memory");
	}
	assert_true(k > 1 && k < 1000);
	mem_free(text);
}

/* The extension of test_extended: [account NAME] sections of its own,
 * key = V standing for api_key_file = /secrets/DESTINATION.key, and
 * colour_name taken in [council]. */
struct ext_seen {
	int account_lines[8];
	size_t naccounts;
	char section[64];
	char told[512]; /* what seen() was told: "LINE section.name=value;" */
};

static void ext_told(void *user, int line, const char *section, const char *name,
		     const char *value)
{
	struct ext_seen *seen = user;
	size_t o = strlen(seen->told);
	snprintf(seen->told + o, sizeof seen->told - o, "%d %s.%s=%s;", line, section, name,
		 value);
}

static enum config_ext_result ext_section(void *user, int line, const char *name, char *why,
					  size_t whysize)
{
	(void)user;
	if (strncmp(name, "account ", 8))
		return CONFIG_EXT_UNKNOWN;
	if (strchr(name + 8, ' ')) {
		snprintf(why, whysize, "has a space in its name (line %d)", line);
		return CONFIG_EXT_BAD;
	}
	return CONFIG_EXT_TAKEN;
}

static enum config_ext_result ext_setting(void *user, int line, const char *section,
					  const char *name, const char *value, char *why,
					  size_t whysize, const char **as_name, char *as_value,
					  size_t as_size)
{
	struct ext_seen *seen = user;
	if (!strncmp(section, "account ", 8)) {
		if (strcmp(name, "pin_file"))
			return CONFIG_EXT_UNKNOWN;
		if (value[0] != '/') {
			snprintf(why, whysize, "\"%s\" is not an absolute path", value);
			return CONFIG_EXT_BAD;
		}
		seen->account_lines[seen->naccounts++] = line;
		snprintf(seen->section, sizeof seen->section, "%s", section);
		return CONFIG_EXT_TAKEN;
	}
	if (!strcmp(section, "council") && !strcmp(name, "colour_name"))
		return CONFIG_EXT_TAKEN;
	if (!strncmp(section, "destination ", 12) && !strcmp(name, "key")) {
		*as_name = "api_key_file";
		snprintf(as_value, as_size, "/secrets/%s.key", section + 12);
		return CONFIG_EXT_AS;
	}
	return CONFIG_EXT_UNKNOWN;
}

static void extended(void **state)
{
	(void)state;
	static struct config c;
	struct config_problems p;
	struct ext_seen seen = {{0}, 0, "", ""};
	struct config_extension x = {ext_section, ext_setting, ext_told, &seen};
	static const char text[] = "[council]\n"
				   "name = A\n"
				   "colour_name = green\n"
				   "colour_nom = vert\n"
				   "[account alex]\n"
				   "pin_file = /p/alex\n"
				   "pin = 1234\n"
				   "pin_file = p/alex\n"
				   "= 5\n"
				   "[destination waste]\n"
				   "adapter = open311\n"
				   "url = https://a.example/\n"
				   "key = s3cret\n"
				   "[destination two]\n"
				   "adapter = open311\n"
				   "url = https://a.example/\n"
				   "api_key_file = /k\n"
				   "key = again\n"
				   "[accounts]\n"
				   "[account a b]\n"
				   "pin_file = /p/ab\n";
	assert_int_equal(config_parse_extended(text, sizeof text - 1, &x, &c, &p),
			 HATCH_ERR_INPUT);
	expect_count(&p, 7);
	expect(&p, 0, 4, "[council] colour_nom: is not a known setting; [council] has name and "
			 "colour");
	expect(&p, 1, 7, "[account alex] pin: is not a known setting");
	expect(&p, 2, 8, "[account alex] pin_file: \"p/alex\" is not an absolute path");
	expect(&p, 3, 9, "[account alex]: a line has '=' with no setting name before it");
	/* What the extension's setting stands for is read as that setting. */
	expect(&p, 4, 18, "[destination two] api_key_file: is set again (first on line 17)");
	expect(&p, 5, 19, "[accounts] is not a known section");
	/* A bad heading of the extension's: its settings are not read. */
	assert_int_equal(p.v[6].line, 20);
	assert_string_equal(p.v[6].reason, "[account a b] has a space in its name (line 20)");
	assert_int_equal(seen.naccounts, 1);
	assert_int_equal(seen.account_lines[0], 6);
	assert_string_equal(seen.section, "account alex");
	assert_string_equal(config_destination_find(&c, "waste")->api_key_file, "/secrets/waste.key");
	/* Told of every good setting, and of what key = stood for, not of the
	 * extension's own or of a bad one. */
	assert_string_equal(seen.told, "2 council.name=A;"
				       "11 destination waste.adapter=open311;"
				       "12 destination waste.url=https://a.example/;"
				       "13 destination waste.api_key_file=/secrets/waste.key;"
				       "15 destination two.adapter=open311;"
				       "16 destination two.url=https://a.example/;"
				       "17 destination two.api_key_file=/k;");
	/* A name no table has is quoted, whatever its value's problem. */
	static const char odd[] = "[council]\n\xC3\x28l = \xC3\x28\n[account a]\n\xC3\x28 = \x01\n";
	assert_int_equal(config_parse_extended(odd, sizeof odd - 1, &x, &c, &p), HATCH_ERR_INPUT);
	expect_count(&p, 2);
	expect(&p, 0, 2, "[council] \\xc3(l: the value is not valid UTF-8");
	expect(&p, 1, 4, "[account a] \\xc3(: the value has a control character");
	/* Without the extension all of it is unknown, as in config_parse. */
	static struct config d;
	assert_int_equal(config_parse_extended(text, sizeof text - 1, NULL, &d, &p),
			 HATCH_ERR_INPUT);
	expect(&p, 0, 3, "[council] colour_name: is not a known setting");
	expect(&p, 2, 5, "[account alex] is not a known section");
	assert_string_equal(config_destination_find(&d, "waste")->api_key_file, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full_file),
		cmocka_unit_test(comments_and_line_endings),
		cmocka_unit_test(bad_numbers),
		cmocka_unit_test(warning_not_before_timeout),
		cmocka_unit_test(bad_colour),
		cmocka_unit_test(tracking_url),
		cmocka_unit_test(empty_tracking_url_disables_qr),
		cmocka_unit_test(languages),
		cmocka_unit_test(paths),
		cmocka_unit_test(too_long),
		cmocka_unit_test(bad_text),
		cmocka_unit_test(lines_inih_cannot_read),
		cmocka_unit_test(duplicate_key),
		cmocka_unit_test(unknown_section_and_key),
		cmocka_unit_test(stats_section),
		cmocka_unit_test(reasons_are_short_and_plain),
		cmocka_unit_test(problems_are_capped),
		cmocka_unit_test(inih_options_restored),
		cmocka_unit_test(load_file),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(file_too_large),
		cmocka_unit_test(retention_days),
		cmocka_unit_test(destinations),
		cmocka_unit_test(destination_headings),
		cmocka_unit_test(too_many_destinations),
		cmocka_unit_test(destination_keys),
		cmocka_unit_test(destination_urls),
		cmocka_unit_test(destination_required_keys),
		cmocka_unit_test(destination_services),
		cmocka_unit_test(destination_secret_files),
		cmocka_unit_test(device_and_staff),
		cmocka_unit_test(secret_owner_and_modes),
		cmocka_unit_test(secret_owner_for_root),
		cmocka_unit_test(config_file_itself),
		cmocka_unit_test(certificate_files),
		cmocka_unit_test(format_defaults),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(format_refusals),
		cmocka_unit_test(format_out_of_memory),
		cmocka_unit_test(extended),
	};
	return cmocka_run_group_tests_name("config", tests, support_dir_setup, support_dir_teardown);
}
