/* libFuzzer target: a retention state (PREFIX/.saoidc/retention.json, read from the bucket or
 * the output directory, so anyone with write access to it controls it) merged with a fixed
 * source (jose/retain) as every kind of run does it: without --cluster, as one cluster of a
 * fleet, retiring a cluster, revoking, under a small cap; and the per-cluster summary. */
#include "config.h"

#include "jose/retain.h"
#include "jose/retain_fleet.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *state = json_loadb((const char *)data, size, 0, NULL);
	json_t *src = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "use", "sig", "kty", "RSA", "kid", "A",
				"alg", "RS256", "n", "nA", "e", "AQAB");
	json_t *empty = json_pack("{s:[]}", "keys");
	strlist revoke = {0}, lines = {0};
	const retain_policy pols[] = {
	    {.retain_s = 3600, .max_keys = 64},
	    {.retain_s = 3600, .max_keys = 2, .cluster = "a"},
	    {.retain_s = 0, .max_keys = 64, .cluster = "b", .retire = true},
	    {.retain_s = 90000, .revoke = &revoke, .max_keys = 3, .cluster = "c"},
	};

	if (state == NULL || src == NULL || empty == NULL || !strlist_add(&revoke, "B"))
		goto out;
	for (size_t i = 0; i < sizeof(pols) / sizeof(*pols); i++) {
		json_t *ns = NULL, *jwks = NULL;
		retain_report rep = {0};
		sao_err err = {""};

		if (retain_merge(state, pols[i].retire ? empty : src, 1800000000, &pols[i], &ns, &jwks, &rep, &err)) {
			/* what a run writes, a later run reads */
			json_t *ns2 = NULL, *jwks2 = NULL;
			retain_report rep2 = {0};

			if (!retain_merge(ns, pols[i].retire ? empty : src, 1800000001, &pols[i], &ns2, &jwks2, &rep2,
					  &err) &&
			    !pols[i].retire && pols[i].revoke == NULL)
				abort(); /* a state this code wrote, read back for the same source, must merge */
			json_decref(ns2);
			json_decref(jwks2);
			retain_report_clear(&rep2);
		}
		json_decref(ns);
		json_decref(jwks);
		retain_report_clear(&rep);
	}
	retain_state_clusters(state, &lines);
	(void)retain_kid_cluster(state, "A");
out:
	strlist_clear(&lines);
	strlist_clear(&revoke);
	json_decref(state);
	json_decref(src);
	json_decref(empty);
	return 0;
}
