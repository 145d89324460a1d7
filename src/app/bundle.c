/* Signed journey bundles (bundle.h, docs/bundles.md): the bundle file and
 * its manifest read and checked, made and signed, installed into a
 * versioned directory with an atomic switch, loaded for the kiosk, and
 * fetched on an interval. Every refusal is one line in a struct
 * hatch_error; only bundle_update() logs, and only the caller's DETAIL file
 * gets the problems of a journey or a catalog.
 * Depends on core/ (journey_load), i18n/, platform/, store/store.h (the
 * database's default path), sync/bundle_fetch.h, libsodium and jansson. */
#include "app/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/mem.h"
#include "i18n/i18n.h"
#include "platform/log.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/bundle_fetch.h"

_Static_assert(BUNDLE_MAX_BYTES == SYNC_BUNDLE_MAX, "a bundle fetched is a bundle read");
_Static_assert(BUNDLE_PUBLIC_KEY_BYTES == crypto_sign_PUBLICKEYBYTES,
               "Ed25519 public keys");
_Static_assert(BUNDLE_SECRET_KEY_BYTES == crypto_sign_SECRETKEYBYTES,
               "Ed25519 secret keys");
_Static_assert(BUNDLE_KEY_B64_SIZE ==
                   sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
                                             sodium_base64_VARIANT_ORIGINAL),
               "room for a public key's base64");
_Static_assert(BUNDLE_KEY_B64_SIZE == CONFIG_UPDATE_KEY_SIZE,
               "[updates] public_key holds one");
_Static_assert(sizeof((struct bundle_trust *)0)->council ==
                   sizeof((struct config *)0)->council,
               "a council's name fits");

/* A secret key file: base64 of libsodium's 64-byte Ed25519 secret key (its
 * seed and its public key) and a newline. */
#define BD_SK_B64_SIZE                                                                   \
	sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,                            \
	                          sodium_base64_VARIANT_ORIGINAL)
#define BD_SIG_B64_SIZE                                                                  \
	sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)
/* How much of an outside string a reason quotes. */
#define BD_QUOTE_MAX   48
#define BD_QUOTED_SIZE (BD_QUOTE_MAX * 4 + 4)
/* The longest name of a journey file, without ".json". */
#define BD_NAME_MAX 64
/* The staging directory's prefix: what a crash may leave, and the next
 * installation removes. */
#define BD_STAGING ".staging-"

/* ---- small helpers ---- */

/* S[0..N) for a reason: printable ASCII as it is, other bytes as \xNN, at
 * most BD_QUOTE_MAX bytes and then "...". OUT holds BD_QUOTED_SIZE. */
static const char *bd_show(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n && i < BD_QUOTE_MAX; i++) {
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
	if (n > BD_QUOTE_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* Replaces every byte of S that is not printable ASCII with '?': a
 * library's message may quote its input. */
static void bd_plain(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* OUT = A/B; false when it does not fit in SIZE. */
static bool bd_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);
	return n >= 0 && (size_t)n < size;
}

static bool bd_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Frees what jansson allocated (with the allocator it was given). */
static void bd_json_free(void *p)
{
	json_free_t jfree;
	json_get_alloc_funcs(NULL, &jfree);
	jfree(p);
}

static enum hatch_err bd_sodium(struct hatch_error *e)
{
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO, "libsodium cannot start");
	return HATCH_OK;
}

/* The base64 of P[0..N) in a new string (mem_free), or NULL. */
static char *bd_b64(const void *p, size_t n)
{
	size_t size = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = mem_alloc(size);
	if (s)
		sodium_bin2base64(s, size, p, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Decodes the base64 S[0..N) (with its padding, nothing else) into *OUT
 * (mem_free; *LEN bytes), which must come to at most MAX bytes. WHAT names
 * it in a reason. */
static enum hatch_err bd_unb64(const char *s, size_t n, size_t max, unsigned char **out,
                               size_t *len, const char *what, struct hatch_error *e)
{
	*out = NULL;
	*len = 0;
	if (n / 4 * 3 > max + 2)
		return err_set(e, HATCH_ERR_LIMIT, "%s is larger than %zu bytes", what,
		               max);
	size_t cap = n / 4 * 3 + 1;
	unsigned char *b = mem_alloc(cap);
	if (!b)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	const char *end = NULL;
	size_t got = 0;
	if (sodium_base642bin(b, cap, s, n, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + n) {
		mem_free(b);
		return err_set(e, HATCH_ERR_INPUT, "%s is not base64", what);
	}
	if (got > max) {
		mem_free(b);
		return err_set(e, HATCH_ERR_LIMIT, "%s is larger than %zu bytes", what,
		               max);
	}
	*out = b;
	*len = got;
	return HATCH_OK;
}

/* ---- times: exactly 2025-01-31T09:00:00Z ---- */

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar. */
static long long bd_days(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int bd_month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

static bool bd_time_parse(const char *s, size_t n, long long *out)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
	if (n != sizeof form - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return false;
	}
	int y = 0, v[5];
	for (int i = 0; i < 4; i++)
		y = y * 10 + (s[i] - '0');
	static const int at[] = {5, 8, 11, 14, 17};
	for (int i = 0; i < 5; i++)
		v[i] = (s[at[i]] - '0') * 10 + (s[at[i] + 1] - '0');
	int mo = v[0], d = v[1], h = v[2], mi = v[3], se = v[4];
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > bd_month_days(y, mo) ||
	    h > 23 || mi > 59 || se > 59)
		return false;
	*out = bd_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return true;
}

/* T as 2025-01-31T09:00:00Z into OUT (21 bytes); "?" when out of range. */
static const char *bd_time_format(long long t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t < 0 || t > 253402300799LL || !gmtime_r(&tt, &tm)) {
		memcpy(out, "?", 2);
		return out;
	}
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* ---- the manifest ---- */

/* Whether P[0..N) is a path a bundle may hold, and which: 'j' for
 * journeys/NAME.json, 'l' for locales/LANG.po. Says why not in WHY. */
static char bd_path_kind(const char *p, size_t n, char *why, size_t whysize)
{
	char q[BD_QUOTED_SIZE];
	static const char jd[] = "journeys/", jx[] = ".json", ld[] = "locales/",
	                  lx[] = ".po";
	if (n > sizeof jd - 1 + sizeof jx - 1 && !memcmp(p, jd, sizeof jd - 1) &&
	    !memcmp(p + n - (sizeof jx - 1), jx, sizeof jx - 1)) {
		const char *name = p + sizeof jd - 1;
		size_t len = n - (sizeof jd - 1) - (sizeof jx - 1);
		bool ok = len <= BD_NAME_MAX && ((name[0] >= 'a' && name[0] <= 'z') ||
		                                 (name[0] >= 'A' && name[0] <= 'Z') ||
		                                 (name[0] >= '0' && name[0] <= '9'));
		for (size_t i = 0; ok && i < len; i++)
			ok = (name[i] >= 'a' && name[i] <= 'z') ||
			     (name[i] >= 'A' && name[i] <= 'Z') ||
			     (name[i] >= '0' && name[i] <= '9') || strchr("._-", name[i]);
		if (ok)
			return 'j';
		snprintf(why, whysize,
		         "\"%s\" is not a journey's file name; use 1 to %d letters, "
		         "digits, '.', "
		         "'_' and '-', starting with a letter or digit, and .json",
		         bd_show(q, p, n), BD_NAME_MAX);
		return 0;
	}
	if (n > sizeof ld - 1 + sizeof lx - 1 && !memcmp(p, ld, sizeof ld - 1) &&
	    !memcmp(p + n - (sizeof lx - 1), lx, sizeof lx - 1)) {
		char tag[16];
		size_t len = n - (sizeof ld - 1) - (sizeof lx - 1);
		if (len < sizeof tag) {
			memcpy(tag, p + sizeof ld - 1, len);
			tag[len] = '\0';
			if (!memchr(tag, '\0', len) && strcmp(tag, "en") &&
			    i18n_language(tag))
				return 'l';
		}
		size_t nl;
		const struct i18n_language *langs = i18n_languages(&nl);
		char list[128] = "";
		size_t o = 0;
		for (size_t i = 1; i < nl && o < sizeof list; i++) {
			int w = snprintf(list + o, sizeof list - o, "%s%s",
			                 i > 1 ? ", " : "", langs[i].code);
			if (w < 0)
				break;
			o += (size_t)w;
		}
		snprintf(
		    why, whysize,
		    "\"%s\" is not the catalog of a language the kiosk offers; those are "
		    "locales/LANG.po for %s",
		    bd_show(q, p, n), list);
		return 0;
	}
	snprintf(
	    why, whysize,
	    "\"%s\" is not a file a bundle holds: journeys go in journeys/NAME.json, "
	    "catalogs in locales/LANG.po",
	    bd_show(q, p, n));
	return 0;
}

/* Whether OBJ has keys other than KEYS[0..N); the first one into E. */
static bool bd_only_keys(json_t *obj, const char *const *keys, size_t n,
                         const char *where, const char *list, struct hatch_error *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
	{
		bool known = false;
		for (size_t i = 0; i < n && !known; i++)
			known = !strcmp(k, keys[i]);
		if (!known) {
			char q[BD_QUOTED_SIZE];
			err_set(e, HATCH_ERR_INPUT,
			        "%s\"%s\" is not a key it has; the keys are %s", where,
			        bd_show(q, k, strlen(k)), list);
			return false;
		}
	}
	return true;
}

/* A whole number from MIN to MAX at KEY of OBJ. */
static bool bd_int(json_t *obj, const char *key, long long min, long long max,
                   long long *out, const char *where, struct hatch_error *e)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		err_set(e, HATCH_ERR_INPUT, "%s%s: is missing", where, key);
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		err_set(e, HATCH_ERR_INPUT,
		        "%s%s: must be a whole number from %lld to %lld", where, key, min,
		        max);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

/* A string at KEY of OBJ: *S (borrowed from OBJ) and its length. */
static bool bd_str(json_t *obj, const char *key, const char **s, size_t *n,
                   const char *where, struct hatch_error *e)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		err_set(e, HATCH_ERR_INPUT, "%s%s: is missing", where, key);
		return false;
	}
	if (!json_is_string(v)) {
		err_set(e, HATCH_ERR_INPUT, "%s%s: must be a string", where, key);
		return false;
	}
	*s = json_string_value(v);
	*n = json_string_length(v);
	return true;
}

