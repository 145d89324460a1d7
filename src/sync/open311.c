/* The Open311 GeoReport v2 adapter: turns a canonical record into the form
 * POST requests.json (or .xml) takes, reads the answer (JSON with jansson,
 * XML with libxml2) and, for batch services, exchanges the token for the
 * request's id on a later drain (GET tokens/{token}). Never prints.
 *
 * How a record's answers become Open311 fields (answer ids are the journey's
 * step ids; the record does not carry the kind of step):
 *  - location: an answer whose value is an address object {line1, line2,
 *    town, postcode} gives address_string (the non-empty parts joined with
 *    ", "), and one chosen from the gazetteer also its "uprn" as
 *    address_id and its "lat"/"long" as lat and long; an answer "uprn" or
 *    "address_id" gives address_id; answers
 *    "lat"/"latitude" and "long"/"longitude" give lat and long;
 *  - email: an answer whose id contains "email" and whose value holds '@';
 *  - phone: an answer whose id contains "phone";
 *  - names: "first-name"/"first_name" and "last-name"/"last_name"/"surname"
 *    as they are; a whole name ("name", "full-name", "full_name",
 *    "your-name", "your_name") is split at its last space: first_name before
 *    it, last_name after (one word: last_name only);
 *  - description: every answer as "question: answer" lines (choices by
 *    their labels), cut at a character boundary to 4000 characters;
 *  - attribute[submission_uuid]: the record's UUID, so a resend is known;
 *  - attribute[CODE]: an answer whose id is the code of a variable
 *    attribute of the service's definition (GET services/{code}.json, once
 *    a drain), or the code made an answer id (sync_open311_answer_id:
 *    "collection_date" is answered by the step "collection-date"); a list
 *    for a multivaluelist; a value of a list that is not one of its keys
 *    but is a key made an answer id is sent as that key; a date for a
 *    datetime is sent as midnight UTC of that day. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "i18n/i18n.h"
#include "sync/fetch.h"
#include "sync/sync_int.h"

/* The specification's limit for description, in characters. */
#define OPEN311_DESCRIPTION_MAX 4000
/* A form body: the description's 4000 characters percent-encoded, with
 * room for the other fields. */
#define OPEN311_FORM_MAX (256 * 1024)

struct def_attr {
	char code[65];
	char id[SYNC_OPEN311_ID_MAX + 1]; /* the code made an answer id, or "" */
	char datatype[24];
	char **keys; /* a list's value keys */
	size_t nkeys;
};

struct def {
	struct def *next;
	char url[512];
	char code[65];
	struct def_attr *attrs;
	size_t nattrs;
};

struct sync_defs {
	struct def *head;
};

static void sync_defs_free_list(struct sync_defs *d)
{
	for (struct def *p = d->head, *n; p; p = n) {
		n = p->next;
		for (size_t i = 0; i < p->nattrs; i++) {
			for (size_t k = 0; k < p->attrs[i].nkeys; k++)
				mem_free(p->attrs[i].keys[k]);
			mem_free(p->attrs[i].keys);
		}
		mem_free(p->attrs);
		mem_free(p);
	}
	d->head = NULL;
}

void sync_defs_destroy(struct sync_defs *d)
{
	if (!d)
		return;
	sync_defs_free_list(d);
	mem_free(d);
}

/* ---- answers -------------------------------------------------------- */

void sync_open311_answer_init(struct sync_open311_answer *a)
{
	memset(a, 0, sizeof *a);
}

