/* Whether the kiosk can set each language's text: the fonts found exactly
 * as the kiosk finds them (sdl/text.c: the bundled Latin faces, the other
 * scripts' Noto faces through fontconfig), a sample of the language's
 * text laid out as a page in it would be, and the glyphs counted that no
 * face had. For hatch doctor and the technician's screen; needs no
 * display.
 *
 * Library code: never prints. Depends on base/, sdl/text.h, SDL2_ttf and
 * fontconfig (through text.c); never on i18n/ (the caller names the
 * languages and samples), core/, store/, sync/ or app/. */
#ifndef HATCH_SDL_FONTS_CHECK_H
#define HATCH_SDL_FONTS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* One language to check: LANG and SAMPLE are the caller's; the rest is
 * filled. */
struct sdl_font_check {
	const char *lang;       /* BCP 47: "pa" */
	const char *sample;     /* text in it, UTF-8: its name in itself */
	bool rtl;               /* its pages are set right to left */
	char wanted[48];        /* the face its pages are meant to be set in
				 * ("Noto Nastaliq Urdu") */
	char used[48];          /* the face the sample was set in ("Noto Naskh
				 * Arabic" when Nastaliq is not installed) */
	char file[256];         /* that face's file for regular text, cut */
	char bold_file[256];    /* and for bold text (the same file when
				 * fontconfig found no other), cut */
	size_t missing;         /* characters of the sample without a glyph,
				 * regular and bold counted together */
};

/* Checks the N languages of V with the fonts under ASSETS/fonts and the
 * system's. HATCH_ERR_NOTFOUND when a bundled Latin face cannot be opened
 * (E names it: nothing is set at all then), HATCH_ERR_LIMIT when ASSETS is
 * too long, HATCH_ERR_NOMEM, HATCH_ERR_IO when the font library cannot
 * start. Safe beside a running kiosk's own text (SDL2_ttf's and
 * fontconfig's initialisation are counted). */
enum hatch_err sdl_fonts_check(const char *assets, struct sdl_font_check *v, size_t n,
			       struct hatch_error *e) HATCH_MUST_CHECK;

/* The versions of SDL, SDL2_ttf and fontconfig, as
 * "SDL 2.26.5, SDL2_ttf 2.20.2, fontconfig 2.14.1", into OUT (SIZE bytes). */
void sdl_fonts_versions(char *out, size_t size);

#endif
