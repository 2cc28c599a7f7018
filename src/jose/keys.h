/* keys: loads service-account signing keys from PEM, DER and Kubernetes Secret JSON into a
 * set of canonical public keys. Private material is dropped at load time and never kept. */
#ifndef SAOIDC_KEYS_H
#define SAOIDC_KEYS_H

#include "util/err.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { KEY_RSA, KEY_EC } key_type;

/* One public key, read-only once loaded. */
typedef struct key_info {
	EVP_PKEY *pkey; /* public key only, rebuilt from its public parameters */
	key_type type;
	int bits;	   /* RSA modulus size, or EC field size */
	const char *curve; /* "P-256", "P-384", "P-521"; NULL for RSA */
	const char *alg;   /* JWS algorithm the API server uses with this key */
	char kid[48];	   /* Kubernetes key ID: base64url(SHA-256(DER SubjectPublicKeyInfo)) */
	char *source;	   /* where it came from, for messages and `inspect` */
	bool cert;	   /* read from a certificate (only with key_set_allow_certificates) */
	bool ca_cert;	   /* ... a CA certificate (basicConstraints CA:TRUE) */
} key_info;

typedef struct key_set key_set;

/* A named curve this project publishes, with its names in OpenSSL, in a JWK ("crv") and in a
 * JWS ("alg"), and the size of a coordinate (and of r and s in a signature). The one table. */
typedef struct key_curve {
	const char *group;
	const char *jwk;
	const char *alg;
	int field_bytes;
} key_curve;

/* The curve named by any of its three names ("prime256v1", "P-256", "ES256"); NULL if none. */
const key_curve *key_curve_find(const char *name);

/* The bounds an RSA public key must meet here (and for STS): a 2048- to 16384-bit odd modulus,
 * an odd exponent of 2 to 256 bits. `what` names it in the error ("RSA JWK"). Cheap: no
 * primality test. */
bool key_rsa_bounds(const BIGNUM *n, const BIGNUM *e, const char *what, sao_err *err);

key_set *key_set_new(void);
void key_set_free(key_set *set);

/* A service-account signing key is a plain key pair, never a certificate: by default a
 * certificate (PEM or DER, alone, in a directory or in a Secret) fails the whole input it is in,
 * naming every certificate found, so that a cluster CA, an etcd or an API server serving key
 * is never published by mistake. Allowing them is for a cluster whose
 * --service-account-key-file is a certificate. */
void key_set_allow_certificates(key_set *set, bool allow);

/* Adds every key in a file, a directory (each non-hidden regular file in name order) or
 * "-" (stdin). Fails, naming the file and the reason, if any file holds no usable key, or
 * (unless allowed) any holds a certificate; the set is then unchanged. */
bool key_set_add_path(key_set *set, const char *path, sao_err *err);

/* Adds the keys in an in-memory file; `source` names it in messages. */
bool key_set_add_blob(key_set *set, const unsigned char *buf, size_t len, const char *source, sao_err *err);

size_t key_set_count(const key_set *set);
const key_info *key_set_get(const key_set *set, size_t i);
/* Keys given more than once are kept once; this counts the repeats that were dropped. */
size_t key_set_duplicates(const key_set *set);

/* The Kubernetes key ID of a public key (`kid` must hold 44 bytes). */
bool key_kid(EVP_PKEY *pkey, char kid[44], sao_err *err);

#endif
