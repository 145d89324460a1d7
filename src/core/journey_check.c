/* The meaning of a journey as a whole: structure, conditions that look
 * ahead, loops, and every path (reachability, routes, samples). Depends on
 * base/ only. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "core/cond.h"
#include "core/journey_int.h"
#include "core/paths.h"
#include "core/validate.h"

/* Enough for any journey a person could follow; past it the checker says the
 * journey is too tangled to prove rather than taking minutes. */
#define CHECK_MAX_NODES 200000
#define MAX_SAMPLES 64
#define MAX_SUBSET_OPTIONS 6

static void step_path(char *out, size_t size, const struct journey *j, size_t i,
		      const char *key)
{
	snprintf(out, size, "steps[%zu]%s%s", i, key ? "." : "", key ? key : "");
	(void)j;
}

/* Calls FN on every leaf condition under C. */
static void cond_leaves(const struct cond *c, void (*fn)(void *, const struct cond *),
			void *user)
{
	if (!c)
		return;
	if (c->op >= COND_ALL) {
		for (size_t i = 0; i < c->nsub; i++)
			cond_leaves(&c->sub[i], fn, user);
		return;
	}
	fn(user, c);
}

struct lookahead {
	const struct journey *j;
	struct journey_diags *d;
	size_t holder;    /* the step whose condition this is */
	size_t limit;     /* referenced steps must be below this */
	const char *key;
};

static void check_lookahead(void *user, const struct cond *c)
{
	struct lookahead *l = user;
	if (c->step >= l->limit) {
		char path[64];
		step_path(path, sizeof path, l->j, l->holder, l->key);
		journey_diag_add(l->d, 0, 0, path,
				 "looks at the answer to \"%s\", which comes %s this step",
				 l->j->steps[c->step].id,
				 c->step == l->holder ? "from" : "after");
	}
}

static bool check_structure(const struct journey *j, struct journey_diags *d)
{
	size_t before = d->n;
	long cya = -1, conf = -1;
	char path[64];
	for (size_t i = 0; i < j->nsteps; i++) {
		const struct journey_step *s = &j->steps[i];
		if (s->kind == STEP_CHECK_ANSWERS || s->kind == STEP_CONFIRMATION) {
			long *which = s->kind == STEP_CHECK_ANSWERS ? &cya : &conf;
			if (*which >= 0) {
				step_path(path, sizeof path, j, i, "kind");
				journey_diag_add(d, 0, 0, path, "a journey has only one %s step",
						 journey_kind_name(s->kind));
			}
			*which = (long)i;
		}
		struct lookahead l = {j, d, i, i, "show_when"};
		cond_leaves(s->show_when, check_lookahead, &l);
		for (size_t k = 0; k < s->nnext; k++) {
			char key[32];
			snprintf(key, sizeof key, "next[%zu]", k);
			struct lookahead ln = {j, d, i, i + 1, key};
			cond_leaves(s->next[k].when, check_lookahead, &ln);
			size_t t = s->next[k].target;
			snprintf(key, sizeof key, "next[%zu].goto", k);
			step_path(path, sizeof path, j, i, key);
			if (t <= i)
				journey_diag_add(d, 0, 0, path,
						 "goes back to \"%s\", an earlier step, which makes a loop",
						 j->steps[t].id);
			else if (j->steps[t].kind == STEP_CONFIRMATION)
				journey_diag_add(d, 0, 0, path,
						 "goes to the confirmation, skipping check your answers");
		}
		if (s->stop && s->nnext) {
			step_path(path, sizeof path, j, i, "next");
			journey_diag_add(d, 0, 0, path, "a stop page ends the journey, so it has no next");
		}
	}
	if (cya < 0 || conf < 0)
		journey_diag_add(d, 0, 0, "steps",
				 "a journey needs a check_answers step followed by a confirmation step, as its last two");
	else if ((size_t)conf != j->nsteps - 1 || cya != conf - 1)
		journey_diag_add(d, 0, 0, "steps",
				 "check_answers and confirmation must be the last two steps, in that order");
	return d->n == before;
}

/* ---- sample answers ---- */

struct samples {
	struct answer v[MAX_SAMPLES];    /* as a citizen types them */
	struct answer norm[MAX_SAMPLES]; /* as the session keeps them */
	size_t n;
	bool optional; /* also walk "not answered" */
};

