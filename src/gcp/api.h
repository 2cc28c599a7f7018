/* api: what Google's JSON APIs share: the error body ({"error": {"code", "message", "status",
 * "errors": [{"reason"}]}}) made into one line. */
#ifndef SAOIDC_GCP_API_H
#define SAOIDC_GCP_API_H

#include "net/fetch.h"
#include "util/err.h"

#include <stdbool.h>

/* "reason: message" of an error answer (the reason is errors[0].reason, else the status, such as
 * PERMISSION_DENIED), malloc'd, or NULL when the body is not one. */
char *gcp_api_error(const fetch_result *r);

#endif
