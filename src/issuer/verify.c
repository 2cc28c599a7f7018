#include "config.h"

#include "issuer/verify.h"

#include "issuer/cloudcompat.h"

#include "issuer/thumbprints.h"
#include "net/fetch.h"
#include "aws/iam.h"
#include "jose/jwk.h"
#include "jose/jwt.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STS_TIMEOUT_MS 5000

const char *verify_status_name(check_status s)
{
	static const char *const names[] = {"pass", "warn", "fail", "skip"};

	return names[s];
}

static char *vfmt(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (fmt == NULL || vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

/* Adds a check; `fix` may be NULL. */
static void add(verify_report *rep, const char *name, check_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(verify_report *rep, const char *name, check_status st, const char *fix, const char *fmt, ...)
{
	check *nv = realloc(rep->v, (rep->n + 1) * sizeof(*nv));
	char *raw;
	va_list ap;

	if (nv == NULL) {
		rep->lost = true;
		return;
	}
	rep->v = nv;
	va_start(ap, fmt);
	raw = vfmt(fmt, ap);
	va_end(ap);
	/* What was seen comes from the network (kids, URLs, error texts): escaped here, so the
	 * text report cannot carry terminal controls and the JSON report never fails on bad UTF-8. */
	nv[rep->n].seen = raw != NULL ? str_escape(raw, 4096, 0) : NULL;
	nv[rep->n].name = strdup(name);
	nv[rep->n].status = st;
	nv[rep->n].fix = fix != NULL ? strdup(fix) : NULL;
	nv[rep->n].unrun = false;
	if ((fmt != NULL && nv[rep->n].seen == NULL) || nv[rep->n].name == NULL ||
	    (fix != NULL && nv[rep->n].fix == NULL))
		rep->lost = true;
	free(raw);
	rep->n++;
}

/* Marks the check just added as asked for but not run. */
static void unrun(verify_report *rep)
{
	if (rep->n > 0)
		rep->v[rep->n - 1].unrun = true;
}

int verify_outcome(const verify_report *rep)
{
	if (!verify_passed(rep))
		return VERIFY_FAILED;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].unrun)
			return VERIFY_INCOMPLETE;
	return VERIFY_OK;
}

bool verify_passed(const verify_report *rep)
{
	if (rep->lost)
		return false;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->v[i].status == CHECK_FAIL)
			return false;
	return true;
}

void verify_report_clear(verify_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->v[i].name);
		free(rep->v[i].seen);
		free(rep->v[i].fix);
	}
	free(rep->v);
	rep->v = NULL;
	rep->n = 0;
	rep->lost = false;
}

json_t *verify_report_json(const verify_report *rep)
{
	json_t *checks = json_array();

	/* A check that cannot be written fails the whole report (NULL), never drops silently. */
	for (size_t i = 0; checks != NULL && i < rep->n; i++)
		if (rep->v[i].name == NULL ||
		    json_array_append_new(checks, json_pack("{s:s, s:s, s:s?, s:s?}", "check", rep->v[i].name, "status",
							    verify_status_name(rep->v[i].status), "seen",
							    rep->v[i].seen, "fix", rep->v[i].fix)) != 0) {
			json_decref(checks);
			return NULL;
		}
	return json_pack("{s:b, s:b, s:o}", "ok", verify_outcome(rep) == VERIFY_OK, "complete",
			 verify_outcome(rep) != VERIFY_INCOMPLETE && !rep->lost, "checks", checks);
}

/* True for a URL on a CloudFront distribution's own domain. */
static bool on_cloudfront(const char *url)
{
	const char *h = strncmp(url, "https://", 8) == 0 ? url + 8 : url, *end = h + strcspn(h, "/:");
	static const char cf[] = ".cloudfront.net";

	return (size_t)(end - h) > sizeof(cf) - 1 && strncmp(end - (sizeof(cf) - 1), cf, sizeof(cf) - 1) == 0;
}

/* A host's name ends with suffix (".blob.core.windows.net"). */
static bool host_ends(const char *url, const char *suffix)
{
	const char *h = strncmp(url, "https://", 8) == 0 ? url + 8 : url, *end = h + strcspn(h, "/:");
	size_t n = strlen(suffix);

	return (size_t)(end - h) > n && strncmp(end - n, suffix, n) == 0;
}

