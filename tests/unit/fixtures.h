/* fixtures: keys made on the fly for the unit tests, as PEM/DER in memory. */
#ifndef SAOIDC_TEST_FIXTURES_H
#define SAOIDC_TEST_FIXTURES_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* "RSA" with bits, or "EC" with a curve name. */
static inline EVP_PKEY *fx_keygen(const char *type, const char *curve, size_t bits)
{
	if (strcmp(type, "RSA") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	if (strcmp(type, "EC") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	return EVP_PKEY_Q_keygen(NULL, NULL, type);
}

enum fx_form { FX_PUB_PEM, FX_PRIV_PKCS8_PEM, FX_PRIV_TRAD_PEM, FX_PUB_DER, FX_PRIV_DER, FX_RSA_PUB_PEM, FX_CERT_PEM };

/* Encodes the key; returns a malloc'd NUL-terminated buffer. */
static inline char *fx_encode(EVP_PKEY *k, enum fx_form form, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;
	unsigned char *der = NULL;
	int dl = -1;
	X509 *x = NULL;

	switch (form) {
	case FX_PUB_PEM:
		PEM_write_bio_PUBKEY(b, k);
		break;
	case FX_PRIV_PKCS8_PEM:
		PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
		break;
	case FX_PRIV_TRAD_PEM:
		PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
		break;
	case FX_RSA_PUB_PEM:
		PEM_write_bio_PUBKEY(b, k); /* replaced below */
		(void)BIO_reset(b);
		{
			unsigned char *p = NULL;
			int l = i2d_PublicKey(k, &p);
			PEM_write_bio(b, "RSA PUBLIC KEY", "", p, l);
			OPENSSL_free(p);
		}
		break;
	case FX_PUB_DER:
		dl = i2d_PUBKEY(k, &der);
		break;
	case FX_PRIV_DER:
		dl = i2d_PrivateKey(k, &der);
		break;
	case FX_CERT_PEM:
		x = X509_new();
		X509_set_version(x, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 3600);
		X509_set_pubkey(x, k);
		X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"t", -1,
					   -1, 0);
		X509_set_issuer_name(x, X509_get_subject_name(x));
		X509_sign(x, k, EVP_sha256());
		PEM_write_bio_X509(b, x);
		X509_free(x);
		break;
	}
	if (dl >= 0) {
		out = malloc((size_t)dl + 1);
		memcpy(out, der, (size_t)dl);
		out[dl] = '\0';
		*len = (size_t)dl;
		OPENSSL_free(der);
		BIO_free(b);
		return out;
	}
	n = BIO_get_mem_data(b, &data);
	out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	*len = (size_t)n;
	BIO_free(b);
	return out;
}

/* The kids of a JWKS ({"keys": [...]}) in order, each followed by a space, into buf. */
static inline const char *fx_kids(const json_t *jwks, char *buf, size_t len)
{
	size_t i;
	json_t *k;

	buf[0] = '\0';
	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		strncat(buf, json_string_value(json_object_get(k, "kid")), len - strlen(buf) - 2);
		strncat(buf, " ", len - strlen(buf) - 1);
	}
	return buf;
}

#endif
