/* Message catalogs: the program's and the journeys' English text in every
 * language the kiosk offers. Catalogs are GNU gettext PO files (one per
 * language, locales/LANG.po, keyed by the English text), read with the
 * gettext tool chain's own library (libgettextpo), so whatever Poedit,
 * Weblate or msgfmt accept is accepted here, and switching language needs
 * no system locale. A string a catalog lacks (untranslated or fuzzy) falls
 * back to its English, string by string, never to a blank.
 *
 * Also what the rest of the program needs to know of a language: its name
 * in itself, its direction, its script (for shaping), its speech voice.
 *
 * Depends on base/ and libgettextpo; never on core/, ui/, sdl/ or app/. */
#ifndef HATCH_I18N_I18N_H
#define HATCH_I18N_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* A language the kiosk knows how to show. */
struct i18n_language {
	const char *code;   /* BCP 47: "cy", "pa" */
	const char *name;   /* in itself and its own script: "Cymraeg" */
	const char *english;/* its English name: "Welsh" */
	bool rtl;           /* written right to left */
	const char *script; /* ISO 15924 for HarfBuzz: "Latn", "Guru", "Arab" */
	const char *voice;  /* an espeak-ng voice name: "cy", "pa", "ur" */
};

/* The languages Hatch ships catalogs for, English first, then Welsh (which
 * the Welsh Language Standards require be offered alongside English). *N
 * is how many. */
const struct i18n_language *i18n_languages(size_t *n);

/* The language with CODE, or NULL. */
const struct i18n_language *i18n_language(const char *code);

/* One language's catalog. */
struct i18n_catalog;

/* Every catalog, by language. */
struct i18n;

/* One problem with a catalog file: FILE:LINE: REASON (LINE 0 when the
 * problem is with the whole file). */
struct i18n_problem {
	char file[256];
	size_t line;
	char reason[256];
};

#define I18N_MAX_PROBLEMS 32

struct i18n_problems {
	struct i18n_problem v[I18N_MAX_PROBLEMS];
	size_t n;
	size_t dropped;
};

/* Reads the catalog for each known language other than English from
 * DIR/CODE.po, where there is one. A file that cannot be read or is not a
 * valid PO file is left out and reported in P (file, line and reason); the
 * others are used. On success *OUT holds what could be read (perhaps no
 * catalog at all: every string is then English). HATCH_ERR_NOMEM; nothing
 * else fails. */
enum hatch_err i18n_open(const char *dir, struct i18n **out, struct i18n_problems *p,
			 struct hatch_error *e) HATCH_MUST_CHECK;

/* Reads one PO file as the catalog of language CODE (which need not be a
 * known language: for checking files). HATCH_ERR_INPUT with P filled when it
 * is not a valid PO file; HATCH_ERR_IO when it cannot be read. */
enum hatch_err i18n_catalog_read(const char *path, const char *code,
				 struct i18n_catalog **out, struct i18n_problems *p,
				 struct hatch_error *e) HATCH_MUST_CHECK;

void i18n_catalog_free(struct i18n_catalog *c);

/* Accept NULL. */
void i18n_close(struct i18n *t);

/* As i18n_open, but each catalog is read the first time i18n_catalog asks
 * for it, its problems (if any) told to REPORT(USER, P) then. For a kiosk:
 * its first screen waits for no catalog it does not show. HATCH_ERR_NOMEM,
 * HATCH_ERR_LIMIT (DIR too long). */
enum hatch_err i18n_open_lazy(const char *dir,
			      void (*report)(void *user, const struct i18n_problems *p),
			      void *user, struct i18n **out, struct hatch_error *e) HATCH_MUST_CHECK;

/* The catalog of language CODE, or NULL (English, or no catalog); read now
 * if T is lazy and it has not been. */
const struct i18n_catalog *i18n_catalog(struct i18n *t, const char *code);

/* ENGLISH in C's language; ENGLISH itself when C is NULL or does not
 * translate it. Never NULL for a non-NULL ENGLISH. */
const char *i18n_text(const struct i18n_catalog *c, const char *english);

/* As i18n_text, but true only when C has a translation (for checkers). */
bool i18n_has(const struct i18n_catalog *c, const char *english);

/* The plural form for N of the message SINGULAR/PLURAL, by the catalog's
 * Plural-Forms; English rules (N == 1 singular) when C lacks it. */
const char *i18n_ntext(const struct i18n_catalog *c, const char *singular,
		       const char *plural, unsigned long n);

/* How many messages C translates. */
size_t i18n_catalog_size(const struct i18n_catalog *c);

/* True when C's header marks it as drafted and awaiting a native
 * speaker's review (X-Hatch-Review: needs review). */
bool i18n_needs_review(const struct i18n_catalog *c);

/* A PO template (.pot) being made: the English text to translate. */
struct i18n_pot;

/* An empty template with the usual header. NULL on no memory. */
struct i18n_pot *i18n_pot_new(void);
void i18n_pot_free(struct i18n_pot *p);

/* Adds MSGID from FILE (may be NULL) with COMMENT for translators (may be
 * NULL: where in the file it is); a text already there gets the place and
 * comment added. HATCH_ERR_NOMEM. */
enum hatch_err i18n_pot_add(struct i18n_pot *p, const char *msgid, const char *file,
			    const char *comment, struct hatch_error *e) HATCH_MUST_CHECK;

/* Adds every message of the template at PATH (xgettext's of the program),
 * with its places, comments, plural and format flags. HATCH_ERR_IO,
 * HATCH_ERR_INPUT (PR says where), HATCH_ERR_NOMEM. */
enum hatch_err i18n_pot_merge(struct i18n_pot *p, const char *path, struct i18n_problems *pr,
			      struct hatch_error *e) HATCH_MUST_CHECK;

/* Writes the template to PATH ("-": standard output). HATCH_ERR_IO. */
enum hatch_err i18n_pot_write(struct i18n_pot *p, const char *path, struct i18n_problems *pr,
			      struct hatch_error *e) HATCH_MUST_CHECK;

/* How many messages it has. */
size_t i18n_pot_size(const struct i18n_pot *p);

/* Plural-Forms expressions (the C subset gettext uses: n, numbers, ! * / %
 * + - < <= > >= == != && || ?:, parentheses). */
struct i18n_plural;

/* Compiles the "plural=EXPR;" part of a Plural-Forms header value, with
 * "nplurals=N;" into *NPLURALS. NULL when it is not a valid expression (or
 * out of memory). */
struct i18n_plural *i18n_plural_compile(const char *header_value, unsigned *nplurals);

/* The form index for N (0 .. nplurals-1; an out-of-range result gives 0). */
unsigned long i18n_plural_eval(const struct i18n_plural *p, unsigned long n);

void i18n_plural_free(struct i18n_plural *p);

#endif
