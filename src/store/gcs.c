#include "config.h"

#include "store/gcs.h"

#include "gcp/creds.h"
#include "gcp/api.h"
#include "gcp/gcs.h"
#include "util/url.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gs_store {
	gcs_target t;
	gcs_cfg cfg;
	gcp_creds creds;
	char *base;
} gs_store;

void gcs_target_clear(gcs_target *t)
{
	free(t->bucket);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

/* Cloud Storage's bucket names: 3 to 63 (222 with dots) of a-z 0-9 - _ ., alphanumeric ends. */
static bool bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 222 || (n > 63 && memchr(b, '.', n) == NULL))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool alnum = (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9');

		if (!alnum && strchr("-_.", b[i]) == NULL)
			return false;
		if (!alnum && (i == 0 || i == n - 1))
			return false;
	}
	return true;
}

bool gcs_parse_uri(const char *uri, gcs_target *t, sao_err *err)
{
	const char *b;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (strncmp(uri, "gs://", 5) != 0)
		return err_set(err, "\"%s\" is not a gs:// URI (expected gs://BUCKET[/PREFIX])", uri);
	b = uri + 5;
	n = strcspn(b, "/");
	if (!bucket_ok(b, n))
		return err_set(err,
			       "bucket name in \"%s\" must be 3 to 63 lower-case letters, digits, '-', '_' and '.', "
			       "starting and ending with a letter or digit",
			       uri);
	if ((t->bucket = strndup(b, n)) == NULL)
		return err_set(err, "out of memory");
	if ((t->prefix = url_store_prefix(uri, b + n, err)) == NULL) {
		gcs_target_clear(t);
		return false;
	}
	return true;
}

static char *object_name(const gs_store *s, const char *path)
{
	char *o = NULL;

	if (asprintf(&o, "%s%s", s->t.prefix, s->t.prefix[0] ? path : path + 1) < 0)
		return NULL;
	return o;
}

static gcs_client client(const gs_store *s)
{
	return (gcs_client){s->base, s->creds.token, s->t.bucket};
}

static bool answer_err(const fetch_result *r, const char *what, sao_err *err)
{
	char *e = gcp_api_error(r);
	const char *hint = r->status == 403   ? " (the credentials need roles/storage.objectAdmin on the bucket: "
						"doc/guide-gcs.md)"
			   : r->status == 401 ? " (the access token was refused: expired, or for another audience)"
					      : "";

	err_set(err, "%sHTTP %ld%s%s%s", what, r->status, e != NULL ? " " : "", e != NULL ? e : "", hint);
	free(e);
	return false;
}

static char *dup_field(const json_t *j, const char *name)
{
	const char *v = json_string_value(json_object_get(j, name));

	return v != NULL ? strdup(v) : NULL;
}

