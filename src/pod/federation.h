/* federation: what each cloud needs to trust the issuer and what a pod needs to use it: the AWS
 * role trust policy, the Azure federated identity credential, the GCP workload identity
 * federation credential config, and the pod-side projected token, mounts and env vars. */
#ifndef SAOIDC_FEDERATION_H
#define SAOIDC_FEDERATION_H

#include "util/str.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

#define FED_AZURE_AUDIENCE "api://AzureADTokenExchange"
#define FED_AWS_TOKEN_DIR "/var/run/secrets/eks.amazonaws.com/serviceaccount"
#define FED_AZURE_TOKEN_DIR "/var/run/secrets/azure/tokens"
#define FED_GCP_TOKEN_DIR "/var/run/secrets/tokens/gcp"
#define FED_GCP_CONFIG_DIR "/etc/workload-identity"

/* HOST/PATH of an https issuer (what IAM conditions and ARNs use); malloc'd. */
char *fed_issuer_hostpath(const char *issuer, sao_err *err);

/* IRSA trust policy. Exact match (StringEquals) for one namespace and service account;
 * StringLike when the service account is "*" or several namespaces are given. */
json_t *fed_aws_trust_policy(const char *partition, const char *issuer, const char *account, const strlist *namespaces,
			     const char *sa, const char *audience, sao_err *err);

/* {"name","issuer","subject","audiences":["api://AzureADTokenExchange"],"description"} */
json_t *fed_azure_credential(const char *issuer, const char *ns, const char *sa, const char *name);

/* //iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/V; malloc'd */
char *fed_gcp_audience(const char *project_number, const char *pool, const char *provider);

/* The external_account credential configuration. */
json_t *fed_gcp_credential_config(const char *audience, const char *sa_email, const char *token_path);

#endif
