#include "config.h"

#include "jose/keys.h"

#include "util/b64.h"
#include "util/fsio.h"
#include "util/str.h"
#include "jose/kube_secret.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384

struct key_set {
	key_info *v;
	size_t n;
	size_t dups;
	bool allow_certs;
	strlist certs; /* certificates met by the add in progress, refused at its end */
};

/* What a key was read from. */
enum { FROM_KEY, FROM_CERT, FROM_CA_CERT };

key_set *key_set_new(void)
{
	return calloc(1, sizeof(key_set));
}

void key_set_free(key_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++) {
		EVP_PKEY_free(set->v[i].pkey);
		free(set->v[i].source);
	}
	free(set->v);
	strlist_clear(&set->certs);
	free(set);
}

void key_set_allow_certificates(key_set *set, bool allow)
{
	set->allow_certs = allow;
}

/* Drops the keys added after the first n (an add that failed leaves the set as it was). */
static void truncate_set(key_set *set, size_t n)
{
	while (set->n > n) {
		set->n--;
		EVP_PKEY_free(set->v[set->n].pkey);
		free(set->v[set->n].source);
	}
}

size_t key_set_count(const key_set *set)
{
	return set->n;
}

const key_info *key_set_get(const key_set *set, size_t i)
{
	return i < set->n ? &set->v[i] : NULL;
}

size_t key_set_duplicates(const key_set *set)
{
	return set->dups;
}

bool key_kid(EVP_PKEY *pkey, char kid[44], sao_err *err)
{
	unsigned char *der = NULL;
	unsigned char md[32];
	char *enc;
	int len = i2d_PUBKEY(pkey, &der);

	if (len <= 0)
		return err_ssl(err, "cannot encode the public key");
	if (EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL) != 1) {
		OPENSSL_free(der);
		return err_ssl(err, "SHA-256 failed");
	}
	OPENSSL_free(der);
	enc = b64url_encode(md, sizeof(md));
	if (enc == NULL)
		return err_set(err, "out of memory");
	memcpy(kid, enc, 44); /* 43 characters and the NUL */
	free(enc);
	return true;
}

static const key_curve curves[] = {
    {"prime256v1", "P-256", "ES256", 32},
    {"secp384r1", "P-384", "ES384", 48},
    {"secp521r1", "P-521", "ES512", 66},
};

const key_curve *key_curve_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(curves) / sizeof(*curves); i++)
		if (strcmp(name, curves[i].group) == 0 || strcmp(name, curves[i].jwk) == 0 ||
		    strcmp(name, curves[i].alg) == 0)
			return &curves[i];
	return NULL;
}