struct walker {
	const struct journey *j;
	const struct cdate *today;
	struct journey_diags *d;
	struct samples *samples;   /* per step */
	bool *referenced;          /* per step: some condition looks at it */
	const struct answer **cur; /* per step: the answer on this path */
	struct journey_path_step *stack;
	size_t depth;
	size_t nodes, max_nodes, paths;
	bool *reached;
	bool aborted, stopped_by_fn, nomem;
	journey_path_fn fn;
	void *user;
};

static enum hatch_err add_sample(struct walker *w, size_t i, const char *const *parts,
				 size_t nparts)
{
	struct samples *sm = &w->samples[i];
	struct answer a = {0};
	struct field_error errs[VALIDATE_MAX_ERRORS];
	size_t nerrs;
	if (sm->n >= MAX_SAMPLES)
		return HATCH_OK;
	enum hatch_err rc = validate_answer(&w->j->steps[i], parts, nparts, w->today,
					    &a, errs, &nerrs);
	if (rc == HATCH_ERR_NOMEM)
		return rc;
	if (rc != HATCH_OK)
		return HATCH_ERR_INPUT;
	/* Conditions see the normal form, as in a session; paths report the
	 * typed form, to drive sessions. Samples the same once normalised
	 * are one sample. */
	for (size_t k = 0; k < sm->n; k++) {
		if (sm->norm[k].nparts != a.nparts)
			continue;
		size_t p = 0;
		while (p < a.nparts && !strcmp(sm->norm[k].parts[p], a.parts[p]))
			p++;
		if (p == a.nparts) {
			answer_clear(&a);
			return HATCH_OK;
		}
	}
	rc = answer_set(&sm->v[sm->n], parts, nparts);
	if (rc == HATCH_OK) {
		sm->norm[sm->n] = a;
		sm->n++;
	} else {
		answer_clear(&a);
	}
	return rc;
}

static enum hatch_err add1(struct walker *w, size_t i, const char *v)
{
	return add_sample(w, i, &v, 1);
}

static enum hatch_err add_date(struct walker *w, size_t i, struct cdate d)
{
	char p[3][16];
	snprintf(p[0], sizeof p[0], "%d", d.day);
	snprintf(p[1], sizeof p[1], "%d", d.month);
	snprintf(p[2], sizeof p[2], "%d", d.year);
	const char *parts[3] = {p[0], p[1], p[2]};
	return add_sample(w, i, parts, 3);
}

static enum hatch_err add_number(struct walker *w, size_t i, double v)
{
	char s[64];
	if (v == floor(v))
		snprintf(s, sizeof s, "%.0f", v);
	else
		snprintf(s, sizeof s, "%.2f", v);
	return add1(w, i, s);
}

struct constants {
	struct walker *w;
	enum hatch_err rc;
};

static struct cdate shift(struct cdate d, long days)
{
	struct date_value v = {true, 0, 0, (int)days};
	return date_value_resolve(&v, &d);
}

/* Adds the values a condition names, and its boundaries, as samples. */
static void add_constants(void *user, const struct cond *c)
{
	struct constants *k = user;
	struct walker *w = k->w;
	const struct journey_step *s = &w->j->steps[c->step];
	enum hatch_err rc = HATCH_OK;
	w->referenced[c->step] = true;
	if (c->op == COND_EQUALS || c->op == COND_ONE_OF || c->op == COND_INCLUDES) {
		if (s->kind == STEP_MULTIPLE_CHOICE || s->kind == STEP_SINGLE_CHOICE ||
		    s->kind == STEP_YES_NO)
			return; /* every option is a sample already */
		for (size_t i = 0; i < c->nvalues && rc != HATCH_ERR_NOMEM; i++) {
			rc = add1(w, c->step, c->values[i]);
			if (s->kind == STEP_NUMBER && rc != HATCH_ERR_NOMEM) {
				double v;
				struct answer a = {&c->values[i], 1};
				if (answer_number(&a, &v)) {
					rc = add_number(w, c->step, v - 1);
					if (rc != HATCH_ERR_NOMEM)
						rc = add_number(w, c->step, v + 1);
				}
			}
		}
	} else if (c->op >= COND_LT && c->op <= COND_GE) {
		if (s->kind == STEP_DATE) {
			struct cdate d = date_value_resolve(&c->date, w->today);
			for (int delta = -1; delta <= 1 && rc != HATCH_ERR_NOMEM; delta++)
				rc = add_date(w, c->step, shift(d, delta));
		} else {
			double step = s->whole ? 1 : 0.5;
			for (int delta = -1; delta <= 1 && rc != HATCH_ERR_NOMEM; delta++)
				rc = add_number(w, c->step, c->number + delta * step);
		}
	}
	if (rc == HATCH_ERR_NOMEM)
		k->rc = rc;
}

