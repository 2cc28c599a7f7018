#include "config.h"

#include "jose/keygen.h"

#include "jose/keys.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	const char *algorithm; /* EVP_PKEY_Q_keygen's */
	int bits;	       /* RSA */
	const char *curve;     /* EC */
} types[] = {
    {"rsa-2048", "RSA", 2048, NULL}, {"rsa-3072", "RSA", 3072, NULL}, {"rsa-4096", "RSA", 4096, NULL},
    {"ec-p256", "EC", 0, "P-256"},   {"ec-p384", "EC", 0, "P-384"},   {"ec-p521", "EC", 0, "P-521"},
};

/* The PEM a BIO holds, as a malloc'd NUL-terminated string; the BIO's memory is cleansed. */
static char *take(BIO *b, size_t *len)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(b, &data);

	if (n <= 0 || (out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	OPENSSL_cleanse(data, (size_t)n);
	*len = (size_t)n;
	return out;
}

bool keygen_new(const char *type, keygen_pair *out, sao_err *err)
{
	EVP_PKEY *k = NULL;
	BIO *priv = NULL, *pub = NULL;
	bool ok = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(types) / sizeof(*types) && strcmp(types[i].name, type) != 0; i++)
		;
	if (i == sizeof(types) / sizeof(*types))
		return err_set(err, "key type \"%s\": choose one of " KEYGEN_TYPES, type);
	k = types[i].curve != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[i].curve)
				   : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)types[i].bits);
	if (k == NULL) {
		err_ssl(err, "generating a %s key", type);
		goto out;
	}
	if ((priv = BIO_new(BIO_s_secmem())) == NULL || (pub = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(priv, k, NULL, NULL, 0, NULL, NULL) || !PEM_write_bio_PUBKEY(pub, k)) {
		err_ssl(err, "writing the %s key as PEM", type);
		goto out;
	}
	out->private_pem = take(priv, &out->private_len);
	out->public_pem = take(pub, &out->public_len);
	if (out->private_pem == NULL || out->public_pem == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = key_kid(k, out->kid, err);
out:
	if (!ok)
		keygen_pair_clear(out);
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(k);
	return ok;
}

void keygen_pair_clear(keygen_pair *p)
{
	if (p->private_pem != NULL)
		OPENSSL_clear_free(p->private_pem, p->private_len + 1);
	free(p->public_pem);
	memset(p, 0, sizeof(*p));
}
