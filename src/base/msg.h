/* N_() marks an English program string for the message catalogs without
 * translating it where it is written; it is translated where it is shown.
 * Every user-facing string in the program goes through this mark. NP_()
 * marks a singular and plural pair, for a count (it expands to both, as two
 * arguments). Counts and values go into text through named placeholders,
 * "{count}", never printf formats: a catalog is outside input.
 *
 * struct msg_tr is how code that knows no catalogs (core/, ui/) has text
 * translated into the language being shown. */
#ifndef HATCH_BASE_MSG_H
#define HATCH_BASE_MSG_H

#include <stddef.h>

#define N_(s) s
#define NP_(s, p) s, p

struct msg_tr {
	/* ENGLISH in the language shown, or ENGLISH itself. */
	const char *(*text)(void *user, const char *english);
	/* The form of SINGULAR/PLURAL for N, translated. */
	const char *(*ntext)(void *user, const char *singular, const char *plural,
			     unsigned long n);
	void *user;
};

/* S translated by T; S itself when T (or its function) is NULL. */
const char *msg_text(const struct msg_tr *t, const char *s);

/* The form for N of SINGULAR/PLURAL, translated by T; English rules when T
 * is NULL. */
const char *msg_ntext(const struct msg_tr *t, const char *singular, const char *plural,
		      unsigned long n);

/* TMPL into OUT (SIZE bytes, cut short at a character boundary if it does
 * not fit) with each "{KEYS[i]}" replaced by VALS[i]; other braces are
 * copied as they are. */
void msg_fill(char *out, size_t size, const char *tmpl, const char *const *keys,
	      const char *const *vals, size_t n);

#endif
