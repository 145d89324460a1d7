/* libFuzzer target for what citizens type. The bundled journeys (and one
 * built in here with every kind of question) are loaded once; each input
 * then picks a journey and drives a session with arbitrary answers and
 * back, change and send commands, checking it against a small model of the
 * path rules: a skipped step's answer counts as not given, the session is
 * always on the step its answers lead to, errors are whole messages, and a
 * stored answer validates again to itself. The format validators
 * (postcodes, NINOs, registrations, phones, emails, numbers, references)
 * are also run on the raw bytes: a normalised value must validate again to
 * the same value. Violations abort so that the fuzzer reports them.
 *
 * Input: byte 0 picks the journey, byte 1 is the separator, the rest is
 * split on it into tokens. A token of one or two bytes starting with 0x01
 * goes back, 0x02 N asks to change step N, 0x03 continues with the parts
 * gathered so far, 0x04 sends (0x04 N with N odd: records, then confirms);
 * any other token is one more part. Journeys
 * are read from $HATCH_ASSETS/journeys, ./assets/journeys or
 * ../assets/journeys beside the program, whichever is found first. */
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "core/answer.h"
#include "core/cond.h"
#include "core/journey.h"
#include "core/reference.h"
#include "core/session.h"
#include "core/validate.h"

#define FA_MAX_JOURNEYS 64
#define FA_MAX_PARTS    60 /* more than ANSWER_MAX_PARTS */
#define FA_MAX_FILES    64

enum { FA_BACK = 1, FA_CHANGE, FA_CONTINUE, FA_SEND };

static const struct cdate fa_today = {2026, 6, 15};
static struct journey *fa_journeys[FA_MAX_JOURNEYS];
static size_t fa_njourneys;

/* Every kind of question, with conditions of most kinds, so that the
 * target has work even where the bundled journeys are not found. */
