/* The technician's checks of a kiosk, gathered into a report that prints
 * nothing: hatch doctor prints it (doctor_cmd.c) and the kiosk's
 * technician screen can show it. Each result is a check's stable name,
 * what it is about, a verdict and one short line of detail, never personal
 * data: counts, states, file names, host names, certificate dates and the
 * reasons libraries give.
 *
 * The checks: the configuration file; the display and input devices; the
 * fonts of every shipped language; the database (SQLite's quick check,
 * schema, size, read without changing or moving it), the free space where
 * it lives, the clock; for each destination its host name, its TLS
 * certificate (chain, expiry, pinned key) and whether it answers, probed
 * without delivering; and the outbox (waiting, oldest, dead).
 * docs/doctor.md gives the rule of each verdict.
 *
 * Only app/ and main.c include this. */
#ifndef HATCH_APP_DOCTOR_H
#define HATCH_APP_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"

enum doctor_verdict { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL };
#define DOCTOR_VERDICTS 3

/* More than any configuration can produce: 8 fixed checks, a font check
 * per shipped language, a few configuration problems, 3 checks for each
 * of CONFIG_MAX_DESTINATIONS destinations and an outbox warning per
 * destination. */
#define DOCTOR_MAX_RESULTS 128

struct doctor_result {
	/* Which check, stable for tools and screens: "configuration",
	 * "destinations", "display", "input", "fonts", "database",
	 * "free-space", "clock", "dns", "tls", "reach", "outbox". */
	char check[24];
	/* What it is about: a language code (fonts), a destination's name
	 * (dns, tls, reach, outbox), a line of the configuration file; ""
	 * for the device as a whole. */
	char subject[72];
	enum doctor_verdict verdict;
	char detail[256]; /* one line, no personal data */
};

/* The outbox's counts, when they could be read. */
#define DOCTOR_MAX_OUTBOX_DESTINATIONS 32
struct doctor_outbox_destination {
	char name[65];
	size_t counts[STORE_STATES];
	long long oldest_waiting; /* created time of its oldest queued or sending, 0 if none */
};
struct doctor_outbox {
	bool read;                    /* false: none of the below is known */
	size_t counts[STORE_STATES];  /* indexed by enum store_state */
	long long oldest_waiting;     /* created time of the oldest waiting, 0 if none */
	struct doctor_outbox_destination dest[DOCTOR_MAX_OUTBOX_DESTINATIONS];
	size_t ndest, dest_dropped;
};

struct doctor_report {
	char config_path[4096];        /* the file read; "" for the built-in settings */
	char db_path[4096];            /* the database looked at */
	long long time;                /* when the checks ran (unix seconds) */
	size_t counts[DOCTOR_VERDICTS]; /* results per verdict */
	struct doctor_outbox outbox;
	struct doctor_result v[DOCTOR_MAX_RESULTS];
	size_t n;
};

struct doctor_options {
	/* The configuration file; NULL for none (the built-in settings). It
	 * is read afresh, so the report says what the file says now. */
	const char *config_path;
	/* The database; NULL: the configuration's [storage] database, else
	 * store_default_path(). */
	const char *db_path;
	/* The bundled assets (fonts); NULL: platform_assets_dir(). */
	const char *assets;
	/* NULL: the outbox's counts are read through a store opened here,
	 * only when that is safe (the database exists, belongs to the user
	 * running this, passes the check and has this program's schema: a
	 * damaged one would otherwise be moved aside). Else an open store
	 * whose counts are read (the kiosk's own), which must not be used by
	 * another thread during the call. */
	struct store *store;
	/* This machine is not meant to show the kiosk (a test machine, a
	 * server that only delivers): display and input are at worst warn. */
	bool no_display;
};

/* Runs every check and fills R (caller storage; large: put it on the
 * heap). Takes as long as the slowest destination probe (at most about a
 * minute each, with delivery's timeouts), so a screen runs it off its
 * drawing thread. Logs one summary line (platform/log.h). Fails only with
 * HATCH_ERR_NOMEM; every other problem is a result. */
enum hatch_err doctor_run(const struct doctor_options *o, struct doctor_report *r,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* "ok", "warn", "fail". */
const char *doctor_verdict_name(enum doctor_verdict v);

/* The worst verdict in R (DOCTOR_OK when it has no results). */
enum doctor_verdict doctor_worst(const struct doctor_report *r);

/* The rules, for tests and screens. Free space: fail under 5 % or under
 * 100 MiB available, warn under 20 %, else ok (AVAIL and TOTAL in bytes;
 * TOTAL 0 is fail). */
enum doctor_verdict doctor_space_verdict(unsigned long long avail, unsigned long long total);
/* A verified certificate chain whose first expiry is EXPIRES (0 unknown)
 * at NOW: warn under DOCTOR_CERT_WARN_DAYS days left, else ok. */
#define DOCTOR_CERT_WARN_DAYS 21
enum doctor_verdict doctor_cert_verdict(long long expires, long long now);
/* The outbox: fail when the oldest waiting record (created OLDEST, 0 none)
 * has waited over a day, warn when over an hour or when DEAD records wait
 * for staff, else ok. */
enum doctor_verdict doctor_outbox_verdict(size_t dead, long long oldest, long long now);

/* Runs ARGV (ARGV[0] found on PATH) with no shell, stdin from /dev/null
 * and stderr discarded, and keeps at most OUT's cap of its output in OUT
 * (initialised by the caller; more is read and dropped). *STATUS is its
 * exit status, or -1 when it could not run or was killed. Gives up on it
 * after TIMEOUT_S seconds. HATCH_ERR_NOMEM, else HATCH_OK. */
enum hatch_err doctor_capture(char *const argv[], int timeout_s, struct buf *out,
			      int *status) HATCH_MUST_CHECK;

/* "1.2 MiB" for N bytes, into OUT (SIZE bytes). */
void doctor_bytes(unsigned long long n, char *out, size_t size);
/* "3 d 4 h", "5 h 2 min", "4 min", "12 s" for SECS, into OUT. */
void doctor_age(long long secs, char *out, size_t size);

#endif
