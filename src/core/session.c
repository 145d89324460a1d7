/* A citizen's session through a journey. Depends on base/ and jansson. */
#include "core/session.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/msg.h"
#include "core/cond.h"
#include "core/journey_int.h"

struct session {
	const struct journey *j;
	struct cdate today;
	size_t cur;
	struct answer *answers;   /* per step, normalised */
	bool *visited;            /* per step: continued from at least once */
	bool changing;
	bool submitted;
	char *reference;
	char *destination;
	struct session_error errors[VALIDATE_MAX_ERRORS];
	size_t nerrors;
	size_t *path;             /* scratch, nsteps + 1 */
	bool *onpath;             /* steps on the path as compute_path() found it */
	const struct msg_tr *tr;  /* what is shown is translated by; may be NULL */
};

/* Conditions see only the answers of steps on the path before them: an
 * answer left behind on a branch the citizen went back out of decides
 * nothing (it is kept, in case they go that way again). */
static const struct answer *lookup(void *user, size_t step)
{
	static const struct answer none = {NULL, 0};
	struct session *s = user;
	return s->onpath[step] ? &s->answers[step] : &none;
}

struct session *session_create(const struct journey *j, const struct cdate *today)
{
	struct session *s = mem_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->j = j;
	s->today = *today;
	s->answers = mem_calloc(j->nsteps, sizeof *s->answers);
	s->visited = mem_calloc(j->nsteps, sizeof *s->visited);
	s->path = mem_calloc(j->nsteps + 1, sizeof *s->path);
	s->onpath = mem_calloc(j->nsteps, sizeof *s->onpath);
	if (!s->answers || !s->visited || !s->path || !s->onpath) {
		session_destroy(s);
		return NULL;
	}
	s->cur = cond_shown_from(j, 0, lookup, s, today);
	return s;
}

void session_destroy(struct session *s)
{
	if (!s)
		return;
	if (s->answers)
		for (size_t i = 0; i < s->j->nsteps; i++)
			answer_clear(&s->answers[i]);
	mem_free(s->answers);
	mem_free(s->visited);
	mem_free(s->path);
	mem_free(s->onpath);
	mem_free(s->reference);
	mem_free(s->destination);
	mem_wipe(s->errors, sizeof s->errors);
	mem_free(s);
}

const struct journey *session_journey(const struct session *s)
{
	return s->j;
}

size_t session_current(const struct session *s)
{
	return s->cur;
}

const struct journey_step *session_step(const struct session *s)
{
	return &s->j->steps[s->cur];
}

const struct answer *session_answer(const struct session *s, size_t step)
{
	return &s->answers[step];
}

/* The path from the first step as the answers stand: the steps a citizen
 * passes through, ending at a stop page or check your answers. */
static size_t compute_path(struct session *s)
{
	memset(s->onpath, 0, s->j->nsteps * sizeof *s->onpath);
	size_t n = 0, i = cond_shown_from(s->j, 0, lookup, s, &s->today);
	while (i < s->j->nsteps) {
		s->path[n++] = i;
		s->onpath[i] = true;
		const struct journey_step *st = &s->j->steps[i];
		if (st->stop || st->kind == STEP_CHECK_ANSWERS ||
		    st->kind == STEP_CONFIRMATION)
			break;
		i = cond_next_step(s->j, i, lookup, s, &s->today);
	}
	return n;
}

static long path_index(struct session *s, size_t n, size_t step)
{
	for (size_t k = 0; k < n; k++)
		if (s->path[k] == step)
			return (long)k;
	return -1;
}

/* After a change from check your answers: the first step after FROM on the
 * new path that the citizen has not yet seen, or that stops the journey;
 * else check your answers. */
static size_t after_change(struct session *s, size_t from)
{
	size_t n = compute_path(s);
	long at = path_index(s, n, from);
	for (size_t k = at < 0 ? 0 : (size_t)at + 1; k < n; k++) {
		size_t i = s->path[k];
		const struct journey_step *st = &s->j->steps[i];
		if (st->kind == STEP_CHECK_ANSWERS || st->stop || !s->visited[i]) {
			if (st->kind == STEP_CHECK_ANSWERS)
				s->changing = false;
			return i;
		}
	}
	s->changing = false;
	return n ? s->path[n - 1] : s->cur;
}

/* The messages of the current errors, in the language shown. */
static void render_errors(struct session *s)
{
	const struct journey_step *st = &s->j->steps[s->cur];
	for (size_t k = 0; k < s->nerrors; k++) {
		struct field_error fe = {s->errors[k].part, s->errors[k].rule};
		validate_message(st, &fe, &s->today, s->tr, s->errors[k].message,
				 sizeof s->errors[k].message);
	}
}