static void copy_text(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

static void json_text(json_t *v, char *out, size_t size)
{
	if (json_is_string(v))
		copy_text(out, size, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else
		out[0] = '\0';
}

static void parse_json(const char *body, size_t len, struct sync_open311_answer *a)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	if (!root)
		return;
	json_t *first = json_is_array(root) ? json_array_get(root, 0) : NULL;
	if (json_is_object(first)) {
		a->parsed = true;
		json_t *code = json_object_get(first, "code");
		json_t *desc = json_object_get(first, "description");
		if (code || desc) {
			a->is_error = true;
			json_text(code, a->err_code, sizeof a->err_code);
			json_text(desc, a->err_desc, sizeof a->err_desc);
		}
		json_text(json_object_get(first, "service_request_id"), a->id,
		          sizeof a->id);
		json_text(json_object_get(first, "token"), a->token, sizeof a->token);
	} else if (json_is_array(root)) {
		a->parsed = true;
	}
	json_decref(root);
}

static xmlNode *first_element(xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static void xml_child_text(xmlNode *parent, const char *name, char *out, size_t size)
{
	out[0] = '\0';
	for (xmlNode *c = first_element(parent->children); c;
	     c = first_element(c->next)) {
		if (!strcmp((const char *)c->name, name)) {
			xmlChar *t = xmlNodeGetContent(c);
			copy_text(out, size, (const char *)t);
			xmlFree(t);
			return;
		}
	}
}

static void parse_xml(const char *body, size_t len, struct sync_open311_answer *a)
{
	if (len > (size_t)SYNC_HTTP_BODY_MAX)
		return;
	/* No network, no entity expansion, no DTD: an answer is data. */
	xmlDoc *doc =
	    xmlReadMemory(body, (int)len, NULL, NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return;
	xmlNode *root = xmlDocGetRootElement(doc);
	if (root) {
		a->parsed = true;
		xmlNode *item = first_element(root->children);
		if (item && !strcmp((const char *)root->name, "errors")) {
			a->is_error = true;
			xml_child_text(item, "code", a->err_code, sizeof a->err_code);
			xml_child_text(item, "description", a->err_desc,
			               sizeof a->err_desc);
		} else if (item) {
			xml_child_text(item, "service_request_id", a->id, sizeof a->id);
			xml_child_text(item, "token", a->token, sizeof a->token);
		}
	}
	xmlFreeDoc(doc);
}

void sync_open311_parse(const char *body, size_t len, bool xml,
                        struct sync_open311_answer *a)
{
	sync_open311_answer_init(a);
	if (xml)
		parse_xml(body, len, a);
	else
		parse_json(body, len, a);
}

/* ---- the form ------------------------------------------------------- */

static enum hatch_err add_param(struct sync_http *h, struct buf *f, const char *name,
                                const char *value)
{
	enum hatch_err rc = HATCH_OK;
	if (f->len)
		rc = buf_addstr(f, "&");
	if (rc == HATCH_OK)
		rc = sync_http_escape(h, f, name);
	if (rc == HATCH_OK)
		rc = buf_addstr(f, "=");
	if (rc == HATCH_OK)
		rc = sync_http_escape(h, f, value);
	return rc;
}

static bool id_is(const char *id, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(id, *names))
			return true;
	return false;
}

static bool is_address(json_t *v)
{
	return json_is_object(v) &&
	       (json_object_get(v, "line1") || json_object_get(v, "postcode"));
}

/* The address parts joined with ", ", into B. */
static enum hatch_err address_text(json_t *v, struct buf *b)
{
	static const char *const parts[] = {"line1", "line2", "town", "postcode"};
	enum hatch_err rc = HATCH_OK;
	bool any = false;
	for (size_t i = 0; i < 4 && rc == HATCH_OK; i++) {
		const char *s = json_string_value(json_object_get(v, parts[i]));
		if (!s || !s[0])
			continue;
		if (any)
			rc = buf_addstr(b, ", ");
		if (rc == HATCH_OK)
			rc = buf_addstr(b, s);
		any = true;
	}
	return rc;
}

/* An address chosen from the gazetteer carries its UPRN and WGS84
 * coordinates: into UPRN, LAT and LNG, where the record has them. */
static void address_place(json_t *v, char *uprn, size_t usize, char *lat, size_t latsize,
                          char *lng, size_t lngsize)
{
	const char *u = json_string_value(json_object_get(v, "uprn"));
	json_t *la = json_object_get(v, "lat"), *lo = json_object_get(v, "long");
	if (u && *u)
		copy_text(uprn, usize, u);
	if (json_is_number(la) && json_is_number(lo)) {
		snprintf(lat, latsize, "%.6f", json_number_value(la));
		snprintf(lng, lngsize, "%.6f", json_number_value(lo));
	}
}

/* An answer as a reader would say it: labels of choices, the parts of an
 * address, numbers and text as they are. */
static enum hatch_err answer_text(json_t *ans, struct buf *b)
{
	json_t *v = json_object_get(ans, "value"), *l = json_object_get(ans, "label");
	if (is_address(v))
		return address_text(v, b);
	if (json_is_array(v)) {
		enum hatch_err rc = HATCH_OK;
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			json_t *li = json_is_array(l) ? json_array_get(l, i) : NULL;
			const char *s = json_string_value(li);
			if (!s || !s[0])
				s = json_string_value(x);
			if (i && rc == HATCH_OK)
				rc = buf_addstr(b, ", ");
			if (rc == HATCH_OK && s)
				rc = buf_addstr(b, s);
		}
		return rc;
	}
	const char *s = json_string_value(l);
	if (!s || !s[0])
		s = json_string_value(v);
	if (s)
		return buf_addstr(b, s);
	if (json_is_integer(v))
		return buf_addf(b, "%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return buf_addf(b, "%g", json_real_value(v));
	return HATCH_OK;
}

/* The description is cut to OPEN311_DESCRIPTION_MAX characters in the
 * end; it never needs more than four bytes a character before that. */
#define OPEN311_DESCRIPTION_BYTES (4 * OPEN311_DESCRIPTION_MAX)

/* Appends as much of S to the description D as can still be shown. */
static enum hatch_err desc_add(struct buf *d, const char *s)
{
	size_t room =
	    d->len < OPEN311_DESCRIPTION_BYTES ? OPEN311_DESCRIPTION_BYTES - d->len : 0;
	size_t n = strlen(s);
	return buf_add(d, s, n < room ? n : room);
}

/* TEXT cut to at most MAX characters at a character boundary. */
static void cut_chars(char *text, size_t max)
{
	size_t chars = 0;
	for (char *p = text; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80) {
			if (chars == max) {
				*p = '\0';
				return;
			}
			chars++;
		}
	}
}

/* The definition of service CODE at DEST, fetched once a drain. *OUT is
 * NULL with R set when it cannot be had now. */
static enum hatch_err get_def(struct sync_http *h, const struct config_destination *dest,
                              struct sync_defs **defs, const char *code, long long now,
                              const struct def **out, struct sync_result *r)
{
	*out = NULL;
	if (!*defs && !(*defs = mem_calloc(1, sizeof **defs)))
		return HATCH_ERR_NOMEM;
	for (struct def *p = (*defs)->head; p; p = p->next)
		if (!strcmp(p->url, dest->url) && !strcmp(p->code, code)) {
			*out = p;
			return HATCH_OK;
		}
	struct buf url;
	buf_init(&url, 8192);
	enum hatch_err rc = buf_addstr(&url, dest->url);
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, "services/");
	if (rc == HATCH_OK)
		rc = sync_http_escape(h, &url, code);
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, ".json");
	if (rc != HATCH_OK)
		return rc;
	const char *headers[] = {"Accept: application/json", NULL};
	struct sync_http_request req = {
	    .url = buf_get(&url), .headers = headers, .dest = dest, .now = now};
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	struct hatch_error he;
	rc = sync_http_send(h, &req, &resp, &he);
	buf_cleanup(&url);
	if (rc == HATCH_ERR_NOMEM)
		goto done;
	if (rc != HATCH_OK) {
		sync_result_set(r, SYNC_OUT_RETRY, "%s", he.msg);
		rc = HATCH_OK;
		goto done;
	}
	if (resp.status != 200 && resp.status != 404) {
		sync_result_http(r, &resp, "the service definition");
		if (r->outcome == SYNC_OUT_DEAD)
			r->outcome = SYNC_OUT_RETRY;
		goto done;
	}
	struct def *d = mem_calloc(1, sizeof *d);
	if (!d) {
		rc = HATCH_ERR_NOMEM;
		goto done;
	}
	copy_text(d->url, sizeof d->url, dest->url);
	copy_text(d->code, sizeof d->code, code);
	/* 404: a service without metadata has no attributes to send. */
	json_error_t je;
	json_t *root =
	    resp.status == 200
	        ? json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &je)
	        : NULL;
	/* Out of memory while reading is not a definition without
	 * attributes: caching that would send forms without them for good. */
	if (resp.status == 200 && !root && json_error_code(&je) == json_error_out_of_memory) {
		mem_free(d);
		rc = HATCH_ERR_NOMEM;
		goto done;
	}
	json_t *attrs = json_object_get(root, "attributes");
	size_t n = json_array_size(attrs);
	if (n && !(d->attrs = mem_calloc(n, sizeof *d->attrs))) {
		json_decref(root);
		mem_free(d);
		rc = HATCH_ERR_NOMEM;
		goto done;
	}
	size_t i;
	json_t *a;
	json_array_foreach(attrs, i, a)
	{
		if (!json_is_true(json_object_get(a, "variable")))
			continue;
		/* A code may be a number; it is sent as text all the same. */
		char c[65];
		json_text(json_object_get(a, "code"), c, sizeof c);
		const char *t = json_string_value(json_object_get(a, "datatype"));
		if (!c[0] || !t)
			continue;
		struct def_attr *da = &d->attrs[d->nattrs++];
		copy_text(da->code, sizeof da->code, c);
		copy_text(da->datatype, sizeof da->datatype, t);
		sync_open311_answer_id(c, da->id);
		json_t *vals = json_object_get(a, "values");
		size_t nv = json_array_size(vals);
		if (nv && !(da->keys = mem_calloc(nv, sizeof *da->keys))) {
			rc = HATCH_ERR_NOMEM;
			break;
		}
		size_t k;
		json_t *x;
		json_array_foreach(vals, k, x)
		{
			const char *key = json_string_value(json_object_get(x, "key"));
			if (!key)
				continue;
			if (!(da->keys[da->nkeys] = mem_strdup(key))) {
				rc = HATCH_ERR_NOMEM;
				break;
			}
			da->nkeys++;
		}
		if (rc != HATCH_OK)
			break;
	}
	json_decref(root);
	if (rc != HATCH_OK) {
		struct sync_defs one = {.head = d};
		d->next = NULL;
		/* Frees D and what it holds; ONE itself is on the stack. */
		sync_defs_free_list(&one);
		goto done;
	}
	d->next = (*defs)->head;
	(*defs)->head = d;
	*out = d;
