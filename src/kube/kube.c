#include "config.h"

#include "kube/kube.h"

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
	char *url = NULL, *base = NULL;
	unsigned char *token = NULL;
	size_t tlen = 0;
	tls_opts o = {NULL, api->ca_file != NULL ? api->ca_file : SA_DIR "/ca.crt", false};
	const char *tf = api->token_file != NULL ? api->token_file : SA_DIR "/token";
	fetch_result r = {0};
	bool ok = false;

	*body = NULL;
	*len = 0;
	if (api->url != NULL)
		base = strdup(api->url);
	else if (host != NULL && host[0] != '\0') {
		bool v6 = strchr(host, ':') != NULL;

		if (asprintf(&base, "https://%s%s%s:%s", v6 ? "[" : "", host, v6 ? "]" : "", port != NULL ? port : "443") < 0)
			base = NULL;
	} else {
		return err_set(err, "not running in a cluster (KUBERNETES_SERVICE_HOST is not set): give --kube-api URL, "
				    "--kube-token-file and --kube-ca");
	}
	/* The request carries the service-account token: never in clear text. */
	if (base != NULL && strncasecmp(base, "https://", 8) != 0) {
		err_set(err, "--kube-api %s is not https://: the bearer token would cross the network in clear text; "
			     "give the API server's https:// URL (and --kube-ca for its CA)", base);
		goto out;
	}
	if (base == NULL || asprintf(&url, "%s%s", base, path) < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!fs_read_file(tf, 64 * 1024, &token, &tlen, err)) {
		err_prefix(err, "Kubernetes token %s: ", tf);
		goto out;
	}
	while (tlen > 0 && (token[tlen - 1] == '\n' || token[tlen - 1] == '\r' || token[tlen - 1] == ' '))
		token[--tlen] = '\0';
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
		err_set(err, "Kubernetes API answered 401 Unauthorized for %s: the token in %s is not valid (expired, or "
			     "for another cluster)", path, tf);
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