void session_set_translation(struct session *s, const struct msg_tr *tr)
{
	s->tr = tr;
	render_errors(s);
}

enum hatch_err session_continue(struct session *s, const char *const *parts,
				size_t nparts)
{
	const struct journey_step *st = &s->j->steps[s->cur];
	s->nerrors = 0;
	if (s->submitted || st->stop || st->kind == STEP_CHECK_ANSWERS ||
	    st->kind == STEP_CONFIRMATION)
		return HATCH_ERR_STATE;
	if (journey_kind_is_question(st->kind)) {
		struct field_error errs[VALIDATE_MAX_ERRORS];
		size_t nerrs = 0;
		struct answer a = {0};
		enum hatch_err rc =
			validate_answer(st, parts, nparts, &s->today, &a, errs, &nerrs);
		if (rc == HATCH_ERR_INPUT) {
			for (size_t k = 0; k < nerrs; k++) {
				s->errors[k].part = errs[k].part;
				s->errors[k].rule = errs[k].rule;
			}
			s->nerrors = nerrs;
			render_errors(s);
			return rc;
		}
		if (rc != HATCH_OK)
			return rc;
		answer_clear(&s->answers[s->cur]);
		s->answers[s->cur] = a;
	}
	s->visited[s->cur] = true;
	if (s->changing) {
		s->cur = after_change(s, s->cur);
	} else {
		size_t n = compute_path(s);
		long at = path_index(s, n, s->cur);
		if (at >= 0 && (size_t)at + 1 < n)
			s->cur = s->path[at + 1];
	}
	return HATCH_OK;
}

size_t session_errors(const struct session *s, const struct session_error **out)
{
	*out = s->errors;
	return s->nerrors;
}

bool session_back(struct session *s)
{
	s->nerrors = 0;
	if (s->submitted)
		return false;
	if (s->changing) {
		size_t n = compute_path(s);
		s->changing = false;
		if (n && s->j->steps[s->path[n - 1]].kind == STEP_CHECK_ANSWERS) {
			s->cur = s->path[n - 1];
			return true;
		}
	}
	size_t n = compute_path(s);
	long at = path_index(s, n, s->cur);
	if (at <= 0)
		return false;
	s->cur = s->path[at - 1];
	return true;
}

enum hatch_err session_change(struct session *s, size_t step)
{
	if (s->submitted || s->j->steps[s->cur].kind != STEP_CHECK_ANSWERS ||
	    step >= s->j->nsteps || !journey_kind_is_question(s->j->steps[step].kind))
		return HATCH_ERR_STATE;
	size_t n = compute_path(s);
	if (path_index(s, n, step) < 0)
		return HATCH_ERR_STATE;
	s->changing = true;
	s->cur = step;
	s->nerrors = 0;
	return HATCH_OK;
}

bool session_changing(const struct session *s)
{
	return s->changing;
}

void session_progress(const struct session *s, size_t *index, size_t *total)
{
	struct session *m = (struct session *)s; /* only the scratch path */
	size_t n = compute_path(m);
	*index = 0;
	*total = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = m->path[k];
		if (!journey_kind_is_question(s->j->steps[i].kind))
			continue;
		(*total)++;
		if (i == s->cur)
			*index = *total;
	}
}

static enum hatch_err add_display(const struct session *s, size_t step, struct buf *b)
{
	const struct journey_step *st = &s->j->steps[step];
	const struct answer *a = &s->answers[step];
	enum hatch_err rc = HATCH_OK;
	if (!answer_given(a))
		return buf_addstr(b, "");
	switch (st->kind) {
	case STEP_DATE: {
		struct cdate d;
		char text[64];
		if (!answer_date(a, &d))
			return HATCH_ERR_STATE;
		validate_format_date(&d, s->tr, text, sizeof text);
		return buf_addstr(b, text);
	}
	case STEP_ADDRESS:
		for (size_t k = 0; k < a->nparts && k < ADDR_LINES && rc == HATCH_OK; k++)
			if (*a->parts[k])
				rc = buf_addf(b, "%s%s", b->len ? "\n" : "", a->parts[k]);
		return rc;
	case STEP_SINGLE_CHOICE:
	case STEP_MULTIPLE_CHOICE:
	case STEP_YES_NO:
		for (size_t k = 0; k < a->nparts && rc == HATCH_OK; k++) {
			const struct journey_option *o = journey_option_find(st, a->parts[k]);
			rc = buf_addf(b, "%s%s", k ? "\n" : "",
				      o ? msg_text(s->tr, o->label) : a->parts[k]);
		}
		return rc;
	case STEP_NUMBER:
		if (st->unit)
			return buf_addf(b, "%s %s", a->parts[0], msg_text(s->tr, st->unit));
		return buf_addstr(b, a->parts[0]);
	default:
		return buf_addstr(b, a->parts[0]);
	}
}