static const char fa_builtin[] =
	"{\"hatch_journey\":1,\"id\":\"fuzz-every-kind\",\"version\":1,"
	"\"title\":\"Every kind\",\"description\":\"Each kind of question\","
	"\"routes\":[{\"when\":{\"answer\":\"pick\",\"equals\":\"a\"},"
	"\"destination\":\"route-a\"},{\"when\":{\"any\":[{\"answer\":\"count\","
	"\"gt\":100},{\"answer\":\"many\",\"includes\":\"x\"}]},"
	"\"destination\":\"route-b\"},{\"destination\":\"route-c\"}],"
	"\"steps\":[{\"id\":\"pick\",\"kind\":\"single_choice\",\"question\":\"Pick\","
	"\"options\":[{\"value\":\"a\",\"label\":\"A\"},{\"value\":\"b\","
	"\"label\":\"B\"},{\"value\":\"c\",\"label\":\"C\"}],"
	"\"errors\":{\"required\":\"Pick one\"}},{\"id\":\"stop-c\",\"kind\":\"info\","
	"\"title\":\"Not for C\",\"outcome\":\"stop\","
	"\"show_when\":{\"answer\":\"pick\",\"equals\":\"c\"}},{\"id\":\"name\","
	"\"kind\":\"text\",\"question\":\"Name\",\"min_length\":2,\"max_length\":40,"
	"\"pattern\":\"[A-Za-z' -]+\",\"show_when\":{\"answer\":\"pick\","
	"\"equals\":\"a\"},\"errors\":{\"required\":\"Enter a name\","
	"\"too_short\":\"At least {min_length}\",\"too_long\":\"At most {max_length}\","
	"\"pattern\":\"Letters\"}},{\"id\":\"story\",\"kind\":\"long_text\","
	"\"question\":\"Story\",\"required\":false,\"max_length\":300,"
	"\"errors\":{\"too_long\":\"At most {max_length}\"}},{\"id\":\"count\","
	"\"kind\":\"number\",\"question\":\"Count\",\"min\":-5.5,\"max\":1000000,"
	"\"unit\":\"kg\",\"errors\":{\"required\":\"Enter a number\","
	"\"min\":\"At least {min}\",\"max\":\"At most {max}\"}},{\"id\":\"big\","
	"\"kind\":\"info\",\"title\":\"Big\",\"show_when\":{\"answer\":\"count\","
	"\"ge\":100}},{\"id\":\"whole\",\"kind\":\"number\",\"question\":\"Whole\","
	"\"whole\":true,\"required\":false,\"errors\":{\"whole\":\"Whole\"}},"
	"{\"id\":\"born\",\"kind\":\"date\",\"question\":\"Born\","
	"\"min\":\"1900-01-01\",\"max\":{\"years\":-16},"
	"\"errors\":{\"required\":\"Enter a date\",\"min\":\"After {min}\","
	"\"max\":\"Before {max}\"}},{\"id\":\"when\",\"kind\":\"date\","
	"\"question\":\"When\",\"required\":false,\"min\":{\"days\":-14},"
	"\"max\":{\"days\":0}},{\"id\":\"email\",\"kind\":\"email\","
	"\"question\":\"Email\",\"required\":false},{\"id\":\"phone\","
	"\"kind\":\"phone\",\"question\":\"Phone\",\"required\":false,"
	"\"show_when\":{\"answer\":\"email\",\"answered\":false}},{\"id\":\"postcode\","
	"\"kind\":\"postcode\",\"question\":\"Postcode\","
	"\"errors\":{\"required\":\"Enter a postcode\"}},{\"id\":\"nino\","
	"\"kind\":\"nino\",\"question\":\"NI\",\"required\":false},{\"id\":\"reg\","
	"\"kind\":\"vehicle_registration\",\"question\":\"Reg\",\"required\":false},"
	"{\"id\":\"addr\",\"kind\":\"address\",\"question\":\"Address\","
	"\"required\":false},{\"id\":\"many\",\"kind\":\"multiple_choice\","
	"\"question\":\"Many\",\"options\":[{\"value\":\"x\",\"label\":\"X\"},"
	"{\"value\":\"y\",\"label\":\"Y\"},{\"value\":\"none\",\"label\":\"None\","
	"\"exclusive\":true}],\"errors\":{\"required\":\"Pick\"},"
	"\"next\":[{\"when\":{\"answer\":\"many\",\"one_of\":[\"none\"]},"
	"\"goto\":\"ok\"}]},{\"id\":\"why\",\"kind\":\"text\",\"question\":\"Why\","
	"\"required\":false},{\"id\":\"ok\",\"kind\":\"yes_no\",\"question\":\"OK\","
	"\"errors\":{\"required\":\"Say\"}},{\"id\":\"check\","
	"\"kind\":\"check_answers\"},{\"id\":\"done\",\"kind\":\"confirmation\","
	"\"title\":\"Done\"}]}";

static _Noreturn void fa_fail(const char *fmt, ...) HATCH_PRINTF(1, 2);

static _Noreturn void fa_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_answers: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define FA_CHECK(cond, ...)                                                              \
	do {                                                                             \
		if (!(cond))                                                             \
			fa_fail(__VA_ARGS__);                                            \
	} while (0)

/* ---- loading the journeys ---- */

static void fa_add(const char *name, const char *text, size_t len)
{
	struct journey *j = NULL;
	struct journey_diags d;
	journey_diags_init(&d);
	enum hatch_err rc = journey_load(text, len, &fa_today, &j, &d);
	if (rc == HATCH_OK && fa_njourneys < FA_MAX_JOURNEYS)
		fa_journeys[fa_njourneys++] = j;
	else {
		fprintf(stderr, "fuzz_answers: %s does not load (%d)\n", name, (int)rc);
		journey_destroy(j);
	}
	journey_diags_cleanup(&d);
}

static void fa_add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char *text = malloc(JOURNEY_MAX_BYTES + 1);
	size_t len = text ? fread(text, 1, JOURNEY_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (text && len <= JOURNEY_MAX_BYTES)
		fa_add(path, text, len);
	free(text);
}