static bool bd_time(json_t *obj, const char *key, long long *out, struct hatch_error *e)
{
	const char *s;
	size_t n;
	if (!bd_str(obj, key, &s, &n, "", e))
		return false;
	if (!bd_time_parse(s, n, out)) {
		char q[BD_QUOTED_SIZE];
		err_set(e, HATCH_ERR_INPUT,
		        "%s: \"%s\" is not a time in UTC written as 2025-01-31T09:00:00Z",
		        key, bd_show(q, s, n));
		return false;
	}
	return true;
}

static int bd_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One entry of the manifest's files, the Ith. */
static bool bd_manifest_file(json_t *f, size_t i, struct bundle_manifest *m,
                             struct hatch_error *e)
{
	static const char *const keys[] = {"path", "size", "sha256"};
	char where[48], why[400];
	snprintf(where, sizeof where, "files[%zu]: ", i);
	if (!json_is_object(f)) {
		err_set(e, HATCH_ERR_INPUT, "%smust be an object {path, size, sha256}",
		        where);
		return false;
	}
	if (!bd_only_keys(f, keys, 3, where, "path, size and sha256", e))
		return false;
	const char *path, *hex;
	size_t plen, hlen;
	long long size;
	if (!bd_str(f, "path", &path, &plen, where, e))
		return false;
	char kind = bd_path_kind(path, plen, why, sizeof why);
	if (!kind) {
		err_set(e, HATCH_ERR_INPUT, "%spath: %s", where, why);
		return false;
	}
	if (!bd_int(f, "size", 0, kind == 'j' ? JOURNEY_MAX_BYTES : BUNDLE_PO_MAX, &size,
	            where, e))
		return false;
	if (!bd_str(f, "sha256", &hex, &hlen, where, e))
		return false;
	struct bundle_file *bf = &m->files[m->nfiles];
	bool ok = hlen == 64;
	for (size_t k = 0; ok && k < 32; k++) {
		int hi = bd_hex(hex[2 * k]), lo = bd_hex(hex[2 * k + 1]);
		ok = hi >= 0 && lo >= 0;
		bf->sha256[k] = (unsigned char)(ok ? hi * 16 + lo : 0);
	}
	if (!ok) {
		err_set(e, HATCH_ERR_INPUT, "%ssha256: must be 64 lower-case hex digits",
		        where);
		return false;
	}
	for (size_t k = 0; k < m->nfiles; k++) {
		if (!strcmp(m->files[k].path, path)) {
			err_set(e, HATCH_ERR_INPUT, "%spath: %s is listed twice", where,
			        path);
			return false;
		}
	}
	memcpy(bf->path, path, plen + 1);
	bf->size = (size_t)size;
	m->nfiles++;
	m->njourneys += kind == 'j';
	return true;
}

static enum hatch_err bd_manifest_fields(json_t *root, struct bundle_manifest *m,
                                         struct hatch_error *e)
{
	static const char *const keys[] = {"format",  "version", "council",
	                                   "created", "expires", "files"};
	long long format;
	const char *council;
	size_t clen;
	if (!json_is_object(root))
		return err_set(e, HATCH_ERR_INPUT, "must be a JSON object");
	if (!bd_only_keys(root, keys, sizeof keys / sizeof *keys, "",
	                  "format, version, council, created, expires and files", e))
		return HATCH_ERR_INPUT;
	json_t *fv = json_object_get(root, "format");
	if (fv && json_is_integer(fv) && json_integer_value(fv) > BUNDLE_FORMAT)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "format: %lld is newer than this kiosk reads (%d); update Hatch "
		    "first",
		    (long long)json_integer_value(fv), BUNDLE_FORMAT);
	if (!bd_int(root, "format", BUNDLE_FORMAT, BUNDLE_FORMAT, &format, "", e) ||
	    !bd_int(root, "version", 1, BUNDLE_VERSION_MAX, &m->version, "", e) ||
	    !bd_str(root, "council", &council, &clen, "", e))
		return HATCH_ERR_INPUT;
	bool plain = clen > 0 && clen < sizeof m->council;
	for (size_t i = 0; plain && i < clen; i++)
		plain = (unsigned char)council[i] >= 0x20 && council[i] != 0x7f;
	if (!plain)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "council: must be the council's name, 1 to %zu bytes with no "
		    "control characters",
		    sizeof m->council - 1);
	memcpy(m->council, council, clen + 1);
	if (!bd_time(root, "created", &m->created, e) ||
	    !bd_time(root, "expires", &m->expires, e))
		return HATCH_ERR_INPUT;
	if (m->expires <= m->created)
		return err_set(e, HATCH_ERR_INPUT, "expires: is not after created");
	json_t *files = json_object_get(root, "files");
	if (!files)
		return err_set(e, HATCH_ERR_INPUT, "files: is missing");
	if (!json_is_array(files) || json_array_size(files) == 0 ||
	    json_array_size(files) > BUNDLE_MAX_FILES)
		return err_set(e, HATCH_ERR_INPUT,
		               "files: must be a list of 1 to %d files",
		               BUNDLE_MAX_FILES);
	for (size_t i = 0; i < json_array_size(files); i++)
		if (!bd_manifest_file(json_array_get(files, i), i, m, e))
			return HATCH_ERR_INPUT;
	if (m->njourneys == 0)
		return err_set(e, HATCH_ERR_INPUT,
		               "files: lists no journey; a bundle holds at least one "
		               "journeys/NAME.json");
	return HATCH_OK;
}

/* JSON TEXT[0..LEN) into *OUT, or the reason why not (WHAT names it). */
static enum hatch_err bd_json(const char *text, size_t len, const char *what,
                              json_t **out, struct hatch_error *e)
{
	json_error_t je;
	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out)
		return HATCH_OK;
	/* jansson says nothing at all when some allocations fail, and takes
	 * one failing in its lexer for a syntax error: an error when memory
	 * cannot be had just after is taken for the want of it (as
	 * journey_load() does, whose report of the error allocates). */
	void *probe = mem_alloc(64);
	bool nomem = probe == NULL;
	mem_free(probe);
	if (json_error_code(&je) == json_error_out_of_memory || !je.text[0] || nomem)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	bd_plain(je.text);
	if (len == 0)
		return err_set(e, HATCH_ERR_INPUT, "%s is empty", what);
	if (je.position >= 0 && (size_t)je.position >= len &&
	    json_error_code(&je) != json_error_end_of_input_expected)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "%s ends before its JSON does (at byte %zu): it was cut short; "
		    "fetch or copy it again",
		    what, len);
	return err_set(e, HATCH_ERR_INPUT, "%s is not JSON: %s at line %d, column %d",
	               what, je.text, je.line, je.column);
}

