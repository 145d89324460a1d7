/* hatch gazetteer import|search|info: loads the council's addresses into
 * the gazetteer beside the device database, finds addresses by postcode or
 * words as the kiosk's address step does, and says what is loaded. Prints;
 * store/gazetteer.c does the work. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "base/mem.h"
#include "store/gazetteer.h"
#include "store/store.h"
#include "ui/ui.h"

static const char gazetteer_help[] =
	"Usage: hatch gazetteer import (FILE.csv | -) --format FORMAT [--db PATH]\n"
	"       hatch gazetteer search (--postcode P | --text WORDS) [--limit N] [--db PATH]\n"
	"       hatch gazetteer info [--db PATH]\n"
	"\n"
	"The gazetteer is the council's list of addresses, each with its UPRN, that\n"
	"the kiosk searches offline when a journey asks where. It is kept in a file\n"
	"of its own beside the device database (PATH-gazetteer.db).\n"
	"\n"
	"import reads a CSV file (- for standard input) of one FORMAT:\n"
	"  simple       uprn,address,town,postcode,lat,long (with that header line)\n"
	"  addressbase  Ordnance Survey AddressBase Plus column names\n"
	"  llpg         a council LLPG export (BS 7666 column names)\n"
	"and replaces the gazetteer with it as a whole. Rows that break a rule are\n"
	"rejected and listed as FILE:LINE: reason; the rest are imported. A file\n"
	"that is empty, not CSV or of another format, or whose every row is\n"
	"rejected, is refused and the old gazetteer stays. Exit status 0 when the\n"
	"file was imported (even with rejected rows), 1 when it was refused.\n"
	"\n"
	"search prints the addresses found, one a line, tab-separated: UPRN,\n"
	"address, town, postcode, latitude, longitude. --postcode takes a whole\n"
	"postcode or its start (\"AB1 2\"); --text takes words, the last one\n"
	"perhaps unfinished.\n"
	"\n"
	"info says how many addresses the gazetteer holds, its file and size.\n"
	"\n"
	"  --format FORMAT  simple, addressbase or llpg\n"
	"  --limit N        at most N addresses (1 to 1000; default 50)\n"
	"  --db PATH        the device database beside which the gazetteer lives\n"
	"                   (default: $HATCH_DB, else $XDG_DATA_HOME/hatch/hatch.db,\n"
	"                   else ~/.local/share/hatch/hatch.db)\n"
	"\n"
	"See docs/gazetteer.md for the formats, the rules and the attribution\n"
	"that Ordnance Survey data requires.\n";

/* How many rejections the report lists; the rest are counted. */
#define SHOWN_REJECTIONS 50
#define LIMIT_MAX 1000

struct progress {
	const char *name;
	unsigned long long size;  /* 0 when unknown (a pipe) */
	bool tty;
	bool drawn;
	unsigned long shown;      /* rejections listed so far */
};

static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void on_progress(void *user, unsigned long rows, unsigned long long bytes)
{
	struct progress *p = user;
	if (!p->tty)
		return;
	if (p->size) {
		int pct = (int)(bytes * 100 / p->size);
		int bar = pct * 30 / 100;
		fprintf(stderr, "\r[%.*s%*s] %3d%%  %lu rows", bar,
			"##############################", 30 - bar, "", pct, rows);
	} else {
		fprintf(stderr, "\r%lu rows", rows);
	}
	p->drawn = true;
}

static void on_reject(void *user, const struct gaz_rejection *r)
{
	struct progress *p = user;
	if (p->shown >= SHOWN_REJECTIONS)
		return;
	char reason[sizeof r->reason];
	snprintf(reason, sizeof reason, "%s", r->reason);
	printable(reason);
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		p->drawn = false;
	}
	fprintf(stderr, "%s:%lu: %s\n", p->name, r->line, reason);
	p->shown++;
}

