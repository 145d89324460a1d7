/* libFuzzer target for journey files: feeds each input to journey_load()
 * and, when it loads, walks every path (journey_paths) through a real
 * session, checking what the checker promises of any valid journey: the
 * session reaches exactly the steps the path lists, a path that reaches
 * check your answers has a destination, and submission gives a record that
 * parses as JSON and names that destination. About one input in seven is
 * loaded again with allocations failing from a point chosen by the input,
 * which must give HATCH_ERR_NOMEM or the same result, and leak nothing.
 * Violations abort so that the fuzzer reports them.
 *
 * Failures start after the JSON parse: jansson 2.14's lexer ignores a failed
 * allocation while it buffers a token and then fails an assertion
 * (akheron/jansson#362), which would stop every run at the same place. */
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
#include "core/journey.h"
#include "core/paths.h"
#include "core/reference.h"
#include "core/session.h"

/* Enough for every bundled journey; small enough to stay fast. */
#define FJ_MAX_NODES 20000
/* Past these the rest of a journey's paths are not driven (the walk still
 * checks that each of them was counted). */
#define FJ_MAX_PATHS         400
#define FJ_MAX_SESSION_STEPS 40000

static const struct cdate fj_today = {2026, 6, 15};

static _Noreturn void fj_fail(const char *fmt, ...) HATCH_PRINTF(1, 2);

static _Noreturn void fj_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_journey: invariant violated: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

#define FJ_CHECK(cond, ...)                                                              \
	do {                                                                             \
		if (!(cond))                                                             \
			fj_fail(__VA_ARGS__);                                            \
	} while (0)

/* FNV-1a: a deterministic choice from the whole input. */
static uint32_t fj_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static const char *fj_id(const struct journey *j, size_t step)
{
	return step < j->nsteps && j->steps[step].id ? j->steps[step].id : "?";
}

static void fj_print_path(const struct journey *j, const struct journey_path *p)
{
	fputs("fuzz_journey: path:", stderr);
	for (size_t k = 0; k < p->n; k++) {
		const struct answer *a = p->steps[k].answer;
		fprintf(stderr, " %s", fj_id(j, p->steps[k].step));
		if (!a)
			continue;
		fputc('=', stderr);
		if (!a->nparts)
			fputs("(none)", stderr);
		for (size_t i = 0; i < a->nparts; i++)
			fprintf(stderr, "%s\"%s\"", i ? "|" : "", a->parts[i]);
	}
	fprintf(stderr, " (%s, destination %s)\n",
		p->stopped ? "stopped" : "check answers",
		p->destination ? p->destination : "none");
}

static void fj_print_errors(const struct session *s)
{
	const struct session_error *errs;
	size_t n = session_errors(s, &errs);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "fuzz_journey: error in box %zu: %s\n", errs[i].part,
			errs[i].message);
}

struct fj_walk {
	const struct journey *j;
	uint32_t seed;
	size_t paths; /* paths driven through a session */
	size_t seen;  /* paths the walk reported */
	size_t steps; /* session steps taken in all */
	const struct journey_path *cur;
};

/* Continues from the path's Kth step with the answer the path gives. */
static enum hatch_err fj_answer(struct session *s, const struct journey_path *p, size_t k)
{
	const struct answer *a = p->steps[k].answer;
	if (!a)
		return session_continue(s, NULL, 0);
	return session_continue(s, (const char *const *)a->parts, a->nparts);
}

static void fj_continue(struct fj_walk *w, struct session *s, size_t k)
{
	enum hatch_err rc = fj_answer(s, w->cur, k);
	if (rc != HATCH_OK) {
		fj_print_path(w->j, w->cur);
		fj_print_errors(s);
		fj_fail("session_continue at step \"%s\" (path step %zu) returned %d",
			fj_id(w->j, w->cur->steps[k].step), k, (int)rc);
	}
	w->steps++;
}

static void fj_expect_at(struct fj_walk *w, const struct session *s, size_t want,
			 const char *when)
{
	size_t cur = session_current(s);
	if (cur != want) {
		fj_print_path(w->j, w->cur);
		fj_fail("%s: session is at step \"%s\" (%zu), the path says \"%s\" (%zu)",
			when, fj_id(w->j, cur), cur, fj_id(w->j, want), want);
	}
}

static void fj_check_progress(const struct session *s, const struct journey_step *st)
{
	size_t index, total;
	session_progress(s, &index, &total);
	if (journey_kind_is_question(st->kind))
		FJ_CHECK(index >= 1 && index <= total,
			 "progress %zu of %zu on question \"%s\"", index, total, st->id);
	else
		FJ_CHECK(index == 0, "progress %zu of %zu on page \"%s\"", index, total,
			 st->id);
}

