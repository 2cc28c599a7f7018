#include "config.h"

#include "aws.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define RESP_MAX (4u * 1024u * 1024u)
#define MAX_ATTEMPTS 5
#define MAX_TOTAL_MS 60000

/* ---- shared config and credentials files (INI) ---- */

static char *home_file(const char *env, const char *rel)
{
	const char *v = getenv(env), *home = getenv("HOME");
	char *p = NULL;

	if (v != NULL && v[0] != '\0')
		return strdup(v);
	if (home == NULL)
		return NULL;
	if (asprintf(&p, "%s/%s", home, rel) < 0)
		return NULL;
	return p;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Looks up `key` in section `section` of an INI file; malloc'd value or NULL. */
static char *ini_get(const char *path, const char *section, const char *key)
{
	FILE *f = path != NULL ? fopen(path, "r") : NULL;
	char line[4096];
	bool in = false;
	char *val = NULL;

	if (f == NULL)
		return NULL;
	while (val == NULL && fgets(line, sizeof(line), f) != NULL) {
		char *l = trim(line), *eq;

		if (l[0] == '#' || l[0] == ';' || l[0] == '\0')
			continue;
		if (l[0] == '[') {
			char *close = strchr(l, ']');

			if (close != NULL) {
				*close = '\0';
				in = strcmp(trim(l + 1), section) == 0;
			}
			continue;
		}
		eq = strchr(l, '=');
		if (!in || eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(trim(l), key) == 0)
			val = strdup(trim(eq + 1));
	}
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	return val;
}

static const char *profile_name(void)
{
	const char *p = getenv("AWS_PROFILE");

	return p != NULL && p[0] != '\0' ? p : "default";
}

/* In ~/.aws/config the section is "profile NAME", except for "default". */
static char *config_get(const char *key)
{
	char *path = home_file("AWS_CONFIG_FILE", ".aws/config"), *section = NULL, *v = NULL;
	const char *name = profile_name();

	if (path == NULL)
		return NULL;
	if (strcmp(name, "default") == 0 ? (section = strdup("default")) != NULL
					 : asprintf(&section, "profile %s", name) >= 0)
		v = ini_get(path, section, key);
	free(section);
	free(path);
	return v;
}

char *aws_region(const char *flag)
{
	const char *e;

	if (flag != NULL && flag[0] != '\0')
		return strdup(flag);
	if ((e = getenv("AWS_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	if ((e = getenv("AWS_DEFAULT_REGION")) != NULL && e[0] != '\0')
		return strdup(e);
	return config_get("region");
}

const char *aws_endpoint(const char *service)
{
	char name[64];
	const char *v;

	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service);
	v = getenv(name);
	if (v != NULL && v[0] != '\0')
		return v;
	v = getenv("AWS_ENDPOINT_URL");
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static bool set_creds(aws_creds *c, const char *ak, const char *sk, const char *tok, const char *source, sao_err *err)
{
	c->access_key = strdup(ak);
	c->secret_key = strdup(sk);
	c->token = tok != NULL && tok[0] != '\0' ? strdup(tok) : NULL;
	c->source = strdup(source);
	if (c->access_key == NULL || c->secret_key == NULL || c->source == NULL ||
	    (tok != NULL && tok[0] != '\0' && c->token == NULL)) {
		aws_creds_clear(c);
		return err_set(err, "out of memory");
	}
	return true;
}

bool aws_creds_load(aws_creds *out, sao_err *err)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *name = profile_name();
	char *path = NULL, *pak = NULL, *psk = NULL, *ptok = NULL, *src = NULL;
	static const char *const unsupported[] = {"role_arn", "credential_process", "sso_start_url", "sso_session"};
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (ak != NULL && ak[0] != '\0') {
		if (sk == NULL || sk[0] == '\0')
			return err_set(err, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
		return set_creds(out, ak, sk, getenv("AWS_SESSION_TOKEN"), "environment (AWS_ACCESS_KEY_ID)", err);
	}
	path = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
	pak = ini_get(path, name, "aws_access_key_id");
	psk = ini_get(path, name, "aws_secret_access_key");
	ptok = ini_get(path, name, "aws_session_token");
	if (pak == NULL) {
		/* ~/.aws/config may hold static keys too */
		free(psk);
		free(ptok);
		pak = config_get("aws_access_key_id");
		psk = config_get("aws_secret_access_key");
		ptok = config_get("aws_session_token");
	}
	if (pak != NULL && psk != NULL) {
		if (asprintf(&src, "profile %s", name) < 0)
			src = NULL;
		ok = src != NULL ? set_creds(out, pak, psk, ptok, src, err) : err_set(err, "out of memory");
		goto out;
	}
	if (pak != NULL) {
		err_set(err, "profile %s has aws_access_key_id but no aws_secret_access_key", name);
		goto out;
	}
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(*unsupported); i++) {
		char *v = config_get(unsupported[i]);

		if (v == NULL)
			v = ini_get(path, name, unsupported[i]);
		if (v != NULL) {
			free(v);
			err_set(err, "profile %s uses %s, which saoidc does not support yet: export "
				     "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (e.g. from `aws "
				     "configure export-credentials --profile %s --format env`)",
				name, unsupported[i], name);
			goto out;
		}
	}
	err_set(err, "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
		     "with a profile in ~/.aws/credentials (looked for profile %s)", name);
out:
	if (psk != NULL)
		OPENSSL_cleanse(psk, strlen(psk));
	if (ptok != NULL)
		OPENSSL_cleanse(ptok, strlen(ptok));
	free(pak);
	free(psk);
	free(ptok);
	free(src);
	free(path);
	return ok;
}

/* ---- XML ---- */

static xmlNode *find_elem(xmlNode *n, const char *name)
{
	for (; n != NULL; n = n->next) {
		xmlNode *f;

		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
		if ((f = find_elem(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

char *aws_xml_text(const char *xml, size_t len, const char *name)
{
	xmlDoc *doc;
	xmlNode *n;
	char *out = NULL;

	if (xml == NULL || len == 0 || len > RESP_MAX)
		return NULL;
	/* No network, no entities, no DTD loading: the body comes from a remote server. */
	doc = xmlReadMemory(xml, (int)len, "response.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
	if (doc == NULL)
		return NULL;
	n = find_elem(xmlDocGetRootElement(doc), name);
	if (n != NULL) {
		xmlChar *t = xmlNodeGetContent(n);

		if (t != NULL) {
			out = strdup((const char *)t);
			xmlFree(t);
		}
	}
	xmlFreeDoc(doc);
	return out;
}

/* ---- HTTP ---- */

void aws_response_clear(aws_response *r)
{
	if (r->body != NULL)
		OPENSSL_cleanse(r->body, r->body_len); /* may hold STS credentials */
	free(r->body);
	free(r->content_type);
	free(r->cache_control);
	free(r->code);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

struct sink {
	aws_response *r;
	size_t cap;
	bool overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	if (s->r->body_len + n > RESP_MAX) {
		s->overflow = true;
		return 0;
	}
	if (s->r->body_len + n + 1 > s->cap) {
		size_t ncap = (s->r->body_len + n + 1) * 2;
		char *nb = realloc(s->r->body, ncap);

		if (nb == NULL)
			return 0;
		s->r->body = nb;
		s->cap = ncap;
	}
	memcpy(s->r->body + s->r->body_len, data, n);
	s->r->body_len += n;
	s->r->body[s->r->body_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;
	char line[1024];
	char **dst = NULL;
	char *colon;

	if (n >= sizeof(line))
		return n;
	memcpy(line, data, n);
	line[n] = '\0';
	colon = strchr(line, ':');
	if (colon == NULL)
		return n;
	*colon = '\0';
	if (strcasecmp(line, "Content-Type") == 0)
		dst = &s->r->content_type;
	else if (strcasecmp(line, "Cache-Control") == 0)
		dst = &s->r->cache_control;
	if (dst != NULL) {
		free(*dst);
		*dst = strdup(trim(colon + 1));
	}
	return n;
}

static bool host_of(const char *url, char **host, char **path)
{
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *p = NULL;
	bool ok = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK)
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	if (port != NULL ? asprintf(host, "%s:%s", h, port) < 0 : (*host = strdup(h)) == NULL)
		goto out;
	*path = strdup(p);
	ok = *path != NULL;
out:
	curl_free(h);
	curl_free(port);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

static bool retryable(long status, const char *code)
{
	if (status >= 500 || status == 429)
		return true;
	return code != NULL && (strcmp(code, "Throttling") == 0 || strcmp(code, "ThrottlingException") == 0 ||
				strcmp(code, "SlowDown") == 0 || strcmp(code, "RequestTimeout") == 0 ||
				strcmp(code, "ConcurrentModification") == 0 || strcmp(code, "RequestTimeTooSkewed") == 0);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool send_once(const aws_request *req, aws_response *resp, sao_err *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	char *host = NULL, *path = NULL, *query = NULL, *qmark;
	struct sink sink = {resp, 0, false};
	CURLcode cr;
	bool ok = false;

	memset(resp, 0, sizeof(*resp));
	if (c == NULL || !host_of(req->url, &host, &path)) {
		err_set(err, "bad URL %s", req->url);
		goto out;
	}
	qmark = strchr(req->url, '?');
	query = strdup(qmark != NULL ? qmark + 1 : "");
	for (size_t i = 0; i < req->nheaders; i++)
		if (!sigv4_header_add(&hs, &nh, req->headers[i].name, req->headers[i].value)) {
			err_set(err, "out of memory");
			goto out;
		}
	if (req->creds != NULL) {
		sigv4_req sr = {req->method, host, path, query, req->body, req->body_len, req->region, req->service,
				time(NULL)};

		if (!sigv4_sign(&sr, req->creds, &hs, &nh, err))
			goto out;
	}
	for (size_t i = 0; i < nh; i++) {
		char *line = NULL;
		struct curl_slist *nl;

		if (asprintf(&line, "%s: %s", hs[i].name, hs[i].value) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		nl = curl_slist_append(hl, line);
		OPENSSL_clear_free(line, strlen(line));
		if (nl == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		hl = nl;
	}
	hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		err_set(err, "%s %s: %s", req->method, req->url, sink.overflow ? "response too large" : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status >= 300 && resp->body_len > 0) {
		resp->code = aws_xml_text(resp->body, resp->body_len, "Code");
		resp->message = aws_xml_text(resp->body, resp->body_len, "Message");
	}
	ok = true;
out:
	sigv4_headers_free(hs, nh);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(host);
	free(path);
	free(query);
	return ok;
}

bool aws_send(const aws_request *req, aws_response *resp, sao_err *err)
{
	long start = now_ms();
	unsigned cap = 200;

	for (int attempt = 1;; attempt++) {
		bool sent = send_once(req, resp, err);
		unsigned delay;

		if (sent && !retryable(resp->status, resp->code))
			return true;
		if (attempt >= MAX_ATTEMPTS || now_ms() - start > MAX_TOTAL_MS)
			return sent; /* the last answer stands; or the last connection error */
		/* Full jitter: a random delay up to an exponentially growing cap. */
		RAND_bytes((unsigned char *)&delay, sizeof(delay));
		delay = delay % cap;
		cap = cap * 2 > 5000 ? 5000 : cap * 2;
		if (sent)
			aws_response_clear(resp);
		{
			struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
	}
}
