/* Unit tests for src/jose/jwt.c: tokens signed here with OpenSSL (RS256, PS256, ES256, ES384)
 * verify against the JWKS saoidc builds for their keys; tampering, a foreign or absent kid, an
 * algorithm that does not fit the key, "none", HMAC and a DER-encoded ECDSA signature fail;
 * decoding refuses what is not a compact JWS. */
#include "config.h"

#include "../fixtures.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "jose/keys.h"
#include "../tap.h"
#include "util/b64.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <stdio.h>

static char *b64s(const char *s)
{
	return b64url_encode((const unsigned char *)s, strlen(s));
}

/* header.claims.signature, signed with k (alg picks padding and digest); der: leave an ECDSA
 * signature DER-encoded instead of r || s. */
static char *sign(EVP_PKEY *k, const char *alg, const char *kid, const char *claims, bool der)
{
	char header[256], *h, *c, *input, *sig64, *out;
	const EVP_MD *md = strstr(alg, "384") ? EVP_sha384() : EVP_sha256();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char sig[1024], raw[132];
	size_t sl = sizeof(sig), slen;

	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg, kid);
	h = b64s(header);
	c = b64s(claims);
	input = malloc(strlen(h) + strlen(c) + 2);
	sprintf(input, "%s.%s", h, c);
	EVP_DigestSignInit(ctx, &pctx, md, NULL, k);
	if (alg[0] == 'P') {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
	}
	EVP_DigestSign(ctx, sig, &sl, (unsigned char *)input, strlen(input));
	slen = sl;
	if (alg[0] == 'E' && !der) {
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
		int n = strstr(alg, "384") ? 48 : 32;

		BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, n);
		BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + n, n);
		memcpy(sig, raw, (size_t)(2 * n));
		slen = (size_t)(2 * n);
		ECDSA_SIG_free(es);
	}
	sig64 = b64url_encode(sig, slen);
	out = malloc(strlen(input) + strlen(sig64) + 2);
	sprintf(out, "%s.%s", input, sig64);
	free(h);
	free(c);
	free(input);
	free(sig64);
	EVP_MD_CTX_free(ctx);
	return out;
}

static bool verifies(const char *tok, const json_t *jwks, sao_err *err)
{
	jwt *t;

	err->msg[0] = '\0';
	t = jwt_decode(tok, strlen(tok), err);
	bool ok = t != NULL && jwt_verify(t, jwks, err);

	jwt_free(t);
	return ok;
}

static const char *kid_of(const json_t *jwks, const char *kty, const char *crv)
{
	size_t i;
	json_t *k;

	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		if (strcmp(json_string_value(json_object_get(k, "kty")), kty) == 0 &&
		    (crv == NULL || strcmp(json_string_value(json_object_get(k, "crv")), crv) == 0))
			return json_string_value(json_object_get(k, "kid"));
	}
	return "";
}

