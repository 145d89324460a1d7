/* What the files of sync/ share and nothing else sees: the HTTPS client
 * (http.c) that every adapter sends through, and the adapters' entry
 * points (webhook.c, open311.c) with the outcome they report to the policy
 * in sync.c. Only sync/ includes this, and only sync/ includes curl. */
#ifndef HATCH_SYNC_SYNC_INT_H
#define HATCH_SYNC_SYNC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "platform/config.h"
#include "store/store.h"
#include "sync/sync.h"

/* The largest answer body kept, in bytes. Council back ends answer a
 * delivery with a few hundred bytes; a larger answer is a fault (or an
 * attack) and the transfer is cut off rather than held in memory. */
#define SYNC_HTTP_BODY_MAX 65536

/* The longest ETag kept from an answer: servers send a hash or a version
 * in quotes, far shorter. */
#define SYNC_HTTP_ETAG_MAX 255

/* One libcurl easy handle, reused across a drain so that connections to a
 * back end are kept alive between records. Not for two threads at once. */
struct sync_http;

enum hatch_err sync_http_create(struct sync_http **out,
                                struct hatch_error *e) HATCH_MUST_CHECK;
/* Accepts NULL. */
void sync_http_destroy(struct sync_http *h);

/* What one transfer showed of its connection, for probes (probe.c):
 * filled when a request's TLS field points at one. */
struct sync_http_tls {
	int curl_code;       /* the transfer's CURLcode: 0 when an answer arrived */
	char detail[256];    /* curl's own words for a failure ("SSL certificate
			      * problem: certificate has expired"), "" if none */
	char address[64];    /* the address connected to, "" if none */
	int chain;           /* certificates the server presented; 0 unknown */
	long long expires;   /* the earliest "Expire date" among them (unix
			      * seconds); 0 unknown */
	long long leaf_expires; /* the server's own certificate's; 0 unknown */
	long ms;             /* how long the transfer took, in milliseconds */
	long status;         /* the HTTP status, even of an answer cut short */
	bool connected;      /* a TCP connection was made */
	bool secured;        /* the TLS handshake and its checks passed */
};

/* One request. HEADERS is NULL or a NULL-terminated list of "Name: value"
 * lines. BODY (BODY_LEN bytes) is sent with POST; NULL means GET. DEST
 * gives the TLS settings (CA bundle, pins, client certificate). NOW is the
 * drain's clock, which a Retry-After in seconds is counted from. MAX_BODY
 * caps the answer's body; 0 means SYNC_HTTP_BODY_MAX, delivery's cap (a
 * larger one is for tools that read a back end's service list). */
struct sync_http_request {
	const char *url;
	const char *const *headers;
	const char *body;
	size_t body_len;
	const struct config_destination *dest;
	long long now;
	size_t max_body;
	/* NULL: GET, or POST when BODY is set. "HEAD" or "OPTIONS": a probe
	 * that sends no body (BODY must be NULL). */
	const char *method;
	/* NULL, or filled with what the connection showed (a probe's). */
	struct sync_http_tls *tls;
};

/* What came back. BODY holds at most the request's cap (wiped on
 * cleanup: it may echo what was sent). RETRY_AFTER is the absolute time
 * (unix seconds) the back end asked to wait until, or 0. */
struct sync_http_response {
	long status;
	long long retry_after;
	struct buf body;
	/* The answer's ETag as sent, quotes and all, or "" when it had none
	 * or one longer than SYNC_HTTP_ETAG_MAX or with a byte that is not
	 * printable ASCII (it is sent back in If-None-Match). */
	char etag[SYNC_HTTP_ETAG_MAX + 1];
};

void sync_http_response_init(struct sync_http_response *r);
void sync_http_response_cleanup(struct sync_http_response *r);

/* Sends REQ and fills RESP (initialised by the caller; emptied first).
 * HATCH_OK when an HTTP answer of any status arrived. Otherwise nothing
 * usable arrived and E says why in words that hold nothing of the request
 * (curl's reason, such as "SSL peer certificate or SSH remote key was not
 * OK"): HATCH_ERR_INPUT when the URL is not https (refused before any
 * connection is made), HATCH_ERR_IO for network, TLS and timeout failures
 * and answers over the cap, HATCH_ERR_NOMEM. */