static int import(const char *gaz, const char *file, enum gaz_format format)
{
	FILE *in = stdin;
	const char *name = "-";
	struct progress p = {0};
	if (strcmp(file, "-") != 0) {
		in = fopen(file, "rb");
		if (!in) {
			fprintf(stderr, "hatch: gazetteer import: %s: %s\n", file, strerror(errno));
			return 1;
		}
		name = file;
	}
	struct stat st;
	if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
		p.size = (unsigned long long)st.st_size;
	else if (fstat(fileno(in), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hatch: gazetteer import: %s is a directory\n", file);
		fclose(in);
		return 1;
	}
	p.name = name;
	p.tty = isatty(STDERR_FILENO);
	struct gaz_import_options o = {
		.format = format, .on_reject = on_reject, .on_progress = on_progress, .user = &p,
	};
	struct gaz_import_report r;
	struct hatch_error e;
	enum hatch_err rc = gaz_import(gaz, in, name, &o, &r, &e);
	if (in != stdin)
		fclose(in);
	if (p.drawn)
		fputs("\r\033[K", stderr);
	if (r.rejected > p.shown)
		fprintf(stderr, "... and %lu more rejected rows\n", r.rejected - p.shown);
	if (rc != HATCH_OK) {
		printable(e.msg);
		fprintf(stderr, "hatch: gazetteer import: %s\n", e.msg);
		fprintf(stderr, "Nothing was imported; the gazetteer at %s is as it was.\n", gaz);
		return 1;
	}
	printf("Imported %s into %s.\n", name, gaz);
	printf("Rows read: %lu\nImported: %lu\nRejected: %lu\n", r.read, r.imported, r.rejected);
	return 0;
}

static int open_gaz(const char *gaz, const char *cmd, struct gaz **g)
{
	struct hatch_error e;
	enum hatch_err rc = gaz_open(gaz, g, &e);
	if (rc == HATCH_ERR_NOTFOUND) {
		fprintf(stderr, "hatch: gazetteer %s: no gazetteer at %s (load one with hatch "
			"gazetteer import)\n", cmd, gaz);
		return 1;
	}
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: gazetteer %s: %s\n", cmd, e.msg);
		return 1;
	}
	return 0;
}

static int search(const char *gaz, const char *postcode, const char *text, long limit)
{
	struct gaz *g;
	if (open_gaz(gaz, "search", &g))
		return 1;
	struct gaz_address *v = mem_calloc((size_t)limit, sizeof *v);
	if (!v) {
		gaz_close(g);
		fprintf(stderr, "hatch: gazetteer search: out of memory\n");
		return 1;
	}
	size_t n = 0;
	struct hatch_error e;
	enum hatch_err rc = postcode ? gaz_by_postcode(g, postcode, v, (size_t)limit, &n, &e)
				     : gaz_by_text(g, text, v, (size_t)limit, &n, &e);
	gaz_close(g);
	if (rc == HATCH_ERR_INPUT) {
		mem_free(v);
		return app_usage_error("gazetteer search: %s: %s", postcode ? "--postcode" : "--text",
				       e.msg);
	}
	if (rc != HATCH_OK) {
		mem_free(v);
		fprintf(stderr, "hatch: gazetteer search: %s\n", e.msg);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		printable(v[i].lines);
		printable(v[i].town);
		if (v[i].lat == 0 && v[i].lon == 0)
			printf("%s\t%s\t%s\t%s\t\t\n", v[i].uprn, v[i].lines, v[i].town,
			       v[i].postcode);
		else
			printf("%s\t%s\t%s\t%s\t%.6f\t%.6f\n", v[i].uprn, v[i].lines, v[i].town,
			       v[i].postcode, v[i].lat, v[i].lon);
	}
	mem_free(v);
	return 0;
}

