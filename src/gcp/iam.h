/* iam: the IAM call `audit --gcp-provider` makes (iam v1, as its discovery document describes
 * it): projects.locations.workloadIdentityPools.providers.get, read-only. The endpoint is
 * https://iam.googleapis.com, or CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM as gcloud reads it. */
#ifndef SAOIDC_GCP_IAM_H
#define SAOIDC_GCP_IAM_H

#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

/* A provider's full name:
 * projects/PROJECT/locations/LOCATION/workloadIdentityPools/POOL/providers/PROVIDER. */
bool gcp_provider_name_ok(const char *name);

/* The WorkloadIdentityPoolProvider `name` (a new reference in *provider), read with `token`
 * (scope cloud-platform). A refusal names the permission it lacks. */
bool gcp_provider_get(const char *token, const char *name, json_t **provider, sao_err *err);

#endif
