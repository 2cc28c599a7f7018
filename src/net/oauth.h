/* oauth: an OAuth 2.0 token request (RFC 6749 §4.4, RFC 7523, RFC 8693): a form POSTed to a
 * token endpoint, the access token read from the JSON answer, a refusal reported with its
 * "error" and the first line of its "error_description" (RFC 6749 §5.2). Microsoft Entra ID,
 * Google's OAuth and STS endpoints all answer this way. The form and the token are cleansed;
 * neither is ever put in a message. */
#ifndef SAOIDC_OAUTH_H
#define SAOIDC_OAUTH_H

#include "util/err.h"

#include <stdbool.h>

/* POSTs `form` to url; *token (malloc'd) is the answer's `field` ("access_token"), *expires_in
 * its lifetime in seconds (0 when not said). `what` names the grant in messages. */
bool oauth_token(const char *url, const char *form, const char *field, const char *what, char **token, long *expires_in,
		 sao_err *err);

/* The same with a JSON body (Google's IAM Credentials generateAccessToken) and a bearer token. */
bool oauth_token_json(const char *url, const char *json, const char *bearer, const char *field, const char *what,
		      char **token, sao_err *err);

/* "a=1&b=2" from name/value pairs (values percent-encoded); malloc'd, NULL when out of memory.
 * pairs ends with a NULL name. */
char *oauth_form(const char *const *pairs);

#endif
