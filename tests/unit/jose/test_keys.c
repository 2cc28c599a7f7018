/* Unit tests for src/jose/keys.c and src/jose/kube_secret.c: every input form, refusals, deduplication,
 * and that private material never survives loading. */
#include "config.h"

#include "util/b64.h"
#include "../fixtures.h"
#include "jose/keys.h"
#include "../tap.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <stdio.h>

#define DSA_PEM "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n"
#define FOO_PEM "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"

static bool load_certs(const char *buf, size_t len, bool certs, key_set **out, sao_err *err)
{
	key_set *s = key_set_new();
	bool r;

	key_set_allow_certificates(s, certs);
	r = key_set_add_blob(s, (const unsigned char *)buf, len, "t.pem", err);

	if (out != NULL)
		*out = s;
	else
		key_set_free(s);
	return r;
}

static bool load(const char *buf, size_t len, key_set **out, sao_err *err)
{
	return load_certs(buf, len, false, out, err);
}

static void refused(const char *buf, size_t len, const char *needle, const char *what)
{
	sao_err err = {""};
	bool r = load(buf, len, NULL, &err);

	ok(!r && strstr(err.msg, needle) != NULL && strncmp(err.msg, "t.pem", 5) == 0, "refuses %s", what);
	if (r || strstr(err.msg, needle) == NULL)
		printf("#   message: %s\n", err.msg);
}

