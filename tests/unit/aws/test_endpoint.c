/* Unit tests for src/aws/endpoint.c: the facts about partitions written out by hand (the
 * comparison with botocore over every region is tests/interop/endpoints.sh): region shapes,
 * IAM's one endpoint and signing region per partition, the FIPS and dual-stack rules, the
 * overrides, ARN partitions. */
#include "config.h"

#include "aws/endpoint.h"
#include "../tap.h"

#include <stdlib.h>

static void resolves(aws_service svc, const char *region, bool fips, bool ds, const char *url, const char *scope)
{
	aws_endpoint_cfg cfg = {fips, ds};
	aws_endpoint ep;
	sao_err err = {""};
	bool r = aws_endpoint_resolve(svc, region, &cfg, &ep, &err);

	is_str(r ? ep.url : err.msg, url, "%s %s%s%s -> %s", ep.signing_name ? ep.signing_name : "?", region,
	       fips ? " fips" : "", ds ? " dualstack" : "", url);
	if (r)
		is_str(ep.signing_region, scope, "  signed for %s", scope);
}

static void refuses(aws_service svc, const char *region, bool fips, bool ds, const char *needle)
{
	aws_endpoint_cfg cfg = {fips, ds};
	aws_endpoint ep;
	sao_err err = {""};

	ok(!aws_endpoint_resolve(svc, region, &cfg, &ep, &err) && strstr(err.msg, needle) != NULL,
	   "refused: %s %s%s%s (%s)",
	   svc == AWS_S3    ? "s3"
	   : svc == AWS_STS ? "sts"
			    : "iam",
	   region, fips ? " fips" : "", ds ? " dualstack" : "", err.msg);
}

static void partition(const char *region, const char *want)
{
	const aws_partition *p = aws_partition_of(region, NULL);

	is_str(p != NULL ? p->id : "(none)", want, "region %s is in partition %s", region, want);
}

