/* One line of text, set as a reader of its languages expects: the Unicode
 * bidirectional algorithm (GNU FriBidi) gives each character its level, so
 * Urdu and Arabic read right to left while a postcode, an email or a
 * number inside them reads left to right where it stands; the line is cut
 * into runs of one level and one face (scripts itemised as UAX #24 does,
 * spaces, digits and punctuation joining the script around them, a
 * character a face lacks going to the next face that has it), laid out in
 * visual order, and each run shaped by SDL2_ttf's HarfBuzz in its own
 * direction and script (which also mirrors brackets in right-to-left
 * runs). Only sdl/ uses this; it must not depend on ui/'s internals. */
#include "sdl/text.h"

#include <fontconfig/fontconfig.h>
#include <fribidi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"

/* A line's runs and their measurements; one allocation for the lot. */
struct run {
	size_t lo, hi;      /* characters [lo, hi) in logical order */
	size_t start, len;  /* their bytes */
	int level;
	enum sdl_face face;
	int w, h;           /* as SDL2_ttf sizes the run */
};

struct line {
	struct run *runs;
	size_t n;
	int width;
	char *scratch;      /* N + 1 bytes for one run's text with its NUL */
	void *block;
};

enum script { SC_COMMON, SC_INHERITED, SC_LATIN, SC_GURMUKHI, SC_ARABIC, SC_OTHER };

static const char *const script_tag[SDL_FACE_COUNT] = {"Latn", "Guru", "Arab", "Arab"};

static bool find_font(const char *family, bool bold, char *out, size_t size)
{
	FcPattern *pat = FcPatternBuild(NULL, FC_FAMILY, FcTypeString, family, FC_WEIGHT,
					FcTypeInteger, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR,
					(char *)NULL);
	if (!pat)
		return false;
	FcConfigSubstitute(NULL, pat, FcMatchPattern);
	FcDefaultSubstitute(pat);
	FcResult res;
	FcPattern *m = FcFontMatch(NULL, pat, &res);
	FcPatternDestroy(pat);
	bool ok = false;
	FcChar8 *file = NULL, *fam = NULL;
	if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch &&
	    FcPatternGetString(m, FC_FAMILY, 0, &fam) == FcResultMatch &&
	    strcmp((const char *)fam, family) == 0 &&
	    snprintf(out, size, "%s", (const char *)file) < (int)size)
		ok = true;
	else
		*out = '\0';
	if (m)
		FcPatternDestroy(m);
	return ok;
}

enum hatch_err sdl_text_init(struct sdl_text *t, const char *assets, struct hatch_error *e)
{
	static const char *const files[UI_FONT_COUNT] = {"NotoSans-Regular.ttf",
							 "NotoSans-Bold.ttf"};
	static const char *const families[SDL_FACE_COUNT] = {
		NULL, "Noto Sans Gurmukhi", "Noto Naskh Arabic", "Noto Nastaliq Urdu"};
	memset(t, 0, sizeof *t);
	for (int s = 0; s < UI_FONT_COUNT; s++) {
		char *p = t->path[s][SDL_FACE_LATIN];
		if (snprintf(p, sizeof t->path[s][SDL_FACE_LATIN], "%s/fonts/%s", assets,
			     files[s]) >= (int)sizeof t->path[s][SDL_FACE_LATIN])
			return err_set(e, HATCH_ERR_LIMIT, "the assets path is too long");
		TTF_Font *f = TTF_OpenFont(p, 20);
		if (!f)
			return err_set(e, HATCH_ERR_NOTFOUND, "cannot open the font %s: %s", p,
				       TTF_GetError());
		TTF_CloseFont(f);
	}
	/* Other scripts from the system's Noto families, where installed. Only
	 * the file names are kept, so fontconfig is let go at once. */
	if (FcInit()) {
		for (int s = 0; s < UI_FONT_COUNT; s++)
			for (int f = SDL_FACE_LATIN + 1; f < SDL_FACE_COUNT; f++)
				find_font(families[f], s == UI_FONT_BOLD, t->path[s][f],
					  sizeof t->path[s][f]);
		FcFini();
	}
	return HATCH_OK;
}

