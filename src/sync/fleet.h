/* Fleet monitoring: the figures a council's monitoring needs from each
 * kiosk (device id, version, uptime, the outbox's waiting and refused
 * records, the age of the oldest waiting one, the last delivery, free
 * space, certificate expiry), gathered from the store and the system, and
 * reported two ways: a signed JSON heartbeat POSTed over HTTPS to [fleet]
 * heartbeat_url, set up exactly as a delivery is (http.c: https only, the
 * CA bundle, pins and device certificate of [fleet]; webhook.c's
 * X-Hatch-Signature), and a file in Prometheus's text exposition format for
 * node_exporter's textfile collector ([fleet] metrics_file), written whole
 * or not at all. docs/fleet.md names every figure.
 *
 * Nothing of a citizen's is in any of it: counts, times and names of
 * destinations only. Library code: never prints. Depends on base/,
 * platform/config.h, store/ and, through sync/'s HTTPS client and probe,
 * on libcurl, jansson and libsodium; callers need not include curl. Never
 * on core/, ui/, sdl/ or app/ (the program's version is passed in). */
#ifndef HATCH_SYNC_FLEET_H
#define HATCH_SYNC_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/config.h"
#include "store/store.h"

/* How many destinations the figures name: the configured ones (at most
 * CONFIG_MAX_DESTINATIONS) and those that only records in the outbox name
 * (journeys whose destination is not configured). Past this they are only
 * counted (DEST_DROPPED), never summed into the totals twice. */
#define FLEET_MAX_DESTINATIONS 64

/* How often fleet_tick writes the metrics file, in seconds (or the
 * heartbeat interval, when that is shorter): Prometheus scrapes every 15 s
 * to a minute, and a figure a minute old is fresh enough for alerts that
 * wait minutes, while each write costs the store a read. */
#define FLEET_METRICS_INTERVAL 60

/* How often fleet_tick probes the destinations' certificates, in seconds:
 * certificates are renewed weeks before they expire, and a probe of an
 * unreachable destination holds the delivery thread up to delivery's
 * connect timeout (10 s). */
#define FLEET_PROBE_INTERVAL (6 * 3600)

/* The largest metrics text written, in bytes: far more than 64
 * destinations need. */
#define FLEET_METRICS_MAX (256 * 1024)

/* One destination's figures. */
struct fleet_destination {
	char name[65];
	bool configured; /* a [destination NAME] of the configuration */
	size_t queued, sending, dead;
	long long oldest_waiting; /* created of its oldest queued or sending
	                           * record (unix seconds), 0 when none waits */
	long long last_delivery;  /* its latest delivery (unix seconds), 0 when
	                           * none is known (store_fleet.h says how far
	                           * back it looks) */
	long long cert_expires;   /* when the first of the certificates its
	                           * server presented at the last probe expires
	                           * (unix seconds), 0 unknown */
};

struct fleet_figures {
	char device[CONFIG_DEVICE_ID_MAX + 1]; /* [device] id; else the host's
	                                        * name; else "unknown" */
	char version[32];                      /* the program's version, as passed in */
	long long time;                /* when these were gathered (unix seconds) */
	long long process_uptime;      /* seconds since the process started; -1 unknown */
	long long system_uptime;       /* seconds since the system booted; -1 unknown */
	size_t queued, sending, dead;  /* over every destination */
	long long oldest_waiting;      /* over every destination; 0 when none waits */
	long long last_delivery;       /* over every destination; 0 when none known */
	bool disk_known;               /* the database's file system could be asked */
	unsigned long long disk_free;  /* bytes the kiosk's user may still write */
	unsigned long long disk_total; /* bytes in that file system */
	long long heartbeat_cert_expires; /* the heartbeat endpoint's certificates,
	                                   * as the last heartbeat saw them; 0 unknown */
	long long heartbeat_last_ok;      /* the last heartbeat the endpoint
	                                   * accepted (this process); 0 none */
	struct fleet_destination dest[FLEET_MAX_DESTINATIONS]; /* by name */
	size_t ndest;
	size_t dest_dropped; /* destinations past FLEET_MAX_DESTINATIONS */
};

/* What a kiosk keeps between reports: its HTTPS client (connections kept
 * alive), when each report is next due, and what the last connections
 * showed of certificates. Not for two threads at once. */
struct fleet;

/* A new monitor, nothing yet due but due at once. *OUT is NULL on failure:
 * HATCH_ERR_NOMEM, HATCH_ERR_IO (the HTTPS or cryptography library cannot
 * start). */
enum hatch_err fleet_create(struct fleet **out, struct hatch_error *e) HATCH_MUST_CHECK;

/* Accepts NULL. */
void fleet_destroy(struct fleet *f);

/* Fills OUT with the figures at NOW (unix seconds): device id and VERSION
 * (both cut to fit), uptimes, the outbox of S for the destinations of C and
 * those its records name (store_fleet_stats), the free space of the file
 * system S's database is on, and, from F (which may be NULL: then
 * unknown), the certificates' expiry as the last probe and heartbeat saw
 * them and the last accepted heartbeat. Reads only: never the network.
 * On failure OUT is zeroed: the store's errors (HATCH_ERR_IO naming the
 * file, HATCH_ERR_NOMEM). */
enum hatch_err fleet_figures_gather(const struct fleet *f, struct store *s,
                                    const struct config *c, const char *version,
                                    long long now, struct fleet_figures *out,
                                    struct hatch_error *e) HATCH_MUST_CHECK;

