/* Unit tests for a11y/speech (espeak-ng on its own thread) and sdl/audio:
 * speech makes sound (enough samples, loud enough) for "Hello" and for a
 * sentence in every shipped language's own voice; a missing voice falls
 * back to English and is reported once, without the text; a11y_speak
 * returns at once even for a long text; an interrupt drops what was queued
 * and cuts short what was being said, then flushes the output; destroy
 * while speaking returns promptly (leaks are LeakSanitizer's, make check);
 * no memory means no speech, not a crash. The audio device, with SDL's
 * disk driver, receives the sound and is closed again when idle.
 * Texts are short: under qemu (make cross-test) espeak-ng is slow. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "a11y/speech.h"
#include "base/mem.h"
#include "i18n/i18n.h"
#include "sdl/audio.h"
#include "support.h"

/* What the speech output was given. */
struct sink {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t samples;
	double sumsq;
	int rate;
	int flushes;
	size_t after_flush; /* samples since the last flush */
	int reports;
	char report[256];
	/* When GATE: the first chunk waits in OUT until it is opened. */
	bool gate, held;
	/* When set, sound is also handed to this device. */
	struct sdl_audio *audio;
	/* When set, the sound is kept here (up to KEEP_CAP samples). */
	int16_t *keep;
	size_t keep_n, keep_cap;
};

static void sink_out(void *user, const int16_t *pcm, size_t n, int rate)
{
	struct sink *s = user;
	pthread_mutex_lock(&s->lock);
	while (s->gate) {
		s->held = true;
		pthread_cond_broadcast(&s->cond);
		pthread_cond_wait(&s->cond, &s->lock);
	}
	for (size_t i = 0; i < n; i++)
		s->sumsq += (double)pcm[i] * pcm[i];
	if (s->keep) {
		size_t room = s->keep_cap - s->keep_n;
		size_t take = n < room ? n : room;
		memcpy(s->keep + s->keep_n, pcm, take * sizeof *pcm);
		s->keep_n += take;
	}
	s->samples += n;
	s->after_flush += n;
	s->rate = rate;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	sdl_audio_play(s->audio, pcm, n, rate);
}

static void sink_flush(void *user)
{
	struct sink *s = user;
	pthread_mutex_lock(&s->lock);
	s->flushes++;
	s->after_flush = 0;
	pthread_mutex_unlock(&s->lock);
	sdl_audio_flush(s->audio);
}

static void sink_report(void *user, const char *problem)
{
	struct sink *s = user;
	pthread_mutex_lock(&s->lock);
	s->reports++;
	snprintf(s->report, sizeof s->report, "%s", problem);
	pthread_mutex_unlock(&s->lock);
}

static void sink_init(struct sink *s)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
}

static void sink_reset(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	s->samples = 0;
	s->sumsq = 0;
	s->after_flush = 0;
	pthread_mutex_unlock(&s->lock);
}

