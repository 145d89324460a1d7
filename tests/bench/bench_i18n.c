/* Benchmarks for languages: how long switching language on a question page
 * takes to the next frame (i18n.switch_ms, the median and the 99th
 * percentile over every switch between the shipped languages, caches as a
 * running kiosk has them after showing each language once; and the first
 * switch to each language, with its fonts opened and its runs shaped for
 * the first time), and the peak memory after a page has been shown in
 * every shipped language at both screen sizes (ui.peak_rss_mib_all_scripts,
 * measured in a child process that does only that, as a kiosk would: the
 * real catalogs, fonts, shaping and the software renderer). Prints
 * "name value unit" rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/mem.h"
#include "i18n/i18n.h"
#include "platform/platform.h"
#include "sdl/sdl.h"
#include "support.h"
#include "ui/ui.h"

#define SWITCH_ROUNDS 15

static const struct cdate today = {2026, 6, 15};
static struct i18n *cats;
static struct ui *kiosk;
static struct ui_language langs[8];
static size_t nlangs;
static struct journey *journeys[32];
static size_t njourneys;

static const char *tr_text(void *user, const char *english)
{
	(void)user;
	return i18n_text(i18n_catalog(cats, ui_language(kiosk)), english);
}

static const char *tr_ntext(void *user, const char *s, const char *p, unsigned long n)
{
	(void)user;
	return i18n_ntext(i18n_catalog(cats, ui_language(kiosk)), s, p, n);
}

static enum hatch_err submit(void *user, struct session *s, const char *language, char *ref)
{
	(void)user;
	(void)s;
	(void)language;
	(void)ref;
	return HATCH_ERR_IO;
}

static struct cdate host_today(void *user)
{
	(void)user;
	return today;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_i18n: %s: %s\n", what, why);
	exit(1);
}

static struct sdl_view *setup(int w, int h)
{
	char assets[4096], dir[4096];
	struct hatch_error e = {""};
	if (platform_assets_dir(assets, sizeof assets, &e) != HATCH_OK ||
	    platform_locales_dir(dir, sizeof dir, &e) != HATCH_OK)
		die("paths", e.msg);
	struct i18n_problems p;
	if (i18n_open(dir, &cats, &p, &e) != HATCH_OK || p.n)
		die("catalogs", p.n ? p.v[0].reason : e.msg);
	size_t nl;
	const struct i18n_language *v = i18n_languages(&nl);
	for (size_t i = 0; i < nl && i < 8; i++)
		langs[nlangs++] = (struct ui_language){v[i].code, v[i].name, v[i].rtl};
	njourneys = support_load_journeys(&today, journeys, 32);
	if (!njourneys)
		die("journeys", "none");
	struct ui_config cfg = {"Demonstration District Council", {29, 112, 184, 255}, NULL,
				120, 30, 96, langs, nlangs};
	struct ui_host host = {NULL, submit, host_today, {tr_text, tr_ntext, NULL}, NULL, NULL};
	kiosk = ui_create(&cfg, &host, (const struct journey *const *)journeys, njourneys);
	if (!kiosk || ui_show_step(kiosk, "missed-bin", "bin", "{}", &e) != HATCH_OK)
		die("the question page", e.msg);
	struct sdl_options o = {assets, true, false, w, h, NULL};
	struct sdl_view *view;
	if (sdl_view_create(&o, &view, &e) != HATCH_OK)
		die("view", e.msg);
	return view;
}

static double frame(struct sdl_view *v, int w, int h)
{
	struct hatch_error e = {""};
	double t0 = support_now_us();
	sdl_view_set_language(v, ui_language(kiosk));
	if (ui_layout(kiosk, w, h, sdl_view_metrics(v), 1000) != HATCH_OK)
		die("layout", "out of memory");
	if (sdl_view_render(v, ui_draw(kiosk), &e) != HATCH_OK)
		die("render", e.msg);
	return support_now_us() - t0;
}

/* A page in every language at both sizes, then the process's peak. */
static void all_scripts(void)
{
	struct sdl_view *small = setup(800, 480);
	for (size_t i = 0; i < nlangs; i++) {
		ui_select_language(kiosk, langs[i].code);
		frame(small, 800, 480);
	}
	sdl_view_destroy(small);
	struct hatch_error e = {""};
	char assets[4096];
	if (platform_assets_dir(assets, sizeof assets, &e) != HATCH_OK)
		die("paths", e.msg);
	struct sdl_options o = {assets, true, false, 1920, 1080, NULL};
	struct sdl_view *big;
	if (sdl_view_create(&o, &big, &e) != HATCH_OK)
		die("view", e.msg);
	for (size_t i = 0; i < nlangs; i++) {
		ui_select_language(kiosk, langs[i].code);
		frame(big, 1920, 1080);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("ui.peak_rss_mib_all_scripts %.1f MiB\n", ru.ru_maxrss / 1024.0);
	fflush(stdout);
}

int main(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		all_scripts();
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("the memory run", "failed");

	struct sdl_view *v = setup(800, 480);
	/* The first visit to each language: fonts, shaping, textures new. */
	double first[8];
	frame(v, 800, 480);
	for (size_t i = 1; i <= nlangs; i++) {
		size_t l = i % nlangs;
		double t0 = support_now_us();
		ui_select_language(kiosk, langs[l].code);
		frame(v, 800, 480);
		first[l] = support_now_us() - t0;
	}
	double worst_first = 0;
	for (size_t i = 0; i < nlangs; i++)
		worst_first = first[i] > worst_first ? first[i] : worst_first;
	/* Then switching as a kiosk does once it has shown them all. */
	size_t n = SWITCH_ROUNDS * nlangs;
	double *t = mem_calloc(n, sizeof *t);
	if (!t)
		die("memory", "out of memory");
	for (size_t k = 0; k < n; k++) {
		double t0 = support_now_us();
		ui_select_language(kiosk, langs[k % nlangs].code);
		frame(v, 800, 480);
		t[k] = support_now_us() - t0;
	}
	printf("i18n.switch_ms %.2f ms\n", support_percentile(t, n, 50) / 1000);
	printf("i18n.switch_ms_p99 %.2f ms\n", support_percentile(t, n, 99) / 1000);
	printf("i18n.switch_first_ms_max %.2f ms\n", worst_first / 1000);
	mem_free(t);
	sdl_view_destroy(v);
	ui_destroy(kiosk);
	for (size_t i = 0; i < njourneys; i++)
		journey_destroy(journeys[i]);
	i18n_close(cats);
	return 0;
}
