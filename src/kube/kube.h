/* kube: the Kubernetes API as a key source: Secrets (`--key kube://NAMESPACE/NAME`) and the
 * cluster's own issuer documents, with the in-cluster service-account credentials or an
 * explicit API URL, token file and CA. */
#ifndef SAOIDC_KUBE_H
#define SAOIDC_KUBE_H

#include "net/fetch.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

#define KUBE_PREFIX "kube://"

typedef struct kube_api {
	const char *url;	   /* NULL: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT */
	const char *token_file;	   /* NULL: the pod's service-account token */
	const char *ca_file;	   /* NULL: the pod's service-account CA */
	long timeout_ms;	   /* per request; 0: 10 s */
	const char *kubeconfig;	   /* NULL: $KUBECONFIG or ~/.kube/config, when not in a pod */
	const char *context;	   /* NULL: the kubeconfig's current-context */
	const atomic_bool *cancel; /* non-NULL: requests stop soon after it becomes true */
} kube_api;

/* Whether a --key argument names a Secret in the API. */
bool kube_is_uri(const char *key);

/* GETs the Secret named by kube://NAMESPACE/NAME as JSON (malloc'd, cleanse before freeing).
 * 401, 403 and 404 are explained (RBAC: get on that Secret). */
bool kube_secret_fetch(const kube_api *api, const char *uri, char **json, size_t *len, sao_err *err);

/* GETs an API path (e.g. /openid/v1/jwks) as a JSON body (malloc'd). */
bool kube_get(const kube_api *api, const char *path, char **body, size_t *len, long *max_age, sao_err *err);

/* GETs an API path whose answer is a stream (?watch=1): each piece of a 200 body goes to on_chunk
 * as it arrives, until the server ends it, timeout_ms passes, on_chunk returns false or *cancel
 * becomes true. *status gets the HTTP status (0 when none came); any but 200 fails, explained. */
bool kube_stream(const kube_api *api, const char *path, fetch_chunk_fn on_chunk, void *ctx, const atomic_bool *cancel,
		 long timeout_ms, long *status, sao_err *err);

#endif
