/* Open311 service lists and definitions made into journey files (import.h).
 * Pure: bytes in, journey text out; never prints, fetches or writes.
 * Everything read is outside input: each key's type is checked, texts are
 * cleaned of control characters and cut to the journey format's limits,
 * and a definition that cannot become a journey is an error with a reason,
 * never a crash. The journey is built with jansson and checked by the
 * caller with the same checker `hatch journeys validate` uses. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/import.h"
#include "base/buf.h"
#include "base/id.h"
#include "base/mem.h"
#include "core/journey.h"
#include "sync/fetch.h"

/* A code longer than this is not a code but a fault (or an attack). */
#define IMPORT_MAX_CODE 256
/* The steps an import adds around the attributes' questions. */
#define IMPORT_FIXED_STEPS 5

/* ---- texts ---------------------------------------------------------- */

/* S with every run of white space and control characters made one space,
 * none at either end, cut to MAX characters at a character boundary (the
 * last one then "…"). NULL when out of memory. */
static char *clean_text(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *out = mem_alloc(n + 4);
	if (!out)
		return NULL;
	size_t len = 0, chars = 0, cut_at = 0;
	bool space = false, cut = false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == ' ') {
			space = len > 0;
			continue;
		}
		bool lead = (*p & 0xC0) != 0x80;
		if (lead && space) {
			if (chars == max) {
				cut = true;
				break;
			}
			if (chars == max - 1)
				cut_at = len;
			out[len++] = ' ';
			chars++;
		}
		space = false;
		if (lead) {
			if (chars == max) {
				cut = true;
				break;
			}
			if (chars == max - 1)
				cut_at = len;
			chars++;
		}
		out[len++] = (char)*p;
	}
	if (cut) {
		/* The last character gives way to the ellipsis. */
		len = cut_at;
		while (len && out[len - 1] == ' ')
			len--;
		memcpy(out + len, "\xE2\x80\xA6", 3);
		len += 3;
	}
	out[len] = '\0';
	return out;
}

/* A code for a message: printable ASCII only, at most 40 bytes. */
static void shown(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; *s && n + 4 < size && n < 40; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s)
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	out[n] = '\0';
}

/* A string or a whole number as text into OUT; false for anything else
 * and for text longer than IMPORT_MAX_CODE. */
static bool code_text(json_t *v, char *out, size_t size)
{
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (!n || n > IMPORT_MAX_CODE || n >= size)
			return false;
		memcpy(out, s, n + 1);
		return true;
	}
	if (json_is_integer(v)) {
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
		return true;
	}
	return false;
}

/* true, false, "true", "false" (any case), or absent/null for DEFAULT. */
static bool flag(json_t *v, bool dflt, bool *out)
{
	*out = dflt;
	if (!v || json_is_null(v))
		return true;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return true;
	}
	const char *s = json_string_value(v);
	if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))) {
		*out = true;
		return true;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))) {
		*out = false;
		return true;
	}
	return false;
}

/* An optional text: a string, or absent/null for none (*OUT NULL). */
static bool opt_text(json_t *v, const char **out)
{
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v))
		return false;
	*out = json_string_value(v);
	return true;
}

static enum hatch_err not_json(struct hatch_error *e, const char *what,
			       const json_error_t *je)
{
	char why[160];
	shown(je->text, why, sizeof why);
	return err_set(e, HATCH_ERR_INPUT, "%s is not JSON (line %d: %s)", what, je->line,
		       why);
}

/* ---- services.json -------------------------------------------------- */

void import_services_cleanup(struct import_services *s)
{
	for (size_t i = 0; i < s->n; i++) {
		mem_free(s->v[i].code);
		mem_free(s->v[i].name);
		mem_free(s->v[i].description);
		mem_free(s->v[i].group);
	}
	mem_free(s->v);
	s->v = NULL;
	s->n = 0;
}

