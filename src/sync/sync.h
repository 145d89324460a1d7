/* The delivery worker: takes due records from the outbox one by one and
 * delivers each to its destination (a council back end named in the device
 * configuration) over HTTPS, through the destination's adapter (Open311
 * GeoReport v2 or a signed JSON webhook), then records the outcome in the
 * store: delivered, retried later (transient failures, with capped
 * exponential backoff, full jitter and the back end's Retry-After) or dead
 * (permanent failures, for staff to see and retry). Nothing is lost: a
 * record whose destination is not configured stays queued.
 *
 * Library code: never prints; reasons go into the caller's struct
 * hatch_error and into the store's last error, and never hold anything of
 * a payload. Depends on base/, i18n/ (language names), platform/, store/,
 * libcurl, jansson, libxml2 and libsodium; never on core/, ui/, sdl/ or
 * app/. */
#ifndef HATCH_SYNC_SYNC_H
#define HATCH_SYNC_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "platform/config.h"
#include "store/store.h"

/* Backoff: the first retry waits up to SYNC_BACKOFF_BASE seconds, each
 * further one up to twice as long, never more than SYNC_BACKOFF_CAP: long
 * enough not to hammer a council server that is down for maintenance,
 * short enough that a kiosk back on the network delivers within the hour. */
#define SYNC_BACKOFF_BASE 30
#define SYNC_BACKOFF_CAP  3600

/* A delivery worker for one store. Not for two threads at once. */
struct sync;

/* What one drain did. */
struct sync_stats {
	size_t delivered; /* accepted by their back end */
	size_t retried;   /* to be tried again later (including batch waits) */
	size_t dead;      /* refused for good */
	size_t purged;    /* delivered payloads removed, past the retention period */
	/* The earliest next attempt this drain scheduled, 0 when none. */
	long long next_attempt;
};

/* How often a worker applies the retention period (the configuration's
 * retention_days) to delivered payloads, in seconds: at its first drain,
 * then at the first drain this long after. */
#define SYNC_PURGE_INTERVAL 3600

/* A worker delivering S's records to the destinations of C. C and S are
 * borrowed and must outlive the worker. Destinations' credentials (API
 * keys, webhook secrets) are read from their files at each drain, so a
 * rotated key is used without a restart. *OUT is NULL on failure:
 * HATCH_ERR_NOMEM, HATCH_ERR_IO (the HTTPS library cannot start). */
enum hatch_err sync_create(const struct config *c, struct store *s, struct sync **out,
                           struct hatch_error *e) HATCH_MUST_CHECK;

/* Accepts NULL. */
void sync_destroy(struct sync *w);

/* Delivers every record due at NOW (unix seconds), oldest first per
 * destination, and ends each claim (store_mark_delivered, _retry, _dead);
 * then, when SYNC_PURGE_INTERVAL has passed, purges the payloads delivered
 * more than the retention period before NOW (store_purge).
 * After a transient failure a destination is left alone for the rest of
 * the drain. ST (may be NULL) is filled with counts. Errors are those of
 * the store (HATCH_ERR_IO, HATCH_ERR_NOMEM): delivery failures are not
 * errors of the drain; a record being delivered when the store fails is
 * left "sending", for store_recover_sending at the next start. */
enum hatch_err sync_drain(struct sync *w, long long now, struct sync_stats *st,
                          struct hatch_error *e) HATCH_MUST_CHECK;

/* The time of the next attempt after a transient failure at NOW of a
 * record that had ATTEMPTS failed attempts before this one: NOW plus a
 * random delay drawn from RANDOM uniformly in [1, min(CAP, BASE * 2^ATTEMPTS)]
 * (full jitter; at least a second, so a drain never meets the same record
 * twice), and never before RETRY_AFTER (absolute; 0 for none). Pure. */
long long sync_backoff(long long now, long attempts, long long retry_after,
                       uint64_t random);

/* How an HTTP status is treated. */
enum sync_class {
	SYNC_SUCCESS,   /* 2xx */
	SYNC_TRANSIENT, /* 408, 425, 429, 5xx, and anything unexpected (1xx, 3xx) */
	SYNC_PERMANENT, /* every other 4xx */
};
enum sync_class sync_classify(long status);

#endif
