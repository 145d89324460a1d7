/* Loading a journey: JSON (jansson) into struct journey, with a diagnostic
 * naming the line and column or the JSON path of every problem. No I/O.
 * Depends on base/ and jansson. */
#include <jansson.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/id.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "core/answer.h"
#include "core/cond.h"
#include "core/journey_int.h"
#include "core/validate.h"

static const char *const kind_names[STEP_KIND_COUNT] = {
	[STEP_TEXT] = "text",
	[STEP_LONG_TEXT] = "long_text",
	[STEP_NUMBER] = "number",
	[STEP_DATE] = "date",
	[STEP_EMAIL] = "email",
	[STEP_PHONE] = "phone",
	[STEP_POSTCODE] = "postcode",
	[STEP_NINO] = "nino",
	[STEP_VEHICLE_REG] = "vehicle_registration",
	[STEP_ADDRESS] = "address",
	[STEP_SINGLE_CHOICE] = "single_choice",
	[STEP_MULTIPLE_CHOICE] = "multiple_choice",
	[STEP_YES_NO] = "yes_no",
	[STEP_INFO] = "info",
	[STEP_CHECK_ANSWERS] = "check_answers",
	[STEP_CONFIRMATION] = "confirmation",
};

static const char *const rule_names[RULE_COUNT] = {
	[RULE_REQUIRED] = "required",   [RULE_INVALID] = "invalid",
	[RULE_INCOMPLETE] = "incomplete", [RULE_TOO_SHORT] = "too_short",
	[RULE_TOO_LONG] = "too_long",   [RULE_PATTERN] = "pattern",
	[RULE_WHOLE] = "whole",         [RULE_MIN] = "min",
	[RULE_MAX] = "max",             [RULE_TOWN] = "town",
	[RULE_POSTCODE] = "postcode",   [RULE_EXCLUSIVE] = "exclusive",
};

const char *journey_rule_name(enum step_rule r)
{
	return (int)r >= 0 && r < RULE_COUNT && rule_names[r] ? rule_names[r] : "";
}

/* Which error rules each question kind can break, as bits. */
#define R(x) (1u << (x))
static const unsigned kind_rules[STEP_KIND_COUNT] = {
	[STEP_TEXT] = R(RULE_REQUIRED) | R(RULE_TOO_SHORT) | R(RULE_TOO_LONG) |
		      R(RULE_PATTERN) | R(RULE_INVALID),
	[STEP_LONG_TEXT] = R(RULE_REQUIRED) | R(RULE_TOO_LONG) | R(RULE_INVALID),
	[STEP_NUMBER] = R(RULE_REQUIRED) | R(RULE_INVALID) | R(RULE_WHOLE) |
			R(RULE_MIN) | R(RULE_MAX),
	[STEP_DATE] = R(RULE_REQUIRED) | R(RULE_INCOMPLETE) | R(RULE_INVALID) |
		      R(RULE_MIN) | R(RULE_MAX),
	[STEP_EMAIL] = R(RULE_REQUIRED) | R(RULE_INVALID) | R(RULE_TOO_LONG),
	[STEP_PHONE] = R(RULE_REQUIRED) | R(RULE_INVALID),
	[STEP_POSTCODE] = R(RULE_REQUIRED) | R(RULE_INVALID),
	[STEP_NINO] = R(RULE_REQUIRED) | R(RULE_INVALID),
	[STEP_VEHICLE_REG] = R(RULE_REQUIRED) | R(RULE_INVALID),
	[STEP_ADDRESS] = R(RULE_REQUIRED) | R(RULE_TOWN) | R(RULE_POSTCODE) |
			 R(RULE_TOO_LONG) | R(RULE_INVALID),
	[STEP_SINGLE_CHOICE] = R(RULE_REQUIRED) | R(RULE_INVALID),
	[STEP_MULTIPLE_CHOICE] = R(RULE_REQUIRED) | R(RULE_EXCLUSIVE) | R(RULE_INVALID),
	[STEP_YES_NO] = R(RULE_REQUIRED) | R(RULE_INVALID),
};

const char *journey_kind_name(enum step_kind k)
{
	return k < STEP_KIND_COUNT ? kind_names[k] : "?";
}

bool journey_kind_is_question(enum step_kind k)
{
	return k < STEP_INFO;
}

const char *journey_step_heading(const struct journey_step *s)
{
	return s->question ? s->question : s->title;
}

