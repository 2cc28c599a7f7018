#include "config.h"

#include "aws/iam.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/fsio.h"
#include "issuer/cloudcompat.h"
#include "issuer/verify.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_verify_help[] =
    "Usage: saoidc verify --issuer URL [--key PATH ...] [--token FILE] [--audience AUD] [--aws]\n"
    "                     [--for aws,azure,gcp] [--ca-file F] [--connect-to HOST:PORT] [--json]\n"
    "\n"
    "Check the whole chain the way STS will, and say how to fix what is wrong:\n"
    "  discovery     ISSUER/.well-known/openid-configuration answers 200 over HTTPS in < 5 s, JSON\n"
    "  issuer        its \"issuer\" equals the issuer byte for byte\n"
    "  jwks          jwks_uri answers 200 over HTTPS in < 5 s; jwks-keys: keys and algorithms STS takes\n"
    "  jwks-cache    its Cache-Control lets STS cache it (no-cache, no-store, max-age=0 do not)\n"
    "  fetch-time    discovery + JWKS, measured from here, against STS's ~5 s\n"
    "  for-CLOUD     (--for) what that cloud's token exchange takes: aws RS*/ES*, at most 100 RSA +\n"
    "                100 EC keys; azure RSA only (Entra refuses ES*), issuer compared byte for byte;\n"
    "                gcp RSA and EC; all: a kid on each key when there are several, keys for signing\n"
    "  local-keys    (--key) every local key is published with its Kubernetes kid; extra-keys: others\n"
    "  token-*       (--token) kid found, signature, iss, aud, exp/nbf, sub\n"
    "  iam-*         (--aws) an IAM provider for the issuer, the audience among its client IDs, pinned\n"
    "                thumbprints matching the live chain\n"
    "Exit status: 0 every check asked for ran and passed (warnings allowed); 1 a check failed;\n"
    "3 nothing failed, but a check that was asked for could not run (--aws without credentials):\n"
    "a CI gate must not read that as green. 2: a usage error.\n"
    "\n"
    "  -i, --issuer URL            the issuer, as in the tokens' iss\n"
    "  -k, --key PATH              local signing keys to look for in the JWKS\n"
    "  -t, --token FILE            a service-account token (projected token file, kubectl create token)\n"
    "  -a, --audience AUD          the audience STS will be asked for (default sts.amazonaws.com)\n"
    "      --aws                   check the IAM OpenID Connect provider (needs AWS credentials)\n"
    "      --for CLOUDS            the clouds that will trust the issuer: aws, azure, gcp,\n"
    "                              comma-separated (default aws)\n"
    "      --region REGION         with --aws: the account's region, which picks the partition's IAM\n"
    "                              (default: AWS_REGION, AWS_DEFAULT_REGION, the profile; else aws)\n"
    "      --allow-unknown-region  take a region newer than this saoidc\n"
    "      --fips                  with --aws: IAM's FIPS endpoint (also AWS_USE_FIPS_ENDPOINT=true)\n"
    "      --ca-file FILE          trust these CAs (a private CA in front of a test issuer)\n"
    "      --connect-to HOST:PORT  dial this instead of the issuer's host\n"
    "      --json                  print the report as JSON\n"
    "  -h, --help                  show this help\n" CLI_HELP_KEY_SOURCES;

enum { OPT_TOKEN = 't', OPT_AUDIENCE = 'a', OPT_AWS = OPT_CMD_BASE, OPT_FOR };

typedef struct verify_opts {
	const char *token_file, *audience;
	bool aws;
	unsigned clouds;
	tls_opts tls;
} verify_opts;

static bool verify_opt(void *ctx, int c, const char *arg, int *code)
{
	verify_opts *v = ctx;

	switch (c) {
	case OPT_TOKEN:
		v->token_file = arg;
		return true;
	case OPT_AUDIENCE:
		v->audience = arg;
		return true;
	case OPT_AWS:
		v->aws = true;
		return true;
	case OPT_FOR: {
		sao_err err = {""};

		if (!cc_parse(arg, &v->clouds, &err))
			*code = cli_usage_error("verify", "%s", err.msg);
		return true;
	}
	default:
		return cli_tls_opt(&v->tls, c, arg);
	}
}