/* For a refusal (403, 409) or a miss (404) from the stores publish writes to, what to do. */
static const char *store_hint(const char *url, long status, const char *fix_404)
{
	bool gcs = strncmp(url, "https://storage.googleapis.com/", 31) == 0;
	bool blob = host_ends(url, ".blob.core.windows.net") || host_ends(url, ".blob.core.chinacloudapi.cn") ||
		    host_ends(url, ".blob.core.usgovcloudapi.net");
	bool web = strstr(url, ".web.core.") != NULL;

	if (gcs && (status == 403 || status == 401))
		return "Cloud Storage refuses anyone reading it: grant allUsers roles/storage.objectViewer on the "
		       "bucket "
		       "(uniform access), or publish with --acl public-read (fine-grained access)";
	if (blob && (status == 409 || status == 403))
		return "the storage account refuses anonymous reads (AllowBlobPublicAccess off, or a private "
		       "container): allow them and set the container's access level to blob, or publish to the "
		       "static website: saoidc publish ... azblob://ACCOUNT/$web --issuer https://ACCOUNT.zNN.web...";
	if (blob && status == 404)
		return "no such blob, or the container is private (Azure answers 404 to anonymous readers then): "
		       "publish with saoidc publish ... azblob://ACCOUNT/CONTAINER/PREFIX, and make the container's "
		       "access level blob";
	if (web && status == 404)
		return "the static website has no such file: publish to azblob://ACCOUNT/$web/PREFIX with this issuer "
		       "(the issuer's path is the prefix)";
	return fix_404;
}

#define CF_DEPLOYING                                                                                                   \
	"a new CloudFront distribution takes minutes to deploy, and its domain does not answer until then: "           \
	"if `saoidc publish --private` just made it, this is the distribution still deploying; wait "                  \
	"(publish --wait waits) and verify again. Otherwise check the distribution's status and the bucket "           \
	"policy statement that lets it read the prefix"

