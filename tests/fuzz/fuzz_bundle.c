/* libFuzzer target for signed journey bundles (app/bundle.h): the first
 * byte chooses what the rest is.
 *   even: a manifest. bundle_manifest_parse() either keeps one that obeys
 *         every rule (version, council, times, paths of the two kinds,
 *         each once, sizes, at least one journey) or refuses it with one
 *         short line; the same input gives the same answer. The manifest is
 *         then signed with this target's key, put in a bundle with no
 *         files, read back and verified: the signature holds, so whatever
 *         is refused is refused for what the manifest says, and a bundle
 *         with none of the files its manifest lists is never accepted.
 *   odd:  a bundle file. bundle_read() either reads it or refuses it with
 *         one line; what it reads is verified against this target's key
 *         and refused with one line, or accepted with a manifest that
 *         obeys the rules.
 * No file is written. Violations abort. */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bundle.h"
#include "base/mem.h"
#include "base/utf8.h"

static _Noreturn void fb_fail(const char *fmt, ...) HATCH_PRINTF(1, 2);

static _Noreturn void fb_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_bundle: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define FB_CHECK(cond, ...)                                                              \
	do {                                                                             \
		if (!(cond))                                                             \
			fb_fail(__VA_ARGS__);                                            \
	} while (0)

static unsigned char fb_pk[crypto_sign_PUBLICKEYBYTES], fb_sk[crypto_sign_SECRETKEYBYTES];
static struct bundle_trust fb_trust;

static void fb_init(void)
{
	static bool done;
	if (done)
		return;
	FB_CHECK(sodium_init() >= 0, "libsodium");
	unsigned char seed[crypto_sign_SEEDBYTES] = {42};
	crypto_sign_seed_keypair(fb_pk, fb_sk, seed);
	memcpy(fb_trust.public_key, fb_pk, sizeof fb_pk);
	snprintf(fb_trust.council, sizeof fb_trust.council, "Fuzz Council");
	fb_trust.now = 1767312000LL; /* 2026-01-02T00:00:00Z */
	fb_trust.today = (struct cdate){2026, 1, 2};
	done = true;
}

/* A reason: one line, UTF-8, no control characters, not empty. */
static void fb_check_reason(const char *what, const struct hatch_error *e)
{
	size_t n = strnlen(e->msg, sizeof e->msg);
	FB_CHECK(n > 0 && n < sizeof e->msg, "%s: no reason", what);
	FB_CHECK(utf8_valid(e->msg, n), "%s: the reason is not UTF-8", what);
	for (size_t i = 0; i < n; i++)
		FB_CHECK((unsigned char)e->msg[i] >= 0x20 && e->msg[i] != 0x7f,
		         "%s: a control character in \"%s\"", what, e->msg);
}

static bool fb_path_ok(const char *p)
{
	size_t n = strlen(p);
	if (n > 14 && !strncmp(p, "journeys/", 9) && !strcmp(p + n - 5, ".json")) {
		for (size_t i = 9; i < n - 5; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			            "0123456789._-",
			            p[i]))
				return false;
		return p[9] != '.' && p[9] != '_' && p[9] != '-' && n - 14 <= 64;
	}
	return n > 11 && !strncmp(p, "locales/", 8) && !strcmp(p + n - 3, ".po") &&
	       strncmp(p, "locales/en.po", 13) != 0 && !strchr(p + 8, '/');
}

static void fb_check_manifest(const struct bundle_manifest *m)
{
	FB_CHECK(m->version >= 1 && m->version <= BUNDLE_VERSION_MAX, "version %lld",
	         m->version);
	size_t cn = strnlen(m->council, sizeof m->council);
	FB_CHECK(cn > 0 && cn < sizeof m->council, "council's length");
	FB_CHECK(utf8_valid(m->council, cn), "council not UTF-8");
	for (size_t i = 0; i < cn; i++)
		FB_CHECK((unsigned char)m->council[i] >= 0x20 && m->council[i] != 0x7f,
		         "council has a control character");
	FB_CHECK(m->created >= 0 && m->expires > m->created, "times %lld %lld",
	         m->created, m->expires);
	FB_CHECK(m->nfiles >= 1 && m->nfiles <= BUNDLE_MAX_FILES, "%zu files", m->nfiles);
	FB_CHECK(m->njourneys >= 1 && m->njourneys <= m->nfiles, "%zu journeys",
	         m->njourneys);
	size_t journeys = 0;
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct bundle_file *f = &m->files[i];
		FB_CHECK(memchr(f->path, '\0', sizeof f->path), "path not terminated");
		FB_CHECK(fb_path_ok(f->path), "path \"%s\"", f->path);
		bool j = !strncmp(f->path, "journeys/", 9);
		journeys += j;
		FB_CHECK(f->size <= (size_t)(j ? JOURNEY_MAX_BYTES : BUNDLE_PO_MAX),
		         "size %zu", f->size);
		for (size_t k = 0; k < i; k++)
			FB_CHECK(strcmp(f->path, m->files[k].path), "\"%s\" twice",
			         f->path);
	}
	FB_CHECK(journeys == m->njourneys, "journeys counted %zu, found %zu",
	         m->njourneys, journeys);
}

