#include "config.h"

#include "util/url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void url_parts_clear(url_parts *u)
{
	char **all[] = {&u->scheme, &u->user, &u->host, &u->port, &u->path, &u->query, &u->fragment};

	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++) {
		free(*all[i]);
		*all[i] = NULL;
	}
}

/* One piece, copied into malloc'd memory (libcurl's own must go back through curl_free). */
static bool piece(CURLU *h, CURLUPart what, char **dst)
{
	char *v = NULL;

	*dst = NULL;
	if (curl_url_get(h, what, &v, 0) != CURLUE_OK)
		return true; /* absent */
	*dst = strdup(v);
	curl_free(v);
	return *dst != NULL;
}

bool url_parse(const char *url, url_parts *out, sao_err *err)
{
	CURLU *h = curl_url();
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (h == NULL)
		return err_set(err, "out of memory");
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
		err_set(err, "\"%s\" is not an absolute URL", url);
		goto out;
	}
	if (!piece(h, CURLUPART_SCHEME, &out->scheme) || !piece(h, CURLUPART_USER, &out->user) ||
	    !piece(h, CURLUPART_HOST, &out->host) || !piece(h, CURLUPART_PORT, &out->port) ||
	    !piece(h, CURLUPART_PATH, &out->path) || !piece(h, CURLUPART_QUERY, &out->query) ||
	    !piece(h, CURLUPART_FRAGMENT, &out->fragment)) {
		err_set(err, "out of memory");
		goto out;
	}
	if (out->scheme == NULL || out->host == NULL) {
		err_set(err, "\"%s\" is not an absolute URL", url);
		goto out;
	}
	ok = true;
out:
	if (!ok)
		url_parts_clear(out);
	curl_url_cleanup(h);
	return ok;
}

bool url_https_host(const char *url, char **host, int *port, sao_err *err)
{
	url_parts u;
	const char *h;
	bool ok = false;

	if (!url_parse(url, &u, err))
		return false;
	if (strcmp(u.scheme, "https") != 0) {
		err_set(err, "\"%s\" is not an https:// URL", url);
		goto out;
	}
	*port = u.port != NULL ? atoi(u.port) : 443;
	h = u.host;
	/* curl keeps IPv6 brackets in the host part; OpenSSL wants them off. */
	*host = h[0] == '[' ? strndup(h + 1, strlen(h) - 2) : strdup(h);
	ok = *host != NULL || err_set(err, "out of memory");
out:
	url_parts_clear(&u);
	return ok;
}

bool url_authority_path(const char *url, char **authority, char **path, sao_err *err)
{
	url_parts u;
	bool ok = false;

	*authority = *path = NULL;
	if (!url_parse(url, &u, err))
		return false;
	if ((u.port != NULL ? asprintf(authority, "%s:%s", u.host, u.port) < 0
			    : (*authority = strdup(u.host)) == NULL)) {
		*authority = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if ((*path = strdup(u.path != NULL ? u.path : "/")) == NULL) {
		free(*authority);
		*authority = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	url_parts_clear(&u);
	return ok;
}

char *url_decode(const char *s)
{
	char *d = curl_easy_unescape(NULL, s, 0, NULL), *out;

	if (d == NULL)
		return NULL;
	out = strdup(d);
	curl_free(d);
	return out;
}

char *url_encode(const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	char *out = malloc(3 * len + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		    *c == '.' || *c == '_' || *c == '~' || (keep_slash && *c == '/')) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	*p = '\0';
	return out;
}

char *url_store_prefix(const char *uri, const char *rest, sao_err *err)
{
	size_t plen;
	char *prefix;

	while (*rest == '/')
		rest++;
	plen = strlen(rest);
	while (plen > 0 && rest[plen - 1] == '/')
		plen--;
	if ((prefix = strndup(rest, plen)) == NULL)
		return err_set(err, "out of memory"), NULL;
	/* One rule for the object key, the issuer and jwks_uri: only characters that every client
	 * writes and reads the same way (RFC 3986 unreserved, and '/'). Stores and HTTP clients
	 * disagree on '+' and on how often '%' is decoded, so the documents would not be where the
	 * issuer points. */
	for (const char *q = prefix; *q; q++) {
		unsigned char ch = (unsigned char)*q;

		if (isalnum(ch) || strchr("-._~/", ch) != NULL)
			continue;
		free(prefix);
		if (ch >= 0x20 && ch < 0x7f)
			return err_set(err,
				       "prefix in \"%s\" has '%c': use only letters, digits, '-', '.', '_', '~' and "
				       "'/', so that the object keys, the issuer and jwks_uri agree (stores and HTTP "
				       "clients decode other characters differently)",
				       uri, ch),
			       NULL;
		return err_set(err,
			       "prefix in \"%s\" has byte 0x%02x: use only letters, digits, '-', '.', '_', '~' and '/'",
			       uri, ch),
		       NULL;
	}
	if (strstr(prefix, "//") != NULL || strstr(prefix, "..") != NULL) {
		free(prefix);
		return err_set(err, "prefix in \"%s\" must be a plain path (no \"//\", no \"..\")", uri), NULL;
	}
	return prefix;
}
