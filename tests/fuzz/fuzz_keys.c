/* libFuzzer target: key loading from arbitrary bytes (PEM, DER, Secret / List JSON), i.e.
 * key_set_add_blob, then rendering the JWKS and discovery document for whatever loaded. */
#include "config.h"

#include "util/yaml.h"

#include "jose/docs.h"
#include "jose/keys.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	key_set *set = key_set_new();
	sao_err err;
	docs d = {0};
	docs_cfg cfg = {.issuer = "https://oidc.example.com/fuzz"};

	if (set == NULL)
		return 0;
	if (key_set_add_blob(set, data, size, "fuzz", &err) && docs_render(&cfg, set, &d, &err))
		docs_clear(&d);
	key_set_free(set);
	/* The YAML reader on its own too (Secrets as kubectl -o yaml prints them, kubeconfig). */
	json_decref(yaml_to_json((const char *)data, size, &err));
	return 0;
}
