/* libFuzzer target for the Open311 import (app/import.h): the input is a
 * services.json body, a NUL byte, and a service definition body, made into
 * journeys as `hatch journeys import-open311` would. Checks what the
 * import promises of any bytes: it returns; a journey it makes has an id
 * that is a journey id, notes that end in a newline, and text that the
 * journey checker accepts (the command checks every journey before writing,
 * but a journey that fails the checker is a bug of the import; only the
 * checker's bound on paths, met by many optional questions, is allowed).
 * Violations abort. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/import.h"
#include "base/id.h"
#include "core/journey.h"

/* Enough services to meet duplicate journey ids and the info page's
 * limits without making each run slow. */
#define FI_MAX_SERVICES 4

static void fi_fail(const char *why, const struct import_journey *j)
{
	fprintf(stderr, "fuzz_import: %s\n%.*s\n", why, j ? (int)j->len : 0,
		j && j->json ? j->json : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *list = (const char *)data;
	const char *nul = memchr(data, '\0', size);
	size_t list_len = nul ? (size_t)(nul - list) : size;
	const char *def = nul ? nul + 1 : "";
	size_t def_len = nul ? size - list_len - 1 : 0;

	struct import_services s;
	struct hatch_error e;
	if (import_services_read(list, list_len, &s, &e) != HATCH_OK) {
		if (!memchr(e.msg, '\0', sizeof e.msg))
			fi_fail("an error message is not terminated", NULL);
		import_services_cleanup(&s);
		return 0;
	}
	const struct cdate today = {2026, 6, 15};
	for (size_t i = 0; i < s.n && i < FI_MAX_SERVICES; i++) {
		struct import_journey j;
		if (import_journey_make(&s.v[i], def, def_len, "destination", &j, &e) !=
		    HATCH_OK) {
			if (j.json || j.notes)
				fi_fail("a failed import left a journey behind", NULL);
			continue;
		}
		if (!id_valid(j.id, strlen(j.id), JOURNEY_MAX_ID))
			fi_fail("the journey id is not an id", &j);
		size_t nl = strlen(j.notes);
		if (nl && j.notes[nl - 1] != '\n')
			fi_fail("the notes do not end in a newline", &j);
		if (j.len != strlen(j.json) || j.len < 2 || j.json[j.len - 1] != '\n')
			fi_fail("the journey text is not one terminated file", &j);
		struct journey *loaded = NULL;
		struct journey_diags d;
		journey_diags_init(&d);
		enum hatch_err rc = journey_load(j.json, j.len, &today, &loaded, &d);
		/* The checker walks every combination of answered and blank
		 * optional questions, and gives up past a bound: a limit of the
		 * checker that the command reports, not a fault of the import. */
		bool too_many = false;
		for (size_t k = 0; k < d.n; k++)
			if (strstr(d.v[k].reason, "too many paths"))
				too_many = true;
		if (rc != HATCH_OK && rc != HATCH_ERR_NOMEM && !too_many) {
			for (size_t k = 0; k < d.n; k++)
				fprintf(stderr, "%s: %s\n", d.v[k].path ? d.v[k].path : "-",
					d.v[k].reason);
			fi_fail("the checker refuses an imported journey", &j);
		}
		journey_diags_cleanup(&d);
		journey_destroy(loaded);
		import_journey_cleanup(&j);
	}
	import_services_cleanup(&s);
	return 0;
}
