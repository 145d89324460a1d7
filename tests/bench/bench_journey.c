/* Benchmarks for the journey engine: loading and checking each bundled
 * journey (parse, meaning, every path), and walking one citizen's session
 * from the first question to the record. Prints "name value unit" rows;
 * medians of repeated runs, since the machines are shared and noisy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "support.h"
#include "core/paths.h"
#include "core/session.h"
#include "platform/platform.h"

#define RUNS 21

static const struct cdate today = {2026, 6, 15};

struct walk_cost {
	const struct journey *j;
	size_t paths;
	double total_us;
};

/* Drives a session along one path and submits: what a kiosk does for a
 * citizen, less the screen. */
static bool walk(void *user, const struct journey_path *p)
{
	struct walk_cost *w = user;
	double t0 = support_now_us();
	struct session *s = session_create(w->j, &today);
	for (size_t i = 0; s && i < p->n; i++) {
		const struct journey_step *st = &w->j->steps[p->steps[i].step];
		if (st->stop || st->kind == STEP_CHECK_ANSWERS)
			break;
		const struct answer *a = p->steps[i].answer;
		if (session_continue(s, a ? (const char *const *)a->parts : NULL,
				     a ? a->nparts : 0) != HATCH_OK)
			abort();
	}
	if (s && !p->stopped) {
		struct session_meta meta = {"0b7e3c1e-4a5f-4d2b-9c1a-7a6f2b1c9d3e",
					    "K7QM-2D9X-J", "en", false, NULL, 1781524800};
		char *record;
		if (session_submit(s, &meta, &record) != HATCH_OK)
			abort();
		mem_free_wiped(record);
	}
	session_destroy(s);
	w->total_us += support_now_us() - t0;
	w->paths++;
	return true;
}

int main(void)
{
	char dir[4096];
	struct hatch_error e;
	if (platform_assets_dir(dir, sizeof dir - 16, &e) != HATCH_OK) {
		fprintf(stderr, "bench_journey: %s\n", e.msg);
		return 1;
	}
	strncat(dir, "/journeys", sizeof dir - strlen(dir) - 1);
	char **files;
	size_t n;
	if (platform_list_dir(dir, ".json", &files, &n, &e) != HATCH_OK) {
		fprintf(stderr, "bench_journey: %s\n", e.msg);
		return 1;
	}
	double all_load[RUNS] = {0}, per_path[RUNS];
	for (size_t i = 0; i < n; i++) {
		char *data;
		size_t len;
		if (platform_read_file(files[i], JOURNEY_MAX_BYTES, &data, &len, &e) != HATCH_OK)
			return 1;
		double load[RUNS];
		struct journey *j = NULL;
		for (int r = 0; r < RUNS; r++) {
			struct journey_diags d;
			journey_diags_init(&d);
			journey_destroy(j);
			double t0 = support_now_us();
			if (journey_load(data, len, &today, &j, &d) != HATCH_OK)
				return 1;
			load[r] = support_now_us() - t0;
			all_load[r] += load[r];
			journey_diags_cleanup(&d);
		}
		for (int r = 0; r < RUNS; r++) {
			struct walk_cost w = {j, 0, 0};
			struct journey_paths_result res;
			if (journey_paths(j, &today, 1000000, walk, &w, NULL, &res) != HATCH_OK)
				return 1;
			mem_free(res.reached);
			per_path[r] = w.total_us / (double)w.paths;
		}
		printf("journey.load_check_us.%s %.0f us\n", j->id, support_percentile(load, RUNS, 50));
		printf("journey.session_walk_us.%s %.1f us\n", j->id, support_percentile(per_path, RUNS, 50));
		journey_destroy(j);
		mem_free(data);
	}
	printf("journey.load_check_all_ms %.2f ms\n", support_percentile(all_load, RUNS, 50) / 1000);
	platform_list_free(files, n);
	return 0;
}
