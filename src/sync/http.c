/* The one HTTPS client of the delivery worker: a libcurl easy handle set up
 * the safe way for every request (peer and host verified, https only, no
 * redirects, bounded time and size) and reused across a drain so that a
 * back end's connection is kept alive. Knows nothing of records or
 * protocols; the adapters build the requests. Only sync/ includes curl. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "base/mem.h"
#include "sync/sync_int.h"

/* Reasons for the limits: a kiosk must give up on a dead back end soon
 * enough to try the next record, but a slow council server answering a
 * large POST over a weak library connection still gets its minute. */
enum {
	HTTP_CONNECT_TIMEOUT_S = 10,
	HTTP_TOTAL_TIMEOUT_S = 60,
	HTTP_LOW_SPEED_BYTES = 100, /* a transfer slower than this ... */
	HTTP_LOW_SPEED_S = 20,      /* ... for this long is abandoned */
};

/* A Retry-After further ahead than this is taken as this: a broken or
 * hostile answer must not stop delivery for ever. */
#define HTTP_RETRY_AFTER_MAX (24LL * 3600)

struct sync_http {
	CURL *curl;
};

enum hatch_err sync_http_create(struct sync_http **out, struct hatch_error *e)
{
	*out = NULL;
	struct sync_http *h = mem_calloc(1, sizeof *h);
	if (!h)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	h->curl = curl_easy_init();
	if (!h->curl) {
		mem_free(h);
		return err_set(e, HATCH_ERR_NOMEM, "cannot start the HTTPS client");
	}
	*out = h;
	return HATCH_OK;
}

void sync_http_destroy(struct sync_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	mem_free(h);
}

void sync_http_response_init(struct sync_http_response *r)
{
	r->status = 0;
	r->retry_after = 0;
	r->etag[0] = '\0';
	buf_init(&r->body, SYNC_HTTP_BODY_MAX);
}

void sync_http_response_cleanup(struct sync_http_response *r)
{
	buf_cleanup(&r->body);
	r->status = 0;
	r->retry_after = 0;
	r->etag[0] = '\0';
}

/* What the callbacks fill during one transfer. */
struct transfer {
	struct sync_http_response *resp;
	long long now;
	bool too_big, nomem;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	enum hatch_err rc = buf_add(&t->resp->body, p, len);
	if (rc == HATCH_OK)
		return len;
	/* Anything but the whole chunk ends the transfer (CURLE_WRITE_ERROR). */
	if (rc == HATCH_ERR_LIMIT)
		t->too_big = true;
	else
		t->nomem = true;
	return 0;
}

/* Retry-After: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
static long long parse_retry_after(const char *v, size_t len, long long now)
{
	char tmp[128];
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' ||
	               v[len - 1] == '\t'))
		len--;
	if (!len || len >= sizeof tmp)
		return 0;
	memcpy(tmp, v, len);
	tmp[len] = '\0';
	long long at;
	if (tmp[0] >= '0' && tmp[0] <= '9') {
		long long s = 0;
		for (size_t i = 0; i < len; i++) {
			if (tmp[i] < '0' || tmp[i] > '9')
				return 0;
			if (s < HTTP_RETRY_AFTER_MAX)
				s = s * 10 + (tmp[i] - '0');
		}
		at = now + (s < HTTP_RETRY_AFTER_MAX ? s : HTTP_RETRY_AFTER_MAX);
	} else {
		time_t t = curl_getdate(tmp, NULL);
		if (t == (time_t)-1)
			return 0;
		at = (long long)t;
		if (at > now + HTTP_RETRY_AFTER_MAX)
			at = now + HTTP_RETRY_AFTER_MAX;
	}
	return at;
}

/* An ETag header's value, V[0..LEN), into R: trimmed, and only when it is
 * printable ASCII that fits. */
static void keep_etag(struct sync_http_response *r, const char *v, size_t len)
{
	r->etag[0] = '\0';
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' ' ||
	               v[len - 1] == '\t'))
		len--;
	if (!len || len > SYNC_HTTP_ETAG_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return;
	memcpy(r->etag, v, len);
	r->etag[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	size_t nl = sizeof name - 1;
	/* A new status line (after a 100 Continue) starts a new header set. */
	static const char etag[] = "etag:";
	size_t el = sizeof etag - 1;
	if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
		t->resp->retry_after = 0;
		t->resp->etag[0] = '\0';
	}
	if (len > nl && !strncasecmp(p, name, nl))
		t->resp->retry_after = parse_retry_after(p + nl, len - nl, t->now);
	if (len > el && !strncasecmp(p, etag, el))
		keep_etag(t->resp, p + el, len - el);
	return len;
}

/* Every option is set again for every request (curl_easy_reset keeps the
 * live connections), so nothing one adapter set leaks into the next. */
