/* The gazetteer's formats (docs/gazetteer.md): which header names stand
 * for which column, the checks every record must pass, the address lines
 * as a person writes them, the key that puts a street's addresses in
 * order, and OSGB36 grid references made into WGS84. Depends on base/ and
 * libc only (the few functions of libm it needs are below, so that the
 * program need not link libm for one conversion); never prints. */
#include "store/gazetteer_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"

/* ---- columns ---- */

/* Header names for a column, in the order they are preferred. */
struct alias {
	enum gaz_col col;
	const char *names[5];
};

static const struct alias simple_cols[] = {
	{GC_UPRN, {"UPRN"}},
	{GC_ADDRESS, {"ADDRESS"}},
	{GC_TOWN, {"TOWN"}},
	{GC_POSTCODE, {"POSTCODE"}},
	{GC_LAT, {"LAT", "LATITUDE"}},
	{GC_LON, {"LONG", "LON", "LNG", "LONGITUDE"}},
};

/* AddressBase Plus: the Royal Mail (DPA) fields and the local
 * authority's (LPI) fields of the same record. */
static const struct alias addressbase_cols[] = {
	{GC_UPRN, {"UPRN"}},
	{GC_ORGANISATION, {"ORGANISATION_NAME"}},
	{GC_SUB_BUILDING, {"SUB_BUILDING_NAME"}},
	{GC_BUILDING_NAME, {"BUILDING_NAME"}},
	{GC_BUILDING_NUMBER, {"BUILDING_NUMBER"}},
	{GC_DEP_THOROUGHFARE, {"DEPENDENT_THOROUGHFARE"}},
	{GC_THOROUGHFARE, {"THOROUGHFARE"}},
	{GC_DEP_LOCALITY, {"DEPENDENT_LOCALITY"}},
	{GC_POST_TOWN, {"POST_TOWN"}},
	{GC_TOWN, {"TOWN_NAME"}},
	{GC_POSTCODE, {"POSTCODE_LOCATOR", "POSTCODE"}},
	{GC_LAT, {"LATITUDE"}},
	{GC_LON, {"LONGITUDE"}},
	{GC_EAST, {"X_COORDINATE"}},
	{GC_NORTH, {"Y_COORDINATE"}},
	{GC_SAO_START, {"SAO_START_NUMBER"}},
	{GC_SAO_START_SUFFIX, {"SAO_START_SUFFIX"}},
	{GC_SAO_END, {"SAO_END_NUMBER"}},
	{GC_SAO_END_SUFFIX, {"SAO_END_SUFFIX"}},
	{GC_SAO_TEXT, {"SAO_TEXT"}},
	{GC_PAO_START, {"PAO_START_NUMBER"}},
	{GC_PAO_START_SUFFIX, {"PAO_START_SUFFIX"}},
	{GC_PAO_END, {"PAO_END_NUMBER"}},
	{GC_PAO_END_SUFFIX, {"PAO_END_SUFFIX"}},
	{GC_PAO_TEXT, {"PAO_TEXT"}},
	{GC_STREET, {"STREET_DESCRIPTION"}},
	{GC_LOCALITY, {"LOCALITY"}},
};

/* A council's LLPG export (BS 7666 names, as councils' exports spell
 * them). */
static const struct alias llpg_cols[] = {
	{GC_UPRN, {"UPRN"}},
	{GC_SAO_START, {"SAO_START_NUMBER", "SAO_START_NUM"}},
	{GC_SAO_START_SUFFIX, {"SAO_START_SUFFIX"}},
	{GC_SAO_END, {"SAO_END_NUMBER", "SAO_END_NUM"}},
	{GC_SAO_END_SUFFIX, {"SAO_END_SUFFIX"}},
	{GC_SAO_TEXT, {"SAO_TEXT"}},
	{GC_PAO_START, {"PAO_START_NUMBER", "PAO_START_NUM"}},
	{GC_PAO_START_SUFFIX, {"PAO_START_SUFFIX"}},
	{GC_PAO_END, {"PAO_END_NUMBER", "PAO_END_NUM"}},
	{GC_PAO_END_SUFFIX, {"PAO_END_SUFFIX"}},
	{GC_PAO_TEXT, {"PAO_TEXT"}},
	{GC_STREET, {"STREET_DESCRIPTOR", "STREET_DESCRIPTION", "STREET_NAME", "STREET"}},
	{GC_LOCALITY, {"LOCALITY", "LOCALITY_NAME"}},
	{GC_TOWN, {"TOWN_NAME", "TOWN", "POST_TOWN"}},
	{GC_POSTCODE, {"POSTCODE", "POSTCODE_LOCATOR", "POST_CODE"}},
	{GC_LAT, {"LATITUDE", "LAT"}},
	{GC_LON, {"LONGITUDE", "LONG", "LON"}},
	{GC_EAST, {"EASTING", "X_COORDINATE", "X_COORD", "X"}},
	{GC_NORTH, {"NORTHING", "Y_COORDINATE", "Y_COORD", "Y"}},
};

