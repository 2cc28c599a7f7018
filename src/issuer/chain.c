#include "config.h"

#include "issuer/chain.h"

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/iam.h"
#include "aws/s3.h"
#include "issuer/origin.h"
#include "jose/retain_fleet.h"
#include "issuer/thumbprints.h"
#include "jose/jwk.h"
#include "net/fetch.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_MS 5000

typedef struct walk {
	const chain_cfg *c;
	json_t *links;
	strlist keys, origin, retained, public;
	bool have_keys, have_origin;
	aws_where where;
	aws_creds creds;
	bool aws_ready;
	sao_err aws_err;
} walk;

static void link_add(walk *ch, const char *link, const char *verdict, const char *source, const strlist *kids,
		     const char *fix, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void link_add(walk *ch, const char *link, const char *verdict, const char *source, const strlist *kids,
		     const char *fix, const char *fmt, ...)
{
	char seen[1024];
	va_list ap;
	json_t *k = json_array();

	va_start(ap, fmt);
	vsnprintf(seen, sizeof(seen), fmt, ap);
	va_end(ap);
	for (size_t i = 0; k != NULL && kids != NULL && i < kids->n; i++)
		json_array_append_new(k, json_string(kids->v[i]));
	json_array_append_new(ch->links, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s?}", "link", link, "verdict", verdict,
						   "source", source, "kids", k, "seen", seen, "fix", fix));
}

static void kids_of(const json_t *jwks, strlist *out)
{
	size_t i;
	json_t *k;

	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "kid"));

		if (kid != NULL && !strlist_has(out, kid))
			strlist_add(out, kid);
	}
}

/* The kids of `want` that `have` lacks, comma-separated (empty: none). */
static void missing(const strlist *want, const strlist *have, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < want->n; i++)
		if (!strlist_has(have, want->v[i]))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? ", " : "", want->v[i]);
}

static void link_keys(walk *ch)
{
	sao_err err = {""};
	json_t *jwks = jwk_set_build(ch->c->keys, false, &err);

	if (jwks == NULL) {
		link_add(ch, "keys", "error", "--key", NULL, NULL, "%s", err.msg);
		return;
	}
	kids_of(jwks, &ch->keys);
	ch->have_keys = true;
	link_add(ch, "keys", "ok", "--key", &ch->keys, NULL, "%zu signing key%s", ch->keys.n,
		 ch->keys.n == 1 ? "" : "s");
	json_decref(jwks);
}

static void retained_of(const json_t *state, strlist *out)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(state, "keys"), i, e)
	{
		if (json_is_integer(json_object_get(e, "gone_since")) && json_is_string(json_object_get(e, "kid")))
			strlist_add(out, json_string_value(json_object_get(e, "kid")));
	}
}

/* "; shared by clusters a: 1 key (0 retained), b: ..." when the state names clusters; else "". */
static void clusters_of(const json_t *state, char *buf, size_t len)
{
	strlist lines = {0};
	size_t used = 0, named = 0;

	buf[0] = '\0';
	if (state != NULL && retain_state_clusters(state, &lines))
		for (size_t i = 0; i < lines.n; i++)
			named += lines.v[i][0] != '('; /* "(no --cluster): ..." is not a cluster */
	for (size_t i = 0; named > 0 && i < lines.n; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i == 0 ? "; shared by clusters " : ", ", lines.v[i]);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	strlist_clear(&lines);
}

static void link_origin(walk *ch)
{
	origin_cfg oc = {ch->c->bucket, ch->c->issuer, ch->c->region, ch->c->fips, ch->c->allow_unknown_region};
	origin *org = NULL;
	sao_err err = {""}, serr = {""};
	char *etag = NULL, *src = NULL, miss[600], shared[600], fix[700];
	json_t *jwks = NULL, *state = NULL;

	snprintf(fix, sizeof(fix), "saoidc publish --key ... %s", ch->c->bucket);
	if ((org = origin_open(&oc, &err)) == NULL) {
		link_add(ch, "origin", "error", ch->c->bucket, NULL, NULL, "%s", err.msg);
		goto out;
	}
	if ((src = store_name(origin_store(org), ch->c->jwks_path)) == NULL ||
	    (jwks = origin_json(org, ch->c->jwks_path, &etag, &err)) == NULL) {
		link_add(ch, "origin", "error", src != NULL ? src : ch->c->bucket, NULL, fix, "%s",
			 src != NULL ? err.msg : "out of memory");
		goto out;
	}
	kids_of(jwks, &ch->origin);
	ch->have_origin = true;
	if (origin_state(org, &state, &serr) && state != NULL)
		retained_of(state, &ch->retained);
	missing(&ch->keys, &ch->origin, miss, sizeof(miss));
	if (ch->have_keys && miss[0] != '\0') {
		strncat(fix, " (or wait for the sync)", sizeof(fix) - strlen(fix) - 1);
		link_add(ch, "origin", "drift", src, &ch->origin, fix, "the store's JWKS lacks signing key%s %s",
			 strchr(miss, ',') ? "s" : "", miss);
	} else {
		clusters_of(state, shared, sizeof(shared));
		link_add(ch, "origin", "ok", src, &ch->origin, NULL, "version %s; %zu key%s kept by retention%s%s",
			 etag != NULL ? etag : "?", ch->retained.n, ch->retained.n == 1 ? "" : "s",
			 state == NULL ? " (no retention state)" : "", shared);
	}
out:
	json_decref(jwks);
	json_decref(state);
	free(etag);
	free(src);
	origin_close(org);
}

