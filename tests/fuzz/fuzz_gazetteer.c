/* libFuzzer target for the gazetteer's CSV import (store/gazetteer.h): the
 * first byte chooses the format (simple, addressbase, llpg), the rest is
 * the file, read through fmemopen as `hatch gazetteer import` reads a
 * file. Checks what the import promises of any bytes: it returns; an
 * import that succeeds counts every row read as imported or rejected and
 * opens for searching, by postcode, by words and by words still being
 * typed, and its addresses come back with valid UTF-8 and normalised
 * postcodes; one that fails leaves no gazetteer behind (there was none)
 * and no temporary file. Violations abort. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/postcode.h"
#include "base/utf8.h"
#include "store/gazetteer.h"

static char dir[64], path[128];

static void fg_fail(const char *why)
{
	fprintf(stderr, "fuzz_gazetteer: %s\n", why);
	abort();
}

static void check(const struct gaz_address *a, size_t n)
{
	char pc[POSTCODE_SIZE];
	for (size_t i = 0; i < n; i++) {
		if (!utf8_valid(a[i].lines, strlen(a[i].lines)) ||
		    !utf8_valid(a[i].town, strlen(a[i].town)))
			fg_fail("an address that is not UTF-8");
		if (!postcode_normalise(a[i].postcode, pc, sizeof pc) || strcmp(pc, a[i].postcode))
			fg_fail("a postcode that is not normalised");
		if (!a[i].uprn[0] || a[i].uprn[0] == '0')
			fg_fail("a bad UPRN");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_gazetteer-XXXXXX");
		if (!mkdtemp(dir))
			fg_fail("no temporary directory");
		snprintf(path, sizeof path, "%s/g.db", dir);
	}
	if (size < 2)
		return 0;
	enum gaz_format format = (enum gaz_format)(data[0] % 3);
	FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
	if (!in)
		return 0;
	struct gaz_import_options o = {.format = format};
	struct gaz_import_report r;
	struct hatch_error e;
	unlink(path);
	enum hatch_err rc = gaz_import(path, in, "fuzz.csv", &o, &r, &e);
	fclose(in);
	if (rc == HATCH_OK) {
		if (r.imported + r.rejected != r.read || r.imported == 0)
			fg_fail("the report does not add up");
		struct gaz *g;
		if (gaz_open(path, &g, &e) != HATCH_OK)
			fg_fail(e.msg);
		if (gaz_count(g) != r.imported)
			fg_fail("the count is not the rows imported");
		static struct gaz_address a[20];
		size_t n = 0;
		if (gaz_by_postcode(g, "A", a, 20, &n, &e) == HATCH_OK)
			check(a, n);
		if (gaz_by_text(g, (const char *)a[0].lines, a + 1, 19, &n, &e) == HATCH_OK)
			check(a + 1, n);
		/* The same words as if still being typed, cut after a byte the
		 * input chooses (at a character's start): the last word is
		 * then read as the words it begins. */
		char typed[sizeof a[0].lines];
		size_t cut = strlen(a[0].lines);
		cut = cut ? data[size - 1] % cut + 1 : 0;
		while (cut && ((unsigned char)a[0].lines[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(typed, a[0].lines, cut);
		typed[cut] = '\0';
		n = 0;
		if (gaz_by_text(g, typed, a + 1, 19, &n, &e) != HATCH_OK)
			fg_fail("a search by the start of an address failed");
		check(a + 1, n);
		gaz_close(g);
	} else if (access(path, F_OK) == 0) {
		fg_fail("a refused import left a gazetteer");
	}
	return 0;
}
