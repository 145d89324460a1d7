/* Provisioning a device: its identity (key pair, JSON, QR code), the
 * provisioning file read through the configuration's own parser with an
 * extension for inline secrets and staff accounts, and the staged write of
 * everything it names. Prints nothing (provision.h says who does).
 * Depends on base/, platform/, store/staff.h's rules, libsodium, jansson,
 * libqrencode and libc. */
#include "app/provision.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "platform/platform.h"

_Static_assert(PROVISION_PUBLIC_KEY_BYTES == crypto_sign_PUBLICKEYBYTES,
               "an identity's public key is an Ed25519 one");
_Static_assert(PROVISION_KEY_B64_SIZE ==
                   sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES,
                                             sodium_base64_VARIANT_ORIGINAL),
               "room for the public key's base64");

/* The identity key file holds the base64 of libsodium's Ed25519 secret key
 * (its seed and its public key, 64 bytes) and a newline: text, so that a
 * technician can see it is there without a hex dump. */
#define PROV_SK_B64_SIZE                                                                 \
	sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES,                            \
	                          sodium_base64_VARIANT_ORIGINAL)
/* The most a secret file given to copy may hold: what sync/ reads of an
 * API key or a webhook secret, and room for a 4096-bit RSA client key. */
#define PROV_SECRET_MAX     4096
#define PROV_CLIENT_KEY_MAX 16384
/* A certificate file (a CA bundle may hold a few hundred). */
#define PROV_CERT_MAX (1024 * 1024)
/* A PIN file: a PIN and a line ending, with room to say it is too long. */
#define PROV_PIN_FILE_MAX 64

/* ---- the identity ---- */

enum hatch_err provision_identity_path(const char *config_path, char *out, size_t size,
                                       struct hatch_error *e)
{
	const char *slash = strrchr(config_path, '/');
	int n;
	if (!slash)
		n = snprintf(out, size, "%s", PROVISION_KEY_FILE);
	else
		n = snprintf(out, size, "%.*s/%s", (int)(slash - config_path),
		             config_path, PROVISION_KEY_FILE);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			out[0] = '\0';
		return err_set(e, HATCH_ERR_LIMIT, "the identity key's path is too long");
	}
	return HATCH_OK;
}

void provision_identity_cleanup(struct provision_identity *id)
{
	mem_free(id->json);
	mem_free(id->modules);
	memset(id, 0, sizeof *id);
}

/* The identity's JSON in *OUT (mem_free). */
static enum hatch_err prov_identity_json(const struct provision_identity *id, char **out,
                                         struct hatch_error *e)
{
	*out = NULL;
	json_t *o = json_object();
	json_t *dev = json_string(id->device), *council = json_string(id->council),
	       *key = json_string(id->key);
	enum hatch_err rc = HATCH_ERR_NOMEM;
	if (!dev || !council || !key) {
		/* json_string refuses text that is not UTF-8. */
		rc = err_set(e,
		             utf8_valid(id->council, strlen(id->council))
		                 ? HATCH_ERR_NOMEM
		                 : HATCH_ERR_INPUT,
		             "the council's name is not UTF-8 text");
		json_decref(dev);
		json_decref(council);
		json_decref(key);
		json_decref(o);
		return rc;
	}
	if (o && !json_object_set_new(o, "device", dev) &&
	    !json_object_set_new(o, "council", council) &&
	    !json_object_set_new(o, "key", key)) {
		char *text =
		    json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
		if (text) {
			json_free_t jfree;
			json_get_alloc_funcs(NULL, &jfree);
			*out = mem_strdup(text);
			jfree(text);
			if (*out)
				rc = HATCH_OK;
		}
	}
	json_decref(o);
	if (rc != HATCH_OK)
		err_set(e, rc, "out of memory");
	return rc;
}