/* GET as STS would; NULL (with err) unless 200 and a JSON object. r keeps the headers. */
static json_t *get_public(const char *url, const tls_opts *o, fetch_result *r, sao_err *err)
{
	json_t *j = NULL;

	if (!fetch_get(url, o, FETCH_MS, r, err))
		return NULL;
	if (r->status != 200)
		err_set(err, "GET %s answered HTTP %ld", url, r->status);
	else if ((j = json_loadb(r->body != NULL ? r->body : "", r->len, 0, NULL)) == NULL || !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		err_set(err, "GET %s: not a JSON object", url);
	}
	return j;
}

/* The JWKS at the public URL against the bucket's (or the keys given, without a bucket). */
static void judge_public(walk *ch, const char *url, const fetch_result *r)
{
	const strlist *ref = ch->have_origin ? &ch->origin : &ch->keys;
	char miss[600], extra[600];

	missing(ref, &ch->public, miss, sizeof(miss));
	missing(&ch->public, ref, extra, sizeof(extra));
	if ((ch->have_origin || ch->have_keys) && miss[0] != '\0')
		link_add(ch, "public", "drift", url, &ch->public,
			 ch->have_origin
			     ? "a cache in front (CloudFront, a CDN) still serves the old JWKS: wait for its "
			       "max-age, or invalidate it (publish --private invalidates its distribution)"
			     : "publish the keys: saoidc publish (or render and serve) with every signing key",
			 "lacks %s %s (Cache-Control %s, Age %s): tokens signed with it fail at STS",
			 ch->have_origin ? "the bucket's" : "signing key", miss,
			 r->cache_control ? r->cache_control : "none", r->age ? r->age : "none");
	else if (ch->have_origin && extra[0] != '\0')
		link_add(ch, "public", "drift", url, &ch->public,
			 "a cache in front still serves the old JWKS: wait for its max-age, or invalidate it",
			 "serves keys the bucket no longer has: %s (Cache-Control %s, Age %s)", extra,
			 r->cache_control ? r->cache_control : "none", r->age ? r->age : "none");
	else
		link_add(ch, "public", "ok", url, &ch->public, NULL, "%zu key%s; Cache-Control %s, Age %s",
			 ch->public.n, ch->public.n == 1 ? "" : "s", r->cache_control ? r->cache_control : "none",
			 r->age ? r->age : "none");
}

static void link_public(walk *ch)
{
	char *url = NULL;
	fetch_result dr = {0}, jr = {0};
	sao_err err = {""};
	json_t *disc = NULL, *jwks = NULL;
	const char *iss, *jwks_uri;

	if (asprintf(&url, "%s/.well-known/openid-configuration", ch->c->issuer) < 0 ||
	    (disc = get_public(url, &ch->c->tls, &dr, &err)) == NULL) {
		link_add(ch, "discovery", "error", url != NULL ? url : "?", NULL,
			 "publish the documents, and check that the issuer answers over HTTPS (saoidc verify)", "%s",
			 err.msg);
		link_add(ch, "public", "error", "jwks_uri", NULL, NULL, "no discovery document");
		goto out;
	}
	iss = json_string_value(json_object_get(disc, "issuer"));
	jwks_uri = json_string_value(json_object_get(disc, "jwks_uri"));
	if (iss == NULL || strcmp(iss, ch->c->issuer) != 0)
		link_add(ch, "discovery", "drift", url, NULL,
			 "publish the documents with --issuer equal to the API server's --service-account-issuer",
			 "its issuer is \"%s\", not \"%s\"", iss != NULL ? iss : "", ch->c->issuer);
	else
		link_add(ch, "discovery", "ok", url, NULL, NULL, "issuer \"%s\", jwks_uri %s", iss,
			 jwks_uri != NULL ? jwks_uri : "(none)");
	if (jwks_uri == NULL) {
		link_add(ch, "public", "error", "jwks_uri", NULL, NULL, "the discovery document has no jwks_uri");
		goto out;
	}
	{
		tls_opts jo = fetch_opts_for(&ch->c->tls, ch->c->issuer, jwks_uri);

		if ((jwks = get_public(jwks_uri, &jo, &jr, &err)) == NULL) {
			link_add(ch, "public", "error", jwks_uri, NULL, NULL, "%s", err.msg);
			goto out;
		}
	}
	kids_of(jwks, &ch->public);
	judge_public(ch, jwks_uri, &jr);
out:
	fetch_result_clear(&dr);
	fetch_result_clear(&jr);
	json_decref(disc);
	json_decref(jwks);
	free(url);
}

