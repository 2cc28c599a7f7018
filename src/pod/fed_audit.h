/* fed_audit: who an Azure federated identity credential or a Google workload identity pool
 * provider lets in, judged the way trust_audit judges an IAM role. Pure: the cloud's JSON in, a
 * verdict and findings out.
 *
 * Both clouds compare the token's iss with the issuer they hold, exactly: an issuer that differs
 * only by a trailing slash or the case of its letters never matches (Entra AADSTS700211).
 *   Azure (a credential: {"name", "properties": {"issuer", "subject", "audiences"}}):
 *     fail  the issuer differs only that way; a subject with '*' (matched literally) or not of
 *           the form system:serviceaccount:NAMESPACE:NAME (no Kubernetes token has it);
 *     warn  an audience other than api://AzureADTokenExchange, or several;
 *   and an identity at 20 credentials, Azure's limit, warns: no other cluster or ServiceAccount
 *   can be added to it.
 *   Google (a WorkloadIdentityPoolProvider: {"name", "state", "disabled", "attributeMapping",
 *   "attributeCondition", "oidc": {"issuerUri", "allowedAudiences"}}):
 *     fail  the issuer differs only that way; no google.subject mapping;
 *     warn  no attribute condition (every token the issuer signs is exchanged: what each may do
 *           then rests on IAM bindings alone); google.subject not mapped from assertion.sub;
 *           disabled or not ACTIVE; another issuer's, or not an OpenID Connect provider. */
#ifndef SAOIDC_FED_AUDIT_H
#define SAOIDC_FED_AUDIT_H

#include "pod/trust_audit.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define FA_AZURE_AUDIENCE "api://AzureADTokenExchange"
#define FA_AZURE_LIMIT 20

typedef enum fa_match { FA_SAME, FA_NEAR, FA_OTHER } fa_match;

/* How the issuer a cloud holds compares with `issuer`: the same string, near (a trailing '/' or
 * letter case apart: it will never match), or another issuer. */
fa_match fa_issuer_match(const char *held, const char *issuer);

/* One Azure credential judged: {"name", "issuer", "subject", "audiences", "verdict", "findings"};
 * NULL when `issuer` is given and the credential is another issuer's (or out of memory: *oom). */
json_t *fa_azure(const json_t *fic, const char *issuer, bool *oom);

/* An identity's own findings for its `n` credentials (a new array). */
json_t *fa_azure_identity(size_t n);

/* One Google provider judged: {"provider", "issuer", "condition", "subject_mapping",
 * "audiences", "verdict", "findings"}; NULL only when out of memory. `name` is the provider's
 * full name, for its default audience. */
json_t *fa_gcp(const json_t *provider, const char *name, const char *issuer);

/* The verdict an entry holds. */
ta_verdict fa_verdict(const json_t *entry);

#endif