static int fa_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads the .json files in DIR in name order, so that an input means the
 * same journey on every machine; returns how many loaded. */
static size_t fa_add_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char *names[FA_MAX_FILES];
	size_t n = 0, before = fa_njourneys;
	struct dirent *e;
	while ((e = readdir(d)) && n < FA_MAX_FILES) {
		size_t len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			size_t size = strlen(dir) + len + 2;
			if ((names[n] = malloc(size)))
				snprintf(names[n++], size, "%s/%s", dir, e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, fa_cmp_names);
	for (size_t i = 0; i < n; i++) {
		fa_add_file(names[i]);
		free(names[i]);
	}
	return fa_njourneys - before;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096];
	json_object_seed(1);
	fa_add("the built-in journey", fa_builtin, sizeof fa_builtin - 1);
	const char *env = getenv("HATCH_ASSETS");
	size_t found = 0;
	if (env && *env) {
		snprintf(path, sizeof path, "%s/journeys", env);
		found = fa_add_dir(path);
		if (!found)
			found = fa_add_dir(env);
	}
	if (!found)
		found = fa_add_dir("assets/journeys");
	if (!found && argc && *argc > 0 && (*argv)[0]) {
		const char *exe = (*argv)[0];
		const char *slash = strrchr(exe, '/');
		int dirlen = slash ? (int)(slash - exe) : 1;
		snprintf(path, sizeof path, "%.*s/../assets/journeys", dirlen,
			 slash ? exe : ".");
		found = fa_add_dir(path);
	}
	if (!found)
		fprintf(stderr,
			"fuzz_answers: no bundled journeys found (set HATCH_ASSETS); "
			"using the built-in one only\n");
	fprintf(stderr, "fuzz_answers: %zu journeys\n", fa_njourneys);
	if (!fa_njourneys)
		abort();
	return 0;
}

/* ---- the format validators ---- */

/* Runs one format validator on IN: a value it accepts must validate again
 * to itself. With TIGHT_OK (validators that take any size; postcodes, NINOs
 * and registrations need 16 bytes) a buffer one byte short is refused. */
static void fa_check_format(const char *name, bool (*fn)(const char *, char *, size_t),
			    const char *in, bool tight_ok)
{
	char out[512], again[512];
	memset(out, 0x55, sizeof out);
	if (!fn(in, out, sizeof out))
		return;
	FA_CHECK(memchr(out, '\0', sizeof out), "%s: output not terminated", name);
	FA_CHECK(fn(out, again, sizeof again),
		 "%s: \"%s\" (from \"%s\") does not validate", name, out, in);
	FA_CHECK(strcmp(out, again) == 0, "%s: \"%s\" normalises to \"%s\"", name, out,
		 again);
	/* A buffer one byte too small is refused, never overrun. */
	size_t need = strlen(out) + 1;
	if (!tight_ok || need < 2)
		return;
	char *tight = malloc(need - 1);
	FA_CHECK(tight, "out of memory");
	FA_CHECK(!fn(in, tight, need - 1), "%s: \"%s\" fits in %zu bytes", name, out,
		 need - 1);
	free(tight);
}

