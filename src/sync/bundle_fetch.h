/* Fetching a signed journey bundle (docs/bundles.md) from the council's
 * server: one HTTPS GET with delivery's safe settings (peer and host
 * verified, https only, no redirects, bounded time), a capped body, and
 * If-None-Match with the ETag of the bundle fetched last, so that an
 * unchanged bundle costs a 304 and not its bytes. What is fetched is not
 * trusted here: app/bundle.c checks its signature before anything of it is
 * used.
 *
 * Library code: never prints. Depends on base/ and, through sync/'s HTTPS
 * client, on libcurl; callers need not include curl. */
#ifndef HATCH_SYNC_BUNDLE_FETCH_H
#define HATCH_SYNC_BUNDLE_FETCH_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* The largest bundle fetched, in bytes: the journeys of a council and the
 * catalogs of a dozen languages take about a megabyte; sixteen leave room
 * for many more and still fit in a Pi's memory twice over. */
#define SYNC_BUNDLE_MAX (16 * 1024 * 1024)

/* Room for an ETag kept between fetches, with its NUL. */
#define SYNC_BUNDLE_ETAG_SIZE 256

enum sync_bundle_status {
	SYNC_BUNDLE_FETCHED,   /* 200: BODY holds the bundle */
	SYNC_BUNDLE_UNCHANGED, /* 304: the server still has the bundle of ETAG */
};

/* GETs URL (https only), trusting CA_BUNDLE (a PEM file; NULL or "" for
 * the system's certificates), with "If-None-Match: ETAG" when ETAG is a
 * tag kept from an earlier fetch (NULL or "" for none; one with a byte that
 * is not printable ASCII is not sent). At most MAX_BYTES of body are read
 * (0: SYNC_BUNDLE_MAX).
 *  - HATCH_OK: *STATUS says which answer came. For SYNC_BUNDLE_FETCHED,
 *    BODY (initialised by the caller, emptied first; the caller cleans it
 *    up) holds the body,
 *    NUL-terminated, and NEW_ETAG (ETAG_SIZE bytes) the answer's ETag, ""
 *    when it sent none. For SYNC_BUNDLE_UNCHANGED, BODY is empty and
 *    NEW_ETAG is ETAG.
 *  - HATCH_ERR_INPUT: URL is not https (refused before any connection).
 *  - HATCH_ERR_IO: network, TLS and timeout failures, a body larger than
 *    the cap, and any answer but 200 and 304 ("the server answered HTTP
 *    404"), in words that hold nothing of the body.
 *  - HATCH_ERR_NOMEM.
 * On failure BODY is empty and NEW_ETAG is "". */
enum hatch_err sync_bundle_fetch(const char *url, const char *ca_bundle, const char *etag,
                                 size_t max_bytes, enum sync_bundle_status *status,
                                 struct buf *body, char *new_etag, size_t etag_size,
                                 struct hatch_error *e) HATCH_MUST_CHECK;

#endif
