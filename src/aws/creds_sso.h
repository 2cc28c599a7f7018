/* creds_sso: IAM Identity Center (SSO) credentials for a profile: the access token `aws sso
 * login` left in the CLI's cache, then the portal's GetRoleCredentials. No login flow. */
#ifndef SAOIDC_CREDS_SSO_H
#define SAOIDC_CREDS_SSO_H

#include "aws/sigv4.h"
#include "util/err.h"

#include <stdbool.h>

/* Profile `name`'s role credentials; `session` is its sso_session (NULL for a legacy profile
 * with sso_start_url). */
bool aws_creds_sso(const char *name, const char *session, aws_creds *out, sao_err *err);

#endif
