/* The device's one SQLite database: the outbox of finished submissions,
 * the device row that reference numbers are made from, the staff
 * accounts (their calls are in store/staff.h) and the anonymous usage
 * events and their daily figures (store/events.h). One connection per
 * process, every write in its own BEGIN IMMEDIATE transaction, durable
 * (WAL, synchronous=FULL) before a call returns HATCH_OK. Records are opaque
 * here: the store knows nothing of journeys, sessions or the protocols
 * records are delivered with; it keeps their delivery state for sync/.
 *
 * An outbox record's life:
 *
 *   store_outbox_add, store_outbox_add_sealed
 *        |
 *        v        store_claim_due           store_mark_delivered
 *     queued ---------------------> sending ----------------------> delivered
 *      ^  ^                          |    |                             |
 *      |  +---- store_mark_retry ----+    | store_mark_dead             | store_purge
 *      |     (attempts + 1, due later)    v                             v
 *      +---------- store_retry --------- dead                 delivered, payload gone
 *                (staff; due now)
 *
 *   store_recover_sending, at start-up: every "sending" back to "queued", so
 *   a crash in the middle of a delivery neither loses nor freezes a record.
 *
 * Nothing is deleted: a delivered record keeps its reference, state and
 * timestamps after its payload is purged. At most one record per
 * destination is "sending" at a time, and records of a destination are
 * claimed oldest (first added) first among those due.
 *
 * Payloads are personal data. They are kept encrypted (libsodium's
 * crypto_secretbox, a random nonce per record) under a random key that
 * lives in a file of its own beside the database, never in it; or sealed
 * to a destination's public key (crypto_box_seal), which the device cannot
 * open again. Deleted content is overwritten (secure_delete) and purges
 * clear the write-ahead log, so a payload outlives neither its record nor
 * its retention. A damaged database is moved aside, never deleted, and what
 * can be read of it is carried into a fresh one (store_was_salvaged).
 *
 * Depends on base/, platform/, SQLite and libsodium; never on core/, ui/,
 * sdl/, app/. Nothing outside store/ includes sqlite3.h. */
#ifndef HATCH_STORE_STORE_H
#define HATCH_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* The schema this program writes (PRAGMA user_version). A database with a
 * newer version is refused; an older one is migrated on open. */
#define STORE_SCHEMA_VERSION 5

/* The length of a destination's public key for store_outbox_add_sealed:
 * libsodium's crypto_box_PUBLICKEYBYTES (checked where sodium.h is seen). */
#define STORE_SEAL_KEY_BYTES 32

/* The longest reason store_mark_retry and store_mark_dead keep, in bytes
 * without the NUL; a longer one is cut at a character boundary. */
#define STORE_REASON_MAX 255

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

