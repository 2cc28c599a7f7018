#include "config.h"

#include "net/fetch.h"

#include "util/str.h"
#include "util/url.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void fetch_result_clear(fetch_result *r)
{
	if (r->body != NULL)
		OPENSSL_cleanse(r->body, r->len);
	free(r->body);
	free(r->content_type);
	free(r->cache_control);
	free(r->etag);
	free(r->last_modified);
	free(r->age);
	free(r->kept);
	memset(r, 0, sizeof(*r));
}

struct sink {
	fetch_result *r;
	size_t cap, max;
	const fetch_req *req;
	CURL *c;
	bool stopped;  /* the chunk callback said stop */
	char keep[80]; /* "Name:" of fetch_req.keep, or "" */
};

static size_t on_data(char *d, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	fetch_result *r = s->r;
	size_t n = size * nmemb;
	long status = 0;

	/* A streamed 2xx answer goes to the caller piece by piece; any other is kept (bounded) so
	 * that the caller can read the API's error. */
	if (s->req->on_chunk != NULL && curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status / 100 == 2) {
		if (!s->req->on_chunk(s->req->chunk_ctx, d, n)) {
			s->stopped = true;
			return 0;
		}
		return n;
	}

	if (n > s->max - r->len) {
		r->too_large = true;
		return 0;
	}
	if (r->len + n + 1 > s->cap) {
		size_t ncap = (r->len + n + 1) * 2;
		char *np = realloc(r->body, ncap);

		if (np == NULL)
			return 0;
		r->body = np;
		s->cap = ncap;
	}
	memcpy(r->body + r->len, d, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Keeps one header's trimmed value in *dst when the line is that header. */
static void keep_header(const char *d, size_t n, const char *name, char **dst)
{
	size_t l = strlen(name), s = l, e = n;

	if (n <= l || strncasecmp(d, name, l) != 0)
		return;
	while (s < e && (d[s] == ' ' || d[s] == '\t'))
		s++;
	while (e > s && (d[e - 1] == ' ' || d[e - 1] == '\t' || d[e - 1] == '\r' || d[e - 1] == '\n'))
		e--;
	free(*dst);
	*dst = strndup(d + s, e - s);
}

static size_t on_header(char *d, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(d, "HTTP/", 5) == 0) { /* a new status line (100 Continue, redirect) */
		free(s->r->content_type);
		free(s->r->cache_control);
		free(s->r->etag);
		free(s->r->last_modified);
		free(s->r->age);
		free(s->r->kept);
		s->r->content_type = s->r->cache_control = s->r->etag = s->r->last_modified = s->r->age = NULL;
		s->r->kept = NULL;
		return n;
	}
	if (s->keep[0] != '\0')
		keep_header(d, n, s->keep, &s->r->kept);
	keep_header(d, n, "Content-Type:", &s->r->content_type);
	keep_header(d, n, "Cache-Control:", &s->r->cache_control);
	keep_header(d, n, "ETag:", &s->r->etag);
	keep_header(d, n, "Last-Modified:", &s->r->last_modified);
	keep_header(d, n, "Age:", &s->r->age);
	return n;
}

#define SETOPT(opt, val)                                                                                               \
	do {                                                                                                           \
		if ((cr = curl_easy_setopt(c, opt, val)) != CURLE_OK) {                                                \
			err_set(err, "%s %s: libcurl refused %s: %s", method, req->url, #opt, curl_easy_strerror(cr)); \
			goto out;                                                                                      \
		}                                                                                                      \
	} while (0)

/* libcurl calls this about once a second, and at every piece of data: a set cancel flag ends
 * the transfer. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return atomic_load((const atomic_bool *)ud) ? 1 : 0;
}

/* False when a header line holds a control character (CR or LF would start another header:
 * a credential value from the environment or an answer must not add headers); *bad gets the
 * header's name, never its value. */
static bool header_clean(const char *line, char bad[64])
{
	for (const unsigned char *p = (const unsigned char *)line; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(bad, 64, "%.*s", (int)strcspn(line, ":"), line);
			return false;
		}
	return true;
}

/* The header list, each line also kept in `lines` so it can be cleansed after use. */
static bool header_list(const fetch_req *req, struct curl_slist **out)
{
	struct curl_slist *l = NULL, *nl;

	for (size_t i = 0; i < req->nheaders; i++) {
		if ((nl = curl_slist_append(l, req->headers[i])) == NULL)
			goto fail;
		l = nl;
	}
	if (req->body != NULL) {
		if ((nl = curl_slist_append(l, "Expect:")) == NULL) /* no 100-continue round trip */
			goto fail;
		l = nl;
	}
	*out = l;
	return true;
fail:
	curl_slist_free_all(l);
	return false;
}

static void header_list_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p != NULL; p = p->next)
		OPENSSL_cleanse(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* What went wrong, in the terms a user can act on: DNS, the connection, or TLS. */
static const char *failure(CURLcode cr, bool timed_out, bool too_large, char *buf, size_t len)
{
	const char *what;

	if (too_large)
		return "the answer is larger than the limit";
	if (timed_out)
		return "no complete answer within the time limit";
	switch (cr) {
	case CURLE_COULDNT_RESOLVE_HOST:
		what = "DNS: the host name does not resolve";
		break;
	case CURLE_COULDNT_CONNECT:
		what = "the connection was refused or could not be made";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		what = "TLS: the server's certificate is not trusted or is not for this host name (a private CA? give "
		       "--ca-file)";
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		what = "TLS: the handshake failed";
		break;
	default:
		return curl_easy_strerror(cr);
	}
	snprintf(buf, len, "%s (%s)", what, curl_easy_strerror(cr));
	return buf;
}

/* libcurl is initialised by the first request, so commands that make none (jwks, discovery,
 * render, --version) never pay for it. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

bool fetch_do(const fetch_req *req, fetch_result *r, sao_err *err)
{
	static const tls_opts no_tls = {0};
	const tls_opts *o = req->tls != NULL ? req->tls : &no_tls;
	const char *method = req->method != NULL ? req->method : "GET";
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : 30000L;
	long connect = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : timeout < 5000 ? timeout : 5000L;
	struct sink sink = {r, 0, req->max_body > 0 ? req->max_body : FETCH_MAX_DEFAULT, req, NULL, false, ""};
	CURL *c = (pthread_once(&curl_once, curl_init), curl_easy_init());
	struct curl_slist *ct = NULL, *hs = NULL;
	char *host = NULL;
	int port = 0;
	CURLcode cr;
	double secs = 0;
	bool ok = false;

	memset(r, 0, sizeof(*r));
	sink.c = c;
	if (req->keep != NULL)
		snprintf(sink.keep, sizeof(sink.keep), "%s:", req->keep);
	for (size_t i = 0; i < req->nheaders; i++) {
		char bad[64];

		if (!header_clean(req->headers[i], bad)) {
			err_set(err,
				"%s %s: the %s header holds a control character (a line break would add headers): "
				"refusing to send it; check where its value comes from (an environment variable, a "
				"credentials file or process, a token file)",
				method, req->url, bad);
			goto out;
		}
	}
	if (c == NULL || !header_list(req, &hs)) {
		err_set(err, "out of memory");
		goto out;
	}
	if (o->connect_to != NULL && url_https_host(req->url, &host, &port, NULL)) {
		char map[700];

		snprintf(map, sizeof(map), "%s:%d:%s", host, port, o->connect_to);
		if ((ct = curl_slist_append(NULL, map)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		SETOPT(CURLOPT_CONNECT_TO, ct);
	}
	SETOPT(CURLOPT_URL, req->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_HTTPHEADER, hs);
	if (strcmp(method, "GET") != 0)
		SETOPT(CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		SETOPT(CURLOPT_NOBODY, 1L);
	if (req->body != NULL) {
		SETOPT(CURLOPT_POSTFIELDS, req->body);
		SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect);
	SETOPT(CURLOPT_TIMEOUT_MS, timeout);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_WRITEFUNCTION, on_data);
	SETOPT(CURLOPT_WRITEDATA, &sink);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &sink);
	SETOPT(CURLOPT_USERAGENT, "saoidc/" PACKAGE_VERSION);
	if (req->cancel != NULL) {
		SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
		SETOPT(CURLOPT_XFERINFODATA, (void *)req->cancel);
		SETOPT(CURLOPT_NOPROGRESS, 0L);
	}
	if (o->ca_file != NULL)
		SETOPT(CURLOPT_CAINFO, o->ca_file);
	else if (o->ca_pem == NULL && str_env("SSL_CERT_FILE") != NULL)
		SETOPT(CURLOPT_CAINFO, str_env("SSL_CERT_FILE")); /* as OpenSSL, curl(1) and Go read it */
	if (o->ca_pem != NULL) {
		struct curl_blob b = {(void *)o->ca_pem, strlen(o->ca_pem), CURL_BLOB_COPY};

		SETOPT(CURLOPT_CAINFO_BLOB, &b);
	}
	if (o->client_cert_pem != NULL && o->client_key_pem != NULL) {
		struct curl_blob cb = {(void *)o->client_cert_pem, strlen(o->client_cert_pem), CURL_BLOB_COPY};
		struct curl_blob k = {(void *)o->client_key_pem, strlen(o->client_key_pem), CURL_BLOB_COPY};

		SETOPT(CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(CURLOPT_SSLCERT_BLOB, &cb);
		SETOPT(CURLOPT_SSLKEYTYPE, "PEM");
		SETOPT(CURLOPT_SSLKEY_BLOB, &k);
	}
	if (o->insecure) {
		SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cr = curl_easy_perform(c);
	if (curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs) == CURLE_OK)
		r->elapsed_ms = (long)(secs * 1000);
	if (cr != CURLE_OK) {
		bool timed_out = cr == CURLE_OPERATION_TIMEDOUT, too_large = r->too_large;
		char why[300];

		if (sink.stopped || (req->cancel != NULL && atomic_load(req->cancel)))
			err_set(err, "%s %s: stopped", method, req->url);
		else
			err_set(err, "%s %s: %s", method, req->url,
				failure(cr, timed_out, too_large, why, sizeof(why)));
		fetch_result_clear(r);
		r->timed_out = timed_out;
		r->too_large = too_large;
		goto out;
	}
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status) != CURLE_OK) {
		err_set(err, "%s %s: no status code", method, req->url);
		fetch_result_clear(r);
		goto out;
	}
	ok = true;
out:
	header_list_free(hs);
	free(host);
	curl_slist_free_all(ct);
	curl_easy_cleanup(c);
	return ok;
}

bool fetch_get(const char *url, const tls_opts *o, long timeout_ms, fetch_result *r, sao_err *err)
{
	return fetch_get_bearer(url, o, NULL, timeout_ms, r, err);
}

bool fetch_get_bearer(const char *url, const tls_opts *o, const char *token, long timeout_ms, fetch_result *r,
		      sao_err *err)
{
	char *auth = NULL;
	const char *hdr[1];
	fetch_req req = {.url = url, .tls = o, .timeout_ms = timeout_ms};
	bool ok;

	if (token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) < 0) {
			memset(r, 0, sizeof(*r));
			return err_set(err, "out of memory");
		}
		hdr[0] = auth;
		req.headers = hdr;
		req.nheaders = 1;
	}
	ok = fetch_do(&req, r, err);
	if (auth != NULL)
		OPENSSL_clear_free(auth, strlen(auth));
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
