/* Allocation wrappers with fault injection. libc only. The counters are
 * atomic because the delivery worker allocates on its own thread. */
#include "base/mem.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long alloc_count;
static atomic_long fail_at;  /* allocation number that fails; 0: none */
static atomic_int fail_sticky;

static int should_fail(void)
{
	long n = atomic_fetch_add(&alloc_count, 1) + 1;
	long at = atomic_load(&fail_at);
	if (at <= 0)
		return 0;
	return n == at || (atomic_load(&fail_sticky) && n > at);
}

void mem_fail_after(long n, int sticky)
{
	atomic_store(&fail_sticky, sticky);
	atomic_store(&fail_at, n > 0 ? atomic_load(&alloc_count) + n : 0);
}

long mem_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

void *mem_alloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *mem_calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *mem_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void mem_free(void *p)
{
	free(p);
}

char *mem_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = mem_alloc(len + 1);
	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *mem_strdup(const char *s)
{
	return mem_strndup(s, (size_t)-1);
}

/* Calling memset through a volatile pointer stops the compiler from
 * treating the store as dead and removing it before free(). */
static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;

void mem_wipe(void *p, size_t n)
{
	if (p && n)
		wipe_memset(p, 0, n);
}

void mem_free_wiped(char *s)
{
	if (s) {
		mem_wipe(s, strlen(s));
		free(s);
	}
}

void mem_free_secure(void *p)
{
	if (p) {
		mem_wipe(p, malloc_usable_size(p));
		free(p);
	}
}
