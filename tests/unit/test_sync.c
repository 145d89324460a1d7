/* Unit tests for sync/: the backoff (bounds, growth, cap, Retry-After),
 * how HTTP statuses are classed, the Open311 answer parser (JSON and XML,
 * ids as text, batch tokens, error arrays, garbage), the HTTPS client's
 * refusal of anything but https before connecting, and a drain with no
 * destination configured (kept queued, never dead). No network: the
 * back-end tests are tests/cli/sync.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#include "base/mem.h"
#include "platform/config.h"
#include "store/store.h"
#include "sync/sync.h"
#include "sync/sync_int.h"

static void backoff_bounds(void **state)
{
	(void)state;
	const long long now = 1800000000;
	uint64_t rs[] = {0, 1, 29, 30, 31, 12345, UINT64_MAX / 2, UINT64_MAX};
	for (long attempts = -1; attempts < 80; attempts++) {
		long long window = SYNC_BACKOFF_CAP;
		if (attempts < 7)
			window = (long long)SYNC_BACKOFF_BASE
			         << (attempts < 0 ? 0 : attempts);
		if (window > SYNC_BACKOFF_CAP)
			window = SYNC_BACKOFF_CAP;
		for (size_t i = 0; i < sizeof rs / sizeof *rs; i++) {
			long long next = sync_backoff(now, attempts, 0, rs[i]);
			assert_true(next > now);
			assert_true(next <= now + window);
			assert_true(next <= now + SYNC_BACKOFF_CAP);
		}
	}
	/* The first retry waits at most the base; the window doubles. */
	assert_int_equal(sync_backoff(now, 0, 0, UINT64_MAX - 0),
	                 now + 1 + (long long)(UINT64_MAX % 30));
	assert_int_equal(sync_backoff(now, 0, 0, 29), now + 30);
	assert_int_equal(sync_backoff(now, 1, 0, 59), now + 60);
	assert_int_equal(sync_backoff(now, 6, 0, 1919), now + 1920);
	assert_int_equal(sync_backoff(now, 7, 0, 3599), now + 3600);
	assert_int_equal(sync_backoff(now, 1000000, 0, 3599), now + 3600);
	assert_int_equal(sync_backoff(now, 0, 0, 0), now + 1);
}

static void backoff_honours_retry_after(void **state)
{
	(void)state;
	const long long now = 1800000000;
	for (uint64_t r = 0; r < 100; r++) {
		assert_true(sync_backoff(now, 0, now + 7200, r) >= now + 7200);
		assert_int_equal(sync_backoff(now, 3, now + 7200, r), now + 7200);
	}
	/* A Retry-After sooner than the backoff does not shorten it. */
	assert_int_equal(sync_backoff(now, 5, now + 2, 899), now + 900);
	/* One in the past changes nothing. */
	assert_int_equal(sync_backoff(now, 0, now - 50, 9), now + 10);
}

static void classify(void **state)
{
	(void)state;
	long ok[] = {200, 201, 202, 204, 299};
	long transient[] = {0,   100, 301, 302, 308, 408, 425,
	                    429, 500, 502, 503, 504, 599};
	long permanent[] = {400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 499};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		assert_int_equal(sync_classify(ok[i]), SYNC_SUCCESS);
	for (size_t i = 0; i < sizeof transient / sizeof *transient; i++)
		assert_int_equal(sync_classify(transient[i]), SYNC_TRANSIENT);
	for (size_t i = 0; i < sizeof permanent / sizeof *permanent; i++)
		assert_int_equal(sync_classify(permanent[i]), SYNC_PERMANENT);
}

static void parse(const char *body, bool xml, struct sync_open311_answer *a)
{
	sync_open311_parse(body, strlen(body), xml, a);
}

static void open311_json_answers(void **state)
{
	(void)state;
	struct sync_open311_answer a;
	parse("[{\"service_request_id\": \"SR-000001\", \"service_notice\": \"x\"}]",
	      false, &a);
	assert_true(a.parsed);
	assert_false(a.is_error);
	assert_string_equal(a.id, "SR-000001");
	assert_string_equal(a.token, "");
	parse("[{\"service_request_id\": 638344}]", false, &a);
	assert_string_equal(a.id, "638344");
	parse("[{\"token\": \"tk-12\"}]", false, &a);
	assert_string_equal(a.id, "");
	assert_string_equal(a.token, "tk-12");
	parse("[{\"service_notice\": \"thanks\"}]", false, &a);
	assert_true(a.parsed);
	assert_string_equal(a.id, "");
	assert_string_equal(a.token, "");
	parse("[{\"code\": 400, \"description\": \"service_code: required\"}, "
	      "{\"code\": 400, \"description\": \"second\"}]",
	      false, &a);
	assert_true(a.is_error);
	assert_string_equal(a.err_code, "400");
	assert_string_equal(a.err_desc, "service_code: required");
	const char *bad[] = {"", "{", "null", "{\"a\": 1}", "[1, 2]", "[[]]", "\xff\xfe"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		parse(bad[i], false, &a);
		assert_string_equal(a.id, "");
		assert_false(a.is_error);
	}
	/* An id longer than a store can keep is cut, never overrun. */
	char big[1024];
	memset(big, 'x', sizeof big);
	memcpy(big, "[{\"service_request_id\": \"", 25);
	memcpy(big + sizeof big - 5, "\"}]", 4);
	parse(big, false, &a);
	assert_int_equal(strlen(a.id), sizeof a.id - 1);
}

