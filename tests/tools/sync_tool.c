/* A test-only helper for tests/cli/sync.sh: puts hand-made records into an
 * outbox and runs one delivery drain at a chosen time, so that the tests
 * can step past a Retry-After without waiting. Not installed.
 *   sync_tool enqueue DB RECORD.json      adds the canonical record, due now
 *   sync_tool enqueue-many DB N PREFIX TEMPLATE.json...
 *        adds N records one by one, each in its own store_outbox_add, the
 *        way the kiosk does (store_next_reference, then the record): record
 *        I is TEMPLATE I mod the number of templates with its uuid made of
 *        PREFIX (8 hex digits) and I, and a reference of the device's.
 *        For tests/cli/kill.sh, which kills it at random moments, and
 *        tests/cli/diskfull.sh, which fills the disk under it. Prints, each
 *        line flushed at once:
 *          "begin UUID REFERENCE DESTINATION SHA256" before a record is
 *              added (SHA256: of its payload, as the back end will see it);
 *          "committed UUID" once store_outbox_add has returned HATCH_OK;
 *          "failed UUID CODE" when it has not (CODE: err_name's words,
 *              the store's message on standard error), and stops, status 1.
 *   sync_tool drain CONFIG DB NOW [NAME=URL]
 *        one sync_drain at NOW (unix seconds); NAME=URL replaces a
 *        destination's URL after the configuration is read (to try URLs the
 *        configuration itself refuses); prints "delivered N retried N dead N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/mem.h"
#include "core/reference.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/sync.h"
#include "support.h"

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "sync_tool: %s: %s\n", what, why);
	return 1;
}

static int enqueue(const char *db, const char *file)
{
	struct hatch_error e = {""};
	char *text = NULL;
	size_t len = 0;
	if (platform_read_file(file, 1 << 20, &text, &len, &e) != HATCH_OK)
		return fail(file, e.msg);
	json_t *rec = json_loadb(text, len, 0, NULL);
	if (!rec)
		return fail(file, "not JSON");
	struct store_submission sub;
	support_submission(rec, text, &sub);
	struct store *s;
	int status = 0;
	if (store_open(db, &s, &e) != HATCH_OK)
		status = fail(db, e.msg);
	else if (store_outbox_add(s, &sub, &e) != HATCH_OK)
		status = fail("enqueue", e.msg);
	store_close(s);
	json_decref(rec);
	mem_free(text);
	return status;
}

static bool hex8(const char *s)
{
	if (strlen(s) != 8)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int enqueue_many(const char *db, const char *count, const char *prefix, int nt,
			char **files)
{
	struct hatch_error e = {""};
	char *end = NULL;
	long n = strtol(count, &end, 10);
	if (!*count || *end || n < 0 || n > 99999999)
		return fail(count, "not a count");
	if (!hex8(prefix))
		return fail(prefix, "not 8 lower-case hex digits");
	if (sodium_init() < 0)
		return fail("enqueue-many", "libsodium does not start");
	json_t **tpl = mem_calloc((size_t)nt, sizeof *tpl);
	if (!tpl)
		return fail("enqueue-many", "out of memory");
	int status = 0;
	for (int k = 0; k < nt && !status; k++) {
		char *text = NULL;
		size_t len = 0;
		if (platform_read_file(files[k], 1 << 20, &text, &len, &e) != HATCH_OK) {
			status = fail(files[k], e.msg);
			break;
		}
		tpl[k] = json_loadb(text, len, 0, NULL);
		mem_free(text);
		if (!json_is_object(tpl[k]))
			status = fail(files[k], "not a JSON object");
	}
	struct store *s = NULL;
	if (!status && store_open(db, &s, &e) != HATCH_OK)
		status = fail(db, e.msg);
	for (long i = 0; i < n && !status; i++) {
		json_t *rec = tpl[i % nt];
		char uuid[UUID_SIZE], ref[REFERENCE_SIZE];
		snprintf(uuid, sizeof uuid, "%s-0000-4000-8000-%012ld", prefix, i);
		uint64_t seq = 0, key = 0;
		enum hatch_err rrc = store_next_reference(s, &seq, &key, &e);
		if (rrc != HATCH_OK) {
			printf("failed %s %s\n", uuid, err_name(rrc));
			fflush(stdout);
			status = fail("enqueue-many: reference", e.msg);
			break;
		}
		reference_make(seq, key, ref);
		if (json_object_set_new(rec, "uuid", json_string(uuid)) ||
		    json_object_set_new(rec, "reference", json_string(ref))) {
			status = fail("enqueue-many", "out of memory");
			break;
		}
		/* The canonical form: keys sorted, no spaces, UTF-8 as it is. */
		char *payload = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
		if (!payload) {
			status = fail("enqueue-many", "out of memory");
			break;
		}
		unsigned char h[crypto_hash_sha256_BYTES];
		crypto_hash_sha256(h, (const unsigned char *)payload, strlen(payload));
		char hex[2 * sizeof h + 1];
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		struct store_submission sub;
		support_submission(rec, payload, &sub);
		printf("begin %s %s %s %s\n", uuid, ref, sub.destination ? sub.destination : "-",
		       hex);
		fflush(stdout);
		enum hatch_err rc = store_outbox_add(s, &sub, &e);
		json_free_t jfree = free;
		json_get_alloc_funcs(NULL, &jfree);
		jfree(payload);
		if (rc != HATCH_OK) {
			printf("failed %s %s\n", uuid, err_name(rc));
			fflush(stdout);
			status = fail("enqueue-many", e.msg);
			break;
		}
		printf("committed %s\n", uuid);
		fflush(stdout);
	}
	store_close(s);
	for (int k = 0; k < nt; k++)
		json_decref(tpl[k]);
	mem_free(tpl);
	return status;
}

