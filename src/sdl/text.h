/* Lines of text for the view, inside sdl/ only: the fonts of every shipped
 * script at every size, and one line laid out as the Unicode bidirectional
 * algorithm (GNU FriBidi) orders it, cut into runs of one direction and one
 * face (script itemisation with a fallback chain), each run shaped by
 * SDL2_ttf's HarfBuzz in its own direction and script. Measuring and
 * drawing go through the same runs, so a line is drawn exactly as wide as
 * it was measured. Depends on SDL2_ttf, fontconfig, fribidi and base/. */
#ifndef HATCH_SDL_TEXT_H
#define HATCH_SDL_TEXT_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "sdl/sdl.h"
#include "ui/ui.h"

#define SDL_TEXT_SIZES 24

/* The faces text is set in. A page uses the Latin face and at most one
 * other, its language's: Noto Sans Gurmukhi for Panjabi, Noto Nastaliq Urdu
 * for Urdu, Noto Naskh Arabic for Arabic (and Arabic script elsewhere). */
enum sdl_face {
	SDL_FACE_LATIN,
	SDL_FACE_GURMUKHI,
	SDL_FACE_NASKH,
	SDL_FACE_NASTALIQ,
	SDL_FACE_COUNT
};

struct sdl_text_size {
	int px;
	TTF_Font *f[UI_FONT_COUNT][SDL_FACE_COUNT];
	/* The first row of an underline under " ", when known: finds where
	 * SDL2_ttf put the baseline in a run taller than the face. */
	int ul_row[UI_FONT_COUNT][SDL_FACE_COUNT];
	bool ul_known[UI_FONT_COUNT][SDL_FACE_COUNT];
};

struct sdl_text {
	char path[UI_FONT_COUNT][SDL_FACE_COUNT][1024]; /* "": not installed */
	struct sdl_text_size sizes[SDL_TEXT_SIZES];
	size_t nsizes;
};

/* What a page in one language is set in: its script's face (LATIN when it
 * needs none) and its base direction. */
struct sdl_page {
	enum sdl_face face;
	bool rtl;
};

/* Finds the fonts: the bundled Latin faces under ASSETS/fonts (an error if
 * they cannot be opened) and the other scripts' system faces through
 * fontconfig (left out, and their text set in the Latin face, when not
 * installed). T is caller storage, zeroed by this call; no font is open
 * until text needs it. */
enum hatch_err sdl_text_init(struct sdl_text *t, const char *assets,
			     struct hatch_error *e) HATCH_MUST_CHECK;
/* Closes every font; T may be reused after sdl_text_init. */
void sdl_text_cleanup(struct sdl_text *t);

/* The page of the language LANG (BCP 47; NULL or "": English). */
struct sdl_page sdl_text_page(const struct sdl_text *t, const char *lang);

/* The line box of STYLE at PX on PAGE: its height (the distance between
 * lines, room for the tallest face the page uses) and where in it the
 * common baseline lies, from the top. */
int sdl_text_line_height(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
			 int *baseline);

/* The width of the line S (N bytes of UTF-8) laid out with base direction
 * DIR: the sum of its runs' widths, exactly what sdl_text_render draws.
 * On failure (no memory, no font) an estimate. */
int sdl_text_width(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
		   enum ui_dir dir, const char *s, size_t n);

/* The line drawn in COLOR into a new surface as wide as sdl_text_width
 * says, whose top lies *DY pixels below the line box's top (DY <= 0 when
 * a face reaches above the box). The caller frees it. NULL when there is
 * nothing to draw or on failure. */
SDL_Surface *sdl_text_render(struct sdl_text *t, enum ui_font style, int px,
			     struct sdl_page page, enum ui_dir dir, const char *s, size_t n,
			     SDL_Color color, int *dy);

/* The runs of the line in visual order, left to right, as struct sdl_run
 * describes them; at most MAX written to OUT. Returns how many there are,
 * or 0 on failure. */
size_t sdl_text_runs(struct sdl_text *t, enum ui_font style, int px, struct sdl_page page,
		     enum ui_dir dir, const char *s, size_t n, struct sdl_run *out, size_t max);

#endif