/* GETs a document as STS would: HTTPS, 200, within 5 s, JSON. Returns the object or NULL. */
static json_t *get_json(verify_report *rep, const char *name, const char *url, const tls_opts *o, const char *fix_404,
			fetch_result *keep)
{
	fetch_result r;
	sao_err err = {""};
	json_t *j = NULL;
	bool cf = on_cloudfront(url);

	if (strncmp(url, "https://", 8) != 0) {
		add(rep, name, CHECK_FAIL, "serve it over HTTPS: STS fetches https:// URLs only", "%s is not https",
		    url);
		return NULL;
	}
	if (!fetch_get(url, o, STS_TIMEOUT_MS, &r, &err)) {
		bool tls = strstr(err.msg, "TLS:") != NULL;

		add(rep, name, CHECK_FAIL,
		    cf ? CF_DEPLOYING
		    : r.timed_out
			? "STS gives up after about 5 s: make the endpoint answer faster (a CDN or S3 in front)"
		    : tls && o->ca_file != NULL
			? "the certificate is not trusted by the --ca-file given: check that file (it must hold the CA "
			  "that signed the issuer's chain); STS itself trusts only public CAs"
		    : tls ? "serve a certificate from a publicly trusted CA, for the issuer's host name (STS trusts no "
			    "other)"
			  : "make it reachable from the internet over HTTPS with a publicly trusted certificate",
		    "%s", err.msg);
		fetch_result_clear(&r);
		return NULL;
	}
	if (r.status != 200) {
		add(rep, name, CHECK_FAIL, cf ? CF_DEPLOYING : store_hint(url, r.status, fix_404),
		    "GET %s answered HTTP %ld", url, r.status);
	} else if ((j = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		add(rep, name, CHECK_FAIL, "serve the JSON document itself (Content-Type application/json), not a page",
		    "GET %s: 200 in %ld ms, but the body is not a JSON object (Content-Type %s)", url, r.elapsed_ms,
		    r.content_type != NULL ? r.content_type : "none");
	} else {
		add(rep, name, CHECK_PASS, NULL, "GET %s: 200 in %ld ms, JSON (%s)", url, r.elapsed_ms,
		    r.content_type != NULL ? r.content_type : "no Content-Type");
	}
	if (keep != NULL && j != NULL)
		*keep = r; /* the caller reads its headers and time, and clears it */
	else
		fetch_result_clear(&r);
	return j;
}

static void add_cc(verify_report *rep, const char *name, const cc_result *r)
{
	add(rep, name,
	    r->status == CC_FAIL   ? CHECK_FAIL
	    : r->status == CC_WARN ? CHECK_WARN
				   : CHECK_PASS,
	    r->fix[0] != '\0' ? r->fix : NULL, "%s", r->seen);
}

/* What STS needs to cache and fetch the documents in time, and what each cloud asked for takes. */
static void check_clouds(verify_report *rep, const verify_cfg *cfg, const json_t *jwks, const fetch_result *d,
			 const fetch_result *j)
{
	static const struct {
		unsigned cloud;
		const char *name;
	} clouds[] = {{CC_AWS, "for-aws"}, {CC_AZURE, "for-azure"}, {CC_GCP, "for-gcp"}};
	cc_result r;

	cc_cache(j->cache_control, &r);
	add_cc(rep, "jwks-cache", &r);
	cc_fetch_time(d->elapsed_ms, j->elapsed_ms, &r);
	add_cc(rep, "fetch-time", &r);
	for (size_t i = 0; i < sizeof(clouds) / sizeof(*clouds); i++)
		if (cfg->clouds & clouds[i].cloud) {
			cc_check(clouds[i].cloud, jwks, cfg->issuer, &r);
			add_cc(rep, clouds[i].name, &r);
		}
}

static const char *const sts_algs[] = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"};

static bool sts_alg(const char *a)
{
	for (size_t i = 0; a != NULL && i < sizeof(sts_algs) / sizeof(*sts_algs); i++)
		if (strcmp(a, sts_algs[i]) == 0)
			return true;
	return false;
}

#define VERIFY_MAX_KEYS 64

static void check_jwks_content(verify_report *rep, const json_t *jwks)
{
	const json_t *keys = json_object_get(jwks, "keys");
	size_t i, bad = 0, n = json_array_size(keys);
	json_t *k;
	char first_bad[300] = "";

	if (!json_is_array(keys) || n == 0) {
		add(rep, "jwks-keys", CHECK_FAIL, "publish the output of `saoidc jwks --key ...`",
		    "the JWKS has no keys");
		return;
	}
	/* Private key members in a published JWKS: whoever fetched it can sign tokens. Checked first,
	 * on every key, and loudly. */
	json_array_foreach(keys, i, k)
	{
		static const char *const secret[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

		for (size_t m = 0; m < sizeof(secret) / sizeof(*secret); m++)
			if (json_object_get(k, secret[m]) != NULL) {
				const char *kid = json_string_value(json_object_get(k, "kid"));

				add(rep, "jwks-private", CHECK_FAIL,
				    "ROTATE NOW: make a new signing key (saoidc keygen), publish it, switch the API "
				    "server to it, "
				    "then publish without this key and delete the old one; anyone who fetched this "
				    "JWKS can mint "
				    "tokens for every service account until then",
				    "the published JWKS holds PRIVATE key material (member \"%s\" of key \"%.64s\"): "
				    "the signing "
				    "key is compromised",
				    secret[m], kid != NULL ? kid : "");
				return;
			}
	}
	/* The same bound as publishing: a hostile JWKS must not buy unbounded work. */
	if (n > VERIFY_MAX_KEYS) {
		add(rep, "jwks-keys", CHECK_FAIL,
		    "drop the keys whose tokens have expired (STS is reported to refuse a JWKS "
		    "of about 100 keys)",
		    "the JWKS has %zu keys; more than %d are not checked", n, VERIFY_MAX_KEYS);
		return;
	}
	json_array_foreach(keys, i, k)
	{
		EVP_PKEY *pk = NULL;
		sao_err err;
		const char *alg = json_string_value(json_object_get(k, "alg"));

		if (!jwk_to_pkey(k, &pk, &err) || (alg != NULL && !sts_alg(alg))) {
			if (bad++ == 0)
				snprintf(first_bad, sizeof(first_bad), "kid \"%.64s\": %.200s",
					 json_string_value(json_object_get(k, "kid"))
					     ? json_string_value(json_object_get(k, "kid"))
					     : "",
					 alg != NULL && !sts_alg(alg) ? "algorithm STS does not accept" : err.msg);
		}
		EVP_PKEY_free(pk);
	}
	if (bad > 0)
		add(rep, "jwks-keys", CHECK_FAIL, "publish only RSA (>= 2048) and EC P-256/384/521 keys for RS*/ES*",
		    "%zu of %zu keys unusable; first: %s", bad, n, first_bad);
	else
		add(rep, "jwks-keys", CHECK_PASS, NULL, "%zu key%s, all usable by STS", n, n == 1 ? "" : "s");
}

static void check_local_keys(verify_report *rep, const key_set *keys, const json_t *jwks)
{
	const json_t *pub = json_object_get(jwks, "keys");
	size_t missing = 0, stale = 0, i;
	json_t *k;
	char miss[256] = "", extra[256] = "";

	for (size_t j = 0; j < key_set_count(keys); j++) {
		const key_info *ki = key_set_get(keys, j);
		json_t *want = jwk_from_key(ki, NULL, NULL);
		bool found = false;

		json_array_foreach(pub, i, k)
		{
			const char *kid = json_string_value(json_object_get(k, "kid"));

			if (kid != NULL && strcmp(kid, ki->kid) == 0 && want != NULL &&
			    json_equal(json_object_get(k, ki->type == KEY_RSA ? "n" : "x"),
				       json_object_get(want, ki->type == KEY_RSA ? "n" : "x")))
				found = true;
		}
		json_decref(want);
		if (!found && missing++ == 0)
			snprintf(miss, sizeof(miss), "%s (%.200s)", ki->kid, ki->source);
	}
	json_array_foreach(pub, i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "kid"));
		bool local = false;

		for (size_t j = 0; kid != NULL && j < key_set_count(keys); j++)
			local = local || strcmp(key_set_get(keys, j)->kid, kid) == 0;
		if (!local && kid != NULL && kid[0] != '\0' && stale++ == 0)
			snprintf(extra, sizeof(extra), "%.200s", kid);
	}
	if (missing > 0)
		add(rep, "local-keys", CHECK_FAIL,
		    "publish again with every current key: saoidc publish/render --key ...",
		    "%zu local key%s not published with the right kid, e.g. %s", missing,
		    missing == 1 ? " is" : "s are", miss);
	else
		add(rep, "local-keys", CHECK_PASS, NULL, "all %zu local key%s published with their Kubernetes kid",
		    key_set_count(keys), key_set_count(keys) == 1 ? "" : "s");
	if (stale > 0)
		add(rep, "extra-keys", CHECK_WARN,
		    "fine during a rotation; remove them once no token they signed is valid",
		    "%zu published key%s not among the local keys, e.g. %s", stale, stale == 1 ? " is" : "s are",
		    extra);
}

