#include "config.h"

#include "gcp/gcs.h"

#include "net/retry.h"
#include "util/str.h"
#include "util/url.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECT (1024u * 1024u)

char *gcs_base(sao_err *err)
{
	const char *e = str_env("STORAGE_EMULATOR_HOST");
	char *s = NULL;
	size_t n;

	if (e == NULL)
		e = "https://storage.googleapis.com";
	/* "host:port" (the libraries' emulator form) means http. */
	if (asprintf(&s, "%s%s", strstr(e, "://") != NULL ? "" : "http://", e) < 0)
		return err_set(err, "out of memory"), NULL;
	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

/* One call: the bearer token when there is one (https only), retried on 5xx and 429. */
static bool send(const gcs_client *c, const char *method, const char *url, const char *ctype, const char *body,
		 size_t len, fetch_result *r, sao_err *err)
{
	char *auth = NULL, ct[160];
	const char *hs[2];
	size_t nh = 0;
	bool ok;

	memset(r, 0, sizeof(*r));
	if (c->token != NULL) {
		if (strncmp(url, "https://", 8) != 0)
			return err_set(err,
				       "%s: a bearer token is not sent over plain http (STORAGE_EMULATOR_HOST must "
				       "be https:// when credentials are used)",
				       c->base);
		if (asprintf(&auth, "Authorization: Bearer %s", c->token) < 0)
			return err_set(err, "out of memory");
		hs[nh++] = auth;
	}
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		hs[nh++] = ct;
	}
	{
		fetch_req q = {.method = method,
			       .url = url,
			       .headers = hs,
			       .nheaders = nh,
			       .body = body,
			       .body_len = len,
			       .max_body = MAX_OBJECT + 64 * 1024};

		ok = fetch_retry(&q, 0, r, err);
	}
	if (auth != NULL)
		OPENSSL_clear_free(auth, strlen(auth));
	return ok;
}

/* BASE/storage/v1/b/BUCKET/o/NAME (NAME encoded as one path segment) + suffix. */
static char *object_url(const gcs_client *c, const char *name, const char *suffix)
{
	char *enc = url_encode(name, false), *s = NULL;

	if (enc == NULL || asprintf(&s, "%s/storage/v1/b/%s/o/%s%s", c->base, c->bucket, enc, suffix) < 0)
		s = NULL;
	free(enc);
	return s;
}

static bool get_url(const gcs_client *c, char *url, fetch_result *r, sao_err *err)
{
	bool ok;

	if (url == NULL)
		return err_set(err, "out of memory");
	ok = send(c, "GET", url, NULL, NULL, 0, r, err);
	free(url);
	return ok;
}

bool gcs_object_meta(const gcs_client *c, const char *name, fetch_result *r, sao_err *err)
{
	return get_url(c, object_url(c, name, ""), r, err);
}

bool gcs_object_media(const gcs_client *c, const char *name, const char *generation, fetch_result *r, sao_err *err)
{
	char suffix[64];

	if (strspn(generation, "0123456789") != strlen(generation) || strlen(generation) > 20)
		return err_set(err, "Cloud Storage answered a generation that is not a number");
	snprintf(suffix, sizeof(suffix), "?alt=media&generation=%s", generation);
	return get_url(c, object_url(c, name, suffix), r, err);
}

/* The multipart upload protocol's body (RFC 2387): the JSON metadata part, then the media part,
 * between a random boundary; malloc'd into *body, the boundary into `boundary`. */
static bool multipart(const char *meta, const gcs_insert *in, char boundary[32], char **body, size_t *len, sao_err *err)
{
	unsigned char rnd[12];
	FILE *f;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_ssl(err, "no randomness for a multipart boundary");
	memcpy(boundary, "saoidc-", 8);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(boundary + 7 + 2 * i, 3, "%02x", rnd[i]);
	*body = NULL;
	if ((f = open_memstream(body, len)) == NULL)
		return err_set(err, "out of memory");
	fprintf(f,
		"--%s\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n--%s\r\nContent-Type: %s\r\n\r\n",
		boundary, meta, boundary, in->content_type);
	fwrite(in->body, 1, in->len, f);
	fprintf(f, "\r\n--%s--\r\n", boundary);
	if (fclose(f) != 0 || *body == NULL) {
		free(*body);
		*body = NULL;
		return err_set(err, "out of memory");
	}
	return true;
}

bool gcs_object_insert(const gcs_client *c, const char *name, const gcs_insert *in, fetch_result *r, sao_err *err)
{
	json_t *meta = json_pack("{s:s, s:s}", "name", name, "contentType", in->content_type);
	char *mj = NULL, *enc = url_encode(name, false), *url = NULL, *body = NULL, ctype[96], boundary[32];
	size_t blen = 0;
	bool ok = false;

	if (meta == NULL || enc == NULL ||
	    (in->cache_control != NULL &&
	     json_object_set_new(meta, "cacheControl", json_string(in->cache_control)) != 0) ||
	    (mj = json_dumps(meta, JSON_COMPACT)) == NULL ||
	    asprintf(&url, "%s/upload/storage/v1/b/%s/o?uploadType=multipart&name=%s%s%s%s", c->base, c->bucket, enc,
		     in->if_generation != NULL ? "&ifGenerationMatch=" : "",
		     in->if_generation != NULL ? in->if_generation : "",
		     in->public_read ? "&predefinedAcl=publicRead" : "") < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!multipart(mj, in, boundary, &body, &blen, err))
		goto out;
	snprintf(ctype, sizeof(ctype), "multipart/related; boundary=%s", boundary);
	ok = send(c, "POST", url, ctype, body, blen, r, err);
out:
	json_decref(meta);
	free(mj);
	free(enc);
	free(url);
	free(body);
	return ok;
}

bool gcs_bucket_get(const gcs_client *c, fetch_result *r, sao_err *err)
{
	char *url = NULL;

	if (asprintf(&url, "%s/storage/v1/b/%s?fields=iamConfiguration", c->base, c->bucket) < 0)
		url = NULL;
	return get_url(c, url, r, err);
}

bool gcs_bucket_iam(const gcs_client *c, fetch_result *r, sao_err *err)
{
	char *url = NULL;

	if (asprintf(&url, "%s/storage/v1/b/%s/iam", c->base, c->bucket) < 0)
		url = NULL;
	return get_url(c, url, r, err);
}

bool gcs_public_get(const gcs_client *c, const char *name, fetch_result *r, sao_err *err)
{
	gcs_client anon = {c->base, NULL, c->bucket};
	char *enc = url_encode(name, true), *url = NULL;

	if (enc == NULL || asprintf(&url, "%s/%s/%s", c->base, c->bucket, enc) < 0)
		url = NULL;
	free(enc);
	return get_url(&anon, url, r, err);
}