static void fa_check_validators(const char *in)
{
	fa_check_format("validate_postcode", validate_postcode, in, false);
	fa_check_format("validate_nino", validate_nino, in, false);
	fa_check_format("validate_vehicle_reg", validate_vehicle_reg, in, false);
	fa_check_format("validate_phone", validate_phone, in, true);
	fa_check_format("validate_email", validate_email, in, true);

	double v, v2;
	char out[64], again[64];
	if (validate_number(in, &v, out, sizeof out)) {
		FA_CHECK(validate_number(out, &v2, again, sizeof again),
			 "validate_number: \"%s\" (from \"%s\") does not validate", out,
			 in);
		FA_CHECK(strcmp(out, again) == 0,
			 "validate_number: \"%s\" (from \"%s\") normalises to \"%s\"",
			 out, in, again);
	}
	int m = validate_month(in);
	FA_CHECK(m >= 0 && m <= 12, "validate_month(\"%s\") = %d", in, m);

	char ref[REFERENCE_SIZE], ref2[REFERENCE_SIZE], made[REFERENCE_SIZE];
	if (reference_parse(in, ref)) {
		FA_CHECK(strlen(ref) == REFERENCE_SIZE - 1, "reference_parse gave \"%s\"",
			 ref);
		FA_CHECK(reference_parse(ref, ref2) && strcmp(ref, ref2) == 0,
			 "reference \"%s\" does not parse to itself", ref);
		uint64_t seq;
		FA_CHECK(reference_sequence(ref, 0x5eedu, &seq) && seq < REFERENCE_SPACE,
			 "reference \"%s\" has no sequence number", ref);
		reference_make(seq, 0x5eedu, made);
		FA_CHECK(strcmp(made, ref) == 0, "reference \"%s\" remade as \"%s\"", ref,
			 made);
	}
}

/* ---- a model of the path rules ---- */

struct fa_run {
	const struct journey *j;
	struct session *s;
	bool *on;      /* per step: on the model's path so far */
	bool *visited; /* per step: continued from */
	size_t *path;  /* the model's path */
	size_t npath;
	bool changing;
	bool submitted;
};

/* A condition sees the answer to a step only when that step is on the
 * path: an answer to a step that was skipped counts as not given. */
static const struct answer *fa_lookup(void *user, size_t step)
{
	static const struct answer none = {NULL, 0};
	struct fa_run *r = user;
	return r->on[step] ? session_answer(r->s, step) : &none;
}

/* The path as the session's answers stand, from the first step to a stop
 * page, check your answers or the confirmation. */
static void fa_model_path(struct fa_run *r)
{
	const struct journey *j = r->j;
	memset(r->on, 0, j->nsteps * sizeof *r->on);
	r->npath = 0;
	size_t i = cond_shown_from(j, 0, fa_lookup, r, &fa_today);
	while (i < j->nsteps && r->npath < j->nsteps) {
		r->path[r->npath++] = i;
		r->on[i] = true;
		const struct journey_step *st = &j->steps[i];
		if (st->stop || st->kind == STEP_CHECK_ANSWERS ||
		    st->kind == STEP_CONFIRMATION)
			break;
		i = cond_next_step(j, i, fa_lookup, r, &fa_today);
	}
}

static long fa_index(const struct fa_run *r, size_t step)
{
	for (size_t k = 0; k < r->npath; k++)
		if (r->path[k] == step)
			return (long)k;
	return -1;
}

static const char *fa_id(const struct journey *j, size_t step)
{
	return step < j->nsteps ? j->steps[step].id : "(off the end)";
}

static void fa_print_model(const struct fa_run *r)
{
	fputs("fuzz_answers: path by the answers:", stderr);
	for (size_t k = 0; k < r->npath; k++) {
		size_t i = r->path[k];
		const struct answer *a = session_answer(r->s, i);
		fprintf(stderr, " %s", r->j->steps[i].id);
		for (size_t p = 0; p < a->nparts; p++)
			fprintf(stderr, "%s\"%s\"", p ? "|" : "=", a->parts[p]);
	}
	fputs("\nfuzz_answers: answers off it:", stderr);
	for (size_t i = 0; i < r->j->nsteps; i++) {
		const struct answer *a = session_answer(r->s, i);
		if (r->on[i] || !answer_given(a))
			continue;
		fprintf(stderr, " %s", r->j->steps[i].id);
		for (size_t p = 0; p < a->nparts; p++)
			fprintf(stderr, "%s\"%s\"", p ? "|" : "=", a->parts[p]);
	}
	fputc('\n', stderr);
}