static bool sub_ok(const char *sub)
{
	const char *p = "system:serviceaccount:";
	const char *rest, *colon;

	if (sub == NULL || strncmp(sub, p, strlen(p)) != 0)
		return false;
	rest = sub + strlen(p);
	colon = strchr(rest, ':');
	return colon != NULL && colon != rest && colon[1] != '\0' && strchr(colon + 1, ':') == NULL;
}

void verify_token(verify_report *rep, const char *token, size_t len, const json_t *jwks, const char *issuer,
		  const char *audience, time_t now)
{
	sao_err err = {""};
	jwt *t = jwt_decode(token, len, &err);
	const json_t *c, *aud;
	const char *iss, *sub;
	json_int_t exp, nbf;
	bool aud_ok = false;

	if (t == NULL) {
		add(rep, "token", CHECK_FAIL, "give the projected token file or `kubectl create token` output", "%s",
		    err.msg);
		return;
	}
	c = jwt_claims(t);
	if (jwt_find_key(t, jwks) == NULL)
		add(rep, "token-kid", CHECK_FAIL,
		    "publish the key that signs the tokens (the API server's --service-account-key-file); kids must be "
		    "the Kubernetes ones (saoidc computes them)",
		    "kid \"%s\" is not in the JWKS", jwt_kid(t));
	else
		add(rep, "token-kid", CHECK_PASS, NULL, "kid \"%s\" is in the JWKS", jwt_kid(t));
	if (jwt_verify(t, jwks, &err))
		add(rep, "token-signature", CHECK_PASS, NULL, "%s signature verifies", jwt_alg(t));
	else
		add(rep, "token-signature", CHECK_FAIL, "the published key must be the one the token was signed with",
		    "%s", err.msg);
	iss = json_string_value(json_object_get(c, "iss"));
	if (issuer == NULL)
		add(rep, "token-iss", CHECK_SKIP, NULL, "iss is \"%s\" (no issuer given)", iss ? iss : "");
	else if (iss != NULL && strcmp(iss, issuer) == 0)
		add(rep, "token-iss", CHECK_PASS, NULL, "iss is the issuer");
	else
		add(rep, "token-iss", CHECK_FAIL,
		    "set the API server's --service-account-issuer to exactly the published issuer (and recreate "
		    "tokens)",
		    "iss is \"%s\", the issuer is \"%s\"", iss ? iss : "(missing)", issuer);
	aud = json_object_get(c, "aud");
	if (json_is_string(aud))
		aud_ok = strcmp(json_string_value(aud), audience) == 0;
	else if (json_is_array(aud)) {
		size_t i;
		json_t *a;

		json_array_foreach(aud, i, a) aud_ok =
		    aud_ok || (json_is_string(a) && strcmp(json_string_value(a), audience) == 0);
	}
	if (aud_ok)
		add(rep, "token-aud", CHECK_PASS, NULL, "aud contains %s", audience);
	else
		add(rep, "token-aud", CHECK_FAIL,
		    "project the token with audience sts.amazonaws.com (eks.amazonaws.com/audience) or add the "
		    "audience "
		    "to the IAM provider's client IDs (STS: \"Incorrect token audience\")",
		    "aud does not contain %s", audience);
	exp = json_integer_value(json_object_get(c, "exp"));
	nbf = json_integer_value(json_object_get(c, "nbf"));
	if (!json_is_integer(json_object_get(c, "exp")))
		add(rep, "token-time", CHECK_FAIL, "tokens must carry exp", "no exp claim");
	else if (exp <= (json_int_t)now)
		add(rep, "token-time", CHECK_FAIL, "get a fresh token (the kubelet refreshes projected tokens)",
		    "expired %lld s ago", (long long)((json_int_t)now - exp));
	else if (json_is_integer(json_object_get(c, "nbf")) && nbf > (json_int_t)now + 60)
		add(rep, "token-time", CHECK_FAIL, "check the clocks", "not valid before %lld (now %lld)",
		    (long long)nbf, (long long)now);
	else
		add(rep, "token-time", CHECK_PASS, NULL, "valid for %lld more s", (long long)(exp - (json_int_t)now));
	sub = json_string_value(json_object_get(c, "sub"));
	if (sub_ok(sub))
		add(rep, "token-sub", CHECK_PASS, NULL, "sub is %s", sub);
	else
		add(rep, "token-sub", CHECK_WARN, "IRSA trust policies match system:serviceaccount:NAMESPACE:NAME",
		    "sub \"%s\" is not system:serviceaccount:NAMESPACE:NAME", sub ? sub : "(missing)");
	jwt_free(t);
}

