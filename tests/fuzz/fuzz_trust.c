/* libFuzzer target: an IAM role trust policy (JSON, as IAM returns it once URL-decoded) judged
 * for an OpenID Connect provider (pod/trust_audit): the providers it names, and each one's
 * verdict and findings. */
#include "config.h"

#include "pod/trust_audit.h"

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
		r = ta_role(p, named.v[i], &oom);
		json_decref(r);
	}
	r = ta_role(p, "arn:aws:iam::1:oidc-provider/oidc.test/c", &oom);
	json_decref(r);
	strlist_clear(&named);
	json_decref(p);
	return 0;
}