/* TEXT signed with this target's key, in a bundle of no files. */
static char *fb_wrap(const uint8_t *text, size_t n, size_t *len)
{
	unsigned char sig[crypto_sign_BYTES];
	crypto_sign_detached(sig, NULL, text, n, fb_sk);
	char *k = mem_alloc(
	    sodium_base64_ENCODED_LEN(sizeof fb_pk, sodium_base64_VARIANT_ORIGINAL));
	char *s = mem_alloc(
	    sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL));
	size_t mb = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *m = mem_alloc(mb);
	FB_CHECK(k && s && m, "out of memory");
	sodium_bin2base64(
	    k, sodium_base64_ENCODED_LEN(sizeof fb_pk, sodium_base64_VARIANT_ORIGINAL),
	    fb_pk, sizeof fb_pk, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(
	    s, sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_ORIGINAL), sig,
	    sizeof sig, sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(m, mb, text, n, sodium_base64_VARIANT_ORIGINAL);
	size_t size = strlen(k) + strlen(s) + strlen(m) + 128;
	char *out = mem_alloc(size);
	FB_CHECK(out, "out of memory");
	int w = snprintf(
	    out, size,
	    "{\"hatch_bundle\":1,\"key\":\"%s\",\"signature\":\"%s\",\"manifest\":"
	    "\"%s\",\"files\":{}}",
	    k, s, m);
	FB_CHECK(w > 0 && (size_t)w < size, "the bundle does not fit");
	*len = (size_t)w;
	mem_free(k);
	mem_free(s);
	mem_free(m);
	return out;
}

static void fb_manifest(const uint8_t *data, size_t size)
{
	static struct bundle_manifest m, again, verified;
	struct hatch_error e = {""}, e2 = {""};
	enum hatch_err rc = bundle_manifest_parse((const char *)data, size, &m, &e);
	FB_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT || rc == HATCH_ERR_LIMIT,
	         "bundle_manifest_parse returned %d", (int)rc);
	if (rc == HATCH_OK)
		fb_check_manifest(&m);
	else
		fb_check_reason("bundle_manifest_parse", &e);
	enum hatch_err rc2 = bundle_manifest_parse((const char *)data, size, &again, &e2);
	FB_CHECK(rc2 == rc && !memcmp(&m, &again, sizeof m) &&
	             (rc == HATCH_OK || !strcmp(e.msg, e2.msg)),
	         "a second parse differs");
	if (size > BUNDLE_MANIFEST_MAX)
		return;

	size_t len;
	char *bundle = fb_wrap(data, size, &len);
	struct bundle *b = NULL;
	rc2 = bundle_read(bundle, len, &b, &e2);
	FB_CHECK(rc2 == HATCH_OK, "a bundle of a signed manifest did not read: %s",
	         e2.msg);
	rc2 = bundle_verify(b, &fb_trust, 5, &verified, &e2);
	FB_CHECK(rc2 != HATCH_OK, "a bundle with none of its files was accepted");
	FB_CHECK(rc2 == HATCH_ERR_INPUT || rc2 == HATCH_ERR_STATE,
	         "bundle_verify returned %d", (int)rc2);
	fb_check_reason("bundle_verify", &e2);
	FB_CHECK(strncmp(e2.msg, "its manifest does not match", 27) &&
	             strncmp(e2.msg, "it is signed by another key", 27),
	         "a good signature refused: %s", e2.msg);
	bool about_manifest = !strncmp(e2.msg, "its manifest: ", 14);
	FB_CHECK(about_manifest == (rc != HATCH_OK), "the manifest %s, the bundle: %s",
	         rc == HATCH_OK ? "reads" : "does not read", e2.msg);
	if (rc2 == HATCH_ERR_STATE)
		FB_CHECK(verified.version == m.version && verified.version <= 5,
		         "not newer, with version %lld", verified.version);
	bundle_destroy(b);
	mem_free(bundle);
}

static void fb_bundle(const uint8_t *data, size_t size)
{
	static struct bundle_manifest m;
	struct bundle *b = NULL;
	struct hatch_error e = {""};
	enum hatch_err rc = bundle_read((const char *)data, size, &b, &e);
	FB_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT || rc == HATCH_ERR_LIMIT,
	         "bundle_read returned %d", (int)rc);
	FB_CHECK((b != NULL) == (rc == HATCH_OK), "a bundle with %d", (int)rc);
	if (rc != HATCH_OK) {
		fb_check_reason("bundle_read", &e);
		return;
	}
	rc = bundle_verify(b, &fb_trust, 5, &m, &e);
	FB_CHECK(rc == HATCH_ERR_INPUT || rc == HATCH_ERR_STATE || rc == HATCH_OK,
	         "bundle_verify returned %d", (int)rc);
	if (rc != HATCH_OK)
		fb_check_reason("bundle_verify", &e);
	else
		fb_check_manifest(&m);
	bundle_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fb_init();
	if (size == 0)
		return 0;
	/* A copy of exactly the rest, so that reading past it is caught. */
	uint8_t *rest = mem_alloc(size);
	FB_CHECK(rest != NULL, "out of memory");
	memcpy(rest, data + 1, size - 1);
	if (data[0] % 2 == 0)
		fb_manifest(rest, size - 1);
	else
		fb_bundle(rest, size - 1);
	mem_free(rest);
	return 0;
}