static enum hatch_err read_service(json_t *o, size_t i, struct import_service *sv,
				   struct hatch_error *e)
{
	char code[IMPORT_MAX_CODE + 1], c[48];
	if (!json_is_object(o))
		return err_set(e, HATCH_ERR_INPUT, "services[%zu] is not an object", i);
	if (!code_text(json_object_get(o, "service_code"), code, sizeof code))
		return err_set(e, HATCH_ERR_INPUT,
			       "services[%zu] has no service_code (text of 1 to %d bytes)",
			       i, IMPORT_MAX_CODE);
	shown(code, c, sizeof c);
	const char *name, *desc, *group;
	if (!opt_text(json_object_get(o, "service_name"), &name) || !name)
		return err_set(e, HATCH_ERR_INPUT, "service \"%s\" has no service_name", c);
	if (!opt_text(json_object_get(o, "description"), &desc))
		return err_set(e, HATCH_ERR_INPUT,
			       "service \"%s\": description is not text", c);
	if (!opt_text(json_object_get(o, "group"), &group))
		return err_set(e, HATCH_ERR_INPUT, "service \"%s\": group is not text", c);
	if (!flag(json_object_get(o, "metadata"), false, &sv->metadata))
		return err_set(e, HATCH_ERR_INPUT,
			       "service \"%s\": metadata is not true or false", c);
	sv->code = mem_strdup(code);
	sv->name = clean_text(name, JOURNEY_MAX_LABEL);
	sv->description = clean_text(desc ? desc : "", JOURNEY_MAX_LABEL);
	if (group)
		sv->group = clean_text(group, JOURNEY_MAX_LABEL);
	if (!sv->code || !sv->name || !sv->description || (group && !sv->group))
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	if (!sv->name[0])
		return err_set(e, HATCH_ERR_INPUT, "service \"%s\" has an empty service_name",
			       c);
	if (sv->group && !sv->group[0]) {
		mem_free(sv->group);
		sv->group = NULL;
	}
	return HATCH_OK;
}

enum hatch_err import_services_read(const char *body, size_t len,
				    struct import_services *out, struct hatch_error *e)
{
	out->v = NULL;
	out->n = 0;
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return not_json(e, "the service list", &je);
	enum hatch_err rc = HATCH_OK;
	size_t n = json_array_size(root);
	if (!json_is_array(root)) {
		rc = err_set(e, HATCH_ERR_INPUT, "the service list is not a JSON list");
		goto out;
	}
	if (n > IMPORT_MAX_SERVICES) {
		rc = err_set(e, HATCH_ERR_LIMIT, "the service list has %zu services; the limit is %d",
			     n, IMPORT_MAX_SERVICES);
		goto out;
	}
	if (!(out->v = mem_calloc(n ? n : 1, sizeof *out->v))) {
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && rc == HATCH_OK; i++) {
		struct import_service *sv = &out->v[out->n++];
		rc = read_service(json_array_get(root, i), i, sv, e);
		for (size_t k = 0; rc == HATCH_OK && k + 1 < out->n; k++)
			if (!strcmp(out->v[k].code, sv->code)) {
				char c[48];
				shown(sv->code, c, sizeof c);
				rc = err_set(e, HATCH_ERR_INPUT,
					     "service_code \"%s\" is listed twice", c);
			}
	}
out:
	json_decref(root);
	return rc;
}

/* ---- one journey ---------------------------------------------------- */

enum datatype { DT_STRING, DT_TEXT, DT_NUMBER, DT_DATETIME, DT_SINGLE, DT_MULTI };

static const struct {
	const char *open311, *kind, *required;
} datatypes[] = {
    [DT_STRING] = {"string", "text", "Enter your answer"},
    [DT_TEXT] = {"text", "long_text", "Enter your answer"},
    [DT_NUMBER] = {"number", "number", "Enter a number"},
    [DT_DATETIME] = {"datetime", "date", "Enter a date"},
    [DT_SINGLE] = {"singlevaluelist", "single_choice", "Select an answer"},
    [DT_MULTI] = {"multivaluelist", "multiple_choice", "Select at least one option"},
};

struct attr {
	json_t *obj;
	size_t index; /* in the definition */
	long long order;
	bool variable, required;
	enum datatype type;
	char code[IMPORT_MAX_CODE + 1];
	char shown[48];
	char id[JOURNEY_MAX_ID + 1];
};

/* What building one journey carries along. */
struct build {
	char (*used)[JOURNEY_MAX_ID + 1]; /* step ids taken so far */
	size_t nused;
	bool nomem;
	struct buf notes;
	struct hatch_error *e;
};

static bool id_used(const struct build *b, const char *id)
{
	for (size_t i = 0; i < b->nused; i++)
		if (!strcmp(b->used[i], id))
			return true;
	return false;
}

static void id_take(struct build *b, const char *id)
{
	snprintf(b->used[b->nused++], sizeof b->used[0], "%s", id);
}

