/* hatch stats: the kiosk's anonymous usage figures as open data. Rolls up
 * what the kiosk has recorded (as the kiosk does each day), then writes
 * the figures of a range of days as CSV or JSON, small counts suppressed
 * (docs/open-data.md); or puts the days' figures into the outbox for a
 * destination. Never shows anything a citizen typed: events hold none.
 * Prints; store/events does the work. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "base/mem.h"
#include "platform/platform.h"
#include "store/events.h"
#include "store/store.h"

static const char stats_help[] =
    "Usage: hatch stats [--from DATE] [--to DATE] [--format csv|json]\n"
    "                   [--threshold N] [--retention DAYS] [--output FILE] [--db PATH]\n"
    "       hatch stats send DESTINATION [--day DATE] [--threshold N] [--db PATH]\n"
    "\n"
    "Writes the kiosk's anonymous usage figures, per journey and day, as open data:\n"
    "journeys started, completed and abandoned, the completion rate, the median\n"
    "time, where journeys were abandoned, validation errors by field, languages,\n"
    "accessibility preferences, the share of assisted sessions and the\n"
    "satisfaction answers. No answers or other personal data are recorded at all.\n"
    "Counts from 1 to N - 1 are suppressed (left empty in CSV, null in JSON), and\n"
    "so is every figure worked out from them. docs/open-data.md says what each\n"
    "figure means; the figures may be published under the Open Government Licence.\n"
    "\n"
    "The events recorded up to yesterday are rolled up into daily figures first, and\n"
    "raw events older than the retention period are deleted (the figures are kept).\n"
    "\n"
    "send puts each day's figures (JSON) into the outbox for DESTINATION, a\n"
    "webhook named in the device's configuration, to be delivered like a\n"
    "submission: with --day, that day's; without, every day before today not yet\n"
    "sent there.\n"
    "\n"
    "  --from DATE       the first day, YYYY-MM-DD (default: 29 days before --to)\n"
    "  --to DATE         the last day, YYYY-MM-DD (default: yesterday)\n"
    "  --format FORMAT   csv (the default) or json\n"
    "  --threshold N     the smallest count published, 1 to 1000 (default: 5)\n"
    "  --retention DAYS  how long raw events are kept, 1 to 3650 (default: 30)\n"
    "  --output FILE     write to FILE (whole or not at all) instead of the\n"
    "                    standard output\n"
    "  --day DATE        send: that day's figures only\n"
    "  --db PATH         the database (default: $HATCH_DB, else\n"
    "                    $XDG_DATA_HOME/hatch/hatch.db, else\n"
    "                    ~/.local/share/hatch/hatch.db)\n";

/* Reads a whole number from LO to HI in TEXT into *OUT. */
static bool number(const char *text, long lo, long hi, long *out)
{
	if (!text || !*text)
		return false;
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Opens the database at the path given or the default one, which must
 * exist: stats never makes one. Prints why not and returns NULL. */
static struct store *open_existing(const char *db, char *path, size_t size)
{
	struct hatch_error e = {""};
	if (db) {
		snprintf(path, size, "%s", db);
	} else if (store_default_path(path, size, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: stats: %s\n", e.msg);
		return NULL;
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "hatch: stats: no database at %s (%s)\n", path,
		        strerror(errno));
		return NULL;
	}
	struct store *s;
	if (store_open(path, &s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: stats: %s\n", e.msg);
		return NULL;
	}
	return s;
}

/* Counts what was recorded up to yesterday and purges old raw events. */
static bool roll_up(struct store *s, long long now, unsigned retention)
{
	struct hatch_error e = {""};
	struct events *ev;
	if (events_create(s, 1, NULL, NULL, &ev, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: stats: %s\n", e.msg);
		return false;
	}
	enum hatch_err rc = events_rollup(ev, now, retention, NULL, &e);
	events_destroy(ev);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: stats: %s\n", e.msg);
		return false;
	}
	return true;
}

static int send_cmd(int argc, char **argv)
{
	const char *dest = NULL, *db = NULL;
	int day = 0;
	long threshold = EVENTS_THRESHOLD;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (app_is_help(a)) {
			fputs(stats_help, stdout);
			return 0;
		} else if (!strcmp(a, "--day") && more) {
			if (!events_day_parse(argv[++i], &day))
				return app_usage_error(
				    "stats send: --day '%s' is not a date "
				    "(YYYY-MM-DD)",
				    argv[i]);
		} else if (!strcmp(a, "--threshold") && more) {
			if (!number(argv[++i], 1, 1000, &threshold))
				return app_usage_error(
				    "stats send: --threshold '%s' is not a "
				    "number from 1 to 1000",
				    argv[i]);
		} else if (!strcmp(a, "--db") && more) {
			db = argv[++i];
		} else if (a[0] == '-') {
			return app_usage_error(
			    "stats send: unknown option or missing value "
			    "'%s' (try hatch stats --help)",
			    a);
		} else if (!dest) {
			dest = a;
		} else {
			return app_usage_error(
			    "stats send: one destination only (try hatch "
			    "stats --help)");
		}
	}
	if (!dest)
		return app_usage_error(
		    "stats send: name the destination (try hatch stats "
		    "--help)");
	char path[4096];
	struct store *s = open_existing(db, path, sizeof path);
	if (!s)
		return 1;
	long long now = platform_now();
	struct hatch_error e = {""};
	int status = 0;
	size_t n = 0;
	if (!roll_up(s, now, EVENTS_RETENTION_DAYS)) {
		status = 1;
	} else if (day) {
		if (events_outbox_add(s, day, dest, (unsigned)threshold, now, &e) !=
		    HATCH_OK) {
			fprintf(stderr, "hatch: stats send: %s\n", e.msg);
			status = 1;
		} else {
			n = 1;
		}
	} else if (events_outbox_catch_up(s, dest, (unsigned)threshold, now, &n, &e) !=
	           HATCH_OK) {
		fprintf(stderr,
		        "hatch: stats send: %s (%zu days were put in the outbox first)\n",
		        e.msg, n);
		status = 1;
	}
	if (!status)
		printf("%zu day%s of figures put in the outbox for %s.\n", n,
		       n == 1 ? "" : "s", dest);
	store_close(s);
	return status;
}

/* Writes the export to OUTPUT through a temporary file beside it, renamed
 * into place only when whole. */
static int export_to_file(struct store *s, const char *output, int from, int to,
                          unsigned threshold, enum events_format format)
{
	size_t size = strlen(output) + sizeof ".XXXXXX";
	char *tmp = mem_alloc(size);
	if (!tmp) {
		fprintf(stderr, "hatch: stats: %s: out of memory\n", output);
		return 1;
	}
	snprintf(tmp, size, "%s.XXXXXX", output);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "hatch: stats: %s: cannot write it: %s\n", output,
		        strerror(errno));
		mem_free(tmp);
		return 1;
	}
	/* Open data: readable by others, as any published file. */
	(void)fchmod(fd, 0644);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "hatch: stats: %s: cannot write it: %s\n", output,
		        strerror(errno));
		close(fd);
		unlink(tmp);
		mem_free(tmp);
		return 1;
	}
	struct hatch_error e = {""};
	enum hatch_err rc = events_export(s, from, to, threshold, format, f, &e);
	int status = 0;
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: stats: %s: %s\n", output, e.msg);
		status = 1;
	}
	if (fsync(fileno(f)) != 0 && !status) {
		fprintf(stderr, "hatch: stats: %s: cannot write it: %s\n", output,
		        strerror(errno));
		status = 1;
	}
	if (fclose(f) != 0 && !status) {
		fprintf(stderr, "hatch: stats: %s: cannot write it: %s\n", output,
		        strerror(errno));
		status = 1;
	}
	if (!status && rename(tmp, output) != 0) {
		fprintf(stderr, "hatch: stats: %s: cannot write it: %s\n", output,
		        strerror(errno));
		status = 1;
	}
	if (status)
		unlink(tmp);
	mem_free(tmp);
	return status;
}

