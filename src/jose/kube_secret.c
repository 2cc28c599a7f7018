#include "config.h"

#include "jose/kube_secret.h"

#include "util/yaml.h"

#include "util/b64.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Public keys first: the EKS Anywhere Secret's tls.crt is a PKIX public key despite its name. */
static const char *const public_names[] = {"tls.crt", "sa.pub", "key.pub"};
static const char *const private_names[] = {"tls.key", "sa.key"};

struct blobs {
	kube_blob *v;
	size_t n;
};

static bool push_blob(struct blobs *b, unsigned char *data, size_t len, const char *label, sao_err *err)
{
	kube_blob *nv = realloc(b->v, (b->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return err_set(err, "out of memory");
	b->v = nv;
	b->v[b->n].data = data;
	b->v[b->n].len = len;
	b->v[b->n].label = strdup(label);
	if (b->v[b->n].label == NULL)
		return err_set(err, "out of memory");
	b->n++;
	return true;
}

static void secret_name(json_t *secret, char *out, size_t cap)
{
	json_t *meta = json_object_get(secret, "metadata");
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	const char *name = json_string_value(json_object_get(meta, "name"));

	if (name == NULL)
		snprintf(out, cap, "secret (unnamed)");
	else if (ns == NULL)
		snprintf(out, cap, "secret %s", name);
	else
		snprintf(out, cap, "secret %s/%s", ns, name);
}

/* Looks `key` up in data (base64) then stringData (plain). Returns 1 found, 0 absent, -1 error. */
static int secret_value(json_t *secret, const char *sname, const char *key, unsigned char **out, size_t *len,
			sao_err *err)
{
	json_t *data = json_object_get(secret, "data");
	json_t *sdata = json_object_get(secret, "stringData");
	json_t *v = json_is_object(data) ? json_object_get(data, key) : NULL;

	if (v != NULL) {
		if (!json_is_string(v)) {
			err_set(err, "%s: data[\"%s\"] is not a string", sname, key);
			return -1;
		}
		if (!b64_decode(json_string_value(v), json_string_length(v), out, len)) {
			err_set(err, "%s: data[\"%s\"] is not valid base64", sname, key);
			return -1;
		}
		return 1;
	}
	v = json_is_object(sdata) ? json_object_get(sdata, key) : NULL;
	if (v != NULL) {
		if (!json_is_string(v)) {
			err_set(err, "%s: stringData[\"%s\"] is not a string", sname, key);
			return -1;
		}
		*len = json_string_length(v);
		*out = malloc(*len + 1);
		if (*out == NULL) {
			err_set(err, "out of memory");
			return -1;
		}
		memcpy(*out, json_string_value(v), *len + 1);
		return 1;
	}
	return 0;
}

/* Returns 1 if a key was taken, 0 if the Secret has none of the names, -1 on error. */
static int take_from_secret(json_t *secret, struct blobs *b, sao_err *err)
{
	char sname[300], label[400];
	const char *const *lists[] = {public_names, private_names};
	const size_t sizes[] = {sizeof(public_names) / sizeof(*public_names),
				sizeof(private_names) / sizeof(*private_names)};
	json_t *data = json_object_get(secret, "data");

	secret_name(secret, sname, sizeof(sname));
	if (data != NULL && !json_is_object(data) && !json_is_null(data)) {
		err_set(err, "%s: \"data\" is not an object", sname);
		return -1;
	}
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < sizes[l]; i++) {
			unsigned char *val = NULL;
			size_t len = 0;
			int r = secret_value(secret, sname, lists[l][i], &val, &len, err);

			if (r < 0)
				return -1;
			if (r == 0)
				continue;
			snprintf(label, sizeof(label), "%s, %s", sname, lists[l][i]);
			if (!push_blob(b, val, len, label, err)) {
				OPENSSL_clear_free(val, len);
				return -1;
			}
			return 1;
		}
	}
	return 0;
}

/* The keys of a Secret or List already parsed (from JSON or YAML). */
static bool extract(json_t *root, const char *what, kube_blob **blobs, size_t *n, sao_err *err)
{
	const char *kind;
	struct blobs b = {NULL, 0};
	bool ok = false;

	*blobs = NULL;
	*n = 0;
	if (!json_is_object(root)) {
		err_set(err, "%s is not an object: expected a Kubernetes Secret or List", what);
		goto out;
	}
	kind = json_string_value(json_object_get(root, "kind"));
	if (kind == NULL && json_is_array(json_object_get(root, "keys"))) {
		err_set(err, "this is a JWKS, not a signing key: give the API server's public key "
			     "(--service-account-key-file) or its Secret");
		goto out;
	}
	if (kind != NULL && strcmp(kind, "Secret") == 0) {
		int r = take_from_secret(root, &b, err);
		char sname[300];

		if (r < 0)
			goto out;
		if (r == 0) {
			secret_name(root, sname, sizeof(sname));
			err_set(err, "%s has no tls.crt, sa.pub, key.pub, tls.key or sa.key in data or stringData",
				sname);
			goto out;
		}
	} else if (kind != NULL && (strcmp(kind, "List") == 0 || strcmp(kind, "SecretList") == 0)) {
		json_t *items = json_object_get(root, "items");
		size_t i;
		json_t *item;

		if (!json_is_array(items)) {
			err_set(err, "%s has no \"items\" array", kind);
			goto out;
		}
		json_array_foreach(items, i, item)
		{
			const char *ik = json_string_value(json_object_get(item, "kind"));

			if (!json_is_object(item) || (ik != NULL && strcmp(ik, "Secret") != 0))
				continue;
			if (take_from_secret(item, &b, err) < 0)
				goto out;
		}
		if (b.n == 0) {
			err_set(err, "no Secret in the %s has tls.crt, sa.pub, key.pub, tls.key or sa.key", kind);
			goto out;
		}
	} else {
		err_set(err, "%s is not a Kubernetes Secret or List (kind is %s%s%s)", what, kind ? "\"" : "",
			kind ? kind : "missing", kind ? "\"" : "");
		goto out;
	}
	*blobs = b.v;
	*n = b.n;
	b.v = NULL;
	b.n = 0;
	ok = true;
out:
	kube_blobs_free(b.v, b.n);
	return ok;
}

bool kube_secret_extract(const char *json, size_t len, kube_blob **blobs, size_t *n, sao_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	bool ok;

	*blobs = NULL;
	*n = 0;
	if (root == NULL)
		return err_set(err, "invalid JSON at line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	ok = extract(root, "JSON", blobs, n, err);
	json_decref(root);
	return ok;
}

bool kube_secret_yaml(const char *text, size_t len)
{
	size_t i = 0;

	/* kubectl -o yaml starts with a top-level key; skip comments and a document marker. */
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
			i++;
		if (i < len && text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (len - i >= 3 && memcmp(text + i, "---", 3) == 0) {
			i += 3;
			continue;
		}
		break;
	}
	return (len - i >= 11 && memcmp(text + i, "apiVersion:", 11) == 0) ||
	       (len - i >= 5 && memcmp(text + i, "kind:", 5) == 0);
}

bool kube_secret_extract_yaml(const char *text, size_t len, kube_blob **blobs, size_t *n, sao_err *err)
{
	json_t *root = yaml_to_json(text, len, err);
	bool ok;

	*blobs = NULL;
	*n = 0;
	if (root == NULL)
		return false;
	ok = extract(root, "YAML", blobs, n, err);
	json_decref(root);
	return ok;
}

void kube_blobs_free(kube_blob *blobs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		OPENSSL_clear_free(blobs[i].data, blobs[i].len);
		free(blobs[i].label);
	}
	free(blobs);
}
