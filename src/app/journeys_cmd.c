/* hatch journeys validate|list|walk|strings|import-open311: for journey
 * authors. */
#include <string.h>

#include "app/app.h"
#include "app/bundle.h"
#include "base/mem.h"
#include "core/paths.h"
#include "platform/platform.h"

static const char journeys_help[] =
	"Usage: hatch journeys COMMAND [ARGS]\n"
	"\n"
	"Commands for journey authors:\n"
	"  validate FILE...   check journey files; each problem is printed with the\n"
	"                     file, the line and column or the JSON path, and why\n"
	"  list [DIR]         the bundled journeys (or those in DIR)\n"
	"  walk FILE          answer a journey on the terminal and see the record it\n"
	"                     would send; answers are read from standard input\n"
	"  strings [FILE|DIR]...  a gettext template (.pot) of every text of the\n"
	"                     journeys, for translators (make po)\n"
	"  import-open311 URL journey files made from the services of an Open311\n"
	"                     GeoReport v2 endpoint (https)\n"
	"\n"
	"Signed bundles of journeys and catalogs (docs/bundles.md):\n"
	"  keygen KEY         a key pair to sign bundles with\n"
	"  pack DIR --key KEY a bundle of DIR/journeys and DIR/locales, signed\n"
	"  install BUNDLE     check a bundle and install it for the kiosk\n"
	"  update             fetch the bundle at [updates] url and install it\n"
	"\n"
	"See docs/journeys.md for the format.\n";

static const char validate_help[] =
	"Usage: hatch journeys validate FILE...\n"
	"\n"
	"Checks each journey file: JSON syntax, types, unknown keys and kinds,\n"
	"duplicate ids, unknown steps and values, conditions that look ahead, loops,\n"
	"unreachable steps, and routes on every path. Prints every problem and exits\n"
	"1 if there is any, 0 if all are valid.\n";

static const char list_help[] =
	"Usage: hatch journeys list [DIR]\n"
	"\n"
	"Lists the journeys in DIR (default: the bundled ones) with their id,\n"
	"version, group and title.\n";

static const char walk_help[] =
	"Usage: hatch journeys walk [--record-only] [--language TAG] FILE\n"
	"\n"
	"Asks each question of the journey on the terminal and prints the record it\n"
	"would submit (nothing is sent). Answers come from standard input, one per\n"
	"line (a date asks for day, month and year; an address for its lines).\n"
	"Choices take the option's number or value; a multiple choice takes several\n"
	"separated by commas. Commands: :back, :quit, and :change N at check your\n"
	"answers.\n"
	"\n"
	"  --record-only   print only the record, for scripts\n"
	"  --language TAG  the language written in the record (default en)\n";

static int validate(int argc, char **argv)
{
	if (argc < 2)
		return app_usage_error("journeys validate: name at least one file");
	if (app_is_help(argv[1])) {
		fputs(validate_help, stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return app_usage_error("journeys validate: unknown option '%s'", argv[i]);
	struct cdate today = platform_today();
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct journey *j = app_load_journey(argv[i], &today, stderr);
		if (!j) {
			status = 1;
			continue;
		}
		struct journey_paths_result res;
		size_t paths = 0;
		if (journey_paths(j, &today, (size_t)-1 / 2, NULL, NULL, NULL, &res) ==
		    HATCH_OK) {
			paths = res.paths;
			mem_free(res.reached);
		}
		printf("%s: valid: \"%s\" version %ld, %zu steps, %zu paths\n", argv[i],
		       j->id, j->version, j->nsteps, paths);
		journey_destroy(j);
	}
	return status;
}

static int list(int argc, char **argv)
{
	if (argc > 1 && app_is_help(argv[1])) {
		fputs(list_help, stdout);
		return 0;
	}
	if (argc > 2)
		return app_usage_error("journeys list: too many arguments");
	if (argc > 1 && argv[1][0] == '-' && argv[1][1])
		return app_usage_error("journeys list: unknown option '%s'", argv[1]);
	struct cdate today = platform_today();
	struct journey **v;
	size_t n;
	int status = app_load_journeys(argc > 1 ? argv[1] : NULL, &today, stderr, &v, &n);
	printf("%-20s %-7s %-28s %s\n", "ID", "VERSION", "GROUP", "TITLE");
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-7ld %-28s %s\n", v[i]->id, v[i]->version,
		       v[i]->group ? v[i]->group : "-", v[i]->title);
	app_free_journeys(v, n);
	return status;
}

static int walk(int argc, char **argv)
{
	bool record_only = false;
	const char *language = "en", *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(walk_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--record-only")) {
			record_only = true;
		} else if (!strcmp(argv[i], "--language")) {
			if (++i == argc)
				return app_usage_error("journeys walk: --language needs a tag");
			language = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return app_usage_error("journeys walk: unknown option '%s'", argv[i]);
		} else if (file) {
			return app_usage_error("journeys walk: name one file");
		} else {
			file = argv[i];
		}
	}
	if (!file)
		return app_usage_error("journeys walk: name the journey file");
	struct cdate today = platform_today();
	struct journey *j = app_load_journey(file, &today, stderr);
	if (!j)
		return 1;
	int status = app_walk(j, stdin, stdout, record_only, language);
	journey_destroy(j);
	return status;
}

int cmd_journeys(int argc, char **argv)
{
	if (argc < 2)
		return app_usage_error(
		    "journeys: name a command (validate, list, walk, strings, import-open311, "
		    "keygen, pack, install, update)");
	const char *c = argv[1];
	if (app_is_help(c)) {
		fputs(journeys_help, stdout);
		return 0;
	}
	if (!strcmp(c, "validate"))
		return validate(argc - 1, argv + 1);
	if (!strcmp(c, "list"))
		return list(argc - 1, argv + 1);
	if (!strcmp(c, "walk"))
		return walk(argc - 1, argv + 1);
	if (!strcmp(c, "strings"))
		return app_journeys_strings(argc - 1, argv + 1);
	if (!strcmp(c, "import-open311"))
		return app_import_open311(argc - 1, argv + 1);
	if (!strcmp(c, "keygen") || !strcmp(c, "pack") || !strcmp(c, "install") ||
	    !strcmp(c, "update"))
		return app_bundle_cmd(argc - 1, argv + 1);
	return app_usage_error("journeys: unknown command '%s' (try hatch journeys --help)", c);
}
