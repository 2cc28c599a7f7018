/* audit_fed: the Azure and Google half of `audit`, read-only. Each named user-assigned managed
 * identity's federated identity credentials (azure/arm, a Microsoft Entra ID token for Resource
 * Manager) and each named workload identity pool provider (gcp/iam, a Google token with scope
 * cloud-platform), judged by pod/fed_audit. */
#ifndef SAOIDC_AUDIT_FED_H
#define SAOIDC_AUDIT_FED_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets report's "azure": [{"identity", "credentials": [fa_azure's, this issuer's only when
 * `issuer` is given], "others": credentials of other issuers left out, "findings"}]. */
bool audit_azure(const char *const *ids, size_t n, const char *endpoint, const char *issuer, json_t *report,
		 sao_err *err);

/* Sets report's "gcp": [fa_gcp's, one per provider]. */
bool audit_gcp(const char *const *names, size_t n, const char *issuer, json_t *report, sao_err *err);

#endif
