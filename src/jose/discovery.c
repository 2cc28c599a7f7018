#include "config.h"

#include "jose/discovery.h"

#include "util/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0;
}

/* The URL rules kube-apiserver applies to --service-account-issuer and --service-account-jwks-uri,
 * with saoidc's own for the issuer (IAM's 255 characters, no trailing slash). `what` names the
 * option in messages. */
static bool check_url(const char *what, const char *issuer, bool is_issuer, bool *insecure, sao_err *err)
{
	static const char *const why = "STS and the API server compare the issuer byte for byte with the "
				       "token's \"iss\"";
	url_parts u = {0};
	const char *scheme, *host;
	bool ok = false;
	size_t len = strlen(issuer);

	*insecure = false;
	if (len == 0)
		return err_set(err, "%s is empty", what);
	if (is_issuer && len > 255)
		return err_set(err, "issuer is %zu characters; IAM accepts at most 255", len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)issuer[i];

		if (c <= 0x20 || c >= 0x7f)
			return err_set(err, "%s \"%s\" contains a space, control or non-ASCII character", what, issuer);
	}
	if (!url_parse(issuer, &u, NULL)) {
		err_set(err, "%s \"%s\" is not an absolute URL (expected https://HOST[/PATH])", what, issuer);
		goto out;
	}
	scheme = u.scheme;
	host = u.host;
	if (strncmp(issuer, scheme, strlen(scheme)) != 0) {
		err_set(err, "%s \"%s\" has an upper-case scheme; write \"%s://\" (%s)", what, issuer, scheme, why);
		goto out;
	}
	if (u.user != NULL) {
		err_set(err, "%s \"%s\" must not contain user info", what, issuer);
		goto out;
	}
	if (u.query != NULL || strchr(issuer, '?') != NULL) {
		err_set(err, "%s \"%s\" must not have a query (OIDC issuers are plain https URLs)", what, issuer);
		goto out;
	}
	if (u.fragment != NULL || strchr(issuer, '#') != NULL) {
		err_set(err, "%s \"%s\" must not have a fragment", what, issuer);
		goto out;
	}
	/* A percent-encoded path is decoded by the servers that answer it (libmicrohttpd, S3) but
	 * compared encoded by STS and the API server: the issuer would never be where it says. */
	if (strchr(issuer, '%') != NULL) {
		err_set(err,
			"%s \"%s\" has a percent-encoded character: servers decode it and STS does not, so the "
			"documents would not be found at that URL; use plain characters (letters, digits, '-', '.', "
			"'_', '~', '/')",
			what, issuer);
		goto out;
	}
	if (is_issuer && issuer[len - 1] == '/') {
		err_set(err,
			"%s \"%s\" ends with a slash: remove it (%s, and the discovery URL is the issuer "
			"followed by /.well-known/openid-configuration)",
			what, issuer, why);
		goto out;
	}
	if (strcmp(scheme, "https") == 0) {
		ok = true;
	} else if (strcmp(scheme, "http") == 0 && is_loopback(host)) {
		*insecure = true;
		ok = true;
	} else if (strcmp(scheme, "http") == 0) {
		err_set(err,
			"%s \"%s\" uses http://: STS fetches the documents over HTTPS only "
			"(http:// is accepted for loopback hosts, for testing)",
			what, issuer);
	} else {
		err_set(err, "%s \"%s\" must be an https:// URL", what, issuer);
	}
out:
	url_parts_clear(&u);
	return ok;
}

bool disc_check_issuer(const char *issuer, bool *insecure, sao_err *err)
{
	return check_url("issuer", issuer, true, insecure, err);
}

bool disc_check_sts_issuer(const char *issuer, sao_err *err)
{
	url_parts u;
	bool ok = true;

	/* STS fetches https://HOST/... on 443 and IAM refuses a provider URL with a port: an issuer
	 * with one would be published and then never work. Loopback hosts may have one (tests). */
	if (url_parse(issuer, &u, NULL) && !is_loopback(u.host) && u.port != NULL)
		ok = err_set(
		    err,
		    "issuer \"%s\" has a port (%s): STS fetches issuers on port 443 only and IAM refuses a "
		    "provider URL with a port; serve the documents on 443 (a load balancer or Ingress in front) "
		    "and give the issuer without it",
		    issuer, u.port);
	url_parts_clear(&u);
	return ok;
}

