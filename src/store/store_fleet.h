/* What fleet monitoring (sync/fleet.h) reads from the outbox: per
 * destination, how many records wait or were refused, how old the oldest
 * waiting one is, and when the last one was delivered, at a cost that grows
 * with what is waiting and with the deliveries of the retention period,
 * never with the whole delivered history (a kiosk asks every minute, under
 * the lock its screen saves submissions through).
 * Depends on base/ and store/store.h; never on sync/, core/, ui/ or app/.
 * Nothing outside store/ includes sqlite3.h. */
#ifndef HATCH_STORE_STORE_FLEET_H
#define HATCH_STORE_STORE_FLEET_H

#include <stddef.h>

#include "base/err.h"
#include "store/store.h"

/* How delivery stands for one destination. */
struct store_fleet_row {
	char destination[65];
	size_t queued, sending, dead;
	long long oldest_waiting; /* created of its oldest queued or sending
	                           * record (unix seconds), 0 if none */
	long long last_delivered; /* when its latest delivery was made (unix
	                           * seconds), 0 if none is known */
};

/* One row per destination that has a record queued, sending or dead, or a
 * delivered record whose payload the retention period still keeps, and one
 * for each of the NNAMES names in NAMES (the configured destinations, which
 * may have no record at all), in order of name (strcmp), each once, as *N
 * rows in a new array *V that the caller frees with mem_free (NULL when *N
 * is 0). Read in one transaction: the figures of one moment.
 *
 * LAST_DELIVERED is exact for a destination that has had a delivery within
 * the retention period ([storage] retention_days). For one whose delivered
 * payloads have all been purged it is the latest delivery among its 64
 * records added last that were delivered, which is the latest unless an
 * older record was delivered after those 64.
 *
 * On failure *V is NULL and *N is 0: HATCH_ERR_IO (E names the file),
 * HATCH_ERR_NOMEM. */
enum hatch_err store_fleet_stats(struct store *s, const char *const *names, size_t nnames,
                                 struct store_fleet_row **v, size_t *n,
                                 struct hatch_error *e) HATCH_MUST_CHECK;

#endif
