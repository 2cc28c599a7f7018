#include "config.h"

#include "net/fetch.h"

#include "util/url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FETCH_MAX (1024u * 1024u)

void fetch_result_clear(fetch_result *r)
{
	free(r->body);
	free(r->content_type);
	free(r->cache_control);
	memset(r, 0, sizeof(*r));
}

static size_t on_data(char *d, size_t size, size_t nmemb, void *ud)
{
	fetch_result *r = ud;
	size_t n = size * nmemb;
	char *np;

	if (r->len + n > FETCH_MAX)
		return 0;
	np = realloc(r->body, r->len + n + 1);
	if (np == NULL)
		return 0;
	memcpy(np + r->len, d, n);
	r->body = np;
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Keeps one header's trimmed value in *dst when the line is that header. */
static void keep_header(const char *d, size_t n, const char *name, char **dst)
{
	size_t l = strlen(name), s, e = n;

	if (n <= l || strncasecmp(d, name, l) != 0)
		return;
	s = l;
	while (s < e && isspace((unsigned char)d[s]))
		s++;
	while (e > s && isspace((unsigned char)d[e - 1]))
		e--;
	free(*dst);
	*dst = strndup(d + s, e - s);
}

static size_t on_header(char *d, size_t size, size_t nmemb, void *ud)
{
	fetch_result *r = ud;
	size_t n = size * nmemb;

	keep_header(d, n, "Content-Type:", &r->content_type);
	keep_header(d, n, "Cache-Control:", &r->cache_control);
	return n;
}

bool fetch_get(const char *url, const tls_opts *o, long timeout_ms, fetch_result *r, sao_err *err)
{
	return fetch_get_bearer(url, o, NULL, timeout_ms, r, err);
}

bool fetch_get_bearer(const char *url, const tls_opts *o, const char *token, long timeout_ms, fetch_result *r,
		      sao_err *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *ct = NULL, *hs = NULL;
	char *auth = NULL;
	char *host = NULL;
	int port = 0;
	CURLcode cr;
	double secs = 0;
	bool ok = false;

	memset(r, 0, sizeof(*r));
	if (c == NULL)
		return err_set(err, "out of memory");
	if (o->connect_to != NULL && url_https_host(url, &host, &port, err)) {
		char map[700];

		snprintf(map, sizeof(map), "%s:%d:%s", host, port, o->connect_to);
		ct = curl_slist_append(NULL, map);
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, ct);
	}
	if (token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) < 0 || (hs = curl_slist_append(NULL, auth)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "saoidc/" PACKAGE_VERSION);
	if (o->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
	r->elapsed_ms = (long)(secs * 1000);
	if (cr != CURLE_OK) {
		r->timed_out = cr == CURLE_OPERATION_TIMEDOUT;
		err_set(err, "GET %s: %s", url,
			r->timed_out ? "no complete answer within the time limit" : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	ok = true;
out:
	if (auth != NULL)
		OPENSSL_clear_free(auth, strlen(auth));
	if (hs != NULL)
		OPENSSL_cleanse(hs->data, strlen(hs->data));
	curl_slist_free_all(hs);
	free(host);
	curl_slist_free_all(ct);
	curl_easy_cleanup(c);
	return ok;
}

tls_opts fetch_opts_for(const tls_opts *o, const char *origin, const char *url)
{
	tls_opts out = *o;
	char *h1 = NULL, *h2 = NULL;
	int p1 = 0, p2 = 0;

	if (o->connect_to != NULL && (!url_https_host(origin, &h1, &p1, NULL) || !url_https_host(url, &h2, &p2, NULL) ||
				      strcmp(h1, h2) != 0 || p1 != p2))
		out.connect_to = NULL;
	free(h1);
	free(h2);
	return out;
}

long fetch_max_age(const char *cc)
{
	const char *p = cc != NULL ? strcasestr(cc, "max-age=") : NULL;
	char *end;
	long v;

	if (p == NULL || (p != cc && p[-1] != ' ' && p[-1] != ','))
		return -1;
	v = strtol(p + 8, &end, 10);
	return end == p + 8 || v < 0 ? -1 : v;
}