static bool gs_get(void *ctx, const char *path, store_obj *o, sao_err *err)
{
	gs_store *s = ctx;
	gcs_client c = client(s);
	char *name = object_name(s, path);
	fetch_result r = {0};
	json_t *meta = NULL;
	bool ok = false;

	if (name == NULL)
		return err_set(err, "out of memory");
	if (!gcs_object_meta(&c, name, &r, err))
		goto out;
	if (r.status == 404) {
		ok = true;
		goto out;
	}
	if (r.status != 200 || (meta = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL ||
	    (o->version = dup_field(meta, "generation")) == NULL) {
		if (r.status == 200)
			err_set(err, "reading failed: Cloud Storage answered object metadata without a generation");
		else
			answer_err(&r, "reading failed: ", err);
		goto out;
	}
	o->content_type = dup_field(meta, "contentType");
	o->cache_control = dup_field(meta, "cacheControl");
	fetch_result_clear(&r);
	if (!gcs_object_media(&c, name, o->version, &r, err))
		goto out;
	if (r.status == 404) { /* replaced or deleted since: as if absent; a conditional write then loses */
		store_obj_clear(o);
		ok = true;
		goto out;
	}
	if (r.status != 200) {
		answer_err(&r, "reading failed: ", err);
		goto out;
	}
	o->found = true;
	o->body = r.body != NULL ? r.body : strdup("");
	o->len = r.len;
	r.body = NULL;
	r.len = 0;
	ok = o->body != NULL || (err_set(err, "out of memory"), false);
out:
	json_decref(meta);
	fetch_result_clear(&r);
	free(name);
	return ok;
}

static bool gs_put(void *ctx, const store_put *p, bool *lost, char **detail, sao_err *err)
{
	gs_store *s = ctx;
	gcs_client c = client(s);
	char *name = object_name(s, p->path);
	fetch_result r = {0};
	gcs_insert in = {p->body,
			 p->len,
			 p->content_type,
			 p->cache_control,
			 p->conditional ? (p->if_version != NULL ? p->if_version : "0") : NULL,
			 s->cfg.public_acl && p->document};
	bool ok = false;

	(void)detail;
	if (name == NULL)
		return err_set(err, "out of memory");
	if (!gcs_object_insert(&c, name, &in, &r, err))
		goto out;
	if (p->conditional && r.status == 412) {
		*lost = true;
		ok = true;
	} else if (r.status / 100 == 2) {
		ok = true;
	} else {
		answer_err(&r, "", err);
	}
out:
	fetch_result_clear(&r);
	free(name);
	return ok;
}

static char *gs_name(void *ctx, const char *path)
{
	gs_store *s = ctx;
	char *o = object_name(s, path), *out = NULL;

	if (o != NULL && asprintf(&out, "gs://%s/%s", s->t.bucket, o) < 0)
		out = NULL;
	free(o);
	return out;
}

static char *gs_describe(void *ctx, const store_put *p)
{
	gs_store *s = ctx;
	char *o = object_name(s, p->path), *enc = o != NULL ? url_encode(o, false) : NULL, *out = NULL;

	if (enc != NULL &&
	    asprintf(&out,
		     "POST %s/upload/storage/v1/b/%s/o?uploadType=multipart&name=%s%s\n  contentType: "
		     "%s\n  cacheControl: %s\n  (%zu bytes)\n",
		     s->base, s->t.bucket, enc, s->cfg.public_acl && p->document ? "&predefinedAcl=publicRead" : "",
		     p->content_type, p->cache_control != NULL ? p->cache_control : "", p->len) < 0)
		out = NULL;
	free(enc);
	free(o);
	return out;
}

static bool gs_refresh(void *ctx, sao_err *err)
{
	gs_store *s = ctx;
	gcp_creds fresh;

	if (!gcp_creds_load(&fresh, GCP_SCOPE_STORAGE, !s->cfg.dry_run, err))
		return false;
	gcp_creds_clear(&s->creds);
	s->creds = fresh;
	return true;
}

static void gs_close(void *ctx)
{
	gs_store *s = ctx;

	gcs_target_clear(&s->t);
	gcp_creds_clear(&s->creds);
	free(s->base);
	free(s);
}

static const store_ops gs_ops = {gs_get, gs_put, gs_name, gs_describe, gs_refresh, gs_close};

/* The two ways to make the documents public, for a refusal. */
static bool refuse_private(const gs_store *s, const char *why, sao_err *err)
{
	return err_set(err,
		       "gs://%s: %s, so STS could not read the documents. Either let anyone read the bucket's "
		       "objects (uniform bucket-level access): `gcloud storage buckets update gs://%s "
		       "--uniform-bucket-level-access` and `gcloud storage buckets add-iam-policy-binding gs://%s "
		       "--member=allUsers --role=roles/storage.objectViewer` (keep the bucket for the issuer alone), "
		       "or, on a bucket with fine-grained access, publish with --acl public-read (each document "
		       "publicRead)",
		       s->t.bucket, why, s->t.bucket, s->t.bucket);
}

/* With uniform bucket-level access: does allUsers hold objectViewer (or the legacy reader)? */
static bool all_users_read(const fetch_result *r)
{
	json_t *j = r->body != NULL ? json_loadb(r->body, r->len, 0, NULL) : NULL, *b;
	size_t i;
	bool yes = false;

	json_array_foreach(json_object_get(j, "bindings"), i, b)
	{
		const char *role = json_string_value(json_object_get(b, "role"));
		json_t *m;
		size_t k;

		if (role == NULL ||
		    (strcmp(role, "roles/storage.objectViewer") != 0 &&
		     strcmp(role, "roles/storage.legacyObjectReader") != 0) ||
		    json_object_get(b, "condition") != NULL)
			continue;
		json_array_foreach(json_object_get(b, "members"), k,
				   m) if (json_is_string(m) && strcmp(json_string_value(m), "allUsers") == 0) yes =
		    true;
	}
	json_decref(j);
	return yes;
}

/* Without storage.buckets.get (roles/storage.objectAdmin has none): read the discovery
 * document's public URL as STS would; 200 or 404 means anyone may read (objectViewer includes
 * listing), 401/403 that they may not. */
static bool probe_public(const gs_store *s, strlist *notes, sao_err *err)
{
	gcs_client c = client(s);
	char *name = object_name(s, "/.well-known/openid-configuration");
	fetch_result r = {0};
	bool ok = false;

	if (name == NULL)
		return err_set(err, "out of memory");
	if (!gcs_public_get(&c, name, &r, err))
		goto out;
	if (r.status == 200 || r.status == 404)
		ok = strlist_addf(notes, "gs://%s: anyone may read its objects (checked without credentials)",
				  s->t.bucket) ||
		     err_set(err, "out of memory");
	else if ((r.status == 401 || r.status == 403) && s->cfg.public_acl)
		ok = true; /* each document gets publicRead */
	else if (r.status == 401 || r.status == 403)
		refuse_private(s, "anyone reading the bucket is refused (HTTP 403 without credentials)", err);
	else
		answer_err(&r, "reading the bucket without credentials failed: ", err);
out:
	fetch_result_clear(&r);
	free(name);
	return ok;
}

/* Before any write: the bucket exists and the documents will be public. */
static bool check_bucket(const gs_store *s, strlist *notes, sao_err *err)
{
	gcs_client c = client(s);
	fetch_result r = {0};
	json_t *j = NULL;
	bool ok = false, uniform;

	if (!gcs_bucket_get(&c, &r, err))
		goto out;
	if (r.status == 404) {
		err_set(err,
			"bucket gs://%s does not exist: create it (`gcloud storage buckets create gs://%s "
			"--uniform-bucket-level-access`) and let anyone read its objects (`gcloud storage buckets "
			"add-iam-policy-binding gs://%s --member=allUsers --role=roles/storage.objectViewer`)",
			s->t.bucket, s->t.bucket, s->t.bucket);
		goto out;
	}
	if (r.status == 403 || r.status == 401) {
		ok = probe_public(s, notes, err);
		goto out;
	}
	if (r.status != 200 || (j = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL) {
		answer_err(&r, "reading the bucket's settings failed: ", err);
		goto out;
	}
	uniform = json_is_true(json_object_get(
	    json_object_get(json_object_get(j, "iamConfiguration"), "uniformBucketLevelAccess"), "enabled"));
	fetch_result_clear(&r);
	if (!uniform) {
		ok = s->cfg.public_acl ||
		     refuse_private(s, "has fine-grained access and --acl public-read was not given", err);
		goto out;
	}
	if (s->cfg.public_acl) {
		err_set(err,
			"gs://%s has uniform bucket-level access, which refuses per-object ACLs: drop --acl "
			"public-read (allUsers must then hold roles/storage.objectViewer on the bucket)",
			s->t.bucket);
		goto out;
	}
	if (!gcs_bucket_iam(&c, &r, err))
		goto out;
	if (r.status == 403 || r.status == 401)
		ok = probe_public(s, notes, err);
	else if (r.status != 200)
		answer_err(&r, "reading the bucket's IAM policy failed: ", err);
	else
		ok = all_users_read(&r) ||
		     refuse_private(s, "has uniform bucket-level access and allUsers holds no objectViewer role", err);
out:
	json_decref(j);
	fetch_result_clear(&r);
	return ok;
}

bool store_gcs_open(store *st, const gcs_target *t, const gcs_cfg *cfg, char **issuer, const char **source,
		    strlist *notes, sao_err *err)
{
	gs_store *s = calloc(1, sizeof(*s));
	const char *sep = t->prefix[0] ? "/" : "";
	size_t gl = cfg->issuer != NULL ? strlen(cfg->issuer) : 0;
	bool custom;

	*issuer = NULL;
	if (s == NULL || (s->t.bucket = strdup(t->bucket)) == NULL || (s->t.prefix = strdup(t->prefix)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	s->cfg = *cfg;
	if ((s->base = gcs_base(err)) == NULL || !gcp_creds_load(&s->creds, GCP_SCOPE_STORAGE, !cfg->dry_run, err))
		goto fail;
	if (asprintf(issuer, "https://storage.googleapis.com/%s%s%s", t->bucket, sep, t->prefix) < 0) {
		*issuer = NULL;
		err_set(err, "out of memory");
		goto fail;
	}
	/* Another host (a load balancer, a CDN) serving the issuer: the bucket's readers are not the question. */
	while (gl > 0 && cfg->issuer[gl - 1] == '/')
		gl--;
	custom = cfg->issuer != NULL && (strlen(*issuer) != gl || strncmp(*issuer, cfg->issuer, gl) != 0);
	if (cfg->issuer != NULL) { /* the string given: the tokens carry it */
		free(*issuer);
		if ((*issuer = strdup(cfg->issuer)) == NULL) {
			err_set(err, "out of memory");
			goto fail;
		}
	}
	if (custom && !strlist_addf(notes,
				    "the documents go to gs://%s%s%s and are served as %s: that URL must "
				    "answer them (saoidc verify --issuer %s tells)",
				    t->bucket, sep, t->prefix, *issuer, *issuer)) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (s->creds.token != NULL && !custom && !check_bucket(s, notes, err))
		goto fail;
	*source = s->creds.source;
	st->ops = &gs_ops;
	st->ctx = s;
	return true;
fail:
	free(*issuer);
	*issuer = NULL;
	if (s != NULL)
		gs_close(s);
	return false;
}