/* Rebuilds the RSA key from n and e alone, so nothing private survives and encoding is canonical. */
static EVP_PKEY *rsa_public(EVP_PKEY *in, sao_err *err)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *out = NULL;

	if (!EVP_PKEY_get_bn_param(in, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(in, OSSL_PKEY_PARAM_RSA_E, &e)) {
		err_ssl(err, "cannot read the RSA public key");
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL) {
		err_ssl(err, "out of memory");
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		err_ssl(err, "cannot rebuild the RSA public key");
		out = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return out;
}

/* Rebuilds the EC key from its named curve and uncompressed point. */
static EVP_PKEY *ec_public(EVP_PKEY *in, const key_curve *c, sao_err *err)
{
	BIGNUM *x = NULL, *y = NULL;
	unsigned char point[1 + 2 * 66];
	size_t plen = 1 + 2 * (size_t)c->field_bytes;
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *out = NULL;

	if (!EVP_PKEY_get_bn_param(in, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(in, OSSL_PKEY_PARAM_EC_PUB_Y, &y)) {
		err_ssl(err, "cannot read the EC public point");
		goto out;
	}
	point[0] = 0x04;
	if (BN_bn2binpad(x, point + 1, c->field_bytes) < 0 ||
	    BN_bn2binpad(y, point + 1 + c->field_bytes, c->field_bytes) < 0) {
		err_set(err, "EC public point does not fit the curve");
		goto out;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)c->group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, plen);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		err_ssl(err, "cannot rebuild the EC public key");
		out = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	BN_free(x);
	BN_free(y);
	return out;
}

bool key_rsa_bounds(const BIGNUM *n, const BIGNUM *e, const char *what, sao_err *err)
{
	if (BN_num_bits(n) < RSA_MIN_BITS || BN_num_bits(n) > RSA_MAX_BITS || !BN_is_odd(n))
		return err_set(err, "%s modulus is %d bits%s; %d to %d odd bits are required", what, BN_num_bits(n),
			       BN_is_odd(n) ? "" : " and even", RSA_MIN_BITS, RSA_MAX_BITS);
	if (BN_num_bits(e) < 2 || BN_num_bits(e) > 256 || !BN_is_odd(e))
		return err_set(err, "%s exponent is not an odd number of 2 to 256 bits", what);
	return true;
}

/* RSA: the bounds above (OpenSSL's RSA public check tests the modulus for primality: 5 ms for a
 * 2048-bit key, far more for EKS Anywhere's 4096-bit ones, and it proves nothing a verifier
 * needs). EC: OpenSSL's check that the point is on the curve. */
static bool public_check(EVP_PKEY *pkey, sao_err *err)
{
	EVP_PKEY_CTX *ctx;
	int r;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
		BIGNUM *n = NULL, *e = NULL;
		bool ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) &&
				  EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)
			      ? key_rsa_bounds(n, e, "RSA key", err)
			      : err_ssl(err, "RSA key without modulus or exponent");

		BN_free(n);
		BN_free(e);
		return ok;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	r = ctx != NULL ? EVP_PKEY_public_check(ctx) : -1;
	EVP_PKEY_CTX_free(ctx);
	if (r != 1)
		return err_ssl(err, "public key is invalid");
	return true;
}

/* Takes ownership of nothing: `in` may be a private key; only its public half is kept. */
static bool accept_key(key_set *set, EVP_PKEY *in, const char *source, int from, sao_err *err)
{
	key_info k;
	char group[64] = "";
	int id = EVP_PKEY_get_base_id(in);

	memset(&k, 0, sizeof(k));
	if (from != FROM_KEY && !set->allow_certs) {
		if (!strlist_addf(&set->certs, "%s (%s)", source,
				  from == FROM_CA_CERT ? "a CA certificate" : "a certificate"))
			return err_set(err, "out of memory");
		return true; /* refused, with every other one, when the add ends */
	}
	switch (id) {
	case EVP_PKEY_RSA:
		k.type = KEY_RSA;
		k.bits = EVP_PKEY_get_bits(in);
		k.alg = "RS256";
		if (k.bits < RSA_MIN_BITS)
			return err_set(err,
				       "RSA key is %d bits; at least %d are required (STS and Kubernetes "
				       "refuse shorter keys)",
				       k.bits, RSA_MIN_BITS);
		if (k.bits > RSA_MAX_BITS)
			return err_set(err, "RSA key is %d bits; at most %d are supported", k.bits, RSA_MAX_BITS);
		k.pkey = rsa_public(in, err);
		break;
	case EVP_PKEY_EC: {
		const key_curve *c;

		if (!EVP_PKEY_get_utf8_string_param(in, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL)) {
			ERR_clear_error();
			return err_set(err, "EC key uses explicit curve parameters; only the named curves P-256, "
					    "P-384 and P-521 are supported");
		}
		if ((c = key_curve_find(group)) == NULL)
			return err_set(err, "EC curve %s is not supported: STS accepts P-256, P-384 and P-521", group);
		k.type = KEY_EC;
		k.bits = EVP_PKEY_get_bits(in);
		k.curve = c->jwk;
		k.alg = c->alg;
		k.pkey = ec_public(in, c, err);
		break;
	}
	case EVP_PKEY_RSA_PSS:
		return err_set(err, "RSA-PSS keys (id-RSASSA-PSS) are not supported: Kubernetes signs with "
				    "plain RSA keys (rsaEncryption)");
	case EVP_PKEY_DSA:
		return err_set(err, "DSA keys are not supported: use RSA (>= 2048 bits) or ECDSA P-256/384/521");
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		return err_set(err, "%s keys are not supported: STS accepts RSA and ECDSA P-256/384/521 only",
			       id == EVP_PKEY_ED25519 ? "Ed25519" : "Ed448");
	default: {
		const char *name = EVP_PKEY_get0_type_name(in);

		return err_set(err, "%s keys are not supported: use RSA (>= 2048 bits) or ECDSA P-256/384/521",
			       name != NULL ? name : "this type of");
	}
	}
	if (k.pkey == NULL)
		return false;
	if (!public_check(k.pkey, err) || !key_kid(k.pkey, k.kid, err))
		goto fail;
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].kid, k.kid) == 0) {
			set->dups++;
			EVP_PKEY_free(k.pkey);
			return true;
		}
	}
	k.cert = from != FROM_KEY;
	k.ca_cert = from == FROM_CA_CERT;
	k.source = strdup(source);
	if (k.source == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	{
		key_info *nv = realloc(set->v, (set->n + 1) * sizeof(*nv));

		if (nv == NULL) {
			free(k.source);
			err_set(err, "out of memory");
			goto fail;
		}
		set->v = nv;
	}
	set->v[set->n++] = k;
	return true;
fail:
	EVP_PKEY_free(k.pkey);
	return false;
}