static void check_aws(verify_report *rep, const verify_cfg *cfg)
{
	sao_err err = {""};
	bool found = false;
	char *arn = NULL;
	strlist clients = {0}, thumbs = {0}, live = {0}, hosts = {0};
	bool discovered;

	if (!iam_oidc_find(cfg->issuer, cfg->iam, &found, &arn, &clients, &thumbs, &err)) {
		add(rep, "iam-provider", CHECK_FAIL, "check the AWS credentials and iam:ListOpenIDConnectProviders",
		    "%s", err.msg);
		goto out;
	}
	if (!found) {
		add(rep, "iam-provider", CHECK_FAIL, "saoidc register --issuer ISSUER",
		    "no IAM OpenID Connect provider has the URL %s (STS: \"No OpenIDConnect provider found in your "
		    "account\")",
		    cfg->issuer + 8);
		goto out;
	}
	add(rep, "iam-provider", CHECK_PASS, NULL, "%s", arn);
	if (strlist_has(&clients, cfg->audience))
		add(rep, "iam-client-id", CHECK_PASS, NULL, "client IDs contain %s", cfg->audience);
	else
		add(rep, "iam-client-id", CHECK_FAIL, "saoidc register --issuer ISSUER --client-id AUDIENCE",
		    "client IDs do not contain %s (STS: \"Incorrect token audience\")", cfg->audience);
	if (thumbs.n == 0) {
		add(rep, "iam-thumbprint", CHECK_PASS, NULL, "no thumbprint pinned: IAM trusts well-known CAs");
	} else if (!issuer_thumbprints(cfg->issuer, &cfg->tls, &live, &hosts, &discovered, &err)) {
		add(rep, "iam-thumbprint", CHECK_WARN, NULL, "cannot read the live chain: %s", err.msg);
	} else {
		bool all = true;

		for (size_t i = 0; i < live.n; i++)
			all = all && strlist_has(&thumbs, live.v[i]);
		if (all)
			add(rep, "iam-thumbprint", CHECK_PASS, NULL, "pinned thumbprints match the live chain (%s)",
			    live.v[0]);
		else
			add(rep, "iam-thumbprint", CHECK_FAIL,
			    "saoidc register --issuer ISSUER (updates the thumbprint)",
			    "the live chain's thumbprint %s is not pinned (pinned: %s): a CA change? STS: "
			    "\"certificate "
			    "doesn't match configured thumbprint\"",
			    live.v[0], thumbs.v[0]);
	}
out:
	free(arn);
	strlist_clear(&clients);
	strlist_clear(&thumbs);
	strlist_clear(&live);
	strlist_clear(&hosts);
}

