/* A destination looked at without delivering to it, for hatch doctor and
 * the technician's screen: does its host name resolve, does its server's
 * certificate chain verify (with the destination's CA bundle, pins and
 * device certificate, exactly as delivery sets them up), when does it
 * expire, and does the back end answer. The request sent is one that no
 * back end acts on and that carries nothing of a citizen's and no
 * credential: Open311, a GET of services.json (or .xml); a webhook, an
 * OPTIONS request.
 *
 * Library code: never prints. Depends on base/, platform/config.h and,
 * through sync/'s HTTPS client, on libcurl and jansson; callers need not
 * include curl. */
#ifndef HATCH_SYNC_PROBE_H
#define HATCH_SYNC_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "platform/config.h"

/* How far a probe got: each stage passed is a precondition of the next. */
enum sync_probe_stage {
	SYNC_PROBE_URL,     /* the URL could not be used (not https, no host) */
	SYNC_PROBE_DNS,     /* the host name did not resolve */
	SYNC_PROBE_CONNECT, /* no connection (refused, unreachable, timed out) */
	SYNC_PROBE_TLS,     /* the TLS handshake or the certificate failed */
	SYNC_PROBE_PIN,     /* the certificate verified but no pinned key matched */
	SYNC_PROBE_HTTP,    /* the connection broke before an answer came */
	SYNC_PROBE_ANSWERED /* an HTTP answer of some status arrived */
};

enum sync_probe_pin {
	SYNC_PIN_NONE,     /* the destination pins no key */
	SYNC_PIN_MATCHED,
	SYNC_PIN_MISMATCH,
	SYNC_PIN_UNKNOWN,  /* not reached far enough to tell */
};

struct sync_probe {
	enum sync_probe_stage reached;
	char host[256];          /* the URL's host */
	bool host_is_address;    /* an IP address: nothing to resolve */
	char addresses[128];     /* what it resolved to, ", "-separated, cut */
	size_t naddresses;
	char dns_error[128];     /* the resolver's reason, when it failed */
	char connected_to[64];   /* the address the connection went to */
	enum sync_probe_pin pin;
	int chain;               /* certificates the server presented; 0 unknown */
	long long expires;       /* earliest expiry in the chain presented (unix
				  * seconds), 0 when unknown */
	long long leaf_expires;  /* the server's certificate's, 0 when unknown */
	char method[8];          /* what was sent: "GET", "OPTIONS" */
	char path[128];          /* to which path, after the URL's host (cut) */
	long status;             /* the HTTP status, 0 when none */
	long ms;                 /* how long the request took */
	long services;           /* Open311 JSON: services listed; -1 unknown */
	/* Why it stopped before SYNC_PROBE_ANSWERED: curl's words (which name
	 * host names and certificate problems, never a request's content),
	 * "" when it did not. */
	char reason[256];
};

/* Probes DEST and fills P. Every outcome of the network is in P (P->reached says how
 * far it got); the function fails only for HATCH_ERR_NOMEM and
 * HATCH_ERR_IO (the HTTPS library cannot start), with P still describing
 * what was learnt. Blocks for as long as delivery's timeouts allow (10 s
 * to connect, 60 s in all), plus the resolver's own. */
enum hatch_err sync_probe(const struct config_destination *dest, struct sync_probe *p,
			  struct hatch_error *e) HATCH_MUST_CHECK;

/* The versions of the HTTPS library and its TLS library, as
 * "libcurl/7.88.1 OpenSSL/3.0.11 ...", into OUT (SIZE bytes). */
void sync_probe_versions(char *out, size_t size);

#endif
