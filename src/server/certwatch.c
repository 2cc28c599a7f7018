#include "config.h"

#include "server/certwatch.h"

#include "net/tls.h"
#include "util/fsio.h"
#include "util/log.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void certwatch_init(certwatch *w, const char *cert_file, const char *key_file)
{
	const char *paths[] = {cert_file, key_file};

	w->cert_file = cert_file;
	w->key_file = key_file;
	memset(w->fp, 0, sizeof(w->fp));
	watch_fingerprint(paths, 2, w->fp);
}

bool certwatch_read(const char *cert_file, const char *key_file, char **cert, char **key, sao_err *err)
{
	unsigned char *c = NULL, *k = NULL;
	size_t clen = 0, klen = 0;
	bool ok = false;

	*cert = *key = NULL;
	if (!fs_read_file(cert_file, 1024 * 1024, &c, &clen, err)) {
		err_prefix(err, "--tls-cert %s: ", cert_file);
		goto out;
	}
	if (!fs_read_file(key_file, 1024 * 1024, &k, &klen, err)) {
		err_prefix(err, "--tls-key %s: ", key_file);
		goto out;
	}
	/* PEM is text: a NUL would hide the bytes after it from certwatch_pair_free's wipe. */
	if (memchr(k, 0, klen) != NULL) {
		err_set(err, "--tls-key %s: not a PEM file (it holds a NUL byte)", key_file);
		goto out;
	}
	if (!tls_check_pair((const char *)c, (const char *)k, err)) {
		err_prefix(err, "--tls-cert %s, --tls-key %s: ", cert_file, key_file);
		goto out;
	}
	*cert = (char *)c;
	*key = (char *)k;
	c = k = NULL;
	ok = true;
out:
	if (k != NULL)
		OPENSSL_clear_free(k, klen);
	free(c);
	return ok;
}

void certwatch_pair_free(char *cert, char *key)
{
	if (key != NULL)
		OPENSSL_clear_free(key, strlen(key));
	free(cert);
}

void certwatch_check(certwatch *w, certwatch_apply_fn apply, void *ctx)
{
	const char *paths[] = {w->cert_file, w->key_file};
	unsigned char nfp[WATCH_FP_LEN];
	char *cert = NULL, *key = NULL;
	sao_err err = {""};

	if (!watch_fingerprint(paths, 2, nfp) || memcmp(w->fp, nfp, WATCH_FP_LEN) == 0)
		return;
	memcpy(w->fp, nfp, WATCH_FP_LEN);
	if (certwatch_read(w->cert_file, w->key_file, &cert, &key, &err) && apply(ctx, cert, key, &err))
		log_info("TLS certificate files changed: serving the new certificate");
	else
		log_error("TLS certificate reload failed, still serving the previous certificate: %s", err.msg);
	certwatch_pair_free(cert, key);
}
