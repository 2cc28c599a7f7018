/* libFuzzer target: an IAM role trust policy (JSON, as IAM returns it once URL-decoded) judged
 * for an OpenID Connect provider (pod/trust_audit): the providers it names, each one's verdict
 * and findings, and the policy moved to another provider and back (pod/trust_migrate). The same
 * JSON judged as an Azure federated identity credential and as a Google workload identity pool
 * provider (pod/fed_audit), and the raw input as an Azure resource ID and a provider's name. */
#include "config.h"

#include "azure/arm.h"
#include "gcp/iam.h"
#include "pod/fed_audit.h"
#include "pod/trust_audit.h"
#include "pod/trust_migrate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *p = json_loadb((const char *)data, size, 0, NULL), *r;
	strlist named = {0};
	bool oom;
	char *s = strndup((const char *)data, size);

	if (s != NULL) {
		az_identity_id_ok(s);
		gcp_provider_name_ok(s);
		fa_issuer_match(s, "https://oidc.test/c");
		free(s);
	}
	if (p == NULL)
		return 0;
	json_decref(fa_azure(p, "https://oidc.test/c", &oom));
	json_decref(fa_azure(p, NULL, &oom));
	json_decref(
	    fa_gcp(p, "projects/1/locations/global/workloadIdentityPools/p/providers/k", "https://oidc.test/c"));
	json_decref(fa_azure_identity(json_array_size(p)));
	ta_providers(p, &named);
	for (size_t i = 0; i < named.n; i++) {
		json_t *out = NULL, *added = NULL;
		char why[200];

		r = ta_role(p, named.v[i], &oom);
		json_decref(r);
		tm_add(p, named.v[i], "arn:aws:iam::1:oidc-provider/new.test/n", &out, &added, why, sizeof(why));
		json_decref(added);
		if (out != NULL) {
			json_t *back = NULL;

			tm_remove(out, named.v[i], "arn:aws:iam::1:oidc-provider/new.test/n", &back, why, sizeof(why));
			json_decref(back);
		}
		json_decref(out);
	}
	r = ta_role(p, "arn:aws:iam::1:oidc-provider/oidc.test/c", &oom);
	json_decref(r);
	strlist_clear(&named);
	json_decref(p);
	return 0;
}
