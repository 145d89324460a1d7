/* Journeys made from an Open311 GeoReport v2 service list: what
 * `hatch journeys import-open311` turns a back end's services.json and
 * service definitions into. Pure: no network, no files, no printing; the
 * bytes come from the caller (import_cmd.c fetches them, the fuzz target
 * makes them up), so every function here takes outside input and never
 * aborts on it. Depends on base/, sync/fetch.h (the answer-id rule the
 * Open311 adapter matches attributes by) and jansson. */
#ifndef HATCH_APP_IMPORT_H
#define HATCH_APP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* At most this many services are read from one list: a kiosk's home
 * screen shows tens of services, and every one costs a request. */
#define IMPORT_MAX_SERVICES 500

/* One service of a services.json list. Texts are as given (NUL-free
 * UTF-8; jansson checks); a numeric service_code is written in decimal. */
struct import_service {
	char *code;        /* service_code */
	char *name;        /* service_name */
	char *description; /* "" when none */
	char *group;       /* NULL when none */
	bool metadata;     /* it has a definition with attributes */
};

struct import_services {
	struct import_service *v;
	size_t n;
};

/* Reads BODY (LEN bytes) as an Open311 services.json list into OUT
 * (emptied first; clean up with import_services_cleanup, also after a
 * failure). HATCH_ERR_INPUT with a reason in E for anything that is not a
 * list of services with a code and a name each, or that names a code twice;
 * HATCH_ERR_LIMIT past IMPORT_MAX_SERVICES; HATCH_ERR_NOMEM. */
enum hatch_err import_services_read(const char *body, size_t len,
				    struct import_services *out,
				    struct hatch_error *e) HATCH_MUST_CHECK;
void import_services_cleanup(struct import_services *s);

/* A journey made from one service. */
struct import_journey {
	char id[65];     /* the journey's id: the service_code made an id */
	char *json;      /* the journey file, ending in a newline */
	size_t len;
	size_t questions; /* steps made from variable attributes */
	size_t skipped;   /* attributes that are not variable (shown as information) */
	char *notes;     /* lines for the author ("" when none): attributes
			  * whose answers can go only into the description */
};

/* The journey for service S, from its definition DEF (DEF_LEN bytes of
 * services/{code}.json; ignored when S has no metadata), sending to
 * DESTINATION (an id). Each variable attribute, in order, becomes a
 * question: string -> text, text -> long_text, number -> number,
 * datetime -> date, singlevaluelist -> single_choice, multivaluelist ->
 * multiple_choice; its description is the question, its
 * datatype_description the hint (not for dates, which the kiosk asks in
 * three boxes), its required carried over, its step id the code made an
 * answer id (so delivery sends it as attribute[CODE]), its values'
 * keys (made ids) and names the options. Attributes that are not variable
 * become an information page first. A service without metadata asks for a
 * description. Every journey then asks for the address and ends with check
 * your answers and a confirmation. OUT is filled on HATCH_OK (clean up with
 * import_journey_cleanup, also after a failure); HATCH_ERR_INPUT with a
 * reason in E when the definition cannot be used; HATCH_ERR_NOMEM. */
enum hatch_err import_journey_make(const struct import_service *s, const char *def,
				   size_t def_len, const char *destination,
				   struct import_journey *out,
				   struct hatch_error *e) HATCH_MUST_CHECK;
void import_journey_cleanup(struct import_journey *j);

#endif
