/* Answer validation and normalisation. Depends on base/ and libc's POSIX
 * regex only. Formats follow the official definitions: postcodes per the
 * Royal Mail PAF rules, National Insurance numbers per HMRC's prefix rules,
 * registrations per the DVLA's current, prefix, suffix and dateless series. */
#include "core/validate.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/postcode.h"
#include "base/msg.h"
#include "base/utf8.h"

/* Copies IN without spaces, upper-cased, into OUT; false if too long or it
 * holds anything but ASCII letters, digits and spaces. */
static bool squash_upper(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '\t')
			continue;
		if (!isalnum(c) || c >= 0x80)
			return false;
		if (n + 1 >= size)
			return false;
		out[n++] = (char)toupper(c);
	}
	out[n] = '\0';
	return n > 0;
}

static bool all(const char *s, size_t n, int (*pred)(int))
{
	for (size_t i = 0; i < n; i++)
		if (!pred((unsigned char)s[i]))
			return false;
	return true;
}

/* The rules live in base/postcode.c, shared with the gazetteer. */
bool validate_postcode(const char *in, char *out, size_t size)
{
	return postcode_normalise(in, out, size);
}

bool validate_nino(const char *in, char *out, size_t size)
{
	char s[16];
	if (!squash_upper(in, s, sizeof s) || strlen(s) != 9)
		return false;
	if (!isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]) ||
	    strchr("DFIQUV", s[0]) || strchr("DFIOQUV", s[1]))
		return false;
	static const char *const banned[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
	for (size_t i = 0; i < sizeof banned / sizeof *banned; i++)
		if (strncmp(s, banned[i], 2) == 0)
			return false;
	if (!all(s + 2, 6, isdigit) || !strchr("ABCD", s[8]))
		return false;
	if (size < 10)
		return false;
	memcpy(out, s, 10);
	return true;
}

static size_t span(const char *s, int (*pred)(int))
{
	size_t n = 0;
	while (s[n] && pred((unsigned char)s[n]))
		n++;
	return n;
}

bool validate_vehicle_reg(const char *in, char *out, size_t size)
{
	char s[16];
	if (!squash_upper(in, s, sizeof s))
		return false;
	size_t n = strlen(s);
	if (n < 2 || n > 7)
		return false;
	size_t a = span(s, isupper), d, b;
	bool ok = false;
	if (a == 2 && n == 7) /* current: AB12 CDE */
		ok = all(s + 2, 2, isdigit) && all(s + 4, 3, isupper);
	if (!ok && a == 1) { /* prefix: A123 BCD */
		d = span(s + 1, isdigit);
		ok = d >= 1 && d <= 3 && n == 1 + d + 3 &&
		     all(s + 1 + d, 3, isupper);
	}
	if (!ok && a == 3) { /* suffix: ABC 123D */
		d = span(s + 3, isdigit);
		ok = d >= 1 && d <= 3 && n == 3 + d + 1 &&
		     isupper((unsigned char)s[n - 1]);
	}
	if (!ok && a >= 1 && a <= 3) { /* dateless: ABC 1234 */
		d = span(s + a, isdigit);
		ok = d >= 1 && d <= 4 && n == a + d;
	}
	if (!ok && a == 0) { /* dateless: 1234 ABC */
		d = span(s, isdigit);
		b = span(s + d, isupper);
		ok = d >= 1 && d <= 4 && b >= 1 && b <= 3 && n == d + b;
	}
	if (!ok || size < n + 1)
		return false;
	memcpy(out, s, n + 1);
	return true;
}

bool validate_phone(const char *in, char *out, size_t size)
{
	char d[24];
	size_t n = 0;
	const char *p = in;
	while (*p == ' ')
		p++;
	bool intl = false;
	if (*p == '+') {
		intl = true;
		p++;
	}
	for (; *p; p++) {
		if (strchr(" -()", *p))
			continue;
		if (!isdigit((unsigned char)*p) || n + 1 >= sizeof d)
			return false;
		d[n++] = *p;
	}
	d[n] = '\0';
	const char *nat = d;
	char buf[24];
	if (intl || (n >= 4 && memcmp(d, "0044", 4) == 0)) {
		const char *rest = intl ? d : d + 2;
		if (strncmp(rest, "44", 2) != 0)
			return false;
		rest += 2;
		if (*rest == '0') /* +44 (0)1632 ... */
			rest++;
		snprintf(buf, sizeof buf, "0%s", rest);
		nat = buf;
	}
	size_t len = strlen(nat);
	/* UK numbers are 0 and ten digits; only some 01 areas and 0800
	 * freephone numbers have nine. */
	if (len < 10 || len > 11 || nat[0] != '0' || !strchr("1235789", nat[1]))
		return false;
	bool short_ok = nat[1] == '1' || strncmp(nat, "0800", 4) == 0;
	if (len == 10 && !short_ok)
		return false;
	if (size < len + 1)
		return false;
	memcpy(out, nat, len + 1);
	return true;
}