/* FN(U, PATH, TEXT) when TEXT is set; PATH is built from FMT. */
static void each(void (*fn)(void *, const char *, const char *), void *u, const char *text,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void each(void (*fn)(void *, const char *, const char *), void *u, const char *text,
		 const char *fmt, ...)
{
	if (!text || !*text)
		return;
	char path[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	fn(u, path, text);
}

void journey_each_string(const struct journey *j,
			 void (*fn)(void *u, const char *path, const char *text), void *u)
{
	each(fn, u, j->title, "title");
	each(fn, u, j->description, "description");
	each(fn, u, j->group, "group");
	for (size_t i = 0; i < j->nsteps; i++) {
		const struct journey_step *s = &j->steps[i];
		each(fn, u, s->question, "steps[%zu].question", i);
		each(fn, u, s->title, "steps[%zu].title", i);
		each(fn, u, s->hint, "steps[%zu].hint", i);
		each(fn, u, s->summary_label, "steps[%zu].summary_label", i);
		for (size_t k = 0; k < s->nbody; k++)
			each(fn, u, s->body[k], "steps[%zu].body[%zu]", i, k);
		for (size_t k = 0; k < s->nbullets; k++)
			each(fn, u, s->bullets[k], "steps[%zu].bullets[%zu]", i, k);
		each(fn, u, s->button, "steps[%zu].button", i);
		each(fn, u, s->unit, "steps[%zu].unit", i);
		for (size_t k = 0; k < s->noptions; k++) {
			each(fn, u, s->options[k].label, "steps[%zu].options[%zu].label", i, k);
			each(fn, u, s->options[k].hint, "steps[%zu].options[%zu].hint", i, k);
		}
		for (int r = 0; r < RULE_COUNT; r++)
			each(fn, u, s->errors[r], "steps[%zu].errors.%s", i, rule_names[r]);
	}
}

const struct journey_option *journey_option_find(const struct journey_step *s,
						 const char *value)
{
	if (s->kind == STEP_YES_NO) {
		static const struct journey_option yn[] = {
			{"yes", "Yes", NULL, false}, {"no", "No", NULL, false}};
		return !strcmp(value, "yes") ? &yn[0] : !strcmp(value, "no") ? &yn[1] : NULL;
	}
	/* An option whose value failed to load has none; skip it. */
	for (size_t i = 0; i < s->noptions; i++)
		if (s->options[i].value && strcmp(s->options[i].value, value) == 0)
			return &s->options[i];
	return NULL;
}

long journey_find_step(const struct journey *j, const char *id)
{
	for (size_t i = 0; i < j->nsteps; i++)
		if (j->steps[i].id && strcmp(j->steps[i].id, id) == 0)
			return (long)i;
	return -1;
}

/* ---- diagnostics ---- */

void journey_diags_init(struct journey_diags *d)
{
	memset(d, 0, sizeof *d);
}

void journey_diags_cleanup(struct journey_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		mem_free(d->v[i].path);
		mem_free(d->v[i].reason);
	}
	mem_free(d->v);
	journey_diags_init(d);
}

void journey_diag_add(struct journey_diags *d, int line, int column,
		      const char *path, const char *fmt, ...)
{
	if (d->n >= JOURNEY_MAX_DIAGS) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct journey_diag *v = mem_realloc(d->v, cap * sizeof *v);
		if (!v) {
			d->nomem = true;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	struct buf b;
	buf_init(&b, 4096);
	va_list ap;
	va_start(ap, fmt);
	enum hatch_err rc = buf_vaddf(&b, fmt, ap);
	va_end(ap);
	char *reason = rc == HATCH_OK ? buf_take(&b) : NULL;
	char *p = path ? mem_strdup(path) : NULL;
	if (!reason || (path && !p)) {
		mem_free(reason);
		mem_free(p);
		d->nomem = true;
		return;
	}
	d->v[d->n++] = (struct journey_diag){line, column, p, reason};
}

/* ---- the parser ---- */

struct parser {
	struct journey *j;
	struct journey_diags *d;
	bool nomem;
};

/* A JSON path under construction; the parser passes these down by value. */
struct jpath {
	char s[192];
};

/* Appends to a path, cutting it short rather than overflowing: a long path
 * still names where the problem is. */
static void jp_append(struct jpath *r, const char *s)
{
	size_t have = strlen(r->s), add = strlen(s);
	if (add > sizeof r->s - 1 - have)
		add = sizeof r->s - 1 - have;
	memcpy(r->s + have, s, add);
	r->s[have + add] = '\0';
}

static struct jpath sub(const struct jpath *p, const char *key)
{
	struct jpath r = *p;
	if (*r.s)
		jp_append(&r, ".");
	jp_append(&r, key);
	return r;
}

static struct jpath idx(const struct jpath *p, size_t i)
{
	struct jpath r = *p;
	char n[32];
	snprintf(n, sizeof n, "[%zu]", i);
	jp_append(&r, n);
	return r;
}

#define DIAG(P, PATH, ...) journey_diag_add((P)->d, 0, 0, (PATH)->s, __VA_ARGS__)

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "a list";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "true or false";
	case JSON_NULL: return "null";
	}
	return "?";
}

static bool check_keys(struct parser *p, const json_t *obj,
		       const struct jpath *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	bool ok = true;
	json_object_foreach((json_t *)obj, key, v) {
		bool found = false;
		for (const char *const *a = allowed; *a && !found; a++)
			found = strcmp(*a, key) == 0;
		if (!found) {
			struct jpath kp = sub(path, key);
			DIAG(p, &kp, "unknown key \"%.60s\"", key);
			ok = false;
		}
	}
	return ok;
}

static bool is_id(const char *s)
{
	return id_valid(s, strlen(s), JOURNEY_MAX_ID);
}

/* Reads string KEY of OBJ into *OUT (a copy). MAX limits code points; ID
 * demands the id syntax. Missing keys are an error when REQUIRED. */
