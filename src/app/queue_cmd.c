/* hatch queue: lists what is waiting in the outbox (reference, journey,
 * destination, state, attempts, when) and how many records are in each
 * state. Never shows a payload or anything else a citizen typed. Prints;
 * the store does the reading. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app/app.h"
#include "app/queue.h"
#include "base/mem.h"
#include "store/store.h"

static const char queue_help[] =
	"Usage: hatch queue [--db PATH]\n"
	"\n"
	"Shows the submissions in the outbox, the most recent first: reference,\n"
	"journey and version, destination, delivery state, attempts so far and when\n"
	"it was made (UTC), then how many are queued, sending, delivered and dead.\n"
	"No answers or other personal data are shown.\n"
	"\n"
	"  --db PATH   the database (default: $HATCH_DB, else\n"
	"              $XDG_DATA_HOME/hatch/hatch.db, else\n"
	"              ~/.local/share/hatch/hatch.db)\n";

/* Column texts are identifiers from journeys and the configuration; a
 * control character in one must not reach the terminal as such. */
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

int cmd_queue(int argc, char **argv)
{
	const char *db = NULL;
	for (int i = 1; i < argc; i++) {
		if (app_is_help(argv[i])) {
			fputs(queue_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--db")) {
			if (++i == argc)
				return app_usage_error("queue: --db needs a path");
			db = argv[i];
		} else {
			return app_usage_error("queue: unknown option '%s'", argv[i]);
		}
	}
	struct hatch_error e;
	char def[4096];
	if (!db) {
		if (store_default_path(def, sizeof def, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: queue: %s\n", e.msg);
			return 1;
		}
		db = def;
	}
	/* Looking must not create: a mistyped path or another user's home
	 * would otherwise show an empty new database as if it were the one. */
	struct stat st;
	if (stat(db, &st) != 0) {
		printf("No database at %s, so nothing is waiting.\n", db);
		return 0;
	}
	struct store *s;
	if (store_open(db, &s, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		return 1;
	}
	struct store_outbox_row *rows;
	size_t n;
	size_t counts[STORE_STATES];
	if (store_outbox_list(s, &rows, &n, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		store_close(s);
		return 1;
	}
	if (store_outbox_counts(s, counts, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		mem_free(rows);
		store_close(s);
		return 1;
	}
	store_close(s);

	/* The two columns that are made from a row rather than copied. */
	struct cells {
		char journey[96];
		char created[32];
	} *c = n ? mem_calloc(n, sizeof *c) : NULL;
	if (n && !c) {
		fprintf(stderr, "hatch: out of memory\n");
		mem_free(rows);
		return 1;
	}
	int wr = (int)strlen("REFERENCE"), wj = (int)strlen("JOURNEY"),
	    wd = (int)strlen("DESTINATION"), ws = (int)strlen("STATE");
	for (size_t i = 0; i < n; i++) {
		struct store_outbox_row *r = &rows[i];
		printable(r->reference);
		printable(r->journey_id);
		printable(r->destination);
		printable(r->state);
		snprintf(c[i].journey, sizeof c[i].journey, "%s v%ld", r->journey_id,
			 r->journey_version);
		time_t t = (time_t)r->created;
		struct tm tm;
		if (!gmtime_r(&t, &tm) ||
		    !strftime(c[i].created, sizeof c[i].created, "%Y-%m-%dT%H:%M:%SZ", &tm))
			snprintf(c[i].created, sizeof c[i].created, "%lld", r->created);
		wr = width(wr, r->reference);
		wj = width(wj, c[i].journey);
		wd = width(wd, r->destination);
		ws = width(ws, r->state);
	}
	if (n) {
		printf("%-*s  %-*s  %-*s  %-*s  %8s  %s\n", wr, "REFERENCE", wj, "JOURNEY", wd,
		       "DESTINATION", ws, "STATE", "ATTEMPTS", "CREATED");
		for (size_t i = 0; i < n; i++) {
			const struct store_outbox_row *r = &rows[i];
			printf("%-*s  %-*s  %-*s  %-*s  %8ld  %s\n", wr, r->reference, wj,
			       c[i].journey, wd, r->destination, ws, r->state, r->attempts,
			       c[i].created);
		}
	} else {
		printf("The outbox is empty.\n");
	}
	for (int i = 0; i < STORE_STATES; i++)
		printf("%s%zu %s", i ? ", " : "", counts[i], store_state_name((enum store_state)i));
	putchar('\n');
	mem_free(c);
	mem_free(rows);
	return 0;
}
