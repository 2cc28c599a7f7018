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

/* Where the API is and who we are there: --kube-api (with --kube-token-file, --kube-ca), else the
 * pod's own service account, else a kubeconfig as kubectl reads it. */
typedef struct target {
	char *base, *who;
	unsigned char *token;
	size_t tlen;
	tls_opts o;
	kube_conn kc;
} target;

static void target_close(target *t)
{
	kube_conn_clear(&t->kc);
	free(t->who);
	if (t->token != NULL)
		OPENSSL_clear_free(t->token, t->tlen + 1);
	free(t->base);
	memset(t, 0, sizeof(*t));
}

static bool target_open(const kube_api *api, target *t, sao_err *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");

	memset(t, 0, sizeof(*t));
	if (api->url != NULL || (host != NULL && host[0] != '\0' && api->kubeconfig == NULL && api->context == NULL)) {
		const char *tf = api->token_file != NULL ? api->token_file : SA_DIR "/token";

		if (api->url != NULL)
			t->base = strdup(api->url);
		else if (asprintf(&t->base, "https://%s%s%s:%s", strchr(host, ':') != NULL ? "[" : "", host,
				  strchr(host, ':') != NULL ? "]" : "", port != NULL ? port : "443") < 0)
			t->base = NULL;
		t->o.ca_file = api->ca_file != NULL ? api->ca_file : SA_DIR "/ca.crt";
		if (!fs_read_file(tf, 64 * 1024, &t->token, &t->tlen, err)) {
			err_prefix(err, "Kubernetes token %s: ", tf);
			goto fail;
		}
		while (t->tlen > 0 &&
		       (t->token[t->tlen - 1] == '\n' || t->token[t->tlen - 1] == '\r' || t->token[t->tlen - 1] == ' '))
			t->token[--t->tlen] = '\0';
		t->who = strdup(tf);
	} else {
		if (!kubeconfig_load(api->kubeconfig, api->context, &t->kc, err)) {
			/* Given --kubeconfig, the message names that file already. */
			if (api->kubeconfig == NULL && (host == NULL || host[0] == '\0'))
				err_prefix(
				    err,
				    "not in a pod and no usable kubeconfig (give --kube-api URL, --kube-token-file and "
				    "--kube-ca, or --kubeconfig/--context): ");
			goto fail;
		}
		t->base = strdup(t->kc.server);
		t->o.ca_pem = t->kc.ca_pem;
		t->o.insecure = t->kc.insecure;
		t->o.client_cert_pem = t->kc.cert_pem;
		t->o.client_key_pem = t->kc.key_pem;
		if (t->kc.token != NULL) {
			t->token = (unsigned char *)t->kc.token;
			t->tlen = strlen(t->kc.token);
			t->kc.token = NULL;
		}
		t->who = strdup(t->kc.where);
	}
	if (t->base == NULL || t->who == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	/* The request carries a credential: never in clear text. */
	if (strncasecmp(t->base, "https://", 8) != 0) {
		err_set(err,
			"the Kubernetes API %s is not https://: the credential would cross the network in clear text; "
			"give the API server's https:// URL (and its CA)",
			t->base);
		goto fail;
	}
	return true;
fail:
	target_close(t);
	return false;
}

/* One GET of path, streamed to on_chunk when it is set. */
static bool request(const kube_api *api, const char *path, fetch_chunk_fn on_chunk, void *ctx,
		    const atomic_bool *cancel, long timeout_ms, fetch_result *r, char **who, sao_err *err)
{
	target t;
	char *url = NULL, *auth = NULL;
	const char *hdr[2] = {"Accept: application/json", NULL};
	fetch_req req = {.tls = NULL,
			 .headers = hdr,
			 .nheaders = 1,
			 .on_chunk = on_chunk,
			 .chunk_ctx = ctx,
			 .cancel = cancel != NULL ? cancel : api->cancel};
	bool ok = false;

	memset(r, 0, sizeof(*r));
	if (!target_open(api, &t, err))
		return false;
	if (asprintf(&url, "%s%s", t.base, path) < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (t.token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", (const char *)t.token) < 0) {
			auth = NULL;
			err_set(err, "out of memory");
			goto out;
		}
		hdr[1] = auth;
		req.nheaders = 2;
	}
	req.url = url;
	req.tls = &t.o;
	req.timeout_ms = timeout_ms;
	if (!fetch_do(&req, r, err)) {
		err_prefix(err, "Kubernetes API: ");
		goto out;
	}
	ok = true;
	if (who != NULL && (*who = strdup(t.who)) == NULL)
		ok = err_set(err, "out of memory");
out:
	if (auth != NULL)
		OPENSSL_clear_free(auth, strlen(auth));
	free(url);
	target_close(&t);
	return ok;
}

/* A non-200 answer, in the terms of what to do about it. */
static bool explain(long status, const char *path, const char *who, const char *verb, sao_err *err)
{
	switch (status) {
	case 401:
		return err_set(err,
			       "Kubernetes API answered 401 Unauthorized for %s: the credentials of %s are not valid "
			       "(expired, or for another cluster)",
			       path, who);
	case 403:
		return err_set(
		    err,
		    "Kubernetes API answered 403 Forbidden for %s: the service account may not read it; grant "
		    "\"%s\" on it (the RBAC in deploy/kubernetes)",
		    path, verb);
	case 404:
		return err_set(err, "Kubernetes API answered 404 Not Found for %s", path);
	case 410:
		return err_set(err, "Kubernetes API answered 410 Gone for %s: the resource version is too old", path);
	default:
		return err_set(err, "Kubernetes API answered HTTP %ld for %s", status, path);
	}
}

bool kube_get(const kube_api *api, const char *path, char **body, size_t *len, long *max_age, sao_err *err)
{
	fetch_result r = {0};
	char *who = NULL;
	bool ok = false;

	*body = NULL;
	*len = 0;
	if (!request(api, path, NULL, NULL, NULL, api->timeout_ms > 0 ? api->timeout_ms : 10000, &r, &who, err))
		goto out;
	if (r.status != 200) {
		explain(r.status, path, who, "get", err);
		goto out;
	}
	if (max_age != NULL)
		*max_age = fetch_max_age(r.cache_control);
	*body = r.body;
	*len = r.len;
	r.body = NULL;
	ok = true;
out:
	free(who);
	fetch_result_clear(&r);
	return ok;
}

bool kube_stream(const kube_api *api, const char *path, fetch_chunk_fn on_chunk, void *ctx, const atomic_bool *cancel,
		 long timeout_ms, long *status, sao_err *err)
{
	fetch_result r = {0};
	char *who = NULL;
	bool ok = false;

	*status = 0;
	if (!request(api, path, on_chunk, ctx, cancel, timeout_ms, &r, &who, err))
		goto out;
	*status = r.status;
	if (r.status != 200) {
		explain(r.status, path, who, "watch", err);
		goto out;
	}
	ok = true;
out:
	free(who);
	fetch_result_clear(&r);
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
		err_set(err, "Secret %.*s/%s does not exist (Kubernetes API answered 404)", (int)(slash - ns), ns,
			slash + 1);
	free(path);
	return ok;
}