static bool get_string(struct parser *p, const json_t *obj,
		       const struct jpath *path, const char *key, bool required,
		       size_t max, bool id, char **out)
{
	json_t *v = json_object_get(obj, key);
	struct jpath kp = sub(path, key);
	*out = NULL;
	if (!v) {
		if (required)
			DIAG(p, &kp, "missing");
		return !required;
	}
	if (!json_is_string(v)) {
		DIAG(p, &kp, "must be a string, not %s", type_name(v));
		return false;
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (strlen(s) != len) {
		DIAG(p, &kp, "must not contain a NUL character");
		return false;
	}
	if (len == 0 || strspn(s, " \t\r\n") == len) {
		DIAG(p, &kp, "must not be empty");
		return false;
	}
	size_t cps = utf8_length(s);
	if (cps > max) {
		DIAG(p, &kp, "is %zu characters long; the limit is %zu", cps, max);
		return false;
	}
	if (id && !is_id(s)) {
		DIAG(p, &kp,
		     "\"%.64s\" is not a valid id: use lower-case letters, digits and '-', at most %d",
		     s, JOURNEY_MAX_ID);
		return false;
	}
	*out = mem_strdup(s);
	if (!*out) {
		p->nomem = true;
		return false;
	}
	return true;
}

static bool get_bool(struct parser *p, const json_t *obj, const struct jpath *path,
		     const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(obj, key);
	*out = dflt;
	if (!v)
		return true;
	if (!json_is_boolean(v)) {
		struct jpath kp = sub(path, key);
		DIAG(p, &kp, "must be true or false, not %s", type_name(v));
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* Numbers in journeys stay well inside what a double holds exactly. */
#define NUMBER_LIMIT 1e12

static bool get_number(struct parser *p, const json_t *v, const struct jpath *kp,
		       double *out)
{
	if (!json_is_number(v)) {
		DIAG(p, kp, "must be a number, not %s", type_name(v));
		return false;
	}
	double d = json_number_value(v);
	if (!isfinite(d) || fabs(d) > NUMBER_LIMIT) {
		DIAG(p, kp, "is out of range (at most %g either side of zero)",
		     NUMBER_LIMIT);
		return false;
	}
	*out = d;
	return true;
}

static bool get_count(struct parser *p, const json_t *obj, const struct jpath *path,
		      const char *key, long lo, long hi, long *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return true;
	struct jpath kp = sub(path, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		DIAG(p, &kp, "must be a whole number from %ld to %ld", lo, hi);
		return false;
	}
	*out = (long)json_integer_value(v);
	return true;
}

static bool get_string_list(struct parser *p, const json_t *obj,
			    const struct jpath *path, const char *key,
			    char ***out, size_t *n)
{
	json_t *v = json_object_get(obj, key);
	struct jpath kp = sub(path, key);
	*out = NULL;
	*n = 0;
	if (!v)
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > JOURNEY_MAX_PARAS) {
		DIAG(p, &kp, "must be a list of 1 to %d strings", JOURNEY_MAX_PARAS);
		return false;
	}
	char **list = mem_calloc(json_array_size(v), sizeof *list);
	if (!list) {
		p->nomem = true;
		return false;
	}
	*out = list;
	bool ok = true;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		struct jpath ep = idx(&kp, i);
		char *str = NULL;
		if (!json_is_string(e)) {
			DIAG(p, &ep, "must be a string, not %s", type_name(e));
			ok = false;
		} else if (json_string_length(e) != strlen(json_string_value(e)) ||
			   json_string_length(e) == 0 ||
			   utf8_length(json_string_value(e)) > JOURNEY_MAX_PARA) {
			DIAG(p, &ep, "must be a non-empty string of at most %d characters",
			     JOURNEY_MAX_PARA);
			ok = false;
		} else if (!(str = mem_strdup(json_string_value(e)))) {
			p->nomem = true;
			ok = false;
		}
		list[(*n)++] = str;
	}
	return ok;
}

/* A date value: "YYYY-MM-DD", or {"years": Y, "months": M, "days": D}. */
static bool parse_date_value(struct parser *p, const json_t *v,
			     const struct jpath *path, struct date_value *out)
{
	memset(out, 0, sizeof *out);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		int y, m, d;
		char tail;
		if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
		    s[4] != '-' || s[7] != '-' || !cdate_valid(y, m, d)) {
			DIAG(p, path, "\"%.40s\" is not a date like \"2024-04-01\"", s);
			return false;
		}
		out->years = y;
		out->months = m;
		out->days = d;
		return true;
	}
	if (json_is_object(v) && json_object_size(v) > 0) {
		static const char *const keys[] = {"years", "months", "days", NULL};
		if (!check_keys(p, v, path, keys))
			return false;
		long y = 0, m = 0, d = 0;
		bool ok = get_count(p, v, path, "years", -200, 200, &y) &&
			  get_count(p, v, path, "months", -2400, 2400, &m) &&
			  get_count(p, v, path, "days", -73000, 73000, &d);
		out->relative = true;
		out->years = (int)y;
		out->months = (int)m;
		out->days = (int)d;
		return ok;
	}
	DIAG(p, path,
	     "must be a date like \"2024-04-01\" or an offset from today like {\"years\": -3}");
	return false;
}

static const char *const cond_ops[] = {
	[COND_EQUALS] = "equals", [COND_ONE_OF] = "one_of",
	[COND_INCLUDES] = "includes", [COND_ANSWERED] = "answered",
	[COND_LT] = "lt", [COND_LE] = "le", [COND_GT] = "gt", [COND_GE] = "ge",
	[COND_ALL] = "all", [COND_ANY] = "any", [COND_NOT] = "not",
};

/* A value compared with an answer must be one an answer could be once
 * normalised, or the condition could never hold. */
static bool cond_value_normal(struct parser *p, const struct journey_step *s,
			      const char *v, const struct jpath *path)
{
	char norm[300];
	double d;
	bool ok = true;
	switch (s->kind) {
	case STEP_NUMBER: ok = validate_number(v, &d, norm, sizeof norm); break;
	case STEP_POSTCODE: ok = validate_postcode(v, norm, sizeof norm); break;
	case STEP_NINO: ok = validate_nino(v, norm, sizeof norm); break;
	case STEP_VEHICLE_REG: ok = validate_vehicle_reg(v, norm, sizeof norm); break;
	case STEP_PHONE: ok = validate_phone(v, norm, sizeof norm); break;
	case STEP_EMAIL: ok = validate_email(v, norm, sizeof norm); break;
	case STEP_TEXT:
	case STEP_LONG_TEXT: {
		size_t n = strlen(v);
		if (n && (v[0] == ' ' || v[n - 1] == ' ')) {
			DIAG(p, path, "\"%.64s\" starts or ends with a space, which answers never do", v);
			return false;
		}
		return true;
	}
	default: return true;
	}
	if (!ok) {
		DIAG(p, path, "\"%.64s\" is not an answer a %s step accepts", v,
		     journey_kind_name(s->kind));
		return false;
	}
	if (strcmp(norm, v)) {
		DIAG(p, path, "\"%.64s\" would never match: answers are kept as \"%s\"", v, norm);
		return false;
	}
	return true;
}

