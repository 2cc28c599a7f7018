#include "config.h"

#include "jwk.h"

#include "b64.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
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
