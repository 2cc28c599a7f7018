/* retry: the one retry policy for calls to cloud APIs (AWS, Azure, Google): connection errors,
 * 5xx and 429 are tried again after a random delay up to an exponentially growing cap (full
 * jitter), a bounded number of times and within a bounded total time. */
#ifndef SAOIDC_RETRY_H
#define SAOIDC_RETRY_H

#include "net/fetch.h"

#include <stdbool.h>

typedef struct retry {
	long start_ms;
	unsigned cap_ms;
	int attempt, max;
} retry;

/* max_attempts 0: the default (5). */
void retry_init(retry *r, int max_attempts);
/* After a failed attempt: false when the attempts or the time are used up; else waits (full
 * jitter) and returns true. */
bool retry_again(retry *r);
/* True for an answer worth trying again: 5xx, 429. */
bool retry_status(long status);

/* fetch_do with the policy: a connection error, 5xx or 429 is tried again; the last answer
 * stands (any status), or the last connection error. */
bool fetch_retry(const fetch_req *req, int max_attempts, fetch_result *r, sao_err *err);

/* A GET of a cloud API (JSON, at most 1 MiB) with "Authorization: Bearer token", under the policy:
 * any answer in r (the caller reads r->status); false only when none came, or when url is not
 * https:// (a bearer token never goes over plain http). `what` names the API in that error. */
bool fetch_retry_bearer(const char *url, const char *token, const char *what, fetch_result *r, sao_err *err);

#endif