static bool cond_value_ok(struct parser *p, const struct journey_step *s,
			  const char *v, const struct jpath *path)
{
	if (!cond_value_normal(p, s, v, path))
		return false;
	if ((s->kind == STEP_SINGLE_CHOICE || s->kind == STEP_MULTIPLE_CHOICE ||
	     s->kind == STEP_YES_NO) &&
	    !journey_option_find(s, v)) {
		DIAG(p, path, "\"%.64s\" is not one of the values of step \"%s\"", v,
		     s->id);
		return false;
	}
	return true;
}

/* Copies a scalar condition operand to a string as an answer holds it. */
static char *operand_string(struct parser *p, const json_t *v,
			    const struct jpath *path)
{
	char num[64];
	const char *s;
	if (json_is_string(v))
		s = json_string_value(v);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_boolean(v))
		s = json_is_true(v) ? "yes" : "no";
	else {
		DIAG(p, path, "must be a string or a whole number, not %s", type_name(v));
		return NULL;
	}
	if (strlen(s) > JOURNEY_MAX_LABEL) {
		DIAG(p, path, "is too long");
		return NULL;
	}
	char *r = mem_strdup(s);
	if (!r)
		p->nomem = true;
	return r;
}

static bool parse_cond(struct parser *p, const json_t *v, const struct jpath *path,
		       struct cond *c, int depth)
{
	memset(c, 0, sizeof *c);
	if (depth > JOURNEY_MAX_COND_DEPTH) {
		DIAG(p, path, "conditions are nested more than %d deep",
		     JOURNEY_MAX_COND_DEPTH);
		return false;
	}
	if (!json_is_object(v)) {
		DIAG(p, path, "a condition must be an object, not %s", type_name(v));
		return false;
	}
	json_t *all = json_object_get(v, "all"), *any = json_object_get(v, "any"),
	       *not = json_object_get(v, "not");
	if (all || any || not) {
		if (json_object_size(v) != 1) {
			DIAG(p, path, "\"all\", \"any\" and \"not\" must stand alone in their object");
			return false;
		}
		if (not) {
			c->op = COND_NOT;
			c->sub = mem_calloc(1, sizeof *c->sub);
			if (!c->sub) {
				p->nomem = true;
				return false;
			}
			c->nsub = 1;
			struct jpath np = sub(path, "not");
			return parse_cond(p, not, &np, c->sub, depth + 1);
		}
		json_t *list = all ? all : any;
		struct jpath lp = sub(path, all ? "all" : "any");
		c->op = all ? COND_ALL : COND_ANY;
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > 64) {
			DIAG(p, &lp, "must be a list of 1 to 64 conditions");
			return false;
		}
		c->sub = mem_calloc(json_array_size(list), sizeof *c->sub);
		if (!c->sub) {
			p->nomem = true;
			return false;
		}
		bool ok = true;
		for (size_t i = 0; i < json_array_size(list); i++) {
			struct jpath ep = idx(&lp, i);
			c->nsub++;
			ok &= parse_cond(p, json_array_get(list, i), &ep, &c->sub[i],
					 depth + 1);
		}
		return ok;
	}

	json_t *ans = json_object_get(v, "answer");
	if (!ans || !json_is_string(ans)) {
		DIAG(p, path,
		     "a condition needs \"answer\" and one test (equals, one_of, includes, answered, lt, le, gt, ge), or \"all\", \"any\" or \"not\"");
		return false;
	}
	struct jpath ap = sub(path, "answer");
	long si = journey_find_step(p->j, json_string_value(ans));
	if (si < 0) {
		DIAG(p, &ap, "no step has the id \"%.64s\"", json_string_value(ans));
		return false;
	}
	const struct journey_step *s = &p->j->steps[si];
	c->step = (size_t)si;
	if (!journey_kind_is_question(s->kind)) {
		DIAG(p, &ap, "step \"%s\" is %s page, which has no answer", s->id,
		     s->kind == STEP_INFO ? "an information" : "a check or confirmation");
		return false;
	}
	if (json_object_size(v) != 2) {
		DIAG(p, path, "a condition needs exactly one test beside \"answer\"");
		return false;
	}
	const char *key;
	json_t *operand = NULL;
	json_object_foreach((json_t *)v, key, operand) {
		if (strcmp(key, "answer") != 0)
			break;
	}
	int op = -1;
	for (int i = COND_EQUALS; i <= COND_GE; i++)
		if (strcmp(key, cond_ops[i]) == 0)
			op = i;
	struct jpath op_path = sub(path, key);
	if (op < 0) {
		DIAG(p, &op_path, "unknown test \"%.40s\"", key);
		return false;
	}
	c->op = (enum cond_op)op;
	bool multi = s->kind == STEP_MULTIPLE_CHOICE;
	switch (c->op) {
	case COND_EQUALS:
	case COND_INCLUDES:
		if (c->op == COND_EQUALS && (multi || s->kind == STEP_DATE ||
					     s->kind == STEP_ADDRESS)) {
			DIAG(p, &op_path, "\"equals\" does not suit a %s step; use %s",
			     journey_kind_name(s->kind),
			     multi ? "\"includes\" or \"one_of\"" : "lt, le, gt, ge or answered");
			return false;
		}
		if (c->op == COND_INCLUDES && !multi) {
			DIAG(p, &op_path, "\"includes\" only suits a multiple_choice step");
			return false;
		}
		c->values = mem_calloc(1, sizeof *c->values);
		if (!c->values) {
			p->nomem = true;
			return false;
		}
		if (!(c->values[0] = operand_string(p, operand, &op_path)))
			return false;
		c->nvalues = 1;
		return cond_value_ok(p, s, c->values[0], &op_path);
	case COND_ONE_OF: {
		if (!json_is_array(operand) || json_array_size(operand) == 0 ||
		    json_array_size(operand) > JOURNEY_MAX_OPTIONS) {
			DIAG(p, &op_path, "must be a list of 1 to %d values", JOURNEY_MAX_OPTIONS);
			return false;
		}
		if (s->kind == STEP_DATE || s->kind == STEP_ADDRESS) {
			DIAG(p, &op_path, "\"one_of\" does not suit a %s step",
			     journey_kind_name(s->kind));
			return false;
		}
		c->values = mem_calloc(json_array_size(operand), sizeof *c->values);
		if (!c->values) {
			p->nomem = true;
			return false;
		}
		bool ok = true;
		for (size_t i = 0; i < json_array_size(operand); i++) {
			struct jpath ep = idx(&op_path, i);
			char *sv = operand_string(p, json_array_get(operand, i), &ep);
			if (!sv)
				return false;
			c->values[c->nvalues++] = sv;
			ok &= cond_value_ok(p, s, sv, &ep);
		}
		return ok;
	}
	case COND_ANSWERED:
		if (!json_is_boolean(operand)) {
			DIAG(p, &op_path, "must be true or false");
			return false;
		}
		c->answered = json_is_true(operand);
		return true;
	default:
		if (s->kind == STEP_DATE)
			return parse_date_value(p, operand, &op_path, &c->date);
		if (s->kind == STEP_NUMBER)
			return get_number(p, operand, &op_path, &c->number);
		DIAG(p, &op_path, "\"%s\" compares numbers or dates, but step \"%s\" is %s",
		     key, s->id, journey_kind_name(s->kind));
		return false;
	}
}

