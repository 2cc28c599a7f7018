#include "config.h"

#include "net/retry.h"

#include "util/clock.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ATTEMPTS 5
#define MAX_TOTAL_MS 60000
#define MAX_DELAY_MS 5000

void retry_init(retry *r, int max_attempts)
{
	r->start_ms = clock_mono_ms();
	r->cap_ms = 200;
	r->attempt = 1;
	r->max = max_attempts > 0 ? max_attempts : MAX_ATTEMPTS;
}

bool retry_again(retry *r)
{
	unsigned delay;

	if (r->attempt >= r->max || clock_mono_ms() - r->start_ms > MAX_TOTAL_MS)
		return false;
	r->attempt++;
	/* Full jitter: a random delay up to an exponentially growing cap. */
	if (RAND_bytes((unsigned char *)&delay, sizeof(delay)) != 1) {
		ERR_clear_error();
		delay = r->cap_ms / 2; /* no randomness: the middle of the window, still bounded */
	}
	delay = delay % r->cap_ms;
	r->cap_ms = r->cap_ms * 2 > MAX_DELAY_MS ? MAX_DELAY_MS : r->cap_ms * 2;
	{
		struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
	return true;
}

bool retry_status(long status)
{
	return status >= 500 || status == 429;
}

bool fetch_retry(const fetch_req *req, int max_attempts, fetch_result *r, sao_err *err)
{
	retry rt;

	retry_init(&rt, max_attempts);
	for (;;) {
		bool sent = fetch_do(req, r, err);

		if (sent && !retry_status(r->status))
			return true;
		if (!retry_again(&rt))
			return sent;
		if (sent)
			fetch_result_clear(r);
	}
}

bool fetch_retry_bearer(const char *url, const char *token, const char *what, fetch_result *r, sao_err *err)
{
	char *auth = NULL;
	const char *hs[1];
	bool ok;

	memset(r, 0, sizeof(*r));
	if (strncmp(url, "https://", 8) != 0)
		return err_set(err, "%s: a bearer token is not sent over plain http (%.200s)", what, url);
	if (asprintf(&auth, "Authorization: Bearer %s", token) < 0)
		return err_set(err, "out of memory");
	hs[0] = auth;
	{
		fetch_req q = {.method = "GET", .url = url, .headers = hs, .nheaders = 1, .max_body = 1024 * 1024};

		ok = fetch_retry(&q, 0, r, err);
	}
	OPENSSL_clear_free(auth, strlen(auth));
	return ok;
}
