/* A test-only helper for tests/cli/sync.sh: puts hand-made records into an
 * outbox and runs one delivery drain at a chosen time, so that the tests
 * can step past a Retry-After without waiting. Not installed.
 *   sync_tool enqueue DB RECORD.json      adds the canonical record, due now
 *   sync_tool drain CONFIG DB NOW [NAME=URL]
 *        one sync_drain at NOW (unix seconds); NAME=URL replaces a
 *        destination's URL after the configuration is read (to try URLs the
 *        configuration itself refuses); prints "delivered N retried N dead N" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"
#include "sync/sync.h"

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
	json_t *j = json_object_get(rec, "journey");
	struct store_submission sub = {
	    .uuid = json_string_value(json_object_get(rec, "uuid")),
	    .reference = json_string_value(json_object_get(rec, "reference")),
	    .journey_id = json_string_value(json_object_get(j, "id")),
	    .journey_version = (long)json_integer_value(json_object_get(j, "version")),
	    .destination = json_string_value(json_object_get(rec, "destination")),
	    .language = json_string_value(json_object_get(rec, "language")),
	    .channel = json_string_value(json_object_get(rec, "channel")),
	    .payload = text,
	    .created = platform_now(),
	};
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
	if (argc >= 5 && !strcmp(argv[1], "drain"))
		return drain(argc - 2, argv + 2);
	fputs("usage: sync_tool enqueue DB RECORD.json | drain CONFIG DB NOW "
	      "[NAME=URL...]\n",
	      stderr);
	return 2;
}
