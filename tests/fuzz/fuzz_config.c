/* libFuzzer target for the device configuration file: feeds each input to
 * config_parse() and checks what it promises of any bytes at all: it
 * succeeds with no problems or fails with at least one; every problem is on
 * a line of the input (0 for the whole file) with a short, printable ASCII
 * reason; whatever it keeps is a setting that the rules allow; the same
 * input gives the same result; and inih's process-wide options are left as
 * they were. It allocates nothing, so there is no fault injection here.
 * Violations abort so that the fuzzer reports them. */
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "platform/config.h"

static _Noreturn void fc_fail(const char *fmt, ...) HATCH_PRINTF(1, 2);

static _Noreturn void fc_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_config: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define FC_CHECK(cond, ...)              \
	do {                             \
		if (!(cond))             \
			fc_fail(__VA_ARGS__); \
	} while (0)

/* NUL-terminated within its SIZE bytes. */
static bool fc_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void fc_check_text(const char *what, const char *s, size_t size, bool empty_ok)
{
	FC_CHECK(fc_terminated(s, size), "%s is not terminated", what);
	FC_CHECK(empty_ok || s[0], "%s is empty", what);
	FC_CHECK(utf8_valid(s, strlen(s)), "%s is not UTF-8", what);
	for (const char *c = s; *c; c++)
		FC_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f, "%s has a control byte",
			 what);
}

/* Whatever the parse kept obeys the rules for that setting. */
static void fc_check_config(const struct config *c)
{
	fc_check_text("council", c->council, sizeof c->council, false);
	fc_check_text("tracking_url", c->tracking_url, sizeof c->tracking_url, true);
	if (c->tracking_url[0]) {
		FC_CHECK(!strncmp(c->tracking_url, "https://", 8),
			 "tracking_url not https: %s", c->tracking_url);
		FC_CHECK(strstr(c->tracking_url, "{reference}"),
			 "tracking_url lacks {reference}");
		for (const char *s = c->tracking_url; *s; s++)
			FC_CHECK(*s > 0x20 && *s < 0x7f,
				 "tracking_url has a space or non-ASCII");
	}
	FC_CHECK(c->idle_seconds >= 30 && c->idle_seconds <= 3600, "idle_seconds %d",
		 c->idle_seconds);
	FC_CHECK(c->warning_seconds >= 10 && c->warning_seconds <= 300,
		 "warning_seconds %d", c->warning_seconds);
	FC_CHECK(c->warning_seconds < c->idle_seconds, "warning %d not before idle %d",
		 c->warning_seconds, c->idle_seconds);
	FC_CHECK(c->dpi >= 60 && c->dpi <= 600, "dpi %d", c->dpi);
	FC_CHECK(c->nlanguages >= 1 && c->nlanguages <= CONFIG_MAX_LANGUAGES,
		 "%zu languages", c->nlanguages);
	for (size_t i = 0; i < CONFIG_MAX_LANGUAGES; i++) {
		const char *t = c->languages[i];
		FC_CHECK(fc_terminated(t, sizeof c->languages[i]),
			 "language %zu not terminated", i);
		FC_CHECK((i < c->nlanguages) == (t[0] != '\0'),
			 "language %zu is \"%s\" of %zu", i, t, c->nlanguages);
		for (const char *s = t; *s; s++)
			FC_CHECK((*s >= 'a' && *s <= 'z') || *s == '-',
				 "language tag \"%s\"", t);
		for (size_t j = 0; j < i; j++)
			FC_CHECK(!t[0] || strcmp(t, c->languages[j]),
				 "language \"%s\" twice", t);
	}
	fc_check_text("database", c->database, sizeof c->database, true);
	fc_check_text("journeys", c->journeys, sizeof c->journeys, true);
	FC_CHECK(!c->database[0] || c->database[0] == '/', "database not absolute");
	FC_CHECK(!c->journeys[0] || c->journeys[0] == '/', "journeys not absolute");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly SIZE bytes, so that reading past the input is
	 * caught by AddressSanitizer rather than hidden by libFuzzer's buffer. */
	char *text = mem_alloc(size ? size : 1);
	FC_CHECK(text != NULL, "out of memory");
	if (size)
		memcpy(text, data, size);

	bool multiline = ini_allow_multiline, inline_comments = ini_allow_inline_comments;
	int max_line = ini_max_line;
	char *prefixes = ini_start_comment_prefixes;

	static struct config c, again;
	static struct config_problems p, p2;
	enum hatch_err rc = config_parse(text, size, &c, &p);
	FC_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT, "config_parse returned %d",
		 (int)rc);
	FC_CHECK((rc == HATCH_OK) == (p.n == 0 && p.dropped == 0),
		 "result %d with %zu problems (%zu dropped)", (int)rc, p.n, p.dropped);
	FC_CHECK(p.n <= CONFIG_MAX_PROBLEMS, "%zu problems kept", p.n);
	FC_CHECK(p.dropped == 0 || p.n == CONFIG_MAX_PROBLEMS,
		 "dropped before the list was full");

	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	lines += size > 0 && text[size - 1] != '\n';
	for (size_t i = 0; i < p.n; i++) {
		const struct config_problem *pr = &p.v[i];
		FC_CHECK(pr->line >= 0 && (size_t)pr->line <= lines,
			 "problem %zu on line %d of %zu", i, pr->line, lines);
		FC_CHECK(pr->line > 0 || size > CONFIG_FILE_MAX,
			 "problem %zu on line 0: %s", i, pr->reason);
		FC_CHECK(fc_terminated(pr->reason, sizeof pr->reason) && pr->reason[0],
			 "problem %zu has no reason", i);
		for (const char *s = pr->reason; *s; s++)
			FC_CHECK(*s >= 0x20 && *s < 0x7f,
				 "problem %zu's reason is not plain: %s", i, pr->reason);
	}
	fc_check_config(&c);

	FC_CHECK(ini_allow_multiline == multiline &&
		     ini_allow_inline_comments == inline_comments &&
		     ini_max_line == max_line && ini_start_comment_prefixes == prefixes,
		 "inih's options were not put back");

	enum hatch_err rc2 = config_parse(text, size, &again, &p2);
	FC_CHECK(rc2 == rc && p2.n == p.n && p2.dropped == p.dropped,
		 "a second parse differs: %d/%zu/%zu then %d/%zu/%zu", (int)rc, p.n,
		 p.dropped, (int)rc2, p2.n, p2.dropped);
	FC_CHECK(!memcmp(&c, &again, sizeof c),
		 "a second parse gives another configuration");
	for (size_t i = 0; i < p.n; i++)
		FC_CHECK(p.v[i].line == p2.v[i].line &&
			     !strcmp(p.v[i].reason, p2.v[i].reason),
			 "problem %zu differs the second time", i);
	mem_free(text);
	return 0;
}
