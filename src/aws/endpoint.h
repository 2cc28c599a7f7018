/* endpoint: the one place that knows where AWS is. A region names a partition (aws, aws-cn,
 * aws-us-gov, the isolated ones); the partition gives the DNS suffix, ARN prefix, IAM's one
 * endpoint and signing region; FIPS and dual-stack pick variants, as the SDKs do. Every AWS
 * call saoidc makes and every AWS URL or ARN it prints goes through here. */
#ifndef SAOIDC_ENDPOINT_H
#define SAOIDC_ENDPOINT_H

#include "util/err.h"

#include <stdbool.h>

typedef enum { AWS_S3, AWS_STS, AWS_IAM, AWS_CLOUDFRONT } aws_service;

typedef struct aws_partition {
	const char *id;		      /* "aws", "aws-cn", "aws-us-gov", ...: the ARN's partition */
	const char *name;	      /* for messages: "commercial", "China", "GovCloud (US)" */
	const char *dns_suffix;	      /* "amazonaws.com", "amazonaws.com.cn", ... */
	const char *dualstack_suffix; /* NULL: no dual-stack endpoints */
	const char *iam_region;	      /* the region IAM calls are signed for */
	const char *iam_host;
	const char *iam_fips_host; /* NULL: IAM has no FIPS endpoint there */
	const char *cf_host;	   /* CloudFront's API endpoint; NULL: no CloudFront there */
	const char *cf_region;	   /* the region CloudFront calls are signed for */
	bool s3_fips;		   /* S3 has FIPS endpoints */
	bool fips_is_default;	   /* GovCloud: STS's regular endpoints are the FIPS ones */
} aws_partition;

/* Endpoint variants: --fips or AWS_USE_FIPS_ENDPOINT=true, AWS_USE_DUALSTACK_ENDPOINT=true. */
typedef struct aws_endpoint_cfg {
	bool fips;
	bool dualstack;
} aws_endpoint_cfg;

typedef struct aws_endpoint {
	char url[320];		  /* "https://HOST", or the AWS_ENDPOINT_URL_* override; no trailing '/' */
	char host[256];		  /* AWS's own host for the service, even when overridden */
	char signing_region[64];  /* the credential scope's region: the partition's for IAM */
	const char *signing_name; /* "s3", "sts", "iam", "cloudfront" */
	const aws_partition *partition;
	bool overridden; /* url came from AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL */
} aws_endpoint;

/* The partition of a region, by its shape as botocore's partition data has it
 * (e.g. "us-gov-west-1" -> aws-us-gov). Fails, naming the region, for any other shape. */
const aws_partition *aws_partition_of(const char *region, sao_err *err);

/* The commercial partition: where IAM goes when no region is known. */
const aws_partition *aws_partition_default(void);

/* The variants asked for: `fips_flag` (--fips), else AWS_USE_FIPS_ENDPOINT; dual-stack from
 * AWS_USE_DUALSTACK_ENDPOINT. Fails on a value other than true/false. */
bool aws_endpoint_cfg_env(aws_endpoint_cfg *cfg, bool fips_flag, sao_err *err);

/* Resolves a service's endpoint for a region. Fails, with the fix, when the region has no
 * partition or the partition has no such variant (S3 FIPS in China, dual-stack in the isolated
 * partitions, CloudFront outside aws and aws-cn, CloudFront with FIPS). Dual-stack applies to S3
 * and STS; IAM and CloudFront have one endpoint per partition. The
 * AWS_ENDPOINT_URL_<S3|STS|IAM|CLOUDFRONT> / AWS_ENDPOINT_URL overrides change url, never the
 * signing region. IAM and CloudFront take a NULL region (the commercial partition). */
bool aws_endpoint_resolve(aws_service svc, const char *region, const aws_endpoint_cfg *cfg, aws_endpoint *out,
			  sao_err *err);

/* True if an S3 bucket can be addressed virtual-hosted over HTTPS (BUCKET.HOST): a DNS label,
 * so no dots (the certificate's wildcard covers one label). Else path-style (HOST/BUCKET). */
bool aws_s3_virtual_host_ok(const char *bucket);

/* The partition an ARN names ("arn:aws-us-gov:iam::..." -> aws-us-gov); NULL if not an ARN of
 * a known partition. */
const aws_partition *aws_arn_partition(const char *arn);

/* Checks that `arn` (given as option `what`) is an ARN of a known partition and, when `p` is
 * not NULL, of that partition (the one of `region`, named in the message). */
bool aws_arn_check(const char *what, const char *arn, const aws_partition *p, const char *region, sao_err *err);

/* Whether saoidc knows the region (botocore's regions and the newer ones). */
bool aws_region_known(const char *region);
/* The known region nearest to a mistyped one (two edits at most), or NULL. */
const char *aws_region_suggest(const char *region);

#endif
