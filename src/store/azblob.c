#include "config.h"

#include "store/azblob.h"

#include "azure/blob.h"
#include "util/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct az_store {
	azblob_target t;
	azblob_cfg cfg;
	az_creds creds;
	bool custom; /* the issuer is served by another host (a CDN, a custom domain) */
} az_store;

void azblob_target_clear(azblob_target *t)
{
	free(t->account);
	free(t->container);
	free(t->prefix);
	memset(t, 0, sizeof(*t));
}

static bool account_ok(const char *s, size_t n)
{
	if (n < 3 || n > 24)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* 3 to 63 of a-z 0-9 '-', starting with a letter or digit, no "--"; or $web, $root. */
static bool container_ok(const char *s, size_t n)
{
	if ((n == 4 && strncmp(s, "$web", 4) == 0) || (n == 5 && strncmp(s, "$root", 5) == 0))
		return true;
	if (n < 3 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-') ||
		    (s[i] == '-' && i > 0 && s[i - 1] == '-'))
			return false;
	return true;
}

bool azblob_parse_uri(const char *uri, azblob_target *t, sao_err *err)
{
	const char *a, *c, *rest;
	size_t an, cn;

	memset(t, 0, sizeof(*t));
	if (strncmp(uri, "azblob://", 9) != 0)
		return err_set(err, "\"%s\" is not an azblob:// URI (expected azblob://ACCOUNT/CONTAINER[/PREFIX])",
			       uri);
	a = uri + 9;
	an = strcspn(a, "/");
	if (!account_ok(a, an))
		return err_set(err, "storage account in \"%s\" must be 3 to 24 lower-case letters and digits", uri);
	if (a[an] != '/' || a[an + 1] == '\0' || a[an + 1] == '/')
		return err_set(err,
			       "\"%s\" names no container (azblob://ACCOUNT/CONTAINER[/PREFIX]; $web for the "
			       "static website)",
			       uri);
	c = a + an + 1;
	cn = strcspn(c, "/");
	if (!container_ok(c, cn))
		return err_set(err,
			       "container in \"%s\" must be 3 to 63 lower-case letters, digits and single hyphens "
			       "(or $web, the static website)",
			       uri);
	rest = c + cn;
	if ((t->account = strndup(a, an)) == NULL || (t->container = strndup(c, cn)) == NULL) {
		azblob_target_clear(t);
		return err_set(err, "out of memory");
	}
	if ((t->prefix = url_store_prefix(uri, rest, err)) == NULL) {
		azblob_target_clear(t);
		return false;
	}
	return true;
}

static char *blob_name(const az_store *s, const char *path)
{
	char *b = NULL;

	if (asprintf(&b, "%s%s", s->t.prefix, s->t.prefix[0] ? path : path + 1) < 0)
		return NULL;
	return b;
}

/* "HTTP 403 AuthorizationPermissionMismatch (hint)" into err after `what`. */
static bool answer_err(const az_store *s, const fetch_result *r, const char *what, sao_err *err)
{
	char *code = az_error_code(r);
	const char *hint = az_error_hint(code, r->status, s->creds.auth);

	err_set(err, "%sHTTP %ld%s%s%s%s%s", what, r->status, code != NULL ? " " : "", code != NULL ? code : "",
		hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	free(code);
	return false;
}

static bool az_get(void *ctx, const char *path, store_obj *o, sao_err *err)
{
	az_store *s = ctx;
	char *blob = blob_name(s, path), *code = NULL;
	fetch_result r = {0};
	bool ok = false;

	if (blob == NULL)
		return err_set(err, "out of memory");
	if (!az_blob_get(&s->creds, s->t.container, blob, &r, err))
		goto out;
	code = az_error_code(&r);
	if (r.status == 404 && (code == NULL || strcmp(code, "BlobNotFound") == 0)) {
		ok = true;
		goto out;
	}
	if (r.status != 200) {
		answer_err(s, &r, "reading failed: ", err);
		goto out;
	}
	ok = store_obj_take(o, &r.body, &r.len, &r.etag, &r.content_type, &r.cache_control, r.last_modified) ||
	     err_set(err, "out of memory");
out:
	fetch_result_clear(&r);
	free(code);
	free(blob);
	return ok;
}

static bool az_put_(void *ctx, const store_put *p, bool *lost, char **detail, sao_err *err)
{
	az_store *s = ctx;
	char *blob = blob_name(s, p->path);
	fetch_result r = {0};
	bool ok = false;
	az_put ap = {p->body,
		     p->len,
		     p->content_type,
		     p->cache_control,
		     p->conditional ? p->if_version : NULL,
		     p->conditional && p->if_version == NULL};

	(void)detail;
	if (blob == NULL)
		return err_set(err, "out of memory");
	if (!az_blob_put(&s->creds, s->t.container, blob, &ap, &r, err))
		goto out;
	if (p->conditional && (r.status == 412 || r.status == 409)) { /* ConditionNotMet, BlobAlreadyExists */
		*lost = true;
		ok = true;
	} else if (r.status / 100 == 2) {
		ok = true;
	} else {
		answer_err(s, &r, "", err);
	}
out:
	fetch_result_clear(&r);
	free(blob);
	return ok;
}

static char *az_name(void *ctx, const char *path)
{
	az_store *s = ctx;
	char *b = blob_name(s, path), *out = NULL;

	if (b != NULL && asprintf(&out, "azblob://%s/%s/%s", s->t.account, s->t.container, b) < 0)
		out = NULL;
	free(b);
	return out;
}

static char *az_describe(void *ctx, const store_put *p)
{
	az_store *s = ctx;
	char *b = blob_name(s, p->path), *url = b != NULL ? az_blob_url(&s->creds, s->t.container, b) : NULL,
	     *out = NULL;

	if (url != NULL && asprintf(&out,
				    "PUT %s\n  x-ms-blob-type: BlockBlob\n  x-ms-blob-content-type: %s\n"
				    "  x-ms-blob-cache-control: %s\n  (%zu bytes)\n",
				    url, p->content_type, p->cache_control != NULL ? p->cache_control : "", p->len) < 0)
		out = NULL;
	free(url);
	free(b);
	return out;
}

static bool az_refresh(void *ctx, sao_err *err)
{
	az_store *s = ctx;
	az_creds fresh;

	if (!az_creds_load(&fresh, s->t.account, s->cfg.suffix, !s->cfg.dry_run, err))
		return false;
	az_creds_clear(&s->creds);
	s->creds = fresh;
	return true;
}

static void az_close(void *ctx)
{
	az_store *s = ctx;

	azblob_target_clear(&s->t);
	az_creds_clear(&s->creds);
	free(s);
}

static const store_ops az_ops = {az_get, az_put_, az_name, az_describe, az_refresh, az_close};

/* An issuer on the account's own static website host (https://ACCOUNT.zNN.web...) serves the
 * documents of $web at /PREFIX: true unless it is that host and its path is not the prefix. */
static bool web_path_ok(const azblob_target *t, const char *issuer)
{
	size_t al = strlen(t->account), pl;
	const char *host = issuer + 8, *path;

	if (strncmp(issuer, "https://", 8) != 0 || strncmp(host, t->account, al) != 0 ||
	    strncmp(host + al, ".z", 2) != 0 || strstr(host, ".web.") == NULL)
		return true; /* a custom domain or a CDN: its paths are its own */
	path = host + strcspn(host, "/");
	pl = strlen(path);
	while (pl > 0 && path[pl - 1] == '/')
		pl--;
	return pl == 0 ? t->prefix[0] == '\0'
		       : pl - 1 == strlen(t->prefix) && strncmp(path + 1, t->prefix, pl - 1) == 0;
}

/* The issuer, and whether another host serves it (*custom: then the container's access level is
 * not the question). $web's is given (its host is the account zone's); a container's is its URL on
 * the Blob service, or one given. */
static bool choose_issuer(az_store *s, char **issuer, strlist *notes, sao_err *err)
{
	const azblob_target *t = &s->t;
	const char *sep = t->prefix[0] ? "/" : "", *given = s->cfg.issuer;
	bool web = strcmp(t->container, "$web") == 0;
	char *blob = NULL;
	size_t gl = given != NULL ? strlen(given) : 0;

	*issuer = NULL;
	if (web && given == NULL)
		return err_set(err,
			       "azblob://%s/$web is the static website, whose host depends on the account's zone: give "
			       "--issuer https://%s.zNN.web.%s%s%s (`az storage account show -n %s --query "
			       "primaryEndpoints.web -o tsv` prints it), or your custom domain's URL",
			       t->account, t->account, s->creds.suffix, sep, t->prefix, t->account);
	if (web && !web_path_ok(t, given))
		return err_set(
		    err,
		    "--issuer %s is the static website of %s, where the documents of azblob://%s/$web%s%s are "
		    "at path /%s: the issuer's path must be the prefix",
		    given, t->account, t->account, sep, t->prefix, t->prefix);
	if (asprintf(&blob, "https://%s.blob.%s/%s%s%s", t->account, s->creds.suffix, t->container, sep, t->prefix) < 0)
		return err_set(err, "out of memory");
	while (gl > 0 && given[gl - 1] == '/')
		gl--;
	s->custom = !web && given != NULL && (strlen(blob) != gl || strncmp(blob, given, gl) != 0);
	*issuer = given != NULL ? strdup(given) : blob; /* the string given: the tokens carry it */
	if (*issuer != blob)
		free(blob);
	if (*issuer == NULL)
		return err_set(err, "out of memory");
	if (s->custom && !strlist_addf(notes,
				       "the documents go to azblob://%s/%s%s%s and are served as %s: that URL must "
				       "answer them (saoidc verify --issuer %s tells)",
				       t->account, t->container, sep, t->prefix, *issuer, *issuer))
		return err_set(err, "out of memory");
	return true;
}

/* Before any write: the container exists and (unless another host serves it) anyone may read
 * its blobs. */
static bool check_container(const az_store *s, strlist *notes, sao_err *err)
{
	const azblob_target *t = &s->t;
	bool web = strcmp(t->container, "$web") == 0;
	fetch_result r = {0};
	bool ok = false;

	if (!az_container_props(&s->creds, t->container, &r, err))
		goto out;
	if (r.status == 404 && web) {
		err_set(err,
			"azblob://%s/$web does not exist: the static website is not enabled on the account; "
			"`az storage blob service-properties update --account-name %s --static-website` enables it",
			t->account, t->account);
	} else if (r.status == 404) {
		err_set(err,
			"container %s does not exist in account %s; create it readable by anyone: `az storage "
			"container create --account-name %s --name %s --public-access blob`, or publish to the static "
			"website: azblob://%s/$web",
			t->container, t->account, t->account, t->container, t->account);
	} else if (r.status == 403 && s->creds.auth != AZ_AUTH_KEY) {
		ok = strlist_addf(notes,
				  "could not read the access level of container %s (HTTP 403: the credentials may not "
				  "read container properties): not checked that anyone may read the documents",
				  t->container) ||
		     err_set(err, "out of memory");
	} else if (r.status / 100 != 2) {
		answer_err(s, &r, "reading the container's properties failed: ", err);
	} else if (!web && !s->custom && r.kept == NULL) {
		err_set(err,
			"container %s of account %s is private: STS could not read the documents. Either allow anyone "
			"to read its blobs (`az storage account update -n %s --allow-blob-public-access true`, then "
			"`az storage container set-permission --account-name %s --name %s --public-access blob`), or "
			"publish to the static website container, which stays public: azblob://%s/$web%s",
			t->container, t->account, t->account, t->account, t->container, t->account,
			t->prefix[0] ? "/PREFIX" : "");
	} else {
		ok = true;
	}
out:
	fetch_result_clear(&r);
	return ok;
}

bool store_azblob_open(store *st, const azblob_target *t, const azblob_cfg *cfg, char **issuer, const char **source,
		       strlist *notes, sao_err *err)
{
	az_store *s = calloc(1, sizeof(*s));

	*issuer = NULL;
	if (s == NULL || (s->t.account = strdup(t->account)) == NULL ||
	    (s->t.container = strdup(t->container)) == NULL || (s->t.prefix = strdup(t->prefix)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	s->cfg = *cfg;
	if (!az_creds_load(&s->creds, t->account, cfg->suffix, !cfg->dry_run, err) ||
	    !choose_issuer(s, issuer, notes, err) || (s->creds.auth != AZ_AUTH_NONE && !check_container(s, notes, err)))
		goto fail;
	*source = s->creds.source;
	st->ops = &az_ops;
	st->ctx = s;
	return true;
fail:
	free(*issuer);
	*issuer = NULL;
	if (s != NULL)
		az_close(s);
	return false;
}
