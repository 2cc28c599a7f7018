#include "config.h"

#include "pod/fed_audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SA_PREFIX "system:serviceaccount:"

fa_match fa_issuer_match(const char *held, const char *issuer)
{
	size_t a = strlen(held), b = strlen(issuer);

	if (strcmp(held, issuer) == 0)
		return FA_SAME;
	while (a > 0 && held[a - 1] == '/')
		a--;
	while (b > 0 && issuer[b - 1] == '/')
		b--;
	return a == b && strncasecmp(held, issuer, a) == 0 ? FA_NEAR : FA_OTHER;
}

/* Adds a finding, raising the entry's verdict; false when out of memory. */
static bool find(json_t *entry, ta_verdict v, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool find(json_t *entry, ta_verdict v, const char *code, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v > fa_verdict(entry) && json_object_set_new(entry, "verdict", json_string(ta_verdict_name(v))) != 0)
		return false;
	return json_array_append_new(json_object_get(entry, "findings"),
				     json_pack("{s:s, s:s}", "code", code, "message", msg)) == 0;
}

ta_verdict fa_verdict(const json_t *entry)
{
	const char *v = json_string_value(json_object_get(entry, "verdict"));

	return v == NULL ? TA_OK : strcmp(v, "fail") == 0 ? TA_FAIL : strcmp(v, "warn") == 0 ? TA_WARN : TA_OK;
}

/* A Kubernetes ServiceAccount token's sub: system:serviceaccount:NAMESPACE:NAME, both non-empty. */
static bool sa_subject(const char *s)
{
	const char *ns, *colon;

	if (strncmp(s, SA_PREFIX, strlen(SA_PREFIX)) != 0)
		return false;
	ns = s + strlen(SA_PREFIX);
	colon = strchr(ns, ':');
	return colon != NULL && colon > ns && colon[1] != '\0' && strchr(colon + 1, ':') == NULL;
}

static bool azure_subject(json_t *e, const char *sub)
{
	if (strchr(sub, '*') != NULL)
		return find(
		    e, TA_FAIL, "wildcard",
		    "subject \"%.300s\": Entra ID matches the subject exactly, so '*' is taken literally and no "
		    "token matches; give one credential per ServiceAccount",
		    sub);
	if (!sa_subject(sub))
		return find(e, TA_FAIL, "subject",
			    "subject \"%.300s\" is no ServiceAccount's: Kubernetes signs sub as "
			    "system:serviceaccount:NAMESPACE:NAME, so no token matches",
			    sub);
	return true;
}

static bool azure_audiences(json_t *e, const json_t *auds)
{
	const char *a = json_string_value(json_array_get(auds, 0));

	if (json_array_size(auds) != 1)
		return find(e, TA_WARN, "audience",
			    "%zu audiences: Azure takes exactly one, " FA_AZURE_AUDIENCE " (the one the workload "
			    "identity webhook has pods ask for)",
			    json_array_size(auds));
	if (a == NULL || strcmp(a, FA_AZURE_AUDIENCE) != 0)
		return find(
		    e, TA_WARN, "audience",
		    "audience \"%.200s\", not " FA_AZURE_AUDIENCE ": pods must ask for tokens with this "
		    "audience themselves (the workload identity webhook's projected token has " FA_AZURE_AUDIENCE ")",
		    a != NULL ? a : "");
	return true;
}

json_t *fa_azure(const json_t *fic, const char *issuer, bool *oom)
{
	const json_t *p = json_object_get(fic, "properties");
	const char *name = json_string_value(json_object_get(fic, "name"));
	const char *iss = json_string_value(json_object_get(p, "issuer"));
	const char *sub = json_string_value(json_object_get(p, "subject"));
	json_t *auds = json_object_get(p, "audiences"), *e;
	fa_match m = issuer != NULL && iss != NULL ? fa_issuer_match(iss, issuer) : FA_SAME;
	bool ok;

	*oom = false;
	if (m == FA_OTHER)
		return NULL;
	e = json_pack("{s:s, s:s, s:s, s:o, s:s, s:[]}", "name", name != NULL ? name : "", "issuer",
		      iss != NULL ? iss : "", "subject", sub != NULL ? sub : "", "audiences",
		      json_is_array(auds) ? json_incref(auds) : json_array(), "verdict", "ok", "findings");
	if (e == NULL) {
		*oom = true;
		return NULL;
	}
	ok = m != FA_NEAR ||
	     find(e, TA_FAIL, "issuer-mismatch",
		  "issuer \"%.300s\" is not \"%.300s\": Entra ID compares the issuer exactly (a trailing "
		  "slash or letter case apart), so no token matches (AADSTS700211)",
		  iss, issuer);
	ok = ok && azure_subject(e, sub != NULL ? sub : "") && azure_audiences(e, auds);
	if (!ok) {
		json_decref(e);
		*oom = true;
		return NULL;
	}
	return e;
}

