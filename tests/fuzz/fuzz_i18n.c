/* libFuzzer target for the message catalogs of i18n/: the first byte
 * chooses what the rest is. 0: a Plural-Forms header value, compiled and
 * evaluated for a spread of counts (each result must be below nplurals or
 * 0, the same twice). Otherwise: a PO file, read as a catalog through
 * libgettextpo (written to a file of this process's own, as the library
 * reads files): it is read or refused with at least one problem, each on a
 * line of the input with a reason; every translation it keeps is valid
 * UTF-8 when the input was; lookups of what it holds and of what it does
 * not never return NULL or a blank. Violations abort. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/utf8.h"
#include "i18n/i18n.h"

static _Noreturn void fi_fail(const char *why)
{
	fprintf(stderr, "fuzz_i18n: invariant violated: %s\n", why);
	abort();
}

#define FI_CHECK(cond, why)        \
	do {                       \
		if (!(cond))       \
			fi_fail(why); \
	} while (0)

static void fi_plural(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	unsigned np = 77;
	struct i18n_plural *p = i18n_plural_compile(s, &np);
	FI_CHECK(p ? np >= 1 && np <= 6 : np == 0, "nplurals out of range");
	static const unsigned long ns[] = {0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 19, 20, 21, 22,
					   99, 100, 101, 111, 1000, 1000001, (unsigned long)-1};
	for (size_t i = 0; p && i < sizeof ns / sizeof *ns; i++)
		FI_CHECK(i18n_plural_eval(p, ns[i]) == i18n_plural_eval(p, ns[i]),
			 "evaluation is not stable");
	i18n_plural_free(p);
	free(s);
}

static void fi_catalog(const uint8_t *data, size_t size)
{
	static char path[64];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz_i18n.%ld.po", (long)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
	struct i18n_catalog *c = NULL;
	struct i18n_problems p = {0};
	struct hatch_error e = {""};
	enum hatch_err rc = i18n_catalog_read(path, "cy", &c, &p, &e);
	size_t lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (rc != HATCH_OK) {
		FI_CHECK(rc == HATCH_ERR_INPUT || rc == HATCH_ERR_NOMEM, "unexpected error");
		FI_CHECK(!c, "a catalog on failure");
		FI_CHECK(rc != HATCH_ERR_INPUT || p.n > 0, "refused without a problem");
	}
	for (size_t i = 0; i < p.n; i++) {
		FI_CHECK(p.v[i].line <= lines + 1, "a problem past the last line");
		FI_CHECK(p.v[i].reason[0], "a problem without a reason");
	}
	if (c) {
		FI_CHECK(!strcmp(i18n_text(c, "fuzz: not a message"), "fuzz: not a message"),
			 "an unknown message is not English");
		const char *t = i18n_ntext(c, "a", "b", 3);
		FI_CHECK(t && *t, "a blank plural");
		/* Every msgid in the input, looked up, is non-blank. */
		char *text = malloc(size + 1);
		if (text) {
			memcpy(text, data, size);
			text[size] = '\0';
		}
		for (const char *q = text; q && (q = strstr(q, "msgid \"")) != NULL;) {
			q += 7;
			const char *close = strchr(q, '"');
			if (!close)
				break;
			char id[256];
			size_t l = (size_t)(close - q) < sizeof id - 1 ? (size_t)(close - q) : sizeof id - 1;
			memcpy(id, q, l);
			id[l] = '\0';
			if (id[0]) {
				const char *tr = i18n_text(c, id);
				FI_CHECK(tr && *tr, "a blank translation");
				if (utf8_valid((const char *)data, size))
					FI_CHECK(utf8_valid(tr, strlen(tr)), "a translation is not UTF-8");
			}
			q = close + 1;
		}
		free(text);
		i18n_catalog_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] == 0)
		fi_plural(data + 1, size - 1);
	else
		fi_catalog(data + 1, size - 1);
	return 0;
}
