/* libFuzzer target for hatch provision's provisioning file: feeds each
 * input to provision_read() (which looks at no file) and checks what it
 * promises of any bytes: it succeeds with no problems or fails with at
 * least one, each on a line of the input (0 for the whole file) with a
 * short printable reason; a plan it accepts has a device id and a council,
 * names only files under the configuration's directory (secrets/ and
 * certs/), holds each inline secret, has staff accounts with good IDs and a
 * good PIN or a PIN file, and writes (config_format) a configuration that
 * reads back without a problem; the same input gives the same plan; and
 * read over a configuration there already, its problems are still on its
 * own lines.
 * Violations abort so that the fuzzer reports them. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/provision.h"
#include "base/mem.h"

static _Noreturn void fp_fail(const char *fmt, ...) HATCH_PRINTF(1, 2);

static _Noreturn void fp_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_provision: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define FP_CHECK(cond, ...)                                                              \
	do {                                                                             \
		if (!(cond))                                                             \
			fp_fail(__VA_ARGS__);                                            \
	} while (0)

#define FP_DIR "/etc/hatch"

static void fp_check_plan(const struct provision_plan *plan)
{
	struct hatch_error e;
	FP_CHECK(plan->config.device_id[0], "no device id");
	FP_CHECK(plan->nfiles <= PROVISION_MAX_FILES, "%zu files", plan->nfiles);
	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct provision_file *f = &plan->files[i];
		const char *under = f->secret ? FP_DIR "/secrets/" : FP_DIR "/certs/";
		FP_CHECK(!strncmp(f->to, under, strlen(under)) && !strstr(f->to, "/.."),
		         "file %zu goes to %s", i, f->to);
		FP_CHECK(f->from[0] ? f->from[0] == '/' && !f->data
		                    : f->data && f->len > 0,
		         "file %zu is neither copied nor given", i);
		FP_CHECK(f->line > 0 || f->kept, "file %zu on line %d", i, f->line);
	}
	for (size_t i = 0; i < plan->nstaff; i++) {
		const struct provision_staff *s = &plan->staff[i];
		FP_CHECK(staff_id_check(s->id, &e) == HATCH_OK, "staff %zu has a bad ID",
		         i);
		FP_CHECK(s->pin[0] ? staff_pin_check(s->pin, &e) == HATCH_OK
		                   : s->pin_file[0] == '/',
		         "staff %s has no good PIN", s->id);
		for (size_t j = 0; j < i; j++)
			FP_CHECK(strcmp(s->id, plan->staff[j].id), "staff %s twice",
			         s->id);
	}
	char *out;
	size_t len;
	enum hatch_err rc = config_format(&plan->config, &out, &len, &e);
	FP_CHECK(rc == HATCH_OK || rc == HATCH_ERR_LIMIT, "config_format: %s", e.msg);
	if (rc == HATCH_OK) {
		static struct config c;
		static struct config_problems p;
		FP_CHECK(config_parse(out, len, &c, &p) == HATCH_OK,
		         "the configuration to write has a problem: %s",
		         p.n ? p.v[0].reason : "");
		mem_free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = mem_alloc(size ? size : 1);
	FP_CHECK(text != NULL, "out of memory");
	if (size)
		memcpy(text, data, size);
	enum hatch_err rc;
	struct hatch_error e;
	struct provision_plan *plan =
	    provision_plan_create(FP_DIR "/hatch.conf", &rc, &e);
	struct provision_plan *again =
	    provision_plan_create(FP_DIR "/hatch.conf", &rc, &e);
	FP_CHECK(plan && again, "out of memory");
	static struct config_problems p, p2;
	rc = provision_read(plan, text, size, NULL, &p);
	FP_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT, "provision_read returned %d",
	         (int)rc);
	FP_CHECK((rc == HATCH_OK) == (p.n == 0 && p.dropped == 0),
	         "result %d with %zu problems", (int)rc, p.n);
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	lines += size > 0 && text[size - 1] != '\n';
	for (size_t i = 0; i < p.n; i++) {
		FP_CHECK(p.v[i].line >= 0 && (size_t)p.v[i].line <= lines,
		         "problem %zu on line %d", i, p.v[i].line);
		FP_CHECK(p.v[i].reason[0], "problem %zu has no reason", i);
		for (const char *s = p.v[i].reason; *s; s++)
			FP_CHECK(*s >= 0x20 && *s < 0x7f, "problem %zu is not plain: %s",
			         i, p.v[i].reason);
	}
	if (rc == HATCH_OK)
		fp_check_plan(plan);
	enum hatch_err rc2 = provision_read(again, text, size, NULL, &p2);
	FP_CHECK(rc2 == rc && p2.n == p.n && again->nfiles == plan->nfiles &&
	             again->nstaff == plan->nstaff,
	         "a second read differs");
	FP_CHECK(!memcmp(&again->config, &plan->config, sizeof plan->config),
	         "a second read gives another configuration");
	for (size_t i = 0; i < p.n; i++)
		FP_CHECK(p.v[i].line == p2.v[i].line &&
		             !strcmp(p.v[i].reason, p2.v[i].reason),
		         "problem %zu differs the second time", i);
	provision_plan_destroy(plan);
	provision_plan_destroy(again);

	/* Over a configuration there already: every problem still on a line
	 * of the input (what was kept is line 0), and what is accepted is a
	 * good plan. */
	static struct config keep;
	static bool have_keep;
	if (!have_keep) {
		static const char there[] =
			"[device]\nid = old-1\n[council]\nname = Old\n[storage]\n"
			"database = /var/lib/hatch/hatch.db\n[destination old]\nadapter = "
			"webhook\nurl = https://old.example/\nsecret_file = /etc/hatch/s\n";
		FP_CHECK(config_parse(there, sizeof there - 1, &keep, &p) == HATCH_OK,
		         "the configuration there has a problem");
		have_keep = true;
	}
	plan = provision_plan_create(FP_DIR "/hatch.conf", &rc, &e);
	FP_CHECK(plan, "out of memory");
	rc = provision_read(plan, text, size, &keep, &p);
	FP_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT, "provision_read returned %d",
	         (int)rc);
	for (size_t i = 0; i < p.n; i++) {
		FP_CHECK(p.v[i].line >= 0 && (size_t)p.v[i].line <= lines,
		         "problem %zu on line %d of %zu, kept", i, p.v[i].line, lines);
		for (const char *s = p.v[i].reason; *s; s++)
			FP_CHECK(*s >= 0x20 && *s < 0x7f, "problem %zu is not plain: %s", i,
			         p.v[i].reason);
	}
	if (rc == HATCH_OK)
		fp_check_plan(plan);
	provision_plan_destroy(plan);
	mem_free(text);
	return 0;
}