int cli_print_report(const verify_report *rep, bool json)
{
	sao_err err = {""};

	if (json) {
		json_t *j = verify_report_json(rep);
		char *s = j != NULL ? docs_dump(j, true) : NULL;
		bool ok = s != NULL ? cli_print(s, &err) : err_set(&err, "the report cannot be written: out of memory");

		free(s);
		json_decref(j);
		if (!ok)
			return cli_fail(&err);
	} else {
		static const char *const marks[] = {"PASS", "WARN", "FAIL", "SKIP"};

		for (size_t i = 0; i < rep->n; i++) {
			printf("[%s] %-15s %s\n", marks[rep->v[i].status], rep->v[i].name ? rep->v[i].name : "?",
			       rep->v[i].seen ? rep->v[i].seen : "");
			if (rep->v[i].fix != NULL && (rep->v[i].status == CHECK_FAIL || rep->v[i].status == CHECK_WARN))
				printf("       %-15s fix: %s\n", "", rep->v[i].fix);
		}
		if (rep->lost)
			printf("[FAIL] %-15s some checks could not be recorded (out of memory)\n", "report");
		if (!cli_flush(&err))
			return cli_fail(&err);
	}
	return verify_outcome(rep);
}

const struct option cmd_verify_options[] = {CLI_OPT_ISSUER,
					    CLI_OPT_KEY,
					    {"token", required_argument, NULL, OPT_TOKEN},
					    {"audience", required_argument, NULL, OPT_AUDIENCE},
					    {"aws", no_argument, NULL, OPT_AWS},
					    {"for", required_argument, NULL, OPT_FOR},
					    CLI_OPT_AWS,
					    CLI_OPT_CA_FILE,
					    CLI_OPT_CONNECT_TO,
					    CLI_OPT_JSON,
					    CLI_OPT_HELP,
					    CLI_OPT_END};

int cmd_verify(int argc, char **argv)
{
	verify_opts v = {.audience = "sts.amazonaws.com", .clouds = CC_AWS};
	cli_opts o = {0};
	sao_err err = {""};
	key_set *keys = NULL;
	unsigned char *token = NULL;
	size_t token_len = 0;
	aws_creds creds = {0};
	aws_where where = {0};
	iam_client iam;
	verify_report rep = {0};
	int rc = cli_parse("verify", cmd_verify_help, argc, argv, cmd_verify_options, &o, verify_opt, &v, 0,
			   CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	if (o.nkeys > 0 && (keys = cli_load_keys(&o, &err)) == NULL)
		goto fail;
	if (v.token_file != NULL && !fs_read_file(v.token_file, 64 * 1024, &token, &token_len, &err)) {
		err_prefix(&err, "%s: ", v.token_file);
		goto fail;
	}
	if (v.aws && (!aws_where_init(&where, o.region, o.fips, o.allow_unknown_region, &err) ||
		      !iam_client_init(&iam, &creds, &where, &err)))
		goto fail;
	/* Without credentials every other check still runs; the IAM ones are reported skipped. */
	if (v.aws && !aws_creds_load(&creds, &where, &err))
		v.aws = false;
	else
		err.msg[0] = '\0';
	{
		verify_cfg cfg = {.issuer = o.docs.issuer,
				  .keys = keys,
				  .token = (const char *)token,
				  .token_len = token_len,
				  .audience = v.audience,
				  .iam = v.aws ? &iam : NULL,
				  .tls = v.tls,
				  .now = time(NULL),
				  .iam_skipped = err.msg[0] != '\0' ? err.msg : NULL,
				  .clouds = v.clouds};

		verify_run(&cfg, &rep);
	}
	rc = cli_print_report(&rep, o.json);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	verify_report_clear(&rep);
	aws_creds_clear(&creds);
	aws_where_clear(&where);
	if (token != NULL)
		OPENSSL_clear_free(token, token_len + 1);
	key_set_free(keys);
	cli_opts_free(&o);
	return rc;
}
