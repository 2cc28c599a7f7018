#include "config.h"

#include "pod/podspec.h"

#include "pod/federation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AWS_VOLUME "aws-iam-token"
#define AZURE_VOLUME "azure-identity-token"
#define GCP_TOKEN_VOLUME "gcp-ksa"
#define GCP_CONFIG_VOLUME "gcp-credential-config"

long pod_clamp_expiration(long s)
{
	return s < 600 ? 600 : s > 86400 ? 86400 : s;
}

static json_t *token_volume(const char *name, const char *audience, long expiration, const char *path)
{
	return json_pack("{s:s, s:{s:[{s:{s:s, s:I, s:s}}]}}", "name", name, "projected", "sources",
			 "serviceAccountToken", "audience", audience, "expirationSeconds", (json_int_t)expiration,
			 "path", path);
}

json_t *pod_volumes(const pod_identity *id)
{
	switch (id->cloud) {
	case POD_AWS:
		return json_pack("[o]", token_volume(AWS_VOLUME, id->audience ? id->audience : "sts.amazonaws.com",
						     id->expiration > 0 ? id->expiration : 86400, "token"));
	case POD_AZURE:
		return json_pack("[o]",
				 token_volume(AZURE_VOLUME, FED_AZURE_AUDIENCE,
					      id->expiration > 0 ? id->expiration : 3600, "azure-identity-token"));
	case POD_GCP:
		return json_pack(
		    "[o, {s:s, s:{s:s}}]",
		    token_volume(GCP_TOKEN_VOLUME, id->audience, id->expiration > 0 ? id->expiration : 3600, "token"),
		    "name", GCP_CONFIG_VOLUME, "configMap", "name", id->config_map);
	}
	return NULL;
}

char *pod_aws_token_file(const pod_identity *id)
{
	char *f = NULL;

	if (asprintf(&f, "%s%s/token", id->windows ? "C:" : "",
		     id->mount_path != NULL ? id->mount_path : FED_AWS_TOKEN_DIR) < 0)
		return NULL;
	for (char *p = f; id->windows && *p != '\0'; p++)
		if (*p == '/')
			*p = '\\';
	return f;
}

static void add_env(json_t *a, const char *name, const char *value)
{
	if (value != NULL)
		json_array_append_new(a, json_pack("{s:s, s:s}", "name", name, "value", value));
}

json_t *pod_env(const pod_identity *id)
{
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	switch (id->cloud) {
	case POD_AWS: {
		char *file = pod_aws_token_file(id);

		/* EKS's order. */
		if (id->regional_sts)
			add_env(a, "AWS_STS_REGIONAL_ENDPOINTS", "regional");
		add_env(a, "AWS_DEFAULT_REGION", id->region);
		add_env(a, "AWS_REGION", id->region);
		add_env(a, "AWS_ROLE_ARN", id->role_arn);
		add_env(a, "AWS_WEB_IDENTITY_TOKEN_FILE", file);
		free(file);
		break;
	}
	case POD_AZURE:
		add_env(a, "AZURE_CLIENT_ID", id->client_id);
		add_env(a, "AZURE_TENANT_ID", id->tenant_id);
		add_env(a, "AZURE_FEDERATED_TOKEN_FILE", FED_AZURE_TOKEN_DIR "/azure-identity-token");
		add_env(a, "AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/");
		break;
	case POD_GCP:
		add_env(a, "GOOGLE_APPLICATION_CREDENTIALS", FED_GCP_CONFIG_DIR "/credential-configuration.json");
		break;
	}
	return a;
}

json_t *pod_mounts(const pod_identity *id)
{
	switch (id->cloud) {
	case POD_AWS:
		return json_pack("[{s:s, s:b, s:s}]", "name", AWS_VOLUME, "readOnly", 1, "mountPath",
				 id->mount_path != NULL ? id->mount_path : FED_AWS_TOKEN_DIR);
	case POD_AZURE:
		return json_pack("[{s:s, s:s, s:b}]", "name", AZURE_VOLUME, "mountPath", FED_AZURE_TOKEN_DIR,
				 "readOnly", 1);
	case POD_GCP:
		return json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "name", GCP_TOKEN_VOLUME, "mountPath",
				 FED_GCP_TOKEN_DIR, "readOnly", 1, "name", GCP_CONFIG_VOLUME, "mountPath",
				 FED_GCP_CONFIG_DIR, "readOnly", 1);
	}
	return NULL;
}