enum hatch_err bundle_manifest_parse(const char *text, size_t len,
                                     struct bundle_manifest *out, struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	if (len > BUNDLE_MANIFEST_MAX)
		return err_set(e, HATCH_ERR_LIMIT,
		               "the manifest is %zu bytes; the most is %d", len,
		               BUNDLE_MANIFEST_MAX);
	json_t *root;
	enum hatch_err rc = bd_json(text, len, "the manifest", &root, e);
	if (rc != HATCH_OK)
		return rc;
	rc = bd_manifest_fields(root, out, e);
	json_decref(root);
	if (rc != HATCH_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- the bundle file ---- */

struct bd_part {
	char *path;
	unsigned char *data;
	size_t len;
};

struct bundle {
	unsigned char key[crypto_sign_PUBLICKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char *manifest;
	size_t manifest_len;
	struct bd_part *files;
	size_t nfiles;
};

void bundle_destroy(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		mem_free(b->files[i].path);
		mem_free(b->files[i].data);
	}
	mem_free(b->files);
	mem_free(b->manifest);
	mem_free(b);
}

/* Exactly SIZE bytes of base64 at KEY of ROOT into OUT. */
static enum hatch_err bd_fixed(json_t *root, const char *key, unsigned char *out,
                               size_t size, const char *what, struct hatch_error *e)
{
	const char *s;
	size_t n;
	unsigned char *bin;
	size_t len;
	if (!bd_str(root, key, &s, &n, "", e))
		return HATCH_ERR_INPUT;
	enum hatch_err rc = bd_unb64(s, n, size, &bin, &len, what, e);
	if (rc == HATCH_ERR_NOMEM)
		return rc;
	if (rc != HATCH_OK || len != size) {
		mem_free(bin);
		return err_set(e, HATCH_ERR_INPUT, "%s: must be %zu bytes in base64", key,
		               size);
	}
	memcpy(out, bin, size);
	mem_free(bin);
	return HATCH_OK;
}

static enum hatch_err bd_read_fields(json_t *root, struct bundle *b,
                                     struct hatch_error *e)
{
	static const char *const keys[] = {"hatch_bundle", "key", "signature", "manifest",
	                                   "files"};
	long long format;
	if (!json_is_object(root) || !json_object_get(root, "hatch_bundle"))
		return err_set(e, HATCH_ERR_INPUT,
		               "it is not a bundle file (no hatch_bundle)");
	json_t *fv = json_object_get(root, "hatch_bundle");
	if (json_is_integer(fv) && json_integer_value(fv) > BUNDLE_FORMAT)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "hatch_bundle: format %lld is newer than this kiosk reads (%d); "
		    "update Hatch first",
		    (long long)json_integer_value(fv), BUNDLE_FORMAT);
	if (!bd_int(root, "hatch_bundle", BUNDLE_FORMAT, BUNDLE_FORMAT, &format, "", e) ||
	    !bd_only_keys(root, keys, sizeof keys / sizeof *keys, "",
	                  "hatch_bundle, key, signature, manifest and files", e))
		return HATCH_ERR_INPUT;
	enum hatch_err rc = bd_fixed(root, "key", b->key, sizeof b->key, "key", e);
	if (rc == HATCH_OK)
		rc = bd_fixed(root, "signature", b->sig, sizeof b->sig, "signature", e);
	if (rc != HATCH_OK)
		return rc;
	const char *s;
	size_t n;
	if (!bd_str(root, "manifest", &s, &n, "", e))
		return HATCH_ERR_INPUT;
	rc = bd_unb64(s, n, BUNDLE_MANIFEST_MAX, &b->manifest, &b->manifest_len,
	              "the manifest", e);
	if (rc != HATCH_OK)
		return rc;
	json_t *files = json_object_get(root, "files");
	if (!files || !json_is_object(files))
		return err_set(e, HATCH_ERR_INPUT, "files: %s",
		               files ? "must be an object of "
		                       "path to base64"
		                     : "is missing");
	if (json_object_size(files) > BUNDLE_MAX_FILES)
		return err_set(e, HATCH_ERR_LIMIT, "files: has more than %d files",
		               BUNDLE_MAX_FILES);
	b->files = mem_calloc(json_object_size(files) + 1, sizeof *b->files);
	if (!b->files)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	const char *path;
	json_t *v;
	json_object_foreach(files, path, v)
	{
		char q[BD_QUOTED_SIZE], what[BD_QUOTED_SIZE + 16];
		size_t plen = strlen(path);
		snprintf(what, sizeof what, "files: \"%s\"", bd_show(q, path, plen));
		if (plen == 0 || plen > BUNDLE_PATH_MAX)
			return err_set(e, HATCH_ERR_INPUT,
			               "%s: is not a file a bundle holds", what);
		if (!json_is_string(v))
			return err_set(e, HATCH_ERR_INPUT, "%s: must be base64 text",
			               what);
		struct bd_part *p = &b->files[b->nfiles];
		p->path = mem_strdup(path);
		if (!p->path)
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		b->nfiles++;
		rc = bd_unb64(json_string_value(v), json_string_length(v),
		              BUNDLE_MAX_BYTES, &p->data, &p->len, what, e);
		if (rc != HATCH_OK)
			return rc;
	}
	return HATCH_OK;
}

enum hatch_err bundle_read(const char *data, size_t len, struct bundle **out,
                           struct hatch_error *e)
{
	*out = NULL;
	if (len > BUNDLE_MAX_BYTES)
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundle is %zu bytes; the most is %d", len,
		               BUNDLE_MAX_BYTES);
	json_t *root;
	enum hatch_err rc = bd_json(data, len, "the bundle", &root, e);
	if (rc != HATCH_OK)
		return rc;
	struct bundle *b = mem_calloc(1, sizeof *b);
	if (!b) {
		json_decref(root);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	rc = bd_read_fields(root, b, e);
	json_decref(root);
	if (rc != HATCH_OK) {
		bundle_destroy(b);
		return rc;
	}
	*out = b;
	return HATCH_OK;
}

/* ---- checking ---- */

enum hatch_err bundle_trust_from_config(const struct config *c, long long now,
                                        const struct cdate *today, struct bundle_trust *t,
                                        struct hatch_error *e)
{
	memset(t, 0, sizeof *t);
	if (!c->update_key[0])
		return err_set(
		    e, HATCH_ERR_NOTFOUND,
		    "the configuration has no [updates] public_key, so no bundle "
		    "can be checked");
	size_t got = 0;
	const char *end = NULL;
	size_t n = strlen(c->update_key);
	if (sodium_base642bin(t->public_key, sizeof t->public_key, c->update_key, n, NULL,
	                      &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != sizeof t->public_key || end != c->update_key + n)
		return err_set(e, HATCH_ERR_INPUT,
		               "[updates] public_key is not a public key");
	snprintf(t->council, sizeof t->council, "%s",
	         c->update_council[0] ? c->update_council : c->council);
	t->now = now;
	t->today = *today;
	return HATCH_OK;
}

enum hatch_err bundle_verify(const struct bundle *b, const struct bundle_trust *t,
                             long long installed, struct bundle_manifest *m,
                             struct hatch_error *e)
{
	enum hatch_err rc = bd_sodium(e);
	if (rc != HATCH_OK)
		return rc;
	memset(m, 0, sizeof *m);
	if (sodium_memcmp(b->key, t->public_key, sizeof b->key) != 0) {
		char theirs[BUNDLE_KEY_B64_SIZE], ours[BUNDLE_KEY_B64_SIZE];
		sodium_bin2base64(theirs, sizeof theirs, b->key, sizeof b->key,
		                  sodium_base64_VARIANT_ORIGINAL);
		sodium_bin2base64(ours, sizeof ours, t->public_key, sizeof t->public_key,
		                  sodium_base64_VARIANT_ORIGINAL);
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "it is signed by another key (%s), not the one in [updates] "
		    "public_key (%s)",
		    theirs, ours);
	}
	if (crypto_sign_verify_detached(b->sig, b->manifest, b->manifest_len,
	                                t->public_key) != 0)
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "its manifest does not match its signature: the manifest was "
		    "changed after it was signed");
	struct hatch_error me;
	rc = bundle_manifest_parse((const char *)b->manifest, b->manifest_len, m, &me);
	if (rc == HATCH_ERR_NOMEM)
		return err_set(e, rc, "out of memory");
	if (rc != HATCH_OK)
		return err_set(e, HATCH_ERR_INPUT, "its manifest: %s", me.msg);
	char when[24], now[24];
	if (strcmp(m->council, t->council))
		rc = err_set(e, HATCH_ERR_INPUT,
		             "it is for \"%s\", and this kiosk is for \"%s\"", m->council,
		             t->council);
	else if (t->now >= m->expires)
		rc = err_set(
		    e, HATCH_ERR_INPUT, "it expired at %s (the kiosk's clock says %s)",
		    bd_time_format(m->expires, when), bd_time_format(t->now, now));
	else if (m->version == installed)
		rc = err_set(e, HATCH_ERR_STATE, "its version %lld is the one installed",
		             m->version);
	else if (m->version < installed)
		rc = err_set(e, HATCH_ERR_STATE,
		             "its version %lld is older than the installed version %lld",
		             m->version, installed);
	if (rc != HATCH_OK) {
		if (rc != HATCH_ERR_STATE)
			memset(m, 0, sizeof *m);
		return rc;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct bundle_file *f = &m->files[i];
		const struct bd_part *p = NULL;
		for (size_t k = 0; k < b->nfiles && !p; k++)
			if (!strcmp(b->files[k].path, f->path))
				p = &b->files[k];
		unsigned char sum[crypto_hash_sha256_BYTES];
		if (!p) {
			rc = err_set(e, HATCH_ERR_INPUT,
			             "%s is in its manifest but not in the bundle",
			             f->path);
			break;
		}
		crypto_hash_sha256(sum, p->data, p->len);
		if (p->len != f->size || sodium_memcmp(sum, f->sha256, sizeof sum) != 0) {
			rc = err_set(
			    e, HATCH_ERR_INPUT,
			    "%s does not match the SHA-256 in its manifest: the file was "
			    "changed after the bundle was signed",
			    f->path);
			break;
		}
	}
	for (size_t k = 0; rc == HATCH_OK && k < b->nfiles; k++) {
		bool listed = false;
		for (size_t i = 0; i < m->nfiles && !listed; i++)
			listed = !strcmp(b->files[k].path, m->files[i].path);
		if (!listed) {
			char q[BD_QUOTED_SIZE];
			rc = err_set(
			    e, HATCH_ERR_INPUT,
			    "\"%s\" is in the bundle but not in its signed manifest",
			    bd_show(q, b->files[k].path, strlen(b->files[k].path)));
		}
	}
	if (rc != HATCH_OK)
		memset(m, 0, sizeof *m);
	return rc;
}

