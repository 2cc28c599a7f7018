/* entra: a Microsoft Entra ID access token for Azure Storage by the OAuth 2.0 client
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
/* The access token (malloc'd) and which identity it was for (*source, a static string). */
bool az_entra_token(char **token, const char **source, sao_err *err);

#endif
