/* webhook: the mutating admission webhook's decision, as a pure function: an AdmissionReview
 * in, an AdmissionReview response out, with the JSON Patch that gives the pod its AWS, Azure or
 * GCP identity according to its ServiceAccount's annotations (the EKS pod identity webhook's
 * behaviour, and the Azure and GCP equivalents). */
#ifndef SAOIDC_WEBHOOK_H
#define SAOIDC_WEBHOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WH_AWS_ROLE "eks.amazonaws.com/role-arn"
#define WH_AWS_AUDIENCE "eks.amazonaws.com/audience"
#define WH_AWS_REGIONAL "eks.amazonaws.com/sts-regional-endpoints"
#define WH_AWS_EXPIRATION "eks.amazonaws.com/token-expiration"
#define WH_AWS_SKIP "eks.amazonaws.com/skip-containers"
#define WH_AZURE_CLIENT "azure.workload.identity/client-id"
#define WH_AZURE_TENANT "azure.workload.identity/tenant-id"
#define WH_GCP_CONFIG "saoidc.io/gcp-credential-config"
#define WH_GCP_AUDIENCE "saoidc.io/gcp-audience"
/* saoidc's additions, asked for in the EKS webhook's tracker and never shipped there. */
#define WH_INCLUDE "saoidc.io/include-containers" /* pod: CSV, the only containers patched (EKS #147) */
#define WH_FS_GROUP "saoidc.io/fs-group"	  /* SA: fsGroup to set when the pod has none (EKS #8) */
#define WH_AWS_REGION "saoidc.io/aws-region"	  /* SA: AWS_REGION for its pods, over --region (EKS #238) */

typedef struct wh_cfg {
	const char *region;	  /* AWS_REGION/AWS_DEFAULT_REGION for AWS pods, or NULL */
	const char *azure_tenant; /* default tenant when the ServiceAccount names none */
	bool deny_malformed;	  /* refuse malformed reviews instead of allowing them unchanged */
	/* The EKS webhook's cluster-wide defaults (its flags of the same names); a
	 * ServiceAccount's annotations override them, a pod's token-expiration overrides both. */
	const char *annotation_prefix; /* NULL: "eks.amazonaws.com" */
	const char *token_audience;    /* NULL: "sts.amazonaws.com" */
	long token_expiration;	       /* 0: 86400 */
	bool regional_sts;	       /* AWS_STS_REGIONAL_ENDPOINTS=regional unless the SA says false */
	const char *mount_path;	       /* NULL: /var/run/secrets/eks.amazonaws.com/serviceaccount */
	const char *role_account;      /* a bare role name in role-arn becomes
					* arn:PARTITION:iam::ACCOUNT:role/NAME (partition of region) */
} wh_cfg;

/* A boolean annotation as Go's strconv.ParseBool reads it (1 t T TRUE true True, 0 f F FALSE
 * false False); anything else gives `otherwise`. */
bool wh_parse_bool(const char *v, bool otherwise);

/* Gives the annotations (a JSON object, new reference, or NULL) of a ServiceAccount. */
typedef json_t *(*wh_sa_lookup)(void *ctx, const char *ns, const char *name, char *err, size_t errlen);

/* JSON values a review may hold. Parsing costs about 170 bytes of memory per value (a
 * 3 MB pod of 1,000,000 empty args took 175 MB), so the count is checked before parsing:
 * real pods hold a few thousand. */
#define WH_MAX_VALUES 65536

/* Containers and init containers a pod may have for the webhook to patch it: the answer (a few
 * operations per container) stays within a few hundred KiB. A pod with more is admitted
 * unchanged with a warning, or denied with deny_malformed. */
#define WH_MAX_CONTAINERS 512

/* False, saying why in `why`, when a body holds more than WH_MAX_VALUES JSON values. Counts
 * without allocating. */
bool wh_body_bounded(const char *body, size_t len, char *why, size_t whylen);

/* The EKS webhook's pod-identity-webhook ConfigMap (--watch-config-map): `config` is its
 * data.config parsed, {"NS/NAME": {"RoleARN": ..., "Audience": ..., "UseRegionalSTS": bool,
 * "TokenExpiration": N}} (field names matched without regard to case, as Go's encoding/json
 * does). Returns `ann` (the ServiceAccount's own annotations) with the entry for ns/name added
 * as annotations when ann has no role-arn; a new reference. */
json_t *wh_config_map_merge(json_t *ann, const json_t *config, const char *ns, const char *name, const wh_cfg *cfg);

/* The response review for a request body (which passed wh_body_bounded). *warning (may be empty) says what was odd.
 * Never NULL but on allocation failure. */
json_t *wh_review(const char *body, size_t len, const wh_cfg *cfg, wh_sa_lookup lookup, void *ctx, char *warning,
		  size_t warnlen);

#endif
