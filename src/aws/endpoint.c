#include "config.h"

#include "aws/endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* botocore's data/endpoints.json and partitions.json, for the three services saoidc calls.
 * tests/interop/endpoints.sh compares every region botocore lists with botocore's own
 * resolution. The isolated partitions have no dual-stack endpoints in the SDK data we pin. */
static const aws_partition partitions[] = {
    {"aws", "commercial", "amazonaws.com", "api.aws", "us-east-1", "iam.amazonaws.com", "iam-fips.amazonaws.com",
     "cloudfront.amazonaws.com", "us-east-1", true, false},
    {"aws-cn", "China", "amazonaws.com.cn", "api.amazonwebservices.com.cn", "cn-north-1",
     "iam.cn-north-1.amazonaws.com.cn", NULL, "cloudfront.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", false,
     false},
    {"aws-us-gov", "GovCloud (US)", "amazonaws.com", "api.aws", "us-gov-west-1", "iam.us-gov.amazonaws.com",
     "iam.us-gov.amazonaws.com", NULL, NULL, true, true},
    {"aws-iso", "ISO (US)", "c2s.ic.gov", NULL, "us-iso-east-1", "iam.us-iso-east-1.c2s.ic.gov",
     "iam-fips.us-iso-east-1.c2s.ic.gov", NULL, NULL, true, false},
    {"aws-iso-b", "ISOB (US)", "sc2s.sgov.gov", NULL, "us-isob-east-1", "iam.us-isob-east-1.sc2s.sgov.gov",
     "iam-fips.us-isob-east-1.sc2s.sgov.gov", NULL, NULL, true, false},
    {"aws-iso-e", "ISOE (Europe)", "cloud.adc-e.uk", NULL, "eu-isoe-west-1", "iam.eu-isoe-west-1.cloud.adc-e.uk",
     "iam-fips.cloud.adc-e.uk", NULL, NULL, true, false},
    {"aws-iso-f", "ISOF", "csp.hci.ic.gov", NULL, "us-isof-south-1", "iam.us-isof-south-1.csp.hci.ic.gov",
     "iam-fips.csp.hci.ic.gov", NULL, NULL, true, false},
    {"aws-eusc", "European Sovereign Cloud", "amazonaws.eu", "api.amazonwebservices.eu", "eusc-de-east-1",
     "iam.eusc-de-east-1.amazonaws.eu", "iam-fips.amazonaws.eu", NULL, NULL, true, false},
};

/* Region prefixes, most specific first; the rest of a region is one label, '-', digits. */
static const struct {
	const char *prefix;
	int partition;
} shapes[] = {
    {"us-gov-", 2}, {"us-isob-", 4}, {"us-isof-", 6}, {"us-iso-", 3}, {"eu-isoe-", 5}, {"eusc-de-", 7},
    {"cn-", 1},	    {"us-", 0},	     {"eu-", 0},      {"ap-", 0},     {"sa-", 0},      {"ca-", 0},
    {"me-", 0},	    {"af-", 0},	     {"il-", 0},      {"mx-", 0},
};

/* The regions saoidc knows: botocore's (tests/interop/endpoints.sh checks that every region of
 * the installed botocore is here) and the ones AWS opened since. A region of the right shape
 * but not here is refused unless allowed (--allow-unknown-region), so a typo such as
 * eu-wset-1 is caught before an issuer URL is made of it. */
static const char *const known[] = {
    "af-south-1",      "ap-east-1",	 "ap-east-2",	   "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-south-1",      "ap-south-2",	 "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5",  "ap-southeast-6", "ap-southeast-7", "ca-central-1",   "ca-west-1",      "eu-central-1",
    "eu-central-2",    "eu-north-1",	 "eu-south-1",	   "eu-south-2",     "eu-west-1",      "eu-west-2",
    "eu-west-3",       "il-central-1",	 "me-central-1",   "me-south-1",     "mx-central-1",   "sa-east-1",
    "us-east-1",       "us-east-2",	 "us-west-1",	   "us-west-2",	     "cn-north-1",     "cn-northwest-1",
    "us-gov-east-1",   "us-gov-west-1",	 "us-iso-east-1",  "us-iso-west-1",  "us-isob-east-1", "eu-isoe-west-1",
    "us-isof-south-1", "us-isof-east-1", "eusc-de-east-1",
};

