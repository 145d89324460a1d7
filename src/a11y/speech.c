/* Speech output with espeak-ng in its synchronous mode, on a thread of its
 * own: a11y_speak only queues (under a mutex, with a copy of the text) and
 * the thread makes each utterance's sound, handing it to the output
 * callback chunk by chunk as espeak-ng makes it. An interrupt bumps a
 * generation counter that espeak-ng's synth callback checks before each
 * chunk: when it has moved on, the callback returns 1 and espeak-ng stops
 * that utterance. espeak-ng is only ever called on the speech thread (and
 * around it, in create and destroy), since its state is global.
 * Never logs what is said. Depends on base/ and libespeak-ng; no SDL. */
#include <espeak-ng/espeak_ng.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "a11y/speech.h"
#include "base/mem.h"

/* Milliseconds of sound espeak-ng makes between calls of the synth
 * callback: short enough that an interrupt or a shutdown cuts in quickly
 * (also under an emulator, where making sound is slow), long enough not to
 * call the output for every few samples. */
#define SPEECH_CHUNK_MS 50

/* Voice names remembered as reported missing, so each is reported once. */
#define SPEECH_MAX_REPORTED 8
#define SPEECH_VOICE_SIZE 32

struct utterance {
	struct utterance *next;
	char voice[SPEECH_VOICE_SIZE]; /* "" for the fallback */
	char *text;
	size_t len;
};

struct a11y_speech {
	struct a11y_speech_options o;
	int rate; /* samples a second */

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the thread: something to do */
	pthread_cond_t idle; /* waiters: the thread has nothing to do */
	/* Under LOCK. */
	struct utterance *head, *tail;
	size_t queued;
	bool stop, flush_pending, busy;

	/* Bumped under LOCK by an interrupt and by destroy; read without it
	 * by the synth callback. */
	atomic_uint gen;

	/* The speech thread's own. */
	unsigned speaking_gen; /* the generation of the utterance being made */
	char voice[SPEECH_VOICE_SIZE]; /* the voice asked for last ("": the fallback) */
	bool voice_chosen;             /* VOICE is espeak-ng's voice now */
	char reported[SPEECH_MAX_REPORTED][SPEECH_VOICE_SIZE];
	size_t nreported;
	bool synth_failed_reported;
};

/* espeak-ng's synth callback takes no user pointer of ours, and there is
 * one espeak-ng per process: the speech output running, or NULL. */
static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static struct a11y_speech *active;

static void utterance_free(struct utterance *u)
{
	if (!u)
		return;
	mem_wipe(u->text, u->len);
	mem_free(u->text);
	mem_free(u);
}

/* Under LOCK. */
static void drop_queued(struct a11y_speech *sp)
{
	while (sp->head) {
		struct utterance *u = sp->head;
		sp->head = u->next;
		utterance_free(u);
	}
	sp->tail = NULL;
	sp->queued = 0;
}

static void report(struct a11y_speech *sp, const char *problem)
{
	if (sp->o.report)
		sp->o.report(sp->o.user, problem);
}

static int synth_callback(short *wav, int n, espeak_EVENT *events)
{
	(void)events;
	struct a11y_speech *sp = active;
	if (!sp || atomic_load(&sp->gen) != sp->speaking_gen)
		return 1; /* interrupted or shutting down: stop this utterance */
	if (wav && n > 0)
		sp->o.out(sp->o.user, (const int16_t *)wav, (size_t)n, sp->rate);
	return 0;
}

/* Whether NAME was reported missing already; remembers it if not. */
static bool reported_before(struct a11y_speech *sp, const char *name)
{
	for (size_t i = 0; i < sp->nreported; i++)
		if (!strcmp(sp->reported[i], name))
			return true;
	if (sp->nreported < SPEECH_MAX_REPORTED)
		snprintf(sp->reported[sp->nreported++], SPEECH_VOICE_SIZE, "%s", name);
	return false;
}

/* Sets the voice NAME: a voice's own name or file ("gmw/en"), else the
 * best voice for NAME as a language ("en-gb", which is a language of
 * espeak-ng's but no voice's name), as espeak-ng's own -v does. */
static bool set_voice(const char *name)
{
	if (espeak_ng_SetVoiceByName(name) == ENS_OK)
		return true;
	espeak_VOICE v;
	memset(&v, 0, sizeof v);
	v.languages = name;
	return espeak_ng_SetVoiceByProperties(&v) == ENS_OK;
}

/* Chooses VOICE ("" for the fallback) unless it is the one chosen last,
 * falling back to English when it is missing. Voice names are ours (the
 * languages table), never a citizen's text, so they may be reported. */
