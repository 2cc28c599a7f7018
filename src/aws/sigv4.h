/* sigv4: AWS Signature Version 4 for S3 (signed payload hash header) and the Query APIs
 * (IAM, STS), with session tokens. Pure computation: no I/O, no secrets in messages. */
#ifndef SAOIDC_SIGV4_H
#define SAOIDC_SIGV4_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct aws_creds {
	char *access_key;
	char *secret_key;
	char *token;  /* session token, or NULL */
	char *source; /* "environment", "profile default (~/.aws/credentials)", ... */
} aws_creds;

void aws_creds_clear(aws_creds *c);
/* Sets all four (copies; tok may be NULL or ""); on failure c is cleared. */
bool aws_creds_set(aws_creds *c, const char *ak, const char *sk, const char *tok, const char *source, sao_err *err);

/* A request header; names are compared case-insensitively and signed in lower case. */
typedef struct sigv4_header {
	char *name;
	char *value;
} sigv4_header;

typedef struct sigv4_req {
	const char *method;
	const char *host;  /* as sent in Host: ("127.0.0.1:9000", "b.s3.us-east-1.amazonaws.com") */
	const char *path;  /* already URI-encoded, e.g. "/bucket/.well-known/openid-configuration" */
	const char *query; /* canonical query string (sorted, encoded), "" for none */
	const void *body;
	size_t body_len;
	const char *region;
	const char *service; /* "s3", "iam", "sts" */
	time_t now;
} sigv4_req;

/* Adds X-Amz-Date, X-Amz-Content-Sha256 (S3), X-Amz-Security-Token (with a token) and
 * Authorization to *headers (which already holds the request's own headers; all are signed). */
bool sigv4_sign(const sigv4_req *req, const aws_creds *creds, sigv4_header **headers, size_t *n, sao_err *err);

/* Appends a header (copies name and value). */
bool sigv4_header_add(sigv4_header **headers, size_t *n, const char *name, const char *value);
void sigv4_headers_free(sigv4_header *headers, size_t n);

/* RFC 3986 encoding as SigV4 wants it: unreserved characters kept, '/' kept if keep_slash. */
char *sigv4_uri_encode(const char *s, bool keep_slash);

#endif