int cmd_stats(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return send_cmd(argc - 1, argv + 1);
	const char *db = NULL, *output = NULL;
	int from = 0, to = 0;
	long threshold = EVENTS_THRESHOLD, retention = EVENTS_RETENTION_DAYS;
	enum events_format format = EVENTS_CSV;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (app_is_help(a)) {
			fputs(stats_help, stdout);
			return 0;
		} else if (!strcmp(a, "--from") && more) {
			if (!events_day_parse(argv[++i], &from))
				return app_usage_error("stats: --from '%s' is not a date "
				                       "(YYYY-MM-DD)",
				                       argv[i]);
		} else if (!strcmp(a, "--to") && more) {
			if (!events_day_parse(argv[++i], &to))
				return app_usage_error(
				    "stats: --to '%s' is not a date (YYYY-MM-DD)",
				    argv[i]);
		} else if (!strcmp(a, "--format") && more) {
			const char *f = argv[++i];
			if (!strcmp(f, "csv"))
				format = EVENTS_CSV;
			else if (!strcmp(f, "json"))
				format = EVENTS_JSON;
			else
				return app_usage_error(
				    "stats: --format '%s' is not csv or json", f);
		} else if (!strcmp(a, "--threshold") && more) {
			if (!number(argv[++i], 1, 1000, &threshold))
				return app_usage_error(
				    "stats: --threshold '%s' is not a number "
				    "from 1 to 1000",
				    argv[i]);
		} else if (!strcmp(a, "--retention") && more) {
			if (!number(argv[++i], 1, 3650, &retention))
				return app_usage_error(
				    "stats: --retention '%s' is not a number "
				    "of days from 1 to 3650",
				    argv[i]);
		} else if (!strcmp(a, "--output") && more) {
			output = argv[++i];
		} else if (!strcmp(a, "--db") && more) {
			db = argv[++i];
		} else if (a[0] == '-') {
			return app_usage_error(
			    "stats: unknown option or missing value '%s' (try "
			    "hatch stats --help)",
			    a);
		} else {
			return app_usage_error(
			    "stats: unexpected argument '%s' (try hatch stats "
			    "--help)",
			    a);
		}
	}
	long long now = platform_now();
	if (!to)
		to = events_day_add(events_day_of(now), -1);
	if (!from)
		from = events_day_add(to, -29);
	if (from > to)
		return app_usage_error("stats: --from is after --to");
	char path[4096];
	struct store *s = open_existing(db, path, sizeof path);
	if (!s)
		return 1;
	int status = 0;
	if (!roll_up(s, now, (unsigned)retention)) {
		status = 1;
	} else if (output) {
		status = export_to_file(s, output, from, to, (unsigned)threshold, format);
	} else {
		struct hatch_error e = {""};
		if (events_export(s, from, to, (unsigned)threshold, format, stdout, &e) !=
		    HATCH_OK) {
			fprintf(stderr, "hatch: stats: %s\n", e.msg);
			status = 1;
		}
	}
	store_close(s);
	return status;
}