static enum hatch_err default_sample(struct walker *w, size_t i)
{
	const struct journey_step *s = &w->j->steps[i];
	if (s->example)
		return add1(w, i, s->example);
	switch (s->kind) {
	case STEP_TEXT:
	case STEP_LONG_TEXT: {
		char text[256] = "Sample answer";
		while ((long)strlen(text) < s->min_length && strlen(text) + 8 < sizeof text)
			memcpy(text + strlen(text), " sample", 8);
		return add1(w, i, text);
	}
	case STEP_NUMBER: {
		double v = s->has_min ? s->min : (s->has_max && s->max < 1 ? s->max : 1);
		if (s->whole)
			v = ceil(v);
		return add_number(w, i, v);
	}
	case STEP_DATE: {
		struct cdate d = *w->today;
		if (s->has_date_max) {
			struct cdate mx = date_value_resolve(&s->date_max, w->today);
			if (cdate_days(&mx) < cdate_days(&d))
				d = mx;
		}
		if (s->has_date_min) {
			struct cdate mn = date_value_resolve(&s->date_min, w->today);
			if (cdate_days(&mn) > cdate_days(&d))
				d = mn;
		}
		return add_date(w, i, d);
	}
	case STEP_EMAIL: return add1(w, i, "name@example.com");
	case STEP_PHONE: return add1(w, i, "01632 960001");
	case STEP_POSTCODE: return add1(w, i, "ab1 0aa");
	case STEP_NINO: return add1(w, i, "AB 12 34 56 C");
	case STEP_VEHICLE_REG: return add1(w, i, "ab12 cde");
	case STEP_ADDRESS: {
		const char *a[ADDR_PARTS] = {"1 Example Street", "", "Exampletown",
					     "AB1 0AA"};
		return add_sample(w, i, a, ADDR_PARTS);
	}
	case STEP_YES_NO: return add1(w, i, "yes");
	case STEP_SINGLE_CHOICE:
	case STEP_MULTIPLE_CHOICE:
		for (size_t k = 0; k < s->noptions; k++) {
			enum hatch_err rc = add1(w, i, s->options[k].value);
			if (rc != HATCH_ERR_INPUT)
				return rc;
		}
		return HATCH_ERR_INPUT;
	default: return HATCH_OK;
	}
}

static enum hatch_err choice_samples(struct walker *w, size_t i)
{
	const struct journey_step *s = &w->j->steps[i];
	enum hatch_err rc = HATCH_OK;
	if (s->kind == STEP_YES_NO) {
		rc = add1(w, i, "yes");
		return rc == HATCH_ERR_NOMEM ? rc : add1(w, i, "no");
	}
	if (s->kind == STEP_SINGLE_CHOICE || s->noptions > MAX_SUBSET_OPTIONS) {
		for (size_t k = 0; k < s->noptions && rc != HATCH_ERR_NOMEM; k++)
			rc = add1(w, i, s->options[k].value);
		return rc == HATCH_ERR_NOMEM ? rc : HATCH_OK;
	}
	/* A multiple choice that conditions look at: every combination. */
	for (unsigned mask = 1; mask < (1u << s->noptions); mask++) {
		const char *parts[MAX_SUBSET_OPTIONS];
		size_t n = 0;
		for (size_t k = 0; k < s->noptions; k++)
			if (mask & (1u << k))
				parts[n++] = s->options[k].value;
		if (add_sample(w, i, parts, n) == HATCH_ERR_NOMEM)
			return HATCH_ERR_NOMEM;
	}
	return HATCH_OK;
}