/* One line of a problem into DETAIL and, when it is the first, FIRST. */
static void bd_problem(FILE *detail, char *first, size_t firstsize, size_t *count,
                       const char *fmt, ...) HATCH_PRINTF(5, 6);

static void bd_problem(FILE *detail, char *first, size_t firstsize, size_t *count,
                       const char *fmt, ...)
{
	va_list ap;
	if (detail) {
		va_start(ap, fmt);
		vfprintf(detail, fmt, ap);
		va_end(ap);
		fputc('\n', detail);
	}
	if ((*count)++ == 0) {
		va_start(ap, fmt);
		vsnprintf(first, firstsize, fmt, ap);
		va_end(ap);
	}
}

enum hatch_err bundle_check_journeys(const struct bundle_member *files, size_t n,
                                     const struct cdate *today, const char *prefix,
                                     FILE *detail, struct hatch_error *e)
{
	struct journey **loaded = mem_calloc(n + 1, sizeof *loaded);
	size_t *from = mem_calloc(n + 1, sizeof *from);
	size_t nj = 0, problems = 0;
	char first[400] = "";
	enum hatch_err rc = HATCH_OK;
	if (!loaded || !from)
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == HATCH_OK && i < n; i++) {
		const char *path = files[i].path;
		if (!bd_starts(path, "journeys/"))
			continue;
		struct journey_diags d;
		struct journey *j = NULL;
		size_t before = problems;
		journey_diags_init(&d);
		enum hatch_err lrc =
		    journey_load(files[i].data, files[i].len, today, &j, &d);
		if (lrc == HATCH_ERR_NOMEM || d.nomem) {
			journey_destroy(j);
			journey_diags_cleanup(&d);
			rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
			break;
		}
		for (size_t k = 0; k < d.n; k++) {
			const struct journey_diag *g = &d.v[k];
			if (g->path)
				bd_problem(detail, first, sizeof first, &problems,
				           "%s%s: %s: %s", prefix, path, g->path,
				           g->reason);
			else if (g->line)
				bd_problem(detail, first, sizeof first, &problems,
				           "%s%s:%d:%d: %s", prefix, path, g->line,
				           g->column, g->reason);
			else
				bd_problem(detail, first, sizeof first, &problems,
				           "%s%s: %s", prefix, path, g->reason);
		}
		if (d.dropped) {
			problems += d.dropped;
			if (detail)
				fprintf(detail, "%s%s: and %zu more problems\n", prefix,
				        path, d.dropped);
		}
		journey_diags_cleanup(&d);
		if (!j) {
			if (problems == before)
				bd_problem(detail, first, sizeof first, &problems,
				           "%s%s: is not a journey", prefix, path);
			continue;
		}
		for (size_t k = 0; k < nj; k++) {
			if (!strcmp(loaded[k]->id, j->id)) {
				bd_problem(detail, first, sizeof first, &problems,
				           "%s%s: id: \"%s\" is also the id of %s",
				           prefix, path, j->id, files[from[k]].path);
				journey_destroy(j);
				j = NULL;
				break;
			}
		}
		if (j) {
			from[nj] = i;
			loaded[nj++] = j;
		}
	}
	if (rc == HATCH_OK && nj == 0 && problems == 0)
		rc = err_set(e, HATCH_ERR_INPUT, "it has no journey");
	for (size_t k = 0; k < nj; k++)
		journey_destroy(loaded[k]);
	mem_free(loaded);
	mem_free(from);
	if (rc == HATCH_OK && problems == 1)
		rc = err_set(e, HATCH_ERR_INPUT, "%s", first);
	else if (rc == HATCH_OK && problems > 1)
		rc = err_set(e, HATCH_ERR_INPUT, "%s (and %zu more problem%s)", first,
		             problems - 1, problems == 2 ? "" : "s");
	return rc;
}

enum hatch_err bundle_check_catalog(const char *file, const char *name, const char *lang,
                                    FILE *detail, struct hatch_error *e)
{
	struct i18n_problems *p = mem_calloc(1, sizeof *p);
	if (!p)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	struct i18n_catalog *c = NULL;
	struct hatch_error ie = {""};
	enum hatch_err rc = i18n_catalog_read(file, lang, &c, p, &ie);
	i18n_catalog_free(c);
	size_t problems = 0;
	char first[400] = "";
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].line)
			bd_problem(detail, first, sizeof first, &problems, "%s:%zu: %s",
			           name, p->v[i].line, p->v[i].reason);
		else
			bd_problem(detail, first, sizeof first, &problems, "%s: %s", name,
			           p->v[i].reason);
	}
	problems += p->dropped;
	mem_free(p);
	if (rc == HATCH_ERR_NOMEM)
		return err_set(e, rc, "out of memory");
	if (rc == HATCH_ERR_IO)
		return err_set(e, rc, "%s cannot be read", name);
	/* A catalog the kiosk would read with a problem (a Plural-Forms it
	 * cannot use) is refused as well: it is what the author must see. */
	if (rc != HATCH_OK && problems == 0)
		return err_set(e, HATCH_ERR_INPUT, "%s is not a valid PO file", name);
	if (problems == 1)
		return err_set(e, HATCH_ERR_INPUT, "%s", first);
	if (problems > 1)
		return err_set(e, HATCH_ERR_INPUT, "%s (and %zu more problem%s)", first,
		               problems - 1, problems == 2 ? "" : "s");
	return HATCH_OK;
}

