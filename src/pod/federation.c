#include "config.h"

#include "pod/federation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *fed_issuer_hostpath(const char *issuer, sao_err *err)
{
	if (strncmp(issuer, "https://", 8) != 0 || issuer[8] == '\0') {
		err_set(err, "issuer \"%s\" must be an https:// URL", issuer);
		return NULL;
	}
	return strdup(issuer + 8);
}

json_t *fed_aws_trust_policy(const char *partition, const char *issuer, const char *account, const strlist *namespaces,
			     const char *sa, const char *audience, sao_err *err)
{
	char *hp = fed_issuer_hostpath(issuer, err), *fed = NULL, *subk = NULL, *audk = NULL;
	json_t *policy = NULL, *subs = NULL, *cond = NULL;
	bool like = strcmp(sa, "*") == 0 || namespaces->n > 1;

	if (hp == NULL)
		return NULL;
	if (strlen(account) != 12 || strspn(account, "0123456789") != 12) {
		err_set(err, "account \"%s\" is not a 12-digit AWS account ID", account);
		goto out;
	}
	if (asprintf(&fed, "arn:%s:iam::%s:oidc-provider/%s", partition, account, hp) < 0 ||
	    asprintf(&subk, "%s:sub", hp) < 0 || asprintf(&audk, "%s:aud", hp) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	subs = json_array();
	for (size_t i = 0; subs != NULL && i < namespaces->n; i++) {
		char *s = NULL;

		if (asprintf(&s, "system:serviceaccount:%s:%s", namespaces->v[i], sa) >= 0)
			json_array_append_new(subs, json_string(s));
		free(s);
	}
	if (subs == NULL || json_array_size(subs) == 0) {
		err_set(err, "give at least one --namespace");
		json_decref(subs);
		goto out;
	}
	if (like)
		cond = json_pack("{s:{s:o}, s:{s:s}}", "StringLike", subk,
				 json_array_size(subs) == 1 ? json_incref(json_array_get(subs, 0)) : json_incref(subs),
				 "StringEquals", audk, audience);
	else
		cond = json_pack("{s:{s:O, s:s}}", "StringEquals", subk, json_array_get(subs, 0), audk, audience);
	json_decref(subs);
	policy = cond != NULL ? json_pack("{s:s, s:[{s:s, s:{s:s}, s:s, s:o}]}", "Version", "2012-10-17", "Statement",
					  "Effect", "Allow", "Principal", "Federated", fed, "Action",
					  "sts:AssumeRoleWithWebIdentity", "Condition", cond)
			      : NULL;
	if (policy == NULL)
		err_set(err, "out of memory");
out:
	free(hp);
	free(fed);
	free(subk);
	free(audk);
	return policy;
}

json_t *fed_azure_credential(const char *issuer, const char *ns, const char *sa, const char *name)
{
	char *sub = NULL, *desc = NULL;
	json_t *j = NULL;

	if (asprintf(&sub, "system:serviceaccount:%s:%s", ns, sa) >= 0 &&
	    asprintf(&desc, "Kubernetes service account %s/%s (saoidc)", ns, sa) >= 0)
		j = json_pack("{s:s, s:s, s:s, s:[s], s:s}", "name", name, "issuer", issuer, "subject", sub,
			      "audiences", FED_AZURE_AUDIENCE, "description", desc);
	free(sub);
	free(desc);
	return j;
}

char *fed_gcp_audience(const char *project_number, const char *pool, const char *provider)
{
	char *s = NULL;

	if (asprintf(&s, "//iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/%s/providers/%s",
		     project_number, pool, provider) < 0)
		return NULL;
	return s;
}

json_t *fed_gcp_credential_config(const char *audience, const char *sa_email, const char *token_path)
{
	char *imp = NULL;
	json_t *j = NULL;

	if (asprintf(&imp, "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/%s:generateAccessToken",
		     sa_email) < 0)
		return NULL;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:{s:s}}}", "type", "external_account", "audience", audience,
		      "subject_token_type", "urn:ietf:params:oauth:token-type:jwt", "token_url",
		      "https://sts.googleapis.com/v1/token", "service_account_impersonation_url", imp,
		      "credential_source", "file", token_path, "format", "type", "text");
	free(imp);
	return j;
}