done:
	sync_http_response_cleanup(&resp);
	return rc;
}

/* The attribute an answer with id ID is for: its code exactly, else its
 * code made an answer id. */
static const struct def_attr *def_find(const struct def *d, const char *id)
{
	for (size_t i = 0; i < d->nattrs; i++)
		if (!strcmp(d->attrs[i].code, id))
			return &d->attrs[i];
	for (size_t i = 0; i < d->nattrs; i++)
		if (d->attrs[i].id[0] && !strcmp(d->attrs[i].id, id))
			return &d->attrs[i];
	return NULL;
}

/* The key a list's answer V stands for: V when it is a key, else the key
 * that V is the answer id of, else V (for the back end to refuse). */
static const char *def_key(const struct def_attr *a, const char *v)
{
	char id[SYNC_OPEN311_ID_MAX + 1];
	for (size_t i = 0; i < a->nkeys; i++)
		if (!strcmp(a->keys[i], v))
			return v;
	for (size_t i = 0; i < a->nkeys; i++)
		if (sync_open311_answer_id(a->keys[i], id) && !strcmp(id, v))
			return a->keys[i];
	return v;
}

static enum hatch_err add_attribute(struct sync_http *h, struct buf *f,
                                    const struct def_attr *a, json_t *v)
{
	char name[96];
	enum hatch_err rc = HATCH_OK;
	if (!strcmp(a->datatype, "multivaluelist")) {
		snprintf(name, sizeof name, "attribute[%s][]", a->code);
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (json_is_string(x) && rc == HATCH_OK)
				rc = add_param(h, f, name, def_key(a, json_string_value(x)));
		}
		return rc;
	}
	snprintf(name, sizeof name, "attribute[%s]", a->code);
	char tmp[64];
	const char *s = json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		s = tmp;
	} else if (s && !strcmp(a->datatype, "datetime") && strlen(s) == 10) {
		snprintf(tmp, sizeof tmp, "%sT00:00:00Z", s);
		s = tmp;
	} else if (s && !strcmp(a->datatype, "singlevaluelist")) {
		s = def_key(a, s);
	}
	return s ? add_param(h, f, name, s) : HATCH_OK;
}