/* ---- packing ---- */

/* The manifest of FILES as text (json's allocator: bd_json_free). */
static enum hatch_err bd_manifest_text(const struct bundle_pack_options *o,
                                       const struct bundle_member *files, size_t n,
                                       char **text, struct hatch_error *e)
{
	char created[24], expires[24];
	*text = NULL;
	json_t *root = json_object(), *list = json_array();
	json_t *council = json_string(o->council);
	if (!council) {
		json_decref(root);
		json_decref(list);
		return err_set(e, HATCH_ERR_INPUT,
		               "the council's name is not UTF-8 text");
	}
	bool ok =
	    root && list &&
	    !json_object_set_new(root, "format", json_integer(BUNDLE_FORMAT)) &&
	    !json_object_set_new(root, "version", json_integer(o->version)) &&
	    !json_object_set_new(root, "council", council) &&
	    !json_object_set_new(root, "created",
	                         json_string(bd_time_format(o->created, created))) &&
	    !json_object_set_new(root, "expires",
	                         json_string(bd_time_format(o->expires, expires)));
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char sum[crypto_hash_sha256_BYTES];
		char hex[crypto_hash_sha256_BYTES * 2 + 1];
		crypto_hash_sha256(sum, (const unsigned char *)files[i].data,
		                   files[i].len);
		sodium_bin2hex(hex, sizeof hex, sum, sizeof sum);
		json_t *f = json_object();
		ok = f && !json_object_set_new(f, "path", json_string(files[i].path)) &&
		     !json_object_set_new(f, "size",
		                          json_integer((json_int_t)files[i].len)) &&
		     !json_object_set_new(f, "sha256", json_string(hex));
		if (ok)
			ok = !json_array_append_new(list,
			                            f); /* F is LIST's, even on failure */
		else
			json_decref(f);
	}
	if (ok)
		ok = !json_object_set(root, "files", list);
	if (ok)
		*text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		                             JSON_ENSURE_ASCII);
	json_decref(list);
	json_decref(root);
	if (!*text)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	return HATCH_OK;
}

enum hatch_err bundle_pack(const struct bundle_pack_options *o,
                           const struct bundle_member *files, size_t n, char **out,
                           size_t *len, struct hatch_error *e)
{
	*out = NULL;
	*len = 0;
	enum hatch_err rc = bd_sodium(e);
	if (rc != HATCH_OK)
		return rc;
	char t[24];
	if (o->version < 1 || o->version > BUNDLE_VERSION_MAX)
		return err_set(e, HATCH_ERR_INPUT,
		               "the version must be a whole number from 1 to %lld",
		               BUNDLE_VERSION_MAX);
	if (!strcmp(bd_time_format(o->created, t), "?") ||
	    !strcmp(bd_time_format(o->expires, t), "?") || o->expires <= o->created)
		return err_set(e, HATCH_ERR_INPUT,
		               "the bundle must expire after it is made");
	for (size_t i = 0; i < n; i++) {
		char why[400];
		if (!bd_path_kind(files[i].path, strlen(files[i].path), why, sizeof why))
			return err_set(e, HATCH_ERR_INPUT, "%s", why);
	}
	char *text = NULL;
	rc = bd_manifest_text(o, files, n, &text, e);
	if (rc != HATCH_OK)
		return rc;
	size_t tlen = strlen(text);
	/* The manifest is read back with the rules an installation uses, so
	 * that nothing is signed that no kiosk would take. */
	struct bundle_manifest *m = mem_calloc(1, sizeof *m);
	if (!m) {
		bd_json_free(text);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	struct hatch_error me;
	rc = bundle_manifest_parse(text, tlen, m, &me);
	mem_free(m);
	if (rc != HATCH_OK) {
		bd_json_free(text);
		return rc == HATCH_ERR_NOMEM ? err_set(e, rc, "out of memory")
		                             : err_set(e, rc, "the manifest: %s", me.msg);
	}
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	crypto_sign_detached(sig, NULL, (const unsigned char *)text, tlen, o->secret_key);
	crypto_sign_ed25519_sk_to_pk(pk, o->secret_key);
	char *b64_key = bd_b64(pk, sizeof pk), *b64_sig = bd_b64(sig, sizeof sig);
	char *b64_manifest = bd_b64(text, tlen);
	bd_json_free(text);
	json_t *root = json_object(), *fobj = json_object();
	bool ok =
	    root && fobj && b64_key && b64_sig && b64_manifest &&
	    !json_object_set_new(root, "hatch_bundle", json_integer(BUNDLE_FORMAT)) &&
	    !json_object_set_new(root, "key", json_string(b64_key)) &&
	    !json_object_set_new(root, "signature", json_string(b64_sig)) &&
	    !json_object_set_new(root, "manifest", json_string(b64_manifest));
	mem_free(b64_key);
	mem_free(b64_sig);
	mem_free(b64_manifest);
	size_t total = 0;
	for (size_t i = 0; ok && i < n; i++) {
		total += files[i].len;
		if (total > BUNDLE_MAX_BYTES)
			break;
		char *b = bd_b64(files[i].data, files[i].len);
		ok = b && !json_object_set_new(fobj, files[i].path, json_string(b));
		mem_free(b);
	}
	char *dump = NULL;
	if (ok && total <= BUNDLE_MAX_BYTES && !json_object_set(root, "files", fobj))
		dump = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(fobj);
	json_decref(root);
	if (total > BUNDLE_MAX_BYTES || (dump && strlen(dump) > BUNDLE_MAX_BYTES)) {
		bd_json_free(dump);
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundle would be larger than %d bytes",
		               BUNDLE_MAX_BYTES);
	}
	if (!dump)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	size_t dlen = strlen(dump);
	*out = mem_alloc(dlen + 1);
	if (*out) {
		memcpy(*out, dump, dlen + 1);
		*len = dlen;
	}
	bd_json_free(dump);
	if (!*out)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	return HATCH_OK;
}

/* ---- the directory of bundles ---- */

/* A version's directory name: 1 to 16 digits, no leading zero. */
static bool bd_version_name(const char *s, long long *v)
{
	size_t n = strlen(s);
	if (n == 0 || n > 16 || s[0] == '0')
		return false;
	long long x = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	if (x > BUNDLE_VERSION_MAX)
		return false;
	*v = x;
	return true;
}

long long bundle_installed(const char *dir)
{
	char link[4200], target[32];
	long long v = 0;
	if (!bd_join(link, sizeof link, dir, "current"))
		return 0;
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return bd_version_name(target, &v) ? v : 0;
}

bool bundle_newer(const char *dir, long long loaded)
{
	return bundle_installed(dir) > loaded;
}

enum hatch_err bundle_dir(const struct config *c, const char *db_path, char *out,
                          size_t size, struct hatch_error *e)
{
	char def[4096];
	if (size)
		out[0] = '\0';
	if (c->update_dir[0]) {
		if (strlen(c->update_dir) >= size)
			return err_set(e, HATCH_ERR_LIMIT,
			               "the bundles' directory's path is too long");
		memcpy(out, c->update_dir, strlen(c->update_dir) + 1);
		return HATCH_OK;
	}
	if (!db_path && c->database[0])
		db_path = c->database;
	if (!db_path) {
		enum hatch_err rc = store_default_path(def, sizeof def, e);
		if (rc != HATCH_OK)
			return rc;
		db_path = def;
	}
	const char *slash = strrchr(db_path, '/');
	int n = slash
	            ? snprintf(out, size, "%.*s/bundles", (int)(slash - db_path), db_path)
	            : snprintf(out, size, "bundles");
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	}
	return HATCH_OK;
}

/* Removes PATH and, when it is a directory, everything in it (links are
 * removed, never followed). 0 or -1 with errno. */
static int bd_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char sub[4200];
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!bd_join(sub, sizeof sub, path, de->d_name) ||
		    bd_remove_tree(sub) != 0)
			rc = -1;
	}
	closedir(d);
	return rc == 0 ? rmdir(path) : rc;
}

