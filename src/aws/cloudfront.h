/* cloudfront: the CloudFront API (2020-05-31, REST-XML, SigV4 service "cloudfront") calls that
 * private issuer hosting needs: origin access controls, distributions found by their comment,
 * created, disabled and deleted, and invalidations. A failed call names the call and, for
 * AccessDenied, the IAM action that is missing. */
#ifndef SAOIDC_CLOUDFRONT_H
#define SAOIDC_CLOUDFRONT_H

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <time.h>

typedef struct cf_client {
	const aws_creds *creds;
	aws_endpoint ep;
} cf_client;

typedef struct cf_distribution {
	char *id;
	char *arn;
	char *domain; /* dXXXXXXXXXXXXX.cloudfront.net */
	char *status; /* "InProgress" or "Deployed" */
	char *comment;
	char *etag; /* from GetDistribution / GetDistributionConfig: If-Match for changes */
	bool enabled;
	strlist aliases;
	strlist origins; /* origin domain names */
} cf_distribution;

void cf_distribution_clear(cf_distribution *d);
void cf_distributions_free(cf_distribution *v, size_t n);

/* What saoidc asks of a distribution for an issuer. */
typedef struct cf_want {
	const char *comment;	      /* how saoidc finds it again: "saoidc BUCKET/PREFIX" */
	const char *caller_reference; /* the same, as CloudFront's idempotency token */
	const char *origin_domain;    /* BUCKET.s3.REGION.amazonaws.com */
	const char *oac_id;
	const char *alias;	     /* custom domain, or NULL */
	const char *certificate_arn; /* ACM, us-east-1; with alias */
} cf_want;

/* The DistributionConfig XML for w (malloc'd). */
char *cf_distribution_config(const cf_want *w);

/* Every distribution of the account (all pages of ListDistributions). */
bool cf_list_distributions(const cf_client *c, cf_distribution **out, size_t *n, sao_err *err);
/* GetDistribution: status and ETag too. */
bool cf_get_distribution(const cf_client *c, const char *id, cf_distribution *out, sao_err *err);
/* GetDistribution / GetOriginAccessControl of a remembered id: *found false, without an error,
 * when CloudFront has no such one any more (deleted behind saoidc's back). */
bool cf_lookup_distribution(const cf_client *c, const char *id, cf_distribution *out, bool *found, sao_err *err);
bool cf_oac_exists(const cf_client *c, const char *id, bool *found, sao_err *err);
bool cf_create_distribution(const cf_client *c, const cf_want *w, cf_distribution *out, sao_err *err);
/* Sets Enabled false (GetDistributionConfig, then UpdateDistribution with If-Match), unless
 * already disabled. */
bool cf_disable_distribution(const cf_client *c, const char *id, sao_err *err);
/* DeleteDistribution with the current ETag; the distribution must be disabled and deployed. */
bool cf_delete_distribution(const cf_client *c, const char *id, sao_err *err);

/* The Id of the origin access control named `name`, or NULL in *id when there is none. */
bool cf_find_oac(const cf_client *c, const char *name, char **id, sao_err *err);
/* A SigV4, always-signing, S3 origin access control. */
bool cf_create_oac(const cf_client *c, const char *name, char **id, sao_err *err);
bool cf_delete_oac(const cf_client *c, const char *id, sao_err *err);

/* CreateInvalidation for these paths ("/keys.json"); *inv_id is malloc'd. */
bool cf_invalidate(const cf_client *c, const char *dist_id, const strlist *paths, const char *caller_reference,
		   char **inv_id, sao_err *err);
/* GetInvalidation: "InProgress" or "Completed" (malloc'd). */
bool cf_invalidation_status(const cf_client *c, const char *dist_id, const char *inv_id, char **status, sao_err *err);
/* The creation time of the newest invalidation of a distribution (ListInvalidations, first
 * page: newest first), 0 when it has none. */
bool cf_last_invalidation(const cf_client *c, const char *dist_id, time_t *when, sao_err *err);

#endif
