/* Unit tests for src/jose/jwk.c: member order and set, minimal n/e, EC coordinates padded. */
#include "config.h"

#include "util/b64.h"
#include "../fixtures.h"
#include "jose/jwk.h"
#include "../tap.h"

#include <openssl/core_names.h>

static key_set *set_of(EVP_PKEY *k)
{
	size_t len;
	char *pem = fx_encode(k, FX_PUB_PEM, &len);
	key_set *s = key_set_new();
	sao_err err;

	if (!key_set_add_blob(s, (unsigned char *)pem, len, "t", &err)) {
		key_set_free(s);
		s = NULL;
	}
	free(pem);
	return s;
}

static size_t member_len(json_t *jwk, const char *name)
{
	const char *v = json_string_value(json_object_get(jwk, name));
	unsigned char *raw = NULL;
	size_t n = 0;

	if (v == NULL || !b64url_decode(v, strlen(v), &raw, &n))
		return 0;
	free(raw);
	return n;
}

static const char *keys_of(json_t *jwk, char *buf, size_t cap)
{
	const char *k;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach(jwk, k, v)
	{
		strncat(buf, k, cap - strlen(buf) - 2);
		strncat(buf, ",", cap - strlen(buf) - 1);
	}
	return buf;
}

int main(void)
{
	EVP_PKEY *k = fx_keygen("RSA", NULL, 2048);
	key_set *s = set_of(k);
	sao_err err;
	json_t *set, *jwk;
	char names[256];
	unsigned char *raw = NULL;
	size_t n = 0;
	int padded_x = 0, padded_y = 0, unpadded = 0;

	set = jwk_set_build(s, false, &err);
	jwk = json_array_get(json_object_get(set, "keys"), 0);
	is_str(keys_of(jwk, names, sizeof(names)), "use,kty,kid,alg,n,e,", "RSA members in go-jose order");
	is_str(json_string_value(json_object_get(jwk, "e")), "AQAB", "e is AQAB, no leading zero");
	is_int(member_len(jwk, "n"), 256, "n of a 2048-bit key is 256 bytes (no leading zero byte)");
	b64url_decode(json_string_value(json_object_get(jwk, "n")),
		      strlen(json_string_value(json_object_get(jwk, "n"))), &raw, &n);
	ok(n > 0 && raw[0] != 0, "n starts with a non-zero byte");
	free(raw);
	json_decref(set);

	set = jwk_set_build(s, true, &err);
	is_int(json_array_size(json_object_get(set, "keys")), 2, "legacy-empty-kid adds a second entry");
	is_str(json_string_value(json_object_get(json_array_get(json_object_get(set, "keys"), 1), "kid")), "",
	       "the second entry has kid \"\"");
	json_decref(set);
	key_set_free(s);
	EVP_PKEY_free(k);

	for (int i = 0; i < 3; i++) {
		const char *curves[] = {"P-256", "P-384", "P-521"};
		size_t sizes[] = {32, 48, 66};

		k = fx_keygen("EC", curves[i], 0);
		s = set_of(k);
		set = jwk_set_build(s, false, &err);
		jwk = json_array_get(json_object_get(set, "keys"), 0);
		is_str(keys_of(jwk, names, sizeof(names)), "use,kty,kid,crv,alg,x,y,", "%s members in go-jose order",
		       curves[i]);
		ok(member_len(jwk, "x") == sizes[i] && member_len(jwk, "y") == sizes[i], "%s x and y are %zu bytes",
		   curves[i], sizes[i]);
		{
			const char *other[] = {"prime256v1", "secp384r1", "secp521r1"};
			EVP_PKEY *back = NULL;

			ok(jwk_to_pkey(jwk, &back, &err) && EVP_PKEY_eq(back, k) == 1, "%s JWK reads back as the key",
			   curves[i]);
			EVP_PKEY_free(back);
			back = NULL;
			json_object_set_new(jwk, "crv", json_string(other[i]));
			ok(!jwk_to_pkey(jwk, &back, &err) && strstr(err.msg, "is not P-256, P-384 or P-521") != NULL,
			   "crv \"%s\" (OpenSSL's name, not the JWK's) is refused", other[i]);
			EVP_PKEY_free(back);
		}
		json_decref(set);
		key_set_free(s);
		EVP_PKEY_free(k);
	}

	/* Coordinates with a leading zero byte occur once in 256 keys: make sure we meet some. */
	for (int i = 0; i < 3000 && (padded_x == 0 || padded_y == 0); i++) {
		BIGNUM *x = NULL, *y = NULL;

		k = fx_keygen("EC", "P-256", 0);
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x);
		EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
		if (BN_num_bytes(x) < 32 || BN_num_bytes(y) < 32) {
			bool short_x = BN_num_bytes(x) < 32;

			s = set_of(k);
			set = jwk_set_build(s, false, &err);
			jwk = json_array_get(json_object_get(set, "keys"), 0);
			if (member_len(jwk, short_x ? "x" : "y") != 32)
				unpadded++;
			if (short_x)
				padded_x++;
			else
				padded_y++;
			json_decref(set);
			key_set_free(s);
		}
		BN_free(x);
		BN_free(y);
		EVP_PKEY_free(k);
	}
	ok(padded_x > 0 && padded_y > 0, "met short x and short y coordinates (%d, %d)", padded_x, padded_y);
	/* One test point for all of them, so the plan does not depend on which keys came up. */
	is_int(unpadded, 0, "every coordinate with a leading zero byte is padded to 32 bytes");
	return tap_done();
}
