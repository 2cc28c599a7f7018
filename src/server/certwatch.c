#include "config.h"

#include "server/certwatch.h"

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

void certwatch_check(certwatch *w, certwatch_apply_fn apply, void *ctx)
{
	const char *paths[] = {w->cert_file, w->key_file};
	unsigned char nfp[WATCH_FP_LEN];
	unsigned char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	sao_err err = {""};

	if (!watch_fingerprint(paths, 2, nfp) || memcmp(w->fp, nfp, WATCH_FP_LEN) == 0)
		return;
	memcpy(w->fp, nfp, WATCH_FP_LEN);
	if (!fs_read_file(w->cert_file, 1024 * 1024, &cert, &clen, &err))
		err_prefix(&err, "--tls-cert %s: ", w->cert_file);
	else if (!fs_read_file(w->key_file, 1024 * 1024, &key, &klen, &err))
		err_prefix(&err, "--tls-key %s: ", w->key_file);
	if (err.msg[0] == '\0' && apply(ctx, (const char *)cert, (const char *)key, &err))
		log_info("TLS certificate files changed: serving the new certificate");
	else
		log_error("TLS certificate reload failed, still serving the previous certificate: %s", err.msg);
	if (key != NULL)
		OPENSSL_clear_free(key, klen);
	free(cert);
}