/* The form for record REC (parsed) into F; a record without a location,
 * or too large for a form, is a dead outcome in R. */
static enum hatch_err build_form(struct sync_http *h, const char *api_key,
                                 const struct def *def, const char *service, json_t *rec,
                                 const char *uuid, struct buf *f, struct sync_result *r)
{
	static const char *const whole[] = {"name",      "full-name", "full_name",
	                                    "your-name", "your_name", NULL};
	static const char *const firsts[] = {"first-name", "first_name", NULL};
	static const char *const lasts[] = {"last-name", "last_name", "surname", NULL};
	static const char *const uprns[] = {"uprn", "address_id", "address-id", NULL};
	static const char *const lats[] = {"lat", "latitude", NULL};
	static const char *const longs[] = {"long", "longitude", "lng", NULL};
	json_t *answers = json_object_get(rec, "answers");
	struct buf desc, addr;
	buf_init(&desc, OPEN311_FORM_MAX);
	buf_init(&addr, 4096);
	char first[256] = "", last[256] = "", email[256] = "", phone[64] = "";
	char uprn[64] = "", lat[32] = "", lng[32] = "";
	enum hatch_err rc = add_param(h, f, "api_key", api_key);
	if (rc == HATCH_OK)
		rc = add_param(h, f, "service_code", service);
	/* The citizen's language, so that the council can reply in it: first
	 * in the description (never cut off by its limit), and as an
	 * attribute where the service asks for one. */
	const char *lang = json_string_value(json_object_get(rec, "language"));
	if (rc == HATCH_OK && lang && *lang && strcmp(lang, "en")) {
		const struct i18n_language *l = i18n_language(lang);
		char line[160];
		snprintf(line, sizeof line, "Preferred language: %s (%s)", l ? l->english : lang,
		         lang);
		rc = desc_add(&desc, line);
	}
	for (size_t k = 0; rc == HATCH_OK && lang && *lang && def && k < def->nattrs; k++)
		if (!strcmp(def->attrs[k].code, "language") ||
		    !strcmp(def->attrs[k].code, "preferred_language")) {
			char name[96];
			snprintf(name, sizeof name, "attribute[%s]", def->attrs[k].code);
			rc = add_param(h, f, name, lang);
		}
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
	{
		if (rc != HATCH_OK)
			break;
		const char *id = json_string_value(json_object_get(a, "id"));
		const char *q = json_string_value(json_object_get(a, "question"));
		json_t *v = json_object_get(a, "value");
		if (!id)
			continue;
		const char *s = json_string_value(v);
		if (is_address(v) && !addr.len) {
			rc = address_text(v, &addr);
			address_place(v, uprn, sizeof uprn, lat, sizeof lat, lng, sizeof lng);
		} else if (s && id_is(id, uprns))
			copy_text(uprn, sizeof uprn, s);
		else if (s && id_is(id, lats))
			copy_text(lat, sizeof lat, s);
		else if (s && id_is(id, longs))
			copy_text(lng, sizeof lng, s);
		else if (s && strstr(id, "email") && strchr(s, '@'))
			copy_text(email, sizeof email, s);
		else if (s && strstr(id, "phone"))
			copy_text(phone, sizeof phone, s);
		else if (s && id_is(id, firsts))
			copy_text(first, sizeof first, s);
		else if (s && id_is(id, lasts))
			copy_text(last, sizeof last, s);
		else if (s && id_is(id, whole)) {
			const char *sp = strrchr(s, ' ');
			if (sp) {
				snprintf(first, sizeof first, "%.*s", (int)(sp - s), s);
				copy_text(last, sizeof last, sp + 1);
			} else {
				copy_text(last, sizeof last, s);
			}
		}
		/* Out of memory reading the address: the whole delivery waits,
		 * rather than going without its location. */
		if (rc != HATCH_OK)
			break;
		/* One answer's words, then as much of them as the description
		 * can still show; an answer too long for a form is left out. */
		struct buf one;
		buf_init(&one, OPEN311_FORM_MAX);
		enum hatch_err trc =
		    buf_addf(&one, "%s%s: ", desc.len ? "\n" : "", q ? q : id);
		if (trc == HATCH_OK)
			trc = answer_text(a, &one);
		if (trc == HATCH_OK)
			rc = desc_add(&desc, buf_get(&one));
		else if (trc != HATCH_ERR_LIMIT)
			rc = trc;
		buf_cleanup(&one);
		const struct def_attr *da = def ? def_find(def, id) : NULL;
		if (rc == HATCH_OK && da)
			rc = add_attribute(h, f, da, v);
	}
	if (rc == HATCH_OK && !addr.len && !uprn[0] && !(lat[0] && lng[0])) {
		sync_result_set(
		    r, SYNC_OUT_DEAD,
		    "the record has no location (address, UPRN or lat/long) for Open311");
		goto out;
	}
	if (rc == HATCH_OK && addr.len)
		rc = add_param(h, f, "address_string", buf_get(&addr));
	if (rc == HATCH_OK && uprn[0])
		rc = add_param(h, f, "address_id", uprn);
	if (rc == HATCH_OK && lat[0] && lng[0]) {
		rc = add_param(h, f, "lat", lat);
		if (rc == HATCH_OK)
			rc = add_param(h, f, "long", lng);
	}
	if (rc == HATCH_OK && email[0])
		rc = add_param(h, f, "email", email);
	if (rc == HATCH_OK && first[0])
		rc = add_param(h, f, "first_name", first);
	if (rc == HATCH_OK && last[0])
		rc = add_param(h, f, "last_name", last);
	if (rc == HATCH_OK && phone[0])
		rc = add_param(h, f, "phone", phone);
	if (rc == HATCH_OK && desc.len) {
		cut_chars(desc.data, OPEN311_DESCRIPTION_MAX);
		rc = add_param(h, f, "description", desc.data);
	}
	if (rc == HATCH_OK)
		rc = add_param(h, f, "attribute[submission_uuid]", uuid);
	if (rc == HATCH_OK)
		sync_result_set(r, SYNC_OUT_RETRY, "built");
out:
	if (rc == HATCH_ERR_LIMIT) {
		sync_result_set(r, SYNC_OUT_DEAD,
		                "the record is too large for an Open311 form");
		rc = HATCH_OK;
	}
	buf_cleanup(&desc);
	buf_cleanup(&addr);
	mem_wipe(first, sizeof first);
	mem_wipe(last, sizeof last);
	mem_wipe(email, sizeof email);
	mem_wipe(phone, sizeof phone);
	return rc;
}

