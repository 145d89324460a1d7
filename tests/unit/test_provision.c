/* Unit tests for app/provision: the identity (its JSON, its QR modules, the
 * key file's path, reading a key and refusing a bad or exposed one), the
 * provisioning file read into a plan (inline secrets, files to copy and
 * where they go, staff accounts, what a provisioned device must have, every
 * problem on its line), reading the files it copies, and the staged write
 * (modes, a second run keeping the key, nothing left behind on a refusal),
 * with allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <qrencode.h>
#include <sodium.h>

#include "support.h"

#include "app/provision.h"
#include "base/mem.h"

static void write_file(const char *name, const char *text, mode_t mode, char *path,
                       size_t size)
{
	snprintf(path, size, "%s/%s", support_dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static char *read_all(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int mode_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void expect(const struct config_problems *p, size_t i, int line, const char *want)
{
	if (i >= p->n)
		fail_msg("expected a problem %zu on line %d (\"%s\"); there are %zu", i,
		         line, want, p->n);
	if (p->v[i].line != line || !strstr(p->v[i].reason, want))
		fail_msg("problem %zu: got line %d \"%s\"; expected line %d with \"%s\"",
		         i, p->v[i].line, p->v[i].reason, line, want);
}

static void expect_count(const struct config_problems *p, size_t n)
{
	if (p->n == n)
		return;
	for (size_t i = 0; i < p->n; i++)
		print_message("# line %d: %s\n", p->v[i].line, p->v[i].reason);
	fail_msg("expected %zu problems; there are %zu", n, p->n);
}

static void identity_json_and_qr(void **state)
{
	(void)state;
	unsigned char pk[PROVISION_PUBLIC_KEY_BYTES];
	for (size_t i = 0; i < sizeof pk; i++)
		pk[i] = (unsigned char)i;
	struct provision_identity id;
	struct hatch_error e = {""};
	assert_int_equal(provision_identity_make(
	                     "kiosk-1", "Cyngor \"Sir\" Ynys M\xC3\xB4n", pk, &id, &e),
	                 HATCH_OK);
	assert_string_equal(id.key, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
	assert_string_equal(id.json,
	                    "{\"device\":\"kiosk-1\",\"council\":\"Cyngor \\\"Sir\\\" "
	                    "Ynys M\\u00F4n\",\"key\":"
	                    "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}");
	assert_memory_equal(id.public_key, pk, sizeof pk);
	/* The modules are libqrencode's for the same text, one byte each. */
	QRcode *qr = QRcode_encodeString(id.json, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	assert_int_equal(id.width, qr->width);
	for (int i = 0; i < qr->width * qr->width; i++)
		assert_int_equal(id.modules[i], qr->data[i] & 1);
	QRcode_free(qr);
	/* The finder pattern's corners are dark, its inner ring light. */
	assert_int_equal(id.modules[0], 1);
	assert_int_equal(id.modules[(size_t)id.width + 1], 0);
	provision_identity_cleanup(&id);
	assert_null(id.json);
	provision_identity_cleanup(&id);

	char big[200];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(provision_identity_make("kiosk-1", big, pk, &id, &e),
	                 HATCH_ERR_INPUT);
	assert_null(id.json);
	assert_int_equal(provision_identity_make("kiosk-1", "Bad \xC0\xAF", pk, &id, &e),
	                 HATCH_ERR_INPUT);
	assert_string_equal(e.msg, "the council's name is not UTF-8 text");
	assert_null(id.modules);
}

static void identity_out_of_memory(void **state)
{
	(void)state;
	unsigned char pk[PROVISION_PUBLIC_KEY_BYTES] = {1, 2, 3};
	struct provision_identity id;
	struct hatch_error e;
	long k;
	for (k = 1; k < 200; k++) {
		mem_fail_after(k, 0);
		enum hatch_err rc =
		    provision_identity_make("kiosk-1", "Example", pk, &id, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK)
			break;
		assert_int_equal(rc, HATCH_ERR_NOMEM);
		assert_null(id.json);
		assert_null(id.modules);
	}
	assert_true(k < 200);
	provision_identity_cleanup(&id);
}

