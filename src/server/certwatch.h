/* certwatch: a TLS certificate and key given as files, served anew when they are renewed
 * (cert-manager rewriting a Secret volume): their fingerprint is compared at each check, and a
 * changed pair is read, checked and handed to the server; a bad pair leaves the previous one in
 * service, with an error on the log. Used by serve and the webhook. */
#ifndef SAOIDC_CERTWATCH_H
#define SAOIDC_CERTWATCH_H

#include "util/err.h"
#include "util/watch.h"

#include <stdbool.h>

typedef struct certwatch {
	const char *cert_file, *key_file;
	unsigned char fp[WATCH_FP_LEN];
} certwatch;

/* Puts the pair (PEM) in service; false with err when it is refused. */
typedef bool (*certwatch_apply_fn)(void *ctx, const char *cert_pem, const char *key_pem, sao_err *err);

/* Reads the pair (PEM) from its files and checks that the key is the certificate's; the error
 * names the option and file at fault. Free both with certwatch_pair_free (the key is wiped). */
bool certwatch_read(const char *cert_file, const char *key_file, char **cert, char **key, sao_err *err);
void certwatch_pair_free(char *cert, char *key);

/* Remembers the files as they are now (the pair the server started with). */
void certwatch_init(certwatch *w, const char *cert_file, const char *key_file);

/* When the files changed since the last look: reads them and applies the pair; logs either way. */
void certwatch_check(certwatch *w, certwatch_apply_fn apply, void *ctx);

#endif