static bool pem_is_encrypted(const char *header)
{
	return header != NULL && strstr(header, "ENCRYPTED") != NULL;
}

#define ENCRYPTED_HINT                                                                                                 \
	"encrypted private keys are not supported: give the public key instead (openssl pkey -pubout) "                \
	"or decrypt the key first"

/* Decodes one PEM block. Returns 1 with *pkey set, 0 for a block that is skipped, -1 on error. */
static int pem_block_key(const char *name, const char *header, const unsigned char *der, long len, EVP_PKEY **pkey,
			 int *from, sao_err *err)
{
	const unsigned char *p = der;
	X509 *cert = NULL;

	*pkey = NULL;
	if (strcmp(name, "PUBLIC KEY") == 0) {
		*pkey = d2i_PUBKEY(NULL, &p, len);
	} else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
		*pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	} else if (strcmp(name, "PRIVATE KEY") == 0) {
		*pkey = d2i_AutoPrivateKey(NULL, &p, len);
	} else if (strcmp(name, "RSA PRIVATE KEY") == 0 || strcmp(name, "EC PRIVATE KEY") == 0) {
		if (pem_is_encrypted(header)) {
			err_set(err, ENCRYPTED_HINT);
			return -1;
		}
		*pkey = d2i_PrivateKey(name[0] == 'R' ? EVP_PKEY_RSA : EVP_PKEY_EC, NULL, &p, len);
	} else if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0 ||
		   strcmp(name, "TRUSTED CERTIFICATE") == 0) {
		cert = name[0] == 'T' ? d2i_X509_AUX(NULL, &p, len) : d2i_X509(NULL, &p, len);
		if (cert == NULL) {
			err_ssl(err, "malformed certificate");
			return -1;
		}
		*pkey = X509_get_pubkey(cert);
		*from = X509_check_ca(cert) > 0 ? FROM_CA_CERT : FROM_CERT;
		X509_free(cert);
	} else if (strcmp(name, "EC PARAMETERS") == 0) {
		return 0; /* `openssl ecparam -genkey` writes this before the key */
	} else if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) {
		err_set(err, ENCRYPTED_HINT);
		return -1;
	} else if (strcmp(name, "DSA PRIVATE KEY") == 0 || strcmp(name, "DSA PARAMETERS") == 0) {
		err_set(err, "DSA keys are not supported: use RSA (>= 2048 bits) or ECDSA P-256/384/521");
		return -1;
	} else if (strcmp(name, "OPENSSH PRIVATE KEY") == 0) {
		err_set(err, "OpenSSH key format is not supported: convert it with "
			     "`ssh-keygen -e -m PKCS8 -f FILE` or give the PEM key");
		return -1;
	} else {
		err_set(err, "PEM block \"%s\" is not a key or certificate", name);
		return -1;
	}
	if (*pkey == NULL) {
		err_ssl(err, "malformed %s", name);
		return -1;
	}
	return 1;
}

