/* fetch: an HTTPS GET as STS makes it (time limit, size limit, CA and --connect-to options),
 * for reading published documents back: thumbprint discovery, verify, token verify. */
#ifndef SAOIDC_FETCH_H
#define SAOIDC_FETCH_H

#include "util/err.h"
#include "net/tls.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct fetch_result {
	long status;
	char *body;
	size_t len;
	char *content_type;
	char *cache_control;
	long elapsed_ms;
	bool timed_out;
} fetch_result;

/* GETs url within timeout_ms. o->connect_to (if set) maps the URL's host:port to that
 * address. Fails, with the reason, only when no HTTP answer came. */
bool fetch_get(const char *url, const tls_opts *o, long timeout_ms, fetch_result *r, sao_err *err);
/* The same with "Authorization: Bearer TOKEN" (the Kubernetes API). The token is never logged. */
bool fetch_get_bearer(const char *url, const tls_opts *o, const char *token, long timeout_ms, fetch_result *r,
		      sao_err *err);
void fetch_result_clear(fetch_result *r);

/* The max-age of a Cache-Control value, or -1 when it has none. */
long fetch_max_age(const char *cache_control);

/* Options for fetching `url` when `o` was given for `origin`: --connect-to only applies to the
 * origin's host and port; any other host is dialled as it is. */
tls_opts fetch_opts_for(const tls_opts *o, const char *origin, const char *url);

#endif