/* Check your answers lists the questions on the path, in order, with a
 * value exactly when the session holds an answer. */
static void fj_check_summary(struct fj_walk *w, const struct session *s)
{
	const struct journey_path *p = w->cur;
	struct session_rows rows;
	FJ_CHECK(session_summary(s, &rows) == HATCH_OK, "session_summary failed");
	size_t r = 0;
	for (size_t k = 0; k < p->n; k++) {
		size_t step = p->steps[k].step;
		if (!journey_kind_is_question(w->j->steps[step].kind))
			continue;
		FJ_CHECK(r < rows.n, "summary has %zu rows; the path has more questions",
			 rows.n);
		FJ_CHECK(rows.v[r].step == step,
			 "summary row %zu is \"%s\", the path has \"%s\"", r,
			 fj_id(w->j, rows.v[r].step), fj_id(w->j, step));
		FJ_CHECK(rows.v[r].label != NULL, "summary row %zu has no label", r);
		FJ_CHECK(rows.v[r].value != NULL, "summary row %zu has no value", r);
		bool given = answer_given(session_answer(s, step));
		FJ_CHECK(given == (rows.v[r].value[0] != '\0'),
			 "summary row \"%s\": answered %d but value \"%s\"",
			 fj_id(w->j, step), (int)given, rows.v[r].value);
		r++;
	}
	FJ_CHECK(r == rows.n, "summary has %zu rows, the path %zu questions", rows.n, r);
	session_rows_cleanup(&rows);
}

/* At check your answers: back goes to the path's previous step, and
 * continuing with the same answer comes back; changing a question and
 * giving the same answer returns straight to check your answers. */
static void fj_check_back_and_change(struct fj_walk *w, struct session *s)
{
	const struct journey_path *p = w->cur;
	size_t cya = p->steps[p->n - 1].step;
	if (p->n >= 2) {
		FJ_CHECK(session_back(s), "session_back failed at check your answers");
		fj_expect_at(w, s, p->steps[p->n - 2].step, "after back");
		fj_continue(w, s, p->n - 2);
		fj_expect_at(w, s, cya, "after back and continue");
	}
	size_t nq = 0;
	for (size_t k = 0; k + 1 < p->n; k++)
		nq += journey_kind_is_question(w->j->steps[p->steps[k].step].kind);
	if (!nq)
		return;
	size_t pick = w->seed % nq;
	for (size_t k = 0; k + 1 < p->n; k++) {
		size_t step = p->steps[k].step;
		if (!journey_kind_is_question(w->j->steps[step].kind) || pick--)
			continue;
		FJ_CHECK(session_change(s, step) == HATCH_OK,
			 "session_change(\"%s\") failed", fj_id(w->j, step));
		fj_expect_at(w, s, step, "after change");
		FJ_CHECK(session_changing(s), "not changing after session_change");
		fj_continue(w, s, k);
		fj_expect_at(w, s, cya, "after changing to the same answer");
		FJ_CHECK(!session_changing(s),
			 "still changing back at check your answers");
		break;
	}
}

static void fj_check_record(struct fj_walk *w, const struct session *s,
			    const char *record, const struct session_meta *meta)
{
	const struct journey_path *p = w->cur;
	json_error_t jerr;
	json_t *root = json_loads(record, 0, &jerr);
	FJ_CHECK(root != NULL, "record is not JSON (%s): %s", jerr.text, record);
	FJ_CHECK(json_is_object(root), "record is not an object: %s", record);
	const char *dest = json_string_value(json_object_get(root, "destination"));
	FJ_CHECK(dest && strcmp(dest, p->destination) == 0,
		 "record destination %s, the path's %s", dest ? dest : "(none)",
		 p->destination);
	const char *ref = json_string_value(json_object_get(root, "reference"));
	FJ_CHECK(ref && strcmp(ref, meta->reference) == 0, "record reference wrong: %s",
		 record);
	json_t *jid = json_object_get(json_object_get(root, "journey"), "id");
	FJ_CHECK(json_is_string(jid) && strcmp(json_string_value(jid), w->j->id) == 0,
		 "record journey id wrong: %s", record);
	size_t answered = 0;
	for (size_t k = 0; k < p->n; k++)
		answered += answer_given(session_answer(s, p->steps[k].step)) &&
			    journey_kind_is_question(w->j->steps[p->steps[k].step].kind);
	json_t *answers = json_object_get(root, "answers");
	FJ_CHECK(json_is_array(answers) && json_array_size(answers) == answered,
		 "record has %zu answers, the path %zu: %s",
		 json_is_array(answers) ? json_array_size(answers) : 0, answered, record);
	json_decref(root);
}