static void fa_expect(struct fa_run *r, size_t want, const char *after)
{
	size_t cur = session_current(r->s);
	if (cur != want) {
		fa_model_path(r);
		fa_print_model(r);
		fa_fail("after %s the session is at \"%s\"; its answers lead to \"%s\"",
			after, fa_id(r->j, cur), fa_id(r->j, want));
	}
}

/* Invariants that hold between any two calls. */
static void fa_check_state(struct fa_run *r)
{
	const struct journey *j = r->j;
	size_t cur = session_current(r->s);
	FA_CHECK(cur < j->nsteps, "current step %zu of %zu", cur, j->nsteps);
	FA_CHECK(session_step(r->s) == &j->steps[cur],
		 "session_step is not the current step");
	const struct journey_step *st = &j->steps[cur];
	FA_CHECK(session_finished(r->s) == (st->stop || st->kind == STEP_CONFIRMATION),
		 "session_finished wrong at \"%s\"", st->id);
	FA_CHECK(session_changing(r->s) == r->changing,
		 "session_changing is %d, expected %d", (int)session_changing(r->s),
		 (int)r->changing);
	if (r->submitted) {
		FA_CHECK(cur == j->nsteps - 1, "not at the confirmation after sending");
		return;
	}
	fa_model_path(r);
	if (fa_index(r, cur) < 0) {
		fa_print_model(r);
		fa_fail("the session is at \"%s\", which its answers do not lead to",
			st->id);
	}
	size_t index, total, mi = 0, mt = 0;
	session_progress(r->s, &index, &total);
	for (size_t k = 0; k < r->npath; k++)
		if (journey_kind_is_question(j->steps[r->path[k]].kind)) {
			mt++;
			if (r->path[k] == cur)
				mi = mt;
		}
	FA_CHECK(index == mi && total == mt,
		 "progress %zu of %zu at \"%s\", expected %zu of %zu", index, total,
		 st->id, mi, mt);
	if (st->kind == STEP_CHECK_ANSWERS) {
		const char *dest = session_destination(r->s);
		const char *want = cond_route(j, fa_lookup, r, &fa_today);
		if (!want || !dest || strcmp(dest, want) != 0) {
			fa_print_model(r);
			fa_fail("at check your answers the destination is %s; the "
				"answers on the path give %s",
				dest ? dest : "none", want ? want : "none");
		}
	}
}

/* A stored answer is normalised: it validates again to itself. */
static void fa_check_stored(const struct fa_run *r, size_t step)
{
	const struct journey_step *st = &r->j->steps[step];
	const struct answer *a = session_answer(r->s, step);
	if (!journey_kind_is_question(st->kind) || !answer_given(a))
		return;
	struct answer again = {0};
	struct field_error errs[VALIDATE_MAX_ERRORS];
	size_t nerrs;
	enum hatch_err rc = validate_answer(st, (const char *const *)a->parts, a->nparts,
					    &fa_today, &again, errs, &nerrs);
	if (rc != HATCH_OK) {
		for (size_t p = 0; p < a->nparts; p++)
			fprintf(stderr, "fuzz_answers: stored part %zu: \"%s\"\n", p,
				a->parts[p]);
		fa_fail("the stored answer to \"%s\" (%s) fails validation (%d, rule %d)",
			st->id, journey_kind_name(st->kind), (int)rc,
			nerrs ? (int)errs[0].rule : -1);
	}
	FA_CHECK(again.nparts == a->nparts,
		 "the stored answer to \"%s\" changes its parts", st->id);
	for (size_t p = 0; p < a->nparts; p++)
		FA_CHECK(strcmp(again.parts[p], a->parts[p]) == 0,
			 "the stored answer to \"%s\" renormalises: \"%s\" to \"%s\"",
			 st->id, a->parts[p], again.parts[p]);
	answer_clear(&again);
}

