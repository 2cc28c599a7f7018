/* Unit tests for src/util/url.c (the one URL parser, over libcurl's URL API) and
 * src/util/str.c (string lists, escaping for logs, trimming). */
#include "config.h"

#include "../tap.h"
#include "util/str.h"
#include "util/url.h"

#include <stdlib.h>
#include <string.h>

static void parse(void)
{
	url_parts u = {0};
	sao_err err = {0};

	ok(url_parse("https://user@oidc.example.com:8443/a/b?x=1#f", &u, &err), "a full URL parses");
	is_str(u.scheme, "https", "  scheme");
	is_str(u.user, "user", "  user");
	is_str(u.host, "oidc.example.com", "  host");
	is_str(u.port, "8443", "  port");
	is_str(u.path, "/a/b", "  path");
	is_str(u.query, "x=1", "  query");
	is_str(u.fragment, "f", "  fragment");
	url_parts_clear(&u);
	ok(url_parse("https://oidc.example.com", &u, &err) && strcmp(u.path, "/") == 0 && u.port == NULL &&
	       u.query == NULL,
	   "no path: \"/\", and no port or query");
	url_parts_clear(&u);
	ok(url_parse("https://[2001:db8::1]:443/x", &u, &err) && strcmp(u.host, "[2001:db8::1]") == 0,
	   "an IPv6 host keeps its brackets");
	url_parts_clear(&u);
	ok(!url_parse("oidc.example.com/x", &u, &err) && strstr(err.msg, "oidc.example.com/x") != NULL,
	   "a relative URL is refused, naming it (%s)", err.msg);
	ok(!url_parse("", &u, &err), "an empty string is refused");
}

static void https_host(void)
{
	char *host = NULL, *auth = NULL, *path = NULL;
	int port = 0;
	sao_err err = {0};

	ok(url_https_host("https://oidc.example.com/c", &host, &port, &err) && strcmp(host, "oidc.example.com") == 0 &&
	       port == 443,
	   "https host, default port 443");
	free(host);
	ok(url_https_host("https://[::1]:9443/", &host, &port, &err) && strcmp(host, "::1") == 0 && port == 9443,
	   "an IPv6 host without brackets, with its port");
	free(host);
	host = NULL;
	ok(!url_https_host("http://oidc.example.com/", &host, &port, &err) && host == NULL,
	   "plain http is refused (%s)", err.msg);
	ok(url_authority_path("http://127.0.0.1:9000/bucket/a%20b", &auth, &path, &err) &&
	       strcmp(auth, "127.0.0.1:9000") == 0 && strcmp(path, "/bucket/a%20b") == 0,
	   "authority with its port, path as written (what SigV4 signs)");
	free(auth);
	free(path);
	ok(url_authority_path("https://iam.amazonaws.com", &auth, &path, &err) &&
	       strcmp(auth, "iam.amazonaws.com") == 0 && strcmp(path, "/") == 0,
	   "no path: \"/\"");
	free(auth);
	free(path);
}

static void decode_and_str(void)
{
	char *d = url_decode("%7B%22Version%22%3A%222012-10-17%22%7D+x%zz");
	strlist l = {0};
	char buf[] = "  \t padded \n", *e;

	is_str(d, "{\"Version\":\"2012-10-17\"}+x%zz",
	       "url_decode: %%XX decoded, '+' and a bad escape kept as they are");
	free(d);
	ok(strlist_add(&l, "a") && strlist_addf(&l, "b%d", 2) && l.n == 2, "strlist: add and addf");
	ok(strlist_has(&l, "b2") && !strlist_has(&l, "b"), "  has compares whole strings");
	strlist_clear(&l);
	ok(l.n == 0 && l.v == NULL, "  clear empties it");
	is_str(str_trim(buf), "padded", "str_trim cuts white space at both ends");
	is_str(e = str_escape("ok\x1b[31m\xff\n", 100, 0), "ok\\x1b[31m\\xff\\x0a",
	       "str_escape: control characters and invalid UTF-8 as \\xNN");
	free(e);
	is_str(e = str_escape("h\xc3\xa9\"q", 100, STR_ESC_ASCII | STR_ESC_QUOTES), "h\\xc3\\xa9\\x22q",
	       "  with ASCII and QUOTES: non-ASCII and quotes escaped as well");
	free(e);
	is_str(e = str_escape("abcdef", 3, 0), "abc...", "  at most max bytes, marked");
	free(e);
	is_str(e = str_escape("\xc3\xa9\xc3\xa9", 3, 0), "\xc3\xa9...", "  cut on a character boundary");
	free(e);
}

/* The store URIs' prefix rule, percent-encoding, and a secret cut out of a message. */
static void prefix_encode_redact(void)
{
	sao_err err = {""};
	char *p, msg[128];

	is_str(p = url_store_prefix("gs://b//a/b/", "//a/b/", &err), "a/b", "url_store_prefix: slashes trimmed");
	free(p);
	ok(url_store_prefix("gs://b/a+b", "/a+b", &err) == NULL && strstr(err.msg, "has '+'") != NULL,
	   "  '+' refused, naming it");
	ok(url_store_prefix("gs://b/a/../c", "/a/../c", &err) == NULL && strstr(err.msg, "plain path") != NULL,
	   "  \"..\" refused");
	is_str(p = url_encode("a/b c~%", true), "a/b%20c~%25", "url_encode keeps '/' when asked, unreserved as is");
	free(p);
	is_str(p = url_encode("a/b", false), "a%2Fb", "  and encodes it otherwise (a GCS object name)");
	free(p);
	snprintf(msg, sizeof(msg), "GET https://a/c/b?sv=1&sig=XyZ: refused; again sv=1&sig=XyZ");
	str_redact(msg, "sv=1&sig=XyZ", "<SAS>");
	is_str(msg, "GET https://a/c/b?<SAS>: refused; again <SAS>", "str_redact replaces every occurrence");
	snprintf(msg, sizeof(msg), "x<S>y");
	str_redact(msg, "<S>", "<SAS>");
	is_str(msg, "x<SAy", "  a mark longer than the secret is cut to its length, and the loop ends");
}

int main(void)
{
	parse();
	https_host();
	decode_and_str();
	prefix_encode_redact();
	return tap_done();
}
