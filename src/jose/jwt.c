#include "config.h"

#include "jose/jwt.h"

#include "util/b64.h"
#include "jose/jwk.h"
#include "jose/keys.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JWT_MAX (64u * 1024u)

struct jwt {
	json_t *header;
	json_t *claims;
	char *signing_input; /* header.payload, as signed */
	unsigned char *sig;
	size_t sig_len;
};

void jwt_free(jwt *t)
{
	if (t == NULL)
		return;
	json_decref(t->header);
	json_decref(t->claims);
	free(t->signing_input);
	free(t->sig);
	free(t);
}

static json_t *decode_part(const char *p, size_t n, const char *what, sao_err *err)
{
	unsigned char *raw = NULL;
	size_t rl = 0;
	json_error_t je;
	json_t *j;

	if (!b64url_decode(p, n, &raw, &rl)) {
		err_set(err, "token %s is not base64url", what);
		return NULL;
	}
	j = json_loadb((const char *)raw, rl, JSON_REJECT_DUPLICATES, &je);
	free(raw);
	if (!json_is_object(j)) {
		json_decref(j);
		err_set(err, "token %s is not a JSON object", what);
		return NULL;
	}
	return j;
}

jwt *jwt_decode(const char *token, size_t len, sao_err *err)
{
	const char *d1, *d2;
	jwt *t;

	while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' || token[len - 1] == ' '))
		len--;
	while (len > 0 && (*token == ' ' || *token == '\n')) {
		token++;
		len--;
	}
	if (len == 0) {
		err_set(err, "token is empty");
		return NULL;
	}
	if (len > JWT_MAX) {
		err_set(err, "token is %zu bytes; not a service-account token", len);
		return NULL;
	}
	d1 = memchr(token, '.', len);
	d2 = d1 != NULL ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
	if (d1 == NULL || d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL) {
		err_set(err, "not a compact JWS: a token has three base64url parts separated by '.'");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	t->header = decode_part(token, (size_t)(d1 - token), "header", err);
	if (t->header == NULL)
		goto fail;
	t->claims = decode_part(d1 + 1, (size_t)(d2 - d1 - 1), "payload", err);
	if (t->claims == NULL)
		goto fail;
	if (!b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), &t->sig, &t->sig_len)) {
		err_set(err, "token signature is not base64url");
		goto fail;
	}
	t->signing_input = strndup(token, (size_t)(d2 - token));
	if (t->signing_input == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (json_string_value(json_object_get(t->header, "alg")) == NULL) {
		err_set(err, "token header has no \"alg\"");
		goto fail;
	}
	return t;
fail:
	jwt_free(t);
	return NULL;
}

const json_t *jwt_header(const jwt *t)
{
	return t->header;
}

const json_t *jwt_claims(const jwt *t)
{
	return t->claims;
}

const char *jwt_alg(const jwt *t)
{
	return json_string_value(json_object_get(t->header, "alg"));
}

const char *jwt_kid(const jwt *t)
{
	const char *k = json_string_value(json_object_get(t->header, "kid"));

	return k != NULL ? k : "";
}

const json_t *jwt_find_key(const jwt *t, const json_t *jwks)
{
	const json_t *keys = json_object_get(jwks, "keys");
	const char *kid = jwt_kid(t);
	size_t i;
	json_t *k;

	json_array_foreach(keys, i, k)
	{
		const char *kk = json_string_value(json_object_get(k, "kid"));

		if (strcmp(kk != NULL ? kk : "", kid) == 0)
			return k;
	}
	return NULL;
}

/* The EC algorithms' sizes of r and s come from the curve table (jose/keys.h). */
static const struct alg {
	const char *name;
	const char *kty;
	const char *md;
	int pss;
} algs[] = {
    {"RS256", "RSA", "SHA256", 0}, {"RS384", "RSA", "SHA384", 0}, {"RS512", "RSA", "SHA512", 0},
    {"PS256", "RSA", "SHA256", 1}, {"PS384", "RSA", "SHA384", 1}, {"PS512", "RSA", "SHA512", 1},
    {"ES256", "EC", "SHA256", 0},  {"ES384", "EC", "SHA384", 0},  {"ES512", "EC", "SHA512", 0},
};