int main(void)
{
	EVP_PKEY *rsa = fx_keygen("RSA", NULL, 2048), *p256 = fx_keygen("EC", "P-256", 0),
		 *p384 = fx_keygen("EC", "P-384", 0);
	EVP_PKEY *keys[] = {rsa, p256, p384};
	key_set *set = key_set_new();
	sao_err err = {0};
	json_t *jwks, *unpinned;
	const char *claims =
	    "{\"iss\":\"https://oidc.test\",\"sub\":\"system:serviceaccount:ns:sa\",\"aud\":[\"sts.amazonaws.com\"]}";
	const char *krsa, *k256, *k384;
	char *tok, *bad;
	jwt *t;

	for (int i = 0; i < 3; i++) {
		size_t len;
		char *pem = fx_encode(keys[i], FX_PUB_PEM, &len);

		key_set_add_blob(set, (unsigned char *)pem, len, "test", &err);
		free(pem);
	}
	jwks = jwk_set_build(set, false, &err);
	ok(jwks != NULL && json_array_size(json_object_get(jwks, "keys")) == 3, "a JWKS of three keys (%s)", err.msg);
	krsa = kid_of(jwks, "RSA", NULL);
	unpinned = json_deep_copy(jwks);
	{
		size_t i;
		json_t *k;

		json_array_foreach(json_object_get(unpinned, "keys"), i, k) json_object_del(k, "alg");
	}
	k256 = kid_of(jwks, "EC", "P-256");
	k384 = kid_of(jwks, "EC", "P-384");

	for (int i = 0; i < 4; i++) {
		const char *alg = (const char *[]){"RS256", "PS256", "ES256", "ES384"}[i];
		EVP_PKEY *k = i < 2 ? rsa : i == 2 ? p256 : p384;
		const char *kid = i < 2 ? krsa : i == 2 ? k256 : k384;

		tok = sign(k, alg, kid, claims, false);
		if (i == 1) { /* saoidc's RSA JWK says alg RS256, as kube-apiserver's does */
			ok(!verifies(tok, jwks, &err) && strstr(err.msg, "is for RS256") != NULL,
			   "PS256 against a JWK whose alg is RS256 is refused (%s)", err.msg);
			ok(verifies(tok, unpinned, &err), "PS256: verifies with the key's JWK without alg (%s)",
			   err.msg);
			ok(!verifies(tok, jwks, &err), "PS256: a changed claim fails");
			free(tok);
			continue;
		}
		ok(verifies(tok, jwks, &err), "%s: verifies (%s)", alg, err.msg);
		bad = strdup(tok);
		bad[strchr(bad, '.') - bad + 5] ^= 1; /* a claim byte */
		ok(!verifies(bad, jwks, &err), "%s: a changed claim fails (%s)", alg, err.msg);
		free(bad);
		free(tok);
	}
	tok = sign(p256, "ES256", k256, claims, true);
	ok(!verifies(tok, jwks, &err) && strstr(err.msg, "64") != NULL, "ES256 with a DER signature fails (%s)",
	   err.msg);
	free(tok);
	tok = sign(p256, "ES256", "no-such-kid", claims, false);
	t = jwt_decode(tok, strlen(tok), &err);
	ok(t != NULL && jwt_find_key(t, jwks) == NULL && !jwt_verify(t, jwks, &err), "an unknown kid fails (%s)",
	   err.msg);
	jwt_free(t);
	free(tok);
	tok = sign(rsa, "RS256", k256, claims, false);
	ok(!verifies(tok, jwks, &err), "RS256 naming an EC key's kid fails (%s)", err.msg);
	free(tok);

	{
		char *h = b64s("{\"alg\":\"none\"}"), *c = b64s(claims), none[1024], hs[1024];
		char *hh = b64s("{\"alg\":\"HS256\",\"kid\":\"x\"}");

		snprintf(none, sizeof(none), "%s.%s.", h, c);
		ok(!verifies(none, jwks, &err) && strstr(err.msg, "none") != NULL, "alg none is refused (%s)", err.msg);
		t = jwt_decode(none, strlen(none), &err);
		is_str(t != NULL ? jwt_kid(t) : NULL, "", "  a token without kid has kid \"\" (as STS reads it)");
		jwt_free(t);
		snprintf(hs, sizeof(hs), "%s.%s.c2ln", hh, c);
		ok(!verifies(hs, jwks, &err) && strstr(err.msg, "HS256") != NULL, "HS256 is refused (%s)", err.msg);
		free(h);
		free(c);
		free(hh);
	}
	ok(jwt_decode("a.b", 3, &err) == NULL, "two parts: not a compact JWS (%s)", err.msg);
	ok(jwt_decode("bm90IGpzb24.e30.c2ln", 20, &err) == NULL, "a header that is not JSON is refused (%s)", err.msg);
	ok(jwt_decode("W10.e30.c2ln", 12, &err) == NULL, "a header that is a JSON array is refused (%s)", err.msg);

	json_decref(jwks);
	json_decref(unpinned);
	key_set_free(set);
	for (int i = 0; i < 3; i++)
		EVP_PKEY_free(keys[i]);
	return tap_done();
}