enum hatch_err session_display(const struct session *s, size_t step, char **out)
{
	struct buf b;
	buf_init(&b, 64 * 1024);
	enum hatch_err rc = add_display(s, step, &b);
	*out = rc == HATCH_OK ? buf_take(&b) : NULL;
	if (rc == HATCH_OK && !*out)
		rc = HATCH_ERR_NOMEM;
	buf_cleanup(&b);
	return rc;
}

void session_rows_cleanup(struct session_rows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		mem_free_wiped(rows->v[i].value);
	mem_free(rows->v);
	rows->v = NULL;
	rows->n = 0;
}

enum hatch_err session_summary(const struct session *s, struct session_rows *rows)
{
	struct session *m = (struct session *)s;
	size_t n = compute_path(m);
	rows->v = mem_calloc(n ? n : 1, sizeof *rows->v);
	rows->n = 0;
	if (!rows->v)
		return HATCH_ERR_NOMEM;
	for (size_t k = 0; k < n; k++) {
		const struct journey_step *st = &s->j->steps[m->path[k]];
		if (!journey_kind_is_question(st->kind))
			continue;
		struct session_row *r = &rows->v[rows->n];
		r->step = m->path[k];
		r->label = st->summary_label ? st->summary_label : st->question;
		enum hatch_err rc = session_display(s, r->step, &r->value);
		if (rc != HATCH_OK) {
			session_rows_cleanup(rows);
			return rc;
		}
		rows->n++;
	}
	return HATCH_OK;
}

const char *session_destination(const struct session *s)
{
	if (s->destination)
		return s->destination;
	struct session *m = (struct session *)s; /* only the scratch path */
	compute_path(m);
	return cond_route(s->j, lookup, m, &s->today);
}

const char *session_reference(const struct session *s)
{
	return s->reference;
}

bool session_finished(const struct session *s)
{
	const struct journey_step *st = &s->j->steps[s->cur];
	return st->stop || st->kind == STEP_CONFIRMATION;
}

/* ---- the record ---- */

static json_t *answer_json(const struct session *s, size_t step)
{
	const struct journey_step *st = &s->j->steps[step];
	const struct answer *a = &s->answers[step];
	json_t *o = json_object();
	if (!o)
		return NULL;
	int bad = json_object_set_new(o, "id", json_string(st->id));
	bad |= json_object_set_new(o, "question", json_string(st->question));
	json_t *value = NULL, *label = NULL;
	switch (st->kind) {
	case STEP_DATE: {
		struct cdate d;
		char iso[16];
		if (answer_date(a, &d)) {
			snprintf(iso, sizeof iso, "%04d-%02d-%02d", d.year, d.month, d.day);
			value = json_string(iso);
		}
		break;
	}
	case STEP_ADDRESS:
		value = json_pack("{ssssssss}", "line1", a->parts[ADDR_LINE1], "line2",
				  a->parts[ADDR_LINE2], "town", a->parts[ADDR_TOWN],
				  "postcode", a->parts[ADDR_POSTCODE]);
		/* Chosen from the gazetteer: the council's own identifier for
		 * the place, and where it is. */
		if (value && a->nparts == ADDR_PARTS && *a->parts[ADDR_UPRN])
			bad |= json_object_set_new(value, "uprn", json_string(a->parts[ADDR_UPRN]));
		if (value && a->nparts == ADDR_PARTS && *a->parts[ADDR_LAT]) {
			bad |= json_object_set_new(value, "lat",
						   json_real(strtod(a->parts[ADDR_LAT], NULL)));
			bad |= json_object_set_new(value, "long",
						   json_real(strtod(a->parts[ADDR_LON], NULL)));
		}
		break;
	case STEP_MULTIPLE_CHOICE:
		value = json_array();
		label = json_array();
		for (size_t k = 0; value && label && k < a->nparts; k++) {
			const struct journey_option *op = journey_option_find(st, a->parts[k]);
			bad |= json_array_append_new(value, json_string(a->parts[k]));
			bad |= json_array_append_new(label, json_string(op ? op->label : ""));
		}
		break;
	case STEP_SINGLE_CHOICE:
	case STEP_YES_NO: {
		const struct journey_option *op = journey_option_find(st, a->parts[0]);
		value = json_string(a->parts[0]);
		label = json_string(op ? op->label : "");
		break;
	}
	default:
		value = json_string(a->parts[0]);
		break;
	}
	if (!value)
		bad = 1;
	bad |= json_object_set_new(o, "value", value);
	if (label)
		bad |= json_object_set_new(o, "label", label);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void format_time(long long t, char *out, size_t size)
{
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long secs = t - days * 86400;
	struct cdate d = cdate_from_days((long)days);
	int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year % 10000,
		 d.month % 100, d.day % 100, hh % 100, mm % 100, ss % 100);
}

