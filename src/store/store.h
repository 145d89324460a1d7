/* The device's one SQLite database: the outbox of finished submissions and
 * the device row that reference numbers are made from. One connection per
 * process, every write in its own BEGIN IMMEDIATE transaction, durable
 * (WAL, synchronous=FULL) before a call returns HATCH_OK. Records are opaque
 * here: the store knows nothing of journeys, sessions or delivery.
 * Depends on base/, platform/ and SQLite; never on core/, ui/, sdl/, app/.
 * Nothing outside store/ includes sqlite3.h. */
#ifndef HATCH_STORE_STORE_H
#define HATCH_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The schema this program writes (PRAGMA user_version). A database with a
 * newer version is refused; an older one is migrated on open. */
#define STORE_SCHEMA_VERSION 1

/* An open database. Not for use from two threads at once. */
struct store;

/* The delivery states of an outbox record, in the order of the counts. */
enum store_state {
	STORE_QUEUED,
	STORE_SENDING,
	STORE_DELIVERED,
	STORE_DEAD,
};
#define STORE_STATES 4

/* The name a state has in the database ("queued", "sending", "delivered",
 * "dead"); NULL for a value outside the enum. */
const char *store_state_name(enum store_state st);

/* Opens the database at PATH, creating it (mode 0600) and any missing
 * parent directories (mode 0700) when absent, and migrates it to
 * STORE_SCHEMA_VERSION, one transaction per migration. A new database gets
 * a random device key. On success *OUT is the store (close it with
 * store_close). On failure *OUT is NULL, nothing is left open, and E names
 * the file and says why:
 *   HATCH_ERR_IO     cannot create or open it, not a database, damaged,
 *                    read-only, locked by another program, disk full;
 *   HATCH_ERR_STATE  written by a newer program (user_version too high);
 *   HATCH_ERR_NOMEM  out of memory;
 *   HATCH_ERR_INPUT  PATH is empty. */
enum hatch_err store_open(const char *path, struct store **out,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* Closes S; accepts NULL. */
void store_close(struct store *s);

/* The file S was opened from (borrowed, lives as long as S). */
const char *store_path(const struct store *s);

/* Where the database lives when no path is given: $HATCH_DB if set and not
 * empty, else $XDG_DATA_HOME/hatch/hatch.db (an absolute XDG_DATA_HOME),
 * else $HOME/.local/share/hatch/hatch.db. Writes it into OUT (SIZE bytes).
 * HATCH_ERR_NOTFOUND when none of these is set, HATCH_ERR_LIMIT when the
 * path does not fit; OUT is then "". */
enum hatch_err store_default_path(char *out, size_t size,
				  struct hatch_error *e) HATCH_MUST_CHECK;

/* Takes the device's next submission sequence number into *SEQ (1, 2, 3...)
 * and its reference key into *KEY, for reference_make(). The number is
 * committed as taken before this returns, so no number is handed out twice,
 * even across a crash; a failed call hands out nothing (*SEQ and *KEY are
 * then 0). The caller refuses numbers past what a reference can hold. */
enum hatch_err store_next_reference(struct store *s, uint64_t *seq, uint64_t *key,
				    struct hatch_error *e) HATCH_MUST_CHECK;

/* A finished submission, as the outbox keeps it. Every string is required
 * and not empty. PAYLOAD is the canonical JSON record; it holds personal
 * data and never appears in a listing or an error message. */
struct store_submission {
	const char *uuid, *reference, *journey_id;
	long journey_version;
	const char *destination, *language, *channel, *payload;
	long long created; /* unix seconds */
};

/* Adds SUB to the outbox as "queued", due at once, in one transaction that
 * is on disk before this returns HATCH_OK. On failure nothing is written:
 *   HATCH_ERR_INPUT  a field is missing, or the uuid or the reference is
 *                    already in the outbox;
 *   HATCH_ERR_LIMIT  a field is longer than its store_outbox_row buffer;
 *   HATCH_ERR_IO     disk full, locked, read-only, I/O error (E names the
 *                    file); HATCH_ERR_NOMEM. */
enum hatch_err store_outbox_add(struct store *s, const struct store_submission *sub,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* One outbox record without its payload: what may be shown to staff. */
struct store_outbox_row {
	long long id;
	char uuid[37];
	char reference[16];
	char journey_id[65];
	long journey_version;
	char destination[65];
	char state[16];
	long attempts;
	long long created;
};

/* Every outbox record, the most recently added first, as *N rows in a new
 * array *ROWS that the caller frees with mem_free (NULL when *N is 0). On
 * failure *ROWS is NULL and *N is 0. */
enum hatch_err store_outbox_list(struct store *s, struct store_outbox_row **rows,
				 size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

/* How many outbox records are in each state, indexed by enum store_state.
 * On failure every count is 0. */
enum hatch_err store_outbox_counts(struct store *s, size_t counts[STORE_STATES],
				   struct hatch_error *e) HATCH_MUST_CHECK;

#endif