static void identity_path(void **state)
{
	(void)state;
	char out[64];
	struct hatch_error e;
	assert_int_equal(
	    provision_identity_path("/etc/hatch/hatch.conf", out, sizeof out, &e),
	    HATCH_OK);
	assert_string_equal(out, "/etc/hatch/identity.key");
	assert_int_equal(provision_identity_path("/hatch.conf", out, sizeof out, &e),
	                 HATCH_OK);
	assert_string_equal(out, "/identity.key");
	assert_int_equal(provision_identity_path("hatch.conf", out, sizeof out, &e),
	                 HATCH_OK);
	assert_string_equal(out, "identity.key");
	assert_int_equal(
	    provision_identity_path("/a/very/long/directory/name/that/does/not/fit/"
	                            "hatch.conf",
	                            out, 32, &e),
	    HATCH_ERR_LIMIT);
	assert_string_equal(out, "");
}

/* A key file as provision_commit writes it. */
static void write_key(const char *name, mode_t mode, unsigned char pk[32], char *path,
                      size_t size)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	char text[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL) + 1];
	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(text, sizeof text - 1, sk, sizeof sk,
	                  sodium_base64_VARIANT_ORIGINAL);
	text[strlen(text) + 1] = '\0';
	text[strlen(text)] = '\n';
	write_file(name, text, mode, path, size);
}

static void identity_get(void **state)
{
	(void)state;
	char path[512];
	unsigned char pk[32];
	struct provision_identity id;
	struct hatch_error e = {""};
	assert_true(sodium_init() >= 0);
	write_key("id.key", 0600, pk, path, sizeof path);
	assert_int_equal(provision_identity_get(path, "k1", "Example", &id, &e),
	                 HATCH_OK);
	assert_memory_equal(id.public_key, pk, sizeof pk);
	assert_string_equal(id.device, "k1");
	provision_identity_cleanup(&id);

	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(provision_identity_get(path, "k1", "Example", &id, &e),
	                 HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "the identity key: "));
	assert_non_null(strstr(e.msg, "is readable by other users"));
	assert_null(id.json);

	snprintf(path, sizeof path, "%s/none.key", support_dir);
	assert_int_equal(provision_identity_get(path, "k1", "Example", &id, &e),
	                 HATCH_ERR_NOTFOUND);

	/* Not a key: not base64, the wrong length, or a public half that is
	 * not its seed's. */
	static const char *const bad[] = {
	    "not a key\n",
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY"
	    "GRob"
	    "HB0eHw==\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		write_file("bad.key", bad[i], 0600, path, sizeof path);
		assert_int_equal(provision_identity_get(path, "k1", "Example", &id, &e),
		                 HATCH_ERR_INPUT);
		assert_non_null(strstr(e.msg, "is not an identity key"));
	}
}

static const char provisioning[] = "; a kiosk\n"                              /* 1 */
                                   "[device]\n"                               /* 2 */
                                   "id = central-library-1\n"                 /* 3 */
                                   "[council]\n"                              /* 4 */
                                   "name = Borough of Example Council\n"      /* 5 */
                                   "[destination waste]\n"                    /* 6 */
                                   "adapter = open311\n"                      /* 7 */
                                   "url = https://311.example/v2/\n"          /* 8 */
                                   "api_key = inline-key\n"                   /* 9 */
                                   "ca_bundle = /media/usb/ca.pem\n"          /* 10 */
                                   "client_cert = /media/usb/kiosk.crt\n"     /* 11 */
                                   "client_key = /media/usb/kiosk.key\n"      /* 12 */
                                   "[destination parish]\n"                   /* 13 */
                                   "adapter = webhook\n"                      /* 14 */
                                   "url = https://hooks.example/\n"           /* 15 */
                                   "secret_file = /media/usb/parish.secret\n" /* 16 */
                                   "[staff alex]\n"                           /* 17 */
                                   "name = Alex Example\n"                    /* 18 */
                                   "pin = 5830\n"                             /* 19 */
                                   "[staff sam]\n"                            /* 20 */
                                   "pin_file = /media/usb/sam.pin\n";         /* 21 */

