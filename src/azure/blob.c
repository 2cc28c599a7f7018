#include "config.h"

#include "azure/blob.h"

#include "azure/sharedkey.h"
#include "net/retry.h"
#include "util/str.h"
#include "util/url.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AZ_VERSION "2021-08-06"
#define MAX_HEADERS 12

char *az_blob_url(const az_creds *c, const char *container, const char *blob)
{
	char *s = NULL;

	if (asprintf(&s, "%s/%s%s%s", c->endpoint, container, blob != NULL ? "/" : "", blob != NULL ? blob : "") < 0)
		return NULL;
	return s;
}

/* One request: x-ms-date and x-ms-version added, then authorized; retried on 5xx and 429. */
static bool az_send(const az_creds *c, const char *method, const char *container, const char *blob, const char *query,
		    az_header *h, size_t nh, const char *body, size_t len, const char *keep, fetch_result *r,
		    sao_err *err)
{
	char date[64], *base = az_blob_url(c, container, blob), *url = NULL, *auth = NULL, *path = NULL,
		       *authority = NULL, *lines[MAX_HEADERS + 1] = {0};
	struct tm tm;
	time_t now = time(NULL);
	bool ok = false;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
	h[nh++] = (az_header){"x-ms-date", date};
	h[nh++] = (az_header){"x-ms-version", AZ_VERSION};
	if (base == NULL || asprintf(&url, "%s%s%s%s%s", base, query != NULL || c->auth == AZ_AUTH_SAS ? "?" : "",
				     query != NULL ? query : "", query != NULL && c->auth == AZ_AUTH_SAS ? "&" : "",
				     c->auth == AZ_AUTH_SAS ? c->sas : "") < 0) {
		url = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if ((c->auth == AZ_AUTH_SAS || c->auth == AZ_AUTH_BEARER) && strncmp(url, "https://", 8) != 0) {
		err_set(err, "%s: a %s is not sent over plain http; give an https:// BlobEndpoint", base,
			c->auth == AZ_AUTH_SAS ? "SAS token" : "bearer token");
		goto out;
	}
	if (c->auth == AZ_AUTH_KEY) {
		if (!url_authority_path(base, &authority, &path, err))
			goto out;
		if ((auth = az_sharedkey(c->account, c->key, c->key_len, method, path, query, h, nh, len, err)) == NULL)
			goto out;
		h[nh++] = (az_header){"Authorization", auth};
	} else if (c->auth == AZ_AUTH_BEARER) {
		if (asprintf(&auth, "Bearer %s", c->token) < 0) {
			auth = NULL;
			err_set(err, "out of memory");
			goto out;
		}
		h[nh++] = (az_header){"Authorization", auth};
	}
	for (n = 0; n < nh; n++)
		if (asprintf(&lines[n], "%s: %s", h[n].name, h[n].value) < 0) {
			lines[n] = NULL;
			err_set(err, "out of memory");
			goto out;
		}
	{
		fetch_req q = {.method = method,
			       .url = url,
			       .headers = (const char *const *)lines,
			       .nheaders = nh,
			       .body = body,
			       .body_len = len,
			       .keep = keep};

		ok = fetch_retry(&q, 0, r, err);
	}
	if (!ok && c->auth == AZ_AUTH_SAS && err != NULL) /* the error names the URL, which holds the SAS */
		str_redact(err->msg, c->sas, "<SAS>");
out:
	for (size_t i = 0; i < n; i++)
		OPENSSL_clear_free(lines[i], strlen(lines[i]));
	if (auth != NULL)
		OPENSSL_clear_free(auth, strlen(auth));
	if (url != NULL)
		OPENSSL_clear_free(url, strlen(url)); /* may hold the SAS */
	free(base);
	free(path);
	free(authority);
	return ok;
}

bool az_blob_get(const az_creds *c, const char *container, const char *blob, fetch_result *r, sao_err *err)
{
	az_header h[MAX_HEADERS];

	return az_send(c, "GET", container, blob, NULL, h, 0, NULL, 0, NULL, r, err);
}

bool az_blob_put(const az_creds *c, const char *container, const char *blob, const az_put *p, fetch_result *r,
		 sao_err *err)
{
	az_header h[MAX_HEADERS];
	size_t n = 0;

	h[n++] = (az_header){"Content-Type", p->content_type}; /* libcurl would add a form type */
	h[n++] = (az_header){"x-ms-blob-type", "BlockBlob"};
	h[n++] = (az_header){"x-ms-blob-content-type", p->content_type};
	if (p->cache_control != NULL)
		h[n++] = (az_header){"x-ms-blob-cache-control", p->cache_control};
	if (p->if_match != NULL)
		h[n++] = (az_header){"If-Match", p->if_match};
	else if (p->if_none_match)
		h[n++] = (az_header){"If-None-Match", "*"};
	return az_send(c, "PUT", container, blob, NULL, h, n, p->body, p->len, NULL, r, err);
}

bool az_container_props(const az_creds *c, const char *container, fetch_result *r, sao_err *err)
{
	az_header h[MAX_HEADERS];

	return az_send(c, "HEAD", container, NULL, "restype=container", h, 0, NULL, 0, "x-ms-blob-public-access", r,
		       err);
}

char *az_error_code(const fetch_result *r)
{
	const char *s = r->body != NULL ? strstr(r->body, "<Code>") : NULL,
		   *e = s != NULL ? strstr(s, "</Code>") : NULL;

	if (s == NULL || e == NULL || e - s - 6 > 100)
		return NULL;
	return strndup(s + 6, (size_t)(e - s - 6));
}

const char *az_error_hint(const char *code, long status, az_auth auth)
{
	/* An account key may do anything: refused, it is the wrong key (Azure says
	 * AuthenticationFailed; Azurite AuthorizationFailure; a HEAD has no code at all). */
	if (status == 403 && auth == AZ_AUTH_KEY)
		return "the account key is wrong (or this machine's clock is more than 15 minutes off)";
	if (code == NULL)
		return status == 403 ? "the credentials may not write this container" : NULL;
	if (strcmp(code, "AuthenticationFailed") == 0)
		return "the SAS token or access token is not valid for this account (expired? another account's?)";
	if (strcmp(code, "AuthorizationPermissionMismatch") == 0 || strcmp(code, "AuthorizationFailure") == 0)
		return "the identity lacks a data role on the container: assign Storage Blob Data Contributor on it "
		       "(doc/guide-azure.md)";
	if (strcmp(code, "ContainerNotFound") == 0)
		return "create the container first (for $web: enable the static website on the account)";
	if (strcmp(code, "InvalidHeaderValue") == 0 || strcmp(code, "InvalidQueryParameterValue") == 0)
		return "the endpoint refuses x-ms-version " AZ_VERSION " (an old emulator?)";
	return NULL;
}