static bool has_named(const json_t *arr, const char *field, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
	{
		const char *v = json_string_value(json_object_get(e, field));

		if (v != NULL && strcmp(v, value) == 0)
			return true;
	}
	return false;
}

/* Appends "add" ops putting the items of `want` not yet in `have` (matched on `key`) at `path`. */
static void add_missing(json_t *ops, const char *path, const json_t *have, const json_t *want, const char *key)
{
	json_t *missing = json_array();
	size_t i;
	json_t *w;

	json_array_foreach(want, i, w)
	{
		const char *k = json_string_value(json_object_get(w, key));

		if (!has_named(have, key, k) && !has_named(missing, key, k))
			json_array_append(missing, w);
	}
	if (json_array_size(missing) == 0) {
		json_decref(missing);
		return;
	}
	if (!json_is_array(have)) {
		/* The array does not exist yet: create it whole. */
		json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "add", "path", path, "value", missing));
		return;
	}
	json_array_foreach(missing, i, w)
	{
		char *p = NULL;

		if (asprintf(&p, "%s/-", path) >= 0)
			json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op", "add", "path", p, "value", w));
		free(p);
	}
	json_decref(missing);
}

static bool env_has(const json_t *env, const char *const *names)
{
	for (; *names != NULL; names++)
		if (has_named(env, "name", *names))
			return true;
	return false;
}

/* Appends the "add" operations that put `items` at the end of the array at `path`, creating the
 * array when `have` is not one. Takes the reference to items. */
static void append_items(json_t *ops, const char *path, const json_t *have, json_t *items)
{
	size_t i;
	json_t *w;

	if (json_array_size(items) == 0) {
		json_decref(items);
		return;
	}
	if (!json_is_array(have)) {
		json_array_append_new(ops, json_pack("{s:s, s:s, s:o}", "op", "add", "path", path, "value", items));
		return;
	}
	json_array_foreach(items, i, w)
	{
		char *p = NULL;

		if (asprintf(&p, "%s/-", path) >= 0)
			json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op", "add", "path", p, "value", w));
		free(p);
	}
	json_decref(items);
}

/* The EKS pod identity webhook's rules for one container (see podspec.h); a container that
 * sets a variable of each of the three groups gets nothing, not even the mount (its handler
 * test rawPodHasAll). */
static void aws_container(json_t *ops, const char *base, const json_t *c, const json_t *env, const json_t *mounts)
{
	static const char *const sts[] = {"AWS_STS_REGIONAL_ENDPOINTS", NULL};
	static const char *const region[] = {"AWS_DEFAULT_REGION", "AWS_REGION", NULL};
	static const char *const identity[] = {"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", NULL};
	static const char *const *const groups[] = {sts, region, identity};
	const json_t *have = json_object_get(c, "env");
	json_t *add;
	char path[200];
	size_t i;
	json_t *e;

	/* A container that sets a variable of each group is left alone, mount included. */
	if (env_has(have, sts) && env_has(have, region) && env_has(have, identity))
		return;
	if ((add = json_array()) == NULL)
		return;
	for (size_t g = 0; g < 3; g++) {
		if (env_has(have, groups[g]))
			continue;
		json_array_foreach(env, i, e)
		{
			const char *n = json_string_value(json_object_get(e, "name"));

			for (const char *const *k = groups[g]; n != NULL && *k != NULL; k++)
				if (strcmp(n, *k) == 0)
					json_array_append(add, e);
		}
	}
	snprintf(path, sizeof(path), "%s/env", base);
	append_items(ops, path, have, add);
	snprintf(path, sizeof(path), "%s/volumeMounts", base);
	if (!has_named(json_object_get(c, "volumeMounts"), "name", AWS_VOLUME))
		append_items(ops, path, json_object_get(c, "volumeMounts"), json_deep_copy(mounts));
}

/* A list of names to look up in O(log n): sorted pointers into a strlist. */
typedef struct names {
	const char **v;
	size_t n;
} names;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool names_init(names *s, const strlist *l)
{
	s->n = l->n;
	s->v = l->n > 0 ? malloc(l->n * sizeof(*s->v)) : NULL;
	if (l->n > 0 && s->v == NULL)
		return false;
	for (size_t i = 0; i < l->n; i++)
		s->v[i] = l->v[i];
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_name);
	return true;
}

static bool names_has(const names *s, const char *name)
{
	return s->n > 0 && bsearch(&name, s->v, s->n, sizeof(*s->v), cmp_name) != NULL;
}

