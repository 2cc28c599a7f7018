#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "aws/creds.h"
#include "aws/s3.h"

#include <stdlib.h>

const char cmd_s3_policy_help[] =
    "Usage: saoidc s3-policy s3://BUCKET[/PREFIX] [--region REGION]\n"
    "\n"
    "Print the bucket policy that makes the issuer documents under PREFIX readable by everyone\n"
    "(s3:GetObject for \"*\"), for buckets with ACLs disabled (the default since April 2023).\n"
    "Apply it with `aws s3api put-bucket-policy --bucket BUCKET --policy file://policy.json`\n"
    "after allowing public policies in the bucket's Block Public Access settings, then publish\n"
    "with --acl none. The resource ARN carries the partition of --region (default: AWS_REGION,\n"
    "AWS_DEFAULT_REGION, the profile; else arn:aws): arn:aws-us-gov:s3::: in GovCloud,\n"
    "arn:aws-cn:s3::: in China.\n"
    "\n"
    "      --region REGION         the bucket's region (picks the partition)\n"
    "      --allow-unknown-region  take a region newer than this saoidc (partition from its prefix)\n"
    "  -h, --help                  show this help\n";

const struct option cmd_s3_policy_options[] = {CLI_OPT_REGION, CLI_OPT_HELP, CLI_OPT_END};

int cmd_s3_policy(int argc, char **argv)
{
	cli_opts o = {.positional = "s3://BUCKET[/PREFIX]"};
	sao_err err = {""};
	s3_target t = {0};
	char *policy = NULL;
	aws_where where = {0};
	int rc = cli_parse("s3-policy", cmd_s3_policy_help, argc, argv, cmd_s3_policy_options, &o, NULL, NULL, 1, 0);

	if (rc >= 0)
		goto out;
	if (!s3_parse_uri(argv[o.argi], &t, &err) ||
	    !aws_where_init(&where, o.region, false, o.allow_unknown_region, &err) ||
	    (policy = s3_public_policy(&t, where.partition)) == NULL || !cli_print(policy, &err)) {
		if (err.msg[0] == '\0')
			err_set(&err, "out of memory");
		rc = cli_fail(&err);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	free(policy);
	aws_where_clear(&where);
	s3_target_clear(&t);
	cli_opts_free(&o);
	return rc;
}
