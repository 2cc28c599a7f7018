/* audit: who can assume which IAM role through an issuer's OpenID Connect provider, read-only
 * (ListOpenIDConnectProviders, ListRoles with every page: each role's trust policy comes with
 * it). Each role trusting a provider is judged by pod/trust_audit; providers no role trusts and
 * roles trusting a provider the account does not have (dangling, e.g. after a migration) are
 * listed too. */
#ifndef SAOIDC_AUDIT_H
#define SAOIDC_AUDIT_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct audit_cfg {
	const char *issuer; /* only this issuer's provider; NULL: every provider of the account */
	const char *region; /* picks the partition's IAM endpoint */
	bool fips;
	bool allow_unknown_region;
} audit_cfg;

/* The report: {"roles": [{"role", "arn", "provider", "verdict", "subjects", "audiences",
 * "findings": [{"code", "message"}]}], "providers": [{"arn", "url", "roles"}], "dangling":
 * [{"role", "arn", "provider"}]} (dangling only without an issuer). */
bool audit_run(const audit_cfg *c, json_t **report, sao_err *err);

/* How many roles of a report have the verdict "fail". */
size_t audit_failures(const json_t *report);

#endif