/* Reads an answer to a POST or a token request into R. */
static void read_answer(const struct sync_http_response *resp, bool xml, bool token_poll,
                        struct sync_result *r)
{
	struct sync_open311_answer a;
	sync_open311_parse(resp->body.data ? resp->body.data : "", resp->body.len, xml,
	                   &a);
	if (sync_classify(resp->status) != SYNC_SUCCESS) {
		char detail[400] = "";
		/* Only the error's code is kept: back ends echo what was sent
		 * in their descriptions, and a reason must hold no personal
		 * data. */
		if (a.is_error)
			snprintf(detail, sizeof detail, "%s", a.err_code);
		if (token_poll && resp->status == 404) {
			/* The back end forgot the batch: send again; the
			 * submission UUID lets it know a resend. */
			sync_result_set(r, SYNC_OUT_PENDING,
			                "batch token unknown; sending again");
			r->remote_id[0] = '\0';
			return;
		}
		sync_result_http(r, resp, detail[0] ? detail : NULL);
		return;
	}
	if (!a.parsed) {
		sync_result_set(r, SYNC_OUT_RETRY,
		                "HTTP %ld: an answer that is not Open311", resp->status);
		return;
	}
	if (a.id[0]) {
		copy_text(r->remote_id, sizeof r->remote_id, a.id);
		sync_result_set(r, SYNC_OUT_DELIVERED, "HTTP %ld", resp->status);
	} else if (a.token[0]) {
		copy_text(r->remote_id, sizeof r->remote_id, a.token);
		sync_result_set(r, SYNC_OUT_PENDING,
		                "batch accepted; waiting for its id");
	} else if (token_poll) {
		sync_result_set(r, SYNC_OUT_RETRY, "batch accepted; waiting for its id");
	} else {
		r->remote_id[0] = '\0';
		sync_result_set(r, SYNC_OUT_DELIVERED, "HTTP %ld", resp->status);
	}
}