int main(void)
{
	partition("us-east-1", "aws");
	partition("il-central-1", "aws");
	partition("cn-north-1", "aws-cn");
	partition("us-gov-east-1", "aws-us-gov");
	partition("us-iso-east-1", "aws-iso");
	partition("us-isob-east-1", "aws-iso-b");
	partition("eu-isoe-west-1", "aws-iso-e");
	/* Shapes no partition has. */
	partition("", "(none)");
	partition("us-east", "(none)");
	partition("us-east-1a", "(none)");
	partition("US-EAST-1", "(none)");
	partition("xx-east-1", "(none)");
	partition("us-gov-west", "(none)");
	partition("cn-north-1-", "(none)");
	partition("us-east-1/../x", "(none)");

	/* IAM: one endpoint per partition, with its own signing region, whatever the region. */
	resolves(AWS_IAM, "eu-west-1", false, false, "https://iam.amazonaws.com", "us-east-1");
	resolves(AWS_IAM, "cn-northwest-1", false, false, "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1");
	resolves(AWS_IAM, "us-gov-east-1", false, false, "https://iam.us-gov.amazonaws.com", "us-gov-west-1");
	resolves(AWS_IAM, "us-gov-east-1", true, false, "https://iam.us-gov.amazonaws.com", "us-gov-west-1");
	resolves(AWS_IAM, "us-west-2", true, false, "https://iam-fips.amazonaws.com", "us-east-1");
	resolves(AWS_IAM, NULL, false, false, "https://iam.amazonaws.com", "us-east-1");
	refuses(AWS_IAM, "cn-north-1", true, false, "IAM has no FIPS endpoint");
	/* S3 and STS are regional. */
	resolves(AWS_S3, "cn-north-1", false, false, "https://s3.cn-north-1.amazonaws.com.cn", "cn-north-1");
	resolves(AWS_S3, "us-gov-west-1", true, false, "https://s3-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1");
	resolves(AWS_S3, "eu-west-1", false, true, "https://s3.dualstack.eu-west-1.amazonaws.com", "eu-west-1");
	refuses(AWS_S3, "cn-north-1", true, false, "S3 has no FIPS endpoint in the aws-cn partition");
	refuses(AWS_S3, "us-iso-east-1", false, true, "no dual-stack endpoints");
	refuses(AWS_S3, "nowhere", false, false, "is not an AWS region");
	resolves(AWS_STS, "us-gov-west-1", true, false, "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1");
	resolves(AWS_STS, "us-east-2", true, false, "https://sts-fips.us-east-2.amazonaws.com", "us-east-2");
	resolves(AWS_STS, "cn-north-1", false, true, "https://sts.cn-north-1.api.amazonwebservices.com.cn",
		 "cn-north-1");

	/* Overrides change the URL, never the signing region. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/", 1);
	resolves(AWS_IAM, "us-gov-west-1", false, false, "http://127.0.0.1:9", "us-gov-west-1");
	setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:8", 1);
	resolves(AWS_S3, "cn-north-1", false, false, "http://127.0.0.1:8", "cn-north-1");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	{
		aws_endpoint ep;

		ok(aws_endpoint_resolve(AWS_S3, "cn-north-1", NULL, &ep, NULL) && !ep.overridden &&
		       strcmp(ep.host, "s3.cn-north-1.amazonaws.com.cn") == 0,
		   "unset again: no override, AWS's host");
	}

	/* FIPS and dual-stack from the environment, as the SDKs read them. */
	{
		aws_endpoint_cfg cfg;
		sao_err err = {""};

		setenv("AWS_USE_FIPS_ENDPOINT", "TRUE", 1);
		setenv("AWS_USE_DUALSTACK_ENDPOINT", "false", 1);
		ok(aws_endpoint_cfg_env(&cfg, false, &err) && cfg.fips && !cfg.dualstack, "AWS_USE_FIPS_ENDPOINT=TRUE");
		setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
		ok(aws_endpoint_cfg_env(&cfg, true, &err) && cfg.fips, "--fips wins over AWS_USE_FIPS_ENDPOINT=false");
		setenv("AWS_USE_DUALSTACK_ENDPOINT", "1", 1);
		ok(!aws_endpoint_cfg_env(&cfg, false, &err) && strstr(err.msg, "AWS_USE_DUALSTACK_ENDPOINT") != NULL,
		   "AWS_USE_DUALSTACK_ENDPOINT=1 is refused, named: %s", err.msg);
		unsetenv("AWS_USE_FIPS_ENDPOINT");
		unsetenv("AWS_USE_DUALSTACK_ENDPOINT");
	}

	/* ARNs. */
	{
		sao_err err = {""};
		const aws_partition *gov = aws_partition_of("us-gov-west-1", NULL);

		is_str(aws_arn_partition("arn:aws-us-gov:iam::123456789012:role/x")->id, "aws-us-gov",
		       "arn:aws-us-gov:");
		is_str(aws_arn_partition("arn:aws-cn:iam::123456789012:role/x")->id, "aws-cn", "arn:aws-cn:");
		ok(aws_arn_partition("arn:aws-cnx:iam::1:role/x") == NULL, "arn:aws-cnx: is no partition");
		ok(aws_arn_partition("arn:aws") == NULL && aws_arn_partition("aws:iam") == NULL, "not ARNs");
		ok(aws_arn_check("--role-arn", "arn:aws-us-gov:iam::1:role/x", gov, "us-gov-west-1", &err),
		   "a GovCloud role in GovCloud");
		ok(!aws_arn_check("--role-arn", "arn:aws:iam::1:role/x", gov, "us-gov-west-1", &err) &&
		       strstr(err.msg, "--role-arn arn:aws:iam::1:role/x is in the aws partition, but region "
				       "us-gov-west-1 is in aws-us-gov") != NULL,
		   "a commercial role with a GovCloud region: %s", err.msg);
	}
	ok(aws_s3_virtual_host_ok("my-bucket") && !aws_s3_virtual_host_ok("my.bucket"),
	   "dotted buckets are addressed path-style");
	return tap_done();
}
