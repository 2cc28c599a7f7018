/* jwk: turns loaded public keys into JWKs and a JWK Set exactly as kube-apiserver serves them
 * (go-jose member order; n/e minimal, EC coordinates padded). It only ever sees public keys. */
#ifndef SAOIDC_JWK_H
#define SAOIDC_JWK_H

#include "util/err.h"
#include "jose/keys.h"

#include <jansson.h>
#include <stdbool.h>

/* One JWK: RSA {use,kty,kid,alg,n,e}; EC {use,kty,kid,crv,alg,x,y}. `kid` overrides k->kid. */
json_t *jwk_from_key(const key_info *k, const char *kid, sao_err *err);

/* {"keys":[...]} in the set's order; with legacy_empty_kid each key appears again with "kid":"". */
json_t *jwk_set_build(const key_set *set, bool legacy_empty_kid, sao_err *err);

/* A public key from a JWK (RSA n/e, EC crv/x/y). Private members are ignored. */
bool jwk_to_pkey(const json_t *jwk, EVP_PKEY **out, sao_err *err);

#endif