json_t *fa_azure_identity(size_t n)
{
	json_t *f = json_array();

	if (f != NULL && n >= FA_AZURE_LIMIT &&
	    json_array_append_new(
		f, json_pack("{s:s, s:s}", "code", "limit", "message",
			     "at Azure's limit of 20 federated identity credentials: no other cluster or "
			     "ServiceAccount can be added to this identity (use another one)")) != 0) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/* The provider's audiences: allowedAudiences, or by default its own resource name (both forms). */
static json_t *gcp_audiences(const json_t *oidc, const char *name)
{
	const json_t *a = json_object_get(oidc, "allowedAudiences");
	char full[600];

	if (json_array_size(a) > 0)
		return json_deep_copy(a);
	snprintf(full, sizeof(full), "//iam.googleapis.com/%s", name);
	return json_pack("[s, s+]", full, "https:", full);
}

static bool gcp_findings(json_t *e, const json_t *pr, const char *iss, const char *issuer)
{
	const char *state = json_string_value(json_object_get(pr, "state"));
	const char *cond = json_string_value(json_object_get(pr, "attributeCondition"));
	const char *subj =
	    json_string_value(json_object_get(json_object_get(pr, "attributeMapping"), "google.subject"));
	fa_match m = issuer != NULL ? fa_issuer_match(iss, issuer) : FA_SAME;

	if (m == FA_NEAR &&
	    !find(e, TA_FAIL, "issuer-mismatch",
		  "issuerUri \"%.300s\" is not \"%.300s\": a token's iss must be the issuer URI exactly "
		  "(a trailing slash or letter case apart), so no token is exchanged",
		  iss, issuer))
		return false;
	if (m == FA_OTHER && !find(e, TA_WARN, "other-issuer", "trusts issuer \"%.300s\", not \"%.300s\"", iss, issuer))
		return false;
	if ((json_is_true(json_object_get(pr, "disabled")) || (state != NULL && strcmp(state, "ACTIVE") != 0)) &&
	    !find(e, TA_WARN, "disabled", "disabled (state %.40s): no token is exchanged through it",
		  state != NULL ? state : "?"))
		return false;
	if (subj == NULL)
		return find(e, TA_FAIL, "no-subject-mapping",
			    "no google.subject in attributeMapping: Google exchanges no token without it");
	if (strcmp(subj, "assertion.sub") != 0 &&
	    !find(e, TA_WARN, "subject-mapping",
		  "google.subject is mapped from \"%.200s\", not assertion.sub: bindings to principal://.../subject/"
		  "system:serviceaccount:NS:SA will not match",
		  subj))
		return false;
	if ((cond == NULL || cond[0] == '\0' || strcmp(cond, "true") == 0) &&
	    !find(e, TA_WARN, "no-condition",
		  "no attribute condition: every token the issuer signs (any ServiceAccount of the cluster, and of "
		  "every cluster sharing the issuer) is exchanged, and what each may do rests on IAM bindings "
		  "alone; restrict it, e.g. assertion.sub.startsWith('system:serviceaccount:NAMESPACE:')"))
		return false;
	return true;
}

json_t *fa_gcp(const json_t *pr, const char *name, const char *issuer)
{
	const json_t *oidc = json_object_get(pr, "oidc");
	const char *iss = json_string_value(json_object_get(oidc, "issuerUri"));
	const char *cond = json_string_value(json_object_get(pr, "attributeCondition"));
	const char *subj =
	    json_string_value(json_object_get(json_object_get(pr, "attributeMapping"), "google.subject"));
	json_t *e = json_pack("{s:s, s:s?, s:s?, s:s?, s:o?, s:s, s:[]}", "provider", name, "issuer", iss, "condition",
			      cond != NULL && cond[0] != '\0' ? cond : NULL, "subject_mapping", subj, "audiences",
			      oidc != NULL ? gcp_audiences(oidc, name) : NULL, "verdict", "ok", "findings");

	if (e == NULL)
		return NULL;
	if (iss == NULL) {
		if (find(e, TA_WARN, "not-oidc",
			 "not an OpenID Connect provider (an AWS or SAML one): no Kubernetes token is exchanged "
			 "through it"))
			return e;
	} else if (gcp_findings(e, pr, iss, issuer)) {
		return e;
	}
	json_decref(e);
	return NULL;
}
