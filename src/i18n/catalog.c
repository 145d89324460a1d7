/* Catalogs from PO files, read with libgettextpo (the library behind
 * msgfmt and msgmerge) into a hash table from English to translation.
 * Untranslated and fuzzy entries are left out, so lookups fall back to
 * English string by string. libgettextpo reports problems through a
 * callback without a user pointer, and wants fatal ones never to return:
 * a thread-local context collects them and a fatal one jumps back out. */
#include <dirent.h>
#include <gettext-po.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/mem.h"
#include "i18n/i18n.h"
#include "i18n/i18n_int.h"

/* libgettextpo 0.21 keeps no pointer to the flag lists its parser makes
 * ("#, fuzzy"), a few bytes per flag for each file read; catalogs are read
 * once. Under LeakSanitizer (make check, fuzzing) they are not ours to
 * report. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	/* Its own parser's allocations; and the messages it formats for a
	 * fatal problem, which it cannot free once the handler has jumped back
	 * out (libgettextpo is built without frame pointers, so a sanitizer
	 * sees only vasprintf; nothing of Hatch's uses vasprintf). */
	return "leak:libgettextpo.so\nleak:__vasprintf_internal\n";
}

static const struct i18n_language languages[] = {
	{"en", "English", "English", false, "Latn", "en-gb"},
	{"cy", "Cymraeg", "Welsh", false, "Latn", "cy"},
	{"pl", "Polski", "Polish", false, "Latn", "pl"},
	{"ro", "Rom\xC3\xA2n\xC4\x83", "Romanian", false, "Latn", "ro"},
	{"pa", "\xE0\xA8\xAA\xE0\xA9\xB0\xE0\xA8\x9C\xE0\xA8\xBE\xE0\xA8\xAC\xE0\xA9\x80",
	 "Panjabi", false, "Guru", "pa"},
	{"ur", "\xD8\xA7\xD8\xB1\xD8\xAF\xD9\x88", "Urdu", true, "Arab", "ur"},
	{"ar", "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9", "Arabic", true,
	 "Arab", "ar"},
};
#define NLANG (sizeof languages / sizeof *languages)

const struct i18n_language *i18n_languages(size_t *n)
{
	*n = NLANG;
	return languages;
}

const struct i18n_language *i18n_language(const char *code)
{
	for (size_t i = 0; code && i < NLANG; i++)
		if (!strcmp(languages[i].code, code))
			return &languages[i];
	return NULL;
}

struct entry {
	char *key;     /* the msgid (with "CONTEXT\004" before it when it has one) */
	char **forms;  /* the translation, or its plural forms */
	unsigned nforms;
};

struct i18n_catalog {
	char code[16];
	struct entry *slots; /* open addressing; a power of two long */
	size_t cap, n;
	struct i18n_plural *plural;
	unsigned nplurals;
	bool review;
};

struct i18n {
	struct i18n_catalog *cats[NLANG];
	/* Lazily: each language's catalog is read the first time it is
	 * asked for (a kiosk shows its first screen without reading six
	 * catalogs it may never need), its problems told through REPORT. */
	bool lazy, tried[NLANG];
	char dir[4096];
	void (*report)(void *user, const struct i18n_problems *p);
	void *user;
};