enum hatch_err provision_identity_make(const char *device, const char *council,
                                       const unsigned char pk[PROVISION_PUBLIC_KEY_BYTES],
                                       struct provision_identity *id,
                                       struct hatch_error *e)
{
	memset(id, 0, sizeof *id);
	if (strlen(device) >= sizeof id->device || strlen(council) >= sizeof id->council)
		return err_set(e, HATCH_ERR_INPUT,
		               "the device id or the council's name is too long");
	memcpy(id->device, device, strlen(device) + 1);
	memcpy(id->council, council, strlen(council) + 1);
	memcpy(id->public_key, pk, PROVISION_PUBLIC_KEY_BYTES);
	sodium_bin2base64(id->key, sizeof id->key, pk, PROVISION_PUBLIC_KEY_BYTES,
	                  sodium_base64_VARIANT_ORIGINAL);
	enum hatch_err rc = prov_identity_json(id, &id->json, e);
	if (rc != HATCH_OK) {
		provision_identity_cleanup(id);
		return rc;
	}
	/* Error correction M, as the confirmation's QR code: a phone reads it
	 * off a screen with some glare. 8-bit mode takes the ASCII as it is. */
	QRcode *qr = QRcode_encodeString(id->json, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr) {
		provision_identity_cleanup(id);
		return err_set(e, errno == ENOMEM ? HATCH_ERR_NOMEM : HATCH_ERR_INPUT,
		               "the identity cannot be made a QR code: %s",
		               strerror(errno));
	}
	size_t n = (size_t)qr->width * (size_t)qr->width;
	id->modules = mem_alloc(n);
	if (!id->modules) {
		QRcode_free(qr);
		provision_identity_cleanup(id);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		id->modules[i] = qr->data[i] & 1;
	id->width = qr->width;
	QRcode_free(qr);
	return HATCH_OK;
}

/* Reads the key pair in PATH: its public key into PK. The file must be
 * private (config_check_secret) and hold a key whose public half is the one
 * its seed gives. */
static enum hatch_err prov_key_read(const char *path,
                                    unsigned char pk[PROVISION_PUBLIC_KEY_BYTES],
                                    struct hatch_error *e)
{
	char *data;
	size_t len;
	char why[256];
	struct hatch_error re;
	enum hatch_err rc =
	    platform_read_file(path, PROV_SK_B64_SIZE + 8, &data, &len, &re);
	if (rc == HATCH_ERR_LIMIT)
		return err_set(e, HATCH_ERR_INPUT,
		               "%s is not an identity key (it is too long)", path);
	if (rc != HATCH_OK)
		return err_set(e, rc, "%s: %s", path, re.msg);
	if (!config_check_secret(path, why, sizeof why)) {
		mem_free_wiped(data);
		return err_set(e, HATCH_ERR_INPUT, "the identity key: %s", why);
	}
	while (len > 0 && isspace((unsigned char)data[len - 1]))
		len--;
	unsigned char sk[crypto_sign_SECRETKEYBYTES], again[crypto_sign_SECRETKEYBYTES];
	size_t got = 0;
	const char *end = NULL;
	rc = HATCH_ERR_INPUT;
	if (sodium_base642bin(sk, sizeof sk, data, len, NULL, &got, &end,
	                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    got == sizeof sk && end == data + len &&
	    crypto_sign_seed_keypair(pk, again, sk) == 0 &&
	    sodium_memcmp(again, sk, sizeof sk) == 0)
		rc = HATCH_OK;
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(again, sizeof again);
	mem_wipe(data, len);
	mem_free(data);
	if (rc != HATCH_OK)
		return err_set(
		    e, rc,
		    "%s is not an identity key; move it aside and provision again "
		    "to make a new identity",
		    path);
	return HATCH_OK;
}

enum hatch_err provision_identity_get(const char *key_path, const char *device,
                                      const char *council, struct provision_identity *id,
                                      struct hatch_error *e)
{
	unsigned char pk[PROVISION_PUBLIC_KEY_BYTES];
	memset(id, 0, sizeof *id);
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO, "libsodium cannot start");
	enum hatch_err rc = prov_key_read(key_path, pk, e);
	if (rc != HATCH_OK)
		return rc;
	return provision_identity_make(device, council, pk, id, e);
}

/* ---- the plan ---- */

struct provision_plan *provision_plan_create(const char *config_path, enum hatch_err *rc,
                                             struct hatch_error *e)
{
	const char *slash = strrchr(config_path, '/');
	if (config_path[0] != '/' || !slash || !slash[1]) {
		*rc = err_set(e, HATCH_ERR_INPUT,
		              "the configuration file needs an absolute path, such as "
		              "/etc/hatch/hatch.conf");
		return NULL;
	}
	/* Room for DIR/secrets/ and the longest name under it. */
	size_t dirlen = (size_t)(slash - config_path);
	if (strlen(config_path) >= sizeof((struct provision_plan *)0)->config_path ||
	    dirlen + 96 >= sizeof((struct provision_plan *)0)->dir) {
		*rc = err_set(e, HATCH_ERR_LIMIT,
		              "the configuration file's path is too long");
		return NULL;
	}
	struct provision_plan *plan = mem_calloc(1, sizeof *plan);
	if (!plan) {
		*rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
		return NULL;
	}
	config_defaults(&plan->config);
	memcpy(plan->config_path, config_path, strlen(config_path) + 1);
	if (dirlen == 0)
		memcpy(plan->dir, "/", 2);
	else
		memcpy(plan->dir, config_path, dirlen);
	*rc = HATCH_OK;
	return plan;
}

void provision_plan_destroy(struct provision_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->nfiles; i++) {
		if (plan->files[i].data)
			mem_wipe(plan->files[i].data, plan->files[i].len);
		mem_free(plan->files[i].data);
	}
	mem_wipe(plan->staff, sizeof plan->staff);
	mem_free(plan);
}

static void prov_add(struct config_problems *p, int line, const char *fmt, ...)
    HATCH_PRINTF(3, 4);

static void prov_add(struct config_problems *p, int line, const char *fmt, ...)
{
	if (p->n == CONFIG_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	struct config_problem *pr = &p->v[p->n++];
	pr->line = line;
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(pr->reason, sizeof pr->reason, fmt, ap) < 0)
		pr->reason[0] = '\0';
	va_end(ap);
}

