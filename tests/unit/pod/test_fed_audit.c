/* Unit tests for src/pod/fed_audit.c: Azure federated identity credentials and Google workload
 * identity pool providers in the shapes Resource Manager and IAM return them, and the verdict
 * each gets. */
#include "config.h"

#include "azure/arm.h"
#include "gcp/iam.h"
#include "pod/fed_audit.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>

#define ISS "https://oidc.example.com/cluster-a"
#define SA "system:serviceaccount:apps:reader"
#define PROV "projects/123/locations/global/workloadIdentityPools/pool/providers/k8s"

/* "verdict: code,code" of an entry, or what came back instead. */
static char *summary(json_t *e, bool oom)
{
	char *out = malloc(512);
	size_t i;
	json_t *f;

	if (e == NULL) {
		snprintf(out, 512, "%s", oom ? "oom" : "none");
		return out;
	}
	snprintf(out, 512, "%s:", json_string_value(json_object_get(e, "verdict")));
	json_array_foreach(json_object_get(e, "findings"), i, f)
	{
		snprintf(out + strlen(out), 512 - strlen(out), "%s%s", i ? "," : " ",
			 json_string_value(json_object_get(f, "code")));
	}
	return out;
}

/* One credential as Resource Manager lists it, judged for `issuer`. */
static char *azure(const char *iss, const char *sub, const char *auds, const char *issuer)
{
	char doc[1024];
	json_t *fic, *e;
	bool oom = false;
	char *out;

	snprintf(doc, sizeof(doc),
		 "{\"id\": \"/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/"
		 "userAssignedIdentities/id/federatedIdentityCredentials/c\", \"name\": \"c\", \"type\": "
		 "\"Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials\", "
		 "\"properties\": {\"issuer\": \"%s\", \"subject\": \"%s\", \"audiences\": %s}}",
		 iss, sub, auds);
	fic = json_loads(doc, 0, NULL);
	e = fa_azure(fic, issuer, &oom);
	out = summary(e, oom);
	json_decref(e);
	json_decref(fic);
	return out;
}

/* A provider as IAM returns it (`extra` adds members), judged for `issuer`. */
static json_t *gcp_entry(const char *iss, const char *extra, const char *issuer)
{
	char doc[2048];
	json_t *p, *e;

	snprintf(doc, sizeof(doc),
		 "{\"name\": \"" PROV "\", \"state\": \"ACTIVE\", \"oidc\": {\"issuerUri\": \"%s\"}%s%s}", iss,
		 extra[0] != '\0' ? ", " : "", extra);
	p = json_loads(doc, 0, NULL);
	e = fa_gcp(p, PROV, issuer);
	json_decref(p);
	return e;
}

static char *gcp(const char *iss, const char *extra, const char *issuer)
{
	json_t *e = gcp_entry(iss, extra, issuer);
	char *out = summary(e, e == NULL);

	json_decref(e);
	return out;
}

#define GOOD_MAP "\"attributeMapping\": {\"google.subject\": \"assertion.sub\"}"
#define GOOD_COND "\"attributeCondition\": \"assertion.sub.startsWith('system:serviceaccount:apps:')\""

#define IS(got, want, ...)                                                                                             \
	do {                                                                                                           \
		char *s_ = (got);                                                                                      \
		is_str(s_, want, __VA_ARGS__);                                                                         \
		free(s_);                                                                                              \
	} while (0)

