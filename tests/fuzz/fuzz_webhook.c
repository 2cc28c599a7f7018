/* libFuzzer target: the admission webhook's decision on arbitrary request bodies, with a
 * ServiceAccount that carries every annotation saoidc acts on (AWS, Azure and GCP). */
#include "config.h"

#include "pod/webhook.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *lookup(void *ctx, const char *ns, const char *name, char *err, size_t errlen)
{
	(void)ctx;
	(void)ns;
	(void)err;
	(void)errlen;
	if (name[0] == 'x')
		return NULL; /* an unknown ServiceAccount */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/r",
			 "eks.amazonaws.com/token-expiration", name, "eks.amazonaws.com/sts-regional-endpoints", "true",
			 "azure.workload.identity/client-id", "c", "saoidc.io/gcp-credential-config", "cm",
			 "saoidc.io/gcp-audience", "//iam.googleapis.com/x", "eks.amazonaws.com/audience", ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wh_cfg cfg = {"eu-west-1", "tenant", (size & 1) != 0};
	char warning[512];
	json_t *out;

	if (!wh_body_bounded((const char *)data, size, warning, sizeof(warning)))
		return 0; /* refused before parsing, as the webhook does */
	out = wh_review((const char *)data, size, &cfg, lookup, NULL, warning, sizeof(warning));

	if (out == NULL)
		abort(); /* a review always gets an answer */
	json_decref(out);
	return 0;
}