static void read_plan(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e;
	struct provision_plan *plan =
	    provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_non_null(plan);
	struct config_problems p;
	assert_int_equal(
	    provision_read(plan, provisioning, sizeof provisioning - 1, NULL, &p),
	    HATCH_OK);
	expect_count(&p, 0);
	assert_true(plan->inline_secrets);
	assert_true(plan->no_tracking);
	assert_string_equal(plan->config.tracking_url, "");
	assert_string_equal(plan->dir, "/etc/hatch");
	const struct config_destination *w =
	    config_destination_find(&plan->config, "waste");
	assert_non_null(w);
	assert_string_equal(w->api_key_file, "/etc/hatch/secrets/waste.api-key");
	assert_string_equal(w->ca_bundle, "/etc/hatch/certs/waste.ca.pem");
	assert_string_equal(w->client_cert, "/etc/hatch/certs/waste.client.pem");
	assert_string_equal(w->client_key, "/etc/hatch/secrets/waste.client-key");
	assert_string_equal(config_destination_find(&plan->config, "parish")->secret_file,
	                    "/etc/hatch/secrets/parish.secret");
	assert_int_equal(plan->nfiles, 5);
	const struct provision_file *f = &plan->files[0];
	assert_string_equal(f->from, "");
	assert_string_equal(f->to, "/etc/hatch/secrets/waste.api-key");
	assert_int_equal(f->len, 11);
	assert_memory_equal(f->data, "inline-key\n", 11);
	assert_true(f->secret);
	assert_int_equal(f->line, 9);
	assert_string_equal(f->what, "[destination waste] api_key_file");
	f = &plan->files[1];
	assert_string_equal(f->from, "/media/usb/ca.pem");
	assert_false(f->secret);
	assert_int_equal(f->line, 10);
	assert_null(f->data);
	assert_string_equal(plan->files[4].from, "/media/usb/parish.secret");
	assert_int_equal(plan->files[4].line, 16);
	assert_int_equal(plan->nstaff, 2);
	assert_string_equal(plan->staff[0].id, "alex");
	assert_string_equal(plan->staff[0].name, "Alex Example");
	assert_string_equal(plan->staff[0].pin, "5830");
	assert_int_equal(plan->staff[0].line, 17);
	assert_string_equal(plan->staff[1].pin, "");
	assert_string_equal(plan->staff[1].pin_file, "/media/usb/sam.pin");

	/* The configuration to write reads back as itself. */
	char *text;
	size_t len;
	assert_int_equal(config_format(&plan->config, &text, &len, &e), HATCH_OK);
	static struct config again;
	assert_int_equal(config_parse(text, len, &again, &p), HATCH_OK);
	assert_string_equal(again.destinations[0].api_key_file, w->api_key_file);
	mem_free(text);
	provision_plan_destroy(plan);
	provision_plan_destroy(NULL);

	assert_null(provision_plan_create("etc/hatch.conf", &rc, &e));
	assert_int_equal(rc, HATCH_ERR_INPUT);
	assert_null(provision_plan_create("/etc/hatch/", &rc, &e));
	assert_int_equal(rc, HATCH_ERR_INPUT);
	plan = provision_plan_create("/hatch.conf", &rc, &e);
	assert_non_null(plan);
	assert_string_equal(plan->dir, "/");
	provision_plan_destroy(plan);
}

