/* Test helper for tests/interop/endpoints.sh: resolves endpoints through src/aws/endpoint.c for
 * the lines on stdin, "SERVICE REGION FIPS DUALSTACK" (s3|sts|iam|cloudfront, a region, 0|1, 0|1), and
 * prints one line each: "URL SIGNING-REGION" or "ERROR message". botocore resolves the same
 * lines on the other side of the comparison. "known REGION 0 0" prints KNOWN or UNKNOWN: whether
 * saoidc takes the region without --allow-unknown-region. */
#include "config.h"

#include "aws/endpoint.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
	char svc[16], region[128];
	int fips, ds;

	while (scanf("%15s %127s %d %d", svc, region, &fips, &ds) == 4) {
		aws_endpoint_cfg cfg = {fips != 0, ds != 0};

		if (strcmp(svc, "known") == 0) {
			puts(aws_region_known(region) ? "KNOWN" : "UNKNOWN");
			continue;
		}
		aws_service s = strcmp(svc, "s3") == 0	  ? AWS_S3
				: strcmp(svc, "sts") == 0 ? AWS_STS
				: strcmp(svc, "iam") == 0 ? AWS_IAM
							  : AWS_CLOUDFRONT;
		aws_endpoint ep;
		sao_err err = {""};

		if (aws_endpoint_resolve(s, region, &cfg, &ep, &err))
			printf("%s %s\n", ep.url, ep.signing_region);
		else
			printf("ERROR %s\n", err.msg);
	}
	return 0;
}