static enum hatch_err build_samples(struct walker *w)
{
	const struct journey *j = w->j;
	struct constants k = {w, HATCH_OK};
	for (size_t i = 0; i < j->nsteps; i++) {
		cond_leaves(j->steps[i].show_when, add_constants, &k);
		for (size_t n = 0; n < j->steps[i].nnext; n++)
			cond_leaves(j->steps[i].next[n].when, add_constants, &k);
	}
	for (size_t r = 0; r < j->nroutes; r++)
		cond_leaves(j->routes[r].when, add_constants, &k);
	if (k.rc != HATCH_OK)
		return k.rc;
	for (size_t i = 0; i < j->nsteps; i++) {
		const struct journey_step *s = &j->steps[i];
		if (!journey_kind_is_question(s->kind))
			continue;
		char path[64];
		if (s->example) {
			struct answer a = {0};
			struct field_error errs[VALIDATE_MAX_ERRORS];
			size_t nerrs;
			const char *ex = s->example;
			enum hatch_err rc = validate_answer(s, &ex, 1, w->today, &a, errs, &nerrs);
			answer_clear(&a);
			if (rc == HATCH_ERR_NOMEM)
				return rc;
			if (rc != HATCH_OK && w->d) {
				char why[512];
				validate_message(s, &errs[0], w->today, NULL, why, sizeof why);
				step_path(path, sizeof path, j, i, "example");
				journey_diag_add(w->d, 0, 0, path,
						 "fails the step's own rules: %s", why);
			}
		}
		enum hatch_err rc = HATCH_OK;
		if (w->referenced[i])
			rc = choice_samples(w, i);
		if (rc == HATCH_ERR_NOMEM)
			return rc;
		if (w->samples[i].n == 0 || (!w->referenced[i] && !s->required))
			rc = default_sample(w, i);
		if (rc == HATCH_ERR_NOMEM)
			return rc;
		if (w->samples[i].n == 0 && w->d) {
			step_path(path, sizeof path, j, i, NULL);
			journey_diag_add(w->d, 0, 0, path,
					 "no sample answer passes this step's rules; add an \"example\" that does");
		}
		w->samples[i].optional = !s->required;
	}
	return HATCH_OK;
}

/* ---- the walk ---- */

static const struct answer *walker_lookup(void *user, size_t step)
{
	struct walker *w = user;
	return w->cur[step];
}

static void visit(struct walker *w, size_t i);

static void emit(struct walker *w, bool stopped, const char *dest)
{
	w->paths++;
	if (w->fn) {
		struct journey_path p = {w->stack, w->depth, stopped, dest};
		if (!w->fn(w->user, &p))
			w->stopped_by_fn = true;
	}
}

static void go_on(struct walker *w, size_t i)
{
	visit(w, cond_next_step(w->j, i, walker_lookup, w, w->today));
}

static void visit(struct walker *w, size_t i)
{
	const struct journey *j = w->j;
	if (w->aborted || w->stopped_by_fn)
		return;
	if (++w->nodes > w->max_nodes) {
		w->aborted = true;
		return;
	}
	if (i >= j->nsteps) /* the structural checks rule this out */
		return;
	const struct journey_step *s = &j->steps[i];
	w->reached[i] = true;
	w->stack[w->depth] = (struct journey_path_step){i, NULL};
	w->depth++;
	if (s->stop) {
		emit(w, true, NULL);
	} else if (s->kind == STEP_CHECK_ANSWERS) {
		emit(w, false, cond_route(j, walker_lookup, w, w->today));
	} else if (journey_kind_is_question(s->kind)) {
		struct samples *sm = &w->samples[i];
		for (size_t k = 0; k < sm->n && !w->aborted && !w->stopped_by_fn; k++) {
			w->cur[i] = &sm->norm[k];
			w->stack[w->depth - 1].answer = &sm->v[k];
			go_on(w, i);
		}
		if (sm->optional && !w->aborted && !w->stopped_by_fn) {
			static const struct answer none = {NULL, 0};
			w->cur[i] = &none;
			w->stack[w->depth - 1].answer = &none;
			go_on(w, i);
		}
		w->cur[i] = NULL;
	} else {
		go_on(w, i);
	}
	w->depth--;
}

static void walker_cleanup(struct walker *w)
{
	if (w->samples)
		for (size_t i = 0; i < w->j->nsteps; i++)
			for (size_t k = 0; k < w->samples[i].n; k++) {
				answer_clear(&w->samples[i].v[k]);
				answer_clear(&w->samples[i].norm[k]);
			}
	mem_free(w->samples);
	mem_free(w->referenced);
	mem_free(w->cur);
	mem_free(w->stack);
}