static void read_plan_problems(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e;
	struct config_problems p;
	struct provision_plan *plan =
	    provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	static const char text[] = "[destination waste]\n"           /* 1 */
	                           "adapter = open311\n"             /* 2 */
	                           "url = https://311.example/v2/\n" /* 3 */
	                           "api_key =\n"                     /* 4 */
	                           "[destination two]\n"             /* 5 */
	                           "adapter = open311\n"             /* 6 */
	                           "url = https://311.example/v2/\n" /* 7 */
	                           "api_key = k\n"                   /* 8 */
	                           "api_key_file = /k\n"             /* 9 */
	                           "[staff al ex]\n"                 /* 10 */
	                           "pin = 5830\n"                    /* 11 */
	                           "[staff sam]\n"                   /* 12 */
	                           "pin = 1111\n"                    /* 13 */
	                           "pin_file = /p\n"                 /* 14 */
	                           "pin = 5830\n"                    /* 15 */
	                           "colour = red\n"                  /* 16 */
	                           "[staff sam]\n"                   /* 17 */
	                           "[staff robin]\n"                 /* 18 */
	                           "pin_file = p\n"                  /* 19 */
	                           "[staff kim]\n"                   /* 20 */
	                           "name = Kim\n"                    /* 21 */
	                           "[kiosk]\n"                       /* 22 */
	                           "api_key = k\n";                  /* 23 */
	assert_int_equal(provision_read(plan, text, sizeof text - 1, NULL, &p),
	                 HATCH_ERR_INPUT);
	expect(&p, 0, 4, "[destination waste] api_key: needs a value");
	expect(&p, 1, 9,
	       "[destination two] api_key_file: is set again (first on line 8)");
	expect(&p, 2, 10,
	       "[staff al ex] has no good staff ID, and its settings are not read");
	expect(&p, 3, 13, "[staff sam] pin: a PIN cannot be one digit repeated");
	expect(&p, 4, 14,
	       "[staff sam] pin_file: give the PIN once, as pin or as pin_file, not "
	       "both");
	expect(&p, 5, 15, "[staff sam] pin: is set again (first on line 13)");
	expect(&p, 6, 16, "[staff sam] colour: is not a known setting");
	expect(&p, 7, 17,
	       "[staff sam] is a second heading for the same staff ID (the first is "
	       "on line 12)");
	expect(&p, 8, 19,
	       "[staff robin] pin_file: needs the absolute path of a file holding the "
	       "PIN");
	expect(&p, 9, 23, "[kiosk] api_key: is not a known setting");
	expect(&p, 10, 1, "[destination waste] api_key_file: is missing");
	expect(&p, 11, 0, "[device] id: is missing; a provisioned device needs one");
	expect(&p, 12, 0, "[council] name: is missing");
	expect(&p, 13, 12, "[staff sam]: has no PIN");
	expect(&p, 14, 18, "[staff robin]: has no PIN");
	expect(&p, 15, 20, "[staff kim]: has no PIN");
	expect_count(&p, 16);
	for (size_t i = 0; i < p.n; i++)
		assert_null(strstr(p.v[i].reason, "1111"));
	provision_plan_destroy(plan);

	/* A bad id is not also a missing one. */
	plan = provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	static const char bad_id[] = "[device]\nid = a b\n[council]\nname = X\n";
	assert_int_equal(provision_read(plan, bad_id, sizeof bad_id - 1, NULL, &p),
	                 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 2, "[device] id: \"a b\" is not a device id");
	provision_plan_destroy(plan);
}

/* What the configuration there now says and the text does not is kept. */
static void read_plan_keeps(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e;
	struct config_problems p;
	static struct config keep;
	char key[512], text[1024];
	write_file("old.key", "k\n", 0600, key, sizeof key);
	int n = snprintf(
	    text, sizeof text,
	    "[device]\nid = old-1\n[council]\nname = Old Council\n"
	    "[kiosk]\nidle_timeout = 200\n[storage]\ndatabase = /var/lib/hatch/hatch.db\n"
	    "[destination old]\nadapter = webhook\nurl = https://old.example/\n"
	    "secret_file = %s\n",
	    key);
	assert_int_equal(config_parse(text, (size_t)n, &keep, &p), HATCH_OK);

	static const char given[] =
	    "[kiosk]\nidle_timeout = 100\n[council]\nname = New Council";
	struct provision_plan *plan =
	    provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_int_equal(provision_read(plan, given, sizeof given - 1, &keep, &p),
	                 HATCH_OK);
	assert_string_equal(plan->config.device_id, "old-1");
	assert_string_equal(plan->config.council, "New Council");
	assert_int_equal(plan->config.idle_seconds, 100);
	assert_string_equal(plan->config.database, "/var/lib/hatch/hatch.db");
	assert_int_equal(plan->config.ndestinations, 1);
	assert_string_equal(plan->config.destinations[0].secret_file,
	                    "/etc/hatch/secrets/old.secret");
	assert_int_equal(plan->nfiles, 1);
	assert_string_equal(plan->files[0].from, key);
	assert_true(plan->files[0].kept);
	assert_int_equal(plan->files[0].line, 0);
	assert_int_equal(provision_read_files(plan, &p), HATCH_OK);
	/* A kept file that is gone is said to be the old configuration's. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(provision_read_files(plan, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 0,
	       "in the configuration there now: [destination old] secret_file: ");
	provision_plan_destroy(plan);

	/* Destinations given replace those there; a problem is on the text's
	 * own line. */
	static const char dests[] =
	    "[destination new]\nadapter = webhook\n"
	    "url = https://new.example/\nsecret = s\n[kiosk]\ndpi = 5\n";
	plan = provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_int_equal(provision_read(plan, dests, sizeof dests - 1, &keep, &p),
	                 HATCH_ERR_INPUT);
	expect_count(&p, 1);
	expect(&p, 0, 6, "[kiosk] dpi: is not a setting of [kiosk]");
	provision_plan_destroy(plan);
	static const char dests_ok[] = "[destination new]\nadapter = webhook\n"
	                               "url = https://new.example/\nsecret = s\n";
	plan = provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_int_equal(provision_read(plan, dests_ok, sizeof dests_ok - 1, &keep, &p),
	                 HATCH_OK);
	assert_int_equal(plan->config.ndestinations, 1);
	assert_string_equal(plan->config.destinations[0].name, "new");
	assert_int_equal(plan->config.idle_seconds, 200);
	assert_int_equal(plan->nfiles, 1);
	assert_false(plan->files[0].kept);
	provision_plan_destroy(plan);
}