static bool add_pem(key_set *set, const unsigned char *buf, size_t len, const char *source, sao_err *err)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	size_t keys = 0, blocks = 0;
	bool ok = false;

	if (bio == NULL)
		return err_ssl(err, "%s: out of memory", source);
	for (;;) {
		char *name = NULL, *header = NULL;
		unsigned char *der = NULL;
		long dlen = 0;
		EVP_PKEY *pkey = NULL;
		int from = FROM_KEY, r;

		ERR_clear_error();
		if (!PEM_read_bio(bio, &name, &header, &der, &dlen)) {
			unsigned long e = ERR_peek_last_error();

			if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				if (blocks > 0)
					break;
				err_set(err,
					"%s: malformed PEM: no complete block (-----BEGIN LABEL----- ... "
					"-----END LABEL-----)",
					source);
				goto out;
			}
			err_ssl(err, "%s: malformed PEM", source);
			goto out;
		}
		blocks++;
		r = pem_block_key(name, header, der, dlen, &pkey, &from, err);
		OPENSSL_clear_free(der, (size_t)dlen);
		if (r < 0)
			err_prefix(err, "%s: ", source);
		OPENSSL_free(name);
		OPENSSL_free(header);
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		if (!accept_key(set, pkey, source, from, err)) {
			EVP_PKEY_free(pkey);
			err_prefix(err, "%s: ", source);
			goto out;
		}
		EVP_PKEY_free(pkey);
		keys++;
	}
	if (keys == 0) {
		err_set(err, "%s: no key or certificate in the PEM blocks", source);
		goto out;
	}
	ok = true;
out:
	BIO_free(bio);
	return ok;
}

/* A DER file: SubjectPublicKeyInfo, certificate, PKCS#8 or traditional private key, PKCS#1 public. */
static bool add_der(key_set *set, const unsigned char *buf, size_t len, const char *source, sao_err *err)
{
	EVP_PKEY *pkey = NULL;
	const unsigned char *p;
	X509 *cert;
	int from = FROM_KEY;
	bool ok;

	if (len < 2 || buf[0] != 0x30)
		return err_set(err,
			       "%s: not a key: expected PEM (-----BEGIN ...), DER or a Kubernetes Secret "
			       "in JSON or YAML",
			       source);
	p = buf;
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (pkey == NULL || p != buf + len) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
		p = buf;
		cert = d2i_X509(NULL, &p, (long)len);
		if (cert != NULL && p == buf + len) {
			pkey = X509_get_pubkey(cert);
			from = X509_check_ca(cert) > 0 ? FROM_CA_CERT : FROM_CERT;
		}
		X509_free(cert);
	}
	if (pkey == NULL) {
		p = buf;
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (pkey != NULL && p != buf + len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	if (pkey == NULL) {
		p = buf;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
		if (pkey != NULL && p != buf + len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	ERR_clear_error();
	if (pkey == NULL)
		return err_set(err,
			       "%s: not a key: DER data is not a public key, certificate or unencrypted "
			       "private key",
			       source);
	ok = accept_key(set, pkey, source, from, err);
	if (!ok)
		err_prefix(err, "%s: ", source);
	EVP_PKEY_free(pkey);
	return ok;
}

static bool contains(const unsigned char *buf, size_t len, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= len; i++)
		if (memcmp(buf + i, needle, nl) == 0)
			return true;
	return false;
}

static bool add_blob(key_set *set, const unsigned char *buf, size_t len, const char *source, bool nested, sao_err *err)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i == len)
		return err_set(err, "%s: %s", source, len == 0 ? "file is empty" : "file holds only white space");
	if (((buf[i] == '{' || buf[i] == '[') || kube_secret_yaml((const char *)buf, len)) && !nested) {
		kube_blob *blobs = NULL;
		size_t n = 0;
		bool ok = true;

		if (!(buf[i] == '{' || buf[i] == '['
			  ? kube_secret_extract((const char *)buf, len, &blobs, &n, err)
			  : kube_secret_extract_yaml((const char *)buf, len, &blobs, &n, err))) {
			err_prefix(err, "%s: ", source);
			return false;
		}
		for (size_t b = 0; ok && b < n; b++) {
			char *label = NULL;

			if (asprintf(&label, "%s (%s)", source, blobs[b].label) < 0)
				ok = err_set(err, "out of memory");
			else
				ok = add_blob(set, blobs[b].data, blobs[b].len, label, true, err);
			free(label);
		}
		kube_blobs_free(blobs, n);
		return ok;
	}
	if (contains(buf, len, "-----BEGIN "))
		return add_pem(set, buf, len, source, err);
	return add_der(set, buf, len, source, err);
}

