#include "config.h"

#include "issuer/migrate.h"

#include "aws/creds.h"
#include "aws/iam.h"
#include "aws/iam_role.h"
#include "jose/jwk.h"
#include "net/fetch.h"
#include "pod/trust_doc.h"
#include "pod/trust_migrate.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FETCH_MS 5000

typedef struct scan {
	const mig_cfg *c;
	const char *old_arn, *new_arn;
	strlist client_ids; /* what NEW is registered with: --client-id, else OLD's audiences */
	json_t *roles;
	size_t writes, cannot;
} scan;

/* The provider ARN of the issuer among the account's (NULL: none). */
static char *find_arn(const strlist *arns, const char *issuer)
{
	for (size_t i = 0; i < arns->n; i++)
		if (strcasecmp(td_provider_url(arns->v[i]), issuer + 8) == 0)
			return strdup(arns->v[i]);
	return NULL;
}

/* NEW's ARN before it exists: OLD's with NEW's URL (the same account and partition). */
static char *derive_arn(const char *old_arn, const char *to)
{
	char *out = NULL;
	int n = (int)(td_provider_url(old_arn) - old_arn);

	return asprintf(&out, "%.*s%s", n, old_arn, to + 8) < 0 ? NULL : out;
}

static bool on_role(void *ctx, const char *arn, const char *name, const json_t *trust, sao_err *err)
{
	scan *s = ctx;
	json_t *out = NULL, *added = NULL, *row;
	char why[400] = "";
	int r;
	const char *action;
	const json_t *st;
	bool trusts_old = false;

	for (size_t i = 0; trust != NULL && td_statement(trust, i, &st); i++)
		trusts_old = trusts_old || (td_web_identity(st) && td_lists(td_federated(st), s->old_arn, false));
	if (!trusts_old)
		return true;
	if (s->c->phase == MIG_RETIRE) {
		r = tm_remove(trust, s->old_arn, s->new_arn, &out, why, sizeof(why));
		action = r == TM_CHANGED ? "remove" : r == TM_SAME ? "present" : "cannot";
	} else {
		r = tm_add(trust, s->old_arn, s->new_arn, &out, &added, why, sizeof(why));
		action = r == TM_CHANGED ? "add" : r == TM_SAME ? "present" : "cannot";
	}
	row = json_pack("{s:s, s:s, s:s, s:o?, s:o?, s:s?}", "role", name, "arn", arn, "action", action, "statements",
			added, "policy", out, "why", why[0] != '\0' ? why : NULL);
	if (row == NULL || json_array_append_new(s->roles, row) != 0)
		return err_set(err, "out of memory");
	s->writes += r == TM_CHANGED;
	s->cannot += r == TM_CANNOT;
	return true;
}