static int is_local_char(int c)
{
	return isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~.-", c);
}

bool validate_email(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);
	const char *at = strrchr(in, '@');
	if (!at || n > 254 || n + 1 > size)
		return false;
	size_t local = (size_t)(at - in);
	if (local < 1 || local > 64 || in[0] == '.' || at[-1] == '.')
		return false;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80 || !is_local_char(c) ||
		    (c == '.' && in[i + 1] == '.'))
			return false;
	}
	const char *dom = at + 1;
	size_t labels = 0, lab = 0, tld_alpha = 1;
	if (!*dom)
		return false;
	for (const char *p = dom;; p++) {
		if (*p == '.' || *p == '\0') {
			if (lab == 0 || lab > 63 || p[-1] == '-')
				return false;
			labels++;
			if (*p == '\0')
				break;
			lab = 0;
			tld_alpha = 1;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80 || !(isalnum(c) || c == '-') || (lab == 0 && c == '-'))
			return false;
		if (!isalpha(c))
			tld_alpha = 0;
		lab++;
	}
	if (labels < 2 || lab < 2 || !tld_alpha)
		return false;
	memcpy(out, in, local + 1);
	for (size_t i = local + 1; i <= n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	return true;
}

bool validate_number(const char *in, double *value, char *out, size_t size)
{
	char s[64];
	size_t n = 0, digits = 0, dots = 0;
	bool negative = false;
	const char *p = in;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+') {
		negative = *p == '-';
		p++;
	}
	for (; *p; p++) {
		if (*p == ',' && digits > 0 && dots == 0)
			continue;
		if (*p == ' ') {
			while (*p == ' ')
				p++;
			if (*p)
				return false;
			break;
		}
		if (*p == '.')
			dots++;
		else if (isdigit((unsigned char)*p))
			digits++;
		else
			return false;
		if (n + 1 >= sizeof s)
			return false;
		s[n++] = *p;
	}
	s[n] = '\0';
	if (digits == 0 || dots > 1 || digits > 15)
		return false;
	/* Normalise the text itself, not a double printed back, so that the
	 * normal form validates to itself: no leading zeros, no trailing
	 * fraction zeros or point, no minus on zero. */
	char *int_part = s, *frac = strchr(s, '.');
	if (frac)
		*frac++ = '\0';
	while (*int_part == '0' && int_part[1])
		int_part++;
	if (!*int_part)
		int_part = "0";
	size_t fl = frac ? strlen(frac) : 0;
	while (fl && frac[fl - 1] == '0')
		frac[--fl] = '\0';
	bool zero = !strcmp(int_part, "0") && fl == 0;
	char norm[72];
	int len = snprintf(norm, sizeof norm, "%s%s%s%s", negative && !zero ? "-" : "", int_part,
			   fl ? "." : "", fl ? frac : "");
	if (len < 0 || (size_t)len + 1 > size)
		return false;
	char *end;
	double v = strtod(norm, &end);
	if (*end)
		return false;
	memcpy(out, norm, (size_t)len + 1);
	*value = v;
	return true;
}

static const char *const month_names[12] = {
	N_("January"), N_("February"), N_("March"),     N_("April"),
	N_("May"),     N_("June"),     N_("July"),      N_("August"),
	N_("September"), N_("October"), N_("November"), N_("December"),
};

int validate_month(const char *in)
{
	int m = 0;
	if (*in && strlen(in) <= 2 && all(in, strlen(in), isdigit))
		m = (int)strtol(in, NULL, 10);
	else if (strlen(in) >= 3)
		for (int i = 0; i < 12; i++)
			if (strncasecmp(in, month_names[i], strlen(in)) == 0) {
				m = i + 1;
				break;
			}
	return m >= 1 && m <= 12 ? m : 0;
}