static struct cond *new_cond(struct parser *p, const json_t *v,
			     const struct jpath *path)
{
	struct cond *c = mem_calloc(1, sizeof *c);
	if (!c) {
		p->nomem = true;
		return NULL;
	}
	if (!parse_cond(p, v, path, c, 0)) {
		cond_cleanup(c);
		mem_free(c);
		return NULL;
	}
	return c;
}

static bool parse_options(struct parser *p, const json_t *st,
			  const struct jpath *path, struct journey_step *s)
{
	json_t *opts = json_object_get(st, "options");
	struct jpath op = sub(path, "options");
	bool choice = s->kind == STEP_SINGLE_CHOICE || s->kind == STEP_MULTIPLE_CHOICE;
	if (!choice)
		return true;
	if (!json_is_array(opts) || json_array_size(opts) < 1 ||
	    json_array_size(opts) > JOURNEY_MAX_OPTIONS) {
		DIAG(p, &op, "a %s step needs \"options\": a list of 1 to %d options",
		     journey_kind_name(s->kind), JOURNEY_MAX_OPTIONS);
		return false;
	}
	s->options = mem_calloc(json_array_size(opts), sizeof *s->options);
	if (!s->options) {
		p->nomem = true;
		return false;
	}
	static const char *const keys[] = {"value", "label", "hint", "exclusive", NULL};
	bool ok = true;
	size_t i;
	json_t *o;
	json_array_foreach(opts, i, o) {
		struct jpath ep = idx(&op, i);
		struct journey_option *opt = &s->options[s->noptions++];
		if (!json_is_object(o)) {
			DIAG(p, &ep, "an option must be an object with \"value\" and \"label\"");
			ok = false;
			continue;
		}
		ok &= check_keys(p, o, &ep, keys);
		ok &= get_string(p, o, &ep, "value", true, JOURNEY_MAX_ID, true, &opt->value);
		ok &= get_string(p, o, &ep, "label", true, JOURNEY_MAX_LABEL, false, &opt->label);
		ok &= get_string(p, o, &ep, "hint", false, JOURNEY_MAX_PARA, false, &opt->hint);
		ok &= get_bool(p, o, &ep, "exclusive", false, &opt->exclusive);
		if (opt->exclusive && s->kind != STEP_MULTIPLE_CHOICE) {
			struct jpath xp = sub(&ep, "exclusive");
			DIAG(p, &xp, "only options of a multiple_choice can be exclusive");
			ok = false;
		}
		for (size_t k = 0; opt->value && k + 1 < s->noptions; k++)
			if (s->options[k].value && !strcmp(s->options[k].value, opt->value)) {
				struct jpath vp = sub(&ep, "value");
				DIAG(p, &vp, "duplicate value \"%s\" (also options[%zu])",
				     opt->value, k);
				ok = false;
			}
	}
	return ok;
}

static bool parse_errors(struct parser *p, const json_t *st, const struct jpath *path,
			 struct journey_step *s)
{
	json_t *errs = json_object_get(st, "errors");
	if (!errs)
		return true;
	struct jpath ep = sub(path, "errors");
	if (!json_is_object(errs)) {
		DIAG(p, &ep, "must be an object of messages by rule");
		return false;
	}
	bool ok = true;
	const char *key;
	json_t *v;
	json_object_foreach(errs, key, v) {
		int rule = -1;
		for (int r = 0; r < RULE_COUNT; r++)
			if (!strcmp(rule_names[r], key))
				rule = r;
		struct jpath kp = sub(&ep, key);
		if (rule < 0 || !(kind_rules[s->kind] & R(rule))) {
			DIAG(p, &kp, "a %s step has no rule \"%.40s\"", journey_kind_name(s->kind),
			     key);
			ok = false;
			continue;
		}
		ok &= get_string(p, errs, &ep, key, true, JOURNEY_MAX_PARA, false,
				 &s->errors[rule]);
	}
	return ok;
}

static const char *const step_keys[] = {
	"id",	    "kind",	    "question", "hint",    "summary_label", "title",
	"body",	    "bullets",	    "button",	"unit",	   "example",	    "required",
	"outcome",  "whole",	    "min",	"max",	   "min_length",    "max_length",
	"pattern",  "options",	    "errors",	"show_when", "next",	    NULL};

