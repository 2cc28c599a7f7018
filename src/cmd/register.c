#include "config.h"

#include "cmd/accounts.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "aws/iam.h"
#include "util/log.h"
#include "issuer/register.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_register_help[] =
    "Usage: saoidc register --issuer URL [--client-id ID ...] [--thumbprint auto|none|HEX ...]\n"
    "                       [--tag KEY=VALUE ...] [--prune] [--region REGION] [--fips] [--dry-run]\n"
    "                       [--connect-to HOST:PORT] [--ca-file F]\n"
    "\n"
    "Register the issuer with AWS IAM as an OpenID Connect provider, so STS trusts its tokens;\n"
    "run it again at any time: it changes only what is not right yet. Lists the providers, finds\n"
    "the one whose URL is the issuer, creates it if missing, else adds the client IDs it lacks\n"
    "(and removes none: another cluster or tool may rely on them, unless --prune), updates\n"
    "thumbprints and tags. The plan, then each change, goes to stderr; the provider ARN to stdout.\n"
    "\n"
    "  -i, --issuer URL            https://HOST[/PATH]: no port, query or trailing slash\n"
    "      --client-id ID          audience STS accepts (repeatable; default sts.amazonaws.com);\n"
    "                              added when missing, the provider's other client IDs are kept\n"
    "      --prune                 make the client IDs exactly those given: the others are removed\n"
    "                              (listed first; every pod asking for such an audience then fails)\n"
    "      --thumbprint auto|none|HEX\n"
    "                              auto (default): the SHA-1 of the top CA certificate the issuer's\n"
    "                              host (and the jwks_uri host) presents now; none: give IAM none\n"
    "                              (it then trusts well-known CAs, since 2024); HEX: pin these\n"
    "      --tag KEY=VALUE         tag the provider (repeatable; other tags are then removed)\n"
    "      --region REGION         the account's region: picks the partition's IAM endpoint and ARNs\n"
    "                              (default: AWS_REGION, AWS_DEFAULT_REGION, the profile; without\n"
    "                              one, the commercial partition). Needed for GovCloud and China.\n"
    "      --allow-unknown-region  take a region newer than this saoidc\n"
    "      --fips                  IAM's FIPS endpoint (also AWS_USE_FIPS_ENDPOINT=true)\n"
    "      --dry-run               read, but only print the changes that would be made\n"
    "      --connect-to HOST:PORT  for auto thumbprints: dial this instead of the issuer's host\n"
    "      --ca-file FILE          for auto thumbprints: trust these CAs\n" ACCT_HELP
    "  -h, --help                  show this help\n"
    "\n"
    "Credentials and endpoint: as for `saoidc publish` (AWS_ENDPOINT_URL_IAM overrides). With\n"
    "--assume-role or --profile, one run per account: the provider ARN of each on stdout, how each\n"
    "went on stderr; a failing account does not stop the others, and makes the exit status 1.\n";

bool cli_reg_opt(void *ctx, int c, const char *arg, int *code)
{
	reg_opts *r = ctx;
	const char *eq;
	bool ok = true;

	switch (c) {
	case OPT_CLIENT_ID:
		ok = strlist_add(&r->client_ids, arg);
		break;
	case OPT_THUMBPRINT:
		ok = strlist_add(&r->thumbprints, arg);
		break;
	case OPT_TAG:
		eq = strchr(arg, '=');
		if (eq == NULL || eq == arg) {
			*code = cli_usage_error("register", "--tag takes KEY=VALUE, not '%s'", arg);
			return true;
		}
		{
			char *k = strndup(arg, (size_t)(eq - arg));

			ok = k != NULL && strlist_add(&r->tag_keys, k) && strlist_add(&r->tag_values, eq + 1);
			free(k);
		}
		break;
	case OPT_REG_DRY_RUN:
		r->dry_run = true;
		break;
	case OPT_PRUNE:
		r->prune = true;
		break;
	default:
		return cli_tls_opt(&r->tls, c, arg);
	}
	if (!ok)
		*code = EXIT_FAILURE;
	return true;
}

typedef struct reg_cmd {
	reg_opts r;
	acct_opts a;
	cli_opts o;
} reg_cmd;

static bool reg_cmd_opt(void *ctx, int c, const char *arg, int *code)
{
	reg_cmd *rc = ctx;

	return acct_opt(&rc->a, c, arg) || cli_reg_opt(&rc->r, c, arg, code);
}

/* One account's registration; the provider ARN on stdout. */
static int register_one(void *ctx, const char *label)
{
	reg_cmd *rc = ctx;
	sao_err err = {""};
	aws_where where = {0};
	char *arn = NULL;
	int code;

	(void)label;
	if (!aws_where_init(&where, rc->o.region, rc->o.fips, rc->o.allow_unknown_region, &err) ||
	    !reg_run(rc->o.docs.issuer, &rc->r, &where, &arn, &err)) {
		code = cli_fail(&err);
	} else {
		if (arn != NULL)
			printf("%s\n", arn);
		code = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
	}
	free(arn);
	aws_where_clear(&where);
	return code;
}

const struct option cmd_register_options[] = {CLI_OPT_ISSUER, CLI_OPT_CONNECT_TO, CLI_OPT_CA_FILE, REG_OPTS,
					      CLI_OPT_AWS,    ACCT_OPTS,	  CLI_OPT_HELP,	   CLI_OPT_END};

int cmd_register(int argc, char **argv)
{
	reg_cmd c = {0};
	int rc = cli_parse("register", cmd_register_help, argc, argv, cmd_register_options, &c.o, reg_cmd_opt, &c, 0,
			   CLI_NEED_ISSUER);

	if (rc < 0)
		rc = acct_each(&c.a, c.o.region, c.o.fips, c.o.allow_unknown_region, register_one, &c);
	reg_opts_clear(&c.r);
	acct_opts_clear(&c.a);
	cli_opts_free(&c.o);
	return rc;
}