void validate_format_date(const struct cdate *d, const struct msg_tr *tr, char *out,
			  size_t size)
{
	int m = d->month >= 1 && d->month <= 12 ? d->month : 1;
	char day[16], year[16];
	snprintf(day, sizeof day, "%d", d->day);
	snprintf(year, sizeof year, "%d", d->year);
	static const char *const keys[] = {"day", "month", "year"};
	const char *const vals[] = {day, msg_text(tr, month_names[m - 1]), year};
	/* TRANSLATORS: a date, "3 November 2025"; put the parts in your
	 * language's order. The month names are translated on their own, in
	 * the form they take in a date. */
	msg_fill(out, size, msg_text(tr, N_("{day} {month} {year}")), keys, vals, 3);
}

/* Trims spaces at both ends into a new string; NULL on no memory. Text
 * answers keep their inside as typed, less carriage returns. */
static char *trimmed(const char *s, bool keep_newlines)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	char *t = mem_alloc(n + 1);
	if (!t)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\r')
			continue;
		if ((c == '\n' || c == '\t') && !keep_newlines)
			c = ' ';
		t[k++] = c;
	}
	t[k] = '\0';
	return t;
}

static bool pattern_matches(const char *pattern, const char *s)
{
	size_t n = strlen(pattern) + 5;
	char *anch = mem_alloc(n);
	if (!anch)
		return false;
	snprintf(anch, n, "^(%s)$", pattern);
	regex_t re;
	bool ok = false;
	if (regcomp(&re, anch, REG_EXTENDED | REG_NOSUB) == 0) {
		ok = regexec(&re, s, 0, NULL, 0) == 0;
		regfree(&re);
	}
	mem_free(anch);
	return ok;
}

struct checker {
	struct field_error *errs;
	size_t n;
};

static void fail(struct checker *c, size_t part, enum step_rule rule)
{
	if (c->n < VALIDATE_MAX_ERRORS)
		c->errs[c->n++] = (struct field_error){part, rule};
}

static bool in_options(const struct journey_step *s, const char *v)
{
	return journey_option_find(s, v) != NULL;
}

static void check_length(const struct journey_step *s, const char *v,
			 struct checker *c)
{
	long len = (long)utf8_length(v);
	if (s->max_length > 0 && len > s->max_length)
		fail(c, 0, RULE_TOO_LONG);
	else if (s->min_length > 0 && len < s->min_length)
		fail(c, 0, RULE_TOO_SHORT);
}

/* A UPRN of 1 to 12 digits without a leading zero, or none; a latitude
 * and longitude both given as decimal degrees in range, or neither. */
