#include "config.h"

#include "server/issuers.h"

#include "jose/discovery.h"
#include "util/fsio.h"
#include "util/url.h"
#include "util/yaml.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void entry_clear(iss_entry *e)
{
	free(e->issuer);
	free(e->host);
	free(e->prefix);
	free(e->jwks_path);
	free(e->jwks_uri);
	strlist_clear(&e->keys);
	memset(e, 0, sizeof(*e));
}

void iss_list_clear(iss_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* A member that must be a string if present; NULL when absent. */
static bool opt_string(const json_t *o, const char *name, const char **out, sao_err *err)
{
	const json_t *v = json_object_get(o, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
		return err_set(err, "\"%s\" must be a non-empty string", name);
	*out = json_string_value(v);
	return true;
}

static bool take_keys(const json_t *o, iss_entry *e, sao_err *err)
{
	const json_t *keys = json_object_get(o, "keys"), *k;
	size_t i;

	if (!json_is_array(keys) || json_array_size(keys) == 0)
		return err_set(err, "\"keys\" must be a list of key sources (files, directories, kube://NS/SECRET)");
	json_array_foreach(keys, i, k)
	{
		const char *s = json_string_value(k);

		if (s == NULL || s[0] == '\0' || strlen(s) != json_string_length(k))
			return err_set(err, "\"keys\" entry %zu is not a key source", i + 1);
		if (strcmp(s, "-") == 0)
			return err_set(err, "\"keys\": - (stdin) cannot be reloaded; give a file or directory");
		if (!strlist_add(&e->keys, s))
			return err_set(err, "out of memory");
	}
	return true;
}

/* One entry, checked as serve checks --issuer and its options. */
static bool take_entry(const json_t *o, iss_entry *e, sao_err *err)
{
	static const char *const known[] = {"issuer", "keys", "jwks_path", "jwks_uri", "discovery_style", NULL};
	const char *issuer, *jwks_path, *jwks_uri, *style, *name;
	const json_t *v;
	url_parts u = {0};
	bool insecure = false, ok = false;

	if (!json_is_object(o))
		return err_set(err, "not a mapping with issuer and keys");
	json_object_foreach((json_t *)o, name, v)
	{
		size_t k = 0;

		while (known[k] != NULL && strcmp(known[k], name) != 0)
			k++;
		if (known[k] == NULL)
			return err_set(
			    err, "unknown member \"%.64s\" (issuer, keys, jwks_path, jwks_uri, discovery_style)", name);
	}
	if (!opt_string(o, "issuer", &issuer, err) || !opt_string(o, "jwks_path", &jwks_path, err) ||
	    !opt_string(o, "jwks_uri", &jwks_uri, err) || !opt_string(o, "discovery_style", &style, err))
		return false;
	if (issuer == NULL)
		return err_set(err, "no \"issuer\"");
	if (!disc_check_issuer(issuer, &insecure, err) || !disc_check_sts_issuer(issuer, err) ||
	    (jwks_path != NULL && !disc_check_jwks_path(jwks_path, err)) ||
	    (jwks_uri != NULL && !disc_check_jwks_uri(jwks_uri, &insecure, err)))
		return false;
	if (style != NULL && strcmp(style, "kube") != 0 && strcmp(style, "eks") != 0)
		return err_set(err, "\"discovery_style\" is kube or eks, not \"%.32s\"", style);
	if (!url_parse(issuer, &u, err))
		return false;
	e->issuer = strdup(issuer);
	e->host = strdup(u.host != NULL ? u.host : "");
	e->prefix = disc_issuer_path(issuer);
	e->jwks_path = strdup(jwks_path != NULL ? jwks_path : DISC_DEFAULT_JWKS_PATH);
	e->jwks_uri = jwks_uri != NULL ? strdup(jwks_uri) : NULL;
	e->eks_discovery = style != NULL && strcmp(style, "eks") == 0;
	if (e->issuer == NULL || e->host == NULL || e->prefix == NULL || e->jwks_path == NULL ||
	    (jwks_uri != NULL && e->jwks_uri == NULL)) {
		err_set(err, "out of memory");
		goto out;
	}
	for (char *p = e->host; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	ok = take_keys(o, e, err);
out:
	url_parts_clear(&u);
	return ok;
}

bool iss_parse(const char *text, size_t len, const char *name, iss_list *out, sao_err *err)
{
	size_t skip = 0, i;
	json_t *doc, *list;
	json_error_t je;
	iss_list l = {0};
	const json_t *o;
	bool ok = false;

	while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\r' || text[skip] == '\n'))
		skip++;
	if (skip < len && (text[skip] == '{' || text[skip] == '[')) {
		if ((doc = json_loadb(text, len, 0, &je)) == NULL)
			return err_set(err, "%s: not JSON (line %d: %s)", name, je.line, je.text);
	} else if ((doc = yaml_to_json(text, len, err)) == NULL) {
		err_prefix(err, "%s: ", name);
		return false;
	}
	list = json_is_array(doc) ? doc : json_object_get(doc, "issuers");
	if (!json_is_array(list) || json_array_size(list) == 0) {
		err_set(err, "%s: expected a list of issuers (or \"issuers\": [...]), each with issuer and keys", name);
		goto out;
	}
	if (json_array_size(list) > ISS_MAX) {
		err_set(err, "%s: %zu issuers; at most %d", name, json_array_size(list), ISS_MAX);
		goto out;
	}
	if ((l.v = calloc(json_array_size(list), sizeof(*l.v))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	json_array_foreach(list, i, o)
	{
		l.n = i + 1;
		if (!take_entry(o, &l.v[i], err)) {
			err_prefix(err, "%s: issuer %zu: ", name, i + 1);
			goto out;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(l.v[j].host, l.v[i].host) == 0 && strcmp(l.v[j].prefix, l.v[i].prefix) == 0) {
				err_set(err, "%s: issuers %zu and %zu are both %s: each host and path is one issuer",
					name, j + 1, i + 1, l.v[i].issuer);
				goto out;
			}
	}
	*out = l;
	memset(&l, 0, sizeof(l));
	ok = true;
out:
	iss_list_clear(&l);
	json_decref(doc);
	return ok;
}

bool iss_load(const char *path, iss_list *out, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	bool ok;

	if (!fs_read_file(path, 1024 * 1024, &buf, &len, err)) {
		err_prefix(err, "--issuers %s: ", path);
		return false;
	}
	ok = iss_parse((const char *)buf, len, path, out, err);
	free(buf);
	return ok;
}