/* Gives PATH and what is in it to UID:GID (links themselves). */
static void bd_chown_tree(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;
	if (lstat(path, &st) != 0 || lchown(path, uid, gid) != 0 || !S_ISDIR(st.st_mode))
		return;
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char sub[4200];
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    bd_join(sub, sizeof sub, path, de->d_name))
			bd_chown_tree(sub, uid, gid);
	}
	closedir(d);
}

static int bd_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/* Makes DIR and the directories above it that are missing (0700). */
static enum hatch_err bd_make_dir(const char *dir, struct hatch_error *e)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof p)
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char was = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return err_set(e, HATCH_ERR_IO, "cannot make %s: %s", p,
			               strerror(errno));
		p[i] = was;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return err_set(e, HATCH_ERR_IO, "%s is not a directory", dir);
	return HATCH_OK;
}

/* Writes DATA[0..LEN) into the new file PATH (NAME in messages), synced. */
static enum hatch_err bd_write(const char *path, const char *name, const void *data,
                               size_t len, struct hatch_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", name,
		               strerror(errno));
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;
			close(fd);
			return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", name,
			               strerror(err));
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		int err = errno;
		close(fd);
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", name,
		               strerror(err));
	}
	if (close(fd) != 0)
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", name,
		               strerror(errno));
	return HATCH_OK;
}

/* Points DIR/NAME at TARGET by renaming a new link over it: whoever reads
 * the link sees the old target or the new one, never neither. */
static enum hatch_err bd_link(const char *dir, const char *name, const char *target,
                              struct hatch_error *e)
{
	char link[4200], tmp[4200], tmpname[64];
	snprintf(tmpname, sizeof tmpname, ".%s.new", name);
	if (!bd_join(link, sizeof link, dir, name) ||
	    !bd_join(tmp, sizeof tmp, dir, tmpname))
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	if (unlink(tmp) != 0 && errno != ENOENT)
		return err_set(e, HATCH_ERR_IO, "cannot replace %s: %s", tmp,
		               strerror(errno));
	if (symlink(target, tmp) != 0)
		return err_set(e, HATCH_ERR_IO, "cannot make %s: %s", tmp,
		               strerror(errno));
	if (rename(tmp, link) != 0) {
		int err = errno;
		unlink(tmp);
		return err_set(e, HATCH_ERR_IO, "cannot switch %s: %s", link,
		               strerror(err));
	}
	return HATCH_OK;
}

/* Removes what earlier installations may have left: staging directories,
 * and every version's directory but KEEP_A's and KEEP_B's (0: none). */
static void bd_tidy(const char *dir, long long keep_a, long long keep_b, bool versions)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char sub[4200];
		long long v;
		bool staging = bd_starts(de->d_name, BD_STAGING);
		bool old = versions && bd_version_name(de->d_name, &v) && v != keep_a &&
		           v != keep_b;
		if ((staging || old) && bd_join(sub, sizeof sub, dir, de->d_name))
			(void)bd_remove_tree(sub);
	}
	closedir(d);
}

/* Writes B's files and its signed manifest into the new directory STAGE,
 * and reads its catalogs from there. */
static enum hatch_err bd_stage(const char *stage, const struct bundle *b, FILE *detail,
                               struct hatch_error *e)
{
	char path[4200];
	bool locales = false;
	for (size_t i = 0; i < b->nfiles; i++)
		locales = locales || bd_starts(b->files[i].path, "locales/");
	if (!bd_join(path, sizeof path, stage, "journeys") || mkdir(path, 0755) != 0 ||
	    (locales &&
	     (!bd_join(path, sizeof path, stage, "locales") || mkdir(path, 0755) != 0)))
		return err_set(e, HATCH_ERR_IO, "cannot make %s: %s", path,
		               strerror(errno));
	char *sig = bd_b64(b->sig, sizeof b->sig);
	if (!sig)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	size_t siglen = strlen(sig);
	sig[siglen] = '\n'; /* in place of the NUL: written with its length */
	enum hatch_err rc = bd_join(path, sizeof path, stage, "manifest.sig")
	                        ? bd_write(path, "manifest.sig", sig, siglen + 1, e)
	                        : err_set(e, HATCH_ERR_LIMIT, "the path is too long");
	mem_free(sig);
	if (rc == HATCH_OK)
		rc =
		    bd_join(path, sizeof path, stage, "manifest.json")
		        ? bd_write(path, "manifest.json", b->manifest, b->manifest_len, e)
		        : err_set(e, HATCH_ERR_LIMIT, "the path is too long");
	for (size_t i = 0; rc == HATCH_OK && i < b->nfiles; i++) {
		if (!bd_join(path, sizeof path, stage, b->files[i].path))
			return err_set(e, HATCH_ERR_LIMIT, "the path is too long");
		rc = bd_write(path, b->files[i].path, b->files[i].data, b->files[i].len,
		              e);
	}
	for (size_t i = 0; rc == HATCH_OK && i < b->nfiles; i++) {
		const char *p = b->files[i].path;
		if (!bd_starts(p, "locales/"))
			continue;
		char lang[16];
		size_t n = strlen(p) - strlen("locales/") - strlen(".po");
		snprintf(lang, sizeof lang, "%.*s", (int)n, p + strlen("locales/"));
		if (!bd_join(path, sizeof path, stage, p))
			return err_set(e, HATCH_ERR_LIMIT, "the path is too long");
		rc = bundle_check_catalog(path, p, lang, detail, e);
	}
	if (rc == HATCH_OK) {
		bool synced = bd_join(path, sizeof path, stage, "journeys") &&
		              bd_fsync_dir(path) == 0;
		if (synced && locales)
			synced = bd_join(path, sizeof path, stage, "locales") &&
			         bd_fsync_dir(path) == 0;
		if (!synced || bd_fsync_dir(stage) != 0)
			rc = err_set(e, HATCH_ERR_IO, "cannot sync %s: %s", path,
			             strerror(errno));
	}
	return rc;
}

/* The part of bundle_install() done under DIR's lock. */
static enum hatch_err bd_install_locked(const char *dir, const struct bundle_trust *t,
                                        const struct bundle *b, FILE *detail,
                                        struct bundle_manifest *m, struct hatch_error *e)
{
	long long installed = bundle_installed(dir);
	enum hatch_err rc = bundle_verify(b, t, installed, m, e);
	if (rc != HATCH_OK)
		return rc;
	struct bundle_member *members = mem_calloc(b->nfiles + 1, sizeof *members);
	if (!members)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < b->nfiles; i++)
		members[i] = (struct bundle_member){
		    b->files[i].path, (const char *)b->files[i].data, b->files[i].len};
	rc = bundle_check_journeys(members, b->nfiles, &t->today, "", detail, e);
	mem_free(members);
	if (rc != HATCH_OK)
		return rc;
	bd_tidy(dir, 0, 0, false);
	char stage[4200], target[4200], name[24], old[24];
	snprintf(name, sizeof name, "%lld", m->version);
	snprintf(old, sizeof old, "%lld", installed);
	if (!bd_join(stage, sizeof stage, dir, BD_STAGING "XXXXXX") ||
	    !bd_join(target, sizeof target, dir, name))
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	if (!mkdtemp(stage))
		return err_set(e, HATCH_ERR_IO, "cannot make a directory in %s: %s", dir,
		               strerror(errno));
	rc = bd_stage(stage, b, detail, e);
	/* A directory of this version that is not installed is what a crash
	 * between the rename below and the switch left. */
	if (rc == HATCH_OK && bd_remove_tree(target) != 0)
		rc = err_set(e, HATCH_ERR_IO, "cannot remove %s: %s", target,
		             strerror(errno));
	if (rc == HATCH_OK && rename(stage, target) != 0)
		rc = err_set(e, HATCH_ERR_IO, "cannot rename %s to %s: %s", stage, target,
		             strerror(errno));
	if (rc != HATCH_OK) {
		(void)bd_remove_tree(stage);
		return rc;
	}
	bool root = geteuid() == 0;
	struct config_owner o;
	if (root) {
		config_secret_owner(&o);
		bd_chown_tree(target, o.uid, o.gid);
	}
	rc = bd_link(dir, "current", name, e);
	if (rc == HATCH_OK && bd_fsync_dir(dir) != 0)
		rc = err_set(e, HATCH_ERR_IO, "cannot sync %s: %s", dir, strerror(errno));
	if (rc != HATCH_OK) {
		/* Unless the switch was made after all (then it stands). */
		if (bundle_installed(dir) != m->version) {
			(void)bd_remove_tree(target);
			return rc;
		}
	}
	/* Past the switch nothing fails the installation: the previous link
	 * and the tidying are for the next one. */
	struct hatch_error ignored;
	if (installed)
		(void)bd_link(dir, "previous", old, &ignored);
	bd_tidy(dir, m->version, installed, true);
	if (root) {
		char link[4200];
		if (bd_join(link, sizeof link, dir, "current"))
			bd_chown_tree(link, o.uid, o.gid);
		if (bd_join(link, sizeof link, dir, "previous"))
			bd_chown_tree(link, o.uid, o.gid);
	}
	(void)bd_fsync_dir(dir);
	return HATCH_OK;
}

