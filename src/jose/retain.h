/* retain: which keys a JWKS must keep publishing. A key that signed tokens still valid must stay
 * in the JWKS after it leaves the source, for as long as such tokens live. The state (kept next
 * to the documents) records per kid when it was first seen and since when it is gone from the
 * source; it changes only when the key set changes, so an unchanged source writes nothing. */
#ifndef SAOIDC_RETAIN_H
#define SAOIDC_RETAIN_H

#include "jose/retain_types.h"
#include "util/err.h"
#include "util/str.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

/* The state's format version; a state of a newer version is refused, never rewritten. Version 2
 * adds the revoked list; a state without revocations is still written as version 1, so that an
 * older saoidc keeps reading it (and one that has revocations is refused by an older saoidc,
 * which would otherwise drop the list and let a revoked key back in). */
#define RETAIN_VERSION 3
/* Version 3 records the cluster that owns each key (--cluster: one issuer shared by several
 * clusters). A state that names clusters is written as version 3, so that an older saoidc
 * refuses it instead of taking every cluster's keys for its own source's and retiring them. */
/* Default retention: 24 h, the longest default token lifetime (the EKS webhook's
 * token-expiration), plus 1 h for JWKS caches (STS, CloudFront: the documents' max-age). */
#define RETAIN_DEFAULT_S (25L * 3600L)

void retain_report_clear(retain_report *r);

/* Merges the source JWKS (as rendered: {"keys":[...]}, legacy empty-kid duplicates allowed)
 * into the state (NULL: none yet) at time `now`. *jwks gets the JWKS to publish: the source's
 * keys in their order, then the retained ones; *state_out the new state. Refuses a state that
 * is not a retention state or is of a newer version, and a kid naming two different keys.
 * Revocation: a kid in pol->revoke leaves the JWKS and the state at once and is recorded as
 * revoked; refused when the source still holds it (the cluster still signs with it) or when
 * nothing published has that kid. A source that holds a key revoked earlier is refused.
 * With pol->cluster: the source's keys are that cluster's; the JWKS holds every cluster's keys,
 * grouped by cluster in name order (each cluster's live keys, then its retained ones), so that
 * any cluster's run of an unchanged fleet writes the same bytes. A kid another cluster owns is
 * refused; keys published without --cluster are taken by the cluster whose source holds them,
 * the others kept as they are. A retired key keeps the retention of the run that retired it. */
bool retain_merge(const json_t *state, const json_t *source, time_t now, const retain_policy *pol, json_t **state_out,
		  json_t **jwks, retain_report *rep, sao_err *err);

/* "25h", "90m", "30s", "2d", "3600" (seconds) or "0"; false on anything else. */
bool retain_parse_duration(const char *s, long *seconds);

#endif