static void close_sizes(struct sdl_text *t)
{
	for (size_t i = 0; i < t->nsizes; i++)
		for (int s = 0; s < UI_FONT_COUNT; s++)
			for (int f = 0; f < SDL_FACE_COUNT; f++)
				if (t->sizes[i].f[s][f])
					TTF_CloseFont(t->sizes[i].f[s][f]);
	memset(t->sizes, 0, sizeof t->sizes);
	t->nsizes = 0;
}

void sdl_text_cleanup(struct sdl_text *t)
{
	close_sizes(t);
}

static struct sdl_text_size *size_of(struct sdl_text *t, int px)
{
	for (size_t i = 0; i < t->nsizes; i++)
		if (t->sizes[i].px == px)
			return &t->sizes[i];
	/* Sizes change only with the display and the text scale. */
	if (t->nsizes == SDL_TEXT_SIZES)
		close_sizes(t);
	struct sdl_text_size *fs = &t->sizes[t->nsizes++];
	memset(fs, 0, sizeof *fs);
	fs->px = px;
	return fs;
}

/* FACE at PX, opened on first use; the Latin face when FACE is not
 * installed or will not open; NULL only when the Latin face will not. */
static TTF_Font *font(struct sdl_text *t, enum ui_font style, int px, enum sdl_face face)
{
	struct sdl_text_size *fs = size_of(t, px);
	if (!*t->path[style][face])
		face = SDL_FACE_LATIN;
	if (!fs->f[style][face]) {
		TTF_Font *f = TTF_OpenFont(t->path[style][face], px);
		if (!f && face != SDL_FACE_LATIN)
			return font(t, style, px, SDL_FACE_LATIN);
		if (!f)
			return NULL;
		TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
		fs->f[style][face] = f;
	}
	return fs->f[style][face];
}

static bool installed(const struct sdl_text *t, enum sdl_face face)
{
	return *t->path[UI_FONT_REGULAR][face] != '\0';
}