enum hatch_err bundle_install(const char *dir, const struct bundle_trust *t,
                              const char *data, size_t len, FILE *detail,
                              struct bundle_manifest *m, struct hatch_error *e)
{
	enum hatch_err rc = bd_sodium(e);
	if (rc != HATCH_OK)
		return rc;
	struct bundle *b = NULL;
	rc = bundle_read(data, len, &b, e);
	if (rc != HATCH_OK)
		return rc;
	struct bundle_manifest *mm = mem_calloc(1, sizeof *mm);
	if (!mm) {
		bundle_destroy(b);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	char lock[4200];
	int fd = -1;
	rc = bd_make_dir(dir, e);
	if (rc == HATCH_OK && !bd_join(lock, sizeof lock, dir, ".lock"))
		rc = err_set(e, HATCH_ERR_LIMIT,
		             "the bundles' directory's path is too long");
	if (rc == HATCH_OK && (fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		rc =
		    err_set(e, HATCH_ERR_IO, "cannot open %s: %s", lock, strerror(errno));
	if (rc == HATCH_OK && flock(fd, LOCK_EX | LOCK_NB) != 0)
		rc = err_set(
		    e, errno == EWOULDBLOCK ? HATCH_ERR_STATE : HATCH_ERR_IO,
		    "another installation into %s is under way; try again when it "
		    "has finished",
		    dir);
	if (rc == HATCH_OK) {
		if (geteuid() == 0) {
			struct config_owner o;
			config_secret_owner(&o);
			if (chown(dir, o.uid, o.gid) != 0 ||
			    fchown(fd, o.uid, o.gid) != 0)
				rc = err_set(e, HATCH_ERR_IO, "cannot give %s to %s: %s",
				             dir, o.name, strerror(errno));
		}
	}
	if (rc == HATCH_OK)
		rc = bd_install_locked(dir, t, b, detail, mm, e);
	if (fd >= 0)
		close(fd); /* and with it the lock */
	if (m && (rc == HATCH_OK || rc == HATCH_ERR_STATE))
		*m = *mm;
	mem_free(mm);
	bundle_destroy(b);
	return rc;
}

enum hatch_err bundle_install_file(const char *dir, const struct bundle_trust *t,
                                   const char *path, FILE *detail,
                                   struct bundle_manifest *m, struct hatch_error *e)
{
	char *data;
	size_t len;
	struct hatch_error re;
	enum hatch_err rc = platform_read_file(path, BUNDLE_MAX_BYTES, &data, &len, &re);
	if (rc == HATCH_ERR_LIMIT)
		return err_set(
		    e, rc, "the file is larger than %d bytes, the most a bundle may be",
		    BUNDLE_MAX_BYTES);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s", re.msg);
	rc = bundle_install(dir, t, data, len, detail, m, e);
	mem_free(data);
	return rc;
}

/* ---- loading ---- */

void bundle_loaded_cleanup(struct bundle_loaded *out)
{
	app_free_journeys(out->journeys, out->njourneys);
	i18n_close(out->i18n);
	memset(out, 0, sizeof *out);
}

enum hatch_err bundle_load(const char *dir, const struct cdate *today, FILE *err,
                           struct bundle_loaded *out, struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	long long v = bundle_installed(dir);
	char name[24], sub[4200];
	if (!v)
		return err_set(e, HATCH_ERR_NOTFOUND, "no bundle is installed in %s",
		               dir);
	snprintf(name, sizeof name, "%lld", v);
	if (!bd_join(out->dir, sizeof out->dir, dir, name) ||
	    !bd_join(sub, sizeof sub, out->dir, "journeys"))
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	out->version = v;
	int status = app_load_journeys(sub, today, err, &out->journeys, &out->njourneys);
	if (status != 0 || out->njourneys == 0) {
		bundle_loaded_cleanup(out);
		return err_set(e, HATCH_ERR_INPUT,
		               "the journeys of bundle %lld in %s do not load (above)", v,
		               dir);
	}
	struct stat st;
	if (!bd_join(sub, sizeof sub, out->dir, "locales")) {
		bundle_loaded_cleanup(out);
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	}
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct i18n_problems *p = mem_calloc(1, sizeof *p);
		enum hatch_err rc = p ? i18n_open(sub, &out->i18n, p, e)
		                      : err_set(e, HATCH_ERR_NOMEM, "out of memory");
		for (size_t i = 0; p && err && i < p->n; i++)
			fprintf(err, "%s:%zu: %s\n", p->v[i].file, p->v[i].line,
			        p->v[i].reason);
		mem_free(p);
		if (rc != HATCH_OK) {
			bundle_loaded_cleanup(out);
			return rc;
		}
	}
	return HATCH_OK;
}

/* ---- keys ---- */

enum hatch_err bundle_keygen(const char *path, char *pub, struct hatch_error *e)
{
	enum hatch_err rc = bd_sodium(e);
	if (rc != HATCH_OK)
		return rc;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char skb[BD_SK_B64_SIZE + 1], pubpath[4200];
	if (snprintf(pubpath, sizeof pubpath, "%s.pub", path) >= (int)sizeof pubpath)
		return err_set(e, HATCH_ERR_LIMIT, "the key's path is too long");
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(skb, BD_SK_B64_SIZE, sk, sizeof sk,
	                  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(sk, sizeof sk);
	size_t n = strlen(skb);
	skb[n] = '\n';
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		sodium_memzero(skb, sizeof skb);
		if (errno == EEXIST)
			return err_set(
			    e, HATCH_ERR_STATE,
			    "%s exists; a new key would stop every kiosk that trusts the "
			    "old one from taking bundles signed with it: move it aside "
			    "first if that is what you want",
			    path);
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", path,
		               strerror(errno));
	}
	bool ok = write(fd, skb, n + 1) == (ssize_t)(n + 1) && fsync(fd) == 0;
	int err = errno;
	ok = close(fd) == 0 && ok;
	sodium_memzero(skb, sizeof skb);
	if (!ok) {
		unlink(path);
		return err_set(e, HATCH_ERR_IO, "cannot write %s: %s", path,
		               strerror(err));
	}
	sodium_bin2base64(pub, BUNDLE_KEY_B64_SIZE, pk, sizeof pk,
	                  sodium_base64_VARIANT_ORIGINAL);
	FILE *f = fopen(pubpath, "w");
	ok = f && fprintf(f, "%s\n", pub) > 0;
	ok = (f && fclose(f) == 0) && ok;
	if (!ok)
		return err_set(e, HATCH_ERR_IO,
		               "the secret key is in %s, but %s cannot be written: %s",
		               path, pubpath, strerror(errno));
	return HATCH_OK;
}

enum hatch_err bundle_key_read(const char *path, unsigned char *sk, struct hatch_error *e)
{
	enum hatch_err rc = bd_sodium(e);
	if (rc != HATCH_OK)
		return rc;
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)))
		return err_set(
		    e, HATCH_ERR_INPUT,
		    "%s can be read or changed by other users; whoever can read it "
		    "can sign bundles every kiosk will take: chmod 600 %s",
		    path, path);
	char *data;
	size_t len, read;
	struct hatch_error re;
	rc = platform_read_file(path, BD_SK_B64_SIZE + 8, &data, &read, &re);
	len = read;
	if (rc == HATCH_ERR_LIMIT)
		return err_set(e, HATCH_ERR_INPUT,
		               "%s is not a bundle signing key (it is too long)", path);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s", re.msg);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	unsigned char again[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	size_t got = 0;
	const char *end = NULL;
	rc = HATCH_ERR_INPUT;
	if (sodium_base642bin(sk, crypto_sign_SECRETKEYBYTES, data, len, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    got == crypto_sign_SECRETKEYBYTES && end == data + len &&
	    crypto_sign_seed_keypair(pk, again, sk) == 0 &&
	    sodium_memcmp(again, sk, sizeof again) == 0)
		rc = HATCH_OK;
	sodium_memzero(again, sizeof again);
	mem_wipe(data, read);
	mem_free(data);
	if (rc != HATCH_OK) {
		sodium_memzero(sk, crypto_sign_SECRETKEYBYTES);
		return err_set(
		    e, rc,
		    "%s is not a bundle signing key (hatch journeys keygen makes one)",
		    path);
	}
	return HATCH_OK;
}

