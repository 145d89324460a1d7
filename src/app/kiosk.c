/* hatch run and hatch screenshot: the kiosk on a display, and any screen
 * of it rendered to PNG without one. Wires the screens (ui/) to the display
 * (sdl/) and the citizen's submission to the outbox (store/). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "app/submit.h"
#include "a11y/speech.h"
#include "base/mem.h"
#include "core/answer.h"
#include "core/reference.h"
#include "i18n/i18n.h"
#include "platform/config.h"
#include "platform/platform.h"
#include "sdl/audio.h"
#include "sdl/sdl.h"
#include "app/bundle.h"
#include "app/doctor.h"
#include "app/provision.h"
#include "platform/log.h"
#include "platform/watchdog.h"
#include "store/events.h"
#include "store/events_summary.h"
#include "store/gazetteer.h"
#include "store/staff.h"
#include "sync/fleet.h"
#include "store/store.h"
#include "sync/sync.h"
#include "ui/ui.h"

struct kiosk {
	struct config cfg;
	char assets[4096];
	struct journey **journeys;
	size_t njourneys;
	struct ui_language languages[16];
	struct i18n *i18n;        /* the catalogs; NULL: English only */
	struct ui_config ucfg;
	struct store *store;      /* NULL for screenshots */
	struct gaz *gaz;          /* the council's addresses; NULL: typed in */

	/* Signed journey bundles: where they are installed ("" when the
	 * journeys were given on the command line), the version in use (0:
	 * none, the bundled journeys), and the fetching thread. */
	char bundles[4096];
	long long bundle_version;
	struct bundle_updater *updater;
	pthread_t upd_thread;
	bool upd_running, upd_stop;
	pthread_mutex_t upd_lock;
	pthread_cond_t upd_cond;
	const char *config_path;  /* NULL: the built-in settings */
	const char *db_path;

	/* The technician's checks (hatch doctor's), run on a thread of their
	 * own when the technician's screen asks, the view woken when done. */
	pthread_mutex_t doc_lock;
	bool doc_lock_made, doc_running, doc_joinable;
	pthread_t doc_thread;
	struct doctor_report *doc;
	/* The device's identity for enrolment (provisioned devices only). */
	struct provision_identity identity;
	struct ui *ui;
	struct sdl_view *view;
	/* Speech output (hatch run): espeak-ng's sound to the audio device.
	 * NULL when either cannot start: the kiosk works on, silent. */
	struct a11y_speech *speech;
	struct sdl_audio *audio;
	bool speech_tried;        /* started, or found impossible, once */
	FILE *trace;
	struct cdate fixed_today;  /* screenshots: a given date, else the clock */

	/* The delivery worker: its own thread, sharing the store's one
	 * connection, woken early when a submission is saved. */
	struct sync *sync;
	pthread_t sync_thread;
	bool sync_running, sync_stop, sync_wake;
	/* Anonymous usage events: recorded by the screen, written, rolled up
	 * and sent by the worker thread. */
	struct events *events;
	int events_day;          /* the last day rolled up */
	/* The fleet's heartbeat and metrics file ([fleet]); NULL: neither. */
	struct fleet *fleet;
	pthread_mutex_t sync_lock;
	pthread_cond_t sync_cond;
};

/* The longest the worker sleeps between drains. */
#define KIOSK_SYNC_POLL_SECONDS 30
/* How often an idle kiosk looks for a journey bundle installed by another
 * program (hatch journeys install): a stat, twice a minute. */
#define KIOSK_BUNDLE_LOOK_MS 30000

/* The worker's share of the usage events: what the screen recorded is
 * written, past days are rolled up into their figures once a day (and at
 * start), and days not yet sent go to the [stats] destination. */