enum hatch_err journey_paths(const struct journey *j, const struct cdate *today,
			     size_t max_nodes, journey_path_fn fn, void *user,
			     struct journey_diags *diags,
			     struct journey_paths_result *res)
{
	memset(res, 0, sizeof *res);
	struct walker w = {.j = j, .today = today, .d = diags, .max_nodes = max_nodes,
			   .fn = fn, .user = user};
	w.samples = mem_calloc(j->nsteps, sizeof *w.samples);
	w.referenced = mem_calloc(j->nsteps, sizeof *w.referenced);
	w.cur = mem_calloc(j->nsteps, sizeof *w.cur);
	w.stack = mem_calloc(j->nsteps + 1, sizeof *w.stack);
	w.reached = mem_calloc(j->nsteps, sizeof *w.reached);
	enum hatch_err rc = HATCH_ERR_NOMEM;
	if (w.samples && w.referenced && w.cur && w.stack && w.reached)
		rc = build_samples(&w);
	if (rc != HATCH_OK) {
		walker_cleanup(&w);
		mem_free(w.reached);
		return rc;
	}
	visit(&w, cond_shown_from(j, 0, walker_lookup, &w, today));
	res->paths = w.paths;
	res->nodes = w.nodes;
	res->complete = !w.aborted && !w.stopped_by_fn;
	res->reached = w.reached;
	walker_cleanup(&w);
	return HATCH_OK;
}

/* ---- routes on every path ---- */

struct route_check {
	const struct journey *j;
	struct journey_diags *d;
	size_t missing;
};

static bool check_route(void *user, const struct journey_path *p)
{
	struct route_check *rc = user;
	if (p->stopped || p->destination)
		return true;
	if (rc->missing++ >= 3)
		return true;
	/* Name the answers that decided the path, so the author can see it. */
	struct buf b;
	buf_init(&b, 1024);
	enum hatch_err e = HATCH_OK;
	for (size_t i = 0; i < p->n && e == HATCH_OK; i++) {
		const struct journey_step *s = &rc->j->steps[p->steps[i].step];
		const struct answer *a = p->steps[i].answer;
		if (!a || !(s->kind == STEP_SINGLE_CHOICE || s->kind == STEP_YES_NO ||
			    s->kind == STEP_MULTIPLE_CHOICE || s->kind == STEP_NUMBER ||
			    s->kind == STEP_DATE))
			continue;
		e = buf_addf(&b, "%s%s=", b.len ? ", " : "", s->id);
		for (size_t k = 0; k < a->nparts && e == HATCH_OK; k++)
			e = buf_addf(&b, "%s%s", k ? (s->kind == STEP_DATE ? "/" : "+") : "",
				     a->parts[k]);
		if (e == HATCH_OK && !a->nparts)
			e = buf_addstr(&b, "(not answered)");
	}
	journey_diag_add(rc->d, 0, 0, "routes",
			 "no route holds for a path that reaches check your answers%s%s",
			 b.len ? " with " : "", buf_get(&b));
	buf_cleanup(&b);
	return true;
}

void journey_check(const struct journey *j, const struct cdate *today,
		   struct journey_diags *d)
{
	if (!check_structure(j, d))
		return;
	struct route_check rc = {j, d, 0};
	struct journey_paths_result res;
	if (journey_paths(j, today, CHECK_MAX_NODES, check_route, &rc, d, &res) != HATCH_OK) {
		d->nomem = true;
		return;
	}
	if (rc.missing > 3)
		journey_diag_add(d, 0, 0, "routes",
				 "%zu more paths reach check your answers with no route",
				 rc.missing - 3);
	if (!res.complete) {
		journey_diag_add(d, 0, 0, "steps",
				 "the journey has too many paths to check (more than %d steps visited); fewer conditions, or conditions on fewer answers, would make it simpler to follow",
				 CHECK_MAX_NODES);
	} else {
		for (size_t i = 0; i < j->nsteps; i++)
			if (!res.reached[i] && j->steps[i].kind != STEP_CONFIRMATION) {
				char path[64];
				step_path(path, sizeof path, j, i, NULL);
				journey_diag_add(d, 0, 0, path,
						 "no path reaches step \"%s\"", j->steps[i].id);
			}
	}
	mem_free(res.reached);
}