/* The kids of the JWKS an issuer publishes; connect-to applies to NEW's host only. */
static bool issuer_kids(const mig_cfg *c, const char *issuer, strlist *kids, sao_err *err)
{
	char *url = NULL;
	fetch_result r = {0};
	json_t *d = NULL, *j = NULL, *k;
	tls_opts o = fetch_opts_for(&c->reg.tls, c->to, issuer);
	const char *uri;
	size_t i;
	bool ok = false;

	if (asprintf(&url, "%s/.well-known/openid-configuration", issuer) < 0)
		return err_set(err, "out of memory");
	if (!fetch_get(url, &o, FETCH_MS, &r, err) || r.status != 200 ||
	    (d = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL ||
	    (uri = json_string_value(json_object_get(d, "jwks_uri"))) == NULL) {
		if (err->msg[0] == '\0')
			err_set(err, "%s: no discovery document with a jwks_uri (HTTP %ld)", url, r.status);
		goto out;
	}
	fetch_result_clear(&r);
	o = fetch_opts_for(&c->reg.tls, c->to, uri);
	if (!fetch_get(uri, &o, FETCH_MS, &r, err) || r.status != 200 ||
	    (j = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL) {
		if (err->msg[0] == '\0')
			err_set(err, "%s: no JWKS (HTTP %ld)", uri, r.status);
		goto out;
	}
	json_array_foreach(json_object_get(j, "keys"), i, k)
	{
		if (json_is_string(json_object_get(k, "kid")))
			strlist_add(kids, json_string_value(json_object_get(k, "kid")));
	}
	ok = true;
out:
	fetch_result_clear(&r);
	json_decref(d);
	json_decref(j);
	free(url);
	return ok;
}

/* The first of want's kids that have lacks, or NULL. */
static const char *first_missing(const strlist *want, const strlist *have)
{
	for (size_t i = 0; i < want->n; i++)
		if (!strlist_has(have, want->v[i]))
			return want->v[i];
	return NULL;
}

/* Trust: NEW is published and serves the cluster's keys (--key, else OLD's). */
static bool trust_checks(const mig_cfg *c, sao_err *err)
{
	strlist want = {0}, have = {0};
	json_t *jwks = c->keys != NULL ? jwk_set_build(c->keys, false, err) : NULL, *k;
	const char *miss;
	size_t i;
	bool ok = false;

	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		strlist_add(&want, json_string_value(json_object_get(k, "kid")));
	}
	if ((c->keys == NULL && !issuer_kids(c, c->from, &want, err)) || (c->keys != NULL && jwks == NULL))
		goto out;
	if (!issuer_kids(c, c->to, &have, err)) {
		err_prefix(err,
			   "%s is not published yet (publish or serve it first, with the cluster's keys): ", c->to);
		goto out;
	}
	if ((miss = first_missing(&want, &have)) != NULL) {
		err_set(err,
			"%s does not publish key %s (%s): tokens it signs would fail; publish %s with every signing "
			"key first",
			c->to, miss, c->keys != NULL ? "from --key" : "served by the old issuer", c->to);
		goto out;
	}
	ok = true;
out:
	json_decref(jwks);
	strlist_clear(&want);
	strlist_clear(&have);
	return ok;
}

/* Retire: both issuers serve the same keys, and no token naming OLD can still be valid. */
static bool retire_checks(const mig_cfg *c, sao_err *err)
{
	strlist o = {0}, n = {0};
	const char *miss;
	bool ok = false;

	if (!issuer_kids(c, c->from, &o, err) || !issuer_kids(c, c->to, &n, err))
		goto out;
	if ((miss = first_missing(&o, &n)) != NULL || (miss = first_missing(&n, &o)) != NULL) {
		err_set(err,
			"%s and %s do not serve the same keys (%s is in one only): pods may still get tokens only "
			"one of them can verify",
			c->from, c->to, miss);
		goto out;
	}
	if (c->switched_at == 0) {
		err_set(err,
			"give --switched-at TIME, when the API server began signing with %s: tokens naming %s stay "
			"valid for up to %ld s after it",
			c->to, c->from, c->max_token_s);
		goto out;
	}
	if (c->now < c->switched_at + c->max_token_s) {
		err_set(err, "tokens naming %s may be valid for %ld s more (switched at %lld, longest lifetime %ld s)",
			c->from, (long)(c->switched_at + c->max_token_s - c->now), (long long)c->switched_at,
			c->max_token_s);
		goto out;
	}
	ok = true;
out:
	strlist_clear(&o);
	strlist_clear(&n);
	return ok;
}

/* The audiences NEW is registered with: --client-id's, else those OLD's provider has (a role
 * conditioned on another audience than sts.amazonaws.com keeps working under NEW). */
static bool client_ids_for_new(const mig_cfg *c, const iam_client *iam, strlist *out, sao_err *err)
{
	strlist thumbs = {0};
	char *arn = NULL;
	bool found = false, ok = true;

	for (size_t i = 0; i < c->reg.client_ids.n; i++)
		if (!strlist_add(out, c->reg.client_ids.v[i]))
			return err_set(err, "out of memory");
	if (out->n == 0)
		ok = iam_oidc_find(c->from, iam, &found, &arn, out, &thumbs, err);
	free(arn);
	strlist_clear(&thumbs);
	return ok;
}

static json_t *str_array(const strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *flags(const mig_cfg *c)
{
	char a[700], b[400], d[300];

	snprintf(a, sizeof(a),
		 "after --phase trust: kube-apiserver --service-account-issuer=%s --service-account-issuer=%s "
		 "--service-account-jwks-uri=%s/keys.json (the first signs new tokens; both are accepted)",
		 c->to, c->from, c->to);
	snprintf(b, sizeof(b), "wait the longest token lifetime (%ld s), then --phase retire --switched-at TIME",
		 c->max_token_s);
	snprintf(d, sizeof(d), "after --phase retire: drop --service-account-issuer=%s", c->from);
	return json_pack("[s, s, s]", a, b, d);
}

static json_t *checks(const mig_cfg *c)
{
	char a[400], b[400];

	snprintf(a, sizeof(a), "%s and %s serve the same keys", c->from, c->to);
	snprintf(b, sizeof(b), "--switched-at plus %ld s (the longest token lifetime) has passed", c->max_token_s);
	return json_pack("[s, s]", a, b);
}

/* The writes of the phase: register NEW and add statements, or remove them and delete OLD. */
static bool apply(const mig_cfg *c, const scan *s, const iam_client *iam, const aws_where *where, iam_note_fn note,
		  sao_err *err)
{
	size_t i;
	json_t *r;

	if (c->phase == MIG_TRUST) {
		char *arn = NULL;
		reg_opts ro = c->reg; /* a shallow copy: only the client IDs differ */
		bool ok;

		ro.client_ids = s->client_ids;
		ok = reg_run(c->to, &ro, where, &arn, err);

		free(arn);
		if (!ok)
			return false;
	}
	json_array_foreach(s->roles, i, r)
	{
		const char *action = json_string_value(json_object_get(r, "action"));

		if ((strcmp(action, "add") == 0 || strcmp(action, "remove") == 0) &&
		    !iam_role_set_trust(json_string_value(json_object_get(r, "role")), json_object_get(r, "policy"),
					iam, note, err))
			return false;
	}
	return c->phase == MIG_TRUST || iam_oidc_delete(s->old_arn, iam, false, note, err);
}

static bool preflight(const mig_cfg *c, const scan *s, const char *new_found, sao_err *err)
{
	if (c->phase == MIG_RETIRE) {
		if (new_found == NULL)
			return err_set(err, "%s is not registered: run --phase trust first", c->to);
		if (!c->force && !retire_checks(c, err))
			return false;
		if (s->cannot > 0)
			return err_set(err,
				       "%zu role%s cannot be retired (listed with the reason); nothing was changed",
				       s->cannot, s->cannot == 1 ? "" : "s");
		return true;
	}
	if (s->cannot > 0 && !c->force)
		return err_set(err,
			       "%zu role%s cannot be moved mechanically (listed with the reason): fix them by hand, or "
			       "--force to move the others; nothing was changed",
			       s->cannot, s->cannot == 1 ? "" : "s");
	return trust_checks(c, err);
}

bool mig_run(const mig_cfg *c, mig_announce_fn announce, void *ctx, iam_note_fn note, json_t **report, sao_err *err)
{
	aws_where where = {0};
	aws_creds creds = {0};
	iam_client iam;
	strlist arns = {0};
	char *old_arn = NULL, *new_found = NULL, *new_arn = NULL;
	scan s = {.c = c, .roles = json_array()};
	bool ok = false;

	*report = NULL;
	if (!aws_where_init(&where, c->region, c->fips, c->allow_unknown_region, err) ||
	    !aws_creds_load(&creds, &where, err) || !iam_client_init(&iam, &creds, &where, err) ||
	    !iam_oidc_list(&iam, &arns, err))
		goto out;
	if ((old_arn = find_arn(&arns, c->from)) == NULL) {
		err_set(err, "IAM has no OpenID Connect provider for %s in this account: nothing trusts it here",
			c->from);
		goto out;
	}
	new_found = find_arn(&arns, c->to);
	new_arn = new_found != NULL ? strdup(new_found) : derive_arn(old_arn, c->to);
	s.old_arn = old_arn;
	s.new_arn = new_arn;
	if (!client_ids_for_new(c, &iam, &s.client_ids, err))
		goto out;
	if (s.roles == NULL || new_arn == NULL || !iam_roles_each(&iam, on_role, &s, err))
		goto out;
	*report =
	    json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:O, s:o, s:o}", "from", c->from, "to", c->to, "old_provider",
		      old_arn, "new_provider", new_arn, "register", new_found == NULL, "client_ids",
		      str_array(&s.client_ids), "roles", s.roles, "flags", flags(c), "retire_checks", checks(c));
	if (*report == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (c->apply && !preflight(c, &s, new_found, err))
		goto out;
	if (c->apply && announce != NULL)
		announce(ctx, *report); /* what will change, before the first write */
	ok = !c->apply || apply(c, &s, &iam, &where, note, err);
out:
	json_decref(s.roles);
	strlist_clear(&s.client_ids);
	strlist_clear(&arns);
	free(old_arn);
	free(new_found);
	free(new_arn);
	aws_creds_clear(&creds);
	aws_where_clear(&where);
	return ok;
}