static void choose_voice(struct a11y_speech *sp, const char *voice)
{
	if (sp->voice_chosen && !strcmp(sp->voice, voice))
		return;
	snprintf(sp->voice, sizeof sp->voice, "%s", voice);
	sp->voice_chosen = true;
	if (*voice && set_voice(voice)) {
		espeak_ng_SetParameter(espeakRATE, sp->o.words_per_minute, 0);
		return;
	}
	if (*voice && !reported_before(sp, voice)) {
		char msg[128];
		snprintf(msg, sizeof msg, "the espeak-ng voice \"%s\" is missing; English is used",
			 voice);
		report(sp, msg);
	}
	if (!set_voice(A11Y_SPEECH_FALLBACK_VOICE) && !set_voice("en") &&
	    !reported_before(sp, "en")) {
		report(sp, "the espeak-ng English voice is missing too");
	}
	espeak_ng_SetParameter(espeakRATE, sp->o.words_per_minute, 0);
}

static void say(struct a11y_speech *sp, const struct utterance *u)
{
	choose_voice(sp, u->voice);
	/* Not SSML: a typed "<" is a character to say, not markup. */
	espeak_ng_STATUS st = espeak_ng_Synthesize(u->text, u->len + 1, 0, POS_CHARACTER, 0,
						   espeakCHARS_UTF8 | espeakENDPAUSE, NULL, NULL);
	if (st != ENS_OK && st != ENS_SPEECH_STOPPED && !sp->synth_failed_reported) {
		char why[96], msg[160];
		espeak_ng_GetStatusCodeMessage(st, why, sizeof why);
		snprintf(msg, sizeof msg, "espeak-ng could not make speech: %s", why);
		report(sp, msg);
		sp->synth_failed_reported = true;
	}
}

static void *speech_main(void *arg)
{
	struct a11y_speech *sp = arg;
	pthread_mutex_lock(&sp->lock);
	for (;;) {
		while (!sp->stop && !sp->head && !sp->flush_pending) {
			sp->busy = false;
			pthread_cond_broadcast(&sp->idle);
			pthread_cond_wait(&sp->wake, &sp->lock);
		}
		if (sp->stop)
			break;
		sp->busy = true;
		if (sp->flush_pending) {
			/* After the interrupted utterance's last chunk, on this
			 * thread: nothing of it can reach the output later. */
			sp->flush_pending = false;
			pthread_mutex_unlock(&sp->lock);
			if (sp->o.flush)
				sp->o.flush(sp->o.user);
			pthread_mutex_lock(&sp->lock);
			continue;
		}
		struct utterance *u = sp->head;
		sp->head = u->next;
		if (!sp->head)
			sp->tail = NULL;
		sp->queued--;
		sp->speaking_gen = atomic_load(&sp->gen);
		pthread_mutex_unlock(&sp->lock);
		say(sp, u);
		utterance_free(u);
		pthread_mutex_lock(&sp->lock);
	}
	sp->busy = false;
	pthread_cond_broadcast(&sp->idle);
	pthread_mutex_unlock(&sp->lock);
	return NULL;
}

/* espeak-ng, started once for the process and left running: 1.51 hangs
 * in espeak_ng_Terminate after a second espeak_ng_Initialize (its queue
 * thread's state is not reset), so an output that stops leaves it idle
 * for the next. Under ACTIVE_LOCK. */
static bool espeak_started;
static espeak_ng_STATUS espeak_status;
static int espeak_rate;

static enum hatch_err espeak_start(const char *data_path, struct hatch_error *e)
{
	if (!espeak_started) {
		espeak_ng_ERROR_CONTEXT ctx = NULL;
		espeak_ng_InitializePath(data_path);
		espeak_status = espeak_ng_Initialize(&ctx);
		espeak_ng_ClearErrorContext(&ctx);
		if (espeak_status == ENS_OK)
			espeak_status = espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS,
								   SPEECH_CHUNK_MS, NULL);
		if (espeak_status == ENS_OK) {
			espeak_rate = espeak_ng_GetSampleRate();
			espeak_SetSynthCallback(synth_callback);
		}
		espeak_started = true;
	}
	if (espeak_status != ENS_OK) {
		char why[160];
		espeak_ng_GetStatusCodeMessage(espeak_status, why, sizeof why);
		return err_set(e, HATCH_ERR_IO, "speech: espeak-ng cannot start: %s", why);
	}
	return HATCH_OK;
}

