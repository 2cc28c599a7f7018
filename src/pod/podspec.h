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
	const char *audience;	/* AWS default sts.amazonaws.com; GCP: the provider audience */
	long expiration;	/* token lifetime, seconds */
	bool regional_sts;	/* AWS_STS_REGIONAL_ENDPOINTS=regional */
	const char *region;	/* AWS_REGION and AWS_DEFAULT_REGION */
	const char *mount_path; /* where the token volume is mounted; NULL: FED_AWS_TOKEN_DIR */
	bool windows;		/* a Windows pod: AWS_WEB_IDENTITY_TOKEN_FILE as C:\...\token */
	/* Azure */
	const char *client_id, *tenant_id;
	/* GCP */
	const char *config_map; /* holds credential-configuration.json */
	strlist skip;		/* container names left alone */
	strlist only;		/* if not empty: the only container names patched */
	long fs_group;		/* > 0: set spec.securityContext.fsGroup when the pod has none */
} pod_identity;

/* The pieces, as Kubernetes JSON. */
json_t *pod_volumes(const pod_identity *id);
json_t *pod_env(const pod_identity *id);
json_t *pod_mounts(const pod_identity *id);

/* RFC 6902 operations adding the pieces to `pod` (a Pod object): volumes, and env and mounts
 * in every container and init container not skipped; an empty array when nothing is missing.
 * AWS follows the EKS pod identity webhook exactly: the token volume goes first unless a volume
 * of its name exists; a container's mount is added unless one of the volume's name exists; env
 * is appended as AWS_STS_REGIONAL_ENDPOINTS, AWS_DEFAULT_REGION + AWS_REGION, AWS_ROLE_ARN +
 * AWS_WEB_IDENTITY_TOKEN_FILE, each group only when the container sets none of it (a pod
 * that sets AWS_REGION gets no AWS_DEFAULT_REGION: SDKs would disagree). Azure and GCP add
 * whatever is missing by env name and mount path. */
json_t *pod_json_patch(const json_t *pod, const pod_identity *id);

/* Applies operations pod_json_patch made ("add" of an object member, an array append with
 * "-", an array insert at an index) to doc, in place. */
void pod_apply_ops(json_t *doc, const json_t *ops);

/* AWS_WEB_IDENTITY_TOKEN_FILE for an identity (mount path + "/token", Windows form if asked);
 * malloc'd. */
char *pod_aws_token_file(const pod_identity *id);

/* Clamps a token lifetime to the 600..86400 s the webhook allows. */
long pod_clamp_expiration(long seconds);

#endif