/* Whether a problem in P is about the setting whose reasons start with
 * LABEL: a bad one is not also a missing one. */
static bool prov_said(const struct config_problems *p, const char *label)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strncmp(p->v[i].reason, label, strlen(label)))
			return true;
	return false;
}

/* The files a destination's keys name, where each goes and what it is. */
static const struct {
	const char *key;
	const char *inline_key; /* the provisioning file's key for the secret itself */
	const char *dir, *suffix;
	bool secret;
	size_t max;
} prov_kinds[] = {
    {"api_key_file", "api_key", "secrets", ".api-key", true, PROV_SECRET_MAX},
    {"secret_file", "secret", "secrets", ".secret", true, PROV_SECRET_MAX},
    {"client_key", NULL, "secrets", ".client-key", true, PROV_CLIENT_KEY_MAX},
    {"ca_bundle", NULL, "certs", ".ca.pem", false, PROV_CERT_MAX},
    {"client_cert", NULL, "certs", ".client.pem", false, PROV_CERT_MAX},
};
#define PROV_NKINDS (sizeof prov_kinds / sizeof *prov_kinds)

/* The settings of the fixed sections a text gives, as "section.key". */
#define PROV_MAX_GIVEN 64
struct prov_given {
	char v[PROV_MAX_GIVEN][48];
	size_t n;
	bool destinations; /* it has a [destination NAME] */
};

struct prov_read {
	struct provision_plan *plan;
	struct provision_staff *staff; /* the [staff ID] being read */
	int staff_name_on, staff_pin_on, staff_pin_file_on;
	bool too_many_files;
	struct prov_given *given; /* NULL: not noted */
};

/* The destination's name in a SECTION "destination NAME", or NULL. */
static const char *prov_destination(const char *section)
{
	return strncmp(section, "destination ", 12) ? NULL : section + 12;
}

static long prov_kind(const char *key, bool inline_key)
{
	for (size_t k = 0; k < PROV_NKINDS; k++)
		if (inline_key ? prov_kinds[k].inline_key &&
		                     !strcmp(key, prov_kinds[k].inline_key)
		               : !strcmp(key, prov_kinds[k].key))
			return (long)k;
	return -1;
}

/* Where kind K of destination NAME goes, into OUT. */
static bool prov_target(const struct provision_plan *plan, size_t k, const char *name,
                        char *out, size_t size)
{
	int n = snprintf(out, size, "%s%s%s/%s%s", plan->dir,
	                 strcmp(plan->dir, "/") ? "/" : "", prov_kinds[k].dir, name,
	                 prov_kinds[k].suffix);
	return n > 0 && (size_t)n < size;
}

/* A new file of kind K for destination NAME on LINE, or NULL when there
 * are too many (which cannot be, with each destination's keys once). */
static struct provision_file *prov_new_file(struct prov_read *r, size_t k,
                                            const char *name, int line)
{
	struct provision_plan *plan = r->plan;
	if (plan->nfiles == PROVISION_MAX_FILES) {
		r->too_many_files = true;
		return NULL;
	}
	struct provision_file *f = &plan->files[plan->nfiles++];
	memset(f, 0, sizeof *f);
	f->secret = prov_kinds[k].secret;
	f->line = line;
	snprintf(f->what, sizeof f->what, "[destination %s] %s", name, prov_kinds[k].key);
	if (!prov_target(plan, k, name, f->to, sizeof f->to))
		f->to[0] = '\0'; /* reported once the file is read */
	return f;
}

static enum config_ext_result prov_section(void *user, int line, const char *name,
                                           char *why, size_t whysize)
{
	struct prov_read *r = user;
	struct provision_plan *plan = r->plan;
	if (strncmp(name, "staff ", 6))
		return CONFIG_EXT_UNKNOWN;
	const char *id = name + 6;
	while (*id == ' ' || *id == '\t')
		id++;
	struct hatch_error e;
	r->staff = NULL;
	if (staff_id_check(id, &e) != HATCH_OK) {
		snprintf(why, whysize,
		         "has no good staff ID, and its settings are not read: %s; write "
		         "it as "
		         "[staff ID]",
		         e.msg);
		return CONFIG_EXT_BAD;
	}
	for (size_t i = 0; i < plan->nstaff; i++) {
		if (!strcmp(plan->staff[i].id, id)) {
			snprintf(
			    why, whysize,
			    "is a second heading for the same staff ID (the first is on "
			    "line %d), and its settings are not read",
			    plan->staff[i].line);
			return CONFIG_EXT_BAD;
		}
	}
	if (plan->nstaff == PROVISION_MAX_STAFF) {
		snprintf(why, whysize, "is one staff account too many; the most is %d",
		         PROVISION_MAX_STAFF);
		return CONFIG_EXT_BAD;
	}
	struct provision_staff *s = &plan->staff[plan->nstaff++];
	memset(s, 0, sizeof *s);
	snprintf(s->id, sizeof s->id, "%s", id);
	s->line = line;
	r->staff = s;
	r->staff_name_on = r->staff_pin_on = r->staff_pin_file_on = 0;
	return CONFIG_EXT_TAKEN;
}