struct sdl_page sdl_text_page(const struct sdl_text *t, const char *lang)
{
	struct sdl_page p = {SDL_FACE_LATIN, false};
	if (!lang)
		return p;
	/* The primary subtag: "ur-PK" is Urdu. */
	char primary[8];
	size_t i = 0;
	while (lang[i] && lang[i] != '-' && lang[i] != '_' && i + 1 < sizeof primary) {
		char c = lang[i];
		primary[i++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	primary[i] = '\0';
	static const char *const arabic_script[] = {"ar", "fa", "ps", "sd", "ug", "ckb", "ks"};
	static const char *const other_rtl[] = {"he", "yi", "dv", "syr"};
	if (!strcmp(primary, "pa")) {
		p.face = SDL_FACE_GURMUKHI;
	} else if (!strcmp(primary, "ur")) {
		p.face = SDL_FACE_NASTALIQ;
		p.rtl = true;
	} else {
		for (size_t k = 0; k < sizeof arabic_script / sizeof *arabic_script; k++)
			if (!strcmp(primary, arabic_script[k])) {
				p.face = SDL_FACE_NASKH;
				p.rtl = true;
			}
		for (size_t k = 0; k < sizeof other_rtl / sizeof *other_rtl; k++)
			if (!strcmp(primary, other_rtl[k]))
				p.rtl = true;
	}
	if (p.face == SDL_FACE_NASTALIQ && !installed(t, SDL_FACE_NASTALIQ))
		p.face = SDL_FACE_NASKH;
	if (p.face != SDL_FACE_LATIN && !installed(t, p.face))
		p.face = SDL_FACE_LATIN;
	return p;
}

int sdl_text_line_height(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
			 int *baseline)
{
	TTF_Font *lat = font(t, style, px, SDL_FACE_LATIN);
	if (!lat) {
		*baseline = px;
		return px * 4 / 3;
	}
	int h = TTF_FontLineSkip(lat), asc = TTF_FontAscent(lat), desc = -TTF_FontDescent(lat);
	*baseline = asc;
	if (page.face == SDL_FACE_LATIN)
		return h;
	/* Both faces on one baseline: the box must hold the higher ascent and
	 * the deeper descent (Nastaliq's are far beyond Latin's). */
	TTF_Font *f = font(t, style, px, page.face);
	if (f && f != lat) {
		asc = asc > TTF_FontAscent(f) ? asc : TTF_FontAscent(f);
		desc = desc > -TTF_FontDescent(f) ? desc : -TTF_FontDescent(f);
		h = h > TTF_FontLineSkip(f) ? h : TTF_FontLineSkip(f);
	}
	*baseline = asc;
	return h > asc + desc ? h : asc + desc;
}

/* ---- characters ---- */

/* The code point at P (N > 0 bytes left) into *CP; returns its length.
 * A malformed sequence is one byte of U+FFFD. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
				 : (c & 0xF8) == 0xF0 ? 4 : 0;
	if (len == 1) {
		*cp = c;
		return 1;
	}
	if (!len || len > n)
		goto bad;
	uint32_t v = c & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			goto bad;
		v = v << 6 | (p[i] & 0x3F);
	}
	static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

/* Characters no face draws: joiners, bidi controls, the BOM. They stay in
 * the run around them (a ZWNJ must reach the Arabic shaper). */
static bool is_format(uint32_t c)
{
	return (c >= 0x200B && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || c == 0x00AD || c < 0x20;
}

/* The script of C as far as choosing a face needs (UAX #24, coarsely). */
static enum script script_of(uint32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? SC_LATIN : SC_COMMON;
	if (is_format(c) || (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	    (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
	    (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xFE20 && c <= 0xFE2F))
		return SC_INHERITED;
	if (c >= 0x0A00 && c <= 0x0A7F)
		return SC_GURMUKHI;
	if ((c >= 0x064B && c <= 0x0655) || c == 0x0670)
		return SC_INHERITED; /* harakat */
	if ((c >= 0x0600 && c <= 0x06FF) || (c >= 0x0750 && c <= 0x077F) ||
	    (c >= 0x0870 && c <= 0x08FF) || (c >= 0xFB50 && c <= 0xFDFF) ||
	    (c >= 0xFE70 && c <= 0xFEFE))
		return SC_ARABIC;
	if (c == 0xAA || c == 0xBA || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
	    (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x2C60 && c <= 0x2C7F) ||
	    (c >= 0xA720 && c <= 0xA7FF) || (c >= 0xFB00 && c <= 0xFB06))
		return SC_LATIN;
	if (c < 0x100 || (c >= 0x02B0 && c <= 0x02FF) || (c >= 0x2000 && c <= 0x2BFF) ||
	    (c >= 0x3000 && c <= 0x303F) || c == 0x0964 || c == 0x0965 || c >= 0xFFF0)
		return SC_COMMON;
	return SC_OTHER;
}

static enum sdl_face face_of_script(enum script s, struct sdl_page page)
{
	switch (s) {
	case SC_GURMUKHI: return SDL_FACE_GURMUKHI;
	case SC_ARABIC: return page.face == SDL_FACE_NASTALIQ ? SDL_FACE_NASTALIQ : SDL_FACE_NASKH;
	default: return SDL_FACE_LATIN;
	}
}

static bool has_glyph(struct sdl_text *t, enum ui_font style, int px, enum sdl_face face,
		      uint32_t c)
{
	TTF_Font *f = font(t, style, px, face);
	return f && TTF_GlyphIsProvided32(f, c);
}

/* The face C is drawn in: WANT when it has the glyph, else the first of
 * the fallback chain that has it, else WANT (which shows the missing-glyph
 * box rather than nothing). */
static enum sdl_face cover(struct sdl_text *t, enum ui_font style, int px, enum sdl_face want,
			   uint32_t c)
{
	static const enum sdl_face chain[] = {SDL_FACE_LATIN, SDL_FACE_NASKH, SDL_FACE_GURMUKHI,
					      SDL_FACE_NASTALIQ};
	if (has_glyph(t, style, px, want, c))
		return want;
	for (size_t i = 0; i < sizeof chain / sizeof *chain; i++)
		if (chain[i] != want && installed(t, chain[i]) &&
		    has_glyph(t, style, px, chain[i], c))
			return chain[i];
	return want;
}

/* ---- a line ---- */

static void line_free(struct line *l)
{
	mem_free(l->block);
	memset(l, 0, sizeof *l);
}

/* Sets F up for a run in FACE at LEVEL. */
static void set_run(TTF_Font *f, enum sdl_face face, int level)
{
	TTF_SetFontDirection(f, level & 1 ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
	TTF_SetFontScriptName(f, script_tag[face]);
}

/* Sizes every run of L with SDL2_ttf; L->width is their sum. */
static void measure(struct sdl_text *t, enum ui_font style, int px, const char *s,
		    struct line *l)
{
	l->width = 0;
	for (size_t i = 0; i < l->n; i++) {
		struct run *r = &l->runs[i];
		TTF_Font *f = font(t, style, px, r->face);
		memcpy(l->scratch, s + r->start, r->len);
		l->scratch[r->len] = '\0';
		r->w = r->h = 0;
		if (f) {
			set_run(f, r->face, r->level);
			if (TTF_SizeUTF8(f, l->scratch, &r->w, &r->h) != 0)
				r->w = r->h = 0;
		}
		l->width += r->w;
	}
}

/* Lays S (N > 0 bytes) out into runs in visual order, measured, into L
 * (line_free() it). Fails for want of memory or on a line too long to
 * index, leaving L empty. */
static enum hatch_err layout(struct sdl_text *t, enum ui_font style, int px,
			     struct sdl_page page, enum ui_dir dir, const char *s, size_t n,
			     struct line *l)
{
	memset(l, 0, sizeof *l);
	const unsigned char *p = (const unsigned char *)s;
	size_t ascii = 0;
	while (ascii < n && p[ascii] < 0x80)
		ascii++;
	if (ascii == n && dir != UI_DIR_RTL) {
		/* Plain ASCII left to right, most of an English page: one run
		 * in the Latin face, without the bidi algorithm. */
		l->block = mem_alloc(sizeof *l->runs + n + 1);
		if (!l->block)
			return HATCH_ERR_NOMEM;
		l->runs = l->block;
		l->scratch = (char *)(l->runs + 1);
		l->runs[0] = (struct run){0, n, 0, n, 0, SDL_FACE_LATIN, 0, 0};
		l->n = 1;
		measure(t, style, px, s, l);
		return HATCH_OK;
	}
	if (n > (size_t)INT32_MAX / 64)
		return HATCH_ERR_LIMIT;
	/* At most N characters: one block for every per-character array. */
	size_t per = sizeof(FriBidiChar) + sizeof(size_t) + sizeof(FriBidiCharType) +
		     sizeof(FriBidiBracketType) + sizeof(FriBidiStrIndex) + sizeof(FriBidiLevel) +
		     sizeof(unsigned char) + sizeof(struct run);
	char *block = mem_alloc(per * n + sizeof(size_t) + n + 1 + 16);
	if (!block)
		return HATCH_ERR_NOMEM;
	l->block = block;
	/* Largest alignment first. */
	struct run *runs = (struct run *)block;
	size_t *off = (size_t *)(runs + n);
	FriBidiChar *u = (FriBidiChar *)(off + n + 1);
	FriBidiCharType *types = (FriBidiCharType *)(u + n);
	FriBidiBracketType *btypes = (FriBidiBracketType *)(types + n);
	FriBidiStrIndex *map = (FriBidiStrIndex *)(btypes + n);
	FriBidiLevel *levels = (FriBidiLevel *)(map + n);
	unsigned char *faces = (unsigned char *)(levels + n);
	l->scratch = (char *)(faces + n);
	l->runs = runs;

	size_t len = 0;
	for (size_t i = 0; i < n; len++) {
		off[len] = i;
		i += utf8_next(p + i, n - i, &u[len]);
	}
	off[len] = n;

	/* Faces: a strong script's own; common characters take the script
	 * before them (the first strong one at the start), marks and format
	 * characters the face of the character they follow. */
	enum script cur = SC_LATIN;
	for (size_t i = 0; i < len; i++) {
		enum script sc = script_of(u[i]);
		if (sc != SC_COMMON && sc != SC_INHERITED) {
			cur = sc;
			break;
		}
	}
	for (size_t i = 0; i < len; i++) {
		enum script sc = script_of(u[i]);
		if (sc == SC_INHERITED) {
			faces[i] = i ? faces[i - 1]
				     : (unsigned char)face_of_script(cur, page);
			continue;
		}
		if (sc != SC_COMMON)
			cur = sc;
		faces[i] = (unsigned char)cover(t, style, px, face_of_script(cur, page), u[i]);
	}

	FriBidiStrIndex flen = (FriBidiStrIndex)len;
	FriBidiParType base = dir == UI_DIR_RTL ? FRIBIDI_PAR_RTL
			      : dir == UI_DIR_LTR ? FRIBIDI_PAR_LTR
						  : FRIBIDI_PAR_ON;
	fribidi_get_bidi_types(u, flen, types);
	fribidi_get_bracket_types(u, flen, types, btypes);
	for (FriBidiStrIndex i = 0; i < flen; i++)
		map[i] = i;
	if (!fribidi_get_par_embedding_levels_ex(types, btypes, flen, &base, levels) ||
	    !fribidi_reorder_line(0, types, flen, 0, base, levels, NULL, map)) {
		/* FriBidi ran out of memory: the line as it stands, in the
		 * direction asked for. */
		for (size_t i = 0; i < len; i++) {
			levels[i] = dir == UI_DIR_RTL ? 1 : 0;
			map[i] = (FriBidiStrIndex)(dir == UI_DIR_RTL ? len - 1 - i : i);
		}
	}

	/* Runs: visual neighbours at one level, in one face, next to each
	 * other in logical order too (descending at odd levels). */
	size_t nr = 0;
	for (size_t v = 0; v < len;) {
		size_t lo = (size_t)map[v], hi = lo + 1;
		int level = levels[lo];
		unsigned char face = faces[lo];
		for (v++; v < len; v++) {
			size_t k = (size_t)map[v];
			if (levels[k] != level || faces[k] != face)
				break;
			if (level & 1 ? k + 1 != lo : k != hi)
				break;
			if (level & 1)
				lo = k;
			else
				hi = k + 1;
		}
		runs[nr++] = (struct run){lo, hi, off[lo], off[hi] - off[lo], level,
					  (enum sdl_face)face, 0, 0};
	}
	l->n = nr;
	measure(t, style, px, s, l);
	return HATCH_OK;
}

int sdl_text_width(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
		   enum ui_dir dir, const char *s, size_t n)
{
	if (!n)
		return 0;
	struct line l;
	if (layout(t, style, px, page, dir, s, n, &l) != HATCH_OK)
		return (int)(n > 4096 ? 4096 : n) * px / 2;
	int w = l.width;
	line_free(&l);
	return w;
}

/* The row of the top of the underline SDL2_ttf draws under " " in F: the
 * underline lies that far below the top of a run whose glyphs stay inside
 * the face's height. -1 if it cannot be found. */
static int underline_row(TTF_Font *f)
{
	SDL_Color c = {0, 0, 0, 255};
	int prev = TTF_GetFontStyle(f);
	TTF_SetFontStyle(f, prev | TTF_STYLE_UNDERLINE);
	SDL_Surface *s = TTF_RenderUTF8_Blended(f, " ", c);
	TTF_SetFontStyle(f, prev);
	int row = -1;
	if (s && s->format->format == SDL_PIXELFORMAT_ARGB8888) {
		for (int y = 0; y < s->h && row < 0; y++) {
			const Uint32 *px = (const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch);
			for (int x = 0; x < s->w; x++)
				if (px[x] >> 24) {
					row = y;
					break;
				}
		}
	}
	SDL_FreeSurface(s);
	return row;
}

/* How far below the surface's top SDL2_ttf put the face's top for the run
 * TEXT drawn in F as SURF. It moves the whole run down when a glyph
 * reaches above the face's ascent (Nastaliq's stacked letters do) and
 * says by how much only through the surface's height, which a glyph
 * reaching below the descent also grows: so the run is drawn again with
 * an underline, whose row gives it away. */
static int run_top(struct sdl_text *t, enum ui_font style, int px, enum sdl_face face,
		   TTF_Font *f, const char *text, SDL_Surface *surf)
{
	if (surf->h == TTF_FontHeight(f))
		return 0;
	struct sdl_text_size *fs = size_of(t, px);
	if (!fs->ul_known[style][face]) {
		fs->ul_row[style][face] = underline_row(f);
		fs->ul_known[style][face] = true;
	}
	int base = fs->ul_row[style][face];
	if (base < 0 || surf->format->format != SDL_PIXELFORMAT_ARGB8888)
		return 0;
	SDL_Color c = {0, 0, 0, 255};
	int prev = TTF_GetFontStyle(f);
	TTF_SetFontStyle(f, prev | TTF_STYLE_UNDERLINE);
	SDL_Surface *u = TTF_RenderUTF8_Blended(f, text, c);
	TTF_SetFontStyle(f, prev);
	int top = 0;
	if (u && u->format->format == SDL_PIXELFORMAT_ARGB8888 && u->w == surf->w) {
		int rows = u->h < surf->h ? u->h : surf->h;
		for (int y = 0; y < rows; y++) {
			const Uint32 *a = (const Uint32 *)((const Uint8 *)surf->pixels + y * surf->pitch);
			const Uint32 *b = (const Uint32 *)((const Uint8 *)u->pixels + y * u->pitch);
			int x = 0;
			while (x < surf->w && (a[x] >> 24) == (b[x] >> 24))
				x++;
			if (x < surf->w) {
				top = y - base > 0 ? y - base : 0;
				break;
			}
		}
	}
	SDL_FreeSurface(u);
	return top;
}

/* Adds SRC's coverage to DST at X, Y (both ARGB8888 of one colour). */
static void add_alpha(SDL_Surface *dst, const SDL_Surface *src, int x, int y)
{
	for (int sy = 0; sy < src->h; sy++) {
		int dy = y + sy;
		if (dy < 0 || dy >= dst->h)
			continue;
		const Uint32 *s = (const Uint32 *)((const Uint8 *)src->pixels + sy * src->pitch);
		Uint32 *d = (Uint32 *)((Uint8 *)dst->pixels + dy * dst->pitch);
		for (int sx = 0; sx < src->w; sx++) {
			int dx = x + sx;
			Uint32 sa = s[sx] >> 24;
			if (!sa || dx < 0 || dx >= dst->w)
				continue;
			Uint32 da = d[dx] >> 24;
			Uint32 a = sa + da - sa * da / 255;
			d[dx] = (d[dx] & 0x00FFFFFFu) | a << 24;
		}
	}
}

SDL_Surface *sdl_text_render(struct sdl_text *t, enum ui_font style, int px,
			     struct sdl_page page, enum ui_dir dir, const char *s, size_t n,
			     SDL_Color color, int *dy)
{
	*dy = 0;
	struct line l;
	if (!n || layout(t, style, px, page, dir, s, n, &l) != HATCH_OK)
		return NULL;
	int baseline;
	int lh = sdl_text_line_height(t, style, px, page, &baseline);
	SDL_Surface *one[1] = {NULL}, **surf = one;
	int *ys = NULL, y1 = 0;
	if (l.n > 1) {
		surf = mem_calloc(l.n, sizeof *surf + sizeof *ys);
		if (!surf) {
			line_free(&l);
			return NULL;
		}
		ys = (int *)(surf + l.n);
	}
	int top = 0, bottom = lh;
	for (size_t i = 0; i < l.n; i++) {
		const struct run *r = &l.runs[i];
		TTF_Font *f = font(t, style, px, r->face);
		if (!f || !r->w)
			continue;
		memcpy(l.scratch, s + r->start, r->len);
		l.scratch[r->len] = '\0';
		set_run(f, r->face, r->level);
		surf[i] = TTF_RenderUTF8_Blended(f, l.scratch, color);
		if (!surf[i])
			continue;
		/* On the page's baseline, wherever SDL2_ttf put the run's. */
		y1 = baseline - TTF_FontAscent(f) - run_top(t, style, px, r->face, f, l.scratch, surf[i]);
		if (ys)
			ys[i] = y1;
		top = y1 < top ? y1 : top;
		bottom = y1 + surf[i]->h > bottom ? y1 + surf[i]->h : bottom;
	}
	SDL_Surface *out = NULL;
	if (l.n == 1) {
		/* One run: its own surface, as SDL2_ttf drew it. */
		out = surf[0];
		*dy = y1;
	} else {
		out = SDL_CreateRGBSurfaceWithFormat(0, l.width > 0 ? l.width : 1, bottom - top, 32,
						     SDL_PIXELFORMAT_ARGB8888);
		if (out) {
			SDL_FillRect(out, NULL, SDL_MapRGBA(out->format, color.r, color.g, color.b, 0));
			int x = 0;
			for (size_t i = 0; i < l.n; i++) {
				SDL_Surface *sf = surf[i];
				if (sf && sf->format->format != SDL_PIXELFORMAT_ARGB8888) {
					sf = SDL_ConvertSurfaceFormat(sf, SDL_PIXELFORMAT_ARGB8888, 0);
					SDL_FreeSurface(surf[i]);
					surf[i] = sf;
				}
				if (sf)
					add_alpha(out, sf, x, ys[i] - top);
				x += l.runs[i].w;
			}
			*dy = top;
		}
		for (size_t i = 0; i < l.n; i++)
			SDL_FreeSurface(surf[i]);
		mem_free(surf);
	}
	line_free(&l);
	return out;
}

size_t sdl_text_runs(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
		     enum ui_dir dir, const char *s, size_t n, struct sdl_run *out, size_t max)
{
	struct line l;
	if (!n || layout(t, style, px, page, dir, s, n, &l) != HATCH_OK)
		return 0;
	int x = 0;
	for (size_t i = 0; i < l.n && i < max; i++) {
		const struct run *r = &l.runs[i];
		struct sdl_run *o = &out[i];
		TTF_Font *f = font(t, style, px, r->face);
		*o = (struct sdl_run){r->start, r->len, r->level, x, r->w, "", 0};
		const char *fam = f ? TTF_FontFaceFamilyName(f) : NULL;
		snprintf(o->family, sizeof o->family, "%s", fam ? fam : "");
		const unsigned char *p = (const unsigned char *)s + r->start;
		for (size_t k = 0; k < r->len;) {
			uint32_t c;
			k += utf8_next(p + k, r->len - k, &c);
			if (f && !is_format(c) && !TTF_GlyphIsProvided32(f, c))
				o->missing++;
		}
		x += r->w;
	}
	size_t count = l.n;
	line_free(&l);
	return count;
}
