/* libFuzzer target for the device configuration file: feeds each input to
 * config_parse() and checks what it promises of any bytes at all: it
 * succeeds with no problems or fails with at least one; every problem is on
 * a line of the input (0 for the whole file) with a short, printable ASCII
 * reason; whatever it keeps is a setting that the rules allow (destinations
 * included: named once, https links without a user name, absolute paths,
 * pins, keys and service codes of the right form; the device id and the
 * staff settings); the same input gives the same result; inih's
 * process-wide options are left as they were; and whatever it keeps,
 * config_format() writes as text that reads back as the same settings
 * (hatch provision writes its files so). The parse allocates nothing;
 * config_format's allocations are tested for failure in test_config.
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

/* Lower-case letters, digits and '-', not first, 1 to 64 bytes. */
static bool fc_id(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64 || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static void fc_check_path(const char *what, const char *s, size_t size)
{
	fc_check_text(what, s, size, true);
	FC_CHECK(!s[0] || s[0] == '/', "%s not absolute: %s", what, s);
}

static void fc_check_destination(const struct config *c, size_t i)
{
	const struct config_destination *d = &c->destinations[i];
	FC_CHECK(fc_terminated(d->name, sizeof d->name) && fc_id(d->name),
		 "destination %zu has a bad name", i);
	for (size_t j = 0; j < i; j++)
		FC_CHECK(strcmp(d->name, c->destinations[j].name),
			 "destination \"%s\" twice", d->name);
	FC_CHECK(config_destination_find(c, d->name) == d, "destination \"%s\" not found",
		 d->name);
	FC_CHECK(d->line >= 1, "destination \"%s\" on line %d", d->name, d->line);
	FC_CHECK(d->adapter == CONFIG_ADAPTER_NONE || d->adapter == CONFIG_ADAPTER_OPEN311 ||
			 d->adapter == CONFIG_ADAPTER_WEBHOOK,
		 "destination \"%s\" adapter %d", d->name, (int)d->adapter);
	fc_check_text("url", d->url, sizeof d->url, true);
	if (d->url[0]) {
		FC_CHECK(!strncmp(d->url, "https://", 8), "url not https: %s", d->url);
		size_t host = strcspn(d->url + 8, "/?#");
		FC_CHECK(host > 0 && !memchr(d->url + 8, '@', host),
			 "url without a host or with a user: %s", d->url);
		for (const char *s = d->url; *s; s++)
			FC_CHECK(*s > 0x20 && *s < 0x7f, "url has a space or non-ASCII");
	}
	fc_check_path("api_key_file", d->api_key_file, sizeof d->api_key_file);
	fc_check_path("secret_file", d->secret_file, sizeof d->secret_file);
	fc_check_path("ca_bundle", d->ca_bundle, sizeof d->ca_bundle);
	fc_check_path("client_cert", d->client_cert, sizeof d->client_cert);
	fc_check_path("client_key", d->client_key, sizeof d->client_key);
	FC_CHECK(fc_terminated(d->pinned_keys, sizeof d->pinned_keys),
		 "pinned_keys not terminated");
	for (const char *s = d->pinned_keys; *s;) {
		size_t len = strcspn(s, ";");
		FC_CHECK(len == 8 + 44 && !strncmp(s, "sha256//", 8), "pinned key \"%s\"", s);
		s += len + (s[len] == ';');
	}
	FC_CHECK(fc_terminated(d->seal_key, sizeof d->seal_key), "seal_key not terminated");
	FC_CHECK(!d->seal_key[0] || (strlen(d->seal_key) == 64 &&
				     strspn(d->seal_key, "0123456789abcdefABCDEF") == 64),
		 "seal_key \"%s\"", d->seal_key);
	FC_CHECK(!strcmp(d->format, "json") || !strcmp(d->format, "xml"), "format \"%.8s\"",
		 d->format);
	FC_CHECK(d->nservices <= CONFIG_MAX_SERVICES, "%zu services", d->nservices);
	for (size_t j = 0; j < d->nservices; j++) {
		const struct config_service *sv = &d->services[j];
		FC_CHECK(fc_terminated(sv->journey, sizeof sv->journey) && fc_id(sv->journey),
			 "service %zu has a bad journey", j);
		fc_check_text("service code", sv->code, sizeof sv->code, false);
		FC_CHECK(!strchr(sv->code, ' '), "service code \"%s\" has a space", sv->code);
		for (size_t k = 0; k < j; k++)
			FC_CHECK(strcmp(sv->journey, d->services[k].journey),
				 "service \"%s\" twice", sv->journey);
	}
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
	FC_CHECK(c->retention_days >= 1 && c->retention_days <= 365, "retention_days %d",
		 c->retention_days);
	FC_CHECK(fc_terminated(c->device_id, sizeof c->device_id), "device id not terminated");
	for (const char *s = c->device_id; *s; s++)
		FC_CHECK((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				 (*s >= '0' && *s <= '9') || strchr("._-", *s),
			 "device id \"%s\"", c->device_id);
	FC_CHECK(c->staff_entry == CONFIG_STAFF_BOTH || c->staff_entry == CONFIG_STAFF_CORNER ||
			 c->staff_entry == CONFIG_STAFF_KEYS,
		 "staff entry %d", (int)c->staff_entry);
	FC_CHECK(c->staff_seconds >= 60 && c->staff_seconds <= 3600, "staff_seconds %d",
		 c->staff_seconds);
	FC_CHECK(c->ndestinations <= CONFIG_MAX_DESTINATIONS, "%zu destinations",
		 c->ndestinations);
	for (size_t i = 0; i < c->ndestinations; i++)
		fc_check_destination(c, i);
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

	/* A good file written back reads as itself. One near the size limit
	 * may not fit once every default is written out. */
	char *out;
	size_t outlen;
	struct hatch_error e;
	enum hatch_err frc = rc == HATCH_OK ? config_format(&c, &out, &outlen, &e) : HATCH_ERR_LIMIT;
	FC_CHECK(frc == HATCH_OK || frc == HATCH_ERR_LIMIT, "config_format: %d %s", (int)frc,
		 e.msg);
	if (frc == HATCH_OK) {
		enum hatch_err rc3 = config_parse(out, outlen, &again, &p2);
		FC_CHECK(rc3 == HATCH_OK, "the written file has %zu problems, the first on "
					  "line %d: %s\n%s",
			 p2.n, p2.n ? p2.v[0].line : 0, p2.n ? p2.v[0].reason : "", out);
		FC_CHECK(again.ndestinations == c.ndestinations, "destinations lost");
		for (size_t i = 0; i < c.ndestinations; i++)
			again.destinations[i].line = c.destinations[i].line;
		FC_CHECK(!memcmp(&c, &again, sizeof c),
			 "the written file reads as another configuration:\n%s", out);
		mem_free(out);
	}
	mem_free(text);
	return 0;
}
