/* discovery: validates the issuer URL and builds the OpenID discovery document
 * (/.well-known/openid-configuration) the way kube-apiserver and the IRSA guide publish it. */
#ifndef SAOIDC_DISCOVERY_H
#define SAOIDC_DISCOVERY_H

#include "util/err.h"
#include "jose/keys.h"

#include <jansson.h>
#include <stdbool.h>

#define DISC_DEFAULT_JWKS_PATH "/keys.json"

/* Accepts an absolute https:// URL with no query, fragment, user info or trailing slash;
 * http:// only for loopback hosts, in which case *insecure is set (the caller warns). */
bool disc_check_issuer(const char *issuer, bool *insecure, sao_err *err);

/* Accepts a jwks path: starts with '/', no "..", query or fragment, only URL-safe characters. */
bool disc_check_jwks_path(const char *path, sao_err *err);

/* The path part of an issuer URL ("" for https://host, "/cluster" for https://host/cluster),
 * under which STS fetches /.well-known/openid-configuration; malloc'd, NULL if not a URL. */
char *disc_issuer_path(const char *issuer);

/* issuer + path, malloc'd. */
char *disc_jwks_uri(const char *issuer, const char *jwks_path);

/* Builds the document; id_token_signing_alg_values_supported lists `algs` sorted, each once. */
json_t *disc_build(const char *issuer, const char *jwks_uri, const char *const *algs, size_t nalgs, sao_err *err);

#endif