/* BASE, or BASE-2, BASE-3, ... whichever is free, into OUT; taken. */
static void id_unique(struct build *b, const char *base, char *out, size_t size)
{
	snprintf(out, size, "%s", base);
	for (unsigned k = 2; id_used(b, out); k++)
		snprintf(out, size, "%s-%u", base, k);
	id_take(b, out);
}

static void put(struct build *b, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v))
		b->nomem = true;
}

static void append(struct build *b, json_t *a, json_t *v)
{
	if (json_array_append_new(a, v))
		b->nomem = true;
}

/* A cleaned text as a JSON string, or NULL (and NOMEM set). */
static json_t *text(struct build *b, const char *s, size_t max)
{
	char *c = clean_text(s, max);
	json_t *v = c ? json_string(c) : NULL;
	mem_free(c);
	if (!v)
		b->nomem = true;
	return v;
}

static json_t *strings(struct build *b, const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		append(b, a, json_string(v[i]));
	if (!a)
		b->nomem = true;
	return a;
}

static int by_order(const void *pa, const void *pb)
{
	const struct attr *a = pa, *b = pb;
	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Reads attribute I of the definition into A. */
static enum hatch_err read_attr(json_t *o, size_t i, struct attr *a, struct hatch_error *e)
{
	a->obj = o;
	a->index = i;
	if (!json_is_object(o))
		return err_set(e, HATCH_ERR_INPUT, "attributes[%zu] is not an object", i);
	if (!code_text(json_object_get(o, "code"), a->code, sizeof a->code))
		return err_set(e, HATCH_ERR_INPUT,
			       "attributes[%zu] has no code (text of 1 to %d bytes)", i,
			       IMPORT_MAX_CODE);
	shown(a->code, a->shown, sizeof a->shown);
	if (!flag(json_object_get(o, "variable"), true, &a->variable))
		return err_set(e, HATCH_ERR_INPUT,
			       "attribute \"%s\": variable is not true or false", a->shown);
	if (!flag(json_object_get(o, "required"), false, &a->required))
		return err_set(e, HATCH_ERR_INPUT,
			       "attribute \"%s\": required is not true or false", a->shown);
	json_t *ord = json_object_get(o, "order");
	a->order = LLONG_MAX;
	if (json_is_integer(ord))
		a->order = (long long)json_integer_value(ord);
	else if (json_is_string(ord) && json_string_value(ord)[0]) {
		char *end;
		long long v = strtoll(json_string_value(ord), &end, 10);
		if (*end)
			return err_set(e, HATCH_ERR_INPUT,
				       "attribute \"%s\": order is not a whole number", a->shown);
		a->order = v;
	} else if (ord && !json_is_null(ord)) {
		return err_set(e, HATCH_ERR_INPUT,
			       "attribute \"%s\": order is not a whole number", a->shown);
	}
	const char *dt = json_string_value(json_object_get(o, "datatype"));
	size_t t = 0;
	for (; dt && t < sizeof datatypes / sizeof datatypes[0]; t++)
		if (!strcmp(dt, datatypes[t].open311))
			break;
	if (!a->variable)
		return HATCH_OK; /* information only: its datatype does not matter */
	if (!dt || t == sizeof datatypes / sizeof datatypes[0]) {
		char d[48];
		shown(dt ? dt : "", d, sizeof d);
		return err_set(e, HATCH_ERR_INPUT,
			       dt ? "attribute \"%s\": datatype \"%s\" is not an Open311 datatype"
				  : "attribute \"%s\" has no datatype%s",
			       a->shown, d);
	}
	a->type = (enum datatype)t;
	return HATCH_OK;
}

/* The options of list attribute A, or NULL with E set. */
static json_t *options(struct build *b, const struct attr *a)
{
	json_t *vals = json_object_get(a->obj, "values");
	size_t n = json_array_size(vals);
	if (!json_is_array(vals) || n == 0 || n > JOURNEY_MAX_OPTIONS) {
		err_set(b->e, HATCH_ERR_INPUT,
			"attribute \"%s\" (%s) needs values: a list of 1 to %d", a->shown,
			datatypes[a->type].open311, JOURNEY_MAX_OPTIONS);
		return NULL;
	}
	char (*ids)[SYNC_OPEN311_ID_MAX + 1] = mem_calloc(n, sizeof *ids);
	json_t *opts = json_array();
	if (!ids || !opts) {
		mem_free(ids);
		json_decref(opts);
		b->nomem = true;
		return NULL;
	}
	bool bad = false;
	for (size_t i = 0; i < n && !bad && !b->nomem; i++) {
		json_t *v = json_array_get(vals, i);
		char key[IMPORT_MAX_CODE + 1], k[48];
		const char *name;
		if (!json_is_object(v) || !code_text(json_object_get(v, "key"), key, sizeof key) ||
		    !opt_text(json_object_get(v, "name"), &name)) {
			err_set(b->e, HATCH_ERR_INPUT,
				"attribute \"%s\": values[%zu] needs a key (text) and a name",
				a->shown, i);
			bad = true;
			break;
		}
		shown(key, k, sizeof k);
		if (!sync_open311_answer_id(key, ids[i])) {
			err_set(b->e, HATCH_ERR_INPUT,
				"attribute \"%s\": the key \"%s\" has no letter or digit to make "
				"an option value of",
				a->shown, k);
			bad = true;
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(ids[j], ids[i])) {
				err_set(b->e, HATCH_ERR_INPUT,
					"attribute \"%s\": the keys of values[%zu] and values[%zu] "
					"make the same option value \"%s\"",
					a->shown, j, i, ids[i]);
				bad = true;
			}
		if (bad)
			break;
		char *label = clean_text(name ? name : "", JOURNEY_MAX_LABEL);
		if (!label) {
			b->nomem = true;
			break;
		}
		json_t *o = json_object();
		put(b, o, "value", json_string(ids[i]));
		put(b, o, "label", text(b, label[0] ? label : key, JOURNEY_MAX_LABEL));
		append(b, opts, o);
		mem_free(label);
	}
	mem_free(ids);
	if (bad || b->nomem) {
		json_decref(opts);
		return NULL;
	}
	return opts;
}

/* The question step for variable attribute A, or NULL (E set, or NOMEM). */
static json_t *question(struct build *b, const struct attr *a)
{
	const char *q, *hint;
	if (!opt_text(json_object_get(a->obj, "description"), &q) ||
	    !opt_text(json_object_get(a->obj, "datatype_description"), &hint)) {
		err_set(b->e, HATCH_ERR_INPUT,
			"attribute \"%s\": description and datatype_description must be text",
			a->shown);
		return NULL;
	}
	char *cq = clean_text(q ? q : "", JOURNEY_MAX_LABEL);
	char *ch = clean_text(hint ? hint : "", JOURNEY_MAX_PARA);
	char *cc = clean_text(a->code, JOURNEY_MAX_LABEL);
	json_t *s = json_object();
	if (!cq || !ch || !cc || !s) {
		mem_free(cq);
		mem_free(ch);
		mem_free(cc);
		json_decref(s);
		b->nomem = true;
		return NULL;
	}
	put(b, s, "id", json_string(a->id));
	put(b, s, "kind", json_string(datatypes[a->type].kind));
	/* No description: the code is all there is to ask by. */
	put(b, s, "question",
	    json_string(cq[0] ? cq : cc[0] ? cc : "What is your answer?"));
	mem_free(cc);
	/* A datetime's description says how it is sent ("ISO 8601"); the
	 * kiosk asks for day, month and year, and delivery writes it. */
	if (ch[0] && a->type != DT_DATETIME)
		put(b, s, "hint", json_string(ch));
	mem_free(cq);
	mem_free(ch);
	if (!a->required)
		put(b, s, "required", json_false());
	if (a->type == DT_SINGLE || a->type == DT_MULTI) {
		json_t *o = options(b, a);
		if (!o) {
			json_decref(s);
			return NULL;
		}
		put(b, s, "options", o);
	}
	if (a->required) {
		json_t *errs = json_object();
		put(b, errs, "required", json_string(datatypes[a->type].required));
		put(b, s, "errors", errs);
	}
	return s;
}

void import_journey_cleanup(struct import_journey *j)
{
	mem_free(j->json);
	mem_free(j->notes);
	memset(j, 0, sizeof *j);
}

/* Reads the definition's attributes into *OUT (sorted by order). */
static enum hatch_err read_attrs(json_t *root, struct attr **out, size_t *n,
				 struct hatch_error *e)
{
	*out = NULL;
	*n = 0;
	json_t *list = json_object_get(root, "attributes");
	if (!json_is_object(root) || !json_is_array(list))
		return err_set(e, HATCH_ERR_INPUT,
			       "the service definition is not an object with an attributes list");
	size_t count = json_array_size(list);
	if (count > JOURNEY_MAX_STEPS - IMPORT_FIXED_STEPS)
		return err_set(e, HATCH_ERR_LIMIT,
			       "the service definition has %zu attributes; a journey can ask at "
			       "most %d questions",
			       count, JOURNEY_MAX_STEPS - IMPORT_FIXED_STEPS);
	struct attr *v = mem_calloc(count ? count : 1, sizeof *v);
	if (!v)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		enum hatch_err rc = read_attr(json_array_get(list, i), i, &v[i], e);
		for (size_t k = 0; rc == HATCH_OK && k < i; k++)
			if (!strcmp(v[k].code, v[i].code))
				rc = err_set(e, HATCH_ERR_INPUT,
					     "attribute code \"%s\" is given twice", v[i].shown);
		if (rc != HATCH_OK) {
			mem_free(v);
			return rc;
		}
	}
	qsort(v, count, sizeof *v, by_order);
	*out = v;
	*n = count;
	return HATCH_OK;
}

