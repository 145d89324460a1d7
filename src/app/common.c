/* What the subcommands share: usage errors and loading journeys. */
#include <stdarg.h>
#include <string.h>

#include "app/app.h"
#include "base/mem.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "store/store.h"

int app_usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("hatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

bool app_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

struct journey *app_load_journey(const char *path, const struct cdate *today,
				 FILE *err)
{
	char *data;
	size_t len;
	struct hatch_error e;
	/* Read one byte past the limit so an oversized file is told apart. */
	enum hatch_err rc = platform_read_file(path, JOURNEY_MAX_BYTES, &data, &len, &e);
	if (rc == HATCH_ERR_LIMIT) {
		fprintf(err, "%s: the file is larger than %d bytes, the limit for a journey\n",
			path, JOURNEY_MAX_BYTES);
		return NULL;
	}
	if (rc != HATCH_OK) {
		fprintf(err, "%s: %s\n", path, e.msg);
		return NULL;
	}
	struct journey *j = NULL;
	struct journey_diags d;
	journey_diags_init(&d);
	rc = journey_load(data, len, today, &j, &d);
	mem_free(data);
	for (size_t i = 0; i < d.n; i++) {
		const struct journey_diag *g = &d.v[i];
		if (g->path)
			fprintf(err, "%s: %s: %s\n", path, g->path, g->reason);
		else if (g->line)
			fprintf(err, "%s:%d:%d: %s\n", path, g->line, g->column, g->reason);
		else
			fprintf(err, "%s: %s\n", path, g->reason);
	}
	if (d.dropped)
		fprintf(err, "%s: and %zu more problems\n", path, d.dropped);
	if (rc == HATCH_ERR_NOMEM)
		fprintf(err, "%s: out of memory\n", path);
	journey_diags_cleanup(&d);
	return j;
}

void app_free_journeys(struct journey **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		journey_destroy(v[i]);
	mem_free(v);
}

int app_load_journeys(const char *dir, const struct cdate *today, FILE *err,
		      struct journey ***out, size_t *n)
{
	char assets[4096];
	struct hatch_error e;
	*out = NULL;
	*n = 0;
	if (!dir) {
		if (platform_assets_dir(assets, sizeof assets - 16, &e) != HATCH_OK) {
			fprintf(err, "hatch: %s\n", e.msg);
			return 1;
		}
		size_t l = strlen(assets);
		memcpy(assets + l, "/journeys", sizeof "/journeys");
		dir = assets;
	}
	char **files;
	size_t nfiles;
	if (platform_list_dir(dir, ".json", &files, &nfiles, &e) != HATCH_OK) {
		fprintf(err, "hatch: %s\n", e.msg);
		return 1;
	}
	struct journey **v = mem_calloc(nfiles ? nfiles : 1, sizeof *v);
	if (!v) {
		platform_list_free(files, nfiles);
		fprintf(err, "hatch: out of memory\n");
		return 1;
	}
	int status = 0;
	size_t *from = mem_calloc(nfiles ? nfiles : 1, sizeof *from);
	if (!from) {
		mem_free(v);
		platform_list_free(files, nfiles);
		fprintf(err, "hatch: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < nfiles; i++) {
		struct journey *j = app_load_journey(files[i], today, err);
		if (!j) {
			status = 1;
			continue;
		}
		for (size_t k = 0; k < *n; k++)
			if (!strcmp(v[k]->id, j->id)) {
				fprintf(err, "%s: id: \"%s\" is also the id of %s\n",
					files[i], j->id, files[from[k]]);
				journey_destroy(j);
				j = NULL;
				status = 1;
				break;
			}
		if (j) {
			from[*n] = i;
			v[(*n)++] = j;
		}
	}
	mem_free(from);
	platform_list_free(files, nfiles);
	*out = v;
	return status;
}

bool app_config_read(const char *path, struct config *c)
{
	struct hatch_error e = {""};
	config_defaults(c);
	if (!path)
		return true;
	struct config_problems *p = mem_calloc(1, sizeof *p);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", path);
		return false;
	}
	enum hatch_err rc = config_load(path, c, p, &e);
	for (size_t i = 0; i < p->n; i++)
		fprintf(stderr, "%s:%d: %s\n", path, p->v[i].line, p->v[i].reason);
	if (rc != HATCH_OK && rc != HATCH_ERR_INPUT)
		fprintf(stderr, "%s: %s\n", path, e.msg);
	mem_free(p);
	return rc == HATCH_OK;
}

const char *app_db_path(const char *db, const struct config *c, const char *command, char *out,
			size_t size)
{
	if (db)
		return db;
	if (c->database[0])
		return c->database;
	struct hatch_error e = {""};
	if (store_default_path(out, size, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s: %s\n", command, e.msg);
		return NULL;
	}
	return out;
}