/* Keys that only some kinds may carry, with the kinds as bits. */
#define K(x) (1u << (x))
#define QUESTIONS ((1u << STEP_INFO) - 1)
#define PAGES (K(STEP_INFO) | K(STEP_CHECK_ANSWERS) | K(STEP_CONFIRMATION))
static const struct {
	const char *key;
	unsigned kinds;
} key_kinds[] = {
	{"question", QUESTIONS},
	{"hint", QUESTIONS},
	{"summary_label", QUESTIONS},
	{"required", QUESTIONS},
	{"errors", QUESTIONS},
	{"example", QUESTIONS & ~(K(STEP_SINGLE_CHOICE) | K(STEP_MULTIPLE_CHOICE) |
				  K(STEP_YES_NO) | K(STEP_DATE) | K(STEP_ADDRESS))},
	{"title", PAGES},
	{"body", PAGES},
	{"bullets", PAGES},
	{"button", K(STEP_CHECK_ANSWERS)},
	{"outcome", K(STEP_INFO)},
	{"unit", K(STEP_NUMBER)},
	{"whole", K(STEP_NUMBER)},
	{"min", K(STEP_NUMBER) | K(STEP_DATE)},
	{"max", K(STEP_NUMBER) | K(STEP_DATE)},
	{"min_length", K(STEP_TEXT)},
	{"max_length", K(STEP_TEXT) | K(STEP_LONG_TEXT)},
	{"pattern", K(STEP_TEXT)},
	{"options", K(STEP_SINGLE_CHOICE) | K(STEP_MULTIPLE_CHOICE)},
	{"show_when", ~K(STEP_CHECK_ANSWERS) & ~K(STEP_CONFIRMATION)},
	{"next", ~K(STEP_CHECK_ANSWERS) & ~K(STEP_CONFIRMATION)},
};

static bool parse_step_body(struct parser *p, const json_t *st, size_t i,
			    const struct jpath *path)
{
	struct journey_step *s = &p->j->steps[i];
	bool ok = check_keys(p, st, path, step_keys);
	for (size_t k = 0; k < sizeof key_kinds / sizeof *key_kinds; k++)
		if (json_object_get(st, key_kinds[k].key) &&
		    !(key_kinds[k].kinds & K(s->kind))) {
			struct jpath kp = sub(path, key_kinds[k].key);
			DIAG(p, &kp, "a %s step has no \"%s\"", journey_kind_name(s->kind),
			     key_kinds[k].key);
			ok = false;
		}

	bool question = journey_kind_is_question(s->kind);
	ok &= get_string(p, st, path, "question", question, JOURNEY_MAX_LABEL, false,
			 &s->question);
	ok &= get_string(p, st, path, "hint", false, JOURNEY_MAX_PARA, false, &s->hint);
	ok &= get_string(p, st, path, "summary_label", false, JOURNEY_MAX_LABEL, false,
			 &s->summary_label);
	ok &= get_string(p, st, path, "title",
			 s->kind == STEP_INFO || s->kind == STEP_CONFIRMATION,
			 JOURNEY_MAX_LABEL, false, &s->title);
	ok &= get_string_list(p, st, path, "body", &s->body, &s->nbody);
	ok &= get_string_list(p, st, path, "bullets", &s->bullets, &s->nbullets);
	ok &= get_string(p, st, path, "button", false, JOURNEY_MAX_LABEL, false,
			 &s->button);
	ok &= get_string(p, st, path, "unit", false, 20, false, &s->unit);
	ok &= get_string(p, st, path, "example", false, JOURNEY_MAX_PARA, false,
			 &s->example);
	ok &= get_bool(p, st, path, "required", question, &s->required);
	ok &= get_bool(p, st, path, "whole", false, &s->whole);

	char *outcome = NULL;
	ok &= get_string(p, st, path, "outcome", false, 20, false, &outcome);
	if (outcome) {
		if (strcmp(outcome, "stop") == 0)
			s->stop = true;
		else {
			struct jpath kp = sub(path, "outcome");
			DIAG(p, &kp, "the only outcome is \"stop\"");
			ok = false;
		}
		mem_free(outcome);
	}

	if (s->kind == STEP_TEXT)
		s->max_length = 200;
	if (s->kind == STEP_LONG_TEXT)
		s->max_length = 1200;
	ok &= get_count(p, st, path, "min_length", 1, JOURNEY_MAX_LONG_TEXT, &s->min_length);
	ok &= get_count(p, st, path, "max_length", 1, JOURNEY_MAX_LONG_TEXT, &s->max_length);
	if (s->min_length > s->max_length) {
		struct jpath kp = sub(path, "min_length");
		DIAG(p, &kp, "is more than max_length (%ld)", s->max_length);
		ok = false;
	}

	json_t *mn = json_object_get(st, "min"), *mx = json_object_get(st, "max");
	struct jpath mnp = sub(path, "min"), mxp = sub(path, "max");
	if (s->kind == STEP_NUMBER) {
		if (mn)
			ok &= s->has_min = get_number(p, mn, &mnp, &s->min);
		if (mx)
			ok &= s->has_max = get_number(p, mx, &mxp, &s->max);
		if (s->has_min && s->has_max && s->min > s->max) {
			DIAG(p, &mnp, "is more than max");
			ok = false;
		}
	} else if (s->kind == STEP_DATE) {
		if (mn)
			ok &= s->has_date_min = parse_date_value(p, mn, &mnp, &s->date_min);
		if (mx)
			ok &= s->has_date_max = parse_date_value(p, mx, &mxp, &s->date_max);
	}

	if (!get_string(p, st, path, "pattern", false, 500, false, &s->pattern))
		ok = false;
	else if (s->pattern) {
		size_t n = strlen(s->pattern) + 5;
		char *anch = mem_alloc(n);
		regex_t re;
		if (!anch) {
			p->nomem = true;
			return false;
		}
		snprintf(anch, n, "^(%s)$", s->pattern);
		int rc = regcomp(&re, anch, REG_EXTENDED | REG_NOSUB);
		mem_free(anch);
		if (rc != 0) {
			char why[128];
			regerror(rc, NULL, why, sizeof why);
			struct jpath kp = sub(path, "pattern");
			DIAG(p, &kp, "is not a valid regular expression: %s", why);
			ok = false;
		} else {
			regfree(&re);
		}
	}

	ok &= parse_options(p, st, path, s);
	ok &= parse_errors(p, st, path, s);
	if (question && s->required && !s->errors[RULE_REQUIRED]) {
		struct jpath kp = sub(path, "errors.required");
		DIAG(p, &kp,
		     "a required question needs its own message for a missing answer, like \"Enter your postcode\"");
		ok = false;
	}

	json_t *sw = json_object_get(st, "show_when");
	if (sw) {
		struct jpath kp = sub(path, "show_when");
		ok &= (s->show_when = new_cond(p, sw, &kp)) != NULL;
	}

	json_t *next = json_object_get(st, "next");
	if (next) {
		struct jpath np = sub(path, "next");
		if (!json_is_array(next) || json_array_size(next) == 0 ||
		    json_array_size(next) > JOURNEY_MAX_STEPS) {
			DIAG(p, &np, "must be a list of {\"when\": ..., \"goto\": ...}");
			return false;
		}
		s->next = mem_calloc(json_array_size(next), sizeof *s->next);
		if (!s->next) {
			p->nomem = true;
			return false;
		}
		static const char *const nkeys[] = {"when", "goto", NULL};
		size_t k;
		json_t *e;
		json_array_foreach(next, k, e) {
			struct jpath ep = idx(&np, k);
			struct journey_next *n = &s->next[s->nnext++];
			if (!json_is_object(e) || !check_keys(p, e, &ep, nkeys)) {
				if (!json_is_object(e))
					DIAG(p, &ep, "must be {\"when\": ..., \"goto\": ...}");
				ok = false;
				continue;
			}
			char *to = NULL;
			if (!get_string(p, e, &ep, "goto", true, JOURNEY_MAX_ID, true, &to)) {
				ok = false;
				continue;
			}
			long t = journey_find_step(p->j, to);
			struct jpath gp = sub(&ep, "goto");
			if (t < 0) {
				DIAG(p, &gp, "no step has the id \"%s\"", to);
				ok = false;
			}
			mem_free(to);
			n->target = t < 0 ? 0 : (size_t)t;
			json_t *w = json_object_get(e, "when");
			struct jpath wp = sub(&ep, "when");
			if (!w) {
				DIAG(p, &wp, "missing (to always go somewhere, use the step order)");
				ok = false;
			} else {
				ok &= (n->when = new_cond(p, w, &wp)) != NULL;
			}
		}
	}
	return ok;
}