static size_t hash(const char *s)
{
	size_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static const struct entry *find(const struct i18n_catalog *c, const char *key)
{
	if (!c || !c->cap)
		return NULL;
	for (size_t i = hash(key) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		if (!c->slots[i].key)
			return NULL;
		if (!strcmp(c->slots[i].key, key))
			return &c->slots[i];
	}
}

static void entry_free(struct entry *e)
{
	mem_free(e->key);
	for (unsigned i = 0; i < e->nforms; i++)
		mem_free(e->forms[i]);
	mem_free(e->forms);
}

/* Adds KEY -> FORMS (taken over); a second entry for a key replaces the
 * first. False when out of memory (FORMS then freed). */
static bool put(struct i18n_catalog *c, char *key, char **forms, unsigned nforms)
{
	struct entry e = {key, forms, nforms};
	if ((c->n + 1) * 2 > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 256;
		struct entry *ns = mem_calloc(ncap, sizeof *ns);
		if (!ns) {
			entry_free(&e);
			return false;
		}
		for (size_t i = 0; i < c->cap; i++) {
			if (!c->slots[i].key)
				continue;
			size_t j = hash(c->slots[i].key) & (ncap - 1);
			while (ns[j].key)
				j = (j + 1) & (ncap - 1);
			ns[j] = c->slots[i];
		}
		mem_free(c->slots);
		c->slots = ns;
		c->cap = ncap;
	}
	size_t i = hash(key) & (c->cap - 1);
	while (c->slots[i].key && strcmp(c->slots[i].key, key))
		i = (i + 1) & (c->cap - 1);
	if (c->slots[i].key) {
		entry_free(&c->slots[i]);
		c->n--;
	}
	c->slots[i] = e;
	c->n++;
	return true;
}

void i18n_catalog_free(struct i18n_catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].key)
			entry_free(&c->slots[i]);
	mem_free(c->slots);
	i18n_plural_free(c->plural);
	mem_free(c);
}

/* ---- reading ---- */

struct read_ctx {
	const char *path;
	struct i18n_problems *p;
	bool errors;
	jmp_buf fatal;
};

static _Thread_local struct read_ctx *reading;

static void problem(struct i18n_problems *p, const char *file, size_t line, const char *why)
{
	if (p->n == I18N_MAX_PROBLEMS) {
		p->dropped++;
		return;
	}
	struct i18n_problem *x = &p->v[p->n++];
	snprintf(x->file, sizeof x->file, "%s", file);
	x->line = line;
	/* One line: libgettextpo's multi-line texts are joined. */
	size_t o = 0;
	for (const char *s = why; *s && o + 1 < sizeof x->reason; s++)
		x->reason[o++] = (*s == '\n') ? (s[1] ? ' ' : '\0') : *s;
	x->reason[o] = '\0';
}

static void on_error(int severity, po_message_t message, const char *filename, size_t lineno,
		     size_t column, int multiline_p, const char *message_text)
{
	(void)message;
	(void)column;
	(void)multiline_p;
	struct read_ctx *r = reading;
	if (severity != PO_SEVERITY_WARNING) {
		r->errors = true;
		problem(r->p, filename ? filename : r->path,
			filename && lineno != (size_t)-1 ? lineno : 0, message_text);
	}
	if (severity == PO_SEVERITY_FATAL_ERROR)
		longjmp(r->fatal, 1);
}

static void on_error2(int severity, po_message_t message1, const char *filename1,
		      size_t lineno1, size_t column1, int multiline_p1,
		      const char *message_text1, po_message_t message2, const char *filename2,
		      size_t lineno2, size_t column2, int multiline_p2,
		      const char *message_text2)
{
	(void)message2;
	(void)filename2;
	(void)lineno2;
	(void)column2;
	(void)multiline_p2;
	(void)message_text2;
	on_error(severity, message1, filename1, lineno1, column1, multiline_p1, message_text1);
}

/* The key of M: its msgid, with its context before it. NULL on no memory. */
static char *key_of(po_message_t m)
{
	const char *ctx = po_message_msgctxt(m), *id = po_message_msgid(m);
	if (!ctx)
		return mem_strdup(id);
	size_t lc = strlen(ctx), li = strlen(id);
	char *k = mem_alloc(lc + li + 2);
	if (!k)
		return NULL;
	memcpy(k, ctx, lc);
	k[lc] = '\004';
	memcpy(k + lc + 1, id, li + 1);
	return k;
}