enum hatch_err session_record(struct session *s, const struct session_meta *meta,
			      char **record)
{
	*record = NULL;
	if (s->submitted || s->j->steps[s->cur].kind != STEP_CHECK_ANSWERS)
		return HATCH_ERR_STATE;
	size_t n = compute_path(s);
	for (size_t k = 0; k < n; k++) {
		const struct journey_step *st = &s->j->steps[s->path[k]];
		if (journey_kind_is_question(st->kind) && st->required &&
		    !answer_given(&s->answers[s->path[k]])) {
			s->cur = s->path[k];
			return HATCH_ERR_STATE;
		}
	}
	const char *dest = cond_route(s->j, lookup, s, &s->today);
	if (!dest)
		return HATCH_ERR_STATE;

	journey_json_init();
	char created[48];
	format_time(meta->created, created, sizeof created);
	json_t *answers = json_array();
	json_t *rec = json_pack("{s:s, s:s, s:s, s:{s:s, s:I}, s:s, s:s, s:s}",
				"channel", meta->assisted ? "assisted" : "self-service",
				"created", created, "destination", dest, "journey", "id",
				s->j->id, "version", (json_int_t)s->j->version, "language",
				meta->language, "reference", meta->reference, "uuid", meta->uuid);
	enum hatch_err rc = HATCH_ERR_NOMEM;
	if (!answers || !rec)
		goto out;
	if (meta->assisted && meta->staff_id &&
	    json_object_set_new(rec, "staff_id", json_string(meta->staff_id)))
		goto out;
	for (size_t k = 0; k < n; k++) {
		size_t i = s->path[k];
		if (!journey_kind_is_question(s->j->steps[i].kind) ||
		    !answer_given(&s->answers[i]))
			continue;
		if (json_array_append_new(answers, answer_json(s, i)))
			goto out;
	}
	if (json_object_set(rec, "answers", answers))
		goto out;
	/* The only reals are coordinates given to six places: ten significant
	 * digits print them as given, not as their nearest binary fraction. */
	char *text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
	if (!text)
		goto out;
	/* Copy into our allocator's ownership so the caller frees it one way. */
	*record = mem_strdup(text);
	mem_free_secure(text);
	if (*record)
		rc = HATCH_OK;
out:
	json_decref(answers);
	json_decref(rec);
	return rc;
}

enum hatch_err session_confirm(struct session *s, const char *reference)
{
	if (s->submitted || s->j->steps[s->cur].kind != STEP_CHECK_ANSWERS)
		return HATCH_ERR_STATE;
	size_t n = compute_path(s);
	const char *dest = cond_route(s->j, lookup, s, &s->today);
	if (!dest)
		return HATCH_ERR_STATE;
	char *ref = mem_strdup(reference), *d = mem_strdup(dest);
	if (!ref || !d) {
		mem_free(ref);
		mem_free(d);
		return HATCH_ERR_NOMEM;
	}
	s->reference = ref;
	s->destination = d;
	/* Answers on steps that left the path go now; the rest stay until the
	 * session ends, for the confirmation page. */
	for (size_t i = 0; i < s->j->nsteps; i++)
		if (path_index(s, n, i) < 0)
			answer_clear(&s->answers[i]);
	s->submitted = true;
	s->cur = s->j->nsteps - 1;
	return HATCH_OK;
}

enum hatch_err session_submit(struct session *s, const struct session_meta *meta,
			      char **record)
{
	enum hatch_err rc = session_record(s, meta, record);
	if (rc == HATCH_OK && (rc = session_confirm(s, meta->reference)) != HATCH_OK) {
		mem_free_wiped(*record);
		*record = NULL;
	}
	return rc;
}