static void fa_continue(struct fa_run *r, char **parts, size_t nparts)
{
	const struct journey *j = r->j;
	size_t from = session_current(r->s);
	const struct journey_step *st = &j->steps[from];
	bool no_way = r->submitted || st->stop || st->kind == STEP_CHECK_ANSWERS ||
		      st->kind == STEP_CONFIRMATION;
	enum hatch_err rc = session_continue(r->s, (const char *const *)parts, nparts);
	const struct session_error *errs;
	size_t nerrs = session_errors(r->s, &errs);
	if (no_way) {
		FA_CHECK(rc == HATCH_ERR_STATE, "continue from \"%s\" returned %d",
			 st->id, (int)rc);
		FA_CHECK(session_current(r->s) == from && nerrs == 0,
			 "a refused continue moved");
		return;
	}
	if (rc == HATCH_ERR_INPUT) {
		FA_CHECK(journey_kind_is_question(st->kind),
			 "page \"%s\" refused its input", st->id);
		FA_CHECK(nerrs >= 1 && nerrs <= VALIDATE_MAX_ERRORS, "%zu errors", nerrs);
		for (size_t i = 0; i < nerrs; i++) {
			FA_CHECK(memchr(errs[i].message, '\0', sizeof errs[i].message),
				 "error %zu not terminated", i);
			FA_CHECK(errs[i].message[0], "error %zu (rule %d) is empty", i,
				 (int)errs[i].rule);
			FA_CHECK((unsigned)errs[i].rule < RULE_COUNT, "error %zu rule %d",
				 i, (int)errs[i].rule);
			FA_CHECK(errs[i].part < ANSWER_MAX_PARTS, "error %zu in box %zu",
				 i, errs[i].part);
		}
		FA_CHECK(session_current(r->s) == from,
			 "a refused answer moved the session");
		return;
	}
	FA_CHECK(rc == HATCH_OK, "continue from \"%s\" returned %d", st->id, (int)rc);
	FA_CHECK(nerrs == 0, "%zu errors after a good continue", nerrs);
	fa_check_stored(r, from);
	r->visited[from] = true;
	fa_model_path(r);
	long at = fa_index(r, from);
	if (at < 0) {
		fa_print_model(r);
		fa_fail("continued from \"%s\", which the answers do not lead to",
			st->id);
	}
	size_t want = (size_t)at + 1 < r->npath ? r->path[at + 1] : j->nsteps;
	if (r->changing) {
		/* On to the first new question (or a stop page), else back to
		 * check your answers. */
		want = r->npath ? r->path[r->npath - 1] : from;
		bool found = false;
		for (size_t k = (size_t)at + 1; k < r->npath && !found; k++) {
			size_t i = r->path[k];
			found = j->steps[i].kind == STEP_CHECK_ANSWERS ||
				j->steps[i].stop || !r->visited[i];
			if (found)
				want = i;
		}
		if (!found || j->steps[want].kind == STEP_CHECK_ANSWERS)
			r->changing = false;
	}
	fa_expect(r, want, "continue");
}

static void fa_back(struct fa_run *r)
{
	size_t from = session_current(r->s);
	bool moved = session_back(r->s);
	if (r->submitted) {
		FA_CHECK(!moved, "went back after sending");
		return;
	}
	fa_model_path(r);
	if (r->changing) {
		r->changing = false;
		if (r->npath &&
		    r->j->steps[r->path[r->npath - 1]].kind == STEP_CHECK_ANSWERS) {
			FA_CHECK(moved, "back while changing did not move");
			fa_expect(r, r->path[r->npath - 1], "back while changing");
			return;
		}
	}
	long at = fa_index(r, from);
	FA_CHECK(moved == (at > 0), "back from \"%s\" returned %d", fa_id(r->j, from),
		 (int)moved);
	fa_expect(r, at > 0 ? r->path[at - 1] : from, "back");
}

