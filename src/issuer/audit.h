/* audit: who can assume which IAM role through an issuer's OpenID Connect provider, read-only
 * (ListOpenIDConnectProviders, ListRoles with every page: each role's trust policy comes with
 * it). Each role trusting a provider is judged by pod/trust_audit; providers no role trusts and
 * roles trusting a provider the account does not have (dangling, e.g. after a migration) are
 * listed too. With Azure identities or Google providers named, their federation is judged as
 * well (issuer/audit_fed). */
#ifndef SAOIDC_AUDIT_H
#define SAOIDC_AUDIT_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct audit_cfg {
	const char *issuer; /* only this issuer's provider; NULL: every provider of the account */
	bool aws;	    /* the AWS account (IAM roles and providers) */
	const char *region; /* picks the partition's IAM endpoint */
	bool fips;
	bool allow_unknown_region;
	const char *const *azure_ids; /* user-assigned managed identities' resource IDs */
	size_t nazure;
	const char *azure_endpoint;	  /* Resource Manager (AZ_ARM_ENDPOINT, or a sovereign cloud's) */
	const char *const *gcp_providers; /* workload identity pool providers' full names */
	size_t ngcp;
} audit_cfg;

/* The report, with the parts asked for: {"roles": [{"role", "arn", "provider", "verdict",
 * "subjects", "audiences", "findings": [{"code", "message"}]}], "providers": [{"arn", "url",
 * "roles"}], "dangling": [{"role", "arn", "provider"}]} (dangling only without an issuer) for AWS;
 * "azure": [{"identity", "credentials": [...], "others", "findings"}] and "gcp": [...] as
 * issuer/audit_fed says. */
bool audit_run(const audit_cfg *c, json_t **report, sao_err *err);

/* How many entries of a report (roles, Azure credentials, Google providers) fail. */
size_t audit_failures(const json_t *report);

#endif
