#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/unpublish.h"

#include <stdlib.h>
#include <string.h>

const char cmd_unpublish_help[] =
    "Usage: saoidc unpublish s3://BUCKET[/PREFIX] [--region REGION] [--jwks-path PATH] [--dry-run]\n"
    "                        [--deregister [--issuer URL]] [--wait-timeout SECONDS]\n"
    "\n"
    "Take down an issuer `saoidc publish` put in this bucket and prefix, public or private. Its\n"
    "tokens stop verifying at once for every role that trusts it: see what would go with --dry-run.\n"
    "In order:\n"
    "  - with --private it made a CloudFront distribution: disable it, wait until that is deployed,\n"
    "    delete it; delete the origin access control when no other saoidc distribution uses it;\n"
    "  - delete the two documents (PREFIX/.well-known/openid-configuration, PREFIX/keys.json), the\n"
    "    retention state (PREFIX/.saoidc/retention.json) and the ids publish --private remembered\n"
    "    (PREFIX/.saoidc/site.json);\n"
    "  - remove saoidc's statement from the bucket policy, if any (the policy goes when nothing\n"
    "    else is left in it);\n"
    "  - with --deregister, delete the IAM OpenID Connect provider of the issuer. Refused, before\n"
    "    anything is removed, while any IAM role trusts it (the roles are named).\n"
    "Nothing else is touched: the bucket, its settings, other objects and statements, the IAM\n"
    "provider without --deregister. Run again after an interruption: each step is skipped when\n"
    "already done.\n"
    "\n"
    "      --region REGION        the bucket's region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)\n"
    "      --allow-unknown-region take a region newer than this saoidc (partition from its prefix)\n"
    "      --jwks-path PATH       JWKS path under the issuer, as published (default /keys.json)\n"
    "      --deregister           also delete the issuer's IAM OpenID Connect provider, when no role\n"
    "                             trusts it (needs iam:ListRoles and iam:DeleteOpenIDConnectProvider)\n"
    "  -i, --issuer URL           the provider's issuer, for --deregister (default: the bucket's S3\n"
    "                             issuer URL; give it for --private, whose issuer is CloudFront's or\n"
    "                             your domain)\n"
    "      --dry-run              read, and print what would be removed\n"
    "      --wait-timeout SECONDS how long to wait for the disabled distribution (default 1800)\n"
    "  -h, --help                 show this help\n"
    "\n"
    "Credentials and endpoints as for `saoidc publish` (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_CLOUDFRONT,\n"
    "AWS_ENDPOINT_URL_IAM).\n";

enum { OPT_DRY = OPT_CMD_BASE, OPT_TIMEOUT, OPT_DEREGISTER };

static bool unpub_opt(void *ctx, int c, const char *arg, int *code)
{
	unpub_cfg *u = ctx;

	if (c == OPT_DRY || c == OPT_DEREGISTER) {
		*(c == OPT_DRY ? &u->dry_run : &u->deregister) = true;
		return true;
	}
	if (c == OPT_TIMEOUT) {
		cli_uint("unpublish", "--wait-timeout", "seconds", arg, 1, 86400, &u->wait_timeout_s, code);
		return true;
	}
	return false;
}

const struct option cmd_unpublish_options[] = {CLI_OPT_REGION,
					       CLI_OPT_JWKS_PATH,
					       CLI_OPT_ISSUER,
					       {"dry-run", no_argument, NULL, OPT_DRY},
					       {"deregister", no_argument, NULL, OPT_DEREGISTER},
					       {"wait-timeout", required_argument, NULL, OPT_TIMEOUT},
					       CLI_OPT_HELP,
					       CLI_OPT_END};

int cmd_unpublish(int argc, char **argv)
{
	unpub_cfg u = {.wait_timeout_s = 1800};
	cli_opts o = {.positional = "s3://BUCKET[/PREFIX]"};
	sao_err err = {""};
	int rc = cli_parse("unpublish", cmd_unpublish_help, argc, argv, cmd_unpublish_options, &o, unpub_opt, &u, 1, 0);

	if (rc >= 0)
		goto out;
	if (o.docs.issuer != NULL && !u.deregister) {
		rc = cli_usage_error("unpublish", "--issuer names the IAM provider for --deregister; give both");
		goto out;
	}
	if (o.docs.issuer != NULL && strncmp(o.docs.issuer, "https://", 8) != 0) {
		rc = cli_usage_error("unpublish", "--issuer %s: an issuer is an https:// URL", o.docs.issuer);
		goto out;
	}
	u.uri = argv[o.argi];
	u.region = o.region;
	u.allow_unknown_region = o.allow_unknown_region;
	u.jwks_path = o.docs.jwks_path;
	u.issuer = o.docs.issuer;
	rc = unpub_run(&u, &err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	cli_opts_free(&o);
	return rc;
}
