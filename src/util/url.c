#include "config.h"

#include "util/url.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool url_https_host(const char *url, char **host, int *port, sao_err *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL, *scheme = NULL;
	bool ok = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		err_set(err, "\"%s\" is not an absolute URL", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0) {
		err_set(err, "\"%s\" is not an https:// URL", url);
		goto out;
	}
	*port = curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK ? atoi(p) : 443;
	/* curl keeps IPv6 brackets in the host part; OpenSSL wants them off. */
	if (h[0] == '[') {
		h[strlen(h) - 1] = '\0';
		*host = strdup(h + 1);
	} else {
		*host = strdup(h);
	}
	ok = *host != NULL || err_set(err, "out of memory");
out:
	curl_free(h);
	curl_free(p);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

bool url_authority_path(const char *url, char **authority, char **path, sao_err *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *p = NULL;
	bool ok = false;

	*authority = *path = NULL;
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK) {
		err_set(err, "\"%s\" is not an absolute URL", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	if (port != NULL ? asprintf(authority, "%s:%s", h, port) < 0 : (*authority = strdup(h)) == NULL) {
		*authority = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if ((*path = strdup(p)) == NULL) {
		free(*authority);
		*authority = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	curl_free(h);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}