json_t *pod_json_patch(const json_t *pod, const pod_identity *id)
{
	names skip = {NULL, 0}, only = {NULL, 0};
	const json_t *spec = json_object_get(pod, "spec");
	json_t *ops = json_array(), *vols = pod_volumes(id), *env = pod_env(id), *mounts = pod_mounts(id);
	static const char *const lists[] = {"initContainers", "containers"};

	if (ops == NULL || vols == NULL || env == NULL || mounts == NULL || !json_is_object(spec)) {
		json_decref(ops);
		ops = NULL;
		goto out;
	}
	if (id->fs_group > 0 && json_object_get(json_object_get(spec, "securityContext"), "fsGroup") == NULL) {
		/* So a non-root image can read the token (0600 root otherwise, unless every container
		 * runs as the same user). */
		if (json_is_object(json_object_get(spec, "securityContext")))
			json_array_append_new(ops, json_pack("{s:s, s:s, s:I}", "op", "add", "path",
							     "/spec/securityContext/fsGroup", "value",
							     (json_int_t)id->fs_group));
		else
			json_array_append_new(ops, json_pack("{s:s, s:s, s:{s:I}}", "op", "add", "path",
							     "/spec/securityContext", "value", "fsGroup",
							     (json_int_t)id->fs_group));
	}
	if (id->cloud == POD_AWS) {
		const json_t *have = json_object_get(spec, "volumes");

		/* EKS puts the token volume first. */
		if (!json_is_array(have))
			json_array_append_new(
			    ops, json_pack("{s:s, s:s, s:O}", "op", "add", "path", "/spec/volumes", "value", vols));
		else if (!has_named(have, "name", AWS_VOLUME))
			json_array_append_new(ops, json_pack("{s:s, s:s, s:O}", "op", "add", "path", "/spec/volumes/0",
							     "value", json_array_get(vols, 0)));
	} else {
		add_missing(ops, "/spec/volumes", json_object_get(spec, "volumes"), vols, "name");
	}
	/* Looked up once per container: sorted, so a long skip list costs log(n) a container. */
	if (!names_init(&skip, &id->skip) || !names_init(&only, &id->only)) {
		json_decref(ops);
		ops = NULL;
		goto out;
	}
	for (size_t l = 0; l < 2; l++) {
		const json_t *cs = json_object_get(spec, lists[l]);
		size_t i;
		json_t *c;

		json_array_foreach(cs, i, c)
		{
			const char *name = json_string_value(json_object_get(c, "name"));
			char base[128], path[160];

			if (name != NULL && names_has(&skip, name))
				continue;
			if (only.n > 0 && (name == NULL || !names_has(&only, name)))
				continue;
			snprintf(base, sizeof(base), "/spec/%s/%zu", lists[l], i);
			if (id->cloud == POD_AWS) {
				aws_container(ops, base, c, env, mounts);
				continue;
			}
			snprintf(path, sizeof(path), "%s/env", base);
			add_missing(ops, path, json_object_get(c, "env"), env, "name");
			snprintf(path, sizeof(path), "%s/volumeMounts", base);
			add_missing(ops, path, json_object_get(c, "volumeMounts"), mounts, "mountPath");
		}
	}
out:
	free(skip.v);
	free(only.v);
	json_decref(vols);
	json_decref(env);
	json_decref(mounts);
	return ops;
}

/* Applies our own "add" operations (object member, array append with "-", array insert at an
 * index) to `doc`, so that
 * the next identity's patch is computed against the pod as it will be. */
void pod_apply_ops(json_t *doc, const json_t *ops)
{
	size_t i;
	json_t *op;

	json_array_foreach(ops, i, op)
	{
		char *path = strdup(json_string_value(json_object_get(op, "path")));
		json_t *cur = doc, *val = json_object_get(op, "value");
		char *save = NULL, *tok = strtok_r(path + 1, "/", &save);

		while (tok != NULL && cur != NULL) {
			char *next = strtok_r(NULL, "/", &save);

			if (next == NULL) {
				/* Copies: the ops keep their own values, or a later append would show in them. */
				if (strcmp(tok, "-") == 0 && json_is_array(cur))
					json_array_append_new(cur, json_deep_copy(val));
				else if (json_is_array(cur))
					json_array_insert_new(cur, (size_t)strtoul(tok, NULL, 10), json_deep_copy(val));
				else if (json_is_object(cur))
					json_object_set_new(cur, tok, json_deep_copy(val));
			} else {
				cur = json_is_array(cur) ? json_array_get(cur, (size_t)strtoul(tok, NULL, 10))
							 : json_object_get(cur, tok);
			}
			tok = next;
		}
		free(path);
	}
}