/* Takes M into C when it is translated; false when out of memory. */
static bool take(struct i18n_catalog *c, po_message_t m)
{
	const char *id = po_message_msgid(m);
	if (!*id || po_message_is_obsolete(m) || po_message_is_fuzzy(m))
		return true;
	unsigned nforms = 0;
	const char *single = po_message_msgstr(m);
	if (po_message_msgid_plural(m)) {
		while (nforms < 6 && po_message_msgstr_plural(m, (int)nforms))
			nforms++;
	} else {
		nforms = 1;
	}
	/* A message with any form left empty is untranslated. */
	for (unsigned i = 0; i < nforms; i++) {
		const char *f = po_message_msgid_plural(m) ? po_message_msgstr_plural(m, (int)i)
							   : single;
		if (!f || !*f)
			return true;
	}
	if (nforms == 0)
		return true;
	char **forms = mem_calloc(nforms, sizeof *forms);
	char *key = key_of(m);
	bool ok = forms && key;
	for (unsigned i = 0; ok && i < nforms; i++) {
		forms[i] = mem_strdup(po_message_msgid_plural(m) ? po_message_msgstr_plural(m, (int)i)
								 : single);
		ok = forms[i] != NULL;
	}
	if (!ok) {
		for (unsigned i = 0; forms && i < nforms; i++)
			mem_free(forms[i]);
		mem_free(forms);
		mem_free(key);
		return false;
	}
	return put(c, key, forms, nforms);
}

/* Runs libgettextpo's read (PATH given) or write (FILE to PATH) with the
 * problems collected in P; a fatal one jumps back here. NULL on failure. */
static po_file_t po_io(po_file_t file, const char *path, struct i18n_problems *p)
{
	struct read_ctx r;
	memset(&r, 0, sizeof r);
	r.path = path;
	r.p = p;
	struct read_ctx *volatile saved = reading;
	volatile po_file_t f = NULL;
	reading = &r;
	if (setjmp(r.fatal)) {
		/* Whatever libgettextpo had made on the way is lost to it. */
		reading = saved;
		return NULL;
	}
	struct po_xerror_handler handler = {on_error, on_error2};
	f = file ? po_file_write(file, path, &handler) : po_file_read(path, &handler);
	reading = saved;
	if (f && r.errors) {
		if (!file)
			po_file_free(f);
		return NULL;
	}
	if (!f && !r.errors)
		problem(p, path, 0, file ? "cannot be written" : "not a valid PO file");
	return f;
}

po_file_t i18n_po_read(const char *path, struct i18n_problems *p)
{
	return po_io(NULL, path, p);
}

bool i18n_po_write(po_file_t file, const char *path, struct i18n_problems *p)
{
	return po_io(file, path, p) != NULL;
}

enum hatch_err i18n_catalog_read(const char *path, const char *code,
				 struct i18n_catalog **out, struct i18n_problems *p,
				 struct hatch_error *e)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return err_set(e, HATCH_ERR_IO, "%s: cannot be read (not a file)", path);
	FILE *probe = fopen(path, "rb");
	if (!probe)
		return err_set(e, HATCH_ERR_IO, "%s: cannot be read", path);
	fclose(probe);
	struct i18n_catalog *c = mem_calloc(1, sizeof *c);
	if (!c)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	snprintf(c->code, sizeof c->code, "%s", code);
	po_file_t f = i18n_po_read(path, p);
	if (!f) {
		i18n_catalog_free(c);
		return err_set(e, HATCH_ERR_INPUT, "%s: not a valid PO file", path);
	}
	enum hatch_err rc = HATCH_OK;
	/* Declared const, but libgettextpo 0.21 returns a fresh copy. */
	char *header = (char *)po_file_domain_header(f, NULL);
	if (header) {
		char *forms = po_header_field(header, "Plural-Forms");
		if (forms) {
			c->plural = i18n_plural_compile(forms, &c->nplurals);
			if (!c->plural)
				problem(p, path, 0, "the Plural-Forms header is not a valid expression; "
						    "English plural rules are used");
			free(forms);
		}
		char *review = po_header_field(header, "X-Hatch-Review");
		if (review) {
			c->review = strstr(review, "needs review") != NULL;
			free(review);
		}
		free(header);
	}
	po_message_iterator_t it = po_message_iterator(f, NULL);
	po_message_t m;
	while ((m = po_next_message(it)) != NULL) {
		if (!take(c, m)) {
			rc = err_set(e, HATCH_ERR_NOMEM, "out of memory");
			break;
		}
	}
	po_message_iterator_free(it);
	po_file_free(f);
	if (rc != HATCH_OK) {
		i18n_catalog_free(c);
		return rc;
	}
	*out = c;
	return HATCH_OK;
}

