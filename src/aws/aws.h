/* aws: what every AWS command shares: credentials in the SDKs' order, region, endpoints,
 * signed HTTP requests through libcurl with retries, and AWS XML responses read by libxml2.
 * Secrets never reach a message: errors name the source, never the value. */
#ifndef SAOIDC_AWS_H
#define SAOIDC_AWS_H

#include "util/err.h"
#include "util/strlist.h"
#include "aws/sigv4.h"

#include <stdbool.h>
#include <stddef.h>

/* Credentials in the SDKs' order:
 *  1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN];
 *  2. the profile (AWS_PROFILE or "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 *     and AWS_CONFIG_FILE (~/.aws/config); profiles that need role assumption, SSO or a process
 *     are refused with a clear message;
 *  3. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE -> STS AssumeRoleWithWebIdentity;
 *  4. container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE (ECS, EKS Pod Identity);
 *  5. EC2 instance metadata, IMDSv2 only (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the
 *     address; AWS_EC2_METADATA_DISABLED=true skips it).
 * `region` (may be NULL) picks the regional STS endpoint for web identity. */
bool aws_creds_load(aws_creds *out, const char *region, sao_err *err);

/* The value of `key` in `[section]` of an AWS shared config/credentials file held in memory;
 * malloc'd, or NULL. */
char *aws_ini_lookup(const char *text, size_t len, const char *section, const char *key);

/* Region: `flag`, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. NULL if none. malloc'd. */
char *aws_region(const char *flag);

/* Endpoint override for a service ("S3", "IAM", "STS"): AWS_ENDPOINT_URL_<SVC>, then
 * AWS_ENDPOINT_URL. NULL if neither is set. */
const char *aws_endpoint(const char *service);

typedef struct aws_response {
	long status;
	char *body;
	size_t body_len;
	char *content_type;
	char *cache_control;
	char *code;    /* AWS error code from the XML body, e.g. "AccessControlListNotSupported" */
	char *message; /* AWS error message */
} aws_response;

void aws_response_clear(aws_response *r);

typedef struct aws_request {
	const char *method;
	const char *url;       /* scheme://host[:port]/path, path already URI-encoded */
	const char *service;   /* signing name: "s3", "iam", "sts" */
	const char *region;
	const sigv4_header *headers; /* extra headers to send and sign */
	size_t nheaders;
	const void *body;
	size_t body_len;
	const aws_creds *creds; /* NULL: unsigned */
	int attempts;           /* 0: the default retry policy; 1: a single try */
	long timeout_ms;        /* 0: 30 s */
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

/* Text of the first element named `name` (any namespace) in an XML document; malloc'd or NULL. */
char *aws_xml_text(const char *xml, size_t len, const char *name);


/* The AWS Query "member" list under the first element named `list`: for each <member>, the text
 * of its child `field` (or of the member itself when field is NULL), in document order. */
bool aws_xml_members(const char *xml, size_t len, const char *list, const char *field, strlist *out);

#endif
