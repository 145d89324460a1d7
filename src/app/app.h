/* The command line: each subcommand's entry point and the pieces they
 * share. Only app/ and main.c print. */
#ifndef HATCH_APP_APP_H
#define HATCH_APP_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "base/err.h"
#include "core/journey.h"

#define HATCH_VERSION "0.1.0"

/* Exit codes: 0 success, 1 failure, 2 usage. */
enum { EXIT_USAGE = 2 };

int cmd_journeys(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_screenshot(int argc, char **argv);
/* hatch doctor [--json] [--bundle FILE] (doctor_cmd.c). */
int cmd_doctor(int argc, char **argv);
/* hatch gazetteer import|search|info (gazetteer_cmd.c). */
int cmd_gazetteer(int argc, char **argv);
/* hatch staff add|list|remove|pin|unlock|check (staff_cmd.c). */
int cmd_staff(int argc, char **argv);
/* hatch stats [send] (stats_cmd.c). */
int cmd_stats(int argc, char **argv);
/* hatch config check [FILE] (config_cmd.c). */
int cmd_config(int argc, char **argv);
/* hatch provision (provision_cmd.c). */
int cmd_provision(int argc, char **argv);
/* hatch fleet [--once] [--print] (fleet_cmd.c). */
int cmd_fleet(int argc, char **argv);
struct gaz;
struct ui_address;
/* The kiosk's address finder (gazetteer_cmd.c): the gazetteer G's
 * addresses whose postcode starts with QUERY, or when BY_TEXT that match
 * its words, at most MAX into OUT, how many into *N. A failure to read the
 * gazetteer is printed (never QUERY); HATCH_ERR_INPUT when QUERY cannot
 * start a postcode. */
enum hatch_err app_find_address(struct gaz *g, const char *query, bool by_text,
				struct ui_address *out, size_t max, size_t *n);
/* hatch journeys strings (strings_cmd.c). */
int app_journeys_strings(int argc, char **argv);

struct config;
/* Reads the configuration file PATH into C (NULL: the built-in settings),
 * printing each problem as "PATH:LINE: reason" and any other failure as
 * "PATH: reason". False when the file cannot be used. */
bool app_config_read(const char *path, struct config *c);
/* The database a command uses: DB (--db), else C's [storage] database,
 * else the default path (into OUT, SIZE bytes). NULL with the reason
 * printed, naming COMMAND, when there is none. */
const char *app_db_path(const char *db, const struct config *c, const char *command, char *out,
			size_t size);

/* Prints "hatch: MESSAGE" to stderr and returns EXIT_USAGE. */
int app_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when ARG is -h or --help. */
bool app_is_help(const char *arg);

/* Reads and loads the journey at PATH. Problems go to ERR, one a line, as
 * "PATH:LINE:COLUMN: reason" or "PATH: json.path: reason". Returns NULL
 * when the journey cannot be used. */
struct journey *app_load_journey(const char *path, const struct cdate *today,
				 FILE *err);

/* Loads every journey under the bundled assets (or DIR). Problems go to
 * ERR. *N journeys in a new array; free with app_free_journeys(). */
int app_load_journeys(const char *dir, const struct cdate *today, FILE *err,
		      struct journey ***out, size_t *n);
void app_free_journeys(struct journey **v, size_t n);

/* hatch journeys import-open311 (import_cmd.c): ARGV[0] is the
 * subcommand's name. Returns an exit code. */
int app_import_open311(int argc, char **argv);

/* Walks the session on a terminal: questions to OUT, answers from IN. When
 * RECORD_ONLY, OUT gets only the submission record. Returns an exit code. */
int app_walk(const struct journey *j, FILE *in, FILE *out, bool record_only,
	     const char *language);

#endif
