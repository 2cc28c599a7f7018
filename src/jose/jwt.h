/* jwt: compact JWS service-account tokens: decoding (no trust implied) and signature
 * verification against a JWK Set, the way STS does it: kid lookup, RS/ES/PS 256/384/512 only;
 * and RS256 signing, for the JWT assertions of token grants. */
#ifndef SAOIDC_JWT_H
#define SAOIDC_JWT_H

#include "util/err.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct jwt jwt;

/* Splits and decodes a compact JWS (header and claims must be JSON objects). */
jwt *jwt_decode(const char *token, size_t len, sao_err *err);
void jwt_free(jwt *t);

const json_t *jwt_header(const jwt *t);
const json_t *jwt_claims(const jwt *t);
const char *jwt_alg(const jwt *t);
/* The header's kid, or "" when absent (STS treats an absent kid as ""). */
const char *jwt_kid(const jwt *t);

/* The JWK in `jwks` for this token's kid, or NULL. */
const json_t *jwt_find_key(const jwt *t, const json_t *jwks);

/* Verifies the signature with the JWK for its kid. Refuses "none", HMAC and any algorithm
 * outside RS/ES/PS 256/384/512, and a JWK whose kty or alg does not fit the header. */
bool jwt_verify(const jwt *t, const json_t *jwks, sao_err *err);

/* A compact JWS of `claims`, header {"alg":"RS256","typ":"JWT"} with `kid` when not NULL,
 * signed with an RSA private key (a Google service account's, for its token grant); malloc'd. */
char *jwt_sign_rs256(EVP_PKEY *pkey, const char *kid, const json_t *claims, sao_err *err);

#endif
