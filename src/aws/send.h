/* send: signed HTTP requests to AWS through libcurl, with retries on connection errors, 5xx
 * and throttling, and the AWS error code and message read from the answer. */
#ifndef SAOIDC_SEND_H
#define SAOIDC_SEND_H

#include "aws/sigv4.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct aws_response {
	long status;
	char *body;
	size_t body_len;
	char *content_type;
	char *cache_control;
	char *etag;	     /* ETag header (CloudFront's If-Match token) */
	char *last_modified; /* Last-Modified header */
	char *code;	     /* AWS error code from the XML body, e.g. "AccessControlListNotSupported" */
	char *message;	     /* AWS error message */
} aws_response;

void aws_response_clear(aws_response *r);

typedef struct aws_request {
	const char *method;
	const char *url;     /* scheme://host[:port]/path, path already URI-encoded */
	const char *service; /* signing name: "s3", "iam", "sts" */
	const char *region;
	const sigv4_header *headers; /* extra headers to send and sign */
	size_t nheaders;
	const void *body;
	size_t body_len;
	const aws_creds *creds; /* NULL: unsigned */
	int attempts;		/* 0: the default retry policy; 1: a single try */
	long timeout_ms;	/* 0: 30 s */
} aws_request;

/* Sends the request, retrying connection errors, 5xx and throttling with exponential backoff
 * and full jitter (bounded count and total time). A non-2xx final answer is not an error here:
 * the caller reads status and code. Fails only when no answer was had. */
bool aws_send(const aws_request *req, aws_response *resp, sao_err *err);

/* If an AWS error answer says the request's time is more than 15 minutes off AWS's (S3:
 * RequestTimeTooSkewed; query APIs: SignatureDoesNotMatch "Signature expired" / "not yet
 * current"), what to do about it; NULL for any other answer. Retrying does not help, so
 * aws_send does not retry these. */
const char *aws_clock_hint(const aws_response *resp);

/* What to do about an AWS error answer (a wrong clock, a secret that does not match its key, an
 * unknown key, a missing bucket, an expired session), or NULL. */
const char *aws_error_hint(const aws_response *resp);

#endif