static void fa_change(struct fa_run *r, size_t step)
{
	const struct journey *j = r->j;
	size_t from = session_current(r->s);
	enum hatch_err rc = session_change(r->s, step);
	fa_model_path(r);
	bool ok = !r->submitted && j->steps[from].kind == STEP_CHECK_ANSWERS &&
		  step < j->nsteps && journey_kind_is_question(j->steps[step].kind) &&
		  fa_index(r, step) >= 0;
	FA_CHECK((rc == HATCH_OK) == ok, "change to step %zu from \"%s\" returned %d",
		 step, j->steps[from].id, (int)rc);
	FA_CHECK(rc == HATCH_OK || rc == HATCH_ERR_STATE, "change returned %d", (int)rc);
	if (rc == HATCH_OK) {
		r->changing = true;
		fa_expect(r, step, "change");
	} else {
		fa_expect(r, from, "a refused change");
	}
}

/* Sends from check your answers: session_submit(), or with TWO_STEP
 * session_record() and then session_confirm(), as the kiosk does to save
 * the record in between. */
static void fa_send(struct fa_run *r, bool two_step)
{
	const struct journey *j = r->j;
	size_t from = session_current(r->s);
	struct session_meta meta = {0};
	char reference[REFERENCE_SIZE];
	reference_make(7, 0x5eedu, reference);
	meta.uuid = "0b7e3c1e-4a5f-4d2b-9c1a-7a6f2b1c9d3e";
	meta.reference = reference;
	meta.language = "cy";
	meta.assisted = true;
	meta.staff_id = "staff-7";
	meta.created = 1781517600; /* 2026-06-15T10:00:00Z */

	/* What the record should hold: the answered questions on the path. */
	fa_model_path(r);
	const char *want = cond_route(j, fa_lookup, r, &fa_today);
	char *record = NULL;
	enum hatch_err rc = two_step ? session_record(r->s, &meta, &record)
				     : session_submit(r->s, &meta, &record);
	if (rc == HATCH_OK && two_step) {
		FA_CHECK(record && session_current(r->s) == from &&
			     !session_finished(r->s),
			 "session_record moved the session or gave no record");
		rc = session_confirm(r->s, reference);
		FA_CHECK(rc == HATCH_OK,
			 "session_confirm after session_record returned %d", (int)rc);
	}
	if (rc != HATCH_OK) {
		FA_CHECK(rc == HATCH_ERR_STATE && !record, "submit returned %d", (int)rc);
		FA_CHECK(r->submitted || j->steps[from].kind != STEP_CHECK_ANSWERS ||
			     session_current(r->s) != from,
			 "submit refused at check your answers without moving");
		if (session_current(r->s) != from) {
			/* To the first required question left blank. */
			size_t to = session_current(r->s);
			FA_CHECK(fa_index(r, to) >= 0 && j->steps[to].required &&
				     !answer_given(session_answer(r->s, to)),
				 "submit moved to \"%s\"", j->steps[to].id);
		}
		return;
	}
	FA_CHECK(!r->submitted && j->steps[from].kind == STEP_CHECK_ANSWERS,
		 "sent from \"%s\"", j->steps[from].id);
	FA_CHECK(record, "no record");
	json_error_t jerr;
	json_t *root = json_loads(record, 0, &jerr);
	FA_CHECK(json_is_object(root), "record is not a JSON object (%s): %s", jerr.text,
		 record);
	const char *dest = json_string_value(json_object_get(root, "destination"));
	if (!dest || !want || strcmp(dest, want) != 0) {
		fa_print_model(r);
		fa_fail("record sent to %s; the answers on the path give %s: %s",
			dest ? dest : "none", want ? want : "none", record);
	}
	json_t *answers = json_object_get(root, "answers");
	size_t n = 0;
	for (size_t k = 0; k < r->npath; k++) {
		size_t i = r->path[k];
		if (!journey_kind_is_question(j->steps[i].kind) ||
		    !answer_given(session_answer(r->s, i)))
			continue;
		const char *id =
		    json_string_value(json_object_get(json_array_get(answers, n), "id"));
		FA_CHECK(id && strcmp(id, j->steps[i].id) == 0,
			 "record answer %zu is %s, expected \"%s\": %s", n,
			 id ? id : "missing", j->steps[i].id, record);
		n++;
	}
	FA_CHECK(json_array_size(answers) == n,
		 "record has %zu answers, expected %zu: %s", json_array_size(answers), n,
		 record);
	json_decref(root);
	mem_free_wiped(record);
	r->submitted = true;
	r->changing = false;
	FA_CHECK(session_reference(r->s) &&
		     strcmp(session_reference(r->s), reference) == 0,
		 "session_reference is not the one given");
	/* Answers off the path are gone; the rest stay for the confirmation. */
	for (size_t i = 0; i < j->nsteps; i++)
		FA_CHECK(r->on[i] || !answer_given(session_answer(r->s, i)),
			 "an answer off the path (\"%s\") outlived sending",
			 j->steps[i].id);
}