static void sink_cleanup(struct sink *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/* A square root without libm (Newton's method, plenty for a floor). */
static double root(double x)
{
	if (x <= 0)
		return 0;
	double r = x > 1 ? x / 2 : 1;
	for (int i = 0; i < 64; i++)
		r = (r + x / r) / 2;
	return r;
}

static double sink_rms(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	double rms = s->samples ? root(s->sumsq / (double)s->samples) : 0;
	pthread_mutex_unlock(&s->lock);
	return rms;
}

static struct a11y_speech *speech_new(struct sink *s)
{
	struct a11y_speech_options o = {
		.user = s, .out = sink_out, .flush = sink_flush, .report = sink_report,
	};
	struct a11y_speech *sp = NULL;
	struct hatch_error e = {""};
	enum hatch_err rc = a11y_speech_create(&o, &sp, &e);
	if (rc != HATCH_OK)
		fail_msg("a11y_speech_create: %s", e.msg);
	return sp;
}

static bool emulated(void)
{
	return getenv("HATCH_TEST_EMULATED") != NULL;
}

/* Generous bounds on waiting for speech: espeak-ng runs many times faster
 * than real time natively, and slower than it under qemu. */
static long idle_timeout_ms(void)
{
	return emulated() ? 120000 : 20000;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* A text of about SIZE bytes that would take a long time to say. */
static char *long_text(size_t size)
{
	static const char sentence[] =
		"This sentence is here to keep the speech output busy for a long while. ";
	char *t = malloc(size + 1);
	assert_non_null(t);
	size_t n = 0;
	while (n + sizeof sentence - 1 <= size) {
		memcpy(t + n, sentence, sizeof sentence - 1);
		n += sizeof sentence - 1;
	}
	t[n] = '\0';
	return t;
}

static void speech_says_hello(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	int rate = a11y_speech_rate(sp);
	assert_true(rate >= 8000 && rate <= 48000);
	a11y_speak(sp, "en-gb", "Hello", false);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	/* "Hello" lasts about half a second. */
	assert_true(s.samples > (size_t)rate / 5);
	assert_true(s.samples < (size_t)rate * 5);
	assert_int_equal(s.rate, rate);
	double rms = sink_rms(&s);
	if (rms < 300)
		fail_msg("\"Hello\" is nearly silent: RMS %.0f", rms);
	if (s.reports)
		fail_msg("reported: %s", s.report);
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

/* A short sentence in each shipped language, in its own script. */
static const struct {
	const char *code, *text;
} sentences[] = {
	{"en", "Report a missed bin collection."},
	{"cy", "Rhoi gwybod am fin heb ei gasglu."},
	{"pl", "Zg\xC5\x82o\xC5\x9B nieodebrane \xC5\x9Bmieci."},
	{"ro", "Raporta\xC8\x9Bi un co\xC8\x99 de gunoi neridicat."},
	/* Panjabi (Gurmukhi): "Choose a service." */
	{"pa", "\xE0\xA8\xB8\xE0\xA9\x87\xE0\xA8\xB5\xE0\xA8\xBE \xE0\xA8\x9A\xE0\xA9\x81"
	       "\xE0\xA8\xA3\xE0\xA9\x8B\xE0\xA5\xA4"},
	/* Urdu: "Choose a service." */
	{"ur", "\xD8\xB3\xD8\xB1\xD9\x88\xD8\xB3 \xD9\x85\xD9\x86\xD8\xAA\xD8\xAE\xD8\xA8 "
	       "\xDA\xA9\xD8\xB1\xDB\x8C\xDA\xBA\xDB\x94"},
	/* Arabic: "Choose a service." */
	{"ar", "\xD8\xA7\xD8\xAE\xD8\xAA\xD8\xB1 \xD8\xAE\xD8\xAF\xD9\x85\xD8\xA9."},
};

static void speech_in_every_language(void **state)
{
	(void)state;
	size_t nl;
	const struct i18n_language *langs = i18n_languages(&nl);
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	int rate = a11y_speech_rate(sp);
	for (size_t i = 0; i < nl; i++) {
		const char *text = NULL;
		for (size_t k = 0; k < sizeof sentences / sizeof *sentences; k++)
			if (!strcmp(sentences[k].code, langs[i].code))
				text = sentences[k].text;
		if (!text)
			fail_msg("no test sentence for the language %s", langs[i].code);
		sink_reset(&s);
		a11y_speak(sp, langs[i].voice, text, false);
		assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
		if (s.reports)
			fail_msg("%s: %s", langs[i].code, s.report);
		if (s.samples < (size_t)rate / 2)
			fail_msg("%s (voice %s): only %zu samples", langs[i].code, langs[i].voice,
				 s.samples);
		double rms = sink_rms(&s);
		if (rms < 300)
			fail_msg("%s (voice %s): nearly silent, RMS %.0f", langs[i].code,
				 langs[i].voice, rms);
	}
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

static void missing_voice_falls_back_and_is_reported_once(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	a11y_speak(sp, "xx-nonexistent", "Secret answer", false);
	a11y_speak(sp, "en-gb", "One", false);
	a11y_speak(sp, "xx-nonexistent", "Secret answer", false);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	assert_int_equal(s.reports, 1);
	assert_non_null(strstr(s.report, "xx-nonexistent"));
	/* The voice is named, never what was said. */
	assert_null(strstr(s.report, "Secret"));
	assert_true(s.samples > (size_t)a11y_speech_rate(sp));
	/* NULL: the fallback, without a report. */
	a11y_speak(sp, NULL, "Two", false);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	assert_int_equal(s.reports, 1);
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

static void second_speech_output_is_refused(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	struct a11y_speech_options o = {.user = &s, .out = sink_out};
	struct a11y_speech *other = NULL;
	struct hatch_error e = {""};
	assert_int_equal(a11y_speech_create(&o, &other, &e), HATCH_ERR_STATE);
	assert_null(other);
	a11y_speech_destroy(sp);
	/* Once stopped, espeak-ng starts again. */
	assert_int_equal(a11y_speech_create(&o, &other, &e), HATCH_OK);
	a11y_speech_destroy(other);
	a11y_speech_destroy(NULL);
	sink_cleanup(&s);
}

static void speak_returns_at_once(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	char *text = long_text(A11Y_SPEECH_MAX_TEXT * 2);
	double worst = 0;
	for (int i = 0; i < 5; i++) {
		double t0 = now_ms();
		a11y_speak(sp, "en-gb", text, i > 0);
		double took = now_ms() - t0;
		if (took > worst)
			worst = took;
	}
	/* A sanity bound with a huge margin: it copies and queues, taking
	 * microseconds; saying the text would take minutes. */
	if (worst >= 50)
		fail_msg("a11y_speak took %.1f ms", worst);
	free(text);
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

static void interrupt_drops_queued_speech(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	s.gate = true;
	struct a11y_speech *sp = speech_new(&s);
	int rate = a11y_speech_rate(sp);
	/* Each would take over a minute to say: three, several minutes. */
	char *text = long_text(1200);
	a11y_speak(sp, "en-gb", text, false);
	a11y_speak(sp, "en-gb", text, false);
	a11y_speak(sp, "en-gb", text, false);
	/* The first is being said, its first chunk held in the output. */
	pthread_mutex_lock(&s.lock);
	while (!s.held)
		pthread_cond_wait(&s.cond, &s.lock);
	pthread_mutex_unlock(&s.lock);
	a11y_speak(sp, "en-gb", "Stop", true);
	pthread_mutex_lock(&s.lock);
	s.gate = false;
	pthread_cond_broadcast(&s.cond);
	pthread_mutex_unlock(&s.lock);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	assert_int_equal(s.flushes, 1);
	/* After the flush, "Stop" alone: under a few seconds, not silence. */
	assert_true(s.after_flush > (size_t)rate / 10);
	assert_true(s.after_flush < (size_t)rate * 3);
	/* Before it, at most a chunk or two of the first text. */
	if (s.samples - s.after_flush > (size_t)rate)
		fail_msg("%zu samples of the interrupted text were made",
			 s.samples - s.after_flush);
	free(text);
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

static void destroy_while_speaking_is_prompt(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	char *text = long_text(1200);
	a11y_speak(sp, "en-gb", text, false);
	a11y_speak(sp, "en-gb", text, false);
	free(text);
	double until = now_ms() + (double)idle_timeout_ms();
	pthread_mutex_lock(&s.lock);
	while (s.samples == 0 && now_ms() < until) {
		pthread_mutex_unlock(&s.lock);
		sleep_ms(2);
		pthread_mutex_lock(&s.lock);
	}
	pthread_mutex_unlock(&s.lock);
	assert_true(s.samples > 0);
	double t0 = now_ms();
	a11y_speech_destroy(sp);
	double took = now_ms() - t0;
	/* It stops at the next chunk of sound; saying it all would take
	 * minutes. Bounds with a wide margin for loaded machines. */
	if (took >= (emulated() ? 20000 : 2000))
		fail_msg("destroy took %.0f ms", took);
	sink_cleanup(&s);
}

static void no_memory_no_speech(void **state)
{
	(void)state;
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	for (long k = 1; k <= 2; k++) {
		mem_fail_after(k, 0);
		a11y_speak(sp, "en-gb", "Hello", false);
		mem_fail_after(0, 0);
	}
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	assert_int_equal(s.samples, 0);
	/* An interrupt still interrupts when its text cannot be copied. */
	mem_fail_after(1, 1);
	a11y_speak(sp, "en-gb", "Hello", true);
	mem_fail_after(0, 0);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	assert_int_equal(s.flushes, 1);
	assert_int_equal(s.samples, 0);
	a11y_speech_destroy(sp);
	sink_cleanup(&s);
}

/* A sample further from zero than this is sound, not (near) silence. */
#define LOUD 500

/* Samples in the raw S16 file PATH that are not (near) silence. */
static size_t loud_samples(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int16_t buf[4096];
	size_t n, loud = 0;
	while ((n = fread(buf, sizeof *buf, sizeof buf / sizeof *buf, f)) > 0)
		for (size_t i = 0; i < n; i++)
			if (buf[i] > LOUD || buf[i] < -LOUD)
				loud++;
	fclose(f);
	return loud;
}

static void audio_device_receives_speech(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof path, "%s/audio.raw", support_dir);
	setenv("SDL_AUDIODRIVER", "disk", 1);
	setenv("SDL_DISKAUDIOFILE", path, 1);
	struct sink s;
	sink_init(&s);
	struct a11y_speech *sp = speech_new(&s);
	int rate = a11y_speech_rate(sp);
	struct hatch_error e = {""};
	struct sdl_audio *a = NULL;
	if (sdl_audio_create(rate, &a, &e) != HATCH_OK)
		fail_msg("sdl_audio_create with the disk driver: %s", e.msg);
	assert_true(sdl_audio_is_open(a));
	/* Speech to the device, as the kiosk wires it; what is made is kept
	 * to be compared with what the device wrote. */
	int16_t *keep = calloc((size_t)rate * 10, sizeof *keep);
	assert_non_null(keep);
	pthread_mutex_lock(&s.lock);
	s.audio = a;
	s.keep = keep;
	s.keep_cap = (size_t)rate * 10;
	pthread_mutex_unlock(&s.lock);
	a11y_speak(sp, "en-gb", "Hello", false);
	assert_true(a11y_speech_wait_idle(sp, idle_timeout_ms()));
	size_t made = s.samples, made_loud = 0;
	assert_true(made > (size_t)rate / 5);
	for (size_t i = 0; i < s.keep_n; i++)
		if (keep[i] > LOUD || keep[i] < -LOUD)
			made_loud++;
	assert_true(made_loud > made / 10);
	/* SDL's disk driver writes at the pace of real time: every loud
	 * sample made reaches the file within a second or so. */
	size_t loud = 0;
	for (int i = 0; i < 100 && loud < made_loud; i++) {
		sleep_ms(100);
		loud = loud_samples(path);
	}
	if (loud < made_loud)
		fail_msg("%zu of %zu loud samples reached %s", loud, made_loud, path);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true((size_t)st.st_size >= made_loud * sizeof(int16_t));
	free(keep);

	/* Idle, the device is closed; the next sound opens it again. */
	for (int i = 0; i < 100 && sdl_audio_is_open(a); i++)
		sleep_ms(100);
	assert_false(sdl_audio_is_open(a));
	int16_t beep[2205];
	for (size_t i = 0; i < sizeof beep / sizeof *beep; i++)
		beep[i] = (int16_t)((i / 20) % 2 ? 8000 : -8000);
	sdl_audio_play(a, beep, sizeof beep / sizeof *beep, 22050);
	assert_true(sdl_audio_is_open(a));
	sdl_audio_flush(a);
	/* Nothing of a NULL device, and nothing to stop. */
	sdl_audio_play(NULL, beep, 10, 22050);
	sdl_audio_flush(NULL);
	assert_false(sdl_audio_is_open(NULL));

	a11y_speech_destroy(sp);
	sdl_audio_destroy(a);
	sdl_audio_destroy(NULL);
	sink_cleanup(&s);
	unsetenv("SDL_AUDIODRIVER");
	unsetenv("SDL_DISKAUDIOFILE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(speech_says_hello),
		cmocka_unit_test(speech_in_every_language),
		cmocka_unit_test(missing_voice_falls_back_and_is_reported_once),
		cmocka_unit_test(second_speech_output_is_refused),
		cmocka_unit_test(speak_returns_at_once),
		cmocka_unit_test(interrupt_drops_queued_speech),
		cmocka_unit_test(destroy_while_speaking_is_prompt),
		cmocka_unit_test(no_memory_no_speech),
		cmocka_unit_test_setup_teardown(audio_device_receives_speech, support_dir_setup,
						support_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
