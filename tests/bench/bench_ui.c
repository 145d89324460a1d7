/* Benchmark for the kiosk's heaviest screen: check your answers of the
 * longest path through the longest bundled journey (blue-badge), laid out
 * (ui/) and drawn (sdl/, the software renderer on an off-screen surface) at
 * 1920x1080. A warm frame, with the text and width caches filled as on a
 * kiosk that has shown the screen once, is what a citizen waits for after
 * each tap; the cold frame (a new view: fonts opened, every run shaped and
 * rasterised) is reported separately. Prints "name value unit" rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/mem.h"
#include "support.h"
#include "core/paths.h"
#include "platform/platform.h"
#include "sdl/sdl.h"
#include "ui/ui.h"

#define WIDTH       1920
#define HEIGHT      1080
#define WARM_FRAMES 200
#define WARM_RUNS   5
#define COLD_RUNS   7
#define JOURNEY     "blue-badge"

static const struct cdate today = {2026, 6, 15};

static const struct ui_language langs[] = {{"en", "English", false}, {"cy", "Cymraeg", false}};

static enum hatch_err submit(void *user, struct session *s, const char *language,
                             char *ref)
{
	(void)user;
	(void)s;
	(void)language;
	memcpy(ref, "K7QM-2D9X-J", 12);
	return HATCH_OK;
}

static struct cdate host_today(void *user)
{
	(void)user;
	return today;
}

/* The path to check your answers with the most answers on it. */
struct longest {
	const struct journey *j;
	char *answers; /* JSON object of step id -> answer as typed */
	size_t nanswers;
	char check[128]; /* the check your answers step */
};

static bool pick_longest(void *user, const struct journey_path *p)
{
	struct longest *l = user;
	if (p->stopped)
		return true;
	size_t count = 0;
	size_t end = p->n;
	for (size_t i = 0; i < p->n; i++) {
		const struct journey_step *st = &l->j->steps[p->steps[i].step];
		if (st->kind == STEP_CHECK_ANSWERS) {
			end = i;
			break;
		}
		if (p->steps[i].answer)
			count++;
	}
	json_t *o = support_path_answers(l->j, p, end);
	if (end < p->n && count > l->nanswers) {
		free(l->answers);
		l->answers = json_dumps(o, JSON_COMPACT);
		l->nanswers = count;
		snprintf(l->check, sizeof l->check, "%s",
		         l->j->steps[p->steps[end].step].id);
	}
	json_decref(o);
	return true;
}

static struct ui *make_ui(struct journey *j, const struct longest *l)
{
	struct ui_config cfg = {"Demonstration District Council",
	                        {29, 112, 184, 255},
	                        "https://council.example/track/{reference}",
	                        120,
	                        30,
	                        96,
	                        langs,
	                        sizeof langs / sizeof *langs};
	struct ui_host host = {NULL, submit, host_today, {NULL, NULL, NULL}, NULL, NULL};
	const struct journey *const js[] = {j};
	struct ui *ui = ui_create(&cfg, &host, js, 1);
	struct hatch_error e = {""};
	if (!ui || ui_show_step(ui, JOURNEY, l->check, l->answers, &e) != HATCH_OK) {
		fprintf(stderr, "bench_ui: cannot reach %s/%s: %s\n", JOURNEY, l->check,
		        e.msg);
		exit(1);
	}
	return ui;
}

/* One frame as the kiosk draws it: layout, then render. */
static void frame(struct ui *ui, struct sdl_view *v, uint64_t now, double *lay,
                  double *ren)
{
	struct hatch_error e = {""};
	double t0 = support_now_us();
	if (ui_layout(ui, WIDTH, HEIGHT, sdl_view_metrics(v), now) != HATCH_OK) {
		fprintf(stderr, "bench_ui: out of memory laying out\n");
		exit(1);
	}
	double t1 = support_now_us();
	if (sdl_view_render(v, ui_draw(ui), &e) != HATCH_OK) {
		fprintf(stderr, "bench_ui: %s\n", e.msg);
		exit(1);
	}
	*lay = t1 - t0;
	*ren = support_now_us() - t1;
}

static struct sdl_view *make_view(const char *assets)
{
	struct sdl_options o = {assets, true, false, WIDTH, HEIGHT, NULL};
	struct sdl_view *v;
	struct hatch_error e = {""};
	if (sdl_view_create(&o, &v, &e) != HATCH_OK) {
		fprintf(stderr, "bench_ui: %s\n", e.msg);
		exit(1);
	}
	return v;
}