/* Probes each destination of C as hatch doctor does (sync/probe.h: a
 * service-list GET or an OPTIONS, never a submission) and keeps in F when
 * the first of the certificates each presented expires. A destination that
 * cannot be reached keeps what an earlier probe saw. Blocks for up to
 * delivery's timeouts per destination. Fails only for HATCH_ERR_NOMEM and
 * HATCH_ERR_IO (the HTTPS library cannot start); what the network did is
 * not an error. */
enum hatch_err fleet_probe_certs(struct fleet *f, const struct config *c,
                                 struct hatch_error *e) HATCH_MUST_CHECK;

/* FIG in Prometheus's text exposition format (version 0.0.4): each metric
 * with its # HELP and # TYPE lines, names starting hatch_, labels device
 * and, per destination, destination; no sample timestamps (node_exporter's
 * textfile collector refuses them). *OUT is NUL-terminated, *LEN bytes,
 * freed with mem_free. HATCH_ERR_NOMEM, or HATCH_ERR_LIMIT past
 * FLEET_METRICS_MAX; *OUT is then NULL. */
enum hatch_err fleet_metrics_format(const struct fleet_figures *fig, char **out,
                                    size_t *len, struct hatch_error *e) HATCH_MUST_CHECK;

/* Writes fleet_metrics_format's text to PATH whole or not at all: into a
 * new file beside it (".NAME.XXXXXX", which the collector, reading only
 * *.prom, never reads), made readable by all (node_exporter runs as its own
 * user), synced to disk, renamed over PATH, and the directory synced. On
 * failure PATH is as it was and the new file is gone: HATCH_ERR_IO with
 * PATH and the system's reason in E (a full disk, a missing or read-only
 * directory), HATCH_ERR_NOMEM, HATCH_ERR_LIMIT. */
enum hatch_err fleet_metrics_write(const char *path, const struct fleet_figures *fig,
                                   struct hatch_error *e) HATCH_MUST_CHECK;

/* FIG as the heartbeat's JSON body (compact, keys sorted; docs/fleet.md
 * gives its fields) in *OUT, NUL-terminated, *LEN bytes, freed with
 * mem_free. HATCH_ERR_NOMEM; *OUT is then NULL. */
enum hatch_err fleet_heartbeat_body(const struct fleet_figures *fig, char **out,
                                    size_t *len, struct hatch_error *e) HATCH_MUST_CHECK;

/* What a heartbeat's request showed. */
struct fleet_result {
	long status;            /* the HTTP status, 0 when no answer came */
	long ms;                /* how long the request took */
	long long cert_expires; /* the earliest expiry among the endpoint's
	                         * certificates, 0 when the connection showed
	                         * none (one kept alive from before) */
};

/* POSTs fleet_heartbeat_body(FIG) to C's [fleet] heartbeat_url, with
 * Content-Type: application/json and X-Hatch-Signature: sha256=<hex
 * HMAC-SHA256 of the body> under the secret in [fleet] secret_file (read
 * at each call, so a rotated secret is used at once), through F's HTTPS
 * client with [fleet]'s CA bundle, pins and client certificate. Fills R
 * (which may be NULL). A 2xx answer is HATCH_OK, and F keeps FIG->time as
 * its last accepted heartbeat and the certificates' expiry. Otherwise E
 * says why, holding nothing of the body:
 *   HATCH_ERR_INPUT  no heartbeat_url, or one that is not https (refused
 *                    before any connection is made);
 *   HATCH_ERR_IO     the secret file cannot be read, the network, TLS or a
 *                    timeout failed, or the endpoint answered other than
 *                    2xx (R->status);
 *   HATCH_ERR_NOMEM. */
enum hatch_err fleet_heartbeat_send(struct fleet *f, const struct config *c,
                                    const struct fleet_figures *fig,
                                    struct fleet_result *r,
                                    struct hatch_error *e) HATCH_MUST_CHECK;

/* What one fleet_tick did. */
struct fleet_tick_report {
	bool probed;          /* the destinations' certificates were probed */
	bool metrics_written; /* [fleet] metrics_file was written */
	bool heartbeat_sent;  /* a heartbeat was accepted (2xx) */
	bool heartbeat_tried; /* a heartbeat was due and was tried */
	long long next;       /* when fleet_tick next has something due; 0 when
	                       * C asks for neither heartbeat nor metrics file */
};

/* The kiosk's one call, made as often as it likes (its delivery thread,
 * after each drain): does whatever is due at NOW and nothing else. When C
 * has a heartbeat_url or a metrics_file: the destinations' certificates
 * every FLEET_PROBE_INTERVAL (first at the first call), then the figures,
 * a heartbeat every heartbeat_interval, and the metrics file every
 * FLEET_METRICS_INTERVAL (or heartbeat_interval, when shorter), with what
 * a heartbeat sent in the same call showed; each first at the first call. A failed
 * heartbeat is tried again at the next interval, not sooner. R (may be NULL) says what
 * was done. Returns HATCH_OK, or the first failure's code with every failure's reason in
 * E, joined by "; " (each as fleet_metrics_write's and fleet_heartbeat_send's); a failure
 * of one report does not stop the other. Nothing due is HATCH_OK at once. */
enum hatch_err fleet_tick(struct fleet *f, struct store *s, const struct config *c,
                          const char *version, long long now, struct fleet_tick_report *r,
                          struct hatch_error *e) HATCH_MUST_CHECK;

#endif
