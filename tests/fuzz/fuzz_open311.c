/* libFuzzer target for the Open311 answer parsers of sync/ (JSON with
 * jansson, XML with libxml2): the first byte chooses the format, the rest
 * is the answer. Checks what sync_open311_parse promises of any bytes:
 * it returns, every field is NUL-terminated within its buffer, and an error
 * answer carries no id or token. Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/sync_int.h"

static void fo_check_field(const char *f, size_t size)
{
	if (!memchr(f, '\0', size)) {
		fputs("fuzz_open311: a field is not terminated\n", stderr);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct sync_open311_answer a;
	sync_open311_parse((const char *)data + 1, size - 1, data[0] & 1, &a);
	fo_check_field(a.id, sizeof a.id);
	fo_check_field(a.token, sizeof a.token);
	fo_check_field(a.err_code, sizeof a.err_code);
	fo_check_field(a.err_desc, sizeof a.err_desc);
	if (!a.parsed && (a.is_error || a.id[0] || a.token[0])) {
		fputs("fuzz_open311: fields from an answer that was not read\n", stderr);
		abort();
	}
	return 0;
}
