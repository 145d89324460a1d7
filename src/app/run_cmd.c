/* hatch run: the kiosk. Until a display is attached this is the same
 * service list and journeys on the terminal. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "platform/platform.h"

static const char run_help[] =
	"Usage: hatch run [--journeys DIR]\n"
	"\n"
	"Starts the kiosk with the bundled journeys for the demonstration council\n"
	"(or those in DIR): choose a service, answer its questions, and see the\n"
	"reference number and the record.\n";

int cmd_run(int argc, char **argv)
{
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(run_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--journeys")) {
			if (++i == argc)
				return app_usage_error("run: --journeys needs a directory");
			dir = argv[i];
		} else {
			return app_usage_error("run: unknown option '%s'", argv[i]);
		}
	}
	struct cdate today = platform_today();
	struct journey **v;
	size_t n;
	app_load_journeys(dir, &today, stderr, &v, &n);
	if (n == 0) {
		fprintf(stderr, "hatch: no journeys to offer\n");
		app_free_journeys(v, n);
		return 1;
	}
	int status = 0;
	for (;;) {
		printf("\nWhat do you want to do?\n");
		for (size_t i = 0; i < n; i++)
			printf("  %zu) %s - %s\n", i + 1, v[i]->title, v[i]->description);
		printf("Choose a number (or :quit): ");
		fflush(stdout);
		char line[64];
		if (!fgets(line, sizeof line, stdin) || !strncmp(line, ":quit", 5))
			break;
		char *end;
		long k = strtol(line, &end, 10);
		if (k < 1 || (size_t)k > n || (*end && *end != '\n')) {
			printf("Choose a number from 1 to %zu.\n", n);
			continue;
		}
		status = app_walk(v[k - 1], stdin, stdout, false, "en");
	}
	app_free_journeys(v, n);
	return status;
}
