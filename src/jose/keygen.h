/* keygen: new service-account signing key pairs (RSA 2048/3072/4096, ECDSA P-256/384/521) from
 * OpenSSL, as PKCS#8 and SubjectPublicKeyInfo PEM. The private PEM is the one place saoidc
 * handles private key material it will write out; its buffer is cleansed when freed. */
#ifndef SAOIDC_KEYGEN_H
#define SAOIDC_KEYGEN_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The key types keygen makes, for --help and messages. */
#define KEYGEN_TYPES "rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384, ec-p521"

typedef struct keygen_pair {
	char *private_pem; /* PKCS#8 "PRIVATE KEY" */
	size_t private_len;
	char *public_pem; /* "PUBLIC KEY" */
	size_t public_len;
	char kid[48]; /* the Kubernetes kid of the public key */
} keygen_pair;

/* Makes a key pair of `type` (one of KEYGEN_TYPES). */
bool keygen_new(const char *type, keygen_pair *out, sao_err *err);
/* Cleanses and frees. */
void keygen_pair_clear(keygen_pair *p);

#endif