static enum hatch_err send_and_read(struct sync_http *h,
                                    const struct sync_http_request *req, bool xml,
                                    bool token_poll, struct sync_result *r)
{
	struct sync_http_response resp;
	sync_http_response_init(&resp);
	struct hatch_error he;
	enum hatch_err rc = sync_http_send(h, req, &resp, &he);
	if (rc == HATCH_OK)
		read_answer(&resp, xml, token_poll, r);
	else if (rc != HATCH_ERR_NOMEM)
		sync_result_set(r, SYNC_OUT_RETRY, "%s", he.msg);
	sync_http_response_cleanup(&resp);
	return rc == HATCH_ERR_NOMEM ? rc : HATCH_OK;
}

static enum hatch_err poll_token(struct sync_http *h,
                                 const struct config_destination *dest, bool xml,
                                 const struct store_due *d, long long now,
                                 struct sync_result *r)
{
	struct buf url;
	buf_init(&url, 8192);
	enum hatch_err rc = buf_addstr(&url, dest->url);
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, "tokens/");
	if (rc == HATCH_OK)
		rc = sync_http_escape(h, &url, d->remote_id);
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, xml ? ".xml" : ".json");
	if (rc != HATCH_OK)
		return rc;
	const char *headers[] = {xml ? "Accept: text/xml" : "Accept: application/json",
	                         NULL};
	struct sync_http_request req = {
	    .url = buf_get(&url), .headers = headers, .dest = dest, .now = now};
	rc = send_and_read(h, &req, xml, true, r);
	buf_cleanup(&url);
	/* Still waiting: keep the token. */
	if (rc == HATCH_OK && r->outcome == SYNC_OUT_RETRY && !r->remote_id[0] &&
	    !strcmp(r->reason, "batch accepted; waiting for its id")) {
		r->outcome = SYNC_OUT_PENDING;
		copy_text(r->remote_id, sizeof r->remote_id, d->remote_id);
	}
	return rc;
}