static CURLcode setup(CURL *c, const struct sync_http_request *req,
                      struct curl_slist *hdrs, struct transfer *t)
{
	CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                    \
	do {                                                                             \
		if (rc == CURLE_OK)                                                      \
			rc = curl_easy_setopt(c, opt, val);                              \
	} while (0)
	/* Verification is never off: these two are checked, not trusted. */
	CURLcode v1 = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	CURLcode v2 = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	assert(v1 == CURLE_OK && v2 == CURLE_OK);
	if (v1 != CURLE_OK || v2 != CURLE_OK)
		return v1 != CURLE_OK ? v1 : v2;
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)HTTP_CONNECT_TIMEOUT_S);
	SET(CURLOPT_TIMEOUT, (long)HTTP_TOTAL_TIMEOUT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_LOW_SPEED_BYTES);
	SET(CURLOPT_LOW_SPEED_TIME, (long)HTTP_LOW_SPEED_S);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->resp->body.max);
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	SET(CURLOPT_USERAGENT, "hatch-kiosk");
	if (hdrs)
		SET(CURLOPT_HTTPHEADER, hdrs);
	if (req->body) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, req->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
	}
	/* Probes: a request that sends nothing a back end could act on. */
	if (req->method && !strcmp(req->method, "HEAD"))
		SET(CURLOPT_NOBODY, 1L);
	else if (req->method && !strcmp(req->method, "OPTIONS"))
		SET(CURLOPT_CUSTOMREQUEST, "OPTIONS");
	if (req->tls) {
		SET(CURLOPT_CERTINFO, 1L);
		SET(CURLOPT_ERRORBUFFER, req->tls->detail);
	}
	const struct config_destination *d = req->dest;
	if (d && d->ca_bundle[0])
		SET(CURLOPT_CAINFO, d->ca_bundle);
	if (d && d->pinned_keys[0])
		SET(CURLOPT_PINNEDPUBLICKEY, d->pinned_keys);
	if (d && d->client_cert[0]) {
		SET(CURLOPT_SSLCERT, d->client_cert);
		if (d->client_key[0])
			SET(CURLOPT_SSLKEY, d->client_key);
	}
#undef SET
	return rc;
}

/* The "Expire date" of one certificate in curl's certificate information,
 * as unix seconds; 0 when it has none that can be read. */
static long long expire_date(const struct curl_slist *fields)
{
	static const char name[] = "Expire date:";
	for (; fields; fields = fields->next)
		if (!strncmp(fields->data, name, sizeof name - 1)) {
			time_t t = curl_getdate(fields->data + sizeof name - 1, NULL);
			return t == (time_t)-1 ? 0 : (long long)t;
		}
	return 0;
}

/* Fills TLS with what the transfer that ended with RC showed. */
static void tls_info(CURL *c, CURLcode rc, struct sync_http_tls *tls)
{
	tls->curl_code = (int)rc;
	if (rc != CURLE_OK && !tls->detail[0])
		snprintf(tls->detail, sizeof tls->detail, "%s", curl_easy_strerror(rc));
	char *ip = NULL;
	if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
		snprintf(tls->address, sizeof tls->address, "%s", ip);
	curl_off_t us = 0;
	if (curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		tls->ms = (long)(us / 1000);
	us = 0;
	tls->connected = curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &us) == CURLE_OK && us > 0;
	us = 0;
	tls->secured = curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &us) == CURLE_OK && us > 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &tls->status);
	struct curl_certinfo *ci = NULL;
	if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci)
		return;
	tls->chain = ci->num_of_certs;
	for (int i = 0; i < ci->num_of_certs; i++) {
		long long t = expire_date(ci->certinfo[i]);
		if (i == 0)
			tls->leaf_expires = t;
		if (t && (!tls->expires || t < tls->expires))
			tls->expires = t;
	}
}

enum hatch_err sync_http_send(struct sync_http *h, const struct sync_http_request *req,
                              struct sync_http_response *resp, struct hatch_error *e)
{
	if (req->tls) {
		memset(req->tls, 0, sizeof *req->tls);
		/* curl writes at most CURL_ERROR_SIZE bytes there. */
		_Static_assert(sizeof req->tls->detail >= CURL_ERROR_SIZE,
			       "curl's error buffer fits");
	}
	sync_http_response_cleanup(resp);
	size_t cap = req->max_body ? req->max_body : SYNC_HTTP_BODY_MAX;
	buf_init(&resp->body, cap);
	/* Refused here as well as by CURLOPT_PROTOCOLS_STR, so that a wrong
	 * URL never reaches the resolver and the reason is plain. */
	if (strncasecmp(req->url, "https://", 8) != 0)
		return err_set(e, HATCH_ERR_INPUT,
		               "refused: the destination's URL is not https");
	struct curl_slist *hdrs = NULL;
	for (const char *const *p = req->headers; p && *p; p++) {
		struct curl_slist *n = curl_slist_append(hdrs, *p);
		if (!n) {
			curl_slist_free_all(hdrs);
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		}
		hdrs = n;
	}
	struct transfer t = {.resp = resp, .now = req->now};
	curl_easy_reset(h->curl);
	CURLcode rc = setup(h->curl, req, hdrs, &t);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h->curl);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (req->tls)
		tls_info(h->curl, rc, req->tls);
	/* The handle keeps pointers to the list, to T and to the error
	 * buffer: drop them now. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdrs);
	if (t.nomem) {
		sync_http_response_cleanup(resp);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	if (rc != CURLE_OK) {
		sync_http_response_cleanup(resp);
		if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED)
			return err_set(e, HATCH_ERR_IO,
			               "the answer was larger than %zu bytes", cap);
		if (rc == CURLE_UNSUPPORTED_PROTOCOL)
			return err_set(e, HATCH_ERR_INPUT,
			               "refused: the destination's URL is not https");
		if (rc == CURLE_OUT_OF_MEMORY)
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		return err_set(e, HATCH_ERR_IO, "curl %d: %s", (int)rc,
		               curl_easy_strerror(rc));
	}
	resp->status = status;
	return HATCH_OK;
}

enum hatch_err sync_http_escape(struct sync_http *h, struct buf *b, const char *s)
{
	char *x = curl_easy_escape(h->curl, s, (int)strlen(s));
	if (!x) {
		buf_cleanup(b);
		return HATCH_ERR_NOMEM;
	}
	enum hatch_err rc = buf_addstr(b, x);
	size_t n = strlen(x);
	mem_wipe(x, n);
	curl_free(x);
	return rc;
}