/* Step ids for the variable attributes, matching how delivery finds an
 * attribute's answer: an id that is exactly a code goes to that attribute;
 * a code made an id goes to the first such attribute in the definition's
 * order; the rest get question-N and a note. */
static void assign_ids(struct build *b, struct attr *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].variable && id_valid(v[i].code, strlen(v[i].code), JOURNEY_MAX_ID)) {
			snprintf(v[i].id, sizeof v[i].id, "%s", v[i].code);
			id_take(b, v[i].id);
		}
	for (size_t idx = 0; idx < n; idx++)
		for (size_t i = 0; i < n; i++) {
			char id[SYNC_OPEN311_ID_MAX + 1];
			if (v[i].index != idx || !v[i].variable || v[i].id[0])
				continue;
			if (sync_open311_answer_id(v[i].code, id) && !id_used(b, id)) {
				snprintf(v[i].id, sizeof v[i].id, "%s", id);
				id_take(b, id);
			}
		}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].variable || v[i].id[0])
			continue;
		char base[32];
		snprintf(base, sizeof base, "question-%zu", v[i].index + 1);
		id_unique(b, base, v[i].id, sizeof v[i].id);
		if (buf_addf(&b->notes,
			     "attribute \"%s\": its code makes no step id of its own, so its "
			     "answer (step \"%s\") goes only into the request's description\n",
			     v[i].shown, v[i].id) != HATCH_OK)
			b->nomem = true;
	}
}