/* ---- the kiosk's fetch ---- */

struct bundle_updater {
	char url[512];
	char ca_bundle[4096];
	char dir[4096];
	char key[BUNDLE_KEY_B64_SIZE]; /* [updates] public_key, as written */
	struct bundle_trust trust;     /* its NOW and TODAY set for each fetch */
	int interval;
	char etag[SYNC_BUNDLE_ETAG_SIZE]; /* of the last bundle fetched and
	                                   * installed or refused; "" none */
};

/* DIR/.etag keeps the ETag of the last bundle judged, with the link, key
 * and council it was judged for, a line each: a restart does not fetch it
 * again, and a change of any of the three does. */
#define BD_ETAG_FILE ".etag"

static void bd_etag_load(struct bundle_updater *u)
{
	char path[4200], *data;
	size_t len;
	struct hatch_error e;
	if (!bd_join(path, sizeof path, u->dir, BD_ETAG_FILE) ||
	    platform_read_file(path, 8192, &data, &len, &e) != HATCH_OK)
		return;
	char *line[4] = {NULL};
	char *p = data;
	for (int i = 0; i < 4 && p; i++) {
		line[i] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	if (line[3] && !strcmp(line[0], u->url) && !strcmp(line[1], u->key) &&
	    !strcmp(line[2], u->trust.council) && strlen(line[3]) < sizeof u->etag)
		memcpy(u->etag, line[3], strlen(line[3]) + 1);
	mem_free(data);
}

/* Written through a new file and a rename; a failure only means one more
 * fetch of the same bundle. */
static void bd_etag_save(const struct bundle_updater *u)
{
	char path[4200], tmp[4200];
	if (!bd_join(path, sizeof path, u->dir, BD_ETAG_FILE) ||
	    !bd_join(tmp, sizeof tmp, u->dir, BD_ETAG_FILE ".new"))
		return;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	bool ok =
	    fprintf(f, "%s\n%s\n%s\n%s\n", u->url, u->key, u->trust.council, u->etag) > 0;
	ok = fclose(f) == 0 && ok;
	if (ok && geteuid() == 0) {
		struct config_owner o;
		config_secret_owner(&o);
		ok = chown(tmp, o.uid, o.gid) == 0;
	}
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

enum hatch_err bundle_updater_create(const struct config *c, const char *dir,
                                     struct bundle_updater **out, struct hatch_error *e)
{
	*out = NULL;
	if (!c->update_url[0])
		return err_set(e, HATCH_ERR_NOTFOUND,
		               "no [updates] url: bundles are installed by hand");
	struct bundle_trust t;
	struct cdate today = {1970, 1, 1};
	enum hatch_err rc = bundle_trust_from_config(c, 0, &today, &t, e);
	if (rc != HATCH_OK)
		return rc;
	if (strlen(c->update_url) >= sizeof((struct bundle_updater *)0)->url ||
	    strlen(c->update_ca_bundle) >= sizeof((struct bundle_updater *)0)->ca_bundle)
		return err_set(e, HATCH_ERR_LIMIT,
		               "[updates] url or ca_bundle is too long");
	if (strlen(dir) >= sizeof((struct bundle_updater *)0)->dir)
		return err_set(e, HATCH_ERR_LIMIT,
		               "the bundles' directory's path is too long");
	struct bundle_updater *u = mem_calloc(1, sizeof *u);
	if (!u)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	snprintf(u->url, sizeof u->url, "%s", c->update_url);
	snprintf(u->ca_bundle, sizeof u->ca_bundle, "%s", c->update_ca_bundle);
	snprintf(u->dir, sizeof u->dir, "%s", dir);
	snprintf(u->key, sizeof u->key, "%s", c->update_key);
	u->trust = t;
	/* The council and the link are printable: no line break in them. */
	bd_etag_load(u);
	u->interval = c->update_interval;
	*out = u;
	return HATCH_OK;
}

void bundle_updater_destroy(struct bundle_updater *u)
{
	mem_free(u);
}

int bundle_updater_interval(const struct bundle_updater *u)
{
	return u->interval;
}

enum bundle_update_result bundle_update(struct bundle_updater *u, long long now,
                                        const struct cdate *today, long long *version)
{
	long long installed = bundle_installed(u->dir);
	if (version)
		*version = installed;
	struct hatch_error e = {""};
	struct bundle_trust t = u->trust;
	t.now = now;
	t.today = *today;
	struct buf body;
	buf_init(&body, BUNDLE_MAX_BYTES);
	enum sync_bundle_status status;
	char etag[SYNC_BUNDLE_ETAG_SIZE];
	enum hatch_err rc =
	    sync_bundle_fetch(u->url, u->ca_bundle, u->etag, BUNDLE_MAX_BYTES, &status,
	                      &body, etag, sizeof etag, &e);
	if (rc != HATCH_OK) {
		log_msg(LOG_LEVEL_WARNING, "bundle",
		        "fetch failed: %s; version %lld stays installed", e.msg,
		        installed);
		return BUNDLE_UPDATE_FAILED;
	}
	if (status == SYNC_BUNDLE_UNCHANGED) {
		log_msg(LOG_LEVEL_INFO, "bundle",
		        "unchanged on the server; version %lld stays", installed);
		return BUNDLE_UPDATE_UNCHANGED;
	}
	struct bundle_manifest *m = mem_calloc(1, sizeof *m);
	rc = m ? bundle_install(u->dir, &t, body.data, body.len, NULL, m, &e)
	       : err_set(&e, HATCH_ERR_NOMEM, "out of memory");
	buf_cleanup(&body);
	enum bundle_update_result r;
	if (rc == HATCH_OK) {
		log_msg(
		    LOG_LEVEL_NOTICE, "bundle",
		    "installed version %lld (%zu journey%s, %zu catalog%s) in place of "
		    "version %lld; the kiosk takes it up between sessions",
		    m->version, m->njourneys, m->njourneys == 1 ? "" : "s",
		    m->nfiles - m->njourneys, m->nfiles - m->njourneys == 1 ? "" : "s",
		    installed);
		if (version)
			*version = m->version;
		r = BUNDLE_UPDATE_INSTALLED;
	} else if (rc == HATCH_ERR_STATE && m->version) {
		log_msg(LOG_LEVEL_INFO, "bundle", "not installed: %s; version %lld stays",
		        e.msg, installed);
		r = BUNDLE_UPDATE_UNCHANGED;
	} else if (rc == HATCH_ERR_INPUT || rc == HATCH_ERR_LIMIT) {
		log_msg(LOG_LEVEL_WARNING, "bundle",
		        "refused: %s; version %lld stays installed", e.msg, installed);
		r = BUNDLE_UPDATE_REFUSED;
	} else {
		log_msg(LOG_LEVEL_WARNING, "bundle",
		        "not installed: %s; version %lld stays installed", e.msg,
		        installed);
		r = BUNDLE_UPDATE_FAILED;
	}
	mem_free(m);
	/* What was installed or judged is not fetched again until it changes;
	 * a failure of the disk or a lock is tried again. */
	if (r != BUNDLE_UPDATE_FAILED && strcmp(u->etag, etag)) {
		memcpy(u->etag, etag, sizeof u->etag);
		bd_etag_save(u);
	}
	return r;
}
