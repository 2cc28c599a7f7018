/* podspec: what a pod needs to use a cloud identity through its projected service-account
 * token (volume, mounts, env), as the EKS pod identity webhook, the Azure workload identity
 * webhook and GCP's credential config expect; and the JSON Patch that adds it to a Pod. */
#ifndef SAOIDC_PODSPEC_H
#define SAOIDC_PODSPEC_H

#include "util/str.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

typedef enum { POD_AWS, POD_AZURE, POD_GCP } pod_cloud;

typedef struct pod_identity {
	pod_cloud cloud;
	/* AWS */
	const char *role_arn;
	const char *audience;   /* AWS default sts.amazonaws.com; GCP: the provider audience */
	long expiration;        /* token lifetime, seconds */
	bool regional_sts;      /* AWS_STS_REGIONAL_ENDPOINTS=regional */
	const char *region;     /* AWS_REGION and AWS_DEFAULT_REGION */
	/* Azure */
	const char *client_id, *tenant_id;
	/* GCP */
	const char *config_map; /* holds credential-configuration.json */
	strlist skip;           /* container names left alone */
} pod_identity;

/* The pieces, as Kubernetes JSON. */
json_t *pod_volumes(const pod_identity *id);
json_t *pod_env(const pod_identity *id);
json_t *pod_mounts(const pod_identity *id);

/* RFC 6902 operations adding the pieces to `pod` (a Pod object): volumes, and env and mounts
 * in every container and init container not skipped; anything already there (same volume
 * name, env name or mount path) is left as it is. An empty array when nothing is missing. */
json_t *pod_json_patch(const json_t *pod, const pod_identity *id);

/* Clamps a token lifetime to the 600..86400 s the webhook allows. */
long pod_clamp_expiration(long seconds);

#endif
