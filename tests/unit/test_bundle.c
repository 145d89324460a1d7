/* Unit tests for signed journey bundles (app/bundle.h): the manifest's and
 * the bundle file's rules; a good installation that switches `current` by
 * a rename and keeps the one before as `previous`; every refusal (a file
 * or the manifest changed after signing, another key, expired, another
 * council, an older or the same version, a journey that fails validation,
 * a catalog that does not read, a bundle cut short, a file added or left
 * out) naming its reason and leaving the directory exactly as it was; the
 * lock; loading for the kiosk; keys; the [updates] settings; and an
 * installation with the allocations failing from each one on. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "support.h"

#include "app/bundle.h"
#include "base/buf.h"
#include "base/mem.h"
#include "i18n/i18n.h"
#include "platform/config.h"
#include "platform/platform.h"

#define COUNCIL "Test Borough Council"
/* 2026-01-01T00:00:00Z: every bundle here is made then, good for 90 days,
 * and installed a day later. */
#define T0  1767225600LL
#define DAY 86400LL

#define JHEAD(id)                                                                        \
	"{\"hatch_journey\":1,\"id\":\"" id                                              \
	"\",\"version\":1,\"title\":\"T\",\"description\":"                              \
	"\"D\",\"routes\":[{\"destination\":\"x\"}],\"steps\":["
#define JSTEPS                                                                           \
	"{\"id\":\"a\",\"kind\":\"yes_no\",\"question\":\"Is "                           \
	"it?\",\"errors\":{\"required\":"                                                \
	"\"Select yes or "                                                               \
	"no\"}},{\"id\":\"cya\",\"kind\":\"check_answers\"},{\"id\":\"done\","           \
	"\"kind\":\"confirmation\",\"title\":\"Sent\"}]}"

static const char journey_a[] = JHEAD("tiny-a") JSTEPS;
static const char journey_b[] = JHEAD("tiny-b") JSTEPS;
/* Valid JSON, but the steps' ids repeat: validation refuses it. */
static const char journey_bad[] = JHEAD(
    "tiny-c") "{\"id\":\"cya\",\"kind\":\"check_answers\"},{\"id\":\"cya\",\"kind\":"
              "\"confirmation\",\"title\":\"Sent\"}]}";
static const char catalog[] = "msgid \"\"\n"
                              "msgstr \"\"\n"
                              "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                              "\"Plural-Forms: nplurals=2; plural=(n != 1);\\n\"\n"
                              "\n"
                              "msgid \"Is it?\"\n"
                              "msgstr \"Ydy e?\"\n";
static const char catalog_bad[] = "msgid \"Is it?\"\nmsgstr \"Ydy e?\n";

static unsigned char pk[32], sk[64], pk_other[32], sk_other[64];

static const struct bundle_member members[] = {
    {"journeys/a.json", journey_a, sizeof journey_a - 1},
    {"journeys/b.json", journey_b, sizeof journey_b - 1},
    {"locales/cy.po", catalog, sizeof catalog - 1},
};
#define NMEMBERS (sizeof members / sizeof *members)

static struct bundle_trust trust(void)
{
	struct bundle_trust t;
	memset(&t, 0, sizeof t);
	memcpy(t.public_key, pk, sizeof pk);
	snprintf(t.council, sizeof t.council, "%s", COUNCIL);
	t.now = T0 + DAY;
	t.today = (struct cdate){2026, 1, 2};
	return t;
}

/* A bundle of FILES signed with KEY: mem_free it. */
static char *pack_full(long long version, const char *council, long long created,
                       long long expires, const unsigned char *key,
                       const struct bundle_member *files, size_t n, size_t *len)
{
	struct bundle_pack_options o = {version, council, created, expires, key};
	char *out = NULL;
	struct hatch_error e = {""};
	enum hatch_err rc = bundle_pack(&o, files, n, &out, len, &e);
	if (rc != HATCH_OK)
		fail_msg("bundle_pack: %s", e.msg);
	return out;
}

static char *pack(long long version, size_t *len)
{
	return pack_full(version, COUNCIL, T0, T0 + 90 * DAY, sk, members, NMEMBERS, len);
}

/* A directory of its own under the test's. */
static void fresh_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", support_dir, name);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
	assert_int_equal(system(cmd), 0);
}

/* Everything under DIR, one line per entry, sorted: a name, then its
 * kind, and a file's size and SHA-256 or a link's target. */
static void tree_add(struct buf *b, const char *dir, const char *rel)
{
	char path[1200];
	snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			char sub[1600], subrel[1600];
			struct stat st;
			snprintf(sub, sizeof sub, "%s/%s", path, name);
			snprintf(subrel, sizeof subrel, "%s%s%s", rel, rel[0] ? "/" : "",
			         name);
			assert_int_equal(lstat(sub, &st), 0);
			if (S_ISLNK(st.st_mode)) {
				char target[256];
				ssize_t len = readlink(sub, target, sizeof target - 1);
				assert_true(len > 0);
				target[len] = '\0';
				assert_int_equal(
				    buf_addf(b, "%s -> %s\n", subrel, target), HATCH_OK);
			} else if (S_ISDIR(st.st_mode)) {
				assert_int_equal(buf_addf(b, "%s/\n", subrel), HATCH_OK);
				tree_add(b, dir, subrel);
			} else {
				char *data;
				size_t len;
				struct hatch_error e;
				assert_int_equal(
				    platform_read_file(sub, 1 << 24, &data, &len, &e),
				    HATCH_OK);
				unsigned char sum[32];
				char hex[65];
				crypto_hash_sha256(sum, (unsigned char *)data, len);
				sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
				mem_free(data);
				assert_int_equal(
				    buf_addf(b, "%s %zu %s\n", subrel, len, hex),
				    HATCH_OK);
			}
		}
		free(names[i]);
	}
	free(names);
}

