/* Saving a finished session in the outbox: the one way a submission is
 * handed over for delivery, from the kiosk's screen and from a walk on the
 * terminal alike. */
#ifndef HATCH_APP_SUBMIT_H
#define HATCH_APP_SUBMIT_H

#include "base/err.h"
#include "core/reference.h"
#include "core/session.h"
#include "platform/config.h"
#include "store/store.h"


/* Takes the device's next reference, makes the session's canonical record
 * (a new UUID, the time now, LANGUAGE, and assisted by STAFF_ID when it is
 * not NULL, else self-service) and adds it to the
 * outbox in one durable transaction: sealed to its destination's public
 * key when CFG gives the destination a seal_key, else encrypted under the
 * device key. REFERENCE (REFERENCE_SIZE bytes) gets the reference to
 * show the citizen. The record is wiped from memory before this returns.
 * Errors are the store's (E names the file and says why, never with
 * anything the citizen typed); nothing is saved then. */
enum hatch_err app_submit(struct store *st, const struct config *cfg, struct session *s,
			  const char *language, const char *staff_id, char *reference,
			  struct hatch_error *e) HATCH_MUST_CHECK;

#endif
