/* The gazetteer: the council's addresses, each with its UPRN (Unique
 * Property Reference Number), for finding an address offline by postcode
 * or by words. It lives in a database file of its own beside the device's
 * (PATH-gazetteer.db for the device database PATH): a new import is built
 * in a temporary file and renamed over the old one when complete, so a
 * failed import leaves the previous gazetteer in place and readers never see
 * half of one. Read-only for the kiosk.
 *
 * Depends on base/, platform/ and SQLite (with FTS5); never on core/, ui/,
 * sdl/ or app/. */
#ifndef HATCH_STORE_GAZETTEER_H
#define HATCH_STORE_GAZETTEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

/* An address as the kiosk shows and sends it. */
struct gaz_address {
	char uprn[16];        /* 1 to 12 digits, no leading zeros */
	char lines[256];      /* as a person writes it: "Flat 2, 14 Mill Lane" */
	char town[64];
	char postcode[9];     /* normalised: "AB1 2CD" */
	double lat, lon;      /* WGS84; both 0 when unknown */
};

/* The formats `hatch gazetteer import` reads (docs/gazetteer.md). */
enum gaz_format {
	GAZ_SIMPLE,       /* uprn,address,town,postcode,lat,long */
	GAZ_ADDRESSBASE,  /* Ordnance Survey AddressBase column names */
	GAZ_LLPG,         /* a council LLPG export, BS7666 style */
};

/* The format named NAME ("simple", "addressbase", "llpg"); false if none. */
bool gaz_format_parse(const char *name, enum gaz_format *out);

/* Where the gazetteer of the device database DB_PATH lives, into OUT. */
enum hatch_err gaz_default_path(const char *db_path, char *out, size_t size,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* One rejected row. */
struct gaz_rejection {
	unsigned long line;   /* 1-based line of the file */
	char reason[160];     /* "bad UPRN", "bad postcode \"ZZ\"", "duplicate UPRN 123" ... */
};

/* What an import did. */
struct gaz_import_report {
	unsigned long read, imported, rejected;
	/* The first rejections (all are counted in REJECTED); the caller may
	 * also be told of each as it happens, through ON_REJECT. */
	struct gaz_rejection first[32];
	size_t nfirst;
};

/* How often, in rows, an import calls on_progress. */
#define GAZ_PROGRESS_EVERY 10000

struct gaz_import_options {
	enum gaz_format format;
	/* Called for every rejected row, and every PROGRESS_EVERY rows with
	 * the bytes read so far (for a progress bar); either may be NULL. */
	void (*on_reject)(void *user, const struct gaz_rejection *r);
	void (*on_progress)(void *user, unsigned long rows, unsigned long long bytes);
	void *user;
};

/* Imports the CSV read from IN (NAME for messages) into the gazetteer at
 * PATH, replacing it as a whole when the import succeeds, in constant
 * memory whatever the file's size. PATH's directory, and its parents, are
 * made (mode 0700) when missing. A file that is not CSV, is empty, lacks
 * the format's columns, or whose every row is rejected is refused with
 * HATCH_ERR_INPUT and a message naming the file and why; the old gazetteer
 * stays. HATCH_ERR_IO: cannot write (disk full...), HATCH_ERR_NOMEM. */
enum hatch_err gaz_import(const char *path, FILE *in, const char *name,
			  const struct gaz_import_options *o, struct gaz_import_report *r,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* An open gazetteer, for searching. */
struct gaz;

/* Opens the gazetteer at PATH read-only. HATCH_ERR_NOTFOUND when there is
 * none; HATCH_ERR_IO when it cannot be read or is not a gazetteer. */
enum hatch_err gaz_open(const char *path, struct gaz **out,
			struct hatch_error *e) HATCH_MUST_CHECK;
void gaz_close(struct gaz *g);

/* How many addresses it holds. */
unsigned long gaz_count(const struct gaz *g);

/* What the gazetteer records of the import that made it. */
struct gaz_info {
	unsigned long count;
	char format[16];      /* "simple", "addressbase", "llpg" */
	char source[256];     /* the file's name as given to the import */
	long long imported;   /* when, in seconds since 1970 */
};
void gaz_info_get(const struct gaz *g, struct gaz_info *out);

/* Addresses whose postcode starts with the postcode typed in QUERY (any
 * case and spacing: "ab1 2", "AB12CD"), in address order (by postcode,
 * then street, then house number as a number, then flat: for one full
 * postcode, the street order; for a part of one, each postcode's addresses
 * together, so that the first MAX come from the index without sorting
 * every match), at most MAX into OUT; *N says how many. "AB12", which may
 * be AB1 2.. or AB12 ..., finds both. HATCH_ERR_INPUT when QUERY cannot
 * start a postcode. Postcodes are read by base/postcode.h, as the
 * journeys' postcode questions read them. */
enum hatch_err gaz_by_postcode(struct gaz *g, const char *query, struct gaz_address *out,
			       size_t max, size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

/* Addresses matching every word of QUERY (prefix matching on the last
 * word, as one types, unless QUERY ends in a space), best matches first
 * (FTS5's bm25), then in address order, at most MAX into OUT. Words are
 * letters and digits: punctuation, quotes and FTS5's operators in QUERY
 * are only separators. A QUERY with no word finds nothing (*N is 0).
 * HATCH_ERR_INPUT when QUERY is not UTF-8. */
enum hatch_err gaz_by_text(struct gaz *g, const char *query, struct gaz_address *out,
			   size_t max, size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

#endif
