/* hatch journeys strings: every text of the journeys a person reads, as a
 * gettext PO template, merged with the program's own (xgettext's
 * extraction of the N_() marks), so that translators get one file and one
 * workflow for both (make po). */
#include <string.h>
#include <sys/stat.h>

#include "app/app.h"
#include "base/mem.h"
#include "i18n/i18n.h"
#include "platform/platform.h"

static const char strings_help[] =
	"Usage: hatch journeys strings [--merge PROGRAM.pot] [-o FILE.pot] [FILE|DIR]...\n"
	"\n"
	"Writes a gettext PO template (.pot) of every translatable text of the\n"
	"journeys (titles, questions, hints, options, paragraphs, error messages),\n"
	"each once, with the files and JSON paths it comes from. With --merge, the\n"
	"program's own template (from xgettext) is merged in, so one file holds\n"
	"everything to translate. Journeys come from the FILEs and DIRs given, or\n"
	"the bundled ones. Writes to standard output without -o. make po runs this\n"
	"and msgmerge to update locales/*.po.\n"
	"\n"
	"  --merge FILE   a template to merge in (the program's strings)\n"
	"  -o FILE        where to write the template\n";

struct add_ctx {
	struct i18n_pot *pot;
	const char *file;
	const char *journey;
	enum hatch_err rc;
	struct hatch_error e;
};

static void add_one(void *u, const char *path, const char *text)
{
	struct add_ctx *a = u;
	if (a->rc != HATCH_OK)
		return;
	char comment[256];
	snprintf(comment, sizeof comment, "%s: %s", a->journey, path);
	a->rc = i18n_pot_add(a->pot, text, a->file, comment, &a->e);
}

/* Adds the journey at FILE; 1 when it is not a valid journey. */
static int add_file(struct i18n_pot *pot, const char *file, const struct cdate *today)
{
	struct journey *j = app_load_journey(file, today, stderr);
	if (!j)
		return 1;
	struct add_ctx a = {pot, file, j->id, HATCH_OK, {""}};
	journey_each_string(j, add_one, &a);
	journey_destroy(j);
	if (a.rc != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", a.e.msg);
		return 1;
	}
	return 0;
}

static int add_path(struct i18n_pot *pot, const char *path, const struct cdate *today)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "hatch: %s: does not exist\n", path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return add_file(pot, path, today);
	struct hatch_error e;
	char **files;
	size_t n;
	if (platform_list_dir(path, ".json", &files, &n, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		return 1;
	}
	int status = 0;
	for (size_t i = 0; i < n; i++)
		status |= add_file(pot, files[i], today);
	platform_list_free(files, n);
	return status;
}

static void print_problems(const struct i18n_problems *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].line)
			fprintf(stderr, "%s:%zu: %s\n", p->v[i].file, p->v[i].line, p->v[i].reason);
		else
			fprintf(stderr, "%s: %s\n", p->v[i].file, p->v[i].reason);
	}
}

int app_journeys_strings(int argc, char **argv)
{
	const char *merge = NULL, *out = "-";
	const char **inputs = mem_calloc((size_t)argc + 1, sizeof *inputs);
	size_t ninputs = 0;
	if (!inputs) {
		fprintf(stderr, "hatch: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(strings_help, stdout);
			mem_free(inputs);
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--merge") || !strcmp(argv[i], "-o")) {
			if (i + 1 == argc) {
				mem_free(inputs);
				return app_usage_error("journeys strings: %s needs a file", argv[i]);
			}
			if (argv[i][1] == 'o')
				out = argv[++i];
			else
				merge = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			mem_free(inputs);
			return app_usage_error("journeys strings: unknown option '%s'", argv[i]);
		} else {
			inputs[ninputs++] = argv[i];
		}
	}
	char bundled[4096];
	struct hatch_error e;
	if (ninputs == 0) {
		if (platform_assets_dir(bundled, sizeof bundled - 16, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: %s\n", e.msg);
			mem_free(inputs);
			return 1;
		}
		size_t l = strlen(bundled);
		memcpy(bundled + l, "/journeys", sizeof "/journeys");
		inputs[ninputs++] = bundled;
	}
	struct i18n_pot *pot = i18n_pot_new();
	if (!pot) {
		fprintf(stderr, "hatch: out of memory\n");
		mem_free(inputs);
		return 1;
	}
	int status = 0;
	struct i18n_problems pr = {0};
	if (merge && i18n_pot_merge(pot, merge, &pr, &e) != HATCH_OK) {
		print_problems(&pr);
		fprintf(stderr, "hatch: %s\n", e.msg);
		status = 1;
	}
	struct cdate today = platform_today();
	for (size_t i = 0; i < ninputs && !status; i++)
		status |= add_path(pot, inputs[i], &today);
	if (!status && i18n_pot_write(pot, out, &pr, &e) != HATCH_OK) {
		print_problems(&pr);
		fprintf(stderr, "hatch: %s\n", e.msg);
		status = 1;
	}
	if (!status && strcmp(out, "-"))
		fprintf(stderr, "%s: %zu messages\n", out, i18n_pot_size(pot));
	i18n_pot_free(pot);
	mem_free(inputs);
	return status;
}