/* NAME = VALUE in a [staff ID] section. */
static enum config_ext_result prov_staff_setting(struct prov_read *r, int line,
                                                 const char *name, const char *value,
                                                 char *why, size_t whysize)
{
	struct provision_staff *s = r->staff;
	struct hatch_error e;
	int *on = !strcmp(name, "name")       ? &r->staff_name_on
	          : !strcmp(name, "pin")      ? &r->staff_pin_on
	          : !strcmp(name, "pin_file") ? &r->staff_pin_file_on
	                                      : NULL;
	assert(s);
	if (!on)
		return CONFIG_EXT_UNKNOWN;
	if (*on) {
		snprintf(why, whysize,
		         "is set again (first on line %d); give each setting once", *on);
		return CONFIG_EXT_BAD;
	}
	*on = line;
	if (on != &r->staff_name_on && r->staff_pin_on && r->staff_pin_file_on) {
		snprintf(why, whysize,
		         "give the PIN once, as pin or as pin_file, not both");
		return CONFIG_EXT_BAD;
	}
	if (on == &r->staff_name_on) {
		if (strlen(value) > STAFF_NAME_MAX) {
			snprintf(why, whysize,
			         "the name is %zu bytes long; the most is %d",
			         strlen(value), STAFF_NAME_MAX);
			return CONFIG_EXT_BAD;
		}
		snprintf(s->name, sizeof s->name, "%s", value);
	} else if (on == &r->staff_pin_on) {
		r->plan->inline_secrets = true;
		if (staff_pin_check(value, &e) != HATCH_OK) {
			snprintf(why, whysize, "%s", e.msg);
			return CONFIG_EXT_BAD;
		}
		snprintf(s->pin, sizeof s->pin, "%s", value);
	} else {
		if (value[0] != '/' || strlen(value) >= sizeof s->pin_file) {
			snprintf(
			    why, whysize,
			    "needs the absolute path of a file holding the PIN, at most "
			    "%zu bytes",
			    sizeof s->pin_file - 1);
			return CONFIG_EXT_BAD;
		}
		snprintf(s->pin_file, sizeof s->pin_file, "%s", value);
	}
	return CONFIG_EXT_TAKEN;
}

static enum config_ext_result prov_setting(void *user, int line, const char *section,
                                           const char *name, const char *value, char *why,
                                           size_t whysize, const char **as_name,
                                           char *as_value, size_t as_size)
{
	struct prov_read *r = user;
	if (!strncmp(section, "staff ", 6))
		return prov_staff_setting(r, line, name, value, why, whysize);
	const char *dest = prov_destination(section);
	long k = dest ? prov_kind(name, true) : -1;
	if (k < 0)
		return CONFIG_EXT_UNKNOWN;
	r->plan->inline_secrets = true;
	if (!value[0]) {
		snprintf(why, whysize, "needs a value");
		return CONFIG_EXT_BAD;
	}
	struct provision_file *f = prov_new_file(r, (size_t)k, dest, line);
	if (!f)
		return CONFIG_EXT_TAKEN;
	size_t n = strlen(value);
	/* Kept as a file of one line, as a technician would write it. */
	f->data = mem_alloc(n + 2);
	if (f->data) {
		memcpy(f->data, value, n);
		f->data[n] = '\n';
		f->data[n + 1] = '\0';
		f->len = n + 1;
	}
	*as_name = prov_kinds[k].key;
	snprintf(as_value, as_size, "%s", f->to[0] ? f->to : "/");
	return CONFIG_EXT_AS;
}

static void prov_seen(void *user, int line, const char *section, const char *name,
                      const char *value)
{
	struct prov_read *r = user;
	const char *dest = prov_destination(section);
	struct prov_given *g = r->given;
	if (g && dest)
		g->destinations = true;
	else if (g && g->n < PROV_MAX_GIVEN)
		snprintf(g->v[g->n++], sizeof g->v[0], "%.20s.%.20s", section, name);
	long k = dest ? prov_kind(name, false) : -1;
	if (k < 0)
		return;
	/* What an inline secret stood for has its file already. */
	for (size_t i = 0; i < r->plan->nfiles; i++)
		if (r->plan->files[i].line == line)
			return;
	struct provision_file *f = prov_new_file(r, (size_t)k, dest, line);
	if (f)
		snprintf(f->from, sizeof f->from, "%s", value);
}

/* The field of destination D that kind K names. */
static char *prov_field(struct config_destination *d, size_t k)
{
	switch (k) {
	case 0:
		return d->api_key_file;
	case 1:
		return d->secret_file;
	case 2:
		return d->client_key;
	case 3:
		return d->ca_bundle;
	default:
		return d->client_cert;
	}
}

/* One reading of TEXT into PLAN, noting in GIVEN (when not NULL) what it
 * gives; without what a provisioned device must have. */
