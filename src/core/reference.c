/* Crockford base32 references and UUIDs. Depends on libc only. */
#include "core/reference.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* A four-round Feistel network on 40 bits (two 20-bit halves) is a
 * permutation for any round function, so distinct sequence numbers map to
 * distinct references; the key hides the order. */
static uint32_t round_fn(uint32_t half, uint64_t key, int round)
{
	uint64_t x = half ^ (key >> (round * 16)) ^ ((uint64_t)round << 40);
	x *= 0x9E3779B97F4A7C15ull;
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	return (uint32_t)(x & 0xFFFFF);
}

static uint64_t permute(uint64_t v, uint64_t key, bool inverse)
{
	uint32_t l = (uint32_t)(v >> 20) & 0xFFFFF, r = (uint32_t)v & 0xFFFFF;
	for (int i = 0; i < 4; i++) {
		int round = inverse ? 3 - i : i;
		if (!inverse) {
			uint32_t t = r;
			r = l ^ round_fn(r, key, round);
			l = t;
		} else {
			uint32_t t = l;
			l = r ^ round_fn(l, key, round);
			r = t;
		}
	}
	return ((uint64_t)l << 20) | r;
}

void reference_make(uint64_t seq, uint64_t key, char out[REFERENCE_SIZE])
{
	uint64_t v = permute(seq % REFERENCE_SPACE, key, false);
	char digits[8];
	for (int i = 7; i >= 0; i--) {
		digits[i] = alphabet[v & 31];
		v >>= 5;
	}
	uint64_t whole = permute(seq % REFERENCE_SPACE, key, false);
	memcpy(out, digits, 4);
	out[4] = '-';
	memcpy(out + 5, digits + 4, 4);
	out[9] = '-';
	out[10] = alphabet[whole % 37];
	out[11] = '\0';
}

static int decode(int c)
{
	c = toupper(c);
	if (c == 'O')
		c = '0';
	if (c == 'I' || c == 'L')
		c = '1';
	const char *p = strchr(alphabet, c);
	return c && p ? (int)(p - alphabet) : -1;
}

bool reference_parse(const char *in, char out[REFERENCE_SIZE])
{
	int vals[9];
	size_t n = 0;
	for (; *in; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (n == 9)
			return false;
		int v = decode((unsigned char)*in);
		if (v < 0 || (n < 8 && v >= 32))
			return false;
		vals[n++] = v;
	}
	if (n != 9)
		return false;
	uint64_t whole = 0;
	for (int i = 0; i < 8; i++)
		whole = whole << 5 | (uint64_t)vals[i];
	if ((int)(whole % 37) != vals[8])
		return false;
	for (int i = 0, k = 0; i < 9; i++) {
		out[k++] = alphabet[vals[i]];
		if (i == 3 || i == 7)
			out[k++] = '-';
	}
	out[11] = '\0';
	return true;
}

bool reference_sequence(const char *ref, uint64_t key, uint64_t *seq)
{
	char canon[REFERENCE_SIZE];
	if (!reference_parse(ref, canon))
		return false;
	uint64_t whole = 0;
	for (int i = 0; i < 9; i++) {
		if (i == 4)
			continue;
		whole = whole << 5 | (uint64_t)(strchr(alphabet, canon[i]) - alphabet);
	}
	*seq = permute(whole, key, true);
	return true;
}

void uuid_format(const uint8_t random[16], char out[UUID_SIZE])
{
	uint8_t b[16];
	memcpy(b, random, 16);
	b[6] = (uint8_t)((b[6] & 0x0F) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3F) | 0x80);
	snprintf(out, UUID_SIZE,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
		 b[11], b[12], b[13], b[14], b[15]);
}