/* store_open_keyed with the key file PATH.key. */
enum hatch_err store_open(const char *path, struct store **out,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* Opens the database at PATH, creating it (mode 0600) and any missing
 * parent directories (mode 0700) when absent, checks it (PRAGMA
 * quick_check) and migrates it to STORE_SCHEMA_VERSION, one transaction per
 * migration. A new database gets a random device key.
 *
 * KEY_PATH is the file that holds the key payloads are encrypted with. It
 * is made (mode 0600, with any missing parent directories) with a random
 * key the first time a database is opened or migrated to schema version 2;
 * after that the database will not open without it.
 *
 * A database of Hatch's that fails the check is renamed to
 * PATH.corrupt-<unix time> (with its -wal and -shm when the -wal holds
 * anything), never deleted or changed; the rows that can still be read are
 * copied into a fresh database at PATH and the open succeeds:
 * store_was_salvaged() then says so. Because the file may be moved, the
 * first store_open of a process comes before any other connection to it.
 *
 * On success *OUT is the store (close it with store_close). On failure *OUT
 * is NULL, nothing is left open, and E names the file and says why:
 *   HATCH_ERR_IO     cannot create or open it, not a database, damaged
 *                    beyond recognition, read-only, locked by another
 *                    program, disk full; the key file cannot be read or made;
 *   HATCH_ERR_STATE  written by a newer program (user_version too high); the
 *                    key file is missing for a database whose records were
 *                    encrypted, or is not the one they were encrypted with;
 *   HATCH_ERR_INPUT  PATH or KEY_PATH is empty; the key file may be read by
 *                    other users (the message says how to fix it), is not a
 *                    regular file or has the wrong length;
 *   HATCH_ERR_NOMEM  out of memory. */
enum hatch_err store_open_keyed(const char *path, const char *key_path, struct store **out,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* Closes S; accepts NULL. The key is wiped from memory. */
void store_close(struct store *s);

/* The file S was opened from (borrowed, lives as long as S). */
const char *store_path(const struct store *s);

/* True when store_open found the database damaged and salvaged it; the
 * name the damaged file was moved to is then written into MOVED_TO (SIZE
 * bytes, cut short if it does not fit), else MOVED_TO is "". MOVED_TO may
 * be NULL when SIZE is 0. */
bool store_was_salvaged(const struct store *s, char *moved_to, size_t size);

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

/* Adds SUB to the outbox as "queued", due at once (next attempt at
 * SUB->created), its payload encrypted under the store's key, in one
 * transaction that is on disk before this returns HATCH_OK. On failure
 * nothing is written:
 *   HATCH_ERR_INPUT  a field is missing, or the uuid or the reference is
 *                    already in the outbox;
 *   HATCH_ERR_LIMIT  a field is longer than its store_outbox_row buffer, or
 *                    the payload is too large to store;
 *   HATCH_ERR_IO     disk full, locked, read-only, I/O error (E names the
 *                    file); HATCH_ERR_NOMEM. */
enum hatch_err store_outbox_add(struct store *s, const struct store_submission *sub,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* As store_outbox_add, but the payload is sealed to the destination's
 * public key PK (crypto_box_seal) instead: only the holder of the matching
 * secret key can open it, not this device. The record is flagged sealed and
 * is claimed as the sealed box, as it is. Also HATCH_ERR_INPUT when PK is
 * not a usable public key. */
enum hatch_err store_outbox_add_sealed(struct store *s, const struct store_submission *sub,
				       const unsigned char pk[STORE_SEAL_KEY_BYTES],
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
	long long next_attempt;
	char last_error[STORE_REASON_MAX + 1]; /* "" when none */
};

/* Every outbox record, the most recently added first, as *N rows in a new
 * array *ROWS that the caller frees with mem_free (NULL when *N is 0). On
 * failure *ROWS is NULL and *N is 0. */
enum hatch_err store_outbox_list(struct store *s, struct store_outbox_row **rows,
				 size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

/* The records not delivered: dead and sending ones first, then queued,
 * each oldest (first added) first; at most LIMIT of them (0: all), as *N
 * rows in a new array *ROWS as store_outbox_list's. Only the records that
 * are waiting are read, however long the delivered history. */
enum hatch_err store_outbox_waiting(struct store *s, size_t limit, struct store_outbox_row **rows,
				    size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

/* How many outbox records are in each state, indexed by enum store_state.
 * On failure every count is 0. */
enum hatch_err store_outbox_counts(struct store *s, size_t counts[STORE_STATES],
				   struct hatch_error *e) HATCH_MUST_CHECK;

/* A record claimed for delivery. PAYLOAD is owned: the decrypted payload
 * (NUL-terminated; PAYLOAD_LEN bytes without the NUL), or when SEALED the
 * sealed box exactly as stored. store_due_cleanup wipes and frees it. */
struct store_due {
	long long id;
	char uuid[37];
	char reference[16];
	char journey_id[65];
	long journey_version;
	char destination[65];
	long attempts;  /* attempts made before this one */
	bool sealed;
	unsigned char *payload;
	size_t payload_len;
	char remote_id[129]; /* a batch token kept from an earlier attempt, or "" */
};

/* Wipes D's payload, frees it and zeroes D; accepts a zeroed D. */
void store_due_cleanup(struct store_due *d);

/* Claims the oldest due record (queued, next attempt <= NOW) of any
 * destination that has no record "sending", and moves it to "sending" in
 * the same transaction, so that no record is claimed twice and each
 * destination has at most one in flight. *FOUND is false when there is none
 * (OUT is then zeroed). The caller ends the claim with store_mark_delivered,
 * store_mark_retry or store_mark_dead, and calls store_due_cleanup on OUT.
 * A record whose payload cannot be decrypted (damaged) is marked dead with
 * that reason on the way, so that it blocks nothing. On failure nothing
 * changes, *FOUND is false and OUT is zeroed: HATCH_ERR_IO, HATCH_ERR_NOMEM. */
enum hatch_err store_claim_due(struct store *s, long long now, struct store_due *out,
			       bool *found, struct hatch_error *e) HATCH_MUST_CHECK;

/* As store_claim_due, among the records for DESTINATION only (*FOUND is
 * false when one of them is already "sending"). HATCH_ERR_INPUT when
 * DESTINATION is missing or empty. */
enum hatch_err store_claim_due_for(struct store *s, const char *destination, long long now,
				   struct store_due *out, bool *found,
				   struct hatch_error *e) HATCH_MUST_CHECK;

/* The end of a claim: the record ID, which must be "sending", becomes
 * "delivered" at NOW, its attempts + 1, its last error cleared. REMOTE_ID
 * (what the destination called it; NULL or "" for none, keeping any batch
 * token already set) is kept with it. Each of these three returns
 * HATCH_ERR_NOTFOUND when there is no record ID, HATCH_ERR_STATE when it is
 * not "sending" (nothing changes), HATCH_ERR_LIMIT when REMOTE_ID is longer
 * than 128 bytes, and HATCH_ERR_IO or HATCH_ERR_NOMEM with nothing changed. */
enum hatch_err store_mark_delivered(struct store *s, long long id, const char *remote_id,
				    long long now, struct hatch_error *e) HATCH_MUST_CHECK;

/* The end of a claim that failed for now: back to "queued", due at
 * NEXT_ATTEMPT, attempts + 1, last error REASON (short technical text such
 * as "HTTP 503", never anything from the payload; NULL for none; cut to
 * STORE_REASON_MAX bytes). */
enum hatch_err store_mark_retry(struct store *s, long long id, long long next_attempt,
				const char *reason, long long now,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* The end of a claim that will never succeed: "dead" (dead letters wait for
 * staff and block nothing), attempts + 1, last error REASON as for
 * store_mark_retry. */
enum hatch_err store_mark_dead(struct store *s, long long id, const char *reason,
			       long long now, struct hatch_error *e) HATCH_MUST_CHECK;

/* Keeps REMOTE_ID (a batch token, at most 128 bytes; NULL or "" clears it)
 * with record ID while it is "sending" or "queued", so that a later attempt
 * can ask after the batch rather than send again. HATCH_ERR_NOTFOUND,
 * HATCH_ERR_STATE (delivered or dead), HATCH_ERR_LIMIT, HATCH_ERR_IO. */
enum hatch_err store_set_remote(struct store *s, long long id, const char *remote_id,
				struct hatch_error *e) HATCH_MUST_CHECK;

/* At start-up, before any claim: every "sending" record goes back to
 * "queued" with its attempts and next attempt as they were; *N says how
 * many (0 on failure). */
enum hatch_err store_recover_sending(struct store *s, size_t *n,
				     struct hatch_error *e) HATCH_MUST_CHECK;

/* Staff's retry. With REFERENCE NULL: every "dead" record becomes "queued",
 * due at NOW, with its attempts back at 0 (its last error is kept until
 * the next attempt). With a REFERENCE (exactly as stored: canonicalise a
 * typed one with reference_parse() first): that record, if dead, likewise;
 * if queued, it is made due at NOW. *N says how many records changed (0 on
 * failure). HATCH_ERR_NOTFOUND when no record has REFERENCE;
 * HATCH_ERR_STATE when it is "sending" or "delivered" (nothing changes). */
enum hatch_err store_retry(struct store *s, const char *reference, long long now, size_t *n,
			   struct hatch_error *e) HATCH_MUST_CHECK;

/* How delivery stands for one destination. */
struct store_destination_stats {
	char destination[65];
	size_t counts[STORE_STATES]; /* indexed by enum store_state */
	long long oldest_waiting;    /* created of the oldest queued/sending, 0 if none */
	char last_error[256];        /* of its most recently updated undelivered record
				      * that has one, else "" */
};

/* One entry per destination that has records, in order of name, as *N
 * entries in a new array *V that the caller frees with mem_free (NULL when
 * *N is 0). On failure *V is NULL and *N is 0. */
enum hatch_err store_destination_stats(struct store *s, struct store_destination_stats **v,
				       size_t *n, struct hatch_error *e) HATCH_MUST_CHECK;

/* Retention: removes the payloads of records delivered before
 * DELIVERED_BEFORE (unix seconds), keeping the records themselves; *N says
 * how many (0 on failure). Deleted content is overwritten and, once the
 * purge is committed, the write-ahead log is checkpointed and truncated so
 * that no copy stays in it; if another program holds the log open at that
 * moment, the copy goes at the next checkpoint (the next purge, or the last
 * close) and the purge still succeeds. */
enum hatch_err store_purge(struct store *s, long long delivered_before, size_t *n,
			   struct hatch_error *e) HATCH_MUST_CHECK;

#endif