/* Check your answers and the display text of every answer. */
static void fa_check_summary(const struct fa_run *r)
{
	struct session_rows rows;
	FA_CHECK(session_summary(r->s, &rows) == HATCH_OK, "session_summary failed");
	for (size_t i = 0; i < rows.n; i++) {
		FA_CHECK(rows.v[i].step < r->j->nsteps && rows.v[i].label &&
			     rows.v[i].value,
			 "summary row %zu is incomplete", i);
		FA_CHECK(answer_given(session_answer(r->s, rows.v[i].step)) ==
			     (rows.v[i].value[0] != '\0'),
			 "summary row \"%s\" value \"%s\"",
			 r->j->steps[rows.v[i].step].id, rows.v[i].value);
	}
	session_rows_cleanup(&rows);
}

static void fa_free_parts(char **parts, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(parts[i]);
	*n = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The validators on the whole input as one string. */
	char *all = malloc(size + 1);
	if (!all)
		return 0;
	memcpy(all, data, size);
	all[size] = '\0';
	fa_check_validators(all);
	free(all);
	if (size < 2)
		return 0;

	struct fa_run r = {.j = fa_journeys[data[0] % fa_njourneys]};
	size_t n = r.j->nsteps;
	r.on = calloc(n, sizeof *r.on);
	r.visited = calloc(n, sizeof *r.visited);
	r.path = calloc(n + 1, sizeof *r.path);
	r.s = session_create(r.j, &fa_today);
	FA_CHECK(r.on && r.visited && r.path && r.s, "out of memory");
	fa_check_state(&r);

	uint8_t sep = data[1];
	char *parts[FA_MAX_PARTS];
	size_t nparts = 0;
	size_t pos = 2;
	while (pos <= size) {
		const uint8_t *tok = data + pos;
		const uint8_t *end = memchr(tok, sep, size - pos);
		size_t len = end ? (size_t)(end - tok) : size - pos;
		pos += len + 1;
		if (len >= 1 && len <= 2 && tok[0] >= FA_BACK && tok[0] <= FA_SEND) {
			switch (tok[0]) {
			case FA_BACK:
				fa_back(&r);
				break;
			case FA_CHANGE:
				fa_change(&r, len == 2 ? tok[1] : 0);
				break;
			case FA_CONTINUE:
				fa_continue(&r, parts, nparts);
				fa_free_parts(parts, &nparts);
				break;
			case FA_SEND:
				fa_send(&r, len == 2 && (tok[1] & 1));
				break;
			}
			fa_check_state(&r);
			continue;
		}
		char *part = malloc(len + 1);
		FA_CHECK(part, "out of memory");
		memcpy(part, tok, len);
		part[len] = '\0';
		fa_check_validators(part);
		parts[nparts++] = part;
		if (nparts == FA_MAX_PARTS) {
			fa_continue(&r, parts, nparts);
			fa_free_parts(parts, &nparts);
			fa_check_state(&r);
		}
	}
	if (nparts) {
		fa_continue(&r, parts, nparts);
		fa_free_parts(parts, &nparts);
		fa_check_state(&r);
	}
	fa_check_summary(&r);
	session_destroy(r.s);
	free(r.on);
	free(r.visited);
	free(r.path);
	return 0;
}
