#include "config.h"

#include "aws/iam_role.h"

#include "util/url.h"

#include "aws/xml.h"

#include <stdlib.h>
#include <string.h>

/* The statements of a policy document as an array (one object Statement: an array of one). */
static json_t *statement_list(const json_t *policy)
{
	const json_t *st = json_object_get(policy, "Statement");

	return json_is_array(st) ? json_deep_copy(st) : json_is_object(st) ? json_pack("[O]", st) : json_array();
}

/* The role's trust policy made to hold `want`'s statements: added to what it has (it keeps its
 * other statements: other clusters or services may rely on them), or, with replace, exactly
 * `want`. *out NULL when nothing is missing. */
static bool merged_trust(const json_t *cur, const json_t *want, bool replace, json_t **out, size_t *added,
			 size_t *dropped)
{
	json_t *have = statement_list(cur), *need = statement_list(want), *w, *h;
	size_t i, j;
	bool ok = have != NULL && need != NULL;

	*out = NULL;
	*added = *dropped = 0;
	json_array_foreach(ok ? need : NULL, i, w)
	{
		bool present = false;

		json_array_foreach(have, j, h) present = present || json_equal(w, h);
		*added += !present;
	}
	json_array_foreach(ok ? have : NULL, j, h)
	{
		bool wanted = false;

		json_array_foreach(need, i, w) wanted = wanted || json_equal(w, h);
		*dropped += replace && !wanted;
	}
	if (ok && (*added > 0 || *dropped > 0)) {
		if (!replace)
			json_array_foreach(need, i, w)
			{
				bool present = false;

				json_array_foreach(have, j, h) present = present || json_equal(w, h);
				if (!present)
					json_array_append(have, w);
			}
		*out = json_deep_copy(replace ? want : cur); /* cur's Version and Id stay */
		ok = *out != NULL && (replace || json_object_set(*out, "Statement", have) == 0);
	}
	json_decref(have);
	json_decref(need);
	return ok;
}

/* An existing role: its trust policy brought to hold `trust` (additive unless o->replace),
 * said before it is written. */
static bool trust_update(const char *name, const json_t *cur, const json_t *trust, const iam_role_opts *o,
			 const iam_client *iam, iam_note_fn note, sao_err *err)
{
	json_t *next = NULL;
	size_t added, dropped;
	bool ok;

	if (cur == NULL)
		return err_set(err, "IAM GetRole %s: its trust policy is unreadable", name);
	if (!merged_trust(cur, trust, o->replace, &next, &added, &dropped))
		return err_set(err, "out of memory");
	if (next == NULL) {
		note("role %s already trusts the issuer as asked", name);
		return true;
	}
	if (o->replace)
		note("role %s: %s its trust policy by the one printed (%zu of its statements go: the pods they let in "
		     "lose the role)",
		     name, o->dry_run ? "would replace" : "replacing", dropped);
	else
		note("role %s: %s %zu statement%s to its trust policy (its other statements stay; --replace-trust "
		     "would make it exactly the printed policy)",
		     name, o->dry_run ? "would add" : "adding", added, added == 1 ? "" : "s");
	ok = o->dry_run || iam_role_set_trust(name, next, iam, note, err);
	json_decref(next);
	return ok;
}

bool iam_role_ensure(const char *name, const json_t *trust, const strlist *policy_arns, const iam_role_opts *o,
		     const iam_client *iam, iam_note_fn note, char **arn, sao_err *err)
{
	aws_response r = {0};
	iam_form f = {0};
	char *doc = json_dumps(trust, JSON_COMPACT);
	strlist attached = {0};
	bool ok = false;

	*arn = NULL;
	if (doc == NULL)
		return err_set(err, "out of memory");
	iam_form_add(&f, "RoleName", name);
	if (iam_call("GetRole", &f, iam, &r, err)) {
		char *enc = aws_xml_text(r.body, r.body_len, "AssumeRolePolicyDocument");
		char *dec = enc != NULL ? url_decode(enc) : NULL;
		json_t *cur = dec != NULL ? json_loads(dec, 0, NULL) : NULL;

		*arn = aws_xml_text(r.body, r.body_len, "Arn");
		ok = trust_update(name, cur, trust, o, iam, note, err);
		json_decref(cur);
		free(dec);
		free(enc);
		if (!ok)
			goto out;
	} else if (r.code != NULL && strcmp(r.code, "NoSuchEntity") == 0) {
		iam_form c = {0};

		aws_response_clear(&r);
		err->msg[0] = '\0';
		if (o->dry_run) {
			note("would create role %s trusting the issuer as printed", name);
			ok = true;
			goto out;
		}
		iam_form_add(&c, "RoleName", name);
		iam_form_add(&c, "AssumeRolePolicyDocument", doc);
		iam_form_add(&c, "Description", "IRSA role trusting a Kubernetes service-account issuer (saoidc)");
		ok = iam_call("CreateRole", &c, iam, &r, err);
		free(c.s);
		if (!ok)
			goto out;
		*arn = aws_xml_text(r.body, r.body_len, "Arn");
		note("CreateRole: %s", *arn != NULL ? *arn : name);
	} else {
		goto out;
	}
	aws_response_clear(&r);
	ok = false;
	if (policy_arns->n > 0) {
		if (!iam_call("ListAttachedRolePolicies", &f, iam, &r, err) ||
		    !aws_xml_members(r.body, r.body_len, "AttachedPolicies", "PolicyArn", &attached)) {
			if (err->msg[0] == '\0')
				err_set(err, "IAM ListAttachedRolePolicies: unreadable answer");
			goto out;
		}
		aws_response_clear(&r);
		for (size_t i = 0; i < policy_arns->n; i++) {
			iam_form a = {0};

			if (strlist_has(&attached, policy_arns->v[i]))
				continue;
			iam_form_add(&a, "RoleName", name);
			iam_form_add(&a, "PolicyArn", policy_arns->v[i]);
			if (!iam_write_call("AttachRolePolicy", &a, iam, o->dry_run, note, policy_arns->v[i], err))
				goto out;
		}
	}
	ok = true;
out:
	free(doc);
	free(f.s);
	strlist_clear(&attached);
	aws_response_clear(&r);
	if (!ok) {
		free(*arn);
		*arn = NULL;
	}
	return ok;
}

