/* hatch queue: how delivery stands, for staff and technicians: per
 * destination the records in each state, the age of the oldest waiting and
 * the last error; then the records not delivered (dead ones with their
 * reason), or with --all every record. hatch queue retry puts a dead
 * record, or every dead record, back in the queue. Never shows a payload or
 * anything else a citizen typed: reasons keep only back ends' error codes.
 * Prints; the store does the reading. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/app.h"
#include "app/queue.h"
#include "base/mem.h"
#include "core/reference.h"
#include "platform/platform.h"
#include "store/store.h"

static const char queue_help[] =
	"Usage: hatch queue [--db PATH] [--all]\n"
	"       hatch queue retry (REFERENCE | --dead) [--db PATH]\n"
	"\n"
	"Shows how delivery stands for each destination: how many submissions are\n"
	"queued, sending, delivered and dead, how long the oldest has waited, and the\n"
	"last error. Then the submissions not yet delivered, dead ones first with\n"
	"their reason (at most 50; --all lists every submission, newest first).\n"
	"No answers or other personal data are shown.\n"
	"\n"
	"retry puts a dead submission (by its reference, as the citizen was given\n"
	"it), or with --dead every dead one, back in the queue, due now; a queued\n"
	"one is made due now. A running kiosk sends it within 30 seconds; or run\n"
	"hatch sync --once.\n"
	"\n"
	"  --all       list every submission, delivered ones too\n"
	"  --db PATH   the database (default: $HATCH_DB, else\n"
	"              $XDG_DATA_HOME/hatch/hatch.db, else\n"
	"              ~/.local/share/hatch/hatch.db)\n";

/* How many waiting records the table shows without --all. */
#define QUEUE_SHOWN 50

