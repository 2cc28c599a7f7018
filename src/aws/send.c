#include "config.h"

#include "aws/send.h"

#include "aws/xml.h"
#include "net/fetch.h"
#include "net/retry.h"
#include "util/url.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static bool retryable(long status, const char *code)
{
	if (retry_status(status))
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

/* Moves an HTTP answer into an AWS response and reads its error code and message. */
static void take_answer(fetch_result *r, aws_response *resp)
{
	resp->status = r->status;
	resp->body = r->body;
	resp->body_len = r->len;
	resp->content_type = r->content_type;
	resp->cache_control = r->cache_control;
	resp->etag = r->etag;
	resp->last_modified = r->last_modified;
	memset(r, 0, sizeof(*r));
	if (resp->status >= 300 && resp->body_len > 0) {
		resp->code = aws_xml_text(resp->body, resp->body_len, "Code");
		resp->message = aws_xml_text(resp->body, resp->body_len, "Message");
	}
}

static bool send_once(const aws_request *req, aws_response *resp, sao_err *err)
{
	sigv4_header *hs = NULL;
	size_t nh = 0;
	char **lines = NULL;
	char *host = NULL, *path = NULL, *query = NULL, *qmark;
	fetch_result fr;
	bool ok = false;

	memset(resp, 0, sizeof(*resp));
	if (!url_authority_path(req->url, &host, &path, err))
		goto out;
	qmark = strchr(req->url, '?');
	if ((query = strdup(qmark != NULL ? qmark + 1 : "")) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < req->nheaders; i++)
		if (!sigv4_header_add(&hs, &nh, req->headers[i].name, req->headers[i].value)) {
			err_set(err, "out of memory");
			goto out;
		}
	if (req->creds != NULL) {
		sigv4_req sr = {req->method,   host,	    path,	  query,     req->body,
				req->body_len, req->region, req->service, time(NULL)};

		if (!sigv4_sign(&sr, req->creds, &hs, &nh, err))
			goto out;
	}
	if (nh > 0 && (lines = calloc(nh, sizeof(*lines))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nh; i++)
		if (asprintf(&lines[i], "%s: %s", hs[i].name, hs[i].value) < 0) {
			lines[i] = NULL;
			err_set(err, "out of memory");
			goto out;
		}
	{
		fetch_req fq = {.method = req->method,
				.url = req->url,
				.headers = (const char *const *)lines,
				.nheaders = nh,
				.body = req->body,
				.body_len = req->body_len,
				.timeout_ms = req->timeout_ms,
				.max_body = AWS_XML_MAX};

		if (!fetch_do(&fq, &fr, err))
			goto out;
	}
	take_answer(&fr, resp);
	ok = true;
out:
	for (size_t i = 0; lines != NULL && i < nh; i++)
		if (lines[i] != NULL)
			OPENSSL_clear_free(lines[i], strlen(lines[i]));
	free(lines);
	sigv4_headers_free(hs, nh);
	free(host);
	free(path);
	free(query);
	return ok;
}

bool aws_send(const aws_request *req, aws_response *resp, sao_err *err)
{
	retry rt;

	retry_init(&rt, req->attempts);
	for (;;) {
		bool sent = send_once(req, resp, err);

		if (sent && !retryable(resp->status, resp->code))
			return true;
		if (!retry_again(&rt))
			return sent;	  /* the last answer stands; or the last connection error */
		aws_response_clear(resp); /* send_once left nothing behind on failure; clear an answer */
	}
}