static enum hatch_err prov_read_once(struct provision_plan *plan, const char *text,
                                     size_t len, struct prov_given *given,
                                     struct config_problems *p)
{
	struct prov_read r = {.plan = plan, .given = given};
	struct config_extension x = {prov_section, prov_setting, prov_seen, &r};
	enum hatch_err rc = config_parse_extended(text, len, &x, &plan->config, p);
	if (rc != HATCH_OK && rc != HATCH_ERR_INPUT)
		return rc;
	for (size_t i = 0; i < plan->nfiles; i++) {
		struct provision_file *f = &plan->files[i];
		if (!f->to[0]) {
			prov_add(p, f->line,
			         "%s: the path it is copied to would be too long",
			         f->what);
			continue;
		}
		if (!f->from[0] && !f->data) {
			prov_add(p, f->line, "%s: out of memory", f->what);
			continue;
		}
		/* "[destination NAME] KEY": point the configuration at the copy. */
		char name[CONFIG_DEVICE_ID_MAX + 2];
		const char *sp = strchr(f->what + 13, ']');
		size_t nl = sp ? (size_t)(sp - (f->what + 13)) : 0;
		if (nl >= sizeof name)
			continue;
		memcpy(name, f->what + 13, nl);
		name[nl] = '\0';
		for (size_t d = 0; d < plan->config.ndestinations; d++) {
			struct config_destination *dst = &plan->config.destinations[d];
			if (strcmp(dst->name, name))
				continue;
			long k = prov_kind(sp + 2, false);
			assert(k >= 0);
			char *field = prov_field(dst, (size_t)k);
			/* Zeroed first, so the field holds the same bytes as a
			 * parse of the written file gives. */
			memset(field, 0, sizeof dst->api_key_file);
			memcpy(field, f->to, strlen(f->to) + 1);
		}
	}
	if (r.too_many_files)
		prov_add(p, 0, "more files than a configuration can name");
	return p->n || p->dropped ? HATCH_ERR_INPUT : HATCH_OK;
}

/* KEEP's settings that GIVEN does not give, as text: its fixed sections'
 * settings, and its destinations when GIVEN has none. */
static enum hatch_err prov_kept_text(const struct config *keep,
                                     const struct prov_given *given, struct buf *out)
{
	char *text;
	size_t len;
	struct hatch_error e;
	enum hatch_err rc = config_format(keep, &text, &len, &e);
	if (rc != HATCH_OK)
		return rc;
	char section[80] = "";
	bool dest = false;
	for (const char *line = text; rc == HATCH_OK && *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		bool keep_line = true;
		if (line[0] == '[') {
			snprintf(section, sizeof section, "%.*s",
			         (int)(n > 2 ? n - 2 : 0), line + 1);
			dest = !strncmp(section, "destination ", 12);
			keep_line = !dest || !given->destinations;
		} else if (dest) {
			keep_line = !given->destinations;
		} else if (n) {
			/* config_format's "key = value" */
			char key[48];
			snprintf(key, sizeof key, "%.20s.%.*s", section,
			         (int)strcspn(line, " ="), line);
			for (size_t i = 0; keep_line && i < given->n; i++)
				keep_line = strcmp(key, given->v[i]) != 0;
		}
		if (keep_line)
			rc = buf_add(out, line, n + 1);
		line += n + (nl != NULL);
	}
	mem_free(text);
	return rc;
}