/* Where the service-account key probably is among what was read: kubeadm's sa.pub/sa.key, a
 * Secret named <cluster>-sa. */
static bool sa_like(const char *source)
{
	const char *base = strrchr(source, '/') != NULL ? strrchr(source, '/') + 1 : source;

	return strncmp(base, "sa.pub", 6) == 0 || strncmp(base, "sa.key", 6) == 0 || strstr(source, "-sa, ") != NULL;
}

/* Ends one add: refuses it as a whole if it met certificates, and leaves the set as it was
 * before it (first n keys) when it fails. */
static bool add_end(key_set *set, size_t n0, bool ok, sao_err *err)
{
	if (ok && set->certs.n > 0) {
		char *list = NULL, *hint = NULL;
		size_t len = 0, hl = 0;
		FILE *f = open_memstream(&list, &len), *h = open_memstream(&hint, &hl);

		for (size_t i = 0; f != NULL && i < set->certs.n && i < 8; i++)
			fprintf(f, "%s%s", i > 0 ? ", " : "", set->certs.v[i]);
		if (f != NULL && set->certs.n > 8)
			fprintf(f, " and %zu more", set->certs.n - 8);
		for (size_t i = n0, m = 0; h != NULL && i < set->n; i++)
			if (sa_like(set->v[i].source))
				fprintf(h, "%s%s", m++ > 0 ? ", " : "; here that is probably ", set->v[i].source);
		if (f != NULL)
			fclose(f);
		if (h != NULL)
			fclose(h);
		ok = err_set(
		    err,
		    "refusing certificates as signing keys (whoever holds a certificate's private key could "
		    "sign tokens that STS accepts). Give only the service-account key: the plain key pair "
		    "kube-apiserver's --service-account-key-file names (kubeadm: /etc/kubernetes/pki/sa.pub; EKS "
		    "Anywhere: the <cluster>-sa Secret in eksa-system)%s. If this cluster's "
		    "--service-account-key-file really is a certificate, add --allow-certificate. Certificates "
		    "found: %s",
		    hint != NULL ? hint : "", list != NULL ? list : "(out of memory)");
		free(list);
		free(hint);
	}
	if (!ok)
		truncate_set(set, n0);
	strlist_clear(&set->certs);
	return ok;
}

bool key_set_add_blob(key_set *set, const unsigned char *buf, size_t len, const char *source, sao_err *err)
{
	size_t n0 = set->n;

	return add_end(set, n0, add_blob(set, buf, len, source, false, err), err);
}

static bool add_file(key_set *set, const char *path, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	bool ok;

	if (!fs_read_file(path, FS_READ_MAX, &buf, &len, err)) {
		err_prefix(err, "%s: ", strcmp(path, "-") == 0 ? "<stdin>" : path);
		return false;
	}
	ok = add_blob(set, buf, len, strcmp(path, "-") == 0 ? "<stdin>" : path, false, err);
	OPENSSL_clear_free(buf, len + 1);
	return ok;
}

static bool add_dir(key_set *set, const char *path, sao_err *err)
{
	char **files = NULL;
	size_t n = 0;
	bool ok = false;

	if (!fs_list_dir(path, &files, &n, err)) {
		err_prefix(err, "%s: ", path);
		return false;
	}
	if (n == 0) {
		err_set(err, "%s: directory has no key files", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!add_file(set, files[i], err))
			goto out;
	ok = true;
out:
	fs_list_free(files, n);
	return ok;
}

bool key_set_add_path(key_set *set, const char *path, sao_err *err)
{
	struct stat st;
	size_t n0 = set->n;

	if (strcmp(path, "-") == 0)
		return add_end(set, n0, add_file(set, path, err), err);
	if (stat(path, &st) != 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	return add_end(set, n0, S_ISDIR(st.st_mode) ? add_dir(set, path, err) : add_file(set, path, err), err);
}