static bool parse_routes(struct parser *p, const json_t *root)
{
	json_t *routes = json_object_get(root, "routes");
	struct jpath rp = {"routes"};
	if (!json_is_array(routes) || json_array_size(routes) == 0 ||
	    json_array_size(routes) > 100) {
		DIAG(p, &rp, "%s: a list of {\"when\": ..., \"destination\": ...}, the last usually without \"when\"",
		     routes ? "must be" : "missing");
		return false;
	}
	p->j->routes = mem_calloc(json_array_size(routes), sizeof *p->j->routes);
	if (!p->j->routes) {
		p->nomem = true;
		return false;
	}
	static const char *const keys[] = {"when", "destination", NULL};
	bool ok = true;
	size_t i;
	json_t *r;
	json_array_foreach(routes, i, r) {
		struct jpath ep = idx(&rp, i);
		struct journey_route *route = &p->j->routes[p->j->nroutes++];
		if (!json_is_object(r)) {
			DIAG(p, &ep, "must be {\"when\": ..., \"destination\": ...}");
			ok = false;
			continue;
		}
		ok &= check_keys(p, r, &ep, keys);
		ok &= get_string(p, r, &ep, "destination", true, JOURNEY_MAX_ID, true,
				 &route->destination);
		json_t *w = json_object_get(r, "when");
		if (w) {
			struct jpath wp = sub(&ep, "when");
			ok &= (route->when = new_cond(p, w, &wp)) != NULL;
		} else if (i + 1 < json_array_size(routes)) {
			DIAG(p, &ep, "a route without \"when\" always holds, so the routes after it are never used");
			ok = false;
		}
	}
	return ok;
}

