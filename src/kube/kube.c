#include "config.h"

#include "kube/kube.h"

#include "kube/kubeconfig.h"
#include "net/fetch.h"
#include "util/fsio.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

bool kube_is_uri(const char *key)
{
	return strncmp(key, KUBE_PREFIX, strlen(KUBE_PREFIX)) == 0;
}

/* A DNS-1123 name: what namespaces and Secret names are made of. */
static bool dns_name(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

bool kube_get(const kube_api *api, const char *path, char **body, size_t *len, long *max_age, sao_err *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	char *url = NULL, *base = NULL, *who = NULL;
	unsigned char *token = NULL;
	size_t tlen = 0;
	tls_opts o = {0};
	kube_conn kc = {0};
	fetch_result r = {0};
	bool ok = false;

	*body = NULL;
	*len = 0;
	/* Where and who: --kube-api (with --kube-token-file, --kube-ca), else the pod's own service
	 * account, else a kubeconfig as kubectl reads it. */
	if (api->url != NULL || (host != NULL && host[0] != '\0' && api->kubeconfig == NULL && api->context == NULL)) {
		const char *tf = api->token_file != NULL ? api->token_file : SA_DIR "/token";

		if (api->url != NULL)
			base = strdup(api->url);
		else if (asprintf(&base, "https://%s%s%s:%s", strchr(host, ':') != NULL ? "[" : "", host,
				  strchr(host, ':') != NULL ? "]" : "", port != NULL ? port : "443") < 0)
			base = NULL;
		o.ca_file = api->ca_file != NULL ? api->ca_file : SA_DIR "/ca.crt";
		if (!fs_read_file(tf, 64 * 1024, &token, &tlen, err)) {
			err_prefix(err, "Kubernetes token %s: ", tf);
			goto out;
		}
		while (tlen > 0 && (token[tlen - 1] == '\n' || token[tlen - 1] == '\r' || token[tlen - 1] == ' '))
			token[--tlen] = '\0';
		who = strdup(tf);
	} else {
		if (!kubeconfig_load(api->kubeconfig, api->context, &kc, err)) {
			if (host == NULL || host[0] == '\0')
				err_prefix(err, "not in a pod and no usable kubeconfig (give --kube-api URL, --kube-token-file and "
						"--kube-ca, or --kubeconfig/--context): ");
			goto out;
		}
		base = strdup(kc.server);
		o.ca_pem = kc.ca_pem;
		o.insecure = kc.insecure;
		o.client_cert_pem = kc.cert_pem;
		o.client_key_pem = kc.key_pem;
		if (kc.token != NULL) {
			token = (unsigned char *)kc.token;
			tlen = strlen(kc.token);
			kc.token = NULL;
		}
		who = strdup(kc.where);
	}
	/* The request carries a credential: never in clear text. */
	if (base != NULL && strncasecmp(base, "https://", 8) != 0) {
		err_set(err, "the Kubernetes API %s is not https://: the credential would cross the network in clear text; "
			     "give the API server's https:// URL (and its CA)", base);
		goto out;
	}
	if (base == NULL || who == NULL || asprintf(&url, "%s%s", base, path) < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!fetch_get_bearer(url, &o, (const char *)token, api->timeout_ms > 0 ? api->timeout_ms : 10000, &r, err)) {
		err_prefix(err, "Kubernetes API: ");
		goto out;
	}
	switch (r.status) {
	case 200:
		if (max_age != NULL)
			*max_age = fetch_max_age(r.cache_control);
		*body = r.body;
		*len = r.len;
		r.body = NULL;
		ok = true;
		break;
	case 401:
		err_set(err, "Kubernetes API answered 401 Unauthorized for %s: the credentials of %s are not valid "
			     "(expired, or for another cluster)", path, who);
		break;
	case 403:
		err_set(err, "Kubernetes API answered 403 Forbidden for %s: the service account may not read it; grant "
			     "\"get\" on it (deploy/kubernetes/identity/rbac.yaml)", path);
		break;
	case 404:
		err_set(err, "Kubernetes API answered 404 Not Found for %s", path);
		break;
	default:
		err_set(err, "Kubernetes API answered HTTP %ld for %s", r.status, path);
	}
out:
	kube_conn_clear(&kc);
	free(who);
	if (token != NULL)
		OPENSSL_clear_free(token, tlen + 1);
	if (r.body != NULL)
		OPENSSL_cleanse(r.body, r.len);
	fetch_result_clear(&r);
	free(url);
	free(base);
	return ok;
}

bool kube_secret_fetch(const kube_api *api, const char *uri, char **json, size_t *len, sao_err *err)
{
	const char *ns = uri + strlen(KUBE_PREFIX), *slash = strchr(ns, '/');
	char *path = NULL;
	bool ok;

	if (!kube_is_uri(uri) || slash == NULL || !dns_name(ns, (size_t)(slash - ns)) ||
	    !dns_name(slash + 1, strlen(slash + 1)))
		return err_set(err, "\"%s\" is not kube://NAMESPACE/SECRET (lower-case DNS names)", uri);
	if (asprintf(&path, "/api/v1/namespaces/%.*s/secrets/%s", (int)(slash - ns), ns, slash + 1) < 0)
		return err_set(err, "out of memory");
	ok = kube_get(api, path, json, len, NULL, err);
	if (!ok && strstr(err->msg, "404 Not Found") != NULL)
		err_set(err, "Secret %.*s/%s does not exist (Kubernetes API answered 404)", (int)(slash - ns), ns, slash + 1);
	free(path);
	return ok;
}