static void link_iam(walk *ch)
{
	iam_client iam;
	sao_err err = {""};
	bool found = false, disc = false, match = false;
	char *arn = NULL, fix[600];
	strlist ids = {0}, pinned = {0}, live = {0}, hosts = {0};
	const char *iss = ch->c->issuer;

	if (!ch->aws_ready || !iam_client_init(&iam, &ch->creds, &ch->where, &err) ||
	    !iam_oidc_find(iss, &iam, &found, &arn, &ids, &pinned, &err)) {
		link_add(ch, "iam", "error", "IAM", NULL, NULL, "%s", ch->aws_ready ? err.msg : ch->aws_err.msg);
		goto out;
	}
	if (!found) {
		snprintf(fix, sizeof(fix), "saoidc register --issuer %s", iss);
		link_add(ch, "iam", "drift", "IAM", NULL, fix,
			 "no OpenID Connect provider for the issuer: STS refuses its tokens");
		goto out;
	}
	if (pinned.n > 0 && issuer_thumbprints(iss, &ch->c->tls, &live, &hosts, &disc, &err))
		for (size_t i = 0; i < pinned.n; i++)
			match = match || strlist_has(&live, pinned.v[i]);
	if (!strlist_has(&ids, "sts.amazonaws.com")) {
		snprintf(fix, sizeof(fix), "saoidc register --issuer %s --client-id sts.amazonaws.com", iss);
		link_add(ch, "iam", "drift", arn, NULL, fix, "its client IDs (%zu) lack sts.amazonaws.com", ids.n);
	} else if (pinned.n > 0 && !match) {
		snprintf(fix, sizeof(fix), "saoidc register --issuer %s (it pins the chain served now)", iss);
		link_add(ch, "iam", "drift", arn, NULL, fix,
			 "none of its %zu pinned thumbprint%s matches the chain served now (%s)%s%s", pinned.n,
			 pinned.n == 1 ? "" : "s", live.n > 0 ? live.v[0] : "unreadable", err.msg[0] ? ": " : "",
			 err.msg);
	} else {
		link_add(ch, "iam", "ok", arn, NULL, NULL, "client IDs include sts.amazonaws.com; %s",
			 pinned.n == 0 ? "no thumbprint pinned (IAM trusts public CAs)"
				       : "a pinned thumbprint matches the chain");
	}
out:
	free(arn);
	strlist_clear(&ids);
	strlist_clear(&pinned);
	strlist_clear(&live);
	strlist_clear(&hosts);
}

bool chain_run(const chain_cfg *c, json_t **report, sao_err *err)
{
	walk ch = {.c = c, .links = json_array()};

	*report = NULL;
	if (ch.links == NULL)
		return err_set(err, "out of memory");
	if ((c->bucket != NULL || c->aws) &&
	    aws_where_init(&ch.where, c->region, c->fips, c->allow_unknown_region, &ch.aws_err) &&
	    aws_creds_load(&ch.creds, &ch.where, &ch.aws_err))
		ch.aws_ready = true;
	if (c->keys != NULL)
		link_keys(&ch);
	if (c->bucket != NULL)
		link_origin(&ch);
	link_public(&ch);
	if (c->aws)
		link_iam(&ch);
	*report = json_pack("{s:s, s:O}", "issuer", c->issuer, "links", ch.links);
	json_decref(ch.links);
	strlist_clear(&ch.keys);
	strlist_clear(&ch.origin);
	strlist_clear(&ch.retained);
	strlist_clear(&ch.public);
	aws_creds_clear(&ch.creds);
	aws_where_clear(&ch.where);
	return *report != NULL || err_set(err, "out of memory");
}

size_t chain_problems(const json_t *report)
{
	size_t i, n = 0;
	json_t *l;

	json_array_foreach(json_object_get(report, "links"), i, l)
	{
		n += strcmp(json_string_value(json_object_get(l, "verdict")), "ok") != 0;
	}
	return n;
}
