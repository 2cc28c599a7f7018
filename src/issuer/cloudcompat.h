/* cloudcompat: whether each cloud's token exchange will take an issuer's JWKS, and whether STS
 * can cache and fetch it in time (verify --for). Pure: the facts and their sources are in
 * doc/troubleshooting.md ("What each cloud accepts").
 *   aws    RS256/384/512 and ES256/384/512 (ES* since 2024-11-20), no EdDSA or PS*; at most
 *          100 RSA and 100 EC keys;
 *   azure  Microsoft Entra refuses ES* (AADSTS5002738): RSA keys only; the federated
 *          credential's issuer is compared byte for byte, a trailing slash included;
 *   gcp    RSA and EC keys (RS*, ES*);
 *   all    with more than one key each needs a kid; a key marked "use": "enc" or with key_ops
 *          not allowing verify is not used for signatures. */
#ifndef SAOIDC_CLOUDCOMPAT_H
#define SAOIDC_CLOUDCOMPAT_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

enum { CC_AWS = 1u, CC_AZURE = 2u, CC_GCP = 4u };

/* "aws,azure,gcp" (any of them, comma-separated) into a mask. */
bool cc_parse(const char *list, unsigned *mask, sao_err *err);

typedef enum cc_status { CC_PASS, CC_WARN, CC_FAIL } cc_status;

typedef struct cc_result {
	cc_status status;
	char seen[512];
	char fix[400]; /* empty for a pass */
} cc_result;

/* One cloud (CC_AWS, CC_AZURE or CC_GCP) against the JWKS and the issuer. */
void cc_check(unsigned cloud, const json_t *jwks, const char *issuer, cc_result *out);

/* The JWKS's Cache-Control (NULL: none) as STS reads it: no-cache, no-store or max-age=0 keep
 * STS from caching, and it may then be throttled fetching it. */
void cc_cache(const char *cache_control, cc_result *out);

/* The time to fetch discovery and JWKS, against STS's budget of about 5 s. */
void cc_fetch_time(long discovery_ms, long jwks_ms, cc_result *out);

#endif
