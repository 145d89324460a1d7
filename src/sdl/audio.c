/* Sound out with SDL's queued audio: one device, opened for the format of
 * the sound played (S16 mono at its rate, SDL converting to whatever the
 * hardware takes), fed with SDL_QueueAudio from the speech thread and
 * emptied with SDL_ClearQueuedAudio on an interrupt. A small watcher
 * thread closes the device once its queue has been empty for
 * SDL_AUDIO_LINGER_MS and then sleeps until the next sound: SDL keeps a
 * device's thread writing silence even while it is paused.
 * No knowledge of speech or of the screens; depends on base/ and SDL2. */
#include <SDL.h>

#include "base/mem.h"
#include "sdl/audio.h"

/* How often the watcher looks at an open device's queue. */
#define AUDIO_WATCH_MS 100

/* Samples in SDL's own buffer per period: about 46 ms at 22050 a second,
 * small enough for a cut-off to be heard as immediate. */
#define AUDIO_PERIOD_SAMPLES 1024

struct sdl_audio {
	SDL_mutex *lock;
	SDL_cond *cond;
	SDL_Thread *thread;
	/* Under LOCK. */
	SDL_AudioDeviceID dev; /* 0: closed */
	int rate;              /* the open device's */
	Uint32 drained_at;     /* when the queue was first seen empty; 0: it was not */
	Uint32 failed_at;      /* when a device last failed to open; 0: never */
	bool stop;
};

/* Under LOCK. */
static SDL_AudioDeviceID open_device(int rate, char *why, size_t size)
{
	SDL_AudioSpec want, have;
	SDL_zero(want);
	want.freq = rate;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	want.samples = AUDIO_PERIOD_SAMPLES;
	want.callback = NULL; /* queued with SDL_QueueAudio */
	/* No changes allowed: SDL converts to what the hardware takes. */
	SDL_AudioDeviceID dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
	if (!dev && why)
		SDL_snprintf(why, size, "%s", SDL_GetError());
	return dev;
}

static void close_device(struct sdl_audio *a)
{
	if (a->dev)
		SDL_CloseAudioDevice(a->dev);
	a->dev = 0;
	a->drained_at = 0;
}

static int watch_main(void *arg)
{
	struct sdl_audio *a = arg;
	SDL_LockMutex(a->lock);
	while (!a->stop) {
		if (!a->dev) {
			SDL_CondWait(a->cond, a->lock);
			continue;
		}
		SDL_CondWaitTimeout(a->cond, a->lock, AUDIO_WATCH_MS);
		if (a->stop || !a->dev)
			continue;
		Uint32 now = SDL_GetTicks();
		if (SDL_GetQueuedAudioSize(a->dev) > 0)
			a->drained_at = 0;
		else if (!a->drained_at)
			a->drained_at = now ? now : 1;
		else if (now - a->drained_at >= SDL_AUDIO_LINGER_MS)
			close_device(a);
	}
	SDL_UnlockMutex(a->lock);
	return 0;
}

enum hatch_err sdl_audio_create(int rate, struct sdl_audio **out, struct hatch_error *e)
{
	*out = NULL;
	if (rate <= 0)
		return err_set(e, HATCH_ERR_IO, "no audio device: no sample rate");
	if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
		return err_set(e, HATCH_ERR_IO, "no audio: %s", SDL_GetError());
	struct sdl_audio *a = mem_calloc(1, sizeof *a);
	if (!a) {
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return err_set(e, HATCH_ERR_NOMEM, "out of memory");
	}
	char why[256] = "";
	a->dev = open_device(rate, why, sizeof why);
	if (!a->dev) {
		mem_free(a);
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return err_set(e, HATCH_ERR_IO, "no audio device: %s", why);
	}
	a->rate = rate;
	a->lock = SDL_CreateMutex();
	a->cond = SDL_CreateCond();
	if (a->lock && a->cond)
		a->thread = SDL_CreateThread(watch_main, "hatch-audio", a);
	if (!a->thread) {
		SDL_DestroyCond(a->cond);
		SDL_DestroyMutex(a->lock);
		close_device(a);
		mem_free(a);
		SDL_QuitSubSystem(SDL_INIT_AUDIO);
		return err_set(e, HATCH_ERR_NOMEM, "audio: no thread");
	}
	*out = a;
	return HATCH_OK;
}

void sdl_audio_destroy(struct sdl_audio *a)
{
	if (!a)
		return;
	SDL_LockMutex(a->lock);
	a->stop = true;
	SDL_CondSignal(a->cond);
	SDL_UnlockMutex(a->lock);
	SDL_WaitThread(a->thread, NULL);
	close_device(a);
	SDL_DestroyCond(a->cond);
	SDL_DestroyMutex(a->lock);
	mem_free(a);
	SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

void sdl_audio_play(struct sdl_audio *a, const int16_t *pcm, size_t n, int rate)
{
	if (!a || !pcm || n == 0 || rate <= 0 || n > (size_t)SDL_MAX_SINT32 / 2)
		return;
	SDL_LockMutex(a->lock);
	if (a->dev && a->rate != rate)
		close_device(a);
	if (!a->dev && !a->stop) {
		Uint32 now = SDL_GetTicks();
		if (!a->failed_at || now - a->failed_at >= SDL_AUDIO_RETRY_MS) {
			a->dev = open_device(rate, NULL, 0);
			a->rate = rate;
			a->failed_at = a->dev ? 0 : (now ? now : 1);
			/* The watcher sleeps while no device is open. */
			SDL_CondSignal(a->cond);
		}
	}
	if (a->dev) {
		if (SDL_QueueAudio(a->dev, pcm, (Uint32)(n * sizeof *pcm)) == 0)
			SDL_PauseAudioDevice(a->dev, 0);
		a->drained_at = 0;
	}
	SDL_UnlockMutex(a->lock);
}

void sdl_audio_flush(struct sdl_audio *a)
{
	if (!a)
		return;
	SDL_LockMutex(a->lock);
	if (a->dev)
		SDL_ClearQueuedAudio(a->dev);
	SDL_UnlockMutex(a->lock);
}

bool sdl_audio_is_open(struct sdl_audio *a)
{
	if (!a)
		return false;
	SDL_LockMutex(a->lock);
	bool open = a->dev != 0;
	SDL_UnlockMutex(a->lock);
	return open;
}