bool iam_role_set_trust(const char *name, const json_t *trust, const iam_client *iam, iam_note_fn note, sao_err *err)
{
	iam_form f = {0};
	char *doc = json_dumps(trust, JSON_COMPACT);
	bool ok;

	if (doc == NULL)
		return err_set(err, "out of memory");
	iam_form_add(&f, "RoleName", name);
	iam_form_add(&f, "PolicyDocument", doc);
	ok = iam_write_call("UpdateAssumeRolePolicy", &f, iam, false, note, name, err); /* it frees the form */
	free(doc);
	return ok;
}

/* Whether a statement's Principal.Federated is, or lists, provider_arn. */
static bool statement_trusts(const json_t *st, const char *provider_arn)
{
	json_t *fed = json_object_get(json_object_get(st, "Principal"), "Federated"), *v;
	size_t i;

	if (json_is_string(fed))
		return strcmp(json_string_value(fed), provider_arn) == 0;
	json_array_foreach(fed, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), provider_arn) == 0)
			return true;
	}
	return false;
}

/* Whether a trust policy (IAM's JSON; Statement one object or an array) trusts provider_arn. */
static bool trusts(const json_t *policy, const char *provider_arn)
{
	json_t *st = json_object_get(policy, "Statement"), *one;
	size_t i;

	if (json_is_object(st))
		return statement_trusts(st, provider_arn);
	json_array_foreach(st, i, one)
	{
		if (statement_trusts(one, provider_arn))
			return true;
	}
	return false;
}

/* One page of ListRoles: fn for each role, *marker replaced by the next page's (NULL after
 * the last). */
static bool roles_page(const iam_client *iam, iam_role_fn fn, void *ctx, char **marker, sao_err *err)
{
	iam_form f = {0};
	aws_response r = {0};
	aws_xml *doc = NULL;
	aws_xml_node *m;
	char *truncated = NULL;
	bool ok = false;

	iam_form_add(&f, "MaxItems", "1000");
	if (*marker != NULL)
		iam_form_add(&f, "Marker", *marker);
	if (!iam_call("ListRoles", &f, iam, &r, err))
		goto out;
	if ((doc = aws_xml_parse(r.body, r.body_len)) == NULL) {
		err_set(err, "IAM ListRoles: unreadable answer");
		goto out;
	}
	for (m = aws_xml_get(aws_xml_root(doc), "ListRolesResult/Roles/member"); m != NULL; m = aws_xml_next(m)) {
		char *arn = aws_xml_text_at(m, "Arn"), *name = aws_xml_text_at(m, "RoleName");
		char *enc = aws_xml_text_at(m, "AssumeRolePolicyDocument"), *dec = enc != NULL ? url_decode(enc) : NULL;
		json_t *policy = dec != NULL ? json_loads(dec, 0, NULL) : NULL;
		bool go = arn == NULL || name == NULL || fn(ctx, arn, name, policy, err);

		json_decref(policy);
		free(dec);
		free(enc);
		free(name);
		free(arn);
		if (!go)
			goto out;
	}
	free(*marker);
	*marker = NULL;
	truncated = aws_xml_text_at(aws_xml_root(doc), "ListRolesResult/IsTruncated");
	if (truncated != NULL && strcmp(truncated, "true") == 0 &&
	    (*marker = aws_xml_text_at(aws_xml_root(doc), "ListRolesResult/Marker")) == NULL) {
		err_set(err, "IAM ListRoles: a truncated answer without a Marker");
		goto out;
	}
	ok = true;
out:
	free(truncated);
	aws_xml_free(doc);
	aws_response_clear(&r);
	free(f.s);
	return ok;
}

bool iam_roles_each(const iam_client *iam, iam_role_fn fn, void *ctx, sao_err *err)
{
	char *marker = NULL;
	bool ok = true;

	/* IAM allows 5,000 roles per account by default (1,000 per page); a bound against an
	 * endless Marker chain all the same. */
	for (int page = 0; ok; page++) {
		if (page == 100) {
			err_set(err, "IAM ListRoles: more than 100 pages; stopped");
			ok = false;
			break;
		}
		ok = roles_page(iam, fn, ctx, &marker, err);
		if (marker == NULL)
			break;
	}
	free(marker);
	return ok;
}

typedef struct trusting {
	const char *provider_arn;
	strlist *out;
} trusting;

static bool collect_trusting(void *ctx, const char *arn, const char *name, const json_t *trust, sao_err *err)
{
	trusting *t = ctx;

	(void)name;
	if (trust != NULL && trusts(trust, t->provider_arn) && !strlist_add(t->out, arn))
		return err_set(err, "out of memory");
	return true;
}

bool iam_roles_trusting(const char *provider_arn, const iam_client *iam, strlist *out, sao_err *err)
{
	trusting t = {provider_arn, out};

	return iam_roles_each(iam, collect_trusting, &t, err);
}
