#include "config.h"

#include "aws/bucket.h"
#include "aws/cloudfront.h"
#include "aws/creds.h"
#include "aws/s3.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/private.h"
#include "issuer/retention.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_unpublish_help[] =
    "Usage: saoidc unpublish s3://BUCKET[/PREFIX] [--region REGION] [--jwks-path PATH] [--dry-run]\n"
    "                        [--wait-timeout SECONDS]\n"
    "\n"
    "Take down what `saoidc publish --private` made for this bucket and prefix, in order: disable\n"
    "its CloudFront distribution, wait until that is deployed, delete it; delete the origin access\n"
    "control when no other saoidc distribution of the bucket uses it; delete the two documents and\n"
    "the retention state (PREFIX/.saoidc/retention.json); remove\n"
    "saoidc's statement from the bucket policy (the policy goes when nothing else is left in it).\n"
    "Nothing else is touched: the bucket, its settings and other statements stay. Run again after an\n"
    "interruption: each step is skipped when already done.\n"
    "\n"
    "      --region REGION        the bucket's region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)\n"
    "      --jwks-path PATH       JWKS path under the issuer, as published (default /keys.json)\n"
    "      --dry-run              read, and print what would be removed\n"
    "      --wait-timeout SECONDS how long to wait for the disabled distribution (default 1800)\n"
    "  -h, --help                 show this help\n"
    "\n"
    "Credentials and endpoints as for `saoidc publish` (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_CLOUDFRONT).\n";

enum { OPT_DRY = OPT_CMD_BASE, OPT_TIMEOUT };

typedef struct unpub_opts {
	bool dry_run;
	unsigned timeout;
} unpub_opts;

static bool unpub_opt(void *ctx, int c, const char *arg, int *code)
{
	unpub_opts *u = ctx;

	if (c == OPT_DRY) {
		u->dry_run = true;
		return true;
	}
	if (c == OPT_TIMEOUT) {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*arg == '\0' || *end != '\0' || v < 1 || v > 86400)
			*code = cli_usage_error("unpublish", "--wait-timeout takes 1 to 86400 seconds, not '%s'", arg);
		u->timeout = (unsigned)v;
		return true;
	}
	return false;
}

int cmd_unpublish(int argc, char **argv)
{
	static const struct option lo[] = {CLI_OPT_REGION,
					   CLI_OPT_JWKS_PATH,
					   {"dry-run", no_argument, NULL, OPT_DRY},
					   {"wait-timeout", required_argument, NULL, OPT_TIMEOUT},
					   CLI_OPT_HELP,
					   CLI_OPT_END};
	unpub_opts u = {.timeout = 1800};
	cli_opts o = {.positional = "s3://BUCKET[/PREFIX]"};
	sao_err err = {""};
	s3_target t = {0};
	aws_where where = {0};
	aws_creds creds = {0};
	aws_endpoint s3ep;
	cf_client cf = {0};
	strlist keys = {0};
	char *k1 = NULL, *k2 = NULL, *k3 = NULL;
	int rc = cli_parse("unpublish", cmd_unpublish_help, argc, argv, lo, &o, unpub_opt, &u, 1, 0);

	if (rc >= 0)
		goto out;
	if (!s3_parse_uri(argv[o.argi], &t, &err) ||
	    !aws_where_init(&where, o.region, false, o.allow_unknown_region, &err))
		goto fail;
	if (where.region == NULL) {
		err_set(&err, "no region: give --region or set AWS_REGION (the bucket's region)");
		goto fail;
	}
	if (!aws_endpoint_resolve(AWS_S3, where.region, &where.ep, &s3ep, &err) ||
	    !aws_endpoint_resolve(AWS_CLOUDFRONT, where.region, &where.ep, &cf.ep, &err))
		goto fail;
	k1 = s3_object_key(&t, o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json");
	k2 = s3_object_key(&t, "/.well-known/openid-configuration");
	k3 = s3_object_key(&t, RTN_STATE_PATH);
	if (k1 == NULL || k2 == NULL || k3 == NULL || !strlist_add(&keys, k1) || !strlist_add(&keys, k2) ||
	    !strlist_add(&keys, k3)) {
		err_set(&err, "out of memory");
		goto fail;
	}
	if (!aws_creds_load(&creds, &where, &err))
		goto fail;
	cf.creds = &creds;
	{
		bucket_client bc = {&creds, s3ep, t.bucket};
		priv_cfg pc = {t.bucket, t.prefix, NULL, where.partition->id, NULL, NULL, false, u.dry_run, log_note};

		if (!priv_teardown(&pc, &bc, &cf, &keys, u.timeout, &err))
			goto fail;
	}
	log_info("%s s3://%s/%s", u.dry_run ? "would unpublish" : "unpublished", t.bucket, t.prefix);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	free(k1);
	free(k2);
	free(k3);
	strlist_clear(&keys);
	aws_creds_clear(&creds);
	aws_where_clear(&where);
	s3_target_clear(&t);
	cli_opts_free(&o);
	return rc;
}
