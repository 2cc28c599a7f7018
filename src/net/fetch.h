/* fetch: the program's one HTTP client (libcurl underneath). Every outbound request goes
 * through fetch_do: a connect deadline and a total deadline, a bound on the answer's size, http
 * and https only, header lines cleansed after use (they may carry credentials), and every
 * libcurl option checked. fetch_get is the GET STS makes, for reading published documents back
 * (thumbprint discovery, verify, token verify) and the Kubernetes API. */
#ifndef SAOIDC_FETCH_H
#define SAOIDC_FETCH_H

#include "util/err.h"
#include "net/tls.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define FETCH_MAX_DEFAULT (1024u * 1024u)

/* A streamed answer: called with each piece of a 2xx answer's body as it arrives (nothing is
 * kept in fetch_result.body); false stops the transfer (fetch_do then fails). */
typedef bool (*fetch_chunk_fn)(void *ctx, const char *data, size_t len);

typedef struct fetch_req {
	const char *method; /* NULL: GET */
	const char *url;
	const char *const *headers; /* "Name: value" lines to send */
	size_t nheaders;
	const void *body; /* sent as is when not NULL */
	size_t body_len;
	const tls_opts *tls;	 /* NULL: the system's CAs (or SSL_CERT_FILE's), full verification */
	long timeout_ms;	 /* whole exchange; 0: 30 s */
	long connect_timeout_ms; /* 0: the smaller of timeout_ms and 5 s */
	size_t max_body;	 /* 0: FETCH_MAX_DEFAULT; a larger answer is an error */
	fetch_chunk_fn on_chunk; /* non-NULL: stream a 2xx body to it (a watch) */
	void *chunk_ctx;
	const atomic_bool *cancel; /* non-NULL: the transfer stops soon after it becomes true */
	const char *keep;	   /* one more answer header to keep ("x-ms-blob-public-access"), or NULL */
} fetch_req;

typedef struct fetch_result {
	long status;
	char *body; /* NUL-terminated; NULL when the answer had none */
	size_t len;
	char *content_type;
	char *cache_control;
	char *etag;
	char *last_modified;
	char *age;  /* a cache's Age header (seconds since the origin answered), or NULL */
	char *kept; /* the value of fetch_req.keep's header, or NULL */
	long elapsed_ms;
	bool timed_out;
	bool too_large;
} fetch_result;

/* Performs the request. Fails, with the reason, only when no complete HTTP answer came; r is
 * then cleared. Any status is a success here: the caller reads r->status. */
bool fetch_do(const fetch_req *req, fetch_result *r, sao_err *err);

/* GETs url within timeout_ms. o->connect_to (if set) maps the URL's host:port to that
 * address. */
bool fetch_get(const char *url, const tls_opts *o, long timeout_ms, fetch_result *r, sao_err *err);
/* The same with "Authorization: Bearer TOKEN" (the Kubernetes API). The token is never logged. */
bool fetch_get_bearer(const char *url, const tls_opts *o, const char *token, long timeout_ms, fetch_result *r,
		      sao_err *err);
/* Frees and zeroes r; the body is cleansed first (it may hold STS credentials). */
void fetch_result_clear(fetch_result *r);

/* The max-age of a Cache-Control value, or -1 when it has none. */
long fetch_max_age(const char *cache_control);

/* Options for fetching `url` when `o` was given for `origin`: --connect-to only applies to the
 * origin's host and port; any other host is dialled as it is. */
tls_opts fetch_opts_for(const tls_opts *o, const char *origin, const char *url);

#endif
