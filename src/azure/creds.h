/* creds: which Azure storage account endpoint to call and how to authorize, read the way
 * Azure's SDKs and CLI read them, first found wins:
 *   1. AZURE_STORAGE_CONNECTION_STRING (AccountName, AccountKey, SharedAccessSignature,
 *      BlobEndpoint for emulators and private endpoints, EndpointSuffix for sovereign clouds,
 *      DefaultEndpointsProtocol, UseDevelopmentStorage=true); a string with an endpoint and no
 *      credential takes its credential from below;
 *   2. AZURE_STORAGE_KEY (Shared Key) or AZURE_STORAGE_SAS_TOKEN, for AZURE_STORAGE_ACCOUNT;
 *   3. Microsoft Entra ID (azure/entra.c): AZURE_TENANT_ID and AZURE_CLIENT_ID with
 *      AZURE_CLIENT_SECRET, or with AZURE_FEDERATED_TOKEN_FILE (workload identity).
 * Keys, SAS tokens and access tokens are cleansed when cleared and never put in messages. */
#ifndef SAOIDC_AZ_CREDS_H
#define SAOIDC_AZ_CREDS_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum az_auth { AZ_AUTH_NONE, AZ_AUTH_KEY, AZ_AUTH_SAS, AZ_AUTH_BEARER } az_auth;

typedef struct az_creds {
	az_auth auth;
	char *account;
	char *endpoint; /* the Blob service: https://ACCOUNT.blob.SUFFIX, or BlobEndpoint=; no trailing '/' */
	char *suffix;	/* core.windows.net, core.chinacloudapi.cn, core.usgovcloudapi.net */
	unsigned char *key;
	size_t key_len;
	char *sas;   /* without '?' */
	char *token; /* a Microsoft Entra access token for https://storage.azure.com */
	char source[96];
} az_creds;

/* The endpoint and the credentials for `account` (from the azblob:// URI). suffix (NULL:
 * EndpointSuffix=, or core.windows.net) names the cloud. With `need` false (a dry run) a missing
 * credential is no error: auth stays AZ_AUTH_NONE. A connection string for another account is
 * refused. */
bool az_creds_load(az_creds *c, const char *account, const char *suffix, bool need, sao_err *err);
void az_creds_clear(az_creds *c);

#endif