enum hatch_err sync_http_send(struct sync_http *h, const struct sync_http_request *req,
                              struct sync_http_response *resp,
                              struct hatch_error *e) HATCH_MUST_CHECK;

/* Percent-encodes S for a URL or a form (curl_easy_escape) and appends it
 * to B. */
enum hatch_err sync_http_escape(struct sync_http *h, struct buf *b,
                                const char *s) HATCH_MUST_CHECK;

/* How an adapter's attempt ended. */
enum sync_outcome {
	SYNC_OUT_DELIVERED, /* REMOTE_ID says what the back end called it */
	SYNC_OUT_PENDING,   /* accepted into a batch: REMOTE_ID is its token */
	SYNC_OUT_RETRY,     /* transient: try again later (RETRY_AFTER honoured) */
	SYNC_OUT_DEAD,      /* permanent: it will never be accepted as it is */
};

struct sync_result {
	enum sync_outcome outcome;
	char remote_id[129];
	long long retry_after; /* absolute, 0 for none */
	char reason[STORE_REASON_MAX + 1];
};

/* The per-drain cache of Open311 service definitions (open311.c). */
struct sync_defs;
void sync_defs_destroy(struct sync_defs *d);

/* Delivers D to DEST (a webhook). SECRET is the HMAC key. Fills R.
 * Returns an error only for out-of-memory; every other failure is an
 * outcome in R. */
enum hatch_err sync_webhook_deliver(struct sync_http *h,
                                    const struct config_destination *dest,
                                    const char *secret, const struct store_due *d,
                                    long long now,
                                    struct sync_result *r) HATCH_MUST_CHECK;

/* Delivers D to DEST (Open311 GeoReport v2) with API_KEY, or, when D holds
 * a batch token, asks after it. DEFS caches service definitions for the
 * drain (*DEFS may be NULL at first; free with sync_defs_destroy). */
enum hatch_err sync_open311_deliver(struct sync_http *h,
                                    const struct config_destination *dest,
                                    const char *api_key, struct sync_defs **defs,
                                    const struct store_due *d, long long now,
                                    struct sync_result *r) HATCH_MUST_CHECK;

/* The length of sync_sign's text: "sha256=", 64 hex digits and a NUL. */
#define SYNC_SIGNATURE_SIZE (7 + 64 + 1)

/* X-Hatch-Signature's value for BODY (LEN bytes) under SECRET: "sha256="
 * and the hex HMAC-SHA256, into OUT (webhook.c; the heartbeat signs the
 * same way, fleet.c). */
void sync_sign(const char *secret, const void *body, size_t len, char out[SYNC_SIGNATURE_SIZE]);

/* Reads a credential file at PATH (at most 4096 bytes) into *OUT, without
 * its trailing line ending and spaces; free it with mem_free_wiped. On
 * failure *OUT is NULL: the errors of platform_read_file, and
 * HATCH_ERR_INPUT for a file that is empty or not text (sync.c). */
enum hatch_err sync_read_secret(const char *path, char **out,
                                struct hatch_error *e) HATCH_MUST_CHECK;

/* Helpers shared by the adapters (sync.c). */
/* Writes a reason into R and sets its outcome. */
void sync_result_set(struct sync_result *r, enum sync_outcome o, const char *fmt, ...)
    HATCH_PRINTF(3, 4);
/* Fills R for an answer that is not a success: transient statuses retry,
 * the rest are dead; DETAIL (from the back end, may be NULL) is appended to
 * "HTTP <status>", control characters replaced and cut to about 100 bytes. */
void sync_result_http(struct sync_result *r, const struct sync_http_response *resp,
                      const char *detail);

/* An Open311 answer as read by sync_open311_parse: the first item of a
 * service_requests list (its id or batch token) or of an error list (its
 * code and description). Ids are text even when sent as numbers. */
struct sync_open311_answer {
	bool parsed; /* the body was an Open311 list at all */
	bool is_error;
	char id[129];
	char token[129];
	char err_code[32];
	char err_desc[256];
};
void sync_open311_answer_init(struct sync_open311_answer *a);
/* Reads BODY (LEN bytes, from outside: any bytes) as JSON or, when XML, as
 * XML. Never fails: what cannot be read leaves A empty. */
void sync_open311_parse(const char *body, size_t len, bool xml,
                        struct sync_open311_answer *a);

#endif