static void read_files(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e;
	struct config_problems p;
	char secret[512], ca[512], pin[512], text[4096], empty[512], notpem[512];
	write_file("parish.secret", "s3cret\n", 0644, secret, sizeof secret);
	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
	           0644, ca, sizeof ca);
	write_file("sam.pin", "4821\n", 0600, pin, sizeof pin);
	write_file("empty", " \n", 0600, empty, sizeof empty);
	write_file("notpem", "hello\n", 0644, notpem, sizeof notpem);
	snprintf(text, sizeof text,
	         "[device]\nid = k1\n[council]\nname = X\n"
	         "[destination parish]\nadapter = webhook\nurl = https://h.example/\n"
	         "secret_file = %s\nca_bundle = %s\n[staff sam]\npin_file = %s\n",
	         secret, ca, pin);
	struct provision_plan *plan =
	    provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_int_equal(provision_read(plan, text, strlen(text), NULL, &p), HATCH_OK);
	assert_int_equal(provision_read_files(plan, &p), HATCH_OK);
	expect_count(&p, 0);
	assert_int_equal(plan->files[0].len, 7);
	assert_memory_equal(plan->files[0].data, "s3cret\n", 7);
	assert_string_equal(plan->staff[0].pin, "4821");
	provision_plan_destroy(plan);

	write_file("sam.pin", "1234\n", 0600, pin, sizeof pin);
	snprintf(
	    text, sizeof text,
	    "[device]\nid = k1\n[council]\nname = X\n" /* 1-4 */
	    "[destination parish]\nadapter = webhook\nurl = https://h.example/\n" /* 5-7
	                                                                           */
	    "secret_file = %s\n"                                                  /* 8 */
	    "ca_bundle = %s\n"                                                    /* 9 */
	    "client_cert = %s/none.crt\nclient_key = %s\n" /* 10-11 */
	    "[staff sam]\npin_file = %s\n",                /* 12-13 */
	    empty, notpem, support_dir, support_dir, pin);
	plan = provision_plan_create("/etc/hatch/hatch.conf", &rc, &e);
	assert_int_equal(provision_read(plan, text, strlen(text), NULL, &p), HATCH_OK);
	assert_int_equal(provision_read_files(plan, &p), HATCH_ERR_INPUT);
	expect(&p, 0, 8, "[destination parish] secret_file: ");
	expect(&p, 0, 8, "empty is empty or not text");
	expect(&p, 1, 9, "notpem is not a PEM file");
	expect(&p, 2, 10, "none.crt cannot be read: ");
	expect(&p, 3, 11, " cannot be read: ");
	expect(&p, 4, 12, "[staff sam] pin_file: a PIN cannot be digits in order");
	expect_count(&p, 5);
	provision_plan_destroy(plan);
}

/* A device with one destination whose key is given inline. */
static const char small[] = "[device]\nid = central-library-1\n[council]\nname = X\n"
                            "[destination waste]\nadapter = open311\n"
                            "url = https://311.example/v2/\napi_key = inline-key\n";