/* Reads language I's catalog from DIR into T, if there is one. */
static enum hatch_err load(struct i18n *t, const char *dir, size_t i, struct i18n_problems *p)
{
	char path[4096];
	t->tried[i] = true;
	int w = snprintf(path, sizeof path, "%s/%s.po", dir, languages[i].code);
	struct stat st;
	if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) != 0)
		return HATCH_OK;
	struct hatch_error ce;
	enum hatch_err rc = i18n_catalog_read(path, languages[i].code, &t->cats[i], p, &ce);
	if (rc == HATCH_ERR_IO)
		problem(p, path, 0, "cannot be read");
	return rc == HATCH_ERR_NOMEM ? rc : HATCH_OK;
}

enum hatch_err i18n_open(const char *dir, struct i18n **out, struct i18n_problems *p,
			 struct hatch_error *e)
{
	p->n = p->dropped = 0;
	struct i18n *t = mem_calloc(1, sizeof *t);
	if (!t)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	for (size_t i = 1; i < NLANG; i++)
		if (load(t, dir, i, p) != HATCH_OK) {
			i18n_close(t);
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		}
	*out = t;
	return HATCH_OK;
}

enum hatch_err i18n_open_lazy(const char *dir,
			      void (*report)(void *user, const struct i18n_problems *p),
			      void *user, struct i18n **out, struct hatch_error *e)
{
	struct i18n *t = mem_calloc(1, sizeof *t);
	if (!t)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	if ((size_t)snprintf(t->dir, sizeof t->dir, "%s", dir) >= sizeof t->dir) {
		mem_free(t);
		return err_set(e, HATCH_ERR_LIMIT, "%s: the path is too long", dir);
	}
	t->lazy = true;
	t->report = report;
	t->user = user;
	*out = t;
	return HATCH_OK;
}

void i18n_close(struct i18n *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < NLANG; i++)
		i18n_catalog_free(t->cats[i]);
	mem_free(t);
}

const struct i18n_catalog *i18n_catalog(struct i18n *t, const char *code)
{
	for (size_t i = 1; t && code && i < NLANG; i++) {
		if (strcmp(languages[i].code, code))
			continue;
		if (t->lazy && !t->tried[i]) {
			struct i18n_problems p = {0};
			/* Out of memory: English, and tried again next time. */
			if (load(t, t->dir, i, &p) != HATCH_OK)
				t->tried[i] = false;
			if (p.n && t->report)
				t->report(t->user, &p);
		}
		return t->cats[i];
	}
	return NULL;
}

const char *i18n_text(const struct i18n_catalog *c, const char *english)
{
	const struct entry *x = english ? find(c, english) : NULL;
	return x ? x->forms[0] : english;
}

bool i18n_has(const struct i18n_catalog *c, const char *english)
{
	return english && find(c, english) != NULL;
}

const char *i18n_ntext(const struct i18n_catalog *c, const char *singular,
		       const char *plural, unsigned long n)
{
	const struct entry *x = find(c, singular);
	if (!x || x->nforms < 2)
		return n == 1 ? singular : plural;
	unsigned long k = i18n_plural_eval(c->plural, n);
	return x->forms[k < x->nforms ? k : 0];
}

size_t i18n_catalog_size(const struct i18n_catalog *c)
{
	return c ? c->n : 0;
}

bool i18n_needs_review(const struct i18n_catalog *c)
{
	return c && c->review;
}
