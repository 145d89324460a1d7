/* hatch config check [FILE]: every problem of a device configuration file
 * as FILE:LINE: reason, with the checks the kiosk makes when it starts (the
 * file's own owner and mode, its secret and certificate files) and the
 * identity key beside it. Prints; platform/config.c does the work. */
#include <string.h>

#include "app/app.h"
#include "app/provision.h"
#include "base/mem.h"
#include "platform/config.h"

/* Where the device's configuration is when no FILE is given. */
#define CONFIG_CMD_DEFAULT "/etc/hatch/hatch.conf"

static const char config_help[] =
    "Usage: hatch config check [FILE]\n"
    "\n"
    "Checks a device configuration file (default " CONFIG_CMD_DEFAULT ") as the\n"
    "kiosk does when it starts, and more: every unknown section or setting,\n"
    "every bad value, every insecure setting (an http link, a secret file that\n"
    "others may read or change or that is not the kiosk user's, a certificate\n"
    "others may change, a configuration file others may change) and a bad\n"
    "identity key beside the file. Each problem is printed as FILE:LINE:\n"
    "reason (FILE: reason when it is about the whole file), then how many.\n"
    "Exit status 0 when the file is good (it prints FILE: ok), 1 when it has a\n"
    "problem or cannot be read, 2 for a mistake on the command line.\n"
    "\n"
    "Run as root, it checks on behalf of the kiosk's service: secret files must\n"
    "then belong to the user $HATCH_SERVICE_USER (default hatch) when there is\n"
    "such a user. See docs/configuration.md.\n";

static int check(int argc, char **argv)
{
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(config_help, stdout);
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1])
			return app_usage_error("config check: unknown option '%s'",
			                       argv[i]);
		if (file)
			return app_usage_error("config check: name one file");
		file = argv[i];
	}
	if (!file)
		file = CONFIG_CMD_DEFAULT;
	struct config *c = mem_alloc(sizeof *c);
	struct config_problems *p = mem_alloc(sizeof *p);
	if (!c || !p) {
		mem_free(c);
		mem_free(p);
		fputs("hatch: config check: out of memory\n", stderr);
		return 1;
	}
	struct hatch_error e = {""};
	enum hatch_err rc = config_load(file, c, p, &e);
	int status = 0;
	if (rc != HATCH_OK && rc != HATCH_ERR_INPUT) {
		fprintf(stderr, "%s: %s\n", file, e.msg);
		status = 1;
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].line)
			fprintf(stderr, "%s:%d: %s\n", file, p->v[i].line,
			        p->v[i].reason);
		else
			fprintf(stderr, "%s: %s\n", file, p->v[i].reason);
	}
	size_t problems = p->n + p->dropped;
	if (p->dropped)
		fprintf(stderr, "%s: and %zu more problems not shown\n", file,
		        p->dropped);
	/* The identity key beside a provisioned device's file: private and
	 * a key, or the technician screen and enrolment cannot use it. */
	char key[4096];
	struct provision_identity id;
	if (provision_identity_path(file, key, sizeof key, &e) == HATCH_OK) {
		rc = provision_identity_get(key, c->device_id, c->council, &id, &e);
		if (rc == HATCH_OK) {
			provision_identity_cleanup(&id);
		} else if (rc != HATCH_ERR_NOTFOUND) {
			fprintf(stderr, "%s: %s\n", file, e.msg);
			problems++;
		}
	}
	if (problems) {
		fprintf(stderr, "%s: %zu problem%s\n", file, problems,
		        problems == 1 ? "" : "s");
		status = 1;
	} else {
		printf("%s: ok\n", file);
	}
out:
	mem_free(c);
	mem_free(p);
	return status;
}

int cmd_config(int argc, char **argv)
{
	if (argc < 2)
		return app_usage_error("config: name a command (check)");
	const char *c = argv[1];
	if (app_is_help(c)) {
		fputs(config_help, stdout);
		return 0;
	}
	if (!strcmp(c, "check"))
		return check(argc - 1, argv + 1);
	return app_usage_error("config: unknown command '%s' (try hatch config --help)",
	                       c);
}
