#include "config.h"

#include "issuer/source.h"

#include "server/issuers.h"
#include "util/log.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

key_set *src_load_keys(const src_cfg *o, sao_err *err)
{
	key_set *set = key_set_new();

	if (set == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	key_set_allow_certificates(set, o->allow_certificate);
	for (size_t i = 0; i < o->nkeys; i++) {
		bool ok;

		if (kube_is_uri(o->keys[i])) {
			char *json = NULL;
			size_t len = 0;

			ok = kube_secret_fetch(o->kube, o->keys[i], &json, &len, err);
			if (ok)
				ok = key_set_add_blob(set, (unsigned char *)json, len, o->keys[i], err);
			else
				err_prefix(err, "%s: ", o->keys[i]);
			if (json != NULL)
				OPENSSL_clear_free(json, len);
		} else {
			ok = key_set_add_path(set, o->keys[i], err);
		}
		if (!ok) {
			key_set_free(set);
			return NULL;
		}
	}
	for (size_t i = 0; i < key_set_count(set); i++)
		if (key_set_get(set, i)->ca_cert)
			log_warn(
			    "key %s (%s) is a CA certificate's, published because of --allow-certificate: is this "
			    "the cluster CA (ca.crt) by mistake? A service-account signing key is a plain key pair",
			    key_set_get(set, i)->kid, key_set_get(set, i)->source);
	if (key_set_duplicates(set) > 0)
		log_info("%zu key(s) found more than once; each is published once", key_set_duplicates(set));
	return set;
}

static void warn_insecure(const src_cfg *o, const docs *d)
{
	if (d->insecure_issuer)
		log_warn("issuer %s uses http://: fine for a local test, but STS only fetches https:// issuers",
			 o->docs->issuer);
	if (o->docs->legacy_empty_kid)
		log_warn("--legacy-empty-kid publishes every key twice (once with \"kid\": \"\"): only tokens minted "
			 "by Kubernetes older than 1.16 need it; drop it once none can be in use");
}

bool src_render_docs(const src_cfg *o, const key_set *keys, docs *d, sao_err *err)
{
	if (!docs_render(o->docs, keys, d, err))
		return false;
	warn_insecure(o, d);
	return true;
}

static bool apiserver_docs(const src_cfg *o, docs *d, size_t *nkeys, sao_err *err)
{
	long max_age = -1;
	char *body = NULL;
	size_t len = 0;
	json_t *disc = NULL, *jwks = NULL;
	const char *iss;
	bool ok = false;

	if (!kube_get(o->kube, "/.well-known/openid-configuration", &body, &len, NULL, err))
		goto out;
	disc = json_loadb(body, len, 0, NULL);
	free(body);
	body = NULL;
	iss = json_string_value(json_object_get(disc, "issuer"));
	if (iss == NULL) {
		err_set(err, "the API server's discovery document has no issuer");
		goto out;
	}
	if (strcmp(iss, o->docs->issuer) != 0) {
		err_set(err,
			"the API server's issuer is \"%s\", not \"%s\": its tokens carry iss \"%s\", and STS "
			"refuses a token whose iss differs from the issuer it fetched. Publish with --issuer %s, or "
			"set the API server's --service-account-issuer to %s first",
			iss, o->docs->issuer, iss, iss, o->docs->issuer);
		goto out;
	}
	if (!kube_get(o->kube, "/openid/v1/jwks", &body, &len, &max_age, err))
		goto out;
	jwks = json_loadb(body, len, 0, NULL);
	if (jwks == NULL) {
		err_set(err, "the API server's /openid/v1/jwks is not JSON");
		goto out;
	}
	if (!docs_render_jwks(o->docs, jwks, d, err)) {
		err_prefix(err, "the API server's JWKS: ");
		goto out;
	}
	/* Checked, it is published as the API server wrote it, byte for byte (an ExternalJWTSigner's
	 * kids and member order included). */
	{
		char *raw = strndup(body, len);

		if (raw == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		free(d->jwks);
		d->jwks = raw;
		d->jwks_len = strlen(raw);
		/* An external signer's JWKS says how long it may be cached (its refresh hint). */
		if (max_age >= 0)
			d->max_age = max_age > 31536000 ? 31536000u : (unsigned)max_age;
	}
	*nkeys = json_array_size(json_object_get(jwks, "keys"));
	ok = true;
out:
	free(body);
	json_decref(disc);
	json_decref(jwks);
	return ok;
}

bool src_build_docs(const src_cfg *o, docs *d, size_t *nkeys, sao_err *err)
{
	key_set *keys;
	bool ok;

	if (o->retire_cluster) { /* no source: the cluster's keys all leave it */
		*nkeys = 0;
		d->jwks_len = strlen("{\"keys\":[]}");
		return (d->jwks = strdup("{\"keys\":[]}")) != NULL || err_set(err, "out of memory");
	}
	if (o->from_apiserver) {
		ok = apiserver_docs(o, d, nkeys, err);
		if (ok)
			warn_insecure(o, d);
		return ok;
	}
	keys = src_load_keys(o, err);
	ok = keys != NULL && src_render_docs(o, keys, d, err);
	*nkeys = keys != NULL ? key_set_count(keys) : 0;
	key_set_free(keys);
	return ok;
}

bool src_sites_load(const char *path, const src_cfg *base, serve_site **out, size_t *n, strlist *files, sao_err *err)
{
	iss_list l = {0};
	serve_site *sites = NULL;
	bool ok = false;

	if (!iss_load(path, &l, err))
		return false;
	if ((sites = calloc(l.n, sizeof(*sites))) == NULL || !strlist_add(files, path)) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		iss_entry *e = &l.v[i];
		docs_cfg dc = {.issuer = e->issuer,
			       .jwks_path = e->jwks_path,
			       .jwks_uri = e->jwks_uri,
			       .eks_discovery = e->eks_discovery};
		src_cfg eo = *base;

		eo.keys = (const char *const *)e->keys.v;
		eo.nkeys = e->keys.n;
		eo.from_apiserver = false;
		eo.retire_cluster = false;
		eo.docs = &dc;
		if (!src_build_docs(&eo, &sites[i].d, &sites[i].nkeys, err)) {
			err_prefix(err, "%s: issuer %zu (%s): ", path, i + 1, e->issuer);
			goto out;
		}
		for (size_t k = 0; k < e->keys.n; k++)
			if (!kube_is_uri(e->keys.v[k]) && !strlist_add(files, e->keys.v[k])) {
				err_set(err, "out of memory");
				goto out;
			}
		sites[i].issuer = e->issuer;
		sites[i].host = e->host;
		sites[i].prefix = e->prefix;
		sites[i].jwks_path = e->jwks_path;
		e->issuer = e->host = e->prefix = e->jwks_path = NULL;
	}
	*out = sites;
	*n = l.n;
	sites = NULL;
	ok = true;
out:
	serve_sites_free(sites, l.n);
	iss_list_clear(&l);
	return ok;
}

bool src_sites_kube(const char *path, strlist *kube, sao_err *err)
{
	iss_list l = {0};
	bool ok = iss_load(path, &l, err);

	for (size_t i = 0; ok && i < l.n; i++)
		for (size_t k = 0; ok && k < l.v[i].keys.n; k++)
			if (kube_is_uri(l.v[i].keys.v[k]) && !strlist_add(kube, l.v[i].keys.v[k]))
				ok = err_set(err, "out of memory");
	iss_list_clear(&l);
	return ok;
}