static void open311_xml_answers(void **state)
{
	(void)state;
	struct sync_open311_answer a;
	parse("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>"
	      "<service_request_id>SR-7</service_request_id><service_notice/></request>"
	      "</service_requests>",
	      true, &a);
	assert_true(a.parsed);
	assert_string_equal(a.id, "SR-7");
	parse(
	    "<service_requests><request><token>tk-9</token></request></service_requests>",
	    true, &a);
	assert_string_equal(a.token, "tk-9");
	parse("<errors><error><code>403</code><description>Invalid "
	      "api_key</description></error>"
	      "</errors>",
	      true, &a);
	assert_true(a.is_error);
	assert_string_equal(a.err_code, "403");
	assert_string_equal(a.err_desc, "Invalid api_key");
	/* No entity is expanded and nothing is fetched. */
	parse("<!DOCTYPE r [<!ENTITY x SYSTEM "
	      "\"file:///etc/passwd\">]><service_requests><request>"
	      "<service_request_id>&x;</service_request_id></request></service_requests>",
	      true, &a);
	assert_null(strstr(a.id, "root"));
	const char *bad[] = {"", "<", "not xml", "<a><b></a>", "\xff"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		parse(bad[i], true, &a);
		assert_string_equal(a.id, "");
	}
}

static void http_refuses_plain_http(void **state)
{
	(void)state;
	struct sync_http *h;
	struct hatch_error e;
	assert_int_equal(sync_http_create(&h, &e), HATCH_OK);
	const char *urls[] = {"http://127.0.0.1:9/x", "HTTP://example.org/",
	                      "ftp://example.org/",   "file:///etc/passwd",
	                      "127.0.0.1/x",          ""};
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		struct sync_http_request req = {.url = urls[i], .now = 1};
		struct sync_http_response resp;
		sync_http_response_init(&resp);
		assert_int_equal(sync_http_send(h, &req, &resp, &e), HATCH_ERR_INPUT);
		assert_non_null(strstr(e.msg, "not https"));
		assert_int_equal(resp.status, 0);
		sync_http_response_cleanup(&resp);
	}
	sync_http_destroy(h);
}

static void unconfigured_destination_kept(void **state)
{
	(void)state;
	char db[512];
	snprintf(db, sizeof db, "%s/hatch.db", support_dir);
	struct hatch_error e;
	struct store *s;
	assert_int_equal(store_open(db, &s, &e), HATCH_OK);
	struct store_submission sub = {
	    .uuid = "8c1f2f8e-4d0c-4b8e-9a51-2f1a3b4c5d6e",
	    .reference = "ABCD-EFGH-1",
	    .journey_id = "missed-bin",
	    .journey_version = 1,
	    .destination = "nowhere",
	    .language = "en",
	    .channel = "self-service",
	    .payload = "{\"answers\":[]}",
	    .created = 1000,
	};
	assert_int_equal(store_outbox_add(s, &sub, &e), HATCH_OK);
	struct config *c = mem_calloc(1, sizeof *c);
	assert_non_null(c);
	config_defaults(c);
	struct sync *w;
	assert_int_equal(sync_create(c, s, &w, &e), HATCH_OK);
	struct sync_stats st;
	for (int round = 0; round < 3; round++) {
		long long now = 1000 + round * 100000;
		assert_int_equal(sync_drain(w, now, &st, &e), HATCH_OK);
		assert_int_equal(st.retried, 1);
		assert_int_equal(st.delivered + st.dead, 0);
		assert_true(st.next_attempt > now);
		assert_true(st.next_attempt <= now + SYNC_BACKOFF_CAP);
		/* Nothing more is due in the same drain. */
		assert_int_equal(sync_drain(w, now, &st, &e), HATCH_OK);
		assert_int_equal(st.retried + st.delivered + st.dead, 0);
	}
	struct store_destination_stats *v;
	size_t n;
	assert_int_equal(store_destination_stats(s, &v, &n, &e), HATCH_OK);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].counts[STORE_QUEUED], 1);
	assert_int_equal(v[0].counts[STORE_DEAD], 0);
	assert_string_equal(v[0].last_error, "no destination configured");
	mem_free(v);
	sync_destroy(w);
	sync_destroy(NULL);
	mem_free(c);
	store_close(s);
}

int main(void)
{
#define TEST(f)                                                                          \
	cmocka_unit_test_setup_teardown(f, support_dir_setup, support_dir_teardown)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(backoff_bounds),
	    cmocka_unit_test(backoff_honours_retry_after),
	    cmocka_unit_test(classify),
	    cmocka_unit_test(open311_json_answers),
	    cmocka_unit_test(open311_xml_answers),
	    cmocka_unit_test(http_refuses_plain_http),
	    TEST(unconfigured_destination_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
