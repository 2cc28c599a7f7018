#include "config.h"

#include "jose/docs.h"

#include "jose/discovery.h"
#include "jose/jwk.h"

#include <stdlib.h>
#include <string.h>

char *docs_dump(const json_t *v, bool pretty)
{
	/* Go's encoding/json escapes neither '/' nor non-ASCII; neither does this. */
	return json_dumps(v, pretty ? JSON_INDENT(2) : JSON_COMPACT);
}

/* Validates the configuration, then serializes the JWKS and the discovery document for it. */
/* Go's encoding/json, which kube-apiserver writes with, escapes '&', '<' and '>' (as \u0026,
 * \u003c, \u003e) and U+2028/U+2029 inside strings; jansson does not. Outside strings JSON has
 * none of these bytes, so rewriting the serialized text is exact. Takes and returns malloc'd. */
static char *go_escape(char *s)
{
	size_t extra = 0, n;
	char *out, *o;

	if (s == NULL)
		return NULL;
	for (const char *p = s; *p; p++)
		if (*p == '&' || *p == '<' || *p == '>')
			extra += 5;
		else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
			 ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9))
			extra += 3;
	if (extra == 0)
		return s;
	n = strlen(s);
	if ((out = malloc(n + extra + 1)) == NULL) {
		free(s);
		return NULL;
	}
	o = out;
	for (const char *p = s; *p; p++) {
		if (*p == '&' || *p == '<' || *p == '>') {
			o += sprintf(o, "\\u%04x", (unsigned)*p);
		} else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
			   ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
			o += sprintf(o, "\\u20%02x", (unsigned char)p[2] == 0xa8 ? 0x28 : 0x29);
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	free(s);
	return out;
}

