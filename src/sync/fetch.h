/* What tools outside delivery use of sync/: one HTTPS GET from a council
 * back end with delivery's safe settings (peer and host verified, https
 * only, no redirects, bounded time, a capped body), and the rule by which
 * the Open311 adapter matches a journey's answers to a service's
 * attributes. For `hatch journeys import-open311`, which reads a back
 * end's service list; the kiosk's delivery does not go through here.
 *
 * Library code: never prints. Depends on base/ and, through sync/'s HTTPS
 * client, on libcurl; callers need not include curl. */
#ifndef HATCH_SYNC_FETCH_H
#define HATCH_SYNC_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* The longest id the answer-id rule makes: a journey step id's limit. */
#define SYNC_OPEN311_ID_MAX 64

/* One HTTPS client for a run of GETs (connections kept alive between
 * them). Not for two threads at once. */
struct sync_fetch;

/* A client that trusts CA_BUNDLE (a PEM file; NULL or "" for the system's
 * certificates) and keeps at most MAX_BYTES of a body (1 or more). *OUT is
 * NULL on failure: HATCH_ERR_NOMEM, HATCH_ERR_INPUT (CA_BUNDLE's path is too
 * long), HATCH_ERR_IO (the HTTPS library cannot start). */
enum hatch_err sync_fetch_create(const char *ca_bundle, size_t max_bytes,
                                 struct sync_fetch **out,
                                 struct hatch_error *e) HATCH_MUST_CHECK;

/* Accepts NULL. */
void sync_fetch_destroy(struct sync_fetch *f);

/* GETs URL with "Accept: ACCEPT" (NULL for none). On HATCH_OK an HTTP
 * answer of any status arrived: *STATUS is its status and BODY (emptied
 * first; the caller cleans it up) holds its body, NUL-terminated. Otherwise
 * BODY is empty and E says why, holding nothing of the body:
 * HATCH_ERR_INPUT when URL is not https (refused before any connection),
 * HATCH_ERR_IO for network, TLS and timeout failures and bodies larger
 * than the cap ("the answer was larger than N bytes"), HATCH_ERR_NOMEM. */
enum hatch_err sync_fetch_get(struct sync_fetch *f, const char *url, const char *accept,
                              long *status, struct buf *body,
                              struct hatch_error *e) HATCH_MUST_CHECK;

/* The answer id under which the Open311 adapter looks for the value of the
 * attribute (or list value) named CODE, besides CODE itself: ASCII letters
 * in lower case and digits kept, every run of anything else one '-', none
 * at either end, at most SYNC_OPEN311_ID_MAX bytes. Writes it into OUT
 * (SYNC_OPEN311_ID_MAX + 1 bytes) and returns true, or returns false with
 * OUT empty when CODE has no letter or digit. Pure. */
bool sync_open311_answer_id(const char *code, char *out);

#endif