int main(void)
{
	char assets[4096], path[4200];
	struct hatch_error e = {""};
	if (platform_assets_dir(assets, sizeof assets, &e) != HATCH_OK) {
		fprintf(stderr, "bench_ui: %s\n", e.msg);
		return 1;
	}
	snprintf(path, sizeof path, "%s/journeys/%s.json", assets, JOURNEY);
	char *data;
	size_t len;
	if (platform_read_file(path, JOURNEY_MAX_BYTES, &data, &len, &e) != HATCH_OK) {
		fprintf(stderr, "bench_ui: %s: %s\n", path, e.msg);
		return 1;
	}
	struct journey_diags d;
	journey_diags_init(&d);
	struct journey *j = NULL;
	enum hatch_err rc = journey_load(data, len, &today, &j, &d);
	journey_diags_cleanup(&d);
	mem_free(data);
	if (rc != HATCH_OK) {
		fprintf(stderr, "bench_ui: %s does not load\n", path);
		return 1;
	}
	struct longest l = {j, NULL, 0, ""};
	struct journey_paths_result res;
	if (journey_paths(j, &today, 1000000, pick_longest, &l, NULL, &res) != HATCH_OK ||
	    !l.answers) {
		fprintf(stderr, "bench_ui: no path of %s reaches check your answers\n",
		        JOURNEY);
		return 1;
	}
	mem_free(res.reached);

	/* Cold: a new view each time, so nothing is cached. */
	double cold[COLD_RUNS], lay, ren;
	for (int r = 0; r < COLD_RUNS; r++) {
		struct sdl_view *v = make_view(assets);
		struct ui *ui = make_ui(j, &l);
		frame(ui, v, 1000, &lay, &ren);
		cold[r] = lay + ren;
		ui_destroy(ui);
		sdl_view_destroy(v);
	}

	/* Warm: the same screen redrawn, as after a focus move or a tap; the
	 * percentiles of each run of WARM_FRAMES, then their medians. */
	struct sdl_view *v = make_view(assets);
	struct ui *ui = make_ui(j, &l);
	for (int i = 0; i < 3; i++)
		frame(ui, v, 1000 + (uint64_t)i, &lay, &ren);
	static double total[WARM_FRAMES], layout[WARM_FRAMES], render[WARM_FRAMES];
	double p50[WARM_RUNS], p99[WARM_RUNS], lay50[WARM_RUNS], ren50[WARM_RUNS];
	uint64_t t = 2000;
	for (int r = 0; r < WARM_RUNS; r++) {
		for (int i = 0; i < WARM_FRAMES; i++) {
			frame(ui, v, t += 16, &layout[i], &render[i]);
			total[i] = layout[i] + render[i];
		}
		p50[r] = support_percentile(total, WARM_FRAMES, 50);
		p99[r] = support_percentile(total, WARM_FRAMES, 99);
		lay50[r] = support_percentile(layout, WARM_FRAMES, 50);
		ren50[r] = support_percentile(render, WARM_FRAMES, 50);
	}
	/* What the renderer has to fill each frame, besides clearing. */
	const struct ui_draw_list *dl = ui_draw(ui);
	double fill = 0;
	size_t ntext = 0;
	for (size_t i = 0; i < dl->n; i++) {
		const struct ui_cmd *c = &dl->cmds[i];
		if (c->kind == UI_CMD_RECT)
			fill += (double)c->r.w * c->r.h;
		else if (c->kind == UI_CMD_BORDER)
			fill += 2.0 * c->thickness * (c->r.w + c->r.h);
		else if (c->kind == UI_CMD_TEXT)
			ntext++;
	}
	size_t ncmds = dl->n;
	ui_destroy(ui);
	sdl_view_destroy(v);

	printf("ui.check_answers_rows %zu answers\n", l.nanswers);
	printf("ui.check_answers_draw_cmds %zu cmds\n", ncmds);
	printf("ui.check_answers_text_runs %zu runs\n", ntext);
	printf("ui.check_answers_fill_mpix %.2f Mpx\n", fill / 1e6);
	printf("ui.frame_cold_ms %.2f ms\n", support_percentile(cold, COLD_RUNS, 50) / 1000);
	printf("ui.frame_ms_p50 %.3f ms\n", support_percentile(p50, WARM_RUNS, 50) / 1000);
	printf("ui.frame_ms_p99 %.3f ms\n", support_percentile(p99, WARM_RUNS, 50) / 1000);
	printf("ui.layout_ms_p50 %.3f ms\n", support_percentile(lay50, WARM_RUNS, 50) / 1000);
	printf("ui.render_ms_p50 %.3f ms\n", support_percentile(ren50, WARM_RUNS, 50) / 1000);
	free(l.answers);
	journey_destroy(j);
	return 0;
}