static bool parse_journey(struct parser *p, const json_t *root)
{
	struct jpath top = {""};
	struct journey *j = p->j;
	if (!json_is_object(root)) {
		journey_diag_add(p->d, 0, 0, "$", "a journey must be a JSON object, not %s",
				 type_name(root));
		return false;
	}
	static const char *const keys[] = {"hatch_journey", "id", "version", "title",
					   "description", "group", "icon", "routes",
					   "steps", NULL};
	bool ok = check_keys(p, root, &top, keys);
	json_t *fmt = json_object_get(root, "hatch_journey");
	if (!json_is_integer(fmt) || json_integer_value(fmt) != 1) {
		struct jpath kp = {"hatch_journey"};
		DIAG(p, &kp, "%s: this program reads format 1",
		     fmt ? "unsupported format version" : "missing");
		ok = false;
	}
	ok &= get_string(p, root, &top, "id", true, JOURNEY_MAX_ID, true, &j->id);
	json_t *ver = json_object_get(root, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
	    json_integer_value(ver) > 1000000000) {
		struct jpath kp = {"version"};
		DIAG(p, &kp, "%s: a whole number from 1", ver ? "must be" : "missing");
		ok = false;
	} else {
		j->version = (long)json_integer_value(ver);
	}
	ok &= get_string(p, root, &top, "title", true, JOURNEY_MAX_LABEL, false, &j->title);
	ok &= get_string(p, root, &top, "description", true, JOURNEY_MAX_LABEL, false,
			 &j->description);
	ok &= get_string(p, root, &top, "group", false, JOURNEY_MAX_LABEL, false, &j->group);
	ok &= get_string(p, root, &top, "icon", false, JOURNEY_MAX_ID, true, &j->icon);

	json_t *steps = json_object_get(root, "steps");
	struct jpath sp = {"steps"};
	if (!json_is_array(steps) || json_array_size(steps) == 0 ||
	    json_array_size(steps) > JOURNEY_MAX_STEPS) {
		DIAG(p, &sp, "%s: a list of 1 to %d steps", steps ? "must be" : "missing",
		     JOURNEY_MAX_STEPS);
		return false;
	}
	j->steps = mem_calloc(json_array_size(steps), sizeof *j->steps);
	if (!j->steps) {
		p->nomem = true;
		return false;
	}
	/* First the ids and kinds, so that conditions and gotos can name any
	 * step; then everything else. */
	bool ids_ok = true;
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st) {
		struct jpath ep = idx(&sp, i);
		struct journey_step *s = &j->steps[j->nsteps++];
		s->kind = STEP_KIND_COUNT;
		if (!json_is_object(st)) {
			DIAG(p, &ep, "a step must be an object, not %s", type_name(st));
			ids_ok = false;
			continue;
		}
		ids_ok &= get_string(p, st, &ep, "id", true, JOURNEY_MAX_ID, true, &s->id);
		char *kind = NULL;
		if (get_string(p, st, &ep, "kind", true, 40, false, &kind)) {
			for (int k = 0; k < STEP_KIND_COUNT; k++)
				if (!strcmp(kind, kind_names[k]))
					s->kind = (enum step_kind)k;
			if (s->kind == STEP_KIND_COUNT) {
				struct jpath kp = sub(&ep, "kind");
				DIAG(p, &kp, "unknown kind \"%.40s\"", kind);
			}
			mem_free(kind);
		}
		if (s->kind == STEP_KIND_COUNT)
			ids_ok = false;
		for (size_t k = 0; s->id && k + 1 < j->nsteps; k++)
			if (j->steps[k].id && !strcmp(j->steps[k].id, s->id)) {
				struct jpath kp = sub(&ep, "id");
				DIAG(p, &kp, "duplicate id \"%s\" (also steps[%zu])", s->id, k);
				ids_ok = false;
			}
	}
	if (!ids_ok || p->nomem)
		return false;
	json_array_foreach(steps, i, st) {
		struct jpath ep = idx(&sp, i);
		ok &= parse_step_body(p, st, i, &ep);
		if (p->nomem)
			return false;
	}
	ok &= parse_routes(p, root);
	return ok;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mem_free(v[i]);
	mem_free(v);
}

static void free_cond(struct cond *c)
{
	cond_cleanup(c);
	mem_free(c);
}

void journey_destroy(struct journey *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->nsteps; i++) {
		struct journey_step *s = &j->steps[i];
		mem_free(s->id);
		mem_free(s->question);
		mem_free(s->hint);
		mem_free(s->summary_label);
		mem_free(s->title);
		free_strings(s->body, s->nbody);
		free_strings(s->bullets, s->nbullets);
		mem_free(s->button);
		mem_free(s->unit);
		mem_free(s->example);
		mem_free(s->pattern);
		for (size_t k = 0; k < s->noptions; k++) {
			mem_free(s->options[k].value);
			mem_free(s->options[k].label);
			mem_free(s->options[k].hint);
		}
		mem_free(s->options);
		for (int r = 0; r < RULE_COUNT; r++)
			mem_free(s->errors[r]);
		free_cond(s->show_when);
		for (size_t k = 0; k < s->nnext; k++)
			free_cond(s->next[k].when);
		mem_free(s->next);
	}
	mem_free(j->steps);
	for (size_t i = 0; i < j->nroutes; i++) {
		free_cond(j->routes[i].when);
		mem_free(j->routes[i].destination);
	}
	mem_free(j->routes);
	mem_free(j->id);
	mem_free(j->title);
	mem_free(j->description);
	mem_free(j->group);
	mem_free(j->icon);
	mem_free(j);
}

static void *jansson_alloc(size_t n)
{
	return mem_alloc(n);
}

void journey_json_init(void)
{
	json_set_alloc_funcs(jansson_alloc, mem_free_secure);
}

enum hatch_err journey_load(const char *data, size_t len,
			    const struct cdate *today, struct journey **out,
			    struct journey_diags *diags)
{
	*out = NULL;
	if (len > JOURNEY_MAX_BYTES) {
		journey_diag_add(diags, 0, 0, NULL,
				 "the file is %zu bytes; a journey is at most %d", len,
				 JOURNEY_MAX_BYTES);
		return HATCH_ERR_LIMIT;
	}
	journey_json_init();
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			return HATCH_ERR_NOMEM;
		journey_diag_add(diags, jerr.line > 0 ? jerr.line : 1,
				 jerr.column > 0 ? jerr.column : 1, NULL, "%s", jerr.text);
		return diags->nomem ? HATCH_ERR_NOMEM : HATCH_ERR_INPUT;
	}
	struct journey *j = mem_calloc(1, sizeof *j);
	if (!j) {
		json_decref(root);
		return HATCH_ERR_NOMEM;
	}
	struct parser p = {j, diags, false};
	size_t before = diags->n;
	bool ok = parse_journey(&p, root);
	json_decref(root);
	if (ok && !p.nomem && !diags->nomem)
		journey_check(j, today, diags);
	if (p.nomem || diags->nomem) {
		journey_destroy(j);
		return HATCH_ERR_NOMEM;
	}
	if (!ok || diags->n > before || diags->dropped) {
		journey_destroy(j);
		return HATCH_ERR_INPUT;
	}
	*out = j;
	return HATCH_OK;
}