static char *tree(const char *dir)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_addstr(&b, "tree\n"), HATCH_OK);
	tree_add(&b, dir, "");
	return buf_take(&b);
}

static enum hatch_err install(const char *dir, const char *data, size_t len,
                              struct hatch_error *e)
{
	struct bundle_trust t = trust();
	return bundle_install(dir, &t, data, len, NULL, NULL, e);
}

static void install_ok(const char *dir, long long version)
{
	size_t len;
	char *b = pack(version, &len);
	struct hatch_error e = {""};
	enum hatch_err rc = install(dir, b, len, &e);
	mem_free(b);
	if (rc != HATCH_OK)
		fail_msg("installing version %lld: %s", version, e.msg);
}

static void expect_link(const char *dir, const char *name, const char *target)
{
	char path[1200], got[64];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	ssize_t n = readlink(path, got, sizeof got - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, target);
}

static bool exists(const char *dir, const char *name)
{
	char path[1200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* ---- the container, taken apart and put together again ---- */

static char *b64(const void *p, size_t n)
{
	size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(size);
	assert_non_null(s);
	sodium_bin2base64(s, size, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static json_t *parse(const char *data, size_t len)
{
	json_error_t je;
	json_t *j = json_loadb(data, len, 0, &je);
	assert_non_null(j);
	return j;
}

/* The bundle J as text: mem_free it. */
static char *dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(s);
	*len = strlen(s);
	char *out = mem_strdup(s);
	json_free_t jfree;
	json_get_alloc_funcs(NULL, &jfree);
	jfree(s);
	json_decref(j);
	return out;
}

/* DATA with FIELD (in "files" when IN_FILES) set to the base64 of VALUE,
 * or taken out when VALUE is NULL. */
static char *with(const char *data, size_t len, bool in_files, const char *field,
                  const char *value, size_t vlen, size_t *outlen)
{
	json_t *j = parse(data, len);
	json_t *obj = in_files ? json_object_get(j, "files") : j;
	if (value) {
		char *s = b64(value, vlen);
		json_object_set_new(obj, field, json_string(s));
		free(s);
	} else {
		json_object_del(obj, field);
	}
	return dump(j, outlen);
}

/* The manifest's text in DATA (malloc'd). */
static char *manifest_of(const char *data, size_t len, size_t *mlen)
{
	json_t *j = parse(data, len);
	const char *s = json_string_value(json_object_get(j, "manifest"));
	unsigned char *m = malloc(strlen(s));
	assert_non_null(m);
	assert_int_equal(sodium_base642bin(m, strlen(s), s, strlen(s), NULL, mlen, NULL,
	                                   sodium_base64_VARIANT_ORIGINAL),
	                 0);
	json_decref(j);
	return (char *)m;
}

/* ---- the manifest ---- */

#define MANIFEST_HEAD                                                                    \
	"{\"format\":1,\"version\":3,\"council\":\"C\",\"created\":\"2026-01-01T00:00:"  \
	"00Z\","                                                                         \
	"\"expires\":\"2026-04-01T00:00:00Z\",\"files\":["
#define SHA                                                                              \
	"\"sha256\":\""                                                                  \
	"0000000000000000000000000000000000000000000000000000000000000000\"}"
#define FILE_J "{\"path\":\"journeys/a.json\",\"size\":10," SHA

static void expect_manifest(const char *text, enum hatch_err want, const char *words)
{
	static struct bundle_manifest m;
	struct hatch_error e = {""};
	enum hatch_err rc = bundle_manifest_parse(text, strlen(text), &m, &e);
	if (rc != want || (words && !strstr(e.msg, words)))
		fail_msg("%s\nwanted %d \"%s\", got %d \"%s\"", text, (int)want,
		         words ? words : "", (int)rc, e.msg);
	if (rc != HATCH_OK)
		assert_int_equal(m.nfiles, 0);
}

static void manifest_rules(void **state)
{
	(void)state;
	static struct bundle_manifest m;
	struct hatch_error e = {""};
	const char good[] =
	    MANIFEST_HEAD FILE_J ",{\"path\":\"locales/cy.po\",\"size\":0," SHA "]}";
	assert_int_equal(bundle_manifest_parse(good, strlen(good), &m, &e), HATCH_OK);
	assert_int_equal(m.version, 3);
	assert_string_equal(m.council, "C");
	assert_int_equal(m.created, T0);
	assert_int_equal(m.expires, T0 + 90 * DAY);
	assert_int_equal(m.nfiles, 2);
	assert_int_equal(m.njourneys, 1);
	assert_string_equal(m.files[1].path, "locales/cy.po");
	assert_int_equal(m.files[0].size, 10);

	expect_manifest("", HATCH_ERR_INPUT, "the manifest is empty");
	expect_manifest("[1]", HATCH_ERR_INPUT, "must be a JSON object");
	expect_manifest(MANIFEST_HEAD FILE_J "]", HATCH_ERR_INPUT, "cut short");
	expect_manifest("{\"format\":1,\"format\":1}", HATCH_ERR_INPUT, "not JSON");
	expect_manifest("{\"format\":2}", HATCH_ERR_INPUT, "newer than this kiosk reads");
	expect_manifest("{\"format\":1,\"version\":3,\"signer\":1}", HATCH_ERR_INPUT,
	                "\"signer\" is not a key it has");
	expect_manifest("{\"format\":1}", HATCH_ERR_INPUT, "version: is missing");
	expect_manifest("{\"format\":1,\"version\":0}", HATCH_ERR_INPUT,
	                "version: must be a whole number from 1");
	expect_manifest("{\"format\":1,\"version\":1.5}", HATCH_ERR_INPUT,
	                "version: must be");
	expect_manifest("{\"format\":1,\"version\":9007199254740992}", HATCH_ERR_INPUT,
	                "version: must be");
	expect_manifest("{\"format\":1,\"version\":1,\"council\":\"\"}", HATCH_ERR_INPUT,
	                "council: must be");
	expect_manifest("{\"format\":1,\"version\":1,\"council\":\"a\\nb\"}",
	                HATCH_ERR_INPUT, "council: must be");
	expect_manifest("{\"format\":1,\"version\":1,\"council\":\"C\",\"created\":"
	                "\"2026-01-01 00:00:00\"}",
	                HATCH_ERR_INPUT,
	                "created: \"2026-01-01 00:00:00\" is not a time in UTC");
	expect_manifest("{\"format\":1,\"version\":1,\"council\":\"C\",\"created\":"
	                "\"2026-02-29T00:00:00Z\"}",
	                HATCH_ERR_INPUT, "is not a time");
	expect_manifest("{\"format\":1,\"version\":1,\"council\":\"C\",\"created\":"
	                "\"2026-01-01T00:00:00Z\",\"expires\":\"2026-01-01T00:00:00Z\"}",
	                HATCH_ERR_INPUT, "expires: is not after created");
	expect_manifest(MANIFEST_HEAD "]}", HATCH_ERR_INPUT,
	                "files: must be a list of 1 to 256");
	expect_manifest(MANIFEST_HEAD "{\"path\":\"locales/cy.po\",\"size\":1," SHA "]}",
	                HATCH_ERR_INPUT, "files: lists no journey");
	expect_manifest(MANIFEST_HEAD FILE_J "," FILE_J "]}", HATCH_ERR_INPUT,
	                "files[1]: path: journeys/a.json is listed twice");
	expect_manifest(MANIFEST_HEAD "{\"path\":\"journeys/../x.json\",\"size\":1," SHA
	                              "]}",
	                HATCH_ERR_INPUT, "is not a journey's file name");
	expect_manifest(MANIFEST_HEAD "{\"path\":\"journeys/.x.json\",\"size\":1," SHA
	                              "]}",
	                HATCH_ERR_INPUT, "is not a journey's file name");
	expect_manifest(MANIFEST_HEAD "{\"path\":\"/etc/passwd\",\"size\":1," SHA "]}",
	                HATCH_ERR_INPUT, "is not a file a bundle holds");
	expect_manifest(
	    MANIFEST_HEAD FILE_J ",{\"path\":\"locales/en.po\",\"size\":1," SHA "]}",
	    HATCH_ERR_INPUT, "not the catalog of a language the kiosk offers");
	expect_manifest(MANIFEST_HEAD FILE_J
	                ",{\"path\":\"locales/xx.po\",\"size\":1," SHA "]}",
	                HATCH_ERR_INPUT, "locales/LANG.po for cy,");
	expect_manifest(
	    MANIFEST_HEAD "{\"path\":\"journeys/a.json\",\"size\":1048577," SHA "]}",
	    HATCH_ERR_INPUT, "files[0]: size: must be a whole number from 0 to 1048576");
	expect_manifest(
	    MANIFEST_HEAD "{\"path\":\"journeys/a.json\",\"size\":1,\"sha256\":"
	                  "\"ABCD\"}]}",
	    HATCH_ERR_INPUT, "files[0]: sha256: must be 64 lower-case hex digits");
	expect_manifest(MANIFEST_HEAD
	                "{\"path\":\"journeys/a.json\",\"size\":1,\"x\":1," SHA "]}",
	                HATCH_ERR_INPUT, "files[0]: \"x\" is not a key it has");

	char *big = malloc(BUNDLE_MANIFEST_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', BUNDLE_MANIFEST_MAX + 1);
	big[BUNDLE_MANIFEST_MAX + 1] = '\0';
	expect_manifest(big, HATCH_ERR_LIMIT, "the most is 65536");
	free(big);
}

/* ---- the bundle file ---- */

static void expect_read(const char *data, size_t len, enum hatch_err want,
                        const char *words)
{
	struct bundle *b = NULL;
	struct hatch_error e = {""};
	enum hatch_err rc = bundle_read(data, len, &b, &e);
	if (rc != want || (words && !strstr(e.msg, words)))
		fail_msg("wanted %d \"%s\", got %d \"%s\"", (int)want, words ? words : "",
		         (int)rc, e.msg);
	assert_true((b != NULL) == (rc == HATCH_OK));
	bundle_destroy(b);
}

static void read_rules(void **state)
{
	(void)state;
	size_t len, n2;
	char *good = pack(1, &len);
	expect_read(good, len, HATCH_OK, NULL);
	expect_read(good, len / 2, HATCH_ERR_INPUT, "ends before its JSON does (at byte");
	expect_read(good, 0, HATCH_ERR_INPUT, "the bundle is empty");
	expect_read("{\"a\":1}", 7, HATCH_ERR_INPUT, "it is not a bundle file");
	expect_read("{\"hatch_bundle\":2}", 18, HATCH_ERR_INPUT,
	            "newer than this kiosk reads");
	expect_read("not json", 8, HATCH_ERR_INPUT, "the bundle is not JSON");

	json_t *j = parse(good, len);
	json_object_set_new(j, "extra", json_true());
	char *t = dump(j, &n2);
	expect_read(t, n2, HATCH_ERR_INPUT, "\"extra\" is not a key it has");
	mem_free(t);

	j = parse(good, len);
	json_object_set_new(j, "signature", json_string("AAAA"));
	t = dump(j, &n2);
	expect_read(t, n2, HATCH_ERR_INPUT, "signature: must be 64 bytes in base64");
	mem_free(t);

	j = parse(good, len);
	json_object_set_new(json_object_get(j, "files"), "journeys/a.json",
	                    json_string("*not*"));
	t = dump(j, &n2);
	expect_read(t, n2, HATCH_ERR_INPUT, "files: \"journeys/a.json\" is not base64");
	mem_free(t);

	j = parse(good, len);
	json_t *files = json_object_get(j, "files");
	for (int i = 0; i <= BUNDLE_MAX_FILES; i++) {
		char name[32];
		snprintf(name, sizeof name, "journeys/x%d.json", i);
		json_object_set_new(files, name, json_string(""));
	}
	t = dump(j, &n2);
	expect_read(t, n2, HATCH_ERR_LIMIT, "files: has more than 256 files");
	mem_free(t);

	char *huge = malloc(BUNDLE_MAX_BYTES + 1);
	assert_non_null(huge);
	memset(huge, ' ', BUNDLE_MAX_BYTES + 1);
	expect_read(huge, BUNDLE_MAX_BYTES + 1, HATCH_ERR_LIMIT, "the most is 16777216");
	free(huge);
	mem_free(good);
}

/* ---- installing ---- */

static void install_switches_and_keeps_previous(void **state)
{
	(void)state;
	char dir[600];
	fresh_dir(dir, sizeof dir, "good");
	assert_int_equal(bundle_installed(dir), 0);
	assert_false(bundle_newer(dir, 0));

	size_t len;
	char *b = pack(10, &len);
	struct bundle_trust t = trust();
	static struct bundle_manifest m;
	struct hatch_error e = {""};
	enum hatch_err rc = bundle_install(dir, &t, b, len, NULL, &m, &e);
	mem_free(b);
	if (rc != HATCH_OK)
		fail_msg("%s", e.msg);
	assert_int_equal(m.version, 10);
	assert_int_equal(m.njourneys, 2);
	assert_int_equal(m.nfiles, 3);
	expect_link(dir, "current", "10");
	assert_false(exists(dir, "previous"));
	assert_int_equal(bundle_installed(dir), 10);
	assert_true(bundle_newer(dir, 0));
	assert_false(bundle_newer(dir, 10));
	/* The files as they were packed, the signed manifest beside them. */
	char path[1200], *data;
	size_t n;
	snprintf(path, sizeof path, "%s/current/journeys/a.json", dir);
	assert_int_equal(platform_read_file(path, 1 << 20, &data, &n, &e), HATCH_OK);
	assert_int_equal(n, sizeof journey_a - 1);
	assert_memory_equal(data, journey_a, n);
	mem_free(data);
	snprintf(path, sizeof path, "%s/10/locales/cy.po", dir);
	assert_int_equal(platform_read_file(path, 1 << 20, &data, &n, &e), HATCH_OK);
	assert_memory_equal(data, catalog, n);
	mem_free(data);
	assert_true(exists(dir, "10/manifest.json"));
	assert_true(exists(dir, "10/manifest.sig"));

	install_ok(dir, 11);
	expect_link(dir, "current", "11");
	expect_link(dir, "previous", "10");
	assert_true(exists(dir, "10/journeys/a.json"));
	assert_true(bundle_newer(dir, 10));

	/* A third: the previous is the second, the first is gone; nothing of
	 * the switch (its new link, a staging directory) is left. */
	install_ok(dir, 20);
	expect_link(dir, "current", "20");
	expect_link(dir, "previous", "11");
	assert_false(exists(dir, "10"));
	assert_true(exists(dir, "11/journeys/b.json"));
	assert_false(exists(dir, ".current.new"));
	assert_false(exists(dir, ".previous.new"));
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		assert_null(strstr(de->d_name, "staging"));
	closedir(d);

	/* A crash's leftovers: a staging directory and a version's directory
	 * never switched to are removed by the next installation. */
	snprintf(path, sizeof path, "%s/.staging-abc123", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/21", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/21/junk", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	install_ok(dir, 21);
	expect_link(dir, "current", "21");
	expect_link(dir, "previous", "20");
	assert_false(exists(dir, ".staging-abc123"));
	assert_false(exists(dir, "21/junk"));
	assert_false(exists(dir, "11"));

	/* A bundle without catalogs. */
	size_t l2;
	char *nc = pack_full(22, COUNCIL, T0, T0 + 90 * DAY, sk, members, 2, &l2);
	assert_int_equal(install(dir, nc, l2, &e), HATCH_OK);
	mem_free(nc);
	assert_false(exists(dir, "22/locales"));
}

struct refusal {
	const char *what;
	char *data;
	size_t len;
	enum hatch_err rc;
	const char *words;
};

static void refusals_change_nothing(void **state)
{
	(void)state;
	char dir[600];
	fresh_dir(dir, sizeof dir, "refusals");
	install_ok(dir, 4);
	install_ok(dir, 5);
	size_t len;
	char *good = pack(6, &len);
	struct refusal r[32];
	size_t n = 0;
/* Adds a case: EXPR makes its bytes and their length into l_, or LEN_ is
 * their length. */
#define ADD(what_, expr_, len_, rc_, words_)                                             \
	do {                                                                             \
		size_t l_ = 0;                                                           \
		char *d_ = (expr_);                                                      \
		if (len_)                                                                \
			l_ = (len_);                                                     \
		r[n] = (struct refusal){(what_), d_, l_, (rc_), (words_)};               \
		n++;                                                                     \
	} while (0)

	ADD("a file changed after signing",
	    with(good, len, true, "journeys/a.json", journey_b, sizeof journey_b - 1,
	         &l_),
	    0, HATCH_ERR_INPUT,
	    "journeys/a.json does not match the SHA-256 in its manifest: the "
	    "file was changed after the bundle was signed");
	size_t mlen;
	char *m = manifest_of(good, len, &mlen);
	char *v = strstr(m, "\"version\": 6");
	assert_non_null(v);
	v[11] = '9';
	ADD("the manifest changed after signing",
	    with(good, len, false, "manifest", m, mlen, &l_), 0, HATCH_ERR_INPUT,
	    "its manifest does not match its signature: the manifest was "
	    "changed after it was signed");
	free(m);
	ADD("signed by another key",
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk_other, members, NMEMBERS, &l_), 0,
	    HATCH_ERR_INPUT, "it is signed by another key (");
	/* Another key's signature, claiming to be ours. */
	char *pkb = b64(pk, sizeof pk);
	char *forged =
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk_other, members, NMEMBERS, &mlen);
	json_t *j = parse(forged, mlen);
	json_object_set_new(j, "key", json_string(pkb));
	ADD("another key's signature naming ours", dump(j, &l_), 0, HATCH_ERR_INPUT,
	    "its manifest does not match its signature");
	mem_free(forged);
	free(pkb);
	ADD("expired",
	    pack_full(6, COUNCIL, T0 - 90 * DAY, T0 + DAY, sk, members, NMEMBERS, &l_), 0,
	    HATCH_ERR_INPUT,
	    "it expired at 2026-01-02T00:00:00Z (the kiosk's clock says "
	    "2026-01-02T00:00:00Z)");
	ADD("for another council",
	    pack_full(6, "Another District Council", T0, T0 + 90 * DAY, sk, members,
	              NMEMBERS, &l_),
	    0, HATCH_ERR_INPUT,
	    "it is for \"Another District Council\", and this kiosk is for "
	    "\"" COUNCIL "\"");
	ADD("older", pack(4, &l_), 0, HATCH_ERR_STATE,
	    "its version 4 is older than the installed version 5");
	ADD("the same version", pack(5, &l_), 0, HATCH_ERR_STATE,
	    "its version 5 is the one installed");
	struct bundle_member bad_journey[] = {
	    members[0],
	    {"journeys/c.json", journey_bad, sizeof journey_bad - 1},
	    members[2]};
	ADD("a journey that fails validation",
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk, bad_journey, 3, &l_), 0,
	    HATCH_ERR_INPUT, "journeys/c.json: steps[1].id: ");
	struct bundle_member not_json[] = {members[0],
	                                   {"journeys/c.json", "{\"id\":", 6}};
	ADD("a journey that is not JSON",
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk, not_json, 2, &l_), 0,
	    HATCH_ERR_INPUT, "journeys/c.json:1:");
	struct bundle_member twice[] = {
	    members[0], {"journeys/c.json", journey_a, sizeof journey_a - 1}};
	ADD("two journeys with one id",
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk, twice, 2, &l_), 0,
	    HATCH_ERR_INPUT,
	    "journeys/c.json: id: \"tiny-a\" is also the id of journeys/a.json");
	struct bundle_member bad_po[] = {
	    members[0],
	    members[1],
	    {"locales/cy.po", catalog_bad, sizeof catalog_bad - 1}};
	ADD("a catalog that does not read",
	    pack_full(6, COUNCIL, T0, T0 + 90 * DAY, sk, bad_po, 3, &l_), 0,
	    HATCH_ERR_INPUT, "locales/cy.po:");
	ADD("cut short", mem_strndup(good, len - 100), len - 100, HATCH_ERR_INPUT,
	    "it was cut short");
	ADD("a file added after signing",
	    with(good, len, true, "journeys/z.json", journey_a, sizeof journey_a - 1,
	         &l_),
	    0, HATCH_ERR_INPUT,
	    "\"journeys/z.json\" is in the bundle but not in its signed "
	    "manifest");
	ADD("a file taken out after signing",
	    with(good, len, true, "locales/cy.po", NULL, 0, &l_), 0, HATCH_ERR_INPUT,
	    "locales/cy.po is in its manifest but not in the bundle");
	ADD("not a bundle", mem_strdup("{}"), 2, HATCH_ERR_INPUT,
	    "it is not a bundle file");

	char *before = tree(dir);
	assert_non_null(strstr(before, "current -> 5\n"));
	assert_non_null(strstr(before, "previous -> 4\n"));
	for (size_t i = 0; i < n; i++) {
		struct hatch_error e = {""};
		char detail_buf[4096] = "";
		FILE *detail = fmemopen(detail_buf, sizeof detail_buf - 1, "w");
		assert_non_null(detail);
		struct bundle_trust t = trust();
		enum hatch_err rc =
		    bundle_install(dir, &t, r[i].data, r[i].len, detail, NULL, &e);
		fclose(detail);
		if (rc != r[i].rc || !strstr(e.msg, r[i].words))
			fail_msg("%s: wanted %d \"%s\", got %d \"%s\"", r[i].what,
			         (int)r[i].rc, r[i].words, (int)rc, e.msg);
		/* One line. */
		assert_null(strchr(e.msg, '\n'));
		char *after = tree(dir);
		if (strcmp(before, after))
			fail_msg("%s changed the directory:\n%s\nbecame\n%s", r[i].what,
			         before, after);
		mem_free(after);
		assert_int_equal(bundle_installed(dir), 5);
		/* A journey's or a catalog's problems also go to DETAIL. */
		bool detailed = !strncmp(r[i].what, "a journey", 9) ||
		                !strncmp(r[i].what, "two journeys", 12) ||
		                !strncmp(r[i].what, "a catalog", 9);
		if (detailed && !strstr(detail_buf, r[i].words))
			fail_msg("%s: the detail lacks \"%s\":\n%s", r[i].what,
			         r[i].words, detail_buf);
		mem_free(r[i].data);
	}
	/* And the good one after all of them. */
	struct hatch_error e = {""};
	assert_int_equal(install(dir, good, len, &e), HATCH_OK);
	expect_link(dir, "current", "6");
	mem_free(before);
	mem_free(good);
}