int main(void)
{
	json_t *e;

	is_int(fa_issuer_match(ISS, ISS), FA_SAME, "the same issuer");
	is_int(fa_issuer_match(ISS "/", ISS), FA_NEAR, "a trailing slash apart: near");
	is_int(fa_issuer_match("https://OIDC.example.com/cluster-a", ISS), FA_NEAR, "letter case apart: near");
	is_int(fa_issuer_match("https://oidc.example.com/cluster-b", ISS), FA_OTHER, "another path: another issuer");

	IS(azure(ISS, SA, "[\"" FA_AZURE_AUDIENCE "\"]", ISS),
	   "ok:", "Azure: the issuer, a ServiceAccount, the audience: ok");
	IS(azure(ISS "/", SA, "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: issuer-mismatch",
	   "Azure: a trailing slash: fail (Entra compares exactly)");
	IS(azure("https://OIDC.example.com/cluster-a", SA, "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: issuer-mismatch",
	   "Azure: an upper-case host: fail");
	IS(azure("https://oidc.example.com/cluster-b", SA, "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "none",
	   "Azure: another issuer's credential is left out");
	IS(azure("https://oidc.example.com/cluster-b", SA, "[\"" FA_AZURE_AUDIENCE "\"]", NULL),
	   "ok:", "Azure: without an issuer every credential is judged");
	IS(azure(ISS, "system:serviceaccount:apps:*", "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: wildcard",
	   "Azure: a '*' in the subject: fail (literal)");
	IS(azure(ISS, "repo:org/app:ref:refs/heads/main", "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: subject",
	   "Azure: a subject no ServiceAccount has: fail");
	IS(azure(ISS, "system:serviceaccount:apps:reader:extra", "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: subject",
	   "Azure: a subject with a third part: fail");
	IS(azure(ISS, "system:serviceaccount::reader", "[\"" FA_AZURE_AUDIENCE "\"]", ISS), "fail: subject",
	   "Azure: an empty namespace: fail");
	IS(azure(ISS, SA, "[\"sts.amazonaws.com\"]", ISS), "warn: audience", "Azure: another audience: warn");
	IS(azure(ISS, SA, "[\"" FA_AZURE_AUDIENCE "\", \"x\"]", ISS), "warn: audience", "Azure: two audiences: warn");
	IS(azure(ISS "/", "system:serviceaccount:*:*", "[\"x\"]", ISS), "fail: issuer-mismatch,wildcard,audience",
	   "Azure: every finding at once, the worst verdict");
	e = fa_azure_identity(19);
	is_int((long)json_array_size(e), 0, "19 credentials: no finding on the identity");
	json_decref(e);
	e = fa_azure_identity(FA_AZURE_LIMIT);
	is_str(json_string_value(json_object_get(json_array_get(e, 0), "code")), "limit",
	       "20 credentials: at Azure's limit");
	json_decref(e);

	IS(gcp(ISS, GOOD_MAP ", " GOOD_COND, ISS), "ok:", "Google: the issuer, the mapping, a condition: ok");
	IS(gcp(ISS, GOOD_MAP, ISS), "warn: no-condition", "Google: no condition: warn");
	IS(gcp(ISS, GOOD_MAP ", \"attributeCondition\": \"true\"", ISS), "warn: no-condition",
	   "Google: the condition true: warn");
	IS(gcp(ISS, "\"attributeMapping\": {\"google.subject\": \"assertion.email\"}, " GOOD_COND, ISS),
	   "warn: subject-mapping", "Google: google.subject from another claim: warn");
	IS(gcp(ISS, "\"attributeMapping\": {\"attribute.ns\": \"assertion.sub\"}, " GOOD_COND, ISS),
	   "fail: no-subject-mapping", "Google: no google.subject: fail");
	IS(gcp(ISS, GOOD_MAP ", " GOOD_COND ", \"disabled\": true", ISS), "warn: disabled", "Google: disabled: warn");
	IS(gcp(ISS "/", GOOD_MAP ", " GOOD_COND, ISS), "fail: issuer-mismatch", "Google: a trailing slash: fail");
	IS(gcp("https://other.example.com", GOOD_MAP ", " GOOD_COND, ISS), "warn: other-issuer",
	   "Google: another issuer's provider: warn");
	{
		json_t *p = json_loads("{\"name\": \"" PROV "\", \"state\": \"ACTIVE\", \"aws\": {\"accountId\": "
				       "\"123456789012\"}}",
				       0, NULL);

		e = fa_gcp(p, PROV, ISS);
		IS(summary(e, false), "warn: not-oidc", "Google: an AWS provider: warn, not OpenID Connect");
		json_decref(e);
		json_decref(p);
	}
	e = gcp_entry(ISS, GOOD_MAP ", " GOOD_COND, ISS);
	is_str(json_string_value(json_array_get(json_object_get(e, "audiences"), 0)), "//iam.googleapis.com/" PROV,
	       "Google: the default audience is the provider's resource name");
	is_str(json_string_value(json_array_get(json_object_get(e, "audiences"), 1)),
	       "https://iam.googleapis.com/" PROV, "  with or without https:");
	json_decref(e);
	e = gcp_entry(ISS, GOOD_MAP ", " GOOD_COND, ISS);
	is_str(json_string_value(json_object_get(e, "condition")),
	       "assertion.sub.startsWith('system:serviceaccount:apps:')",
	       "Google: the condition is reported as written");
	json_decref(e);
	{
		json_t *p =
		    json_loads("{\"name\": \"" PROV "\", \"state\": \"ACTIVE\", \"oidc\": {\"issuerUri\": \"" ISS
			       "\", \"allowedAudiences\": [\"aud-a\"]}, " GOOD_MAP "}",
			       0, NULL);

		e = fa_gcp(p, PROV, ISS);
		is_str(json_string_value(json_array_get(json_object_get(e, "audiences"), 0)), "aud-a",
		       "Google: allowedAudiences when given");
		json_decref(e);
		json_decref(p);
	}
	ok(az_identity_id_ok("/subscriptions/s-1/resourceGroups/rg.(a)/providers/Microsoft.ManagedIdentity/"
			     "userAssignedIdentities/app") &&
	       az_identity_id_ok("/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/"
				 "userassignedidentities/app"),
	   "an identity's resource ID, fixed segments in any case");
	ok(!az_identity_id_ok("/subscriptions/s/resourceGroups/../providers/Microsoft.ManagedIdentity/"
			      "userAssignedIdentities/app") &&
	       !az_identity_id_ok(
		   "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm") &&
	       !az_identity_id_ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
				  "userAssignedIdentities/app/x") &&
	       !az_identity_id_ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
				  "userAssignedIdentities/a?b"),
	   "refused: '..', another type, a trailing segment, a '?'");
	ok(gcp_provider_name_ok(PROV), "a provider's full name");
	ok(!gcp_provider_name_ok("projects/123/locations/global/workloadIdentityPools/pool") &&
	       !gcp_provider_name_ok("projects/../locations/global/workloadIdentityPools/pool/providers/k") &&
	       !gcp_provider_name_ok(PROV "/x") &&
	       !gcp_provider_name_ok("projects/1/locations/global/"
				     "workloadIdentityPools/p/providers/k%2F"),
	   "refused: a pool's name, '..', a trailing segment, a '%%'");
	return tap_done();
}