/* Header NAME as a column name: spaces around it and a UTF-8 byte order
 * mark dropped, upper case, spaces and hyphens as underscores. */
static void column_name(const char *name, char *out, size_t size)
{
	size_t n = 0;
	if (!memcmp(name, "\xEF\xBB\xBF", 3))
		name += 3;
	while (*name == ' ' || *name == '\t')
		name++;
	for (; *name && n + 1 < size; name++) {
		char c = *name;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == ' ' || c == '-')
			c = '_';
		out[n++] = c;
	}
	while (n && out[n - 1] == '_')
		n--;
	out[n] = '\0';
}

static void find_columns(const struct alias *v, size_t nv, struct csv *hdr,
			 struct gaz_cols *cols)
{
	char name[64];
	for (int i = 0; i < GC_COUNT; i++)
		cols->at[i] = -1;
	cols->nfields = hdr->nfields;
	for (size_t a = 0; a < nv; a++) {
		for (size_t k = 0; k < 5 && v[a].names[k] && cols->at[v[a].col] < 0; k++) {
			for (size_t f = 0; f < hdr->nfields; f++) {
				column_name(hdr->field[f], name, sizeof name);
				if (!strcmp(name, v[a].names[k])) {
					cols->at[v[a].col] = (int)f;
					break;
				}
			}
		}
	}
}

bool gaz_row_columns(enum gaz_format format, struct csv *hdr, struct gaz_cols *cols,
		     char *why, size_t size)
{
	const char *missing = NULL;
	switch (format) {
	case GAZ_SIMPLE:
		find_columns(simple_cols, sizeof simple_cols / sizeof *simple_cols, hdr, cols);
		if (cols->at[GC_UPRN] < 0)
			missing = "uprn";
		else if (cols->at[GC_ADDRESS] < 0)
			missing = "address";
		else if (cols->at[GC_TOWN] < 0)
			missing = "town";
		else if (cols->at[GC_POSTCODE] < 0)
			missing = "postcode";
		else if ((cols->at[GC_LAT] < 0) != (cols->at[GC_LON] < 0))
			missing = cols->at[GC_LAT] < 0 ? "lat" : "long";
		break;
	case GAZ_ADDRESSBASE:
		find_columns(addressbase_cols, sizeof addressbase_cols / sizeof *addressbase_cols,
			     hdr, cols);
		if (cols->at[GC_UPRN] < 0)
			missing = "UPRN";
		else if (cols->at[GC_POSTCODE] < 0)
			missing = "POSTCODE_LOCATOR (or POSTCODE)";
		else if (cols->at[GC_POST_TOWN] < 0 && cols->at[GC_TOWN] < 0)
			missing = "POST_TOWN (or TOWN_NAME)";
		else if (cols->at[GC_THOROUGHFARE] < 0 && cols->at[GC_STREET] < 0)
			missing = "THOROUGHFARE (or STREET_DESCRIPTION)";
		break;
	case GAZ_LLPG:
		find_columns(llpg_cols, sizeof llpg_cols / sizeof *llpg_cols, hdr, cols);
		if (cols->at[GC_UPRN] < 0)
			missing = "UPRN";
		else if (cols->at[GC_STREET] < 0)
			missing = "STREET_DESCRIPTOR";
		else if (cols->at[GC_TOWN] < 0)
			missing = "TOWN_NAME";
		else if (cols->at[GC_POSTCODE] < 0)
			missing = "POSTCODE";
		else if (cols->at[GC_PAO_TEXT] < 0 && cols->at[GC_PAO_START] < 0)
			missing = "PAO_TEXT or PAO_START_NUMBER";
		break;
	}
	if (missing) {
		snprintf(why, size, "it has no column %s", missing);
		return false;
	}
	return true;
}

/* ---- fields ---- */

