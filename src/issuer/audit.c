#include "config.h"

#include "issuer/audit.h"

#include "issuer/audit_fed.h"

#include "aws/creds.h"
#include "aws/iam.h"
#include "aws/iam_role.h"
#include "pod/fed_audit.h"
#include "pod/trust_audit.h"
#include "pod/trust_doc.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct scan {
	strlist providers; /* the account's, or the one of the issuer */
	strlist all;	   /* every provider of the account */
	json_t *roles, *dangling, *counts;
	bool filtered; /* an issuer was given */
} scan;

static bool add_role(scan *s, const char *arn, const char *name, const char *provider, json_t *judged, sao_err *err)
{
	json_t *row = json_pack("{s:s, s:s, s:s}", "role", name, "arn", arn, "provider", provider);

	if (row == NULL || json_object_update(row, judged) != 0 || json_array_append_new(s->roles, row) != 0) {
		json_decref(row);
		return err_set(err, "out of memory");
	}
	json_object_set_new(s->counts, provider,
			    json_integer(json_integer_value(json_object_get(s->counts, provider)) + 1));
	return true;
}

static bool on_role(void *ctx, const char *arn, const char *name, const json_t *trust, sao_err *err)
{
	scan *s = ctx;
	strlist named = {0};
	bool ok = true;

	if (trust == NULL)
		return true; /* IAM always has one; an unreadable document judges nothing */
	if (!ta_providers(trust, &named)) {
		strlist_clear(&named);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; ok && i < named.n; i++) {
		const char *p = named.v[i];
		bool oom = false;
		json_t *judged;

		if (!strlist_has(&s->all, p)) {
			if (!s->filtered &&
			    json_array_append_new(s->dangling, json_pack("{s:s, s:s, s:s}", "role", name, "arn", arn,
									 "provider", p)) != 0)
				ok = err_set(err, "out of memory");
			continue;
		}
		if (!strlist_has(&s->providers, p))
			continue;
		if ((judged = ta_role(trust, p, &oom)) == NULL) {
			if (oom)
				ok = err_set(err, "out of memory");
			continue;
		}
		ok = add_role(s, arn, name, p, judged, err);
		json_decref(judged);
	}
	strlist_clear(&named);
	return ok;
}

/* The provider of the issuer among the account's: IAM keeps its URL without the scheme, and
 * compares the host without case. */
static bool pick_provider(scan *s, const char *issuer, sao_err *err)
{
	const char *want = strncmp(issuer, "https://", 8) == 0 ? issuer + 8 : issuer;

	for (size_t i = 0; i < s->all.n; i++)
		if (strcasecmp(td_provider_url(s->all.v[i]), want) == 0)
			return strlist_add(&s->providers, s->all.v[i]) || err_set(err, "out of memory");
	return err_set(err,
		       "IAM has no OpenID Connect provider for %s in this account (%zu other%s): no role can trust "
		       "its tokens yet; `saoidc register --issuer %s` creates it",
		       issuer, s->all.n, s->all.n == 1 ? "" : "s", issuer);
}

static json_t *providers_json(const scan *s)
{
	json_t *out = json_array();

	for (size_t i = 0; out != NULL && i < s->providers.n; i++) {
		const char *p = s->providers.v[i];

		json_array_append_new(out, json_pack("{s:s, s:s, s:I}", "arn", p, "url", td_provider_url(p), "roles",
						     json_integer_value(json_object_get(s->counts, p))));
	}
	return out;
}

/* The AWS part: "roles", "providers", "dangling" set in report. */
static bool audit_aws(const audit_cfg *c, json_t *report, sao_err *err)
{
	aws_where where = {0};
	aws_creds creds = {0};
	iam_client iam;
	scan s = {
	    .roles = json_array(), .dangling = json_array(), .counts = json_object(), .filtered = c->issuer != NULL};
	bool ok = false;

	if (s.roles == NULL || s.dangling == NULL || s.counts == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!aws_where_init(&where, c->region, c->fips, c->allow_unknown_region, err) ||
	    !aws_creds_load(&creds, &where, err) || !iam_client_init(&iam, &creds, &where, err) ||
	    !iam_oidc_list(&iam, &s.all, err))
		goto out;
	if (c->issuer != NULL && !pick_provider(&s, c->issuer, err))
		goto out;
	for (size_t i = 0; c->issuer == NULL && i < s.all.n; i++)
		if (!strlist_add(&s.providers, s.all.v[i])) {
			err_set(err, "out of memory");
			goto out;
		}
	if (!iam_roles_each(&iam, on_role, &s, err))
		goto out;
	ok = (json_object_set(report, "roles", s.roles) == 0 &&
	      json_object_set_new(report, "providers", providers_json(&s)) == 0 &&
	      json_object_set(report, "dangling", s.dangling) == 0) ||
	     err_set(err, "out of memory");
out:
	json_decref(s.roles);
	json_decref(s.dangling);
	json_decref(s.counts);
	strlist_clear(&s.providers);
	strlist_clear(&s.all);
	aws_creds_clear(&creds);
	aws_where_clear(&where);
	return ok;
}

bool audit_run(const audit_cfg *c, json_t **report, sao_err *err)
{
	if ((*report = json_object()) == NULL)
		return err_set(err, "out of memory");
	if ((c->aws && !audit_aws(c, *report, err)) ||
	    (c->nazure > 0 && !audit_azure(c->azure_ids, c->nazure, c->azure_endpoint, c->issuer, *report, err)) ||
	    (c->ngcp > 0 && !audit_gcp(c->gcp_providers, c->ngcp, c->issuer, *report, err))) {
		json_decref(*report);
		*report = NULL;
		return false;
	}
	return true;
}

size_t audit_failures(const json_t *report)
{
	size_t i, k, n = 0;
	json_t *r, *id;

	json_array_foreach(json_object_get(report, "roles"), i, r)
	{
		n += fa_verdict(r) == TA_FAIL;
	}
	json_array_foreach(json_object_get(report, "azure"), i, id)
	{
		json_array_foreach(json_object_get(id, "credentials"), k, r)
		{
			n += fa_verdict(r) == TA_FAIL;
		}
	}
	json_array_foreach(json_object_get(report, "gcp"), i, r)
	{
		n += fa_verdict(r) == TA_FAIL;
	}
	return n;
}
