#include "config.h"

#include "aws/send.h"

#include "aws/xml.h"
#include "util/clock.h"
#include "util/str.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RESP_MAX AWS_XML_MAX
#define MAX_ATTEMPTS 5
#define MAX_TOTAL_MS 60000

void aws_response_clear(aws_response *r)
{
	if (r->body != NULL)
		OPENSSL_cleanse(r->body, r->body_len); /* may hold STS credentials */
	free(r->body);
	free(r->content_type);
	free(r->cache_control);
	free(r->etag);
	free(r->last_modified);
	free(r->code);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

struct sink {
	aws_response *r;
	size_t cap;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (s->r->body_len + n > RESP_MAX) {
		s->overflow = true;
		return 0;
	}
	if (s->r->body_len + n + 1 > s->cap) {
		size_t ncap = (s->r->body_len + n + 1) * 2;
		char *nb = realloc(s->r->body, ncap);

		if (nb == NULL)
			return 0;
		s->r->body = nb;
		s->cap = ncap;
	}
	memcpy(s->r->body + s->r->body_len, data, n);
	s->r->body_len += n;
	s->r->body[s->r->body_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	char line[1024];
	char **dst = NULL;
	char *colon;

	if (n >= sizeof(line))
		return n;
	memcpy(line, data, n);
	line[n] = '\0';
	colon = strchr(line, ':');
	if (colon == NULL)
		return n;
	*colon = '\0';
	if (strcasecmp(line, "Content-Type") == 0)
		dst = &s->r->content_type;
	else if (strcasecmp(line, "Cache-Control") == 0)
		dst = &s->r->cache_control;
	else if (strcasecmp(line, "ETag") == 0)
		dst = &s->r->etag;
	else if (strcasecmp(line, "Last-Modified") == 0)
		dst = &s->r->last_modified;
	if (dst != NULL) {
		free(*dst);
		*dst = strdup(str_trim(colon + 1));
	}
	return n;
}

static bool host_of(const char *url, char **host, char **path)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *p = NULL;
	bool ok = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK)
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	if (port != NULL ? asprintf(host, "%s:%s", h, port) < 0 : (*host = strdup(h)) == NULL)
		goto out;
	*path = strdup(p);
	ok = *path != NULL;
out:
	curl_free(h);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

static bool retryable(long status, const char *code)
{
	if (status >= 500 || status == 429)
		return true;
	return code != NULL && (strcmp(code, "Throttling") == 0 || strcmp(code, "ThrottlingException") == 0 ||
				strcmp(code, "SlowDown") == 0 || strcmp(code, "RequestTimeout") == 0 ||
				strcmp(code, "ConcurrentModification") == 0);
}

const char *aws_clock_hint(const aws_response *resp)
{
	const char *m = resp->message != NULL ? resp->message : "";

	if (resp->code == NULL)
		return NULL;
	if (strcmp(resp->code, "RequestTimeTooSkewed") == 0 ||
	    (strcmp(resp->code, "SignatureDoesNotMatch") == 0 &&
	     (strncmp(m, "Signature expired", 17) == 0 || strncmp(m, "Signature not yet current", 25) == 0)))
		return "this machine's clock is more than 15 minutes off; set it right (NTP) -- a wrong clock also "
		       "makes the cluster's service-account tokens fail";
	return NULL;
}

const char *aws_error_hint(const aws_response *r)
{
	const char *clock = aws_clock_hint(r);

	if (clock != NULL || r->code == NULL)
		return clock;
	if (strcmp(r->code, "SignatureDoesNotMatch") == 0)
		return "the secret access key does not match the access key ID";
	if (strcmp(r->code, "InvalidAccessKeyId") == 0 || strcmp(r->code, "InvalidClientTokenId") == 0)
		return "the access key ID is unknown to this endpoint (another partition's key?)";
	if (strcmp(r->code, "NoSuchBucket") == 0)
		return "create the bucket first, in the region given";
	if (strcmp(r->code, "ExpiredToken") == 0)
		return "the session token has expired";
	return NULL;
}

static bool send_once(const aws_request *req, aws_response *resp, sao_err *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	char *host = NULL, *path = NULL, *query = NULL, *qmark;
	struct sink sink = {resp, 0, false};
	CURLcode cr;
	bool ok = false;

	memset(resp, 0, sizeof(*resp));
	if (c == NULL || !host_of(req->url, &host, &path)) {
		err_set(err, "bad URL %s", req->url);
		goto out;
	}
	qmark = strchr(req->url, '?');
	query = strdup(qmark != NULL ? qmark + 1 : "");
	for (size_t i = 0; i < req->nheaders; i++)
		if (!sigv4_header_add(&hs, &nh, req->headers[i].name, req->headers[i].value)) {
			err_set(err, "out of memory");
			goto out;
		}
	if (req->creds != NULL) {
		sigv4_req sr = {req->method, host, path, query, req->body, req->body_len, req->region, req->service,
				time(NULL)};

		if (!sigv4_sign(&sr, req->creds, &hs, &nh, err))
			goto out;
	}
	for (size_t i = 0; i < nh; i++) {
		char *line = NULL;
		struct curl_slist *nl;

		if (asprintf(&line, "%s: %s", hs[i].name, hs[i].value) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		nl = curl_slist_append(hl, line);
		OPENSSL_clear_free(line, strlen(line));
		if (nl == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		hl = nl;
	}
	hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms > 0 && req->timeout_ms < 5000 ? req->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		err_set(err, "%s %s: %s", req->method, req->url, sink.overflow ? "response too large" : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status >= 300 && resp->body_len > 0) {
		resp->code = aws_xml_text(resp->body, resp->body_len, "Code");
		resp->message = aws_xml_text(resp->body, resp->body_len, "Message");
	}
	ok = true;
out:
	sigv4_headers_free(hs, nh);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(host);
	free(path);
	free(query);
	return ok;
}

bool aws_send(const aws_request *req, aws_response *resp, sao_err *err)
{
	long start = clock_mono_ms();
	unsigned cap = 200;

	for (int attempt = 1;; attempt++) {
		bool sent = send_once(req, resp, err);
		unsigned delay;

		if (sent && !retryable(resp->status, resp->code))
			return true;
		if (attempt >= (req->attempts > 0 ? req->attempts : MAX_ATTEMPTS) || clock_mono_ms() - start > MAX_TOTAL_MS)
			return sent; /* the last answer stands; or the last connection error */
		/* Full jitter: a random delay up to an exponentially growing cap. */
		RAND_bytes((unsigned char *)&delay, sizeof(delay));
		delay = delay % cap;
		cap = cap * 2 > 5000 ? 5000 : cap * 2;
		if (sent)
			aws_response_clear(resp);
		{
			struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
	}
}
