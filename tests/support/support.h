/* What the test and benchmark programs share: a temporary directory, the
 * bundled journeys, and a path's answers as the JSON that ui_show_step and
 * hatch screenshot take. For tests only. */
#ifndef HATCH_TESTS_SUPPORT_H
#define HATCH_TESTS_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/err.h"
#include "core/journey.h"
#include "core/paths.h"

/* A directory of the test's own, for cmocka's setup and teardown. */
extern char support_dir[256];
int support_dir_setup(void **state);
int support_dir_teardown(void **state);

/* Makes a new directory under /tmp into DIR (SIZE >= 32); 0 on success. */
int support_tmpdir_create(char *dir, size_t size);
/* Removes DIR and everything in it, whatever its modes; 0 on success. */
int support_tmpdir_remove(const char *dir);

/* Loads the bundled journeys (from HATCH_ASSETS or the build tree) into
 * OUT, at most MAX, in file name order. Returns how many, or 0 when any
 * fails to load (the reason is printed). Free with journey_destroy(). */
size_t support_load_journeys(const struct cdate *today, struct journey **out, size_t max);

/* The answers of P's first UPTO steps as a JSON object of step id -> the
 * answer as typed (a string, or a list for dates, addresses and multiple
 * choices). Caller decrefs. */
json_t *support_path_answers(const struct journey *j, const struct journey_path *p,
			     size_t upto);

struct ui;
struct store_submission;
struct sdl_view;

/* An off-screen view W x H with the bundled fonts, for measuring and
 * drawing as the kiosk does; NULL with the reason printed. */
struct sdl_view *support_view(int w, int h);

/* SUB as the outbox would get the canonical record REC (its payload
 * PAYLOAD, created now): every string borrowed from REC. */
void support_submission(json_t *rec, const char *payload, struct store_submission *sub);

/* What support_each_screen needs: MAKE(USER) gives a fresh kiosk (ui_create
 * with the test's configuration, language and settings); VISIT(USER, UI,
 * WHAT) checks the screen UI is on, WHAT naming it ("missed-bin/date after
 * Continue"). */
struct support_screens {
	struct ui *(*make)(void *user);
	void (*visit)(void *user, struct ui *ui, const char *what);
	void *user;
	/* How many paths' check-answers pages (and confirmations) to visit
	 * per journey; 0: every path's. */
	size_t summaries;
	/* MAKE's kiosks find addresses (support_find_address): each address
	 * step is also visited listing what a postcode and words find, asking
	 * to pick one, finding nothing, and typed in. */
	bool addresses;
	/* Also staff sign-in, the dashboard, the technician's checks, and
	 * services with the assisted banner (as signed in by
	 * ui_staff_force: MAKE's kiosks need no staff host). */
	bool staff;
};

/* A gazetteer of made-up addresses (postcodes ZY1 1AA, 30 of them, one
 * long enough to wrap; ZY2 3BD, 2 in Welsh names), imported into DIR; the
 * one support_find_address searches. 0 on success. */
int support_gazetteer_open(const char *dir);
void support_gazetteer_close(void);
struct ui_address;
struct ui_dashboard;
/* A staff dashboard with something in every part (two destinations, a
 * refused submission, figures for today and the week with drop-offs on
 * real steps of the bundled journeys), for the screen checks. */
void support_dashboard(void *user, struct ui_dashboard *out);
/* A ui_host find_address over support_gazetteer_open's gazetteer. */
enum hatch_err support_find_address(void *user, const char *query, bool by_text,
				    struct ui_address *out, size_t max, size_t *n);

/* Every screen a citizen can reach: Welcome, services, help, settings, the
 * timeout dialog, then every step of each of the N journeys JS reached by
 * a path's own answers, each question again after an empty Continue, and
 * each journey's confirmation after Send. Fails the test (cmocka) when a
 * step cannot be reached. Returns how many screens were visited. */
size_t support_each_screen(struct journey *const *js, size_t n, const struct cdate *today,
			   const struct support_screens *s);

/* A well-mixed 64-bit value from X (splitmix64's finaliser): repeatable
 * made-up data for benchmarks. */
uint64_t support_mix(uint64_t x);

/* Monotonic microseconds, for benchmarks. */
double support_now_us(void);
/* The Pth percentile (0..100) of V[0..N), nearest rank; sorts V. */
double support_percentile(double *v, size_t n, double p);

#endif