enum hatch_err provision_read(struct provision_plan *plan, const char *text, size_t len,
                              const struct config *keep, struct config_problems *p)
{
	enum hatch_err rc;
	struct prov_given *given = NULL;
	bool bad_text = false; /* read alone, for its files, after a problem */
	struct buf all;
	/* The text's own lines: any after them are what was kept. */
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	lines += len > 0 && text[len - 1] != '\n';
	buf_init(&all, 2 * (size_t)CONFIG_FILE_MAX + 1);
	if (keep) {
		/* What the text gives, from a reading of its own (its problems
		 * are the text's, on its lines), then the text and what the
		 * configuration there now has besides, after it: the text's lines
		 * keep their numbers. */
		struct provision_plan *scratch = mem_calloc(1, sizeof *scratch);
		given = mem_calloc(1, sizeof *given);
		if (!scratch || !given) {
			mem_free(scratch);
			mem_free(given);
			return HATCH_ERR_NOMEM;
		}
		memcpy(scratch->config_path, plan->config_path, sizeof plan->config_path);
		memcpy(scratch->dir, plan->dir, sizeof plan->dir);
		rc = prov_read_once(scratch, text, len, given, p);
		provision_plan_destroy(scratch);
		if (rc == HATCH_OK && (buf_add(&all, text, len) != HATCH_OK ||
		                       buf_add(&all, "\n", 1) != HATCH_OK ||
		                       prov_kept_text(keep, given, &all) != HATCH_OK))
			rc = HATCH_ERR_NOMEM;
		mem_free(given);
		if (rc == HATCH_ERR_NOMEM) {
			buf_cleanup(&all);
			return rc;
		}
		/* With a problem, the text alone is read into PLAN, so that
		 * provision_read_files can say what else is wrong. */
		if (rc == HATCH_OK) {
			text = buf_get(&all);
			len = all.len;
		}
		bad_text = rc != HATCH_OK;
	}
	rc = prov_read_once(plan, text, len, NULL, p);
	buf_cleanup(&all);
	if (rc == HATCH_ERR_NOMEM || bad_text)
		return rc;
	/* What was kept is the configuration there now's: a problem with it
	 * (there should be none: it was written as it was read) is said so. */
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].line > lines) {
			char was[sizeof p->v[i].reason];
			memcpy(was, p->v[i].reason, sizeof was);
			p->v[i].line = 0;
			snprintf(p->v[i].reason, sizeof p->v[i].reason,
			         "in the configuration there now: %.200s", was);
		}
	}
	for (size_t i = 0; i < plan->nfiles; i++) {
		if (plan->files[i].line > lines) {
			plan->files[i].line = 0;
			plan->files[i].kept = true;
		}
	}

	if (!plan->config.device_id[0] && !prov_said(p, "[device] id:"))
		prov_add(
		    p, 0,
		    "[device] id: is missing; a provisioned device needs one, such as "
		    "library-ground-1 (--device-id)");
	struct config def;
	config_defaults(&def);
	/* The demonstration council's link is no link for a real one's
	 * citizens: no QR code unless one is given. */
	if (!strcmp(plan->config.tracking_url, def.tracking_url)) {
		memset(plan->config.tracking_url, 0, sizeof plan->config.tracking_url);
		plan->no_tracking = true;
	}
	if (!strcmp(plan->config.council, def.council) &&
	    !prov_said(p, "[council] name:"))
		prov_add(p, 0,
		         "[council] name: is missing; a provisioned device needs its "
		         "council's "
		         "name, not the demonstration council's (--council)");
	for (size_t i = 0; i < plan->nstaff; i++)
		if (!plan->staff[i].pin[0] && !plan->staff[i].pin_file[0])
			prov_add(p, plan->staff[i].line,
			         "[staff %s]: has no PIN; give pin = or pin_file =",
			         plan->staff[i].id);
	return p->n || p->dropped ? HATCH_ERR_INPUT : HATCH_OK;
}

/* ---- reading what the plan copies ---- */

/* Whether DATA[0..LEN) is text a credential file can be: no NUL, and
 * something besides spaces. */
static bool prov_text(const char *data, size_t len)
{
	if (memchr(data, '\0', len))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)data[i]))
			return true;
	return false;
}

enum hatch_err provision_read_files(struct provision_plan *plan,
                                    struct config_problems *p)
{
	size_t before = p->n + p->dropped;
	for (size_t i = 0; i < plan->nfiles; i++) {
		struct provision_file *f = &plan->files[i];
		if (!f->from[0])
			continue;
		long k = prov_kind(strchr(f->what, ']') + 2, false);
		assert(k >= 0);
		size_t max = prov_kinds[k].max;
		struct hatch_error e;
		char *data = NULL;
		size_t len = 0;
		enum hatch_err rc = platform_read_file(f->from, max, &data, &len, &e);
		if (rc == HATCH_ERR_NOMEM)
			return rc;
		const char *there = f->kept ? "in the configuration there now: " : "";
		if (rc == HATCH_ERR_LIMIT) {
			prov_add(
			    p, f->line,
			    "%s%s: %s is larger than %zu bytes; is it the right file?",
			    there, f->what, f->from, max);
		} else if (rc != HATCH_OK) {
			prov_add(p, f->line, "%s%s: %s cannot be read: %s", there,
			         f->what, f->from, e.msg);
		} else if (f->secret && !prov_text(data, len)) {
			prov_add(p, f->line, "%s%s: %s is empty or not text", there,
			         f->what, f->from);
		} else if (!f->secret && !strstr(data, "-----BEGIN ")) {
			prov_add(p, f->line,
			         "%s%s: %s is not a PEM file (no -----BEGIN line)", there,
			         f->what, f->from);
		} else {
			if (f->data)
				mem_wipe(f->data, f->len);
			mem_free(f->data);
			f->data = data;
			f->len = len;
			data = NULL;
		}
		if (data) {
			mem_wipe(data, len);
			mem_free(data);
		}
	}
	for (size_t i = 0; i < plan->nstaff; i++) {
		struct provision_staff *s = &plan->staff[i];
		if (!s->pin_file[0])
			continue;
		struct hatch_error e;
		char *data = NULL;
		size_t len = 0;
		enum hatch_err rc =
		    platform_read_file(s->pin_file, PROV_PIN_FILE_MAX, &data, &len, &e);
		if (rc == HATCH_ERR_NOMEM)
			return rc;
		if (rc != HATCH_OK) {
			prov_add(p, s->line, "[staff %s] pin_file: %s cannot be read: %s",
			         s->id, s->pin_file,
			         rc == HATCH_ERR_LIMIT ? "it is too long" : e.msg);
			continue;
		}
		while (len > 0 && isspace((unsigned char)data[len - 1]))
			data[--len] = '\0';
		if (strlen(data) != len || staff_pin_check(data, &e) != HATCH_OK)
			prov_add(p, s->line, "[staff %s] pin_file: %s", s->id,
			         strlen(data) != len ? "the file is not a PIN" : e.msg);
		else
			memcpy(s->pin, data, len + 1);
		mem_wipe(data, len);
		mem_free(data);
	}
	return p->n + p->dropped > before ? HATCH_ERR_INPUT : HATCH_OK;
}