bool disc_check_jwks_uri(const char *uri, bool *insecure, sao_err *err)
{
	return check_url("jwks-uri", uri, false, insecure, err);
}

bool disc_check_jwks_path(const char *path, sao_err *err)
{
	if (path[0] != '/')
		return err_set(err, "jwks path \"%s\" must start with '/'", path);
	if (strlen(path) < 2 || strlen(path) > 200)
		return err_set(err, "jwks path \"%s\" must be between 2 and 200 characters", path);
	if (strstr(path, "/../") != NULL || strstr(path, "/./") != NULL || strstr(path, "//") != NULL ||
	    (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0) || path[strlen(path) - 1] == '/')
		return err_set(err,
			       "jwks path \"%s\" must be a plain file path (no \"..\", \".\", \"//\" or "
			       "trailing '/')",
			       path);
	for (const char *p = path; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("/-._~", *p) != NULL))
			return err_set(err, "jwks path \"%s\" contains '%c'; use letters, digits and / - . _ ~", path,
				       *p);
	}
	if (strcmp(path, "/.well-known/openid-configuration") == 0)
		return err_set(err, "jwks path must differ from the discovery document's path");
	if (strncmp(path, "/.saoidc/", 9) == 0 || strcmp(path, "/.saoidc") == 0)
		return err_set(err,
			       "jwks path \"%s\" is under /.saoidc/, where saoidc keeps its retention state: "
			       "choose another path",
			       path);
	return true;
}

char *disc_issuer_path(const char *issuer)
{
	url_parts u;
	char *out = NULL;

	if (url_parse(issuer, &u, NULL) && u.path != NULL)
		out = strdup(strcmp(u.path, "/") == 0 ? "" : u.path);
	url_parts_clear(&u);
	return out;
}

char *disc_jwks_uri(const char *issuer, const char *jwks_path)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s", issuer, jwks_path) < 0)
		return NULL;
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *disc_build(const char *issuer, const char *jwks_uri, const char *const *in, size_t nin, bool eks, sao_err *err)
{
	const char *algs[16];
	size_t nalg = 0;
	json_t *jalgs = json_array(), *doc = NULL;

	if (jalgs == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < nin; i++) {
		bool seen = false;

		for (size_t j = 0; j < nalg; j++)
			seen = seen || strcmp(algs[j], in[i]) == 0;
		if (!seen && nalg < sizeof(algs) / sizeof(*algs))
			algs[nalg++] = in[i];
	}
	/* kube-apiserver lists the algorithms as a sorted set. */
	qsort(algs, nalg, sizeof(*algs), cmp_str);
	for (size_t j = 0; j < nalg; j++)
		json_array_append_new(jalgs, json_string(algs[j]));
	/* kube-apiserver's five members, in its order; EKS's hosted issuer (and the IRSA guide's
	 * hand-written file) add authorization_endpoint and claims_supported, which STS ignores. */
	doc = eks ? json_pack("{s:s, s:s, s:s, s:[s], s:[s], s:o, s:[s,s]}", "issuer", issuer, "jwks_uri", jwks_uri,
			      "authorization_endpoint", "urn:kubernetes:programmatic_authorization",
			      "response_types_supported", "id_token", "subject_types_supported", "public",
			      "id_token_signing_alg_values_supported", jalgs, "claims_supported", "sub", "iss")
		  : json_pack("{s:s, s:s, s:[s], s:[s], s:o}", "issuer", issuer, "jwks_uri", jwks_uri,
			      "response_types_supported", "id_token", "subject_types_supported", "public",
			      "id_token_signing_alg_values_supported", jalgs);
	if (doc == NULL)
		err_set(err, "out of memory");
	return doc;
}