static void commit(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e = {""};
	struct config_problems p;
	struct config_owner owner;
	char conf[600], dir[512], path[700];
	config_secret_owner(&owner);
	snprintf(dir, sizeof dir, "%s/etc/hatch", support_dir);
	snprintf(conf, sizeof conf, "%s/hatch.conf", dir);
	struct provision_plan *plan = provision_plan_create(conf, &rc, &e);
	assert_int_equal(provision_read(plan, small, sizeof small - 1, NULL, &p),
	                 HATCH_OK);
	struct provision_done done;
	assert_int_equal(provision_commit(plan, &owner, &done, &e), HATCH_OK);
	assert_true(done.key_created);
	snprintf(path, sizeof path, "%s/identity.key", dir);
	assert_string_equal(done.key_path, path);
	assert_int_equal(mode_of(path), 0600);
	assert_int_equal(mode_of(conf), 0640);
	snprintf(path, sizeof path, "%s/secrets", dir);
	assert_int_equal(mode_of(path), 0700);
	snprintf(path, sizeof path, "%s/secrets/waste.api-key", dir);
	assert_int_equal(mode_of(path), 0600);
	assert_string_equal(read_all(path), "inline-key\n");
	char first[8192];
	snprintf(first, sizeof first, "%s", read_all(conf));
	assert_non_null(strstr(first,
	                       "; The configuration of the kiosk central-library-1, "
	                       "written by hatch provision.\n"));
	static struct config c;
	assert_int_equal(config_load(conf, &c, &p, &e), HATCH_OK);
	assert_string_equal(c.device_id, "central-library-1");
	/* The key's public half is what the commit said. */
	struct provision_identity id;
	snprintf(path, sizeof path, "%s/identity.key", dir);
	assert_int_equal(provision_identity_get(path, "central-library-1", "X", &id, &e),
	                 HATCH_OK);
	assert_memory_equal(id.public_key, done.public_key, 32);
	provision_identity_cleanup(&id);

	/* Again: the key kept, the same file. */
	unsigned char pk[32];
	memcpy(pk, done.public_key, 32);
	assert_int_equal(provision_commit(plan, &owner, &done, &e), HATCH_OK);
	assert_false(done.key_created);
	assert_memory_equal(done.public_key, pk, 32);
	assert_string_equal(read_all(conf), first);

	/* An exposed key stops it before anything is written. */
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(plan->config.council, sizeof plan->config.council, "Another Council");
	assert_int_equal(provision_commit(plan, &owner, &done, &e), HATCH_ERR_INPUT);
	assert_non_null(strstr(e.msg, "is readable by other users"));
	assert_string_equal(read_all(conf), first);
	assert_int_equal(chmod(path, 0600), 0);
	/* As does a value no file can hold. */
	snprintf(plan->config.council, sizeof plan->config.council, "A ; B");
	assert_int_equal(provision_commit(plan, &owner, &done, &e), HATCH_ERR_INPUT);
	assert_string_equal(read_all(conf), first);
	/* And a directory that is a file; with no temporary file left. */
	snprintf(plan->config.council, sizeof plan->config.council, "Another Council");
	snprintf(path, sizeof path, "%s/secrets", dir);
	char moved[700];
	snprintf(moved, sizeof moved, "%s/secrets.moved", dir);
	assert_int_equal(rename(path, moved), 0);
	write_file("etc/hatch/secrets", "x", 0600, path, sizeof path);
	assert_int_equal(provision_commit(plan, &owner, &done, &e), HATCH_ERR_IO);
	assert_non_null(strstr(e.msg, "secrets is not a directory"));
	assert_string_equal(read_all(conf), first);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(moved, path), 0);
	provision_plan_destroy(plan);
}

static void commit_out_of_memory(void **state)
{
	(void)state;
	enum hatch_err rc;
	struct hatch_error e = {""};
	struct config_problems p;
	struct config_owner owner;
	char conf[512];
	config_secret_owner(&owner);
	snprintf(conf, sizeof conf, "%s/oom/hatch.conf", support_dir);
	struct provision_plan *plan = provision_plan_create(conf, &rc, &e);
	assert_int_equal(provision_read(plan, small, sizeof small - 1, NULL, &p),
	                 HATCH_OK);
	struct provision_done done;
	long k;
	for (k = 1; k < 200; k++) {
		mem_fail_after(k, 0);
		rc = provision_commit(plan, &owner, &done, &e);
		mem_fail_after(0, 0);
		if (rc == HATCH_OK)
			break;
		assert_int_equal(rc, HATCH_ERR_NOMEM);
		/* Nothing was put in place. */
		assert_null(read_all(conf));
	}
	assert_true(k > 1 && k < 200);
	assert_non_null(read_all(conf));
	provision_plan_destroy(plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(identity_json_and_qr),
	    cmocka_unit_test(identity_out_of_memory),
	    cmocka_unit_test(identity_path),
	    cmocka_unit_test(identity_get),
	    cmocka_unit_test(read_plan),
	    cmocka_unit_test(read_plan_problems),
	    cmocka_unit_test(read_plan_keeps),
	    cmocka_unit_test(read_files),
	    cmocka_unit_test(commit),
	    cmocka_unit_test(commit_out_of_memory),
	};
	return cmocka_run_group_tests_name("provision", tests, support_dir_setup,
	                                   support_dir_teardown);
}