enum hatch_err sync_open311_deliver(struct sync_http *h,
                                    const struct config_destination *dest,
                                    const char *api_key, struct sync_defs **defs,
                                    const struct store_due *d, long long now,
                                    struct sync_result *r)
{
	bool xml = !strcmp(dest->format, "xml");
	r->remote_id[0] = '\0';
	r->retry_after = 0;
	if (d->remote_id[0])
		return poll_token(h, dest, xml, d, now, r);
	const char *service = NULL;
	for (size_t i = 0; i < dest->nservices; i++)
		if (!strcmp(dest->services[i].journey, d->journey_id))
			service = dest->services[i].code;
	if (!service) {
		sync_result_set(r, SYNC_OUT_DEAD,
		                "no Open311 service_code configured for journey %s",
		                d->journey_id);
		return HATCH_OK;
	}
	json_error_t je;
	json_t *rec = json_loadb((const char *)d->payload, d->payload_len, 0, &je);
	/* Out of memory is not a broken record: it waits and is tried again. */
	if (!rec && json_error_code(&je) == json_error_out_of_memory)
		return HATCH_ERR_NOMEM;
	if (!json_is_object(rec)) {
		json_decref(rec);
		sync_result_set(r, SYNC_OUT_DEAD, "the record is not a JSON object");
		return HATCH_OK;
	}
	const struct def *def = NULL;
	r->outcome = SYNC_OUT_DELIVERED;
	enum hatch_err rc = get_def(h, dest, defs, service, now, &def, r);
	if (rc != HATCH_OK || !def) {
		json_decref(rec);
		return rc;
	}
	struct buf form, url;
	buf_init(&form, OPEN311_FORM_MAX);
	buf_init(&url, 8192);
	rc = build_form(h, api_key, def, service, rec, d->uuid, &form, r);
	json_decref(rec);
	if (rc == HATCH_OK && r->outcome == SYNC_OUT_DEAD)
		goto out;
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, dest->url);
	if (rc == HATCH_OK)
		rc = buf_addstr(&url, xml ? "requests.xml" : "requests.json");
	if (rc != HATCH_OK)
		goto out;
	const char *headers[] = {
	    "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
	    xml ? "Accept: text/xml" : "Accept: application/json", NULL};
	struct sync_http_request req = {.url = buf_get(&url),
	                                .headers = headers,
	                                .body = form.data,
	                                .body_len = form.len,
	                                .dest = dest,
	                                .now = now};
	rc = send_and_read(h, &req, xml, false, r);
out:
	buf_cleanup(&form);
	buf_cleanup(&url);
	return rc;
}
