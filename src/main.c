/* hatch: one binary, several faces. Parses the subcommand and hands over. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/queue.h"
#include "app/sync_cmd.h"

static const char usage[] =
	"Usage: hatch [--version] [--help] COMMAND [ARGS]\n"
	"\n"
	"A kiosk for council services.\n"
	"\n"
	"Commands:\n"
	"  run        start the kiosk\n"
	"  journeys   validate, list, walk, translate and import journey files\n"
	"  queue      what is waiting in the outbox (never personal data)\n"
	"  sync       deliver the outbox to the council's back ends\n"
	"  stats      anonymous usage figures as open data (CSV or JSON)\n"
	"  gazetteer  import and search the council's addresses\n"
	"  staff      add, list and remove staff accounts and their PINs\n"
	"  doctor     check the kiosk for a technician; --bundle for support\n"
	"  fleet      the figures the kiosk reports to the council's monitoring\n"
	"  config     check a device configuration file\n"
	"  provision  set up a device: its id, council, destinations and staff\n"
	"  screenshot render any screen of the kiosk to PNG\n"
	"\n"
	"Run 'hatch COMMAND --help' for a command's options.\n";

int main(int argc, char **argv)
{
	if (argc < 2)
		return app_usage_error("name a command (try hatch --help)");
	const char *c = argv[1];
	if (app_is_help(c)) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
		printf("hatch %s\n", HATCH_VERSION);
		return 0;
	}
	if (!strcmp(c, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(c, "journeys"))
		return cmd_journeys(argc - 1, argv + 1);
	if (!strcmp(c, "queue"))
		return cmd_queue(argc - 1, argv + 1);
	if (!strcmp(c, "sync"))
		return cmd_sync(argc - 1, argv + 1);
	if (!strcmp(c, "stats"))
		return cmd_stats(argc - 1, argv + 1);
	if (!strcmp(c, "gazetteer"))
		return cmd_gazetteer(argc - 1, argv + 1);
	if (!strcmp(c, "staff"))
		return cmd_staff(argc - 1, argv + 1);
	if (!strcmp(c, "doctor"))
		return cmd_doctor(argc - 1, argv + 1);
	if (!strcmp(c, "config"))
		return cmd_config(argc - 1, argv + 1);
	if (!strcmp(c, "provision"))
		return cmd_provision(argc - 1, argv + 1);
	if (!strcmp(c, "fleet"))
		return cmd_fleet(argc - 1, argv + 1);
	if (!strcmp(c, "screenshot"))
		return cmd_screenshot(argc - 1, argv + 1);
	if (c[0] == '-')
		return app_usage_error("unknown option '%s' (try hatch --help)", c);
	return app_usage_error("unknown command '%s' (try hatch --help)", c);
}