static int info(const char *gaz)
{
	struct gaz *g;
	struct stat st;
	if (stat(gaz, &st) != 0) {
		printf("No gazetteer at %s (load one with hatch gazetteer import).\n", gaz);
		return 0;
	}
	if (open_gaz(gaz, "info", &g))
		return 1;
	struct gaz_info i;
	gaz_info_get(g, &i);
	gaz_close(g);
	printable(i.source);
	char when[32] = "-";
	time_t t = (time_t)i.imported;
	struct tm tm;
	if (i.imported && gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("File: %s\n", gaz);
	printf("Size: %.1f MiB (%lld bytes)\n", (double)st.st_size / (1024.0 * 1024.0),
	       (long long)st.st_size);
	printf("Addresses: %lu\n", i.count);
	printf("Imported: %s from %s (format %s)\n", when, i.source, i.format);
	return 0;
}

int cmd_gazetteer(int argc, char **argv)
{
	if (argc < 2)
		return app_usage_error("gazetteer: name import, search or info (try hatch "
				       "gazetteer --help)");
	if (app_is_help(argv[1])) {
		fputs(gazetteer_help, stdout);
		return 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "import") && strcmp(sub, "search") && strcmp(sub, "info"))
		return app_usage_error("gazetteer: unknown subcommand '%s' (import, search or "
				       "info)", sub);
	const char *db = NULL, *file = NULL, *format = NULL, *postcode = NULL, *text = NULL;
	long limit = 50;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool takes = !strcmp(a, "--db") || !strcmp(a, "--format") ||
			     !strcmp(a, "--postcode") || !strcmp(a, "--text") ||
			     !strcmp(a, "--limit");
		if (app_is_help(a)) {
			fputs(gazetteer_help, stdout);
			return 0;
		}
		if (takes && i + 1 == argc)
			return app_usage_error("gazetteer %s: %s needs a value", sub, a);
		if (!strcmp(a, "--db")) {
			db = argv[++i];
		} else if (!strcmp(sub, "import") && !strcmp(a, "--format")) {
			format = argv[++i];
		} else if (!strcmp(sub, "search") && !strcmp(a, "--postcode")) {
			postcode = argv[++i];
		} else if (!strcmp(sub, "search") && !strcmp(a, "--text")) {
			text = argv[++i];
		} else if (!strcmp(sub, "search") && !strcmp(a, "--limit")) {
			char *end;
			const char *v = argv[++i];
			errno = 0;
			limit = strtol(v, &end, 10);
			if (errno || end == v || *end || limit < 1 || limit > LIMIT_MAX)
				return app_usage_error("gazetteer search: --limit takes a number "
						       "from 1 to %d, not '%s'", LIMIT_MAX, v);
		} else if (!strcmp(sub, "import") && !file && (a[0] != '-' || !strcmp(a, "-"))) {
			file = a;
		} else if (a[0] == '-') {
			return app_usage_error("gazetteer %s: unknown option '%s'", sub, a);
		} else {
			return app_usage_error("gazetteer %s: unexpected argument '%s'", sub, a);
		}
	}
	enum gaz_format fmt = GAZ_SIMPLE;
	if (!strcmp(sub, "import")) {
		if (!file)
			return app_usage_error("gazetteer import: name a CSV file (or - for standard "
					       "input)");
		if (!format)
			return app_usage_error("gazetteer import: give --format simple, addressbase "
					       "or llpg");
		if (!gaz_format_parse(format, &fmt))
			return app_usage_error("gazetteer import: unknown format '%s' (simple, "
					       "addressbase or llpg)", format);
	}
	if (!strcmp(sub, "search") && !postcode == !text)
		return app_usage_error("gazetteer search: give one of --postcode P or --text WORDS");
	struct hatch_error e;
	char def[4096], gaz[4096 + 32];
	if (!db) {
		if (store_default_path(def, sizeof def, &e) != HATCH_OK) {
			fprintf(stderr, "hatch: gazetteer: %s\n", e.msg);
			return 1;
		}
		db = def;
	}
	if (gaz_default_path(db, gaz, sizeof gaz, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: gazetteer: %s\n", e.msg);
		return 1;
	}
	if (!strcmp(sub, "import"))
		return import(gaz, file, fmt);
	if (!strcmp(sub, "search"))
		return search(gaz, postcode, text, limit);
	return info(gaz);
}

enum hatch_err app_find_address(struct gaz *g, const char *query, bool by_text,
				struct ui_address *out, size_t max, size_t *n)
{
	struct hatch_error e = {""};
	*n = 0;
	struct gaz_address *v = mem_calloc(max ? max : 1, sizeof *v);
	if (!v)
		return HATCH_ERR_NOMEM;
	enum hatch_err rc = by_text ? gaz_by_text(g, query, v, max, n, &e)
				    : gaz_by_postcode(g, query, v, max, n, &e);
	if (rc != HATCH_OK && rc != HATCH_ERR_INPUT)
		fprintf(stderr, "hatch: address search: %s\n", e.msg);
	for (size_t i = 0; rc == HATCH_OK && i < *n; i++) {
		snprintf(out[i].uprn, sizeof out[i].uprn, "%s", v[i].uprn);
		snprintf(out[i].lines, sizeof out[i].lines, "%s", v[i].lines);
		snprintf(out[i].town, sizeof out[i].town, "%s", v[i].town);
		snprintf(out[i].postcode, sizeof out[i].postcode, "%s", v[i].postcode);
		out[i].lat = v[i].lat;
		out[i].lon = v[i].lon;
	}
	mem_wipe(v, (max ? max : 1) * sizeof *v);
	mem_free(v);
	return rc;
}
