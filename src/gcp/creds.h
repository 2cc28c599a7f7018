/* creds: an OAuth 2.0 access token (for Cloud Storage, or IAM), found the way Google's client libraries
 * find Application Default Credentials, first found wins:
 *   1. GOOGLE_APPLICATION_CREDENTIALS, a JSON file of type
 *      - service_account: a JWT assertion signed with its private key (RS256) exchanged at its
 *        token_uri (RFC 7523 JWT-bearer grant);
 *      - external_account (workload identity federation): the subject token from
 *        credential_source.file (text, or a JSON field) exchanged at token_url (Google STS,
 *        RFC 8693), then, with service_account_impersonation_url, for the service account's
 *        token (IAM Credentials generateAccessToken) -- a pod's own projected token becomes
 *        Google credentials;
 *      - authorized_user (gcloud auth application-default login): its refresh token;
 *   2. gcloud's application_default_credentials.json (CLOUDSDK_CONFIG, else ~/.config/gcloud);
 *   3. the metadata server of GCE/GKE (GCE_METADATA_HOST, else 169.254.169.254; NO_GCE_CHECK=true
 *      skips it).
 * Tokens, keys and refresh tokens are cleansed and never put in messages. */
#ifndef SAOIDC_GCP_CREDS_H
#define SAOIDC_GCP_CREDS_H

#include "util/err.h"

#include <stdbool.h>

#define GCP_SCOPE_STORAGE "https://www.googleapis.com/auth/devstorage.read_write"
#define GCP_SCOPE_CLOUD "https://www.googleapis.com/auth/cloud-platform"

typedef struct gcp_creds {
	char *token;	   /* NULL: none (a dry run without credentials) */
	const char *scope; /* what it was asked for (static) */
	char source[160];
} gcp_creds;

/* Loads a token with `scope` (GCP_SCOPE_STORAGE to publish, GCP_SCOPE_CLOUD for IAM). With
 * `need` false a missing source is no error (token NULL); a source that is there but fails is one. */
bool gcp_creds_load(gcp_creds *c, const char *scope, bool need, sao_err *err);
void gcp_creds_clear(gcp_creds *c);

#endif
