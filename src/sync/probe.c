/* A destination probed without delivering to it (probe.h): its host name
 * resolved with the system's resolver, then one harmless request through
 * delivery's own HTTPS client (http.c, so that the CA bundle, the pins and
 * the device certificate are set up exactly as for a delivery), and what
 * the connection showed. Only sync/ includes curl. */
#include "sync/probe.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <curl/curl.h>
#include <jansson.h>

#include "sync/sync_int.h"

/* A council's service list is a few kilobytes; a large one is still read
 * (and counted), but not without bound. */
#define PROBE_BODY_MAX (4u << 20)

/* SRC into DST (SIZE bytes), cut when longer. */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The URL's host (without an IPv6 address's brackets) into P->host, and
 * its path into PATH; false when the URL has none. */
static bool url_parts(const char *url, struct sync_probe *p, char *path, size_t size,
		      bool *nomem)
{
	*nomem = false;
	CURLU *u = curl_url();
	if (!u) {
		*nomem = true;
		return false;
	}
	char *host = NULL, *pth = NULL;
	bool ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host && *host;
	if (ok) {
		size_t n = strlen(host);
		if (host[0] == '[' && n > 2 && host[n - 1] == ']')
			snprintf(p->host, sizeof p->host, "%.*s", (int)(n - 2), host + 1);
		else
			copy(p->host, sizeof p->host, host);
		if (curl_url_get(u, CURLUPART_PATH, &pth, 0) == CURLUE_OK && pth)
			copy(path, size, pth);
	}
	curl_free(host);
	curl_free(pth);
	curl_url_cleanup(u);
	return ok;
}

/* Resolves P->host as the connection will (any family, TCP). */
static bool resolve(struct sync_probe *p)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	if (inet_pton(AF_INET, p->host, tmp) == 1 || inet_pton(AF_INET6, p->host, tmp) == 1) {
		p->host_is_address = true;
		copy(p->addresses, sizeof p->addresses, p->host);
		p->naddresses = 1;
		return true;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(p->host, "443", &hints, &res);
	if (rc != 0) {
		copy(p->dns_error, sizeof p->dns_error, gai_strerror(rc));
		return false;
	}
	size_t at = 0;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		char text[INET6_ADDRSTRLEN] = "";
		const void *addr = a->ai_family == AF_INET
					   ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
					   : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if (a->ai_family != AF_INET && a->ai_family != AF_INET6)
			continue;
		if (!inet_ntop(a->ai_family, addr, text, sizeof text))
			continue;
		/* Each address once (getaddrinfo may list one per protocol). */
		if (strstr(p->addresses, text))
			continue;
		int n = snprintf(p->addresses + at, sizeof p->addresses - at, "%s%s",
				 at ? ", " : "", text);
		if (n < 0 || (size_t)n >= sizeof p->addresses - at) {
			p->addresses[at] = '\0';
			p->naddresses++;
			continue;
		}
		at += (size_t)n;
		p->naddresses++;
	}
	freeaddrinfo(res);
	return true;
}

/* The stage a transfer that failed with CODE stopped at. */
static enum sync_probe_stage stage_of(int code, const struct sync_http_tls *t)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return SYNC_PROBE_DNS;
	case CURLE_COULDNT_CONNECT:
		return SYNC_PROBE_CONNECT;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return SYNC_PROBE_PIN;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return SYNC_PROBE_TLS;
	default:
		/* A timeout or a broken connection: how far it had got. */
		return t->secured ? SYNC_PROBE_HTTP : t->connected ? SYNC_PROBE_TLS : SYNC_PROBE_CONNECT;
	}
}

enum hatch_err sync_probe(const struct config_destination *dest, struct sync_probe *p,
			  struct hatch_error *e)
{
	memset(p, 0, sizeof *p);
	p->services = -1;
	p->reached = SYNC_PROBE_URL;
	p->pin = dest->pinned_keys[0] ? SYNC_PIN_UNKNOWN : SYNC_PIN_NONE;
	if (strncasecmp(dest->url, "https://", 8) != 0) {
		copy(p->reason, sizeof p->reason, "the URL is not https");
		return HATCH_OK;
	}
	char path[sizeof p->path] = "/";
	bool nomem;
	if (!url_parts(dest->url, p, path, sizeof path, &nomem)) {
		if (nomem)
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		copy(p->reason, sizeof p->reason, "the URL has no host");
		return HATCH_OK;
	}
	p->reached = SYNC_PROBE_DNS;
	if (!resolve(p)) {
		if (snprintf(p->reason, sizeof p->reason, "%s does not resolve: %s", p->host,
			     p->dns_error) >= (int)sizeof p->reason)
			copy(p->reason, sizeof p->reason, "the host name does not resolve");
		return HATCH_OK;
	}