void verify_run(const verify_cfg *cfg, verify_report *rep)
{
	char *url = NULL, *given = strdup(cfg->issuer);
	size_t gl = given != NULL ? strlen(given) : 0;
	json_t *disc = NULL, *jwks = NULL;
	const char *doc_iss, *jwks_uri;
	fetch_result dres = {0}, jres = {0};

	if (given == NULL)
		return;
	/* STS appends /.well-known/... to the token's iss; a trailing slash is reported below. */
	while (gl > 0 && given[gl - 1] == '/')
		given[--gl] = '\0';
	if (asprintf(&url, "%s/.well-known/openid-configuration", given) < 0)
		url = NULL;
	disc = url != NULL ? get_json(rep, "discovery", url, &cfg->tls,
				      "publish the discovery document at ISSUER/.well-known/openid-configuration "
				      "(saoidc render or publish lays it out)",
				      &dres)
			   : NULL;
	if (disc == NULL) {
		add(rep, "issuer", CHECK_SKIP, NULL, "no discovery document");
		goto jwks;
	}
	doc_iss = json_string_value(json_object_get(disc, "issuer"));
	if (doc_iss != NULL && strcmp(doc_iss, cfg->issuer) == 0) {
		add(rep, "issuer", CHECK_PASS, NULL, "\"%s\"", doc_iss);
	} else {
		const char *why = "they must be equal byte for byte";

		if (doc_iss == NULL)
			why = "the document has no issuer";
		else if (cfg->issuer[strlen(cfg->issuer) - 1] == '/' || doc_iss[strlen(doc_iss) - 1] == '/')
			why = "a trailing slash differs";
		else if (strncmp(doc_iss, "https://", 8) != 0 || strncmp(cfg->issuer, "https://", 8) != 0)
			why = "the scheme differs";
		else if (strcasecmp(doc_iss, cfg->issuer) == 0)
			why = "only letter case differs: the comparison is case-sensitive";
		add(rep, "issuer", CHECK_FAIL,
		    "publish the document with --issuer equal to the API server's --service-account-issuer, with no "
		    "trailing slash",
		    "document says \"%s\", expected \"%s\": %s", doc_iss ? doc_iss : "", cfg->issuer, why);
	}
jwks:
	jwks_uri = json_string_value(json_object_get(disc, "jwks_uri"));
	if (disc != NULL && jwks_uri == NULL)
		add(rep, "jwks", CHECK_FAIL, "render the discovery document with saoidc",
		    "the discovery document has no jwks_uri");
	else if (jwks_uri != NULL) {
		tls_opts jo = fetch_opts_for(&cfg->tls, given, jwks_uri);

		jwks = get_json(rep, "jwks", jwks_uri, &jo, "publish the JWKS at the discovery document's jwks_uri",
				&jres);
	} else
		add(rep, "jwks", CHECK_SKIP, NULL, "no discovery document");
	if (jwks != NULL) {
		check_jwks_content(rep, jwks);
		check_clouds(rep, cfg, jwks, &dres, &jres);
	}
	if (cfg->keys != NULL) {
		if (jwks != NULL)
			check_local_keys(rep, cfg->keys, jwks);
		else {
			add(rep, "local-keys", CHECK_SKIP, NULL, "no JWKS to compare with");
			unrun(rep);
		}
	}
	if (cfg->token != NULL) {
		if (jwks != NULL)
			verify_token(rep, cfg->token, cfg->token_len, jwks, cfg->issuer, cfg->audience, cfg->now);
		else {
			add(rep, "token", CHECK_SKIP, NULL, "no JWKS to verify against");
			unrun(rep);
		}
	}
	if (cfg->iam != NULL)
		check_aws(rep, cfg);
	else if (cfg->iam_skipped != NULL)
		add(rep, "iam-provider", CHECK_SKIP,
		    "give AWS credentials (environment, profile, web identity or instance) "
		    "to check the IAM provider",
		    "not checked: %s", cfg->iam_skipped);
	if (cfg->iam == NULL && cfg->iam_skipped != NULL)
		unrun(rep);
	fetch_result_clear(&dres);
	fetch_result_clear(&jres);
	json_decref(disc);
	json_decref(jwks);
	free(url);
	free(given);
}
