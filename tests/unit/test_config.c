/* Unit tests for platform/config: the defaults, a full file, comments and
 * line endings, every kind of problem on the line it is on, and loading a
 * file from disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
			    "not read; the sections are [council], [kiosk], [display] and "
			    "[storage]");
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
		cmocka_unit_test(reasons_are_short_and_plain),
		cmocka_unit_test(problems_are_capped),
		cmocka_unit_test(inih_options_restored),
		cmocka_unit_test(load_file),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(file_too_large),
	};
	return cmocka_run_group_tests_name("config", tests, support_dir_setup, support_dir_teardown);
}