	/* Open311: the service list, which every endpoint serves to anyone
	 * and no back end acts on. A webhook: OPTIONS, which carries no
	 * record (a webhook that takes only POST answers 405 or 501, which
	 * still shows it is there). Neither sends the API key or a
	 * signature. */
	struct buf url;
	buf_init(&url, sizeof dest->url + 32);
	const char *headers[2] = {NULL, NULL};
	const char *method = NULL;
	bool open311 = dest->adapter == CONFIG_ADAPTER_OPEN311;
	bool xml = open311 && !strcmp(dest->format, "xml");
	enum hatch_err rc;
	if (open311) {
		rc = buf_addf(&url, "%sservices.%s", dest->url, xml ? "xml" : "json");
		headers[0] = xml ? "Accept: text/xml" : "Accept: application/json";
		copy(p->method, sizeof p->method, "GET");
		/* A path too long for P->path is shown cut. */
		copy(p->path, sizeof p->path, path);
		size_t at = strlen(p->path);
		copy(p->path + at, sizeof p->path - at, xml ? "services.xml" : "services.json");
	} else {
		rc = buf_addstr(&url, dest->url);
		method = "OPTIONS";
		copy(p->method, sizeof p->method, method);
		copy(p->path, sizeof p->path, path);
	}
	if (rc != HATCH_OK)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");

	struct sync_http *h = NULL;
	if ((rc = sync_http_create(&h, e)) != HATCH_OK) {
		buf_cleanup(&url);
		return rc;
	}
	struct sync_http_tls t;
	struct sync_http_request req = {.url = buf_get(&url),
					.headers = headers,
					.dest = dest,
					.max_body = PROBE_BODY_MAX,
					.method = method,
					.tls = &t};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	struct hatch_error he = {""};
	rc = sync_http_send(h, &req, &resp, &he);
	buf_cleanup(&url);
	sync_http_destroy(h);
	if (rc == HATCH_ERR_NOMEM) {
		sync_http_response_cleanup(&resp);
		return err_set(e, rc, "out of memory");
	}
	copy(p->connected_to, sizeof p->connected_to, t.address);
	p->chain = t.chain;
	p->expires = t.expires;
	p->leaf_expires = t.leaf_expires;
	p->ms = t.ms;
	bool too_big = t.curl_code == CURLE_WRITE_ERROR || t.curl_code == CURLE_FILESIZE_EXCEEDED;
	if (rc == HATCH_OK || (too_big && t.status)) {
		p->reached = SYNC_PROBE_ANSWERED;
		p->status = rc == HATCH_OK ? resp.status : t.status;
		if (too_big)
			snprintf(p->reason, sizeof p->reason, "the answer was larger than %u bytes",
				 PROBE_BODY_MAX);
	} else {
		p->reached = stage_of(t.curl_code, &t);
		copy(p->reason, sizeof p->reason, t.detail[0] ? t.detail : he.msg);
	}
	if (p->pin == SYNC_PIN_UNKNOWN) {
		if (p->reached == SYNC_PROBE_PIN)
			p->pin = SYNC_PIN_MISMATCH;
		else if (p->reached >= SYNC_PROBE_HTTP)
			p->pin = SYNC_PIN_MATCHED;
	}
	if (rc == HATCH_OK && open311 && !xml && resp.status >= 200 && resp.status < 300 &&
	    resp.body.len) {
		json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
		if (json_is_array(j))
			p->services = (long)json_array_size(j);
		json_decref(j);
	}
	sync_http_response_cleanup(&resp);
	return HATCH_OK;
}

void sync_probe_versions(char *out, size_t size)
{
	copy(out, size, curl_version());
}