/* ---- putting it in place ---- */

/* A file written to a temporary name beside where it goes. */
struct prov_staged {
	char tmp[4096 + 16];
	const char *to;
};

static enum hatch_err prov_io(struct hatch_error *e, const char *what, const char *path)
{
	int err = errno;
	return err_set(e, err == ENOMEM ? HATCH_ERR_NOMEM : HATCH_ERR_IO,
	               "cannot %s %s: %s", what, path, strerror(err));
}

/* Makes directory PATH with MODE when it is not there (its parents too,
 * 0755); when CHOWN, gives it to UID:GID and MODE whether new or not. */
static enum hatch_err prov_mkdir(const char *path, mode_t mode, bool own, uid_t uid,
                                 gid_t gid, struct hatch_error *e)
{
	char buf[4096];
	size_t n = strlen(path);
	if (n >= sizeof buf)
		return err_set(e, HATCH_ERR_LIMIT, "the path %s is too long", path);
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return prov_io(e, "make the directory", buf);
		*s = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return prov_io(e, "make the directory", buf);
	struct stat st;
	if (stat(buf, &st) != 0)
		return prov_io(e, "look at", buf);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, HATCH_ERR_IO, "%s is not a directory", buf);
	if (own && ((st.st_uid != uid && chown(buf, uid, gid) != 0) ||
	            ((st.st_mode & 07777) != mode && chmod(buf, mode) != 0)))
		return prov_io(e, "set the owner and mode of", buf);
	return HATCH_OK;
}

/* Writes DATA[0..LEN) to a new temporary file beside TO, synced, with MODE
 * and (when OWN) owner UID:GID. */
static enum hatch_err prov_stage(struct prov_staged *st, const char *to, const void *data,
                                 size_t len, mode_t mode, bool own, uid_t uid, gid_t gid,
                                 struct hatch_error *e)
{
	const char *slash = strrchr(to, '/');
	assert(slash);
	int n = snprintf(st->tmp, sizeof st->tmp, "%.*s/.%s.XXXXXX", (int)(slash - to),
	                 to, slash + 1);
	if (n < 0 || (size_t)n >= sizeof st->tmp)
		return err_set(e, HATCH_ERR_LIMIT, "the path %s is too long", to);
	st->to = to;
	int fd = mkstemp(st->tmp);
	if (fd < 0) {
		enum hatch_err rc = prov_io(e, "write", to);
		st->tmp[0] = '\0';
		return rc;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			enum hatch_err rc = prov_io(e, "write", to);
			close(fd);
			return rc;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || (own && fchown(fd, uid, gid) != 0)) {
		enum hatch_err rc = prov_io(e, "set the owner and mode of", to);
		close(fd);
		return rc;
	}
	if (fsync(fd) != 0) {
		enum hatch_err rc = prov_io(e, "write", to);
		close(fd);
		return rc;
	}
	if (close(fd) != 0)
		return prov_io(e, "write", to);
	return HATCH_OK;
}

/* Syncs the directory holding PATH, so that a rename into it is kept. */
static void prov_sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash != path ? (size_t)(slash - path) : 1;
	if (n >= sizeof dir)
		return;
	memcpy(dir, path, n);
	dir[n] = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* The configuration's text: a heading comment and config_format's. */