/* Field COL of REC, or "" when the format's file has no such column. */
static char *field(const struct gaz_cols *cols, struct csv *rec, enum gaz_col col)
{
	int at = cols->at[col];
	if (at < 0 || (size_t)at >= rec->nfields)
		return (char *)"";
	return (char *)rec->field[at];
}

/* Rewrites S in place: line breaks, tabs and other control characters as
 * spaces, runs of spaces as one, none at either end. */
static void tidy(char *s)
{
	char *w = s;
	bool space = false;
	for (const char *r = s; *r; r++) {
		unsigned char c = (unsigned char)*r;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = (char)c;
	}
	*w = '\0';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Rewrites S, when it has no lower-case letter ("14 MILL LANE", as Royal
 * Mail and many LLPGs write), as a person writes it: "14 Mill Lane". A
 * letter after a digit stays a capital ("12A"), as does the one after
 * "O'"; "JOHN'S" becomes "John's". Names like MCDONALD become Mcdonald:
 * better than shouting, and the search does not care. */
static void title_case(char *s)
{
	for (const char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			return;
	char prev = ' ';
	size_t word = 0;
	for (char *p = s; *p; p++) {
		char c = *p;
		if (is_alpha(c)) {
			bool first = !is_alpha(prev) && !(prev >= '0' && prev <= '9') &&
				     (prev != '\'' || word == 1);
			if (!first && c >= 'A' && c <= 'Z' && !(prev >= '0' && prev <= '9'))
				*p = (char)(c - 'A' + 'a');
			word++;
		} else if (c == ' ' || c == '-' || c == '/' || c == '(' || c == '.' || c == ',') {
			word = 0;
		} else if (c != '\'') {
			word++;
		}
		prev = c;
	}
}

/* A bounded string under construction; FULL once something did not fit. */
struct text {
	char *s;
	size_t size, n;
	bool full;
};

static void text_init(struct text *t, char *s, size_t size)
{
	t->s = s;
	t->size = size;
	t->n = 0;
	t->full = false;
	s[0] = '\0';
}

static void text_add(struct text *t, const char *sep, const char *part)
{
	if (!*part)
		return;
	int k = snprintf(t->s + t->n, t->size - t->n, "%s%s", t->n ? sep : "", part);
	if (k < 0 || (size_t)k >= t->size - t->n) {
		t->full = true;
		t->s[t->n] = '\0';
		return;
	}
	t->n += (size_t)k;
}

/* Writes S for sorting into T: capitals, and each run of digits padded
 * with zeros to ten places, so that 9 comes before 10. */
static void sort_part(struct text *t, const char *s)
{
	char buf[256];
	size_t n = 0;
	for (const char *p = s; *p && n + 12 < sizeof buf;) {
		if (*p >= '0' && *p <= '9') {
			size_t d = strspn(p, "0123456789");
			const char *q = p;
			while (d > 1 && *q == '0')
				q++, d--;
			if (d <= 10) {
				memset(buf + n, '0', 10 - d);
				n += 10 - d;
			}
			size_t take = d < sizeof buf - n - 1 ? d : sizeof buf - n - 1;
			memcpy(buf + n, q, take);
			n += take;
			p = q + d;
			continue;
		}
		char c = *p++;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		buf[n++] = c;
	}
	buf[n] = '\0';
	/* The key is for ordering only: one cut short still orders well. */
	if (t->n + 1 < t->size) {
		size_t room = t->size - t->n - 1;
		size_t take = n < room ? n : room;
		memcpy(t->s + t->n, buf, take);
		t->n += take;
		t->s[t->n] = '\0';
	}
}

/* STREET, then PAO (the house), then SAO (the flat), kept apart by a byte
 * below every character, so that a shorter street comes first. */
static void sort_key(struct gaz_row *row, const char *street, const char *pao,
		     const char *sao)
{
	struct text t;
	text_init(&t, row->sort_key, sizeof row->sort_key);
	sort_part(&t, street);
	sort_part(&t, "\x01");
	sort_part(&t, pao);
	sort_part(&t, "\x01");
	sort_part(&t, sao);
}

/* A BS 7666 number range: "14", "14A", "14-16", "14A-14C". */
static void range(char *out, size_t size, const char *start, const char *ssuf, const char *end,
		  const char *esuf)
{
	if (!*start) {
		out[0] = '\0';
		return;
	}
	if (*end)
		snprintf(out, size, "%s%s-%s%s", start, ssuf, end, esuf);
	else
		snprintf(out, size, "%s%s", start, ssuf);
}

/* Copies the printable ASCII of S, at most 24 characters, into OUT, for a
 * reason that quotes a value. */
static void quote(const char *s, char *out, size_t size)
{
	size_t n = 0;
	for (; *s && n + 4 < size && n < 24; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f && *s != '"') ? *s : '?';
	if (*s && n + 4 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* A number all of S (spaces around it allowed), into *OUT. */
static bool number(const char *s, double *out)
{
	char *end;
	if (!*s)
		return false;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (end == s || *end || !(v - v == 0)) /* NaN or infinite */
		return false;
	*out = v;
	return true;
}

/* The UPRN S (1 to 12 digits; leading zeros dropped) into *OUT. */
static bool uprn(const char *s, long long *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 12 || strspn(s, "0123456789") != n)
		return false;
	long long v = 0;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	if (v == 0)
		return false;
	*out = v;
	return true;
}

static bool reject(char *why, size_t size, const char *fmt, const char *arg)
{
	snprintf(why, size, fmt, arg);
	return false;
}

/* The coordinates of the record: latitude and longitude when given,
 * else a National Grid easting and northing made into them, else none. */
static bool coords(const struct gaz_cols *cols, struct csv *rec, struct gaz_row *row,
		   char *why, size_t size)
{
	char q[32];
	const char *la = field(cols, rec, GC_LAT), *lo = field(cols, rec, GC_LON);
	const char *ea = field(cols, rec, GC_EAST), *no = field(cols, rec, GC_NORTH);
	row->has_coords = false;
	row->lat = row->lon = 0;
	if (*la || *lo) {
		if (!*la || !*lo)
			return reject(why, size, "%s", *la ? "a latitude without a longitude"
							   : "a longitude without a latitude");
		if (!number(la, &row->lat) || row->lat < -90 || row->lat > 90) {
			quote(la, q, sizeof q);
			return reject(why, size, "bad latitude \"%s\" (-90 to 90)", q);
		}
		if (!number(lo, &row->lon) || row->lon < -180 || row->lon > 180) {
			quote(lo, q, sizeof q);
			return reject(why, size, "bad longitude \"%s\" (-180 to 180)", q);
		}
		row->has_coords = true;
		return true;
	}
	if (*ea || *no) {
		double e, n;
		if (!*ea || !*no)
			return reject(why, size, "%s", *ea ? "an easting without a northing"
							   : "a northing without an easting");
		if (!number(ea, &e) || !number(no, &n) ||
		    !gaz_osgb_to_wgs84(e, n, &row->lat, &row->lon)) {
			char q2[32];
			quote(ea, q, sizeof q);
			quote(no, q2, sizeof q2);
			snprintf(why, size,
				 "bad easting/northing \"%s\", \"%s\" (National Grid metres)", q, q2);
			return false;
		}
		row->has_coords = true;
	}
	return true;
}

/* The Royal Mail (DPA) address of an AddressBase record, into T. */
static void dpa_lines(struct text *t, const struct gaz_cols *cols, struct csv *rec,
		      const char **street, const char **pao, const char **sao)
{
	const char *org = field(cols, rec, GC_ORGANISATION);
	const char *sub = field(cols, rec, GC_SUB_BUILDING);
	const char *name = field(cols, rec, GC_BUILDING_NAME);
	const char *num = field(cols, rec, GC_BUILDING_NUMBER);
	const char *dep = field(cols, rec, GC_DEP_THOROUGHFARE);
	const char *thr = field(cols, rec, GC_THOROUGHFARE);
	const char *loc = field(cols, rec, GC_DEP_LOCALITY);
	/* A building "name" that is a number ("12A", "1-3") is written as
	 * the number on the street, as Royal Mail's rules say. */
	if (!*num && *name >= '0' && *name <= '9' && !strchr(name, ' ')) {
		num = name;
		name = "";
	}
	char first[256];
	const char *road = *dep ? dep : thr;
	snprintf(first, sizeof first, "%s%s%s", num, *num && *road ? " " : "", road);
	text_add(t, ", ", org);
	text_add(t, ", ", sub);
	text_add(t, ", ", name);
	text_add(t, ", ", first);
	if (*dep)
		text_add(t, ", ", thr);
	text_add(t, ", ", loc);
	*street = *thr ? thr : dep;
	*pao = *num ? num : name;
	*sao = sub;
}

/* The local authority's (LPI, BS 7666) address, into T. */
static void lpi_lines(struct text *t, const struct gaz_cols *cols, struct csv *rec,
		      const char *town, char *pao_buf, char *sao_buf, size_t size,
		      const char **street, const char **pao, const char **sao)
{
	char srange[64], prange[64], first[256];
	range(srange, sizeof srange, field(cols, rec, GC_SAO_START),
	      field(cols, rec, GC_SAO_START_SUFFIX), field(cols, rec, GC_SAO_END),
	      field(cols, rec, GC_SAO_END_SUFFIX));
	range(prange, sizeof prange, field(cols, rec, GC_PAO_START),
	      field(cols, rec, GC_PAO_START_SUFFIX), field(cols, rec, GC_PAO_END),
	      field(cols, rec, GC_PAO_END_SUFFIX));
	const char *stext = field(cols, rec, GC_SAO_TEXT);
	const char *ptext = field(cols, rec, GC_PAO_TEXT);
	const char *str = field(cols, rec, GC_STREET);
	const char *loc = field(cols, rec, GC_LOCALITY);
	snprintf(sao_buf, size, "%s%s%s", stext, *stext && *srange ? " " : "", srange);
	snprintf(first, sizeof first, "%s%s%s", prange, *prange && *str ? " " : "", str);
	text_add(t, ", ", sao_buf);
	text_add(t, ", ", ptext);
	text_add(t, ", ", first);
	if (strcasecmp(loc, town) != 0)
		text_add(t, ", ", loc);
	snprintf(pao_buf, size, "%s%s%s", prange, *prange && *ptext ? " " : "", ptext);
	*street = str;
	*pao = pao_buf;
	*sao = sao_buf;
}

/* The simple format's one address field, read for its sort key: the last
 * part that starts with a digit is the house number and street ("Flat 2,
 * 14 Mill Lane"), what comes before it the flat; with no number the last
 * part is the street and the one before it the house. */
static void simple_key(struct gaz_row *row, const char *address)
{
	char buf[256], sao[256] = "", pao[256] = "";
	const char *street = "";
	snprintf(buf, sizeof buf, "%s", address);
	char *parts[32];
	size_t np = 0;
	for (char *p = buf; np < 32;) {
		parts[np++] = p;
		char *c = strchr(p, ',');
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	for (size_t i = 0; i < np; i++)
		tidy(parts[i]);
	size_t at = np;
	for (size_t i = np; i-- > 0;)
		if (parts[i][0] >= '0' && parts[i][0] <= '9') {
			at = i;
			break;
		}
	struct text s;
	text_init(&s, sao, sizeof sao);
	if (at < np) {
		char *sp = parts[at] + strcspn(parts[at], " ");
		snprintf(pao, sizeof pao, "%.*s", (int)(sp - parts[at]), parts[at]);
		street = *sp ? sp + 1 : "";
		for (size_t i = 0; i < at; i++)
			text_add(&s, ", ", parts[i]);
	} else {
		street = parts[np - 1];
		if (np >= 2)
			snprintf(pao, sizeof pao, "%s", parts[np - 2]);
		for (size_t i = 0; i + 2 < np; i++)
			text_add(&s, ", ", parts[i]);
	}
	sort_key(row, street, pao, sao);
}

bool gaz_row_build(enum gaz_format format, const struct gaz_cols *cols, struct csv *rec,
		   struct gaz_row *row, char *why, size_t size)
{
	char q[32];
	if (rec->nfields != cols->nfields) {
		snprintf(why, size, "%zu fields where the header has %zu", rec->nfields,
			 cols->nfields);
		return false;
	}
	if (rec->nul)
		return reject(why, size, "%s", "bad encoding: a NUL byte");
	for (size_t i = 0; i < rec->nfields; i++) {
		if (!utf8_valid(rec->field[i], rec->len[i]))
			return reject(why, size, "%s", "bad encoding: not UTF-8");
		tidy((char *)rec->field[i]);
	}
	const char *u = field(cols, rec, GC_UPRN);
	if (!*u)
		return reject(why, size, "%s", "missing UPRN");
	if (!uprn(u, &row->uprn)) {
		quote(u, q, sizeof q);
		return reject(why, size, "bad UPRN \"%s\" (1 to 12 digits)", q);
	}
	const char *pc = field(cols, rec, GC_POSTCODE);
	if (!*pc)
		return reject(why, size, "%s", "missing postcode");
	if (!postcode_normalise(pc, row->postcode, sizeof row->postcode)) {
		quote(pc, q, sizeof q);
		return reject(why, size, "bad postcode \"%s\"", q);
	}
	const char *town = field(cols, rec, GC_TOWN);
	struct text t;
	text_init(&t, row->lines, sizeof row->lines);
	if (format == GAZ_SIMPLE) {
		const char *a = field(cols, rec, GC_ADDRESS);
		if (!*a)
			return reject(why, size, "%s", "missing address");
		text_add(&t, "", a);
		if (!t.full)
			simple_key(row, a);
	} else {
		for (size_t i = 0; i < rec->nfields; i++)
			if ((int)i != cols->at[GC_POSTCODE])
				title_case((char *)rec->field[i]);
		const char *street, *pao, *sao;
		char pao_buf[192], sao_buf[192];
		bool dpa = format == GAZ_ADDRESSBASE &&
			   (*field(cols, rec, GC_THOROUGHFARE) ||
			    *field(cols, rec, GC_BUILDING_NAME) ||
			    *field(cols, rec, GC_BUILDING_NUMBER) ||
			    *field(cols, rec, GC_ORGANISATION));
		if (format == GAZ_ADDRESSBASE) {
			const char *post = field(cols, rec, GC_POST_TOWN);
			if (dpa && *post)
				town = post;
			else if (!*town)
				town = post;
		}
		if (dpa)
			dpa_lines(&t, cols, rec, &street, &pao, &sao);
		else
			lpi_lines(&t, cols, rec, town, pao_buf, sao_buf, sizeof pao_buf, &street,
				  &pao, &sao);
		if (!t.n && !t.full)
			return reject(why, size, "%s", "missing address: no street, building or number");
		if (!*street && !t.full)
			return reject(why, size, "%s", "missing street");
		if (!t.full)
			sort_key(row, street, pao, sao);
	}
	if (t.full)
		return reject(why, size, "the address is longer than %s bytes", "255");
	if (!*town)
		return reject(why, size, "%s", "missing town");
	if (strlen(town) >= sizeof row->town)
		return reject(why, size, "the town is longer than %s bytes", "63");
	snprintf(row->town, sizeof row->town, "%s", town);
	return coords(cols, rec, row, why, size);
}

/* ---- National Grid to WGS84 ---- */

#define PI 3.14159265358979323846
#define DEG (PI / 180.0)

/* Enough of libm for the conversion, accurate to a few units in the last
 * place over the angles and sizes it meets (checked against libm in
 * tests/unit/test_gazetteer.c). */
static double g_fabs(double x)
{
	return x < 0 ? -x : x;
}

static double g_sqrt(double x)
{
	if (x <= 0)
		return 0;
	double r = x > 1 ? x : 1;
	for (int i = 0; i < 200; i++) {
		double next = 0.5 * (r + x / r);
		if (next == r)
			break;
		r = next;
	}
	return r;
}

/* sin and cos by their series after bringing X into [-pi, pi]. */
static double g_sin(double x)
{
	while (x > PI)
		x -= 2 * PI;
	while (x < -PI)
		x += 2 * PI;
	double term = x, sum = x, x2 = x * x;
	for (int k = 1; k < 30; k++) {
		term *= -x2 / ((2.0 * k) * (2.0 * k + 1));
		sum += term;
	}
	return sum;
}

static double g_cos(double x)
{
	return g_sin(x + PI / 2);
}

/* atan of Z >= 0: halved three times (atan z = 2 atan(z / (1 + sqrt(1 +
 * z^2)))), then its series. */
static double g_atan(double z)
{
	bool inv = z > 1;
	if (inv)
		z = 1 / z;
	for (int i = 0; i < 3; i++)
		z = z / (1 + g_sqrt(1 + z * z));
	double term = z, sum = z, z2 = z * z;
	for (int k = 1; k < 30; k++) {
		term *= -z2;
		sum += term / (2 * k + 1);
	}
	sum *= 8;
	return inv ? PI / 2 - sum : sum;
}

static double g_atan2(double y, double x)
{
	if (x == 0)
		return y > 0 ? PI / 2 : y < 0 ? -PI / 2 : 0;
	double a = g_atan(g_fabs(y / x));
	if (x < 0)
		a = PI - a;
	return y < 0 ? -a : a;
}


bool gaz_osgb_to_wgs84(double e, double n, double *lat_out, double *lon_out)
{
	/* The grid covers 0-700 km east and 0-1300 km north. */
	if (!(e >= 0 && e <= 700000 && n >= 0 && n <= 1300000))
		return false;
	/* Airy 1830 and the National Grid's projection. */
	const double a = 6377563.396, b = 6356256.909, f0 = 0.9996012717;
	const double lat0 = 49 * DEG, lon0 = -2 * DEG, n0 = -100000, e0 = 400000;
	const double e2 = 1 - (b * b) / (a * a), nn = (a - b) / (a + b);
	const double n2 = nn * nn, n3 = n2 * nn;
	double lat = lat0, m = 0;
	do {
		lat = (n - n0 - m) / (a * f0) + lat;
		double d = lat - lat0, s = lat + lat0;
		m = b * f0 *
		    ((1 + nn + 1.25 * n2 + 1.25 * n3) * d -
		     (3 * nn + 3 * n2 + 21.0 / 8 * n3) * g_sin(d) * g_cos(s) +
		     (15.0 / 8 * n2 + 15.0 / 8 * n3) * g_sin(2 * d) * g_cos(2 * s) -
		     35.0 / 24 * n3 * g_sin(3 * d) * g_cos(3 * s));
	} while (g_fabs(n - n0 - m) >= 0.00001);
	double sl = g_sin(lat), cl = g_cos(lat), tl = g_sin(lat) / g_cos(lat);
	double nu = a * f0 / g_sqrt(1 - e2 * sl * sl);
	double rho = a * f0 * (1 - e2) / ((1 - e2 * sl * sl) * g_sqrt(1 - e2 * sl * sl));
	double eta2 = nu / rho - 1, t2 = tl * tl, t4 = t2 * t2, t6 = t4 * t2, sec = 1 / cl;
	double nu3 = nu * nu * nu, nu5 = nu3 * nu * nu, nu7 = nu5 * nu * nu;
	double vii = tl / (2 * rho * nu);
	double viii = tl / (24 * rho * nu3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2);
	double ix = tl / (720 * rho * nu5) * (61 + 90 * t2 + 45 * t4);
	double x = sec / nu, xi = sec / (6 * nu3) * (nu / rho + 2 * t2);
	double xii = sec / (120 * nu5) * (5 + 28 * t2 + 24 * t4);
	double xiia = sec / (5040 * nu7) * (61 + 662 * t2 + 1320 * t4 + 720 * t6);
	double de = e - e0, de2 = de * de, de3 = de2 * de, de4 = de3 * de, de5 = de4 * de;
	double phi = lat - vii * de2 + viii * de4 - ix * de4 * de2;
	double lam = lon0 + x * de - xi * de3 + xii * de5 - xiia * de5 * de2;
	/* To Cartesian on Airy 1830, then OS's Helmert transformation to
	 * WGS84 (tx, ty, tz in metres, s in ppm, rx, ry, rz in seconds). */
	double nua = a / g_sqrt(1 - e2 * g_sin(phi) * g_sin(phi));
	double x1 = nua * g_cos(phi) * g_cos(lam), y1 = nua * g_cos(phi) * g_sin(lam);
	double z1 = (1 - e2) * nua * g_sin(phi);
	const double tx = 446.448, ty = -125.157, tz = 542.060, s = -20.4894e-6;
	const double rx = 0.1502 / 3600 * DEG, ry = 0.2470 / 3600 * DEG, rz = 0.8421 / 3600 * DEG;
	double x2 = tx + (1 + s) * x1 - rz * y1 + ry * z1;
	double y2 = ty + rz * x1 + (1 + s) * y1 - rx * z1;
	double z2 = tz - ry * x1 + rx * y1 + (1 + s) * z1;
	/* Back to latitude and longitude on WGS84. */
	const double wa = 6378137.0, wb = 6356752.314245, we2 = 1 - (wb * wb) / (wa * wa);
	double p = g_sqrt(x2 * x2 + y2 * y2), la = g_atan2(z2, p * (1 - we2)), prev;
	int i = 0;
	do {
		prev = la;
		double v = wa / g_sqrt(1 - we2 * g_sin(la) * g_sin(la));
		la = g_atan2(z2 + we2 * v * g_sin(la), p);
	} while (g_fabs(la - prev) > 1e-12 && ++i < 20);
	*lat_out = la / DEG;
	*lon_out = g_atan2(y2, x2) / DEG;
	return true;
}