static bool fj_drive(void *user, const struct journey_path *p)
{
	struct fj_walk *w = user;
	const struct journey *j = w->j;
	w->seen++;
	FJ_CHECK(p->n >= 1, "an empty path");
	if (!p->stopped && !p->destination) {
		fj_print_path(j, p);
		fj_fail("a path reaches check your answers with no destination");
	}
	if (p->stopped)
		FJ_CHECK(p->destination == NULL, "a stopped path has a destination");
	if (w->paths >= FJ_MAX_PATHS || w->steps >= FJ_MAX_SESSION_STEPS)
		return true;
	w->paths++;
	w->cur = p;
	w->seed = w->seed * 1103515245u + 12345u;

	struct session *s = session_create(j, &fj_today);
	FJ_CHECK(s != NULL, "session_create failed");
	FJ_CHECK(session_journey(s) == j, "session_journey is not the journey");
	for (size_t k = 0; k + 1 < p->n; k++) {
		size_t step = p->steps[k].step;
		FJ_CHECK(step < j->nsteps, "path step %zu out of range", step);
		fj_expect_at(w, s, step, "walking the path");
		const struct journey_step *st = &j->steps[step];
		FJ_CHECK(!st->stop && st->kind != STEP_CHECK_ANSWERS &&
			     st->kind != STEP_CONFIRMATION,
			 "the path goes on past \"%s\"", st->id);
		FJ_CHECK(!session_finished(s), "finished at \"%s\" mid-path", st->id);
		FJ_CHECK((p->steps[k].answer != NULL) ==
			     journey_kind_is_question(st->kind),
			 "path answer presence wrong at \"%s\"", st->id);
		fj_check_progress(s, st);
		fj_continue(w, s, k);
		const struct session_error *errs;
		FJ_CHECK(session_errors(s, &errs) == 0, "errors after a good continue");
	}
	size_t last = p->steps[p->n - 1].step;
	fj_expect_at(w, s, last, "at the end of the path");
	const struct journey_step *st = &j->steps[last];

	struct session_meta meta = {0};
	char reference[REFERENCE_SIZE];
	reference_make(w->paths, 0x5eedu, reference);
	meta.uuid = "0b7e3c1e-4a5f-4d2b-9c1a-7a6f2b1c9d3e";
	meta.reference = reference;
	meta.language = "en";
	meta.assisted = (w->seed & 1) != 0;
	meta.staff_id = "staff-7";
	meta.created = 1781517600; /* 2026-06-15T10:00:00Z */
	char *record = NULL;

	if (p->stopped) {
		FJ_CHECK(st->stop, "a stopped path ends at \"%s\", not a stop page",
			 st->id);
		FJ_CHECK(session_finished(s), "not finished at stop page \"%s\"", st->id);
		FJ_CHECK(session_continue(s, NULL, 0) == HATCH_ERR_STATE,
			 "continued past stop page \"%s\"", st->id);
		FJ_CHECK(session_submit(s, &meta, &record) == HATCH_ERR_STATE && !record,
			 "submitted from stop page \"%s\"", st->id);
		session_destroy(s);
		return true;
	}

	FJ_CHECK(st->kind == STEP_CHECK_ANSWERS, "the path ends at \"%s\"", st->id);
	FJ_CHECK(!session_finished(s), "finished at check your answers");
	const char *dest = session_destination(s);
	if (!dest || strcmp(dest, p->destination) != 0) {
		fj_print_path(j, p);
		fj_fail("the session's destination is %s, the path's %s",
			dest ? dest : "none", p->destination);
	}
	fj_check_summary(w, s);
	fj_check_back_and_change(w, s);

	/* Half the paths send the way the kiosk does: record, save, confirm. */
	enum hatch_err rc;
	if (w->seed & 2) {
		rc = session_record(s, &meta, &record);
		if (rc == HATCH_OK) {
			FJ_CHECK(session_current(s) == last && !session_finished(s),
				 "session_record moved the session");
			rc = session_confirm(s, reference);
			if (rc != HATCH_OK) {
				mem_free_wiped(record);
				record = NULL;
			}
		}
	} else {
		rc = session_submit(s, &meta, &record);
	}
	if (rc != HATCH_OK) {
		fj_print_path(j, p);
		fj_fail("session_submit returned %d (session now at \"%s\")", (int)rc,
			fj_id(j, session_current(s)));
	}
	FJ_CHECK(record != NULL, "session_submit gave no record");
	fj_check_record(w, s, record, &meta);
	mem_free_wiped(record);
	FJ_CHECK(session_finished(s), "not finished after submission");
	FJ_CHECK(session_current(s) == j->nsteps - 1, "not at the confirmation");
	FJ_CHECK(session_reference(s) && strcmp(session_reference(s), reference) == 0,
		 "session_reference is not the one given");
	FJ_CHECK(session_continue(s, NULL, 0) == HATCH_ERR_STATE,
		 "continued after submission");
	FJ_CHECK(!session_back(s), "went back after submission");
	FJ_CHECK(session_submit(s, &meta, &record) == HATCH_ERR_STATE && !record,
		 "submitted twice");
	session_destroy(s);
	return true;
}

