/* UK postcodes: the Royal Mail format rules for full postcodes, and the
 * prefixes a partly typed one may stand for. Depends on libc only (and
 * only on the C locale's idea of ASCII letters and digits). */
#include "base/postcode.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Whether C may stand at a place of class K in an outward or inward code:
 * 'F' the first letter, 'S' the second letter of an AA form, '3' the
 * letter of A9A, '4' the letter of AA9A, 'I' a letter of the inward code,
 * '9' a digit. */
static bool fits(char c, char k)
{
	switch (k) {
	case '9': return is_digit(c);
	case 'F': return is_upper(c) && !strchr("QVX", c);
	case 'S': return is_upper(c) && !strchr("IJZ", c);
	case '3': return is_upper(c) && strchr("ABCDEFGHJKPSTUW", c);
	case '4': return is_upper(c) && strchr("ABEHMNPRVWXY", c);
	case 'I': return is_upper(c) && !strchr("CIKMOV", c);
	default: return false;
	}
}

/* The outward code's shapes: A9, A99, AA9, AA99, A9A, AA9A. */
static const char *const outward_shapes[] = {"F9", "F99", "FS9", "FS99", "F93", "FS94"};

/* Whether S[0..N) is an outward code (COMPLETE) or the start of one. GIR,
 * the one outward code outside the rules, counts too. */
static bool outward(const char *s, size_t n, bool complete)
{
	if (n == 0)
		return !complete;
	if (complete ? (n == 3 && !memcmp(s, "GIR", 3)) : (n <= 3 && !memcmp(s, "GIR", n)))
		return true;
	for (size_t i = 0; i < sizeof outward_shapes / sizeof *outward_shapes; i++) {
		const char *k = outward_shapes[i];
		size_t kn = strlen(k);
		if (n > kn || (complete && n != kn))
			continue;
		size_t j = 0;
		while (j < n && fits(s[j], k[j]))
			j++;
		if (j == n)
			return true;
	}
	return false;
}

/* Whether S[0..N) is the start of an inward code (digit, letter, letter),
 * or all of it when N is 3. */
static bool inward(const char *s, size_t n)
{
	static const char k[] = "9II";
	if (n > 3)
		return false;
	for (size_t j = 0; j < n; j++)
		if (!fits(s[j], k[j]))
			return false;
	return true;
}

/* Copies IN without spaces, upper-cased, into S (at most 7 characters);
 * *SPLIT is where the first space after a character fell (its index in
 * S), or -1 when there is none, and *SPACES how many runs of spaces lie
 * after a character. False when IN holds anything else or is too long. */
static bool squash(const char *in, char s[8], int *split, int *spaces)
{
	size_t n = 0;
	bool gap = false;
	*split = -1;
	*spaces = 0;
	for (; *in; in++) {
		char c = *in;
		if (c == ' ' || c == '\t') {
			if (n && !gap) {
				gap = true;
				if (*split < 0)
					*split = (int)n;
				++*spaces;
			}
			continue;
		}
		gap = false;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!is_upper(c) && !is_digit(c))
			return false;
		if (n == 7)
			return false;
		s[n++] = c;
	}
	s[n] = '\0';
	return true;
}

bool postcode_normalise(const char *in, char *out, size_t size)
{
	char s[8];
	int split, spaces;
	if (!squash(in, s, &split, &spaces))
		return false;
	/* Spaces are ignored: the inward code is always the last three
	 * characters, wherever a person put the space. */
	(void)split;
	(void)spaces;
	size_t n = strlen(s);
	if (n < 5 || !outward(s, n - 3, true) || !inward(s + n - 3, 3))
		return false;
	if (n == 6 && !memcmp(s, "GIR", 3) && strcmp(s, "GIR0AA") != 0)
		return false;
	if (size < n + 2)
		return false;
	memcpy(out, s, n - 3);
	out[n - 3] = ' ';
	memcpy(out + n - 2, s + n - 3, 4);
	return true;
}

/* Adds P to OUT (keeping byte order, without repeats) unless full. */
static void add(char out[POSTCODE_PREFIXES][POSTCODE_SIZE], size_t *k, const char *p)
{
	for (size_t i = 0; i < *k; i++)
		if (!strcmp(out[i], p))
			return;
	if (*k == POSTCODE_PREFIXES)
		return;
	size_t at = *k;
	while (at > 0 && strcmp(out[at - 1], p) > 0) {
		memcpy(out[at], out[at - 1], POSTCODE_SIZE);
		at--;
	}
	snprintf(out[at], POSTCODE_SIZE, "%s", p);
	++*k;
}

size_t postcode_prefixes(const char *in, char out[POSTCODE_PREFIXES][POSTCODE_SIZE])
{
	char s[8], p[POSTCODE_SIZE];
	int split, spaces;
	size_t k = 0;
	if (postcode_normalise(in, p, sizeof p)) {
		add(out, &k, p);
		return k;
	}
	if (!squash(in, s, &split, &spaces) || !s[0] || spaces > 1)
		return 0;
	size_t n = strlen(s);
	if (split >= 0) {
		/* The space says where the outward code ends; a space typed last
		 * ("AB1 ") keeps AB10 to AB19 out. */
		size_t o = (size_t)split;
		if (!outward(s, o, true) || !inward(s + o, n - o))
			return 0;
		snprintf(p, sizeof p, "%.*s %s", (int)o, s, s + o);
		add(out, &k, p);
		return k;
	}
	if (outward(s, n, false))
		add(out, &k, s);
	for (size_t o = 2; o < n && o <= 4; o++) {
		if (n - o < 3 && outward(s, o, true) && inward(s + o, n - o)) {
			snprintf(p, sizeof p, "%.*s %s", (int)o, s, s + o);
			add(out, &k, p);
		}
	}
	return k;
}
