/* entra: a Microsoft Entra ID access token (for Azure Storage, or Resource Manager) by the OAuth 2.0 client
 * credentials grant at AZURE_AUTHORITY_HOST (https://login.microsoftonline.com/ by default),
 * tenant AZURE_TENANT_ID, application AZURE_CLIENT_ID: with a client secret, or with a client
 * assertion -- the federated token in AZURE_FEDERATED_TOKEN_FILE, which is how a pod's
 * projected service-account token becomes Azure credentials (workload identity). */
#ifndef SAOIDC_AZ_ENTRA_H
#define SAOIDC_AZ_ENTRA_H

#include "util/err.h"

#include <stdbool.h>

/* True in *configured when the environment names an Entra identity (tenant and client). */
bool az_entra_configured(void);
#define AZ_SCOPE_STORAGE "https://storage.azure.com/.default"

/* An access token for `scope` (AZ_SCOPE_STORAGE, or Azure Resource Manager's, its endpoint +
 * "/.default"), malloc'd, and which identity it was for (*source, a static string). */
bool az_entra_token(const char *scope, char **token, const char **source, sao_err *err);

#endif
