#include "config.h"

#include "jose/jwk.h"

#include "jose/keys.h"

#include "util/b64.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>
#include <stdlib.h>

/* Sets member `name` to base64url of the BIGNUM, minimal (pad == 0) or left-padded to `pad` bytes. */
static bool set_bn(json_t *o, const char *name, const BIGNUM *bn, int pad, sao_err *err)
{
	int len = pad > 0 ? pad : BN_num_bytes(bn);
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	char *enc = NULL;
	bool ok = false;

	if (buf == NULL)
		return err_set(err, "out of memory");
	if (pad > 0 ? BN_bn2binpad(bn, buf, pad) < 0 : BN_bn2bin(bn, buf) != len) {
		err_set(err, "key parameter %s does not fit", name);
		goto out;
	}
	enc = b64url_encode(buf, (size_t)len);
	if (enc == NULL || json_object_set_new(o, name, json_string(enc)) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	free(enc);
	free(buf);
	return ok;
}

json_t *jwk_from_key(const key_info *k, const char *kid, sao_err *err)
{
	BIGNUM *a = NULL, *b = NULL;
	json_t *o = NULL;
	bool ok = false;

	if (kid == NULL)
		kid = k->kid;
	o = json_object();
	if (o == NULL || json_object_set_new(o, "use", json_string("sig")) != 0 ||
	    json_object_set_new(o, "kty", json_string(k->type == KEY_RSA ? "RSA" : "EC")) != 0 ||
	    json_object_set_new(o, "kid", json_string(kid)) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (k->type == KEY_RSA) {
		if (!EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &a) ||
		    !EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &b)) {
			err_ssl(err, "cannot read RSA parameters");
			goto out;
		}
		if (json_object_set_new(o, "alg", json_string(k->alg)) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
		if (!set_bn(o, "n", a, 0, err) || !set_bn(o, "e", b, 0, err))
			goto out;
	} else {
		int field = (k->bits + 7) / 8;

		if (!EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &a) ||
		    !EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &b)) {
			err_ssl(err, "cannot read EC coordinates");
			goto out;
		}
		if (json_object_set_new(o, "crv", json_string(k->curve)) != 0 ||
		    json_object_set_new(o, "alg", json_string(k->alg)) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
		if (!set_bn(o, "x", a, field, err) || !set_bn(o, "y", b, field, err))
			goto out;
	}
	ok = true;
out:
	BN_free(a);
	BN_free(b);
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

json_t *jwk_set_build(const key_set *set, bool legacy_empty_kid, sao_err *err)
{
	json_t *keys = json_array();
	json_t *root = NULL;

	if (keys == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	for (int pass = 0; pass < (legacy_empty_kid ? 2 : 1); pass++) {
		for (size_t i = 0; i < key_set_count(set); i++) {
			json_t *jwk = jwk_from_key(key_set_get(set, i), pass == 0 ? NULL : "", err);

			if (jwk == NULL || json_array_append_new(keys, jwk) != 0) {
				if (jwk != NULL)
					err_set(err, "out of memory");
				json_decref(keys);
				return NULL;
			}
		}
	}
	root = json_pack("{s:o}", "keys", keys);
	if (root == NULL)
		err_set(err, "out of memory");
	return root;
}

/* base64url member -> BIGNUM */
static BIGNUM *get_bn(const json_t *jwk, const char *name, size_t want_len, sao_err *err)
{
	const char *v = json_string_value(json_object_get(jwk, name));
	unsigned char *raw = NULL;
	size_t n = 0;
	BIGNUM *bn;

	if (v == NULL || !b64url_decode(v, strlen(v), &raw, &n) || n == 0) {
		err_set(err, "JWK member \"%s\" is missing or not base64url", name);
		free(raw);
		return NULL;
	}
	if (want_len != 0 && n != want_len) {
		err_set(err, "JWK member \"%s\" is %zu bytes; the curve needs %zu", name, n, want_len);
		free(raw);
		return NULL;
	}
	bn = BN_bin2bn(raw, (int)n, NULL);
	free(raw);
	if (bn == NULL)
		err_set(err, "out of memory");
	return bn;
}

bool jwk_to_pkey(const json_t *jwk, EVP_PKEY **out, sao_err *err)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *a = NULL, *b = NULL;
	unsigned char point[1 + 2 * 66];
	bool ok = false;

	*out = NULL;
	if (bld == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (kty != NULL && strcmp(kty, "RSA") == 0) {
		if ((a = get_bn(jwk, "n", 0, err)) == NULL || (b = get_bn(jwk, "e", 0, err)) == NULL)
			goto out;
		if (!key_rsa_bounds(a, b, "RSA JWK", err))
			goto out;
		if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, a) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, b))
			goto ssl;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else if (kty != NULL && strcmp(kty, "EC") == 0) {
		const char *crv = json_string_value(json_object_get(jwk, "crv"));
		const key_curve *c = key_curve_find(crv);
		const char *group = NULL;
		int size = 0;

		/* Only the JWK name: "prime256v1" or "ES256" is no crv. */
		if (c != NULL && strcmp(crv, c->jwk) == 0)
			group = c->group, size = c->field_bytes;
		if (group == NULL) {
			err_set(err, "EC JWK curve \"%s\" is not P-256, P-384 or P-521",
				crv != NULL ? crv : "(missing)");
			goto out;
		}
		if ((a = get_bn(jwk, "x", (size_t)size, err)) == NULL ||
		    (b = get_bn(jwk, "y", (size_t)size, err)) == NULL)
			goto out;
		point[0] = 0x04;
		BN_bn2binpad(a, point + 1, size);
		BN_bn2binpad(b, point + 1 + size, size);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * (size_t)size))
			goto ssl;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	} else {
		err_set(err, "JWK kty \"%s\" is not RSA or EC", kty != NULL ? kty : "(missing)");
		goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto ssl;
	if (strcmp(kty, "EC") == 0) {
		/* An EC point off the curve must not get as far as a signature check. (RSA is not
		 * checked so: OpenSSL's RSA public check tests the modulus for primality, minutes of
		 * CPU for a hostile JWKS of 16384-bit moduli, and proves nothing a verifier needs.) */
		EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
		int r = chk != NULL ? EVP_PKEY_public_check(chk) : 0;

		EVP_PKEY_CTX_free(chk);
		if (r != 1) {
			EVP_PKEY_free(*out);
			*out = NULL;
			goto ssl;
		}
	}
	ok = true;
	goto out;
ssl:
	err_ssl(err, "JWK is not a valid public key");
out:
	BN_free(a);
	BN_free(b);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}
