/* Each language's text set as the kiosk sets it (fonts_check.h), through
 * text.c's own font lookup, page rule and layout, so that what is checked
 * is what a citizen would see. Only sdl/ includes SDL. */
#include "sdl/fonts_check.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "sdl/text.h"

/* The family of each face of text.h's enum sdl_face, for saying which one
 * a language is meant to have. */
static const char *const face_family[SDL_FACE_COUNT] = {
	"Noto Sans", "Noto Sans Gurmukhi", "Noto Naskh Arabic", "Noto Nastaliq Urdu"};

/* A size the kiosk uses for body text; glyph coverage does not depend on
 * it. */
#define CHECK_PX 24
#define CHECK_RUNS 32

/* The face a page in LANG is meant to have: text.c's rule, asked of fonts
 * that all look installed. */
static enum sdl_face wanted_face(const struct sdl_text *all, const char *lang)
{
	return sdl_text_page(all, lang).face;
}

/* Sets SAMPLE in STYLE on PAGE: adds its characters without a glyph to
 * *MISSING and, for the regular weight, names the face most of it was set
 * in. */
static void set_sample(struct sdl_text *t, enum ui_font style, struct sdl_page page,
		       struct sdl_font_check *c)
{
	struct sdl_run runs[CHECK_RUNS];
	size_t len = strlen(c->sample);
	size_t n = sdl_text_runs(t, style, CHECK_PX, page, page.rtl ? UI_DIR_RTL : UI_DIR_LTR,
				 c->sample, len, runs, CHECK_RUNS);
	if (n > CHECK_RUNS)
		n = CHECK_RUNS;
	size_t longest = 0;
	for (size_t i = 0; i < n; i++) {
		c->missing += runs[i].missing;
		if (style == UI_FONT_REGULAR && runs[i].len > longest) {
			longest = runs[i].len;
			snprintf(c->used, sizeof c->used, "%s", runs[i].family);
		}
	}
	/* Nothing laid out (no face would open): every character is missing. */
	if (n == 0 && len)
		c->missing += len;
}

enum hatch_err sdl_fonts_check(const char *assets, struct sdl_font_check *v, size_t n,
			       struct hatch_error *e)
{
	if (TTF_Init() != 0)
		return err_set(e, HATCH_ERR_IO, "the font library cannot start: %s",
			       TTF_GetError());
	struct sdl_text *t = mem_calloc(1, sizeof *t);
	struct sdl_text *all = mem_calloc(1, sizeof *all);
	if (!t || !all) {
		mem_free(t);
		mem_free(all);
		TTF_Quit();
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	enum hatch_err rc = sdl_text_init(t, assets, e);
	if (rc == HATCH_OK) {
		for (int s = 0; s < UI_FONT_COUNT; s++)
			for (int f = 0; f < SDL_FACE_COUNT; f++)
				snprintf(all->path[s][f], sizeof all->path[s][f], "%s",
					 *t->path[s][f] ? t->path[s][f] : "(any)");
		for (size_t i = 0; i < n; i++) {
			struct sdl_font_check *c = &v[i];
			struct sdl_page page = sdl_text_page(t, c->lang);
			c->rtl = page.rtl;
			c->missing = 0;
			c->used[0] = '\0';
			snprintf(c->wanted, sizeof c->wanted, "%s",
				 face_family[wanted_face(all, c->lang)]);
			snprintf(c->file, sizeof c->file, "%s", t->path[UI_FONT_REGULAR][page.face]);
			snprintf(c->bold_file, sizeof c->bold_file, "%s",
				 t->path[UI_FONT_BOLD][page.face]);
			set_sample(t, UI_FONT_REGULAR, page, c);
			set_sample(t, UI_FONT_BOLD, page, c);
		}
		sdl_text_cleanup(t);
	}
	mem_free(t);
	mem_free(all);
	TTF_Quit();
	return rc;
}

void sdl_fonts_versions(char *out, size_t size)
{
	SDL_version sdl;
	SDL_GetVersion(&sdl);
	const SDL_version *ttf = TTF_Linked_Version();
	int fc = FcGetVersion();
	snprintf(out, size, "SDL %d.%d.%d, SDL2_ttf %d.%d.%d, fontconfig %d.%d.%d", sdl.major,
		 sdl.minor, sdl.patch, ttf->major, ttf->minor, ttf->patch, fc / 10000,
		 fc / 100 % 100, fc % 100);
}
