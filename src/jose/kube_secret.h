/* kube_secret: pulls signing-key material out of a Kubernetes Secret or List of Secrets in
 * JSON or YAML (`kubectl get secret NAME -o json|yaml`), e.g. the EKS Anywhere `<cluster>-sa`
 * Secret. */
#ifndef SAOIDC_KUBE_SECRET_H
#define SAOIDC_KUBE_SECRET_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kube_blob {
	unsigned char *data; /* decoded value (PEM or DER); may be a private key */
	size_t len;
	char *label; /* "secret eksa-system/mgmt-sa, tls.crt" */
} kube_blob;

/* Per Secret, takes the public key from tls.crt, sa.pub or key.pub, else the private key from
 * tls.key or sa.key. A List skips Secrets that have none; it fails if none has any. */
bool kube_secret_extract(const char *json, size_t len, kube_blob **blobs, size_t *n, sao_err *err);

/* Whether a file looks like `kubectl get secret -o yaml` (starts with apiVersion: or kind:). */
bool kube_secret_yaml(const char *text, size_t len);
/* The same as kube_secret_extract from that YAML. */
bool kube_secret_extract_yaml(const char *text, size_t len, kube_blob **blobs, size_t *n, sao_err *err);

/* Cleanses and frees what kube_secret_extract returned. */
void kube_blobs_free(kube_blob *blobs, size_t n);

#endif