static int drain(int argc, char **argv)
{
	struct hatch_error e = {""};
	struct config *cfg = mem_calloc(1, sizeof *cfg);
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!cfg || !p)
		return fail("drain", "out of memory");
	int status = 1;
	struct store *s = NULL;
	struct sync *w = NULL;
	if (config_load(argv[0], cfg, p, &e) != HATCH_OK) {
		for (size_t i = 0; i < p->n; i++)
			fprintf(stderr, "%s:%d: %s\n", argv[0], p->v[i].line,
			        p->v[i].reason);
		fail(argv[0], e.msg);
		goto out;
	}
	for (int i = 3; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		for (size_t k = 0; eq && k < cfg->ndestinations; k++) {
			struct config_destination *d = &cfg->destinations[k];
			if (strlen(d->name) == (size_t)(eq - argv[i]) &&
			    !strncmp(d->name, argv[i], (size_t)(eq - argv[i])))
				snprintf(d->url, sizeof d->url, "%s", eq + 1);
		}
	}
	long long now = strtoll(argv[2], NULL, 10);
	struct sync_stats st;
	if (store_open(argv[1], &s, &e) != HATCH_OK ||
	    sync_create(cfg, s, &w, &e) != HATCH_OK ||
	    sync_drain(w, now, &st, &e) != HATCH_OK) {
		fail("drain", e.msg);
		goto out;
	}
	printf("delivered %zu retried %zu dead %zu\n", st.delivered, st.retried, st.dead);
	status = 0;
out:
	sync_destroy(w);
	store_close(s);
	mem_free(cfg);
	mem_free(p);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "enqueue"))
		return enqueue(argv[2], argv[3]);
	if (argc >= 6 && !strcmp(argv[1], "enqueue-many"))
		return enqueue_many(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	if (argc >= 5 && !strcmp(argv[1], "drain"))
		return drain(argc - 2, argv + 2);
	fputs("usage: sync_tool enqueue DB RECORD.json | enqueue-many DB N PREFIX "
	      "TEMPLATE.json... | drain CONFIG DB NOW [NAME=URL...]\n",
	      stderr);
	return 2;
}
