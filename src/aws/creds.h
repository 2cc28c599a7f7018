/* creds: who saoidc is to AWS, and where: credentials in the SDKs' order, the region from the
 * flag, environment or profile. Secrets never reach a message: errors name the source. */
#ifndef SAOIDC_CREDS_H
#define SAOIDC_CREDS_H

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Where a command's AWS calls go: the region (flag, environment, profile), the endpoint
 * variants (--fips, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT) and the partition they
 * make. Every AWS endpoint, URL and ARN a command makes is resolved from it. */
typedef struct aws_where {
	char *region;			/* NULL when none was given anywhere */
	const aws_partition *partition; /* the region's; the commercial one when region is NULL */
	aws_endpoint_cfg ep;
	bool unknown_region; /* allowed, though saoidc does not know it: say so */
} aws_where;

/* Fails on a region of no known shape, on one saoidc does not know unless allow_unknown (naming
 * the nearest known one: a typo), or a bad AWS_USE_*_ENDPOINT value. */
bool aws_where_init(aws_where *w, const char *region_flag, bool fips_flag, bool allow_unknown, sao_err *err);
void aws_where_clear(aws_where *w);

/* Credentials in the SDKs' order:
 *  1. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN];
 *  2. the profile (AWS_PROFILE or "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials)
 *     and AWS_CONFIG_FILE (~/.aws/config), in botocore's order: role_arn (STS AssumeRole with
 *     the credentials of source_profile, chained, or of credential_source Environment,
 *     Ec2InstanceMetadata or EcsContainer; role_session_name, external_id, duration_seconds),
 *     static keys, credential_process, IAM Identity Center (sso_session or legacy sso_start_url:
 *     the token `aws sso login` cached, then the portal's GetRoleCredentials; no login flow);
 *  3. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE -> STS AssumeRoleWithWebIdentity;
 *  4. container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with
 *     AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE (ECS, EKS Pod Identity);
 *  5. EC2 instance metadata, IMDSv2 only (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the
 *     address; AWS_EC2_METADATA_DISABLED=true skips it).
 * `where` picks the regional STS endpoint for web identity (us-east-1's when it has no region). */
bool aws_creds_load(aws_creds *out, const aws_where *where, sao_err *err);

/* sts:AssumeRole of role_arn with the base credentials (ExternalId when external_id is not
 * NULL; a saoidc session name), as --assume-role does for each account. */
bool aws_assume_role(const aws_creds *base, const char *role_arn, const char *external_id, const aws_where *where,
		     aws_creds *out, sao_err *err);

/* sts:GetCallerIdentity with these credentials: the account (12 digits) and the caller's ARN,
 * both malloc'd. */
bool aws_caller_identity(const aws_creds *c, const aws_where *where, char **account, char **arn, sao_err *err);

/* Region: `flag`, AWS_REGION, AWS_DEFAULT_REGION, the profile's region. NULL if none. malloc'd. */
char *aws_region(const char *flag);

#endif
