/* Every allocation in Hatch goes through these wrappers so that tests can
 * fail the Nth one and check that each failure path frees what it holds and
 * reports HATCH_ERR_NOMEM. Depends on libc only. */
#ifndef HATCH_BASE_MEM_H
#define HATCH_BASE_MEM_H

#include <stddef.h>

void *mem_alloc(size_t n);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *p, size_t n);
void mem_free(void *p);
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t n);

/* Overwrites N bytes at P with zeros in a way the compiler may not drop:
 * used on every buffer that held a citizen's answer. */
void mem_wipe(void *p, size_t n);

/* Frees a NUL-terminated string after wiping it; accepts NULL. */
void mem_free_wiped(char *s);

/* Frees P after wiping every byte of its allocation; accepts NULL. For
 * libraries (jansson) that free buffers which held answers without saying
 * how long they were. */
void mem_free_secure(void *p);

/* Tests: make the Nth allocation from now fail (1 = the next one), and every
 * one after it too when STICKY; N <= 0 turns fault injection off. */
void mem_fail_after(long n, int sticky);
/* Tests: how many allocations have been attempted since start. */
long mem_alloc_count(void);

#endif