static void events_work(struct kiosk *k)
{
	struct hatch_error e = {""};
	if (!k->events)
		return;
	if (events_flush(k->events, NULL, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
	long long now = platform_now();
	int today = events_day_of(now);
	if (today == k->events_day)
		return;
	struct events_rollup_stats rs = {0};
	if (events_rollup(k->events, now, (unsigned)k->cfg.stats_retention_days, &rs, &e) != HATCH_OK) {
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
		return;
	}
	k->events_day = today;
	size_t sent = 0;
	if (k->cfg.stats_destination[0] &&
	    events_outbox_catch_up(k->store, k->cfg.stats_destination,
				   (unsigned)k->cfg.stats_threshold, now, &sent, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
	log_msg(LOG_LEVEL_INFO, "events",
		"rolled up %zu days (%zu events), purged %zu, %zu days queued for %s", rs.days,
		rs.events, rs.purged, sent,
		k->cfg.stats_destination[0] ? k->cfg.stats_destination : "no destination");
}

static void *sync_main(void *arg)
{
	struct kiosk *k = arg;
	pthread_mutex_lock(&k->sync_lock);
	while (!k->sync_stop) {
		pthread_mutex_unlock(&k->sync_lock);
		struct sync_stats st = {0};
		struct hatch_error e = {""};
		events_work(k);
		if (k->sync && sync_drain(k->sync, platform_now(), &st, &e) != HATCH_OK)
			fprintf(stderr, "hatch: delivery: %s\n", e.msg);
		/* The heartbeat and the metrics file, when due. */
		struct fleet_tick_report fr = {0};
		if (k->fleet && fleet_tick(k->fleet, k->store, &k->cfg, HATCH_VERSION, platform_now(),
					   &fr, &e) != HATCH_OK)
			log_msg(LOG_LEVEL_WARNING, "fleet", "%s", e.msg);
		long long wait = KIOSK_SYNC_POLL_SECONDS;
		if (st.next_attempt && st.next_attempt - platform_now() < wait)
			wait = st.next_attempt - platform_now();
		if (fr.next && fr.next - platform_now() < wait)
			wait = fr.next - platform_now();
		if (wait < 1)
			wait = 1;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)wait;
		pthread_mutex_lock(&k->sync_lock);
		while (!k->sync_stop && !k->sync_wake &&
		       pthread_cond_timedwait(&k->sync_cond, &k->sync_lock, &until) == 0)
			;
		k->sync_wake = false;
	}
	pthread_mutex_unlock(&k->sync_lock);
	return NULL;
}

/* Starts the worker thread: the usage events always, and delivery when the
 * configuration names destinations (a kiosk with none keeps its
 * submissions queued until one is configured). */
static void sync_start(struct kiosk *k)
{
	struct hatch_error e = {""};
	size_t recovered = 0;
	if (k->cfg.ndestinations &&
	    (store_recover_sending(k->store, &recovered, &e) != HATCH_OK ||
	     sync_create(&k->cfg, k->store, &k->sync, &e) != HATCH_OK)) {
		fprintf(stderr, "hatch: delivery cannot start: %s\n", e.msg);
		sync_destroy(k->sync);
		k->sync = NULL;
	}
	if ((k->cfg.fleet.heartbeat.url[0] || k->cfg.fleet.metrics_file[0]) &&
	    fleet_create(&k->fleet, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "fleet", "no heartbeat or metrics: %s", e.msg);
	pthread_mutex_init(&k->sync_lock, NULL);
	pthread_cond_init(&k->sync_cond, NULL);
	k->sync_running = pthread_create(&k->sync_thread, NULL, sync_main, k) == 0;
	if (!k->sync_running) {
		fprintf(stderr, "hatch: delivery cannot start: no thread\n");
		pthread_cond_destroy(&k->sync_cond);
		pthread_mutex_destroy(&k->sync_lock);
	}
}

static void sync_nudge(struct kiosk *k)
{
	if (!k->sync_running)
		return;
	pthread_mutex_lock(&k->sync_lock);
	k->sync_wake = true;
	pthread_cond_signal(&k->sync_cond);
	pthread_mutex_unlock(&k->sync_lock);
}

static void sync_stop(struct kiosk *k)
{
	if (k->sync_running) {
		pthread_mutex_lock(&k->sync_lock);
		k->sync_stop = true;
		pthread_cond_signal(&k->sync_cond);
		pthread_mutex_unlock(&k->sync_lock);
		pthread_join(k->sync_thread, NULL);
		pthread_cond_destroy(&k->sync_cond);
		pthread_mutex_destroy(&k->sync_lock);
		k->sync_running = false;
	}
	sync_destroy(k->sync);
	k->sync = NULL;
	fleet_destroy(k->fleet);
	k->fleet = NULL;
	/* What the screen recorded last is written before the store goes. */
	struct hatch_error e = {""};
	if (k->events && events_flush(k->events, NULL, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
	events_destroy(k->events);
	k->events = NULL;
}

static struct cdate host_today(void *user)
{
	struct kiosk *k = user;
	return k->fixed_today.year ? k->fixed_today : platform_today();
}

/* Saves the session's record in the outbox, durably, before the citizen is
 * told it was sent. Nothing personal goes to the log. */
static enum hatch_err host_submit(void *user, struct session *s, const char *language,
				  char *reference)
{
	struct kiosk *k = user;
	struct hatch_error e = {""};
	if (!k->store) {
		/* A screenshot saves nothing; its reference is always the same,
		 * so that pictures of the confirmation can be compared. */
		reference_make(1, 0, reference);
		return HATCH_OK;
	}
	enum hatch_err rc =
		app_submit(k->store, &k->cfg, s, language, ui_staff_id(k->ui), reference, &e);
	if (rc != HATCH_OK) {
		fprintf(stderr, "hatch: a submission could not be saved: %s\n", e.msg);
		return rc;
	}
	sync_nudge(k);
	return HATCH_OK;
}

/* Program and journey text in the language the citizen chose. */
static const char *host_text(void *user, const char *english)
{
	struct kiosk *k = user;
	return i18n_text(i18n_catalog(k->i18n, k->ui ? ui_language(k->ui) : NULL), english);
}

static const char *host_ntext(void *user, const char *singular, const char *plural,
			      unsigned long n)
{
	struct kiosk *k = user;
	return i18n_ntext(i18n_catalog(k->i18n, k->ui ? ui_language(k->ui) : NULL), singular,
			  plural, n);
}

static void speech_start(struct kiosk *k);

/* What the screens say, in the voice of the language shown. Speech and the
 * audio device start the first time a citizen turns speech on: a kiosk
 * nobody asks to speak never opens one. */
static void host_speak(void *user, const char *language, const char *text, bool interrupt)
{
	struct kiosk *k = user;
	if (!k->speech && !k->speech_tried) {
		k->speech_tried = true;
		speech_start(k);
	}
	if (!k->speech)
		return;
	const struct i18n_language *l = i18n_language(language);
	a11y_speak(k->speech, l ? l->voice : NULL, text, interrupt);
}

/* The address step's finder, over the kiosk's gazetteer. */
static enum hatch_err host_find_address(void *user, const char *query, bool by_text,
					struct ui_address *out, size_t max, size_t *n)
{
	struct kiosk *k = user;
	return app_find_address(k->gaz, query, by_text, out, max, n);
}

/* Opens the gazetteer at PATH (or beside the database DB) for the
 * address step. None there is no error: addresses are typed in. */
static void open_gazetteer(struct kiosk *k, const char *path, const char *db)
{
	struct hatch_error e = {""};
	char def[4096];
	if (!path) {
		if (!db || gaz_default_path(db, def, sizeof def, &e) != HATCH_OK)
			return;
		path = def;
	}
	enum hatch_err rc = gaz_open(path, &k->gaz, &e);
	if (rc == HATCH_ERR_NOTFOUND)
		fprintf(stderr, "hatch: no gazetteer at %s: addresses are typed in (see hatch gazetteer import)\n",
			path);
	else if (rc != HATCH_OK)
		fprintf(stderr, "hatch: %s: addresses are typed in\n", e.msg);
}

/* ---- staff ---- */

static enum ui_staff_verdict staff_sign_in(void *user, const char *id, const char *pin,
					   long *retry_after)
{
	struct kiosk *k = user;
	struct hatch_error e = {""};
	enum staff_verdict v = STAFF_WRONG;
	long long wait = 0;
	enum hatch_err rc = staff_check(k->store, id, pin, platform_now(), &v, &wait, NULL, 0, &e);
	if (rc != HATCH_OK && rc != HATCH_ERR_INPUT)
		fprintf(stderr, "hatch: staff sign-in: %s\n", e.msg);
	*retry_after = (long)wait;
	return rc == HATCH_OK && v == STAFF_OK ? UI_STAFF_OK
	       : v == STAFF_LOCKED		 ? UI_STAFF_LOCKED
						 : UI_STAFF_WRONG;
}

static void staff_figures(struct kiosk *k, struct ui_dashboard *out);

static void staff_dashboard(void *user, struct ui_dashboard *out)
{
	struct kiosk *k = user;
	struct hatch_error e = {""};
	struct store_destination_stats *v = NULL;
	size_t n = 0;
	long long now = platform_now();
	if (store_destination_stats(k->store, &v, &n, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: staff dashboard: %s\n", e.msg);
		out->unreadable = true;
	}
	for (size_t i = 0; i < n && out->ndest < UI_DASH_ROWS; i++) {
		struct ui_outbox_row *r = &out->dest[out->ndest++];
		snprintf(r->destination, sizeof r->destination, "%s", v[i].destination);
		r->queued = (long)v[i].counts[STORE_QUEUED];
		r->sending = (long)v[i].counts[STORE_SENDING];
		r->dead = (long)v[i].counts[STORE_DEAD];
		r->oldest_minutes = v[i].oldest_waiting ? (long)((now - v[i].oldest_waiting) / 60) : -1;
		out->dead_total += r->dead;
	}
	mem_free(v);
	/* The dead ones come first among those waiting. */
	struct store_outbox_row *rows = NULL;
	if (out->dead_total &&
	    store_outbox_waiting(k->store, UI_DASH_ROWS, &rows, &n, &e) == HATCH_OK) {
		for (size_t i = 0; i < n && out->ndead < UI_DASH_ROWS; i++) {
			if (strcmp(rows[i].state, "dead"))
				continue;
			struct ui_dead_row *d = &out->dead[out->ndead++];
			snprintf(d->reference, sizeof d->reference, "%s", rows[i].reference);
			snprintf(d->destination, sizeof d->destination, "%s", rows[i].destination);
			snprintf(d->reason, sizeof d->reason, "%s", rows[i].last_error);
		}
		mem_free(rows);
	}
	staff_figures(k, out);
}

static void period_fill(struct kiosk *k, int from, int to, struct ui_period *p)
{
	struct events_summary sum;
	struct hatch_error e = {""};
	if (events_summary(k->store, from, to, &sum, &e) != HATCH_OK) {
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
		return;
	}
	for (size_t i = 0; i < sum.njourneys && p->njourneys < UI_FIGURE_ROWS; i++) {
		struct ui_figure_row *r = &p->journeys[p->njourneys++];
		snprintf(r->journey, sizeof r->journey, "%s", sum.journeys[i].journey);
		r->a = sum.journeys[i].started;
		r->b = sum.journeys[i].completed;
	}
	for (size_t i = 0; i < sum.ndropoffs && p->ndropoffs < UI_FIGURE_ROWS; i++) {
		struct ui_figure_row *r = &p->dropoffs[p->ndropoffs++];
		snprintf(r->journey, sizeof r->journey, "%s", sum.dropoffs[i].journey);
		snprintf(r->step, sizeof r->step, "%s", sum.dropoffs[i].step);
		r->a = sum.dropoffs[i].abandoned;
	}
}

/* Today's and the week's figures, with what the screen recorded last. */
static void staff_figures(struct kiosk *k, struct ui_dashboard *out)
{
	struct hatch_error e = {""};
	if (k->events && events_flush(k->events, NULL, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
	int today = events_day_of(platform_now());
	period_fill(k, today, today, &out->today);
	period_fill(k, events_day_add(today, -6), today, &out->week);
}

static long staff_retry(void *user, const char *reference)
{
	struct kiosk *k = user;
	struct hatch_error e = {""};
	size_t n = 0;
	if (store_retry(k->store, reference, platform_now(), &n, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: staff retry: %s\n", e.msg);
		return -1;
	}
	sync_nudge(k);
	return (long)n;
}

static long staff_deliver_now(void *user)
{
	struct kiosk *k = user;
	if (!k->sync)
		return -1;
	/* Whatever waits for its next attempt is made due now. */
	struct hatch_error e = {""};
	struct store_outbox_row *rows = NULL;
	size_t n = 0, made = 0;
	if (store_outbox_waiting(k->store, 0, &rows, &n, &e) == HATCH_OK) {
		for (size_t i = 0; i < n; i++) {
			size_t one = 0;
			if (!strcmp(rows[i].state, "queued") &&
			    store_retry(k->store, rows[i].reference, platform_now(), &one, &e) ==
				    HATCH_OK)
				made += one;
		}
		mem_free(rows);
	}
	sync_nudge(k);
	return (long)made;
}

static void *doctor_main(void *arg)
{
	struct kiosk *k = arg;
	struct doctor_report *r = mem_calloc(1, sizeof *r);
	struct hatch_error e = {""};
	/* The checks read the outbox through a connection of their own: the
	 * kiosk's is the delivery thread's meanwhile. */
	struct doctor_options o = {k->config_path, k->db_path, k->assets, NULL, false};
	if (r && doctor_run(&o, r, &e) != HATCH_OK) {
		mem_free(r);
		r = NULL;
	}
	pthread_mutex_lock(&k->doc_lock);
	mem_free(k->doc);
	k->doc = r;
	k->doc_running = false;
	pthread_mutex_unlock(&k->doc_lock);
	sdl_view_wake(k->view);
	return NULL;
}

static long staff_checks(void *user, struct ui_check_row *out, size_t max)
{
	struct kiosk *k = user;
	long n = -1;
	pthread_mutex_lock(&k->doc_lock);
	/* Results a minute old are shown; older ones are run again. */
	if (k->doc && platform_now() - k->doc->time < 60) {
		n = 0;
		for (size_t i = 0; i < k->doc->n && (size_t)n < max; i++, n++) {
			const struct doctor_result *d = &k->doc->v[i];
			out[n].level = d->verdict == DOCTOR_OK ? 0 : d->verdict == DOCTOR_WARN ? 1 : 2;
			snprintf(out[n].name, sizeof out[n].name, "%s%s%.40s", d->check,
				 d->subject[0] ? " " : "", d->subject);
			snprintf(out[n].detail, sizeof out[n].detail, "%s", d->detail);
		}
	} else if (!k->doc_running) {
		if (k->doc_joinable)
			pthread_join(k->doc_thread, NULL);
		k->doc_joinable = false;
		k->doc_running = pthread_create(&k->doc_thread, NULL, doctor_main, k) == 0;
		k->doc_joinable = k->doc_running;
		if (!k->doc_running)
			n = 0;
	}
	pthread_mutex_unlock(&k->doc_lock);
	return n;
}

/* ---- usage events ---- */

static void events_wake(void *arg)
{
	sync_nudge(arg);
}

/* The screen's events, recorded as they happen: an append to a buffer,
 * never a wait on the database. */
static void host_event(void *user, const struct ui_event *u)
{
	struct kiosk *k = user;
	static const enum events_kind kinds[] = {
		[UI_EV_STARTED] = EVENTS_STARTED,
		[UI_EV_STEP_SHOWN] = EVENTS_STEP_SHOWN,
		[UI_EV_VALIDATION_ERROR] = EVENTS_VALIDATION_ERROR,
		[UI_EV_COMPLETED] = EVENTS_COMPLETED,
		[UI_EV_STOP_PAGE] = EVENTS_STOP_PAGE,
		[UI_EV_ABANDONED] = EVENTS_ABANDONED,
		[UI_EV_LANGUAGE] = EVENTS_LANGUAGE,
		[UI_EV_PREFERENCE] = EVENTS_PREFERENCE,
		[UI_EV_STEP_TIME] = EVENTS_STEP_TIME,
		[UI_EV_SATISFACTION] = EVENTS_SATISFACTION,
	};
	if (!k->events || (size_t)u->kind >= sizeof kinds / sizeof *kinds)
		return;
	long ms = u->duration_ms < 0 ? 0
		  : u->duration_ms > EVENTS_DURATION_MAX_MS ? EVENTS_DURATION_MAX_MS
							   : u->duration_ms;
	struct event ev = {
		.kind = kinds[u->kind],
		.journey = u->journey,
		.step = u->step,
		.field = u->field && *u->field ? u->field : NULL,
		.rule = u->rule,
		.language = u->language,
		.pref = u->pref,
		.value = u->value,
		.end = u->timeout ? EVENTS_END_TIMEOUT : EVENTS_END_CANCEL,
		.assisted = u->assisted,
		.duration_ms = ms,
		.satisfaction = u->satisfaction,
	};
	/* A refused or dropped event is counted by the recorder; the screen
	 * goes on. */
	(void)events_record(k->events, &ev, NULL);
}

/* The screens. The gazetteer and the staff's screens come with the
 * database (kiosk_ui_store). */
static int kiosk_ui(struct kiosk *k)
{
	struct ui_host host = {k,	  host_submit, host_today, {host_text, host_ntext, k},
			       host_speak, k->gaz ? host_find_address : NULL};
	k->ui = ui_create(&k->ucfg, &host, (const struct journey *const *)k->journeys,
			  k->njourneys);
	if (!k->ui) {
		fprintf(stderr, "hatch: out of memory\n");
		return 1;
	}
	return 0;
}

/* The identity the technician's screen shows: that of a provisioned
 * device, whose key is beside its configuration file. */
static void load_identity(struct kiosk *k)
{
	char key[4096];
	struct hatch_error e = {""};
	if (!k->config_path || !k->cfg.device_id[0] ||
	    provision_identity_path(k->config_path, key, sizeof key, &e) != HATCH_OK)
		return;
	enum hatch_err rc = provision_identity_get(key, k->cfg.device_id, k->cfg.council,
						   &k->identity, &e);
	if (rc != HATCH_OK && rc != HATCH_ERR_NOTFOUND)
		log_msg(LOG_LEVEL_WARNING, "kiosk", "the device identity cannot be shown: %s", e.msg);
}

/* Once the database is open: the gazetteer beside it and the staff's
 * screens. */
/* What the screens get from the database's side: events, the finder and
 * the staff's screens (again after a new bundle's screens are made). */
static void kiosk_ui_attach(struct kiosk *k)
{
	ui_set_events(k->ui, k->events ? host_event : NULL, k);
	ui_set_finder(k->ui, k->gaz ? host_find_address : NULL);
	if (k->store) {
		struct ui_staff_host sh = {k,
					   staff_sign_in,
					   staff_dashboard,
					   staff_retry,
					   staff_deliver_now,
					   k->doc_lock_made ? staff_checks : NULL,
					   k->identity.json,
					   k->cfg.staff_entry != CONFIG_STAFF_KEYS,
					   k->cfg.staff_entry != CONFIG_STAFF_CORNER,
					   k->cfg.staff_pause,
					   k->cfg.staff_seconds};
		ui_set_staff(k->ui, &sh);
	}
}

static void kiosk_ui_store(struct kiosk *k)
{
	load_identity(k);
	struct hatch_error e = {""};
	if (events_create(k->store, 0, events_wake, k, &k->events, &e) != HATCH_OK)
		log_msg(LOG_LEVEL_WARNING, "events", "%s", e.msg);
	open_gazetteer(k, NULL, k->db_path);
	k->doc_lock_made = pthread_mutex_init(&k->doc_lock, NULL) == 0;
	kiosk_ui_attach(k);
}

/* ---- journey updates ---- */

static void *updates_main(void *arg)
{
	struct kiosk *k = arg;
	pthread_mutex_lock(&k->upd_lock);
	while (!k->upd_stop) {
		pthread_mutex_unlock(&k->upd_lock);
		/* It logs its own line; a new bundle is taken up between
		 * sessions by the main loop. */
		struct cdate today = platform_today();
		if (bundle_update(k->updater, platform_now(), &today, NULL) == BUNDLE_UPDATE_INSTALLED)
			sdl_view_wake(k->view); /* taken up on Welcome */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += bundle_updater_interval(k->updater);
		pthread_mutex_lock(&k->upd_lock);
		while (!k->upd_stop &&
		       pthread_cond_timedwait(&k->upd_cond, &k->upd_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&k->upd_lock);
	return NULL;
}

/* Fetches signed journey bundles on [updates] interval, when configured. */
static void updates_start(struct kiosk *k)
{
	struct hatch_error e = {""};
	if (!k->bundles[0])
		return;
	enum hatch_err rc = bundle_updater_create(&k->cfg, k->bundles, &k->updater, &e);
	if (rc != HATCH_OK) {
		if (rc != HATCH_ERR_NOTFOUND)
			log_msg(LOG_LEVEL_WARNING, "updates", "%s", e.msg);
		return;
	}
	pthread_mutex_init(&k->upd_lock, NULL);
	pthread_cond_init(&k->upd_cond, NULL);
	k->upd_running = pthread_create(&k->upd_thread, NULL, updates_main, k) == 0;
	if (!k->upd_running) {
		pthread_cond_destroy(&k->upd_cond);
		pthread_mutex_destroy(&k->upd_lock);
		bundle_updater_destroy(k->updater);
		k->updater = NULL;
	}
}

static void updates_stop(struct kiosk *k)
{
	if (k->upd_running) {
		pthread_mutex_lock(&k->upd_lock);
		k->upd_stop = true;
		pthread_cond_signal(&k->upd_cond);
		pthread_mutex_unlock(&k->upd_lock);
		/* A fetch under way may take its timeouts. */
		pthread_join(k->upd_thread, NULL);
		pthread_cond_destroy(&k->upd_cond);
		pthread_mutex_destroy(&k->upd_lock);
		k->upd_running = false;
	}
	bundle_updater_destroy(k->updater);
	k->updater = NULL;
}

/* A newer bundle is taken up on Welcome, with nobody's session open: its
 * journeys and catalogs replace the old, and the screens are made anew.
 * One that will not load is logged and not tried again. */
static bool updates_take_up(struct kiosk *k)
{
	if (!k->bundles[0] || ui_screen_get(k->ui) != UI_SCREEN_WELCOME || ui_session(k->ui) ||
	    ui_staff_id(k->ui) || !bundle_newer(k->bundles, k->bundle_version))
		return false;
	struct bundle_loaded b = {0};
	struct hatch_error e = {""};
	struct cdate today = platform_today();
	if (bundle_load(k->bundles, &today, stderr, &b, &e) != HATCH_OK) {
		log_msg(LOG_LEVEL_WARNING, "updates", "the new bundle cannot be used: %s", e.msg);
		k->bundle_version = bundle_installed(k->bundles);
		return false;
	}
	struct ui *old = k->ui;
	struct journey **oldj = k->journeys;
	size_t oldn = k->njourneys;
	k->journeys = b.journeys;
	k->njourneys = b.njourneys;
	if (kiosk_ui(k) != 0) {
		/* No memory for new screens: the old ones stay. */
		k->ui = old;
		k->journeys = oldj;
		k->njourneys = oldn;
		app_free_journeys(b.journeys, b.njourneys);
		i18n_close(b.i18n);
		return false;
	}
	ui_destroy(old);
	app_free_journeys(oldj, oldn);
	if (b.i18n) {
		i18n_close(k->i18n);
		k->i18n = b.i18n;
	}
	k->bundle_version = b.version;
	kiosk_ui_attach(k);
	log_msg(LOG_LEVEL_NOTICE, "updates", "journey bundle %lld in use: %zu journeys",
		b.version, k->njourneys);
	return true;
}


static void speech_out(void *user, const int16_t *pcm, size_t n, int rate)
{
	struct kiosk *k = user;
	sdl_audio_play(k->audio, pcm, n, rate);
}

static void speech_flush(void *user)
{
	struct kiosk *k = user;
	sdl_audio_flush(k->audio);
}

/* Problems of speech (never what is said) go to the log. */
static void speech_report(void *user, const char *problem)
{
	(void)user;
	fprintf(stderr, "hatch: speech: %s\n", problem);
}

/* Speech and the audio device it plays on. Without either the kiosk runs
 * silent, said once in the log. */
static void speech_start(struct kiosk *k)
{
	struct hatch_error e = {""};
	struct a11y_speech_options o = {
		.user = k, .out = speech_out, .flush = speech_flush, .report = speech_report,
	};
	if (a11y_speech_create(&o, &k->speech, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s; the kiosk is silent\n", e.msg);
		return;
	}
	if (sdl_audio_create(a11y_speech_rate(k->speech), &k->audio, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: speech: %s; the kiosk is silent\n", e.msg);
		a11y_speech_destroy(k->speech);
		k->speech = NULL;
	}
}

/* A catalog's problems, as file:line: reason; that language shows in
 * English. */
static void catalog_report(void *user, const struct i18n_problems *p)
{
	(void)user;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].line)
			fprintf(stderr, "%s:%zu: %s\n", p->v[i].file, p->v[i].line, p->v[i].reason);
		else
			fprintf(stderr, "%s: %s\n", p->v[i].file, p->v[i].reason);
	}
}

/* The catalogs of the languages offered, each read when first shown. A
 * catalog that cannot be read is reported and that language shown in
 * English: a citizen is never without a kiosk for want of a translation. */
static void load_catalogs(struct kiosk *k)
{
	char dir[4096];
	struct hatch_error e;
	if (platform_locales_dir(dir, sizeof dir, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s; every screen is in English\n", e.msg);
		return;
	}
	if (i18n_open_lazy(dir, catalog_report, k, &k->i18n, &e) != HATCH_OK)
		fprintf(stderr, "hatch: %s\n", e.msg);
}

static void kiosk_cleanup(struct kiosk *k)
{
	updates_stop(k);
	if (k->doc_lock_made) {
		pthread_mutex_lock(&k->doc_lock);
		bool join = k->doc_joinable;
		pthread_mutex_unlock(&k->doc_lock);
		/* A probe may take its timeouts: the kiosk waits for it rather
		 * than pulling the store from under it. */
		if (join)
			pthread_join(k->doc_thread, NULL);
		mem_free(k->doc);
		pthread_mutex_destroy(&k->doc_lock);
	}
	sync_stop(k);
	/* Speech feeds the audio device, which goes before SDL does. */
	a11y_speech_destroy(k->speech);
	sdl_audio_destroy(k->audio);
	ui_destroy(k->ui);
	sdl_view_destroy(k->view);
	gaz_close(k->gaz);
	store_close(k->store);
	provision_identity_cleanup(&k->identity);
	app_free_journeys(k->journeys, k->njourneys);
	i18n_close(k->i18n);
	if (k->trace && k->trace != stderr)
		fclose(k->trace);
}

/* Configuration, journeys and the screens' settings. */
/* BUNDLES: take the journeys of an installed bundle when there is one
 * (the kiosk, not a screenshot); DB: the --db given, or NULL. */
static int kiosk_setup(struct kiosk *k, const char *config_path, const char *journeys_dir,
		       bool bundles, const char *db)
{
	struct hatch_error e = {""};
	if (!app_config_read(config_path, &k->cfg))
		return 1;
	if (platform_assets_dir(k->assets, sizeof k->assets, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		return 1;
	}
	struct cdate today = platform_today();
	/* A signed bundle, when one is installed, is the council's latest
	 * word; journeys named on the command line come before it. */
	if (bundles && !journeys_dir && bundle_dir(&k->cfg, db, k->bundles, sizeof k->bundles, &e) == HATCH_OK) {
		struct bundle_loaded b = {0};
		enum hatch_err rc = bundle_load(k->bundles, &today, stderr, &b, &e);
		if (rc == HATCH_OK) {
			k->journeys = b.journeys;
			k->njourneys = b.njourneys;
			k->i18n = b.i18n;
			k->bundle_version = b.version;
		} else if (rc != HATCH_ERR_NOTFOUND) {
			log_msg(LOG_LEVEL_WARNING, "updates",
				"the installed bundle cannot be used: %s; the bundled journeys are", e.msg);
			k->bundle_version = bundle_installed(k->bundles);
		}
	}
	if (!journeys_dir && *k->cfg.journeys)
		journeys_dir = k->cfg.journeys;
	if (!k->journeys)
		app_load_journeys(journeys_dir, &today, stderr, &k->journeys, &k->njourneys);
	if (k->njourneys == 0) {
		fprintf(stderr, "hatch: no journeys to offer\n");
		return 1;
	}
	if (!k->i18n)
		load_catalogs(k);
	size_t nl = 0;
	for (size_t i = 0; i < k->cfg.nlanguages && nl < 16; i++) {
		const struct i18n_language *l = i18n_language(k->cfg.languages[i]);
		if (l)
			k->languages[nl++] = (struct ui_language){l->code, l->name, l->rtl};
	}
	k->ucfg = (struct ui_config){
		.council = k->cfg.council,
		.brand = {k->cfg.brand.r, k->cfg.brand.g, k->cfg.brand.b, 255},
		.tracking_url = *k->cfg.tracking_url ? k->cfg.tracking_url : NULL,
		.idle_seconds = k->cfg.idle_seconds,
		.warning_seconds = k->cfg.warning_seconds,
		.dpi = k->cfg.dpi,
		.languages = k->languages,
		.nlanguages = nl,
	};
	return 0;
}

static bool parse_size(const char *s, int *w, int *h)
{
	char *end;
	long a = strtol(s, &end, 10);
	if (*end != 'x' || a < 200 || a > 8000)
		return false;
	long b = strtol(end + 1, &end, 10);
	if (*end || b < 200 || b > 8000)
		return false;
	*w = (int)a;
	*h = (int)b;
	return true;
}

static const char *role_name(enum ui_role r)
{
	static const char *const names[] = {"button", "link", "textbox", "radio", "checkbox",
					    "key", "tile", "heading", "text", "alert",
					    "image", "dialog"};
	return (size_t)r < sizeof names / sizeof *names ? names[r] : "?";
}

/* For tests driving the kiosk from outside: where each widget is, written
 * atomically after every frame to $HATCH_UI_DUMP. Labels are questions and
 * button names, never answers. */
static void dump_widgets(struct kiosk *k, const char *path, unsigned long frame)
{
	char tmp[4200];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return;
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	size_t n;
	const struct ui_widget *w = ui_widgets(k->ui, &n);
	const struct session *s = ui_session(k->ui);
	static const char *const screens[] = {"welcome",	"services", "step",	  "help",
					      "settings",	"staff-sign-in", "staff", "technician"};
	fprintf(f, "{\"frame\":%lu,\"screen\":\"%s\",\"step\":\"%s\",\"focus\":%d,\"widgets\":[",
		frame, screens[ui_screen_get(k->ui)],
		s && ui_screen_get(k->ui) == UI_SCREEN_STEP ? session_step(s)->id : "",
		ui_focus(k->ui));
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"role\":\"%s\",\"action\":%d,\"arg\":%d,\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d,\"visible\":%s,\"checked\":%s,\"label\":\"",
			i ? "," : "", role_name(w[i].role), (int)w[i].action, w[i].arg, w[i].rect.x,
			w[i].rect.y, w[i].rect.w, w[i].rect.h, w[i].visible ? "true" : "false",
			w[i].checked ? "true" : "false");
		for (const char *p = ui_widget_label(k->ui, &w[i]); *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			if ((unsigned char)*p >= 0x20)
				fputc(*p, f);
		}
		fputs("\"}", f);
	}
	fputs("]}\n", f);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static const char run_help[] =
	"Usage: hatch run [--window WxH] [--config FILE] [--db FILE] [--journeys DIR]\n"
	"                 [--speech]\n"
	"\n"
	"Starts the kiosk: fullscreen on the device (KMSDRM, no desktop needed), or\n"
	"in a window of WxH pixels on a desktop. Finished submissions are saved in the\n"
	"outbox (--db, default: the data directory) before the citizen is told they\n"
	"were sent.\n"
	"\n"
	"  --window WxH     a window instead of fullscreen, e.g. 800x480\n"
	"  --config FILE    the device configuration (see docs/configuration.md)\n"
	"  --db FILE        the database (default $HATCH_DB or ~/.local/share/hatch/hatch.db)\n"
	"  --journeys DIR   journeys to offer instead of the bundled ones\n"
	"  --speech         start with speech on: pages and what is touched read aloud\n";

int cmd_run(int argc, char **argv)
{
	const char *config = NULL, *db = NULL, *dir = NULL;
	int w = 0, h = 0;
	bool windowed = false, speech = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(run_help, stdout);
			return 0;
		}
		if (!strcmp(a, "--speech")) {
			speech = true;
			continue;
		}
		bool takes = !strcmp(a, "--window") || !strcmp(a, "--config") ||
			     !strcmp(a, "--db") || !strcmp(a, "--journeys");
		if (!takes)
			return app_usage_error("run: unknown option '%s'", a);
		if (i + 1 == argc)
			return app_usage_error("run: %s needs a value", a);
		const char *v = argv[++i];
		if (!strcmp(a, "--window")) {
			if (!parse_size(v, &w, &h))
				return app_usage_error("run: --window takes WIDTHxHEIGHT, like 800x480");
			windowed = true;
		} else if (!strcmp(a, "--config")) {
			config = v;
		} else if (!strcmp(a, "--db")) {
			db = v;
		} else {
			dir = v;
		}
	}
	struct kiosk k;
	memset(&k, 0, sizeof k);
	int status = kiosk_setup(&k, config, dir, true, db);
	if (status)
		goto out;
	struct hatch_error e = {""};
	char path[4096];
	if (!(db = app_db_path(db, &k.cfg, "run", path, sizeof path))) {
		status = 1;
		goto out;
	}
	k.config_path = config;
	k.db_path = db;
	/* The log: the journal under systemd, else a file beside the
	 * database. */
	char logdir[4096];
	snprintf(logdir, sizeof logdir, "%s", db);
	char *slash = strrchr(logdir, '/');
	if (slash)
		*slash = '\0';
	log_init(slash ? logdir : ".");
	status = kiosk_ui(&k);
	if (status)
		goto out;
	struct sdl_options o = {k.assets, false, !windowed, w, h, k.cfg.council};
	if (sdl_view_create(&o, &k.view, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		status = 1;
		goto out;
	}
	if (speech) {
		struct ui_prefs p = *ui_prefs(k.ui);
		p.speech = true;
		ui_set_prefs(k.ui, &p);
	}
	const char *dump = getenv("HATCH_UI_DUMP");
	/* HATCH_TRACE=1: a line for each frame on stderr (benchmarks). */
	bool trace = getenv("HATCH_TRACE") && *getenv("HATCH_TRACE") == '1';
	bool dirty = true;
	unsigned long frame = 0;
	uint64_t input_at = 0;
	for (;;) {
		if (dirty) {
			struct timespec t0, t1, t2;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			int vw, vh;
			sdl_view_size(k.view, &vw, &vh);
			sdl_view_set_language(k.view, ui_language(k.ui));
			if (ui_layout(k.ui, vw, vh, sdl_view_metrics(k.view), sdl_view_ticks()) !=
			    HATCH_OK) {
				fprintf(stderr, "hatch: out of memory laying out the screen\n");
				status = 1;
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (sdl_view_render(k.view, ui_draw(k.ui), &e) != HATCH_OK)
				fprintf(stderr, "hatch: %s\n", e.msg);
			clock_gettime(CLOCK_MONOTONIC, &t2);
			frame++;
			if (trace) {
				long lay = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
				long ren = (t2.tv_sec - t1.tv_sec) * 1000000L + (t2.tv_nsec - t1.tv_nsec) / 1000;
				fprintf(stderr, "hatch-frame %lu layout_us=%ld render_us=%ld input_to_frame_us=%lld\n",
					frame, lay, ren,
					input_at ? (long long)(sdl_view_ticks() - input_at) * 1000 : -1LL);
				fflush(stderr);
			}
			if (dump)
				dump_widgets(&k, dump, frame);
			input_at = 0;
			dirty = false;
			/* Welcome shows first; then the database is opened (its
			 * check reads every page of a long outbox), and delivery
			 * starts. Nothing can be sent in between: Send is pages
			 * away. */
			if (!k.store) {
				if (store_open(db, &k.store, &e) != HATCH_OK) {
					fprintf(stderr, "hatch: %s\n", e.msg);
					status = 1;
					break;
				}
				kiosk_ui_store(&k);
				sync_start(&k);
				updates_start(&k);
				/* systemd: up, and from now on watched. */
				if (watchdog_ready(&e) != HATCH_OK)
					log_msg(LOG_LEVEL_WARNING, "kiosk", "%s", e.msg);
				log_msg(LOG_LEVEL_NOTICE, "kiosk", "started: %zu journeys, %zu languages",
					k.njourneys, k.ucfg.nlanguages);
			}
		}
		if (updates_take_up(&k))
			dirty = true;
		/* A screen that stops coming back here is a hung kiosk, which
		 * the watchdog restarts: the loop wakes often enough to say it
		 * is alive. */
		if (watchdog_ping(&e) != HATCH_OK)
			log_msg(LOG_LEVEL_WARNING, "kiosk", "%s", e.msg);
		struct ui_input in;
		long timeout = watchdog_cap_sleep_ms(ui_next_timer(k.ui, sdl_view_ticks()));
		/* A bundle installed by another program is looked for now and
		 * then, on Welcome: the only screen it is taken up on. */
		if (k.bundles[0] && ui_screen_get(k.ui) == UI_SCREEN_WELCOME &&
		    (timeout < 0 || timeout > KIOSK_BUNDLE_LOOK_MS))
			timeout = KIOSK_BUNDLE_LOOK_MS;
		enum sdl_event ev = sdl_view_wait(k.view, timeout, &in);
		if (ev == SDL_VIEW_QUIT)
			break;
		if (ev == SDL_VIEW_REDRAW) {
			ui_staff_refresh(k.ui);
			dirty = true;
		} else if (ev == SDL_VIEW_INPUT) {
			if (ui_handle(k.ui, &in)) {
				dirty = true;
				if (!input_at)
					input_at = in.ms;
			}
		} else if (ev == SDL_VIEW_TIMEOUT) {
			struct ui_input tick = {.kind = UI_IN_TICK, .ms = sdl_view_ticks()};
			dirty |= ui_handle(k.ui, &tick);
		}
	}
	if (k.store) {
		struct hatch_error se = {""};
		if (watchdog_stopping(&se) != HATCH_OK)
			log_msg(LOG_LEVEL_WARNING, "kiosk", "%s", se.msg);
		log_msg(LOG_LEVEL_NOTICE, "kiosk", "stopped");
	}
out:
	kiosk_cleanup(&k);
	return status;
}

static const char screenshot_help[] =
	"Usage: hatch screenshot --out FILE.png [--screen NAME | --journey ID --step ID\n"
	"                        [--answers FILE.json] [--errors]] [--size WxH] [--lang CODE]\n"
	"                        [--text-size 100|150|200] [--contrast standard|high]\n"
	"                        [--config FILE] [--gazetteer FILE]\n"
	"\n"
	"Renders one screen of the kiosk to a PNG without a display.\n"
	"\n"
	"  --screen NAME      welcome (default), services, help, settings, timeout,\n"
	"                     staff-sign-in, staff, technician or assisted (services\n"
	"                     in an assisted session)\n"
	"  --journey ID       a bundled journey, with --step ID: one of its pages\n"
	"  --errors           with --step: Continue pressed, so the page shows the\n"
	"                     errors of its answer (none given: \"There is a problem\")\n"
	"  --answers FILE     a JSON object of step id -> answer as typed (a string, or\n"
	"                     a list of strings for dates, addresses and multiple\n"
	"                     choices) that lead to the step; on an address step,\n"
	"                     its own answer as a string is looked for in the\n"
	"                     gazetteer (a postcode, or else words)\n"
	"  --gazetteer FILE   the gazetteer the address step searches (default: none,\n"
	"                     so addresses are typed in)\n"
	"  --size WxH         default 800x480\n"
	"  --lang CODE        the language chosen on Welcome\n"
	"  --text-size PCT    the citizen's text size setting (default 100)\n"
	"  --contrast THEME   standard (default) or high\n"
	"  --today YYYY-MM-DD the date the answers are checked against (default: today)\n";

/* Presses the first control that does A, as a finger would, after a
 * layout at W x H. False when the screen has none. */
static bool press(struct kiosk *k, int w, int h, enum ui_action a, uint64_t now)
{
	sdl_view_set_language(k->view, ui_language(k->ui));
	if (ui_layout(k->ui, w, h, sdl_view_metrics(k->view), now) != HATCH_OK)
		return false;
	size_t n;
	const struct ui_widget *ws = ui_widgets(k->ui, &n);
	for (size_t i = 0; i < n; i++)
		if (ws[i].action == a) {
			struct ui_input in = {.kind = UI_IN_DOWN, .x = ws[i].rect.x + ws[i].rect.w / 2,
					      .y = ws[i].rect.y + ws[i].rect.h / 2, .ms = now + 1000};
			ui_handle(k->ui, &in);
			in.kind = UI_IN_UP;
			ui_handle(k->ui, &in);
			return true;
		}
	return false;
}

int cmd_screenshot(int argc, char **argv)
{
	const char *out = NULL, *screen = "welcome", *journey = NULL, *step = NULL,
		   *answers = NULL, *lang = NULL, *config = NULL, *gazetteer = NULL, *today = NULL,
		   *text_size = NULL, *contrast = NULL;
	int w = 800, h = 480;
	bool with_errors = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (app_is_help(a)) {
			fputs(screenshot_help, stdout);
			return 0;
		}
		const char **slot = !strcmp(a, "--out")	      ? &out
				    : !strcmp(a, "--screen")  ? &screen
				    : !strcmp(a, "--journey") ? &journey
				    : !strcmp(a, "--step")    ? &step
				    : !strcmp(a, "--answers") ? &answers
				    : !strcmp(a, "--lang")    ? &lang
				    : !strcmp(a, "--config")  ? &config
				    : !strcmp(a, "--gazetteer") ? &gazetteer
				    : !strcmp(a, "--today")   ? &today
				    : !strcmp(a, "--text-size") ? &text_size
				    : !strcmp(a, "--contrast") ? &contrast
							      : NULL;
		if (!strcmp(a, "--errors")) {
			with_errors = true;
			continue;
		}
		if (!slot && strcmp(a, "--size"))
			return app_usage_error("screenshot: unknown option '%s'", a);
		if (i + 1 == argc)
			return app_usage_error("screenshot: %s needs a value", a);
		if (!slot) {
			if (!parse_size(argv[++i], &w, &h))
				return app_usage_error("screenshot: --size takes WIDTHxHEIGHT, like 800x480");
		} else {
			*slot = argv[++i];
		}
	}
	if (!out)
		return app_usage_error("screenshot: name the PNG with --out FILE");
	if (!journey != !step)
		return app_usage_error("screenshot: --journey and --step go together");
	struct ui_prefs prefs = {100, false, false, false};
	if (text_size) {
		if (strcmp(text_size, "100") && strcmp(text_size, "150") && strcmp(text_size, "200"))
			return app_usage_error("screenshot: --text-size takes 100, 150 or 200");
		prefs.text_percent = text_size[0] == '1' ? (text_size[1] == '5' ? 150 : 100) : 200;
	}
	if (contrast) {
		if (strcmp(contrast, "standard") && strcmp(contrast, "high"))
			return app_usage_error("screenshot: --contrast takes standard or high");
		prefs.high_contrast = !strcmp(contrast, "high");
	}
	struct kiosk k;
	memset(&k, 0, sizeof k);
	if (today) {
		int y, m, d;
		char tail;
		if (sscanf(today, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !cdate_valid(y, m, d))
			return app_usage_error("screenshot: --today takes a date like 2026-06-15");
		k.fixed_today = (struct cdate){y, m, d};
	}
	struct hatch_error e = {""};
	int status = kiosk_setup(&k, config, NULL, false, NULL);
	if (!status && gazetteer)
		open_gazetteer(&k, gazetteer, NULL);
	if (!status && gazetteer && !k.gaz)
		status = 1;
	if (!status)
		status = kiosk_ui(&k);
	if (status)
		goto out;
	struct sdl_options o = {k.assets, true, false, w, h, NULL};
	if (sdl_view_create(&o, &k.view, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: %s\n", e.msg);
		status = 1;
		goto out;
	}
	if (lang) {
		size_t i = 0;
		while (i < k.ucfg.nlanguages && strcmp(k.ucfg.languages[i].code, lang))
			i++;
		if (i == k.ucfg.nlanguages) {
			fprintf(stderr, "hatch: screenshot: the language \"%s\" is not offered\n", lang);
			status = 2;
			goto out;
		}
		/* Choose it as a citizen would, on Welcome. */
		ui_select_language(k.ui, lang);
	}
	ui_set_prefs(k.ui, &prefs);
	uint64_t now = 1000000;
	if (journey) {
		char *text = NULL;
		if (answers) {
			size_t len;
			if (platform_read_file(answers, 1024 * 1024, &text, &len, &e) != HATCH_OK) {
				fprintf(stderr, "%s: %s\n", answers, e.msg);
				status = 1;
				goto out;
			}
		}
		enum hatch_err rc = ui_show_step(k.ui, journey, step, text, &e);
		mem_free_wiped(text);
		if (rc != HATCH_OK) {
			fprintf(stderr, "hatch: screenshot: %s\n", e.msg);
			status = 1;
			goto out;
		}
		if (with_errors && !press(&k, w, h, UI_ACT_CONTINUE, now)) {
			fprintf(stderr, "hatch: screenshot: step %s has no Continue to press\n", step);
			status = 1;
			goto out;
		}
	} else if (!strcmp(screen, "services")) {
		ui_show_screen(k.ui, UI_SCREEN_SERVICES);
	} else if (!strcmp(screen, "help")) {
		ui_show_screen(k.ui, UI_SCREEN_HELP);
	} else if (!strcmp(screen, "settings")) {
		ui_show_screen(k.ui, UI_SCREEN_SETTINGS);
	} else if (!strcmp(screen, "staff-sign-in")) {
		ui_staff_force(k.ui, "", UI_SCREEN_STAFF_SIGN_IN);
	} else if (!strcmp(screen, "staff") || !strcmp(screen, "technician")) {
		ui_staff_force(k.ui, "demo-staff",
			       !strcmp(screen, "staff") ? UI_SCREEN_STAFF : UI_SCREEN_TECHNICIAN);
	} else if (!strcmp(screen, "assisted")) {
		ui_staff_force(k.ui, "demo-staff", UI_SCREEN_STAFF);
		press(&k, w, h, UI_ACT_STAFF_ASSIST, now);
	} else if (!strcmp(screen, "timeout")) {
		ui_show_screen(k.ui, UI_SCREEN_SERVICES);
		ui_show_timeout(k.ui, now - 7000);
	} else if (strcmp(screen, "welcome")) {
		status = app_usage_error("screenshot: unknown screen '%s'", screen);
		goto out;
	}
	sdl_view_set_language(k.view, ui_language(k.ui));
	if (ui_layout(k.ui, w, h, sdl_view_metrics(k.view), now) != HATCH_OK ||
	    sdl_view_render(k.view, ui_draw(k.ui), &e) != HATCH_OK ||
	    sdl_view_save_png(k.view, out, &e) != HATCH_OK) {
		fprintf(stderr, "hatch: screenshot: %s\n", *e.msg ? e.msg : "out of memory");
		status = 1;
	}
out:
	kiosk_cleanup(&k);
	return status;
}