/* Column texts are identifiers from journeys and the configuration, and
 * reasons from back ends; a control character in one must not reach the
 * terminal as such. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int width(int w, const char *s)
{
	int l = (int)strlen(s);
	return l > w ? l : w;
}

static void utc(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", t);
}

/* "2 d 3 h", "3 h 5 min", "4 min", "30 s". */
static void age(long long secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		snprintf(out, size, "%lld d %lld h", secs / 86400, secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(out, size, "%lld h %lld min", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(out, size, "%lld min", secs / 60);
	else
		snprintf(out, size, "%lld s", secs);
}

/* Opens DB for reading what is there: a missing file is not created (a
 * mistyped path or another user's home would otherwise show an empty new
 * database as if it were the one). 1 when there is none, -1 on error. */
static int open_existing(const char *db, struct store **s)
{
	struct hatch_error e;
	struct stat st;
	*s = NULL;
	if (stat(db, &st) != 0)
		return 1;
	if (store_open(db, s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static void print_destinations(const struct store_destination_stats *v, size_t n,
			       long long now)
{
	int wd = (int)strlen("DESTINATION");
	for (size_t i = 0; i < n; i++)
		wd = width(wd, v[i].destination);
	printf("%-*s  %6s  %7s  %9s  %4s  %-14s  %s\n", wd, "DESTINATION", "QUEUED", "SENDING",
	       "DELIVERED", "DEAD", "OLDEST WAITING", "LAST ERROR");
	for (size_t i = 0; i < n; i++) {
		const struct store_destination_stats *d = &v[i];
		char oldest[32] = "-";
		if (d->oldest_waiting)
			age(now - d->oldest_waiting, oldest, sizeof oldest);
		printf("%-*s  %6zu  %7zu  %9zu  %4zu  %-14s  %s\n", wd, d->destination,
		       d->counts[STORE_QUEUED], d->counts[STORE_SENDING],
		       d->counts[STORE_DELIVERED], d->counts[STORE_DEAD], oldest,
		       d->last_error[0] ? d->last_error : "-");
	}
}

/* The records of ROWS as a table; WHY adds each one's reason and next
 * attempt (for the records that are waiting). */
static void print_rows(struct store_outbox_row *rows, size_t n, bool why, long long now)
{
	int wr = (int)strlen("REFERENCE"), wj = (int)strlen("JOURNEY"),
	    wd = (int)strlen("DESTINATION"), ws = (int)strlen("STATE");
	char journey[96];
	for (size_t i = 0; i < n; i++) {
		struct store_outbox_row *r = &rows[i];
		printable(r->reference);
		printable(r->journey_id);
		printable(r->destination);
		printable(r->state);
		printable(r->last_error);
		snprintf(journey, sizeof journey, "%s v%ld", r->journey_id, r->journey_version);
		wr = width(wr, r->reference);
		wj = width(wj, journey);
		wd = width(wd, r->destination);
		ws = width(ws, r->state);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %8s  %-20s%s\n", wr, "REFERENCE", wj, "JOURNEY", wd,
	       "DESTINATION", ws, "STATE", "ATTEMPTS", "CREATED", why ? "  NEXT ATTEMPT / REASON" : "");
	for (size_t i = 0; i < n; i++) {
		const struct store_outbox_row *r = &rows[i];
		char created[32], next[48] = "";
		utc(r->created, created, sizeof created);
		snprintf(journey, sizeof journey, "%s v%ld", r->journey_id, r->journey_version);
		if (why && !strcmp(r->state, "queued")) {
			if (r->next_attempt <= now) {
				snprintf(next, sizeof next, "due now");
			} else {
				char in[32];
				age(r->next_attempt - now, in, sizeof in);
				snprintf(next, sizeof next, "in %s", in);
			}
		}
		printf("%-*s  %-*s  %-*s  %-*s  %8ld  %-20s", wr, r->reference, wj, journey, wd,
		       r->destination, ws, r->state, r->attempts, created);
		if (why)
			printf("  %s%s%s", next, next[0] && r->last_error[0] ? "; " : "",
			       r->last_error[0] || next[0] ? r->last_error : "-");
		putchar('\n');
	}
}

static int show(const char *db, bool all)
{
	struct store *s;
	int o = open_existing(db, &s);
	if (o > 0) {
		printf("No database at %s, so nothing is waiting.\n", db);
		return 0;
	}
	if (o < 0)
		return 1;
	struct hatch_error e;
	struct store_destination_stats *dv = NULL;
	size_t nd = 0, n = 0, counts[STORE_STATES];
	struct store_outbox_row *rows = NULL;
	enum hatch_err rc = store_destination_stats(s, &dv, &nd, &e);
	if (rc == HATCH_OK)
		rc = store_outbox_counts(s, counts, &e);
	if (rc == HATCH_OK)
		rc = all ? store_outbox_list(s, &rows, &n, &e)
			 : store_outbox_waiting(s, QUEUE_SHOWN + 1, &rows, &n, &e);
	store_close(s);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		mem_free(dv);
		mem_free(rows);
		return 1;
	}
	long long now = platform_now();
	size_t total = 0;
	for (int i = 0; i < STORE_STATES; i++)
		total += counts[i];
	if (total == 0) {
		printf("The outbox is empty.\n");
	} else {
		for (size_t i = 0; i < nd; i++) {
			printable(dv[i].destination);
			printable(dv[i].last_error);
		}
		print_destinations(dv, nd, now);
	}
	for (int i = 0; i < STORE_STATES; i++)
		printf("%s%zu %s", i ? ", " : "In all: ", counts[i],
		       store_state_name((enum store_state)i));
	putchar('\n');
	size_t waiting = counts[STORE_QUEUED] + counts[STORE_SENDING] + counts[STORE_DEAD];
	if (all && n) {
		printf("\nEvery submission, the newest first:\n");
		print_rows(rows, n, true, now);
	} else if (!all && n) {
		size_t shown = n > QUEUE_SHOWN ? QUEUE_SHOWN : n;
		printf("\nNot yet delivered, dead first, then the oldest first:\n");
		print_rows(rows, shown, true, now);
		if (waiting > shown)
			printf("... and %zu more (hatch queue --all lists them all)\n",
			       waiting - shown);
	} else if (total) {
		printf("\nEverything has been delivered.\n");
	}
	mem_free(dv);
	mem_free(rows);
	return 0;
}

static int retry(const char *db, const char *typed)
{
	char ref[REFERENCE_SIZE];
	if (typed && !reference_parse(typed, ref))
		return app_usage_error("queue retry: '%s' is not a reference (like 7K2M-QX4P-R)",
				       typed);
	struct store *s;
	int o = open_existing(db, &s);
	if (o > 0) {
		fprintf(stderr, "hatch: queue retry: no database at %s\n", db);
		return 1;
	}
	if (o < 0)
		return 1;
	struct hatch_error e;
	size_t n = 0;
	enum hatch_err rc = store_retry(s, typed ? ref : NULL, platform_now(), &n, &e);
	store_close(s);
	if (rc == HATCH_ERR_NOTFOUND) {
		fprintf(stderr, "hatch: queue retry: no submission has the reference %s\n", ref);
		return 1;
	}
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: queue retry: %s\n", e.msg);
		return 1;
	}
	if (typed)
		printf("%s is queued again, due now.\n", ref);
	else if (n == 0)
		printf("No submission is dead; nothing to retry.\n");
	else
		printf("%zu dead submission%s queued again, due now.\n", n,
		       n == 1 ? " is" : "s are");
	return 0;
}

int cmd_queue(int argc, char **argv)
{
	const char *db = NULL, *ref = NULL;
	bool all = false, is_retry = false, dead = false;
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "retry")) {
		is_retry = true;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(queue_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--db")) {
			if (++i == argc)
				return app_usage_error("queue: --db needs a path");
			db = argv[i];
		} else if (!is_retry && !strcmp(argv[i], "--all")) {
			all = true;
		} else if (is_retry && !strcmp(argv[i], "--dead")) {
			dead = true;
		} else if (is_retry && argv[i][0] != '-' && !ref) {
			ref = argv[i];
		} else if (argv[i][0] == '-') {
			return app_usage_error("queue%s: unknown option '%s'",
					       is_retry ? " retry" : "", argv[i]);
		} else {
			return app_usage_error("queue%s: unexpected argument '%s'",
					       is_retry ? " retry" : "", argv[i]);
		}
	}
	if (is_retry && !ref == !dead)
		return app_usage_error("queue retry: give one REFERENCE or --dead");
	struct hatch_error e;
	char def[4096];
	if (!db) {
		if (store_default_path(def, sizeof def, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: queue: %s\n", e.msg);
			return 1;
		}
		db = def;
	}
	return is_retry ? retry(db, ref) : show(db, all);
}
