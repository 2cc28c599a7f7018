#include "config.h"

#include "gcp/api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *gcp_api_error(const fetch_result *r)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *reason =
	    json_string_value(json_object_get(json_array_get(json_object_get(e, "errors"), 0), "reason"));
	char *out = NULL;

	if (reason == NULL)
		reason = json_string_value(json_object_get(e, "status"));
	if ((msg != NULL || reason != NULL) &&
	    asprintf(&out, "%s%s%.300s", reason != NULL ? reason : "", reason != NULL && msg != NULL ? ": " : "",
		     msg != NULL ? msg : "") < 0)
		out = NULL;
	json_decref(j);
	return out;
}