static json_t *page(struct build *b, const char *base, const char *kind)
{
	char id[JOURNEY_MAX_ID + 1];
	id_unique(b, base, id, sizeof id);
	json_t *s = json_object();
	put(b, s, "id", json_string(id));
	put(b, s, "kind", json_string(kind));
	return s;
}

/* The steps around the questions: what a journey file always has. */
static void fixed_steps(struct build *b, json_t *steps, bool describe)
{
	if (describe) {
		json_t *s = page(b, "description", "long_text");
		put(b, s, "question", json_string("What do you want to tell us?"));
		put(b, s, "hint",
		    json_string("For example, what is wrong, where exactly it is and how "
				"long it has been like this."));
		put(b, s, "summary_label", json_string("Details"));
		put(b, s, "max_length", json_integer(2000));
		json_t *errs = json_object();
		put(b, errs, "required", json_string("Enter what you want to tell us"));
		put(b, errs, "too_long", json_string("This must be {max_length} characters or fewer"));
		put(b, s, "errors", errs);
		append(b, steps, s);
	}
	json_t *s = page(b, "address", "address");
	put(b, s, "question", json_string("What is the address?"));
	put(b, s, "hint",
	    json_string("If there is no address at the exact place, give the nearest one."));
	put(b, s, "summary_label", json_string("Address"));
	json_t *errs = json_object();
	put(b, errs, "required", json_string("Enter the building and street of the address"));
	put(b, errs, "town", json_string("Enter the town or city of the address"));
	put(b, errs, "postcode", json_string("Enter a real postcode"));
	put(b, s, "errors", errs);
	append(b, steps, s);

	s = page(b, "check", "check_answers");
	put(b, s, "title", json_string("Check your answers before sending your report"));
	put(b, s, "button", json_string("Send report"));
	append(b, steps, s);

	static const char *const body[] = {"We have sent your report to the council."};
	static const char *const bullets[] = {
	    "Keep your reference number in case you need to contact us about your report."};
	s = page(b, "done", "confirmation");
	put(b, s, "title", json_string("Report sent"));
	put(b, s, "body", strings(b, body, 1));
	put(b, s, "bullets", strings(b, bullets, 1));
	append(b, steps, s);
}

