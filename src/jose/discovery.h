/* discovery: validates the issuer URL and builds the OpenID discovery document
 * (/.well-known/openid-configuration) as kube-apiserver serves it, or as EKS's issuer does. */
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

/* --jwks-uri: an absolute https:// URL (http:// on loopback sets *insecure), no query, fragment
 * or user info, as kube-apiserver checks --service-account-jwks-uri. */
/* What STS and IAM add to kube-apiserver's rules: no port (but on loopback hosts, for tests).
 * Every command that publishes, serves or checks an issuer applies it; `discovery`, which prints
 * kube-apiserver's own document, only warns. */
bool disc_check_sts_issuer(const char *issuer, sao_err *err);
bool disc_check_jwks_uri(const char *uri, bool *insecure, sao_err *err);

/* Accepts a jwks path: starts with '/', no "..", query or fragment, only URL-safe characters. */
bool disc_check_jwks_path(const char *path, sao_err *err);

/* The path part of an issuer URL ("" for https://host, "/cluster" for https://host/cluster),
 * under which STS fetches /.well-known/openid-configuration; malloc'd, NULL if not a URL. */
char *disc_issuer_path(const char *issuer);

/* issuer + path, malloc'd. */
char *disc_jwks_uri(const char *issuer, const char *jwks_path);

/* Builds the document: kube-apiserver's five members in its order, or with `eks` EKS's seven
 * (authorization_endpoint and claims_supported too); id_token_signing_alg_values_supported
 * lists `algs` sorted, each once. */
json_t *disc_build(const char *issuer, const char *jwks_uri, const char *const *algs, size_t nalgs, bool eks,
		   sao_err *err);

#endif