static void lock_and_unwritable(void **state)
{
	(void)state;
	char dir[600], lock[700];
	fresh_dir(dir, sizeof dir, "locked");
	install_ok(dir, 1);
	snprintf(lock, sizeof lock, "%s/.lock", dir);
	int fd = open(lock, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	size_t len;
	char *b = pack(2, &len);
	struct hatch_error e = {""};
	char *before = tree(dir);
	assert_int_equal(install(dir, b, len, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, "another installation into"));
	char *after = tree(dir);
	assert_string_equal(before, after);
	mem_free(after);
	close(fd);
	assert_int_equal(install(dir, b, len, &e), HATCH_OK);
	expect_link(dir, "current", "2");

	/* A file where the directory should be. */
	char file[700];
	snprintf(file, sizeof file, "%s/plain-file", support_dir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(install(file, b, len, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "is not a directory"));
	mem_free(before);
	mem_free(b);
}

/* ---- the kiosk's side ---- */

static void load_for_kiosk(void **state)
{
	(void)state;
	char dir[600];
	fresh_dir(dir, sizeof dir, "load");
	struct bundle_loaded l;
	struct hatch_error e = {""};
	struct cdate today = {2026, 1, 2};
	assert_int_equal(bundle_load(dir, &today, stderr, &l, &e), HATCH_ERR_NOTFOUND);
	assert_null(l.journeys);
	install_ok(dir, 7);
	assert_int_equal(bundle_load(dir, &today, stderr, &l, &e), HATCH_OK);
	assert_int_equal(l.version, 7);
	assert_int_equal(l.njourneys, 2);
	assert_string_equal(l.journeys[0]->id, "tiny-a");
	assert_non_null(strstr(l.dir, "/load/7"));
	assert_non_null(l.i18n);
	assert_string_equal(i18n_text(i18n_catalog(l.i18n, "cy"), "Is it?"), "Ydy e?");
	assert_false(bundle_newer(dir, l.version));
	/* A newer one installed while these are in use: they stay good. */
	install_ok(dir, 8);
	assert_true(bundle_newer(dir, l.version));
	assert_string_equal(i18n_text(i18n_catalog(l.i18n, "cy"), "Is it?"), "Ydy e?");
	struct bundle_loaded l2;
	assert_int_equal(bundle_load(dir, &today, stderr, &l2, &e), HATCH_OK);
	assert_int_equal(l2.version, 8);
	bundle_loaded_cleanup(&l);
	bundle_loaded_cleanup(&l2);
	assert_null(l.journeys);

	/* The directory: [updates] directory, else beside the database. */
	struct config c;
	config_defaults(&c);
	char out[4096];
	assert_int_equal(bundle_dir(&c, "/var/lib/hatch/hatch.db", out, sizeof out, &e),
	                 HATCH_OK);
	assert_string_equal(out, "/var/lib/hatch/bundles");
	snprintf(c.database, sizeof c.database, "/data/k.db");
	assert_int_equal(bundle_dir(&c, NULL, out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/data/bundles");
	snprintf(c.update_dir, sizeof c.update_dir, "/srv/b");
	assert_int_equal(bundle_dir(&c, NULL, out, sizeof out, &e), HATCH_OK);
	assert_string_equal(out, "/srv/b");
	assert_int_equal(bundle_dir(&c, NULL, out, 4, &e), HATCH_ERR_LIMIT);
}

/* ---- keys ---- */

static void keys(void **state)
{
	(void)state;
	char path[700], pubpath[720];
	snprintf(path, sizeof path, "%s/signing.key", support_dir);
	snprintf(pubpath, sizeof pubpath, "%s.pub", path);
	unlink(path);
	char pub[BUNDLE_KEY_B64_SIZE];
	struct hatch_error e = {""};
	assert_int_equal(bundle_keygen(path, pub, &e), HATCH_OK);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(strlen(pub), 44);
	char *text;
	size_t n;
	assert_int_equal(platform_read_file(pubpath, 100, &text, &n, &e), HATCH_OK);
	assert_int_equal(n, 45);
	assert_memory_equal(text, pub, 44);
	mem_free(text);
	/* Never over an existing key. */
	char again[BUNDLE_KEY_B64_SIZE];
	assert_int_equal(bundle_keygen(path, again, &e), HATCH_ERR_STATE);
	assert_non_null(strstr(e.msg, "exists"));

	unsigned char key[64];
	assert_int_equal(bundle_key_read(path, key, &e), HATCH_OK);
	/* Its public half is the one printed, and what it signs installs. */
	unsigned char half[32];
	crypto_sign_ed25519_sk_to_pk(half, key);
	char *hb = b64(half, sizeof half);
	assert_string_equal(hb, pub);
	free(hb);

	struct config c;
	struct config_problems p;
	char conf[200];
	snprintf(conf, sizeof conf, "[council]\nname = %s\n[updates]\npublic_key = %s\n",
	         COUNCIL, pub);
	assert_int_equal(config_parse(conf, strlen(conf), &c, &p), HATCH_OK);
	struct bundle_trust t;
	struct cdate today = {2026, 1, 2};
	assert_int_equal(bundle_trust_from_config(&c, T0 + DAY, &today, &t, &e),
	                 HATCH_OK);
	size_t len;
	char *b = pack_full(1, COUNCIL, T0, T0 + 90 * DAY, key, members, NMEMBERS, &len);
	char dir[600];
	fresh_dir(dir, sizeof dir, "keys");
	assert_int_equal(bundle_install(dir, &t, b, len, NULL, NULL, &e), HATCH_OK);
	mem_free(b);

	/* A key others may read is refused, and so is one that is not a key. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(bundle_key_read(path, key, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "chmod 600"));
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("bm90IGEga2V5\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(bundle_key_read(path, key, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "is not a bundle signing key"));
	snprintf(path, sizeof path, "%s/no-such.key", support_dir);
	assert_int_equal(bundle_key_read(path, key, &e), HATCH_ERR_NOTFOUND);
}

/* ---- [updates] ---- */

static void expect_config(const char *text, int line, const char *words)
{
	struct config c;
	struct config_problems p;
	enum hatch_err rc = config_parse(text, strlen(text), &c, &p);
	if (rc != HATCH_ERR_INPUT || p.n < 1 || p.v[0].line != line ||
	    !strstr(p.v[0].reason, words))
		fail_msg("%s\nwanted line %d \"%s\", got %zu problems: %d \"%s\"", text,
		         line, words, p.n, p.n ? p.v[0].line : 0,
		         p.n ? p.v[0].reason : "");
}

static void updates_config(void **state)
{
	(void)state;
	struct config c;
	struct config_problems p;
	const char *key = "UI7+ZxeEmSlDcLwkg+Rs+0JiOzlf+JvEel6aLRr4Qc0=";
	char text[600];
	snprintf(text, sizeof text,
	         "[council]\nname = Borough of Example\n"
	         "[updates]\npublic_key = %s\nurl = "
	         "https://journeys.example.gov.uk/kiosk.bundle\n"
	         "interval = 900\ncouncil = example\ndirectory = /var/lib/hatch/b\n",
	         key);
	assert_int_equal(config_parse(text, strlen(text), &c, &p), HATCH_OK);
	assert_string_equal(c.update_key, key);
	assert_string_equal(c.update_url, "https://journeys.example.gov.uk/kiosk.bundle");
	assert_int_equal(c.update_interval, 900);
	assert_string_equal(c.update_council, "example");
	assert_string_equal(c.update_dir, "/var/lib/hatch/b");
	struct bundle_trust t;
	struct hatch_error e = {""};
	struct cdate today = {2026, 1, 2};
	assert_int_equal(bundle_trust_from_config(&c, 5, &today, &t, &e), HATCH_OK);
	assert_string_equal(t.council, "example");
	assert_int_equal(t.now, 5);

	/* Written back, it reads as itself. */
	char *out;
	size_t n;
	struct config again;
	assert_int_equal(config_format(&c, &out, &n, &e), HATCH_OK);
	assert_non_null(strstr(out, "[updates]\npublic_key = "));
	assert_int_equal(config_parse(out, n, &again, &p), HATCH_OK);
	assert_memory_equal(&c, &again, sizeof c);
	mem_free(out);

	/* The defaults: no key, no url, an hour; nothing written. */
	config_defaults(&c);
	assert_string_equal(c.update_key, "");
	assert_int_equal(c.update_interval, CONFIG_UPDATE_INTERVAL);
	assert_int_equal(bundle_trust_from_config(&c, 5, &today, &t, &e),
	                 HATCH_ERR_NOTFOUND);
	assert_int_equal(config_format(&c, &out, &n, &e), HATCH_OK);
	assert_null(strstr(out, "[updates]"));
	mem_free(out);
	struct bundle_updater *u = NULL;
	assert_int_equal(bundle_updater_create(&c, "/tmp/x", &u, &e), HATCH_ERR_NOTFOUND);
	assert_null(u);

	expect_config("[updates]\npublic_key = abc\n", 2,
	              "is not a public key; use the 44");
	expect_config(
	    "[updates]\npublic_key = UI7+ZxeEmSlDcLwkg+Rs+0JiOzlf+JvEel6aLRr4Qc1=\n", 2,
	    "is not a public key");
	expect_config(
	    "[updates]\nurl = http://example.org/b\npublic_key = UI7+ZxeEmSlDcLwkg+Rs+"
	    "0JiOzlf+JvEel6aLRr4Qc0=\n",
	    2, "does not start with https://");
	expect_config("[updates]\nurl = https://user:pw@example.org/b\n", 2,
	              "has a user name or password");
	expect_config("[updates]\nurl = https://example.org/b\n", 2,
	              "[updates] public_key: is missing; a url needs public_key");
	expect_config("[updates]\ninterval = 10\n", 2, "use seconds from 60 to 604800");
	expect_config("[updates]\nca_bundle = /etc/ca.pem\n", 2, "is read only for url");
	expect_config("[updates]\ndirectory = relative\n", 2, "is not an absolute path");
	expect_config("[updates]\ncouncil =\n", 2, "needs a value");
	expect_config(
	    "[updates]\nkey = x\n", 2,
	    "[updates] key: is not a known setting; [updates] has public_key, url, "
	    "interval, council, ca_bundle and directory");
}

/* ---- out of memory ---- */

static void install_out_of_memory(void **state)
{
	(void)state;
	char dir[600];
	size_t len;
	char *b = pack(2, &len);
	struct hatch_error e = {""};
	fresh_dir(dir, sizeof dir, "oom");
	install_ok(dir, 1);
	char *before = tree(dir);
	long start = mem_alloc_count();
	assert_int_equal(install(dir, b, len, &e), HATCH_OK);
	long total = mem_alloc_count() - start;
	assert_true(total > 10);
	for (long i = 1; i <= total; i++) {
		fresh_dir(dir, sizeof dir, "oom");
		install_ok(dir, 1);
		/* This one and every one after it, as test_core does: jansson
		 * takes a lone failure in its lexer for a syntax error. */
		mem_fail_after(i, 1);
		enum hatch_err rc = install(dir, b, len, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK) {
			expect_link(dir, "current", "2");
			continue;
		}
		if (rc != HATCH_ERR_NOMEM)
			fail_msg("allocation %ld of %ld failing gave %d: %s", i, total,
			         (int)rc, e.msg);
		char *after = tree(dir);
		if (strcmp(before, after))
			fail_msg("allocation %ld failing changed the directory:\n%s", i,
			         after);
		mem_free(after);
	}
	mem_free(before);
	mem_free(b);
}

static int setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk_other, sk_other);
	return support_dir_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(manifest_rules),
	    cmocka_unit_test(read_rules),
	    cmocka_unit_test(install_switches_and_keeps_previous),
	    cmocka_unit_test(refusals_change_nothing),
	    cmocka_unit_test(lock_and_unwritable),
	    cmocka_unit_test(load_for_kiosk),
	    cmocka_unit_test(keys),
	    cmocka_unit_test(updates_config),
	    cmocka_unit_test(install_out_of_memory),
	};
	return cmocka_run_group_tests_name("bundle", tests, setup, support_dir_teardown);
}