static bool finish(const docs_cfg *cfg, const json_t *jwks, const char *const *algs, size_t nalgs, docs *out,
		   sao_err *err)
{
	const char *path = cfg->jwks_path != NULL ? cfg->jwks_path : DISC_DEFAULT_JWKS_PATH;
	json_t *disc = NULL;
	docs d;
	bool insecure = false, ok = false;

	memset(&d, 0, sizeof(d));
	if (!disc_check_issuer(cfg->issuer, &insecure, err) || !disc_check_jwks_path(path, err))
		return false;
	if (cfg->jwks_uri != NULL) {
		bool uri_insecure;

		if (!disc_check_jwks_uri(cfg->jwks_uri, &uri_insecure, err))
			return false;
		d.jwks_uri = strdup(cfg->jwks_uri);
	} else {
		d.jwks_uri = disc_jwks_uri(cfg->issuer, path);
	}
	if (d.jwks_uri == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	disc = disc_build(cfg->issuer, d.jwks_uri, algs, nalgs, cfg->eks_discovery, err);
	if (disc == NULL)
		goto out;
	d.jwks = go_escape(docs_dump(jwks, false));
	d.discovery = go_escape(docs_dump(disc, false));
	if (d.jwks == NULL || d.discovery == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	d.insecure_issuer = insecure;
	d.jwks_len = strlen(d.jwks);
	d.discovery_len = strlen(d.discovery);
	*out = d;
	memset(&d, 0, sizeof(d));
	ok = true;
out:
	docs_clear(&d);
	json_decref(disc);
	return ok;
}

bool docs_render(const docs_cfg *cfg, const key_set *keys, docs *out, sao_err *err)
{
	const char *algs[DOCS_MAX_KEYS];
	size_t n = key_set_count(keys);
	json_t *jwks;
	bool ok;

	if (n == 0)
		return err_set(err, "no signing keys given (use --key FILE)");
	if (n > sizeof(algs) / sizeof(*algs))
		return err_set(err,
			       "%zu keys; at most %zu are published (STS is reported to refuse a JWKS of about 100 "
			       "keys; drop the keys whose tokens have expired)",
			       n, sizeof(algs) / sizeof(*algs));
	for (size_t i = 0; i < n; i++)
		algs[i] = key_set_get(keys, i)->alg;
	jwks = jwk_set_build(keys, cfg->legacy_empty_kid, err);
	if (jwks == NULL)
		return false;
	ok = finish(cfg, jwks, algs, n, out, err);
	json_decref(jwks);
	return ok;
}

bool docs_render_jwks(const docs_cfg *cfg, const json_t *jwks, docs *out, sao_err *err)
{
	const json_t *keys = json_object_get(jwks, "keys");
	const char *algs[DOCS_MAX_KEYS];
	size_t i, n = json_array_size(keys);
	json_t *k;

	if (!json_is_array(keys) || n == 0)
		return err_set(err, "the JWKS has no keys");
	if (n > sizeof(algs) / sizeof(*algs))
		return err_set(err,
			       "%zu keys; at most %zu are published (STS is reported to refuse a JWKS of about 100 "
			       "keys; drop the keys whose tokens have expired)",
			       n, sizeof(algs) / sizeof(*algs));
	json_array_foreach(keys, i, k)
	{
		EVP_PKEY *pk = NULL;
		const char *alg = json_string_value(json_object_get(k, "alg"));

		if (!jwk_to_pkey(k, &pk, err)) {
			err_prefix(err, "JWKS key %zu: ", i + 1);
			return false;
		}
		EVP_PKEY_free(pk);
		if (alg == NULL)
			return err_set(err, "JWKS key %zu has no \"alg\"", i + 1);
		for (size_t j = 0; j < i; j++) {
			const json_t *o = json_array_get(keys, j);
			const char *kid = json_string_value(json_object_get(k, "kid"));

			/* One kid, two keys: a verifier would pick either. (The legacy "" copies are alike.) */
			if (kid != NULL && kid[0] != '\0' &&
			    strcmp(kid, json_string_value(json_object_get(o, "kid"))
					    ? json_string_value(json_object_get(o, "kid"))
					    : "") == 0 &&
			    !json_equal(k, (json_t *)o))
				return err_set(
				    err,
				    "JWKS keys %zu and %zu share the kid %s but are different keys: refusing to "
				    "publish either",
				    j + 1, i + 1, kid);
		}
		for (const char *const *m = (const char *const[]){"d", "p", "q", "dp", "dq", "qi", "oth", "k", NULL};
		     *m; m++)
			if (json_object_get(k, *m) != NULL)
				return err_set(err,
					       "JWKS key %zu holds the private member \"%s\": refusing to publish it",
					       i + 1, *m);
		algs[i] = alg;
	}
	return finish(cfg, jwks, algs, n, out, err);
}

bool docs_copy(const docs *from, docs *to, sao_err *err)
{
	memset(to, 0, sizeof(*to));
	to->discovery = malloc(from->discovery_len + 1);
	to->jwks = malloc(from->jwks_len + 1);
	to->jwks_uri = from->jwks_uri != NULL ? strdup(from->jwks_uri) : NULL;
	if (to->discovery == NULL || to->jwks == NULL || (from->jwks_uri != NULL && to->jwks_uri == NULL)) {
		docs_clear(to);
		return err_set(err, "out of memory");
	}
	memcpy(to->discovery, from->discovery, from->discovery_len + 1);
	memcpy(to->jwks, from->jwks, from->jwks_len + 1);
	to->discovery_len = from->discovery_len;
	to->jwks_len = from->jwks_len;
	to->insecure_issuer = from->insecure_issuer;
	to->max_age = from->max_age;
	return true;
}

void docs_clear(docs *d)
{
	free(d->discovery);
	free(d->jwks);
	free(d->jwks_uri);
	memset(d, 0, sizeof(*d));
}

size_t docs_key_count(const docs *d)
{
	json_t *j = d->jwks != NULL ? json_loadb(d->jwks, d->jwks_len, 0, NULL) : NULL;
	size_t n = json_array_size(json_object_get(j, "keys"));

	json_decref(j);
	return n;
}