/* The information page made from attributes that are not variable, or
 * nothing when there are none. */
static void info_page(struct build *b, json_t *steps, const struct attr *v, size_t n,
		      size_t *skipped)
{
	json_t *body = json_array();
	if (!body) {
		b->nomem = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].variable)
			continue;
		(*skipped)++;
		const char *d;
		if (!opt_text(json_object_get(v[i].obj, "description"), &d) || !d)
			continue;
		char *c = clean_text(d, JOURNEY_MAX_PARA);
		if (!c) {
			b->nomem = true;
			break;
		}
		if (c[0] && json_array_size(body) < JOURNEY_MAX_PARAS)
			append(b, body, json_string(c));
		mem_free(c);
	}
	if (json_array_size(body) == 0 || b->nomem) {
		json_decref(body);
		return;
	}
	json_t *s = page(b, "before-you-start", "info");
	put(b, s, "title", json_string("Before you start"));
	put(b, s, "body", body);
	append(b, steps, s);
}

enum hatch_err import_journey_make(const struct import_service *s, const char *def,
				   size_t def_len, const char *destination,
				   struct import_journey *out, struct hatch_error *e)
{
	memset(out, 0, sizeof *out);
	struct build b = {.e = e};
	buf_init(&b.notes, 64 * 1024);
	char c[48];
	shown(s->code, c, sizeof c);
	if (!sync_open311_answer_id(s->code, out->id))
		return err_set(e, HATCH_ERR_INPUT,
			       "the service_code \"%s\" has no letter or digit to make a journey "
			       "id of",
			       c);
	json_t *root = NULL, *defn = NULL, *steps = NULL;
	struct attr *v = NULL;
	size_t n = 0;
	enum hatch_err rc = HATCH_OK;
	if (s->metadata) {
		json_error_t je;
		defn = json_loadb(def ? def : "", def ? def_len : 0, JSON_REJECT_DUPLICATES, &je);
		if (!defn) {
			rc = not_json(e, "the service definition", &je);
			goto out;
		}
		if ((rc = read_attrs(defn, &v, &n, e)) != HATCH_OK)
			goto out;
	}
	b.used = mem_calloc(n + IMPORT_FIXED_STEPS + 1, sizeof *b.used);
	root = json_object();
	steps = json_array();
	if (!b.used || !root || !steps) {
		b.nomem = true;
		goto out;
	}
	assign_ids(&b, v, n);
	put(&b, root, "hatch_journey", json_integer(1));
	put(&b, root, "id", json_string(out->id));
	put(&b, root, "version", json_integer(1));
	put(&b, root, "title", json_string(s->name));
	put(&b, root, "description", json_string(s->description[0] ? s->description : s->name));
	if (s->group)
		put(&b, root, "group", json_string(s->group));
	json_t *routes = json_array(), *route = json_object();
	put(&b, route, "destination", json_string(destination));
	append(&b, routes, route);
	put(&b, root, "routes", routes);
	info_page(&b, steps, v, n, &out->skipped);
	for (size_t i = 0; i < n && !b.nomem; i++) {
		if (!v[i].variable)
			continue;
		json_t *q = question(&b, &v[i]);
		if (!q && !b.nomem) {
			rc = HATCH_ERR_INPUT;
			goto out;
		}
		append(&b, steps, q);
		out->questions++;
	}
	fixed_steps(&b, steps, !s->metadata);
	json_incref(steps);
	put(&b, root, "steps", steps);
	if (b.nomem)
		goto out;
	size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
	size_t size = json_dumpb(root, NULL, 0, flags);
	if (size == 0 || size > JOURNEY_MAX_BYTES - 1) {
		rc = err_set(e, HATCH_ERR_LIMIT, "the journey would be larger than %d bytes",
			     JOURNEY_MAX_BYTES);
		goto out;
	}
	if (!(out->json = mem_alloc(size + 2))) {
		b.nomem = true;
		goto out;
	}
	out->len = json_dumpb(root, out->json, size, flags);
	out->json[out->len++] = '\n';
	out->json[out->len] = '\0';
	out->notes = buf_take(&b.notes);
	if (!out->notes)
		b.nomem = true;
out:
	if (b.nomem && rc == HATCH_OK)
		rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
	if (rc != HATCH_OK)
		import_journey_cleanup(out);
	buf_cleanup(&b.notes);
	json_decref(steps);
	json_decref(root);
	json_decref(defn);
	mem_free(v);
	mem_free(b.used);
	return rc;
}