enum hatch_err a11y_speech_create(const struct a11y_speech_options *o, struct a11y_speech **out,
				  struct hatch_error *e)
{
	*out = NULL;
	if (!o->out)
		return err_set(e, HATCH_ERR_STATE, "speech: no output");
	struct a11y_speech *sp = mem_calloc(1, sizeof *sp);
	if (!sp)
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	sp->o = *o;
	if (!sp->o.words_per_minute)
		sp->o.words_per_minute = A11Y_SPEECH_RATE_DEFAULT;
	if (sp->o.words_per_minute < espeakRATE_MINIMUM)
		sp->o.words_per_minute = espeakRATE_MINIMUM;
	if (sp->o.words_per_minute > espeakRATE_MAXIMUM)
		sp->o.words_per_minute = espeakRATE_MAXIMUM;
	atomic_init(&sp->gen, 0);

	pthread_mutex_lock(&active_lock);
	if (active) {
		pthread_mutex_unlock(&active_lock);
		mem_free(sp);
		return err_set(e, HATCH_ERR_STATE, "speech: another speech output is running");
	}
	enum hatch_err rc = espeak_start(o->data_path, e);
	if (rc == HATCH_OK)
		active = sp;
	pthread_mutex_unlock(&active_lock);
	if (rc != HATCH_OK) {
		mem_free(sp);
		return rc;
	}
	sp->rate = espeak_rate;
	/* VOICE_CHOSEN is false: the first utterance sets its voice and this
	 * output's rate, whatever an earlier output left in espeak-ng. */

	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->wake, NULL);
	pthread_cond_init(&sp->idle, NULL);
	if (pthread_create(&sp->thread, NULL, speech_main, sp) != 0) {
		pthread_cond_destroy(&sp->idle);
		pthread_cond_destroy(&sp->wake);
		pthread_mutex_destroy(&sp->lock);
		pthread_mutex_lock(&active_lock);
		active = NULL;
		pthread_mutex_unlock(&active_lock);
		mem_free(sp);
		return err_set(e, HATCH_ERR_NOMEM, "speech: no thread");
	}
	*out = sp;
	return HATCH_OK;
}

void a11y_speech_destroy(struct a11y_speech *sp)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->lock);
	sp->stop = true;
	atomic_fetch_add(&sp->gen, 1);
	drop_queued(sp);
	pthread_cond_signal(&sp->wake);
	pthread_mutex_unlock(&sp->lock);
	pthread_join(sp->thread, NULL);
	pthread_cond_destroy(&sp->idle);
	pthread_cond_destroy(&sp->wake);
	pthread_mutex_destroy(&sp->lock);
	pthread_mutex_lock(&active_lock);
	active = NULL;
	pthread_mutex_unlock(&active_lock);
	mem_free(sp);
}

int a11y_speech_rate(const struct a11y_speech *sp)
{
	return sp->rate;
}

/* The length of TEXT cut to at most MAX bytes, at a character boundary. */
static size_t cut_utf8(const char *text, size_t max)
{
	size_t n = strnlen(text, max + 1);
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
		n--;
	return n;
}

void a11y_speak(struct a11y_speech *sp, const char *voice, const char *text, bool interrupt)
{
	if (!sp || !text)
		return;
	struct utterance *u = NULL;
	if (*text) {
		u = mem_calloc(1, sizeof *u);
		if (u) {
			u->len = cut_utf8(text, A11Y_SPEECH_MAX_TEXT);
			u->text = mem_strndup(text, u->len);
			if (!u->text) {
				mem_free(u);
				u = NULL;
			} else if (voice && strlen(voice) < sizeof u->voice) {
				memcpy(u->voice, voice, strlen(voice) + 1);
			}
		}
	}
	pthread_mutex_lock(&sp->lock);
	if (interrupt) {
		drop_queued(sp);
		atomic_fetch_add(&sp->gen, 1);
		sp->flush_pending = true;
	}
	if (u) {
		if (sp->queued == A11Y_SPEECH_MAX_QUEUED) {
			struct utterance *old = sp->head;
			sp->head = old->next;
			if (!sp->head)
				sp->tail = NULL;
			sp->queued--;
			utterance_free(old);
		}
		if (sp->tail)
			sp->tail->next = u;
		else
			sp->head = u;
		sp->tail = u;
		sp->queued++;
	}
	if (u || interrupt)
		pthread_cond_signal(&sp->wake);
	pthread_mutex_unlock(&sp->lock);
}

bool a11y_speech_wait_idle(struct a11y_speech *sp, long timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sp->lock);
	int rc = 0;
	while (rc == 0 && (sp->busy || sp->head || sp->flush_pending))
		rc = pthread_cond_timedwait(&sp->idle, &sp->lock, &until);
	bool idle = !sp->busy && !sp->head && !sp->flush_pending;
	pthread_mutex_unlock(&sp->lock);
	return idle;
}
