/* Unit tests for src/pod/trust_audit.c: trust policies in the shapes IAM accepts (Statement an
 * object or a list, Action a string or a list, the operator variants, key names in another
 * case) and the verdict each gets. */
#include "config.h"

#include "pod/trust_audit.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>

#define ARN "arn:aws:iam::123456789012:oidc-provider/oidc.test/c"

/* The verdict and the finding codes, "fail: a,b", for a policy given as JSON text. */
static char *judge(const char *policy)
{
	json_t *p = json_loads(policy, 0, NULL), *r, *f;
	bool oom = false;
	char *out = malloc(512);
	size_t i;

	r = p != NULL ? ta_role(p, ARN, &oom) : NULL;
	if (r == NULL) {
		snprintf(out, 512, "%s", p == NULL ? "bad json" : oom ? "oom" : "none");
	} else {
		snprintf(out, 512, "%s:", json_string_value(json_object_get(r, "verdict")));
		json_array_foreach(json_object_get(r, "findings"), i, f)
		{
			snprintf(out + strlen(out), 512 - strlen(out), "%s%s", i ? "," : " ",
				 json_string_value(json_object_get(f, "code")));
		}
	}
	json_decref(r);
	json_decref(p);
	return out;
}

#define ST(action, cond)                                                                                               \
	"{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"" ARN "\"},\"Action\":" action ",\"Condition\":" cond "}"

static void check(const char *policy, const char *want, const char *what)
{
	char *got = judge(policy);

	is_str(got, want, "%s", what);
	free(got);
}

int main(void)
{
	json_t *p;
	strlist named = {0};

	check("{\"Statement\":" ST("\"sts:AssumeRoleWithWebIdentity\"",
				   "{\"StringEquals\":{\"oidc.test/c:sub\":\"system:serviceaccount:a:b\","
				   "\"oidc.test/c:aud\":\"sts.amazonaws.com\"}}") "}",
	      "ok:", "Statement as one object, named ServiceAccount and audience: ok");
	check("{\"Statement\":[" ST(
		  "[\"sts:TagSession\",\"sts:AssumeRoleWithWebIdentity\"]",
		  "{\"StringEqualsIgnoreCase\":{\"OIDC.TEST/C:SUB\":\"system:serviceaccount:a:b\"},"
		  "\"ForAnyValue:StringLikeIfExists\":{\"oidc.test/c:aud\":\"sts.amazonaws.com\"}}") "]}",
	      "ok:", "Action as a list, IgnoreCase, ForAnyValue/IfExists forms, key names in capitals: ok");
	check("{\"Statement\":[" ST("\"sts:*\"",
				    "{\"StringLike\":{\"oidc.test/c:sub\":\"system:serviceaccount:a:app-*\","
				    "\"oidc.test/c:aud\":\"sts.amazonaws.com\"}}") "]}",
	      "warn: sub-pattern", "sts:* and a pattern within one namespace: warn");
	check("{\"Statement\":[" ST("\"*\"", "{\"StringLike\":{\"oidc.test/c:sub\":\"*\"}}") "]}",
	      "fail: any-serviceaccount,no-aud-condition", "Action * and sub *: fail, every ServiceAccount");
	check("{\"Statement\":[" ST("\"sts:AssumeRoleWithWebIdentity\"",
				    "{\"StringLike\":{\"oidc.test/c:sub\":\"system:service*\","
				    "\"oidc.test/c:aud\":\"x\"}}") "]}",
	      "fail: any-serviceaccount", "a wildcard inside system:serviceaccount: fail");
	check("{\"Statement\":[" ST("\"sts:AssumeRoleWithWebIdentity\"",
				    "{\"StringLike\":{\"oidc.test/c:sub\":\"user:*\",\"oidc.test/c:aud\":\"x\"}}") "]}",
	      "warn: sub-matches-nothing", "a pattern no ServiceAccount token matches: warn");
	check("{\"Statement\":[" ST(
		  "\"sts:AssumeRoleWithWebIdentity\"",
		  "{\"StringEquals\":{\"oidc.test/c:sub\":\"system:serviceaccount:a:b\","
		  "\"oidc.test/c:aud\":\"x\"}}") "," ST("\"sts:AssumeRoleWithWebIdentity\"",
							"{\"StringEquals\":{\"oidc.test/c:aud\":\"x\"}}") "]}",
	      "fail: no-sub-condition", "two statements, the second without :sub: fail (it lets everyone in)");
	check("{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"Federated\":\"" ARN
	      "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}",
	      "none", "a Deny statement trusts no one");
	check("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"" ARN
	      "\"},\"Action\":\"sts:AssumeRole\"}]}",
	      "none", "AssumeRole (not web identity) is not this provider's");
	check("{\"Statement\":[" ST("\"sts:AssumeRoleWithWebIdentity\"",
				    "{\"StringNotEquals\":{\"oidc.test/c:sub\":\"system:serviceaccount:a:b\"},"
				    "\"StringEquals\":{\"oidc.test/c:aud\":\"x\"}}") "]}",
	      "fail: no-sub-condition", "StringNotEquals on :sub admits all the others: no :sub condition");

	p = json_loads("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":[\"" ARN
		       "\",\"arn:aws:iam::1:saml-provider/x\",\"" ARN
		       "\"]},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}",
		       0, NULL);
	ok(ta_providers(p, &named) && named.n == 1 && strcmp(named.v[0], ARN) == 0,
	   "ta_providers: the OpenID Connect providers named, once (SAML left out)");
	strlist_clear(&named);
	json_decref(p);
	is_str(ta_verdict_name(TA_WARN), "warn", "verdict names");
	return tap_done();
}
