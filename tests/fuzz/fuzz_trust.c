/* libFuzzer target: an IAM role trust policy (JSON, as IAM returns it once URL-decoded) judged
 * for an OpenID Connect provider (pod/trust_audit): the providers it names, each one's verdict
 * and findings, and the policy moved to another provider and back (pod/trust_migrate). */
#include "config.h"

#include "pod/trust_audit.h"
#include "pod/trust_migrate.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *p = json_loadb((const char *)data, size, 0, NULL), *r;
	strlist named = {0};
	bool oom;

	if (p == NULL)
		return 0;
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