bool aws_region_known(const char *region)
{
	for (size_t i = 0; region != NULL && i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(region, known[i]) == 0)
			return true;
	return false;
}

/* Levenshtein distance, for names of at most 31 characters (more: far). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[32], prev;

	if (la > 31 || lb > 31)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j], best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

const char *aws_region_suggest(const char *region)
{
	const char *best = NULL;
	size_t bd = 3; /* two edits at most: a swapped or mistyped letter or two */

	for (size_t i = 0; region != NULL && i < sizeof(known) / sizeof(*known); i++) {
		size_t d = distance(region, known[i]);

		if (d < bd) {
			bd = d;
			best = known[i];
		}
	}
	return best;
}

static bool label_then_number(const char *s)
{
	const char *dash = strchr(s, '-');

	if (dash == NULL || dash == s || dash[1] == '\0')
		return false;
	for (const char *p = s; p < dash; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return false;
	for (const char *p = dash + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

const aws_partition *aws_partition_of(const char *region, sao_err *err)
{
	if (region == NULL || region[0] == '\0') {
		err_set(err, "no region");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(shapes) / sizeof(*shapes); i++) {
		size_t n = strlen(shapes[i].prefix);

		if (strncmp(region, shapes[i].prefix, n) == 0 && label_then_number(region + n))
			return &partitions[shapes[i].partition];
	}
	err_set(err,
		"region \"%.64s\" is not an AWS region (expected e.g. us-east-1, eu-west-2, cn-north-1, "
		"us-gov-west-1): give --region or AWS_REGION the bucket's or account's region",
		region);
	return NULL;
}

const aws_partition *aws_partition_default(void)
{
	return &partitions[0];
}

static bool env_bool(const char *name, bool *out, sao_err *err)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0')
		return true;
	if (strcasecmp(v, "true") == 0)
		*out = true;
	else if (strcasecmp(v, "false") == 0)
		*out = false;
	else
		return err_set(err, "%s=\"%.32s\": expected true or false", name, v);
	return true;
}

bool aws_endpoint_cfg_env(aws_endpoint_cfg *cfg, bool fips_flag, sao_err *err)
{
	cfg->fips = false;
	cfg->dualstack = false;
	if (!env_bool("AWS_USE_FIPS_ENDPOINT", &cfg->fips, err) ||
	    !env_bool("AWS_USE_DUALSTACK_ENDPOINT", &cfg->dualstack, err))
		return false;
	if (fips_flag)
		cfg->fips = true;
	return true;
}

/* AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, as the SDKs read them. */
static const char *override_url(aws_service svc)
{
	static const char *const names[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
					    "AWS_ENDPOINT_URL_CLOUDFRONT"};
	const char *v = getenv(names[svc]);

	if (v != NULL && v[0] != '\0')
		return v;
	v = getenv("AWS_ENDPOINT_URL");
	return v != NULL && v[0] != '\0' ? v : NULL;
}

bool aws_endpoint_resolve(aws_service svc, const char *region, const aws_endpoint_cfg *cfg, aws_endpoint *out,
			  sao_err *err)
{
	static const char *const names[] = {"s3", "sts", "iam", "cloudfront"};
	const aws_partition *p;
	const char *ov;
	bool fips = cfg != NULL && cfg->fips, ds = cfg != NULL && cfg->dualstack;
	int n;

	memset(out, 0, sizeof(*out));
	out->signing_name = names[svc];
	if ((svc == AWS_IAM || svc == AWS_CLOUDFRONT) && (region == NULL || region[0] == '\0'))
		p = aws_partition_default();
	else if ((p = aws_partition_of(region, err)) == NULL)
		return false;
	out->partition = p;
	if (ds && (svc == AWS_S3 || svc == AWS_STS) && p->dualstack_suffix == NULL)
		return err_set(
		    err, "AWS_USE_DUALSTACK_ENDPOINT: the %s partition (%s) has no dual-stack endpoints; unset it",
		    p->id, region);
	switch (svc) {
	case AWS_S3:
		if (fips && !p->s3_fips)
			return err_set(err, "--fips: S3 has no FIPS endpoint in the %s partition (%s, region %s)",
				       p->id, p->name, region);
		n = snprintf(out->host, sizeof(out->host), "s3%s%s.%s.%s", fips ? "-fips" : "", ds ? ".dualstack" : "",
			     region, p->dns_suffix);
		snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
		break;
	case AWS_STS:
		n = snprintf(out->host, sizeof(out->host), "sts%s.%s.%s",
			     fips && (ds || !p->fips_is_default) ? "-fips" : "", region,
			     ds ? p->dualstack_suffix : p->dns_suffix);
		snprintf(out->signing_region, sizeof(out->signing_region), "%s", region);
		break;
	case AWS_CLOUDFRONT:
		if (p->cf_host == NULL)
			return err_set(err,
				       "CloudFront is not available in the %s partition (%s): host the issuer on the "
				       "commercial partition's CloudFront, or publish with a bucket policy",
				       p->id, p->name);
		if (fips)
			return err_set(err,
				       "--fips: CloudFront's API has no FIPS endpoint (its control plane is global); "
				       "publish without --fips, or without --private");
		n = snprintf(out->host, sizeof(out->host), "%s", p->cf_host);
		snprintf(out->signing_region, sizeof(out->signing_region), "%s", p->cf_region);
		break;
	default:
		if (fips && p->iam_fips_host == NULL)
			return err_set(err, "--fips: IAM has no FIPS endpoint in the %s partition (%s)", p->id,
				       p->name);
		n = snprintf(out->host, sizeof(out->host), "%s", fips ? p->iam_fips_host : p->iam_host);
		snprintf(out->signing_region, sizeof(out->signing_region), "%s", p->iam_region);
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(out->host))
		return err_set(err, "region \"%.64s\" is too long", region);
	if ((ov = override_url(svc)) != NULL) {
		size_t len = strlen(ov);

		while (len > 0 && ov[len - 1] == '/')
			len--;
		if (len >= sizeof(out->url))
			return err_set(err, "the AWS_ENDPOINT_URL for %s is too long", out->signing_name);
		memcpy(out->url, ov, len);
		out->url[len] = '\0';
		out->overridden = true;
	} else {
		snprintf(out->url, sizeof(out->url), "https://%s", out->host);
	}
	return true;
}

bool aws_s3_virtual_host_ok(const char *bucket)
{
	return strchr(bucket, '.') == NULL;
}

const aws_partition *aws_arn_partition(const char *arn)
{
	const char *colon;

	if (arn == NULL || strncmp(arn, "arn:", 4) != 0 || (colon = strchr(arn + 4, ':')) == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(partitions) / sizeof(*partitions); i++)
		if (strlen(partitions[i].id) == (size_t)(colon - arn - 4) &&
		    strncmp(partitions[i].id, arn + 4, (size_t)(colon - arn - 4)) == 0)
			return &partitions[i];
	return NULL;
}

bool aws_arn_check(const char *what, const char *arn, const aws_partition *p, const char *region, sao_err *err)
{
	const aws_partition *ap = aws_arn_partition(arn);

	if (ap == NULL)
		return err_set(err,
			       "%s \"%.200s\" is not an ARN of a known partition (arn:aws:, arn:aws-cn:, "
			       "arn:aws-us-gov:, ...)",
			       what, arn);
	if (p != NULL && ap != p)
		return err_set(err,
			       "%s %.200s is in the %s partition, but region %s is in %s: give the region of the "
			       "ARN's partition, or an ARN of %s",
			       what, arn, ap->id, region != NULL ? region : "(none)", p->id, p->id);
	return true;
}