static void fj_check_diags(enum hatch_err rc, const struct journey_diags *d)
{
	if (rc != HATCH_ERR_INPUT && rc != HATCH_ERR_LIMIT)
		return;
	FJ_CHECK(d->n > 0 || d->dropped > 0, "journey rejected (%d) without a reason",
		 (int)rc);
	for (size_t i = 0; i < d->n; i++) {
		FJ_CHECK(d->v[i].reason && d->v[i].reason[0],
			 "diagnostic %zu has no reason", i);
		FJ_CHECK(d->v[i].path || d->v[i].line > 0 || rc == HATCH_ERR_LIMIT,
			 "diagnostic %zu (%s) says neither where nor which line", i,
			 d->v[i].reason);
	}
}

/* jansson's allocations counted (and failed) like the project's own. */
static void *fj_json_alloc(size_t n)
{
	return mem_alloc(n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* A fixed hash seed keeps runs (and fault injection points) repeatable. */
	json_object_seed(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	uint32_t h = fj_hash(data, size);
	struct journey *j = NULL;
	struct journey_diags diags;

	journey_diags_init(&diags);
	long before = mem_alloc_count();
	enum hatch_err rc = journey_load(text, size, &fj_today, &j, &diags);
	long allocs = mem_alloc_count() - before;
	FJ_CHECK(rc == HATCH_OK || rc == HATCH_ERR_INPUT || rc == HATCH_ERR_LIMIT,
		 "journey_load returned %d", (int)rc);
	FJ_CHECK((rc == HATCH_OK) == (j != NULL),
		 "journey_load result %d with journey %p", (int)rc, (void *)j);
	if (rc == HATCH_OK)
		FJ_CHECK(diags.n == 0 && !diags.dropped,
			 "a journey that loads has diagnostics");
	fj_check_diags(rc, &diags);
	journey_diags_cleanup(&diags);

	/* The same input again with every allocation from the Nth failing, N
	 * past those of the JSON parse (see the top of the file). */
	long parsing = allocs;
	if (h % 7 == 0 && allocs > 0) {
		json_error_t jerr;
		json_set_alloc_funcs(fj_json_alloc, mem_free_secure);
		before = mem_alloc_count();
		json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
		parsing = mem_alloc_count() - before;
		json_decref(root);
	}
	if (h % 7 == 0 && allocs > parsing) {
		struct journey *fj = NULL;
		long n = parsing + 1 + (long)((h / 7) % (uint32_t)(allocs - parsing));
		journey_diags_init(&diags);
		mem_fail_after(n, 1);
		enum hatch_err frc = journey_load(text, size, &fj_today, &fj, &diags);
		mem_fail_after(0, 0);
		FJ_CHECK(frc == HATCH_ERR_NOMEM || frc == rc,
			 "allocation %ld of %ld failing: journey_load returned %d, not "
			 "%d or %d",
			 n, allocs, (int)frc, (int)HATCH_ERR_NOMEM, (int)rc);
		FJ_CHECK((frc == HATCH_OK) == (fj != NULL),
			 "journey_load with failing allocations: result %d, journey %p",
			 (int)frc, (void *)fj);
		fj_check_diags(frc, &diags);
		journey_destroy(fj);
		journey_diags_cleanup(&diags);
	}

	if (j) {
		struct fj_walk w = {.j = j, .seed = h};
		struct journey_paths_result res;
		FJ_CHECK(journey_paths(j, &fj_today, FJ_MAX_NODES, fj_drive, &w, NULL,
				       &res) == HATCH_OK,
			 "journey_paths failed");
		FJ_CHECK(res.paths == w.seen,
			 "journey_paths counted %zu paths, reported %zu", res.paths,
			 w.seen);
		FJ_CHECK(res.paths > 0, "a valid journey has no path");
		FJ_CHECK(res.nodes <= FJ_MAX_NODES + 1, "journey_paths visited %zu nodes",
			 res.nodes);
		mem_free(res.reached);
		journey_destroy(j);
	}
	return 0;
}