static void forms(const char *type, const char *curve, size_t bits, const char *alg)
{
	EVP_PKEY *k = fx_keygen(type, curve, bits);
	enum fx_form fs[] = {FX_PUB_PEM,  FX_PRIV_PKCS8_PEM, FX_PRIV_TRAD_PEM, FX_PUB_DER,
			     FX_PRIV_DER, FX_CERT_PEM,	     FX_RSA_PUB_PEM};
	const char *names[] = {"PUBLIC KEY PEM", "PKCS#8 PEM",	"traditional PEM",   "SPKI DER",
			       "private DER",	 "certificate", "RSA PUBLIC KEY PEM"};
	unsigned char *der = NULL, md[32];
	int dl = i2d_PUBKEY(k, &der);
	char *want;

	EVP_Digest(der, (size_t)dl, md, NULL, EVP_sha256(), NULL);
	OPENSSL_free(der);
	want = b64url_encode(md, 32);
	for (size_t i = 0; i < sizeof(fs) / sizeof(*fs); i++) {
		size_t len;
		char *buf;
		key_set *s = NULL;
		sao_err err = {""};
		const key_info *ki;

		if (fs[i] == FX_RSA_PUB_PEM && strcmp(type, "RSA") != 0)
			continue;
		buf = fx_encode(k, fs[i], &len);
		ok(load_certs(buf, len, fs[i] == FX_CERT_PEM, &s, &err), "%s %s loads from %s %s", type,
		   curve ? curve : "", names[i], err.msg);
		ki = key_set_get(s, 0);
		if (ki != NULL) {
			BIGNUM *priv = NULL;

			is_str(ki->kid, want, "%s %s %s: kid is base64url(SHA-256(DER SPKI))", type, curve ? curve : "",
			       names[i]);
			is_str(ki->alg, alg, "%s alg", names[i]);
			ok(!EVP_PKEY_get_bn_param(ki->pkey, OSSL_PKEY_PARAM_RSA_D, &priv) &&
			       !EVP_PKEY_get_bn_param(ki->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &priv),
			   "%s: no private component kept", names[i]);
			BN_free(priv);
			ERR_clear_error();
		} else {
			ok(false, "%s: kid", names[i]);
			ok(false, "%s: alg", names[i]);
			ok(false, "%s: private", names[i]);
		}
		key_set_free(s);
		free(buf);
	}
	free(want);
	EVP_PKEY_free(k);
}

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static void secrets(void)
{
	EVP_PKEY *a = fx_keygen("EC", "P-256", 0), *b = fx_keygen("EC", "P-384", 0);
	size_t l1, l2, l3;
	char *apub = fx_encode(a, FX_PUB_PEM, &l1), *apriv = fx_encode(a, FX_PRIV_TRAD_PEM, &l2);
	char *bpriv = fx_encode(b, FX_PRIV_PKCS8_PEM, &l3);
	char *apub64 = b64(apub), *apriv64 = b64(apriv), *bpriv64 = b64(bpriv);
	char json[16384];
	key_set *s = NULL;
	sao_err err = {""};

	/* The EKS Anywhere <cluster>-sa Secret: tls.crt holds the PKIX public key. */
	snprintf(json, sizeof(json),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"mgmt-sa\",\"namespace\":"
		 "\"eksa-system\"},\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"%s\",\"tls.key\":\"%s\"}}",
		 apub64, apriv64);
	ok(load(json, strlen(json), &s, &err), "EKS Anywhere -sa Secret loads %s", err.msg);
	ok(key_set_count(s) == 1 && strstr(key_set_get(s, 0)->source, "eksa-system/mgmt-sa, tls.crt") != NULL,
	   "takes tls.crt and names the Secret in the source");
	key_set_free(s);

	snprintf(json, sizeof(json), "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"x\"},\"data\":{\"sa.key\":\"%s\"}}",
		 bpriv64);
	ok(load(json, strlen(json), &s, &err) && key_set_count(s) == 1 &&
	       strcmp(key_set_get(s, 0)->curve, "P-384") == 0,
	   "derives the public key from sa.key");
	key_set_free(s);

	snprintf(json, sizeof(json),
		 "{\"kind\":\"List\",\"items\":[{\"kind\":\"Secret\",\"metadata\":{\"name\":\"other\"},\"data\":{\"x\":"
		 "\"eA==\"}},"
		 "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"a\"},\"data\":{\"sa.pub\":\"%s\"}},"
		 "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"b\"},\"stringData\":{\"tls.key\":\"%s\"}}]}",
		 apub64, bpriv);
	/* bpriv holds raw newlines, which JSON forbids in strings: rebuild with stringData escaped. */
	{
		json_t *j =
		    json_pack("{s:s, s:[{s:s, s:{s:s}, s:{s:s}}, {s:s, s:{s:s}, s:{s:s}}, {s:s, s:{s:s}, s:{s:s}}]}",
			      "kind", "List", "items", "kind", "Secret", "metadata", "name", "other", "data", "x",
			      "eA==", "kind", "Secret", "metadata", "name", "a", "data", "sa.pub", apub64, "kind",
			      "Secret", "metadata", "name", "b", "stringData", "tls.key", bpriv);
		char *d = json_dumps(j, 0);

		snprintf(json, sizeof(json), "%s", d);
		free(d);
		json_decref(j);
	}
	ok(load(json, strlen(json), &s, &err) && key_set_count(s) == 2,
	   "List of Secrets: skips one without keys, "
	   "takes two %s",
	   err.msg);
	key_set_free(s);

	snprintf(json, sizeof(json), "{\"kind\":\"List\",\"items\":[{\"kind\":\"Secret\",\"data\":{\"x\":\"eA==\"}}]}");
	refused(json, strlen(json), "no Secret in the List has", "List with no usable key");
	snprintf(json, sizeof(json),
		 "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"n\"},\"data\":{\"tls.crt\":\"@@@\"}}");
	refused(json, strlen(json), "data[\"tls.crt\"] is not valid base64", "non-base64 Secret value");
	snprintf(json, sizeof(json), "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"n\"}}");
	refused(json, strlen(json), "has no tls.crt", "Secret without data");
	snprintf(json, sizeof(json), "{\"kind\":\"ConfigMap\"}");
	refused(json, strlen(json), "not a Kubernetes Secret or List", "a ConfigMap");
	snprintf(json, sizeof(json), "{\"keys\":[]}");
	refused(json, strlen(json), "this is a JWKS", "a JWKS given as a key");
	snprintf(json, sizeof(json), "{\"kind\":\"Secret\",");
	refused(json, strlen(json), "invalid JSON", "truncated JSON");
	snprintf(json, sizeof(json), "{\"kind\":\"Secret\",\"data\":{\"tls.crt\":\"%s\"}}", bpriv64 + 8);
	refused(json, strlen(json), "t.pem", "Secret whose value is not a key");

	free(apub);
	free(apriv);
	free(bpriv);
	free(apub64);
	free(apriv64);
	free(bpriv64);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

int main(void)
{
	size_t len, l2;
	char *buf, *buf2, *both;
	key_set *s = NULL;
	sao_err err = {""};
	EVP_PKEY *k;

	forms("RSA", NULL, 2048, "RS256");
	forms("EC", "P-256", 0, "ES256");
	forms("EC", "P-384", 0, "ES384");
	forms("EC", "P-521", 0, "ES512");

	/* One curve table: each of a curve's three names finds the same entry. */
	{
		const char *names[][3] = {
		    {"prime256v1", "P-256", "ES256"}, {"secp384r1", "P-384", "ES384"}, {"secp521r1", "P-521", "ES512"}};
		const int bytes[] = {32, 48, 66};

		for (size_t i = 0; i < 3; i++) {
			const key_curve *c = key_curve_find(names[i][0]);

			ok(c != NULL && c == key_curve_find(names[i][1]) && c == key_curve_find(names[i][2]) &&
			       strcmp(c->jwk, names[i][1]) == 0 && strcmp(c->alg, names[i][2]) == 0 &&
			       c->field_bytes == bytes[i],
			   "curve %s: found by its OpenSSL, JWK and JWS names, %d bytes", names[i][1], bytes[i]);
		}
		ok(key_curve_find("secp256k1") == NULL && key_curve_find("RS256") == NULL &&
		       key_curve_find(NULL) == NULL,
		   "no entry for secp256k1, RS256 or NULL");
	}

	/* A certificate is refused unless allowed, and with a plain key beside it the whole input
	 * fails and the set is left as it was. */
	k = fx_keygen("EC", "P-256", 0);
	buf = fx_encode(k, FX_CERT_PEM, &len);
	buf2 = fx_encode(k, FX_PUB_PEM, &l2);
	ok(!load(buf, len, NULL, &err) && strstr(err.msg, "refusing certificates as signing keys") != NULL &&
	       strstr(err.msg, "t.pem (a certificate)") != NULL && strstr(err.msg, "--allow-certificate") != NULL,
	   "a certificate is refused by default, named, with the way out");
	both = malloc(len + l2 + 1);
	memcpy(both, buf2, l2);
	memcpy(both + l2, buf, len);
	both[len + l2] = '\0';
	s = key_set_new();
	ok(key_set_add_blob(s, (unsigned char *)buf2, l2, "sa.pub", &err) &&
	       !key_set_add_blob(s, (unsigned char *)both, len + l2, "mixed.pem", &err) && key_set_count(s) == 1 &&
	       strstr(err.msg, "mixed.pem (a certificate)") != NULL,
	   "a key and a certificate in one input: the input fails as a whole, the set keeps what it had: %s", err.msg);
	key_set_free(s);
	free(both);
	free(buf);
	free(buf2);
	EVP_PKEY_free(k);

	k = fx_keygen("RSA", NULL, 1024);
	buf = fx_encode(k, FX_PUB_PEM, &len);
	refused(buf, len, "1024 bits; at least 2048", "RSA 1024");
	free(buf);
	EVP_PKEY_free(k);

	k = fx_keygen("ED25519", NULL, 0);
	buf = fx_encode(k, FX_PUB_PEM, &len);
	refused(buf, len, "Ed25519 keys are not supported", "Ed25519");
	free(buf);
	EVP_PKEY_free(k);

	k = fx_keygen("EC", "secp256k1", 0);
	buf = fx_encode(k, FX_PUB_PEM, &len);
	refused(buf, len, "curve secp256k1 is not supported", "secp256k1");
	free(buf);

	{
		BIO *b = BIO_new(BIO_s_mem());
		char *d;
		long n;

		PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"pass");
		n = BIO_get_mem_data(b, &d);
		refused(d, (size_t)n, "encrypted private keys are not supported", "encrypted PKCS#8");
		BIO_free(b);
	}
	EVP_PKEY_free(k);

	refused("", 0, "file is empty", "an empty file");
	refused("  \n", 3, "only white space", "white space");
	refused("hello world", 11, "not a key", "text");
	refused("\x30\x03\x02\x01\x01", 5, "not a key", "DER that is no key");
	refused("-----BEGIN PUBLIC KEY-----\nMIIB\n", 32, "malformed", "a truncated PEM");
	refused("-----BEGIN PUBLIC KEY-----\nMII$$$\n-----END PUBLIC KEY-----\n", 57, "malformed", "bad base64 in PEM");
	refused(DSA_PEM, strlen(DSA_PEM), "DSA keys are not supported", "a DSA PEM block");
	refused(FOO_PEM, strlen(FOO_PEM), "\"FOO\" is not a key", "an unknown PEM label");

	/* Several blocks, the same key twice, EC PARAMETERS before an EC key. */
	k = fx_keygen("EC", "P-256", 0);
	buf = fx_encode(k, FX_PRIV_TRAD_PEM, &len);
	EVP_PKEY_free(k);
	k = fx_keygen("RSA", NULL, 2048);
	buf2 = fx_encode(k, FX_PUB_PEM, &l2);
	both = malloc(len + 2 * l2 + 200);
	snprintf(both, len + 2 * l2 + 200,
		 "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n%s%s%s", buf, buf2,
		 buf2);
	ok(load(both, strlen(both), &s, &err), "multi-block PEM loads %s", err.msg);
	is_int(key_set_count(s), 2, "two distinct keys");
	is_int(key_set_duplicates(s), 1, "the repeated key is counted as a duplicate");
	ok(key_set_get(s, 0)->type == KEY_EC && key_set_get(s, 1)->type == KEY_RSA, "order is kept");
	key_set_free(s);
	free(both);
	free(buf);
	free(buf2);
	EVP_PKEY_free(k);

	secrets();
	return tap_done();
}