static enum hatch_err prov_config_text(const struct provision_plan *plan, char **out,
                                       size_t *len, struct hatch_error *e)
{
	char *body;
	size_t blen;
	enum hatch_err rc = config_format(&plan->config, &body, &blen, e);
	if (rc != HATCH_OK)
		return rc;
	char head[512];
	int hn =
	    snprintf(head, sizeof head,
	             "; The configuration of the kiosk %s, written by hatch provision.\n"
	             "; See docs/configuration.md; check a change with\n"
	             ";   hatch config check %.300s\n\n",
	             plan->config.device_id, plan->config_path);
	if (hn < 0 || (size_t)hn >= sizeof head)
		hn = 0;
	*len = (size_t)hn + blen;
	*out = mem_alloc(*len + 1);
	if (!*out) {
		mem_free(body);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	memcpy(*out, head, (size_t)hn);
	memcpy(*out + hn, body, blen + 1);
	mem_free(body);
	return HATCH_OK;
}

enum hatch_err provision_commit(const struct provision_plan *plan,
                                const struct config_owner *owner,
                                struct provision_done *done, struct hatch_error *e)
{
	memset(done, 0, sizeof *done);
	if (sodium_init() < 0)
		return err_set(e, HATCH_ERR_IO, "libsodium cannot start");
	bool root = geteuid() == 0;
	enum hatch_err rc = provision_identity_path(plan->config_path, done->key_path,
	                                            sizeof done->key_path, e);
	if (rc != HATCH_OK)
		return rc;

	/* What is written, and checked, before anything is made on disk. */
	char *conf = NULL;
	size_t conflen = 0;
	rc = prov_config_text(plan, &conf, &conflen, e);
	if (rc != HATCH_OK)
		return rc;
	struct config *again = mem_alloc(sizeof *again);
	struct config_problems *cp = mem_alloc(sizeof *cp);
	if (!again || !cp) {
		mem_free(again);
		mem_free(cp);
		mem_free(conf);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	rc = config_parse(conf, conflen, again, cp);
	if (rc != HATCH_OK)
		rc = err_set(e, HATCH_ERR_STATE,
		             "the configuration as written has a problem: %s",
		             cp->n ? cp->v[0].reason : "");
	mem_free(again);
	mem_free(cp);

	/* The identity key: the one there, or a new one. */
	char sk_text[PROV_SK_B64_SIZE + 1];
	bool new_key = false;
	struct stat kst;
	if (rc == HATCH_OK && lstat(done->key_path, &kst) == 0) {
		rc = prov_key_read(done->key_path, done->public_key, e);
	} else if (rc == HATCH_OK && errno != ENOENT) {
		rc = prov_io(e, "look at", done->key_path);
	} else if (rc == HATCH_OK) {
		unsigned char sk[crypto_sign_SECRETKEYBYTES];
		crypto_sign_keypair(done->public_key, sk);
		sodium_bin2base64(sk_text, PROV_SK_B64_SIZE, sk, sizeof sk,
		                  sodium_base64_VARIANT_ORIGINAL);
		sodium_memzero(sk, sizeof sk);
		size_t n = strlen(sk_text);
		sk_text[n] = '\n';
		sk_text[n + 1] = '\0';
		new_key = true;
	}

	bool secrets = false, certs = false;
	for (size_t i = 0; i < plan->nfiles; i++) {
		secrets = secrets || plan->files[i].secret;
		certs = certs || !plan->files[i].secret;
	}
	char sub[4096 + 16];
	if (rc == HATCH_OK)
		rc = prov_mkdir(plan->dir, 0755, false, 0, 0, e);
	if (rc == HATCH_OK && secrets) {
		snprintf(sub, sizeof sub, "%s/secrets",
		         strcmp(plan->dir, "/") ? plan->dir : "");
		rc = prov_mkdir(sub, 0700, true, owner->uid, owner->gid, e);
	}
	if (rc == HATCH_OK && certs) {
		snprintf(sub, sizeof sub, "%s/certs",
		         strcmp(plan->dir, "/") ? plan->dir : "");
		rc = prov_mkdir(sub, 0755, false, 0, 0, e);
	}

	/* Staged: each file, the key, and last the configuration. */
	size_t nstaged = 0;
	struct prov_staged *staged = mem_calloc(plan->nfiles + 2, sizeof *staged);
	if (rc == HATCH_OK && !staged)
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == HATCH_OK && i < plan->nfiles; i++) {
		const struct provision_file *f = &plan->files[i];
		rc = prov_stage(&staged[nstaged], f->to, f->data, f->len,
		                f->secret ? 0600 : 0644, f->secret, owner->uid,
		                owner->gid, e);
		nstaged++;
		char why[256];
		if (rc == HATCH_OK && f->secret &&
		    !config_check_secret(staged[nstaged - 1].tmp, why, sizeof why))
			rc = err_set(e, HATCH_ERR_IO,
			             "%s: %s (does its file system keep modes?)", f->to,
			             why);
	}
	if (rc == HATCH_OK && new_key) {
		rc = prov_stage(&staged[nstaged++], done->key_path, sk_text,
		                strlen(sk_text), 0600, true, owner->uid, owner->gid, e);
	}
	sodium_memzero(sk_text, sizeof sk_text);
	if (rc == HATCH_OK)
		rc = prov_stage(&staged[nstaged++], plan->config_path, conf, conflen,
		                0640, root, geteuid(), owner->gid, e);
	mem_free(conf);

	if (rc != HATCH_OK) {
		for (size_t i = 0; i < nstaged; i++)
			if (staged[i].tmp[0])
				(void)unlink(staged[i].tmp);
		mem_free(staged);
		return rc;
	}
	for (size_t i = 0; i < nstaged; i++) {
		if (rename(staged[i].tmp, staged[i].to) != 0) {
			rc = prov_io(e, "put in place", staged[i].to);
			for (size_t j = i; j < nstaged; j++)
				(void)unlink(staged[j].tmp);
			break;
		}
		prov_sync_dir(staged[i].to);
	}
	mem_free(staged);
	done->key_created = rc == HATCH_OK && new_key;
	return rc;
}