/* JWS ECDSA signatures are r || s, each padded to the curve size; OpenSSL wants DER. */
static unsigned char *ec_raw_to_der(const unsigned char *sig, size_t len, int size, size_t *der_len)
{
	ECDSA_SIG *s = NULL;
	BIGNUM *r = NULL, *ss = NULL;
	unsigned char *der = NULL;
	int n;

	if (len != 2 * (size_t)size)
		return NULL;
	r = BN_bin2bn(sig, size, NULL);
	ss = BN_bin2bn(sig + size, size, NULL);
	s = ECDSA_SIG_new();
	if (r == NULL || ss == NULL || s == NULL || ECDSA_SIG_set0(s, r, ss) != 1) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return NULL;
	}
	n = i2d_ECDSA_SIG(s, &der);
	ECDSA_SIG_free(s);
	if (n <= 0)
		return NULL;
	*der_len = (size_t)n;
	return der;
}

bool jwt_verify(const jwt *t, const json_t *jwks, sao_err *err)
{
	const char *alg = jwt_alg(t);
	const struct alg *a = NULL;
	const json_t *jwk;
	const char *kty, *jalg;
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	const unsigned char *sig = t->sig;
	size_t sig_len = t->sig_len;
	bool ok = false;

	for (size_t i = 0; alg != NULL && i < sizeof(algs) / sizeof(*algs); i++)
		if (strcmp(algs[i].name, alg) == 0)
			a = &algs[i];
	if (a == NULL)
		return err_set(err,
			       "algorithm \"%s\" is refused: STS accepts RS256/384/512, ES256/384/512 (and "
			       "PS256/384/512 are accepted here); \"none\" and HMAC never",
			       alg != NULL ? alg : "");
	jwk = jwt_find_key(t, jwks);
	if (jwk == NULL)
		return err_set(err,
			       "no key with kid \"%s\" in the JWKS (STS: \"Couldn't retrieve verification key "
			       "from your identity provider\")",
			       jwt_kid(t));
	kty = json_string_value(json_object_get(jwk, "kty"));
	jalg = json_string_value(json_object_get(jwk, "alg"));
	if (kty == NULL || strcmp(kty, a->kty) != 0)
		return err_set(err, "the key with kid \"%s\" is %s, but the token says %s", jwt_kid(t), kty ? kty : "?",
			       alg);
	if (jalg != NULL && strcmp(jalg, alg) != 0)
		return err_set(err, "the key with kid \"%s\" is for %s, but the token is signed %s", jwt_kid(t), jalg,
			       alg);
	if (!jwk_to_pkey(jwk, &pkey, err))
		return false;
	if (strcmp(a->kty, "EC") == 0) {
		const key_curve *c = key_curve_find(a->name);

		der = ec_raw_to_der(t->sig, t->sig_len, c->field_bytes, &sig_len);
		if (der == NULL) {
			err_set(err, "%s signature must be %d bytes (r || s), not %zu", alg, 2 * c->field_bytes,
				t->sig_len);
			goto out;
		}
		sig = der;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestVerifyInit_ex(md, &pctx, a->md, NULL, NULL, pkey, NULL) != 1) {
		err_ssl(err, "cannot set up verification");
		goto out;
	}
	if (a->pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
		err_ssl(err, "cannot set up PSS");
		goto out;
	}
	if (EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)t->signing_input, strlen(t->signing_input)) !=
	    1) {
		ERR_clear_error();
		err_set(err, "signature does not verify with the key with kid \"%s\"", jwt_kid(t));
		goto out;
	}
	ok = true;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ok;
}

char *jwt_sign_rs256(EVP_PKEY *pkey, const char *kid, const json_t *claims, sao_err *err)
{
	json_t *h = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
	char *hj = NULL, *cj = NULL, *h64 = NULL, *c64 = NULL, *input = NULL, *s64 = NULL, *out = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (h == NULL || md == NULL || (kid != NULL && json_object_set_new(h, "kid", json_string(kid)) != 0) ||
	    (hj = json_dumps(h, JSON_COMPACT)) == NULL || (cj = json_dumps(claims, JSON_COMPACT)) == NULL ||
	    (h64 = b64url_encode((const unsigned char *)hj, strlen(hj))) == NULL ||
	    (c64 = b64url_encode((const unsigned char *)cj, strlen(cj))) == NULL ||
	    asprintf(&input, "%s.%s", h64, c64) < 0) {
		input = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		err_set(err, "RS256 needs an RSA key");
		goto out;
	}
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, strlen(input)) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, strlen(input)) != 1) {
		err_ssl(err, "signing the JWT (RS256) failed");
		goto out;
	}
	if ((s64 = b64url_encode(sig, siglen)) == NULL || asprintf(&out, "%s.%s", input, s64) < 0) {
		out = NULL;
		err_set(err, "out of memory");
	}
out:
	EVP_MD_CTX_free(md);
	json_decref(h);
	free(hj);
	free(cj);
	free(h64);
	free(c64);
	free(input);
	free(sig);
	free(s64);
	return out;
}
