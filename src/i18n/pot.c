/* Writing a PO template (.pot) with libgettextpo: the journeys' English
 * text, merged with the program's (extracted by xgettext), one message per
 * distinct text, each with every place it comes from. The translators'
 * tools (msgmerge, Poedit, Weblate) take it from there. */
#include <gettext-po.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "i18n/i18n.h"
#include "i18n/i18n_int.h"

struct pot_msg {
	char *id;
	po_message_t m;
};

struct i18n_pot {
	po_file_t file;
	po_message_iterator_t it;
	struct pot_msg *v;
	size_t n, cap;
};

static const char pot_header[] =
	"Project-Id-Version: hatch\n"
	"Report-Msgid-Bugs-To: \n"
	"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\n"
	"Last-Translator: FULL NAME <EMAIL@ADDRESS>\n"
	"Language-Team: LANGUAGE <LL@li.org>\n"
	"Language: \n"
	"MIME-Version: 1.0\n"
	"Content-Type: text/plain; charset=UTF-8\n"
	"Content-Transfer-Encoding: 8bit\n"
	"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\n";

struct i18n_pot *i18n_pot_new(void)
{
	struct i18n_pot *p = mem_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->file = po_file_create();
	p->it = po_message_iterator(p->file, NULL);
	po_message_t h = po_message_create();
	po_message_set_msgid(h, "");
	po_message_set_msgstr(h, pot_header);
	po_message_set_fuzzy(h, 1);
	po_message_insert(p->it, h);
	return p;
}

void i18n_pot_free(struct i18n_pot *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		mem_free(p->v[i].id);
	mem_free(p->v);
	po_message_iterator_free(p->it);
	po_file_free(p->file);
	mem_free(p);
}

static po_message_t lookup(struct i18n_pot *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return p->v[i].m;
	return NULL;
}

/* The message for ID, made (and appended) when new; *MADE says which. */
static enum hatch_err message(struct i18n_pot *p, const char *id, po_message_t *out,
			      bool *made, struct hatch_error *e)
{
	*made = false;
	if ((*out = lookup(p, id)) != NULL)
		return HATCH_OK;
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 256;
		struct pot_msg *nv = mem_realloc(p->v, ncap * sizeof *nv);
		if (!nv)
			return err_set(e, HATCH_ERR_NOMEM, "out of memory");
		p->v = nv;
		p->cap = ncap;
	}
	char *copy = mem_strdup(id);
	if (!copy)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	po_message_t m = po_message_create();
	po_message_set_msgid(m, id);
	po_message_set_msgstr(m, "");
	po_message_insert(p->it, m);
	p->v[p->n++] = (struct pot_msg){copy, m};
	*out = m;
	*made = true;
	return HATCH_OK;
}

/* Appends LINE to M's extracted comments ("#." lines), once. */
static void add_comment(po_message_t m, const char *line)
{
	if (!line || !*line)
		return;
	/* Declared const: libgettextpo 0.21 hands back a fresh copy of the
	 * comments, or a constant "" when there are none. */
	const char *got = po_message_extracted_comments(m);
	char *old = got && *got ? (char *)got : NULL;
	size_t lo = old ? strlen(old) : 0, ll = strlen(line);
	/* The same comment from two places is said once. */
	for (const char *q = old; q && (q = strstr(q, line)) != NULL; q++)
		if ((q == old || q[-1] == '\n') && (q[ll] == '\n' || !q[ll])) {
			free(old);
			return;
		}
	char *s = mem_alloc(lo + ll + 2);
	if (!s) {
		free(old);
		return;
	}
	memcpy(s, old ? old : "", lo);
	if (lo && s[lo - 1] != '\n')
		s[lo++] = '\n';
	memcpy(s + lo, line, ll + 1);
	po_message_set_extracted_comments(m, s);
	mem_free(s);
	free(old);
}

enum hatch_err i18n_pot_add(struct i18n_pot *p, const char *msgid, const char *file,
			    const char *comment, struct hatch_error *e)
{
	po_message_t m;
	bool made;
	enum hatch_err rc = message(p, msgid, &m, &made, e);
	if (rc != HATCH_OK)
		return rc;
	/* A journey's text is shown as it is, never as a printf format. */
	if (made && strchr(msgid, '%'))
		po_message_set_format(m, "c-format", 0);
	if (file)
		po_message_add_filepos(m, file, (size_t)-1);
	add_comment(m, comment);
	return HATCH_OK;
}

enum hatch_err i18n_pot_merge(struct i18n_pot *p, const char *path, struct i18n_problems *pr,
			      struct hatch_error *e)
{
	FILE *probe = fopen(path, "rb");
	if (!probe)
		return err_set(e, HATCH_ERR_IO, "%s: cannot be read", path);
	fclose(probe);
	pr->n = pr->dropped = 0;
	po_file_t f = i18n_po_read(path, pr);
	if (!f)
		return err_set(e, HATCH_ERR_INPUT, "%s: not a valid PO file", path);
	po_message_iterator_t it = po_message_iterator(f, NULL);
	po_message_t src;
	enum hatch_err rc = HATCH_OK;
	while (rc == HATCH_OK && (src = po_next_message(it)) != NULL) {
		const char *id = po_message_msgid(src);
		if (!*id || po_message_is_obsolete(src))
			continue;
		po_message_t m;
		bool made;
		rc = message(p, id, &m, &made, e);
		if (rc != HATCH_OK)
			break;
		if (made && po_message_msgid_plural(src)) {
			po_message_set_msgid_plural(m, po_message_msgid_plural(src));
			po_message_set_msgstr_plural(m, 0, "");
			po_message_set_msgstr_plural(m, 1, "");
		}
		if (po_message_is_format(src, "c-format"))
			po_message_set_format(m, "c-format", 1);
		po_filepos_t fp;
		for (int i = 0; (fp = po_message_filepos(src, i)) != NULL; i++)
			po_message_add_filepos(m, po_filepos_file(fp), po_filepos_start_line(fp));
		/* A fresh copy or a constant "", as in add_comment. */
		const char *got = po_message_extracted_comments(src);
		char *c = got && *got ? (char *)got : NULL;
		if (c) {
			char *copy = mem_strdup(c);
			if (copy) {
				size_t l = strlen(copy);
				if (l && copy[l - 1] == '\n')
					copy[l - 1] = '\0';
				add_comment(m, copy);
				mem_free(copy);
			}
		}
		free(c);
	}
	po_message_iterator_free(it);
	po_file_free(f);
	return rc;
}

enum hatch_err i18n_pot_write(struct i18n_pot *p, const char *path, struct i18n_problems *pr,
			      struct hatch_error *e)
{
	pr->n = pr->dropped = 0;
	if (!i18n_po_write(p->file, path, pr))
		return err_set(e, HATCH_ERR_IO, "%s: cannot be written", path);
	return HATCH_OK;
}

size_t i18n_pot_size(const struct i18n_pot *p)
{
	return p->n;
}