static bool address_place_valid(const char *uprn, const char *lat, const char *lon)
{
	size_t n = strlen(uprn);
	if (n > 12 || (n && uprn[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (uprn[i] < '0' || uprn[i] > '9')
			return false;
	if (!*lat && !*lon)
		return true;
	double v[2];
	const char *t[2] = {lat, lon};
	for (int i = 0; i < 2; i++) {
		char *end;
		if (!*t[i] || strlen(t[i]) > 20)
			return false;
		for (const char *p = t[i]; *p; p++)
			if (!strchr("0123456789.-", *p))
				return false;
		v[i] = strtod(t[i], &end);
		if (*end)
			return false;
	}
	return v[0] >= -90 && v[0] <= 90 && v[1] >= -180 && v[1] <= 180;
}

enum hatch_err validate_answer(const struct journey_step *step,
			       const char *const *parts, size_t nparts,
			       const struct cdate *today, struct answer *out,
			       struct field_error *errs, size_t *nerrs)
{
	struct checker c = {errs, 0};
	char *clean[ANSWER_MAX_PARTS] = {0};
	size_t nclean = 0;
	enum hatch_err rc = HATCH_OK;
	bool blank = true;
	char norm[64];

	answer_clear(out);
	*nerrs = 0;
	if (nparts > ANSWER_MAX_PARTS)
		nparts = ANSWER_MAX_PARTS;
	bool multi = step->kind == STEP_MULTIPLE_CHOICE;
	/* Each kind has its number of boxes; anything else is not an answer
	 * the kiosk could have sent. None at all is a blank answer. */
	size_t want = step->kind == STEP_DATE ? DATE_PARTS : step->kind == STEP_ADDRESS ? ADDR_PARTS : 1;
	/* An address typed in has only its lines; one chosen from the
	 * gazetteer has its UPRN and coordinates too. */
	bool lines_only = step->kind == STEP_ADDRESS && nparts == ADDR_LINES;
	if (!multi && nparts != 0 && nparts != want && !lines_only) {
		fail(&c, 0, RULE_INVALID);
		goto done;
	}
	for (size_t i = 0; i < nparts; i++) {
		const char *p = parts[i] ? parts[i] : "";
		size_t len = strnlen(p, VALIDATE_MAX_INPUT + 1);
		if (len > VALIDATE_MAX_INPUT || !utf8_valid(p, len)) {
			fail(&c, i, len > VALIDATE_MAX_INPUT ? RULE_TOO_LONG
							     : RULE_INVALID);
			goto done;
		}
		clean[nclean] = trimmed(p, step->kind == STEP_LONG_TEXT);
		if (!clean[nclean]) {
			rc = HATCH_ERR_NOMEM;
			goto done;
		}
		if (*clean[nclean])
			blank = false;
		/* A multiple choice keeps only the values chosen. */
		if (multi && !*clean[nclean])
			mem_free(clean[nclean]);
		else
			nclean++;
	}

	if (blank) {
		if (step->required)
			fail(&c, 0, RULE_REQUIRED);
		goto done;
	}

	char *v = nclean ? clean[0] : NULL;
	double num;
	switch (step->kind) {
	case STEP_TEXT:
	case STEP_LONG_TEXT:
		check_length(step, v, &c);
		if (!c.n && step->pattern && !pattern_matches(step->pattern, v))
			fail(&c, 0, RULE_PATTERN);
		break;
	case STEP_NUMBER:
		if (!validate_number(v, &num, norm, sizeof norm))
			fail(&c, 0, RULE_INVALID);
		else if (step->whole && num != (double)(long long)num)
			fail(&c, 0, RULE_WHOLE);
		else if (step->has_min && num < step->min)
			fail(&c, 0, RULE_MIN);
		else if (step->has_max && num > step->max)
			fail(&c, 0, RULE_MAX);
		else
			goto replace;
		break;
	case STEP_EMAIL:
		if (!validate_email(v, norm, sizeof norm))
			fail(&c, 0, strlen(v) >= sizeof norm ? RULE_TOO_LONG
							     : RULE_INVALID);
		else
			goto replace;
		break;
	case STEP_PHONE:
		if (!validate_phone(v, norm, sizeof norm))
			fail(&c, 0, RULE_INVALID);
		else
			goto replace;
		break;
	case STEP_POSTCODE:
		if (!validate_postcode(v, norm, sizeof norm))
			fail(&c, 0, RULE_INVALID);
		else
			goto replace;
		break;
	case STEP_NINO:
		if (!validate_nino(v, norm, sizeof norm))
			fail(&c, 0, RULE_INVALID);
		else
			goto replace;
		break;
	case STEP_VEHICLE_REG:
		if (!validate_vehicle_reg(v, norm, sizeof norm))
			fail(&c, 0, RULE_INVALID);
		else
			goto replace;
		break;
	case STEP_DATE: {
		if (nclean != DATE_PARTS) {
			fail(&c, 0, RULE_INVALID);
			break;
		}
		for (size_t i = 0; i < DATE_PARTS; i++)
			if (!*clean[i]) {
				fail(&c, i, RULE_INCOMPLETE);
				goto done;
			}
		int day = -1, year = -1, month = validate_month(clean[DATE_MONTH]);
		if (strlen(clean[DATE_DAY]) <= 2 && all(clean[DATE_DAY], strlen(clean[DATE_DAY]), isdigit))
			day = (int)strtol(clean[DATE_DAY], NULL, 10);
		if (strlen(clean[DATE_YEAR]) == 4 && all(clean[DATE_YEAR], 4, isdigit))
			year = (int)strtol(clean[DATE_YEAR], NULL, 10);
		if (!cdate_valid(year, month, day)) {
			fail(&c, day < 1 || day > 31 ? DATE_DAY
				 : !month	      ? DATE_MONTH
						      : DATE_YEAR,
			     RULE_INVALID);
			break;
		}
		struct cdate d = {year, month, day};
		struct cdate lim;
		if (step->has_date_min &&
		    (lim = date_value_resolve(&step->date_min, today),
		     cdate_days(&d) < cdate_days(&lim)))
			fail(&c, 0, RULE_MIN);
		else if (step->has_date_max &&
			 (lim = date_value_resolve(&step->date_max, today),
			  cdate_days(&d) > cdate_days(&lim)))
			fail(&c, 0, RULE_MAX);
		if (c.n)
			break;
		char ds[3][8];
		snprintf(ds[0], sizeof ds[0], "%d", day);
		snprintf(ds[1], sizeof ds[1], "%d", month);
		snprintf(ds[2], sizeof ds[2], "%04d", year);
		const char *dp[3] = {ds[0], ds[1], ds[2]};
		rc = answer_set(out, dp, DATE_PARTS);
		goto done;
	}
	case STEP_ADDRESS:
		if (nclean != ADDR_PARTS && nclean != ADDR_LINES) {
			fail(&c, 0, RULE_INVALID);
			break;
		}
		/* What only the gazetteer fills in: a UPRN and coordinates
		 * that are not what it gives are not an answer the kiosk
		 * could have sent. */
		if (nclean == ADDR_PARTS && !address_place_valid(clean[ADDR_UPRN], clean[ADDR_LAT],
								  clean[ADDR_LON])) {
			fail(&c, 0, RULE_INVALID);
			break;
		}
		while (nclean < ADDR_PARTS) {
			clean[nclean] = mem_strdup("");
			if (!clean[nclean]) {
				rc = HATCH_ERR_NOMEM;
				goto done;
			}
			nclean++;
		}
		if (!*clean[ADDR_LINE1])
			fail(&c, ADDR_LINE1, RULE_REQUIRED);
		for (size_t i = 0; i < ADDR_POSTCODE; i++)
			if (utf8_length(clean[i]) > JOURNEY_MAX_LABEL) {
				fail(&c, i, RULE_TOO_LONG);
				goto done;
			}
		if (!*clean[ADDR_TOWN])
			fail(&c, ADDR_TOWN, RULE_TOWN);
		if (!validate_postcode(clean[ADDR_POSTCODE], norm, sizeof norm))
			fail(&c, ADDR_POSTCODE, RULE_POSTCODE);
		else {
			mem_free(clean[ADDR_POSTCODE]);
			clean[ADDR_POSTCODE] = mem_strdup(norm);
			if (!clean[ADDR_POSTCODE]) {
				rc = HATCH_ERR_NOMEM;
				goto done;
			}
		}
		break;
	case STEP_SINGLE_CHOICE:
		if (nclean != 1 || !in_options(step, v))
			fail(&c, 0, RULE_INVALID);
		break;
	case STEP_YES_NO:
		if (nclean != 1 || (strcmp(v, "yes") && strcmp(v, "no")))
			fail(&c, 0, RULE_INVALID);
		break;
	case STEP_MULTIPLE_CHOICE: {
		bool exclusive = false;
		for (size_t i = 0; i < nclean; i++) {
			const struct journey_option *o =
				journey_option_find(step, clean[i]);
			if (!o) {
				fail(&c, 0, RULE_INVALID);
				goto done;
			}
			/* The same option chosen twice counts once. */
			bool dup = false;
			for (size_t k = 0; k < i && !dup; k++)
				dup = !strcmp(clean[k], clean[i]);
			if (dup) {
				mem_free_wiped(clean[i]);
				memmove(&clean[i], &clean[i + 1], (nclean - i - 1) * sizeof *clean);
				nclean--;
				i--;
				continue;
			}
			exclusive |= o->exclusive;
		}
		if (exclusive && nclean > 1)
			fail(&c, 0, RULE_EXCLUSIVE);
		break;
	}
	case STEP_INFO:
	case STEP_CHECK_ANSWERS:
	case STEP_CONFIRMATION:
	case STEP_KIND_COUNT:
		break;
	}
	goto store;

replace:
	mem_free_wiped(clean[0]);
	clean[0] = mem_strdup(norm);
	if (!clean[0]) {
		rc = HATCH_ERR_NOMEM;
		goto done;
	}
store:
	if (!c.n)
		rc = answer_set(out, (const char *const *)clean, nclean);
done:
	for (size_t i = 0; i < nclean; i++)
		mem_free_wiped(clean[i]);
	mem_wipe(norm, sizeof norm);
	*nerrs = c.n;
	if (rc != HATCH_OK)
		return rc;
	return c.n ? HATCH_ERR_INPUT : HATCH_OK;
}

static const char *default_message(const struct journey_step *s,
				   const struct field_error *e)
{
	switch (e->rule) {
	case RULE_REQUIRED:
		if (s->kind == STEP_ADDRESS)
			return N_("Enter the first line of the address");
		if (journey_kind_is_question(s->kind) &&
		    (s->kind == STEP_SINGLE_CHOICE || s->kind == STEP_MULTIPLE_CHOICE ||
		     s->kind == STEP_YES_NO))
			return N_("Select an answer");
		return N_("Enter an answer");
	case RULE_INVALID:
		switch (s->kind) {
		case STEP_NUMBER: return N_("Enter a number");
		case STEP_DATE: return N_("Enter a real date");
		case STEP_EMAIL:
			return N_("Enter an email address in the correct format, like name@example.com");
		case STEP_PHONE:
			return N_("Enter a UK phone number, like 01632 960 001 or 07700 900 982");
		case STEP_POSTCODE: return N_("Enter a real postcode");
		case STEP_NINO:
			return N_("Enter a National Insurance number in the correct format, like QQ 12 34 56 C");
		case STEP_VEHICLE_REG:
			return N_("Enter a real vehicle registration, like AB12 CDE");
		case STEP_SINGLE_CHOICE:
		case STEP_MULTIPLE_CHOICE:
		case STEP_YES_NO:
			return N_("Select an answer from the list");
		default: return N_("Enter the answer without unusual characters");
		}
	case RULE_INCOMPLETE:
		return e->part == DATE_DAY     ? N_("The date must include a day")
		       : e->part == DATE_MONTH ? N_("The date must include a month")
					       : N_("The date must include a year");
	case RULE_TOO_SHORT:
		return N_("The answer must be {min_length} characters or more");
	case RULE_TOO_LONG:
		return N_("The answer must be {max_length} characters or fewer");
	case RULE_PATTERN: return N_("Enter the answer in the correct format");
	case RULE_WHOLE: return N_("Enter a whole number");
	case RULE_MIN:
		return s->kind == STEP_DATE ? N_("The date must be the same as or after {min}")
					    : N_("The number must be {min} or more");
	case RULE_MAX:
		return s->kind == STEP_DATE ? N_("The date must be the same as or before {max}")
					    : N_("The number must be {max} or less");
	case RULE_TOWN: return N_("Enter the town or city");
	case RULE_POSTCODE: return N_("Enter a real postcode");
	case RULE_EXCLUSIVE:
		return N_("Select 'None of these' on its own, or select the answers that apply");
	case RULE_COUNT: break;
	}
	return N_("Enter an answer");
}

static void format_number(double v, char *out, size_t size)
{
	if (v == (double)(long long)v)
		snprintf(out, size, "%lld", (long long)v);
	else
		snprintf(out, size, "%g", v);
}

void validate_message(const struct journey_step *step,
		      const struct field_error *err, const struct cdate *today,
		      const struct msg_tr *tr, char *out, size_t size)
{
	const char *tmpl = step->errors[err->rule];
	if (!tmpl)
		tmpl = default_message(step, err);
	char min[64] = "", max[64] = "", minl[32], maxl[32];
	if (step->kind == STEP_DATE) {
		struct cdate d;
		if (step->has_date_min) {
			d = date_value_resolve(&step->date_min, today);
			validate_format_date(&d, tr, min, sizeof min);
		}
		if (step->has_date_max) {
			d = date_value_resolve(&step->date_max, today);
			validate_format_date(&d, tr, max, sizeof max);
		}
	} else {
		format_number(step->min, min, sizeof min);
		format_number(step->max, max, sizeof max);
	}
	snprintf(minl, sizeof minl, "%ld", step->min_length);
	snprintf(maxl, sizeof maxl, "%ld", step->max_length);
	static const char *const keys[] = {"min", "max", "min_length", "max_length"};
	const char *const vals[] = {min, max, minl, maxl};
	msg_fill(out, size, msg_text(tr, tmpl), keys, vals, 4);
}
