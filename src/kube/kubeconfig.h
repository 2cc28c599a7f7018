/* kubeconfig: where the Kubernetes API is and who to be there, read from kubeconfig files as
 * kubectl reads them: KUBECONFIG (files joined by ':', the first to name a context, cluster
 * or user wins) or ~/.kube/config; the current context or a given one; the server and its CA
 * (file or data, or insecure-skip-tls-verify); the user's token, tokenFile, client certificate
 * and key (file or data), or an exec credential plugin (client.authentication.k8s.io
 * ExecCredential: a token or a client certificate). */
#ifndef SAOIDC_KUBECONFIG_H
#define SAOIDC_KUBECONFIG_H

#include "util/err.h"

#include <stdbool.h>

typedef struct kube_conn {
	char *server;  /* https://HOST[:PORT] */
	char *ca_file; /* or ca_pem, or neither (the system's CAs) */
	char *ca_pem;
	bool insecure;
	char *token;	/* bearer token, or NULL */
	char *cert_pem; /* client certificate and key, or NULL */
	char *key_pem;
	char *where; /* "kubeconfig FILE, context NAME", for messages */
} kube_conn;

/* files: NULL for $KUBECONFIG or ~/.kube/config; context: NULL for current-context. */
bool kubeconfig_load(const char *files, const char *context, kube_conn *out, sao_err *err);
/* Cleanses the secrets and frees everything. */
void kube_conn_clear(kube_conn *c);

#endif
