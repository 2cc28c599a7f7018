/* creds_meta: credentials from the metadata services: container credentials
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI or _RELATIVE_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or
 * _TOKEN_FILE: ECS, EKS Pod Identity) and EC2 instance metadata, IMDSv2 only
 * (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address). Short deadlines: off EC2 the
 * address does not answer. */
#ifndef SAOIDC_CREDS_META_H
#define SAOIDC_CREDS_META_H

#include "aws/sigv4.h"
#include "util/err.h"

#include <stdbool.h>

bool aws_creds_container(aws_creds *out, sao_err *err);
bool aws_creds_imds(aws_creds *out, sao_err *err);

#endif
