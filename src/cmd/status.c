#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/chain.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_status_help[] =
    "Usage: saoidc status --issuer URL [--key SOURCE ...] [--bucket STORE] [--aws]\n"
    "                     [--jwks-path PATH] [--region REGION] [--ca-file F] [--connect-to HOST:PORT]\n"
    "                     [--json]\n"
    "\n"
    "Show the issuer's chain link by link, and where the links disagree (drift), read-only:\n"
    "  keys       (--key) the signing keys: their kids\n"
    "  origin     (--bucket) the JWKS object in the bucket or container, and how many keys its\n"
    "             retention state keeps\n"
    "  discovery  ISSUER/.well-known/openid-configuration as the public sees it: its issuer\n"
    "  public     the JWKS at jwks_uri, through any CDN in front: kids, Cache-Control, Age\n"
    "  iam        (--aws) the IAM OpenID Connect provider: sts.amazonaws.com among its client IDs,\n"
    "             pinned thumbprints against the chain served now\n"
    "Each link is ok, drift (it disagrees with the one before it; the fix names the command) or\n"
    "error (it could not be read). After a rotation, a CDN change or a new CA, this shows which\n"
    "link has not followed before a pod fails.\n"
    "Exit status: 0 every link is ok; 1 a link drifts or could not be read; 2 a usage error.\n"
    "\n"
    "  -i, --issuer URL            the issuer, as in the tokens' iss\n"
    "  -k, --key SOURCE            the signing keys (as for render: files, Secrets, kube://)\n"
    "      --bucket STORE          where publish put the documents (the origin behind any CDN):\n"
    "                              s3://B[/P], azblob://ACCOUNT/CONTAINER[/P] or gs://B[/P]\n"
    "      --jwks-path PATH        the JWKS path under the prefix, as published (default /keys.json)\n"
    "      --aws                   check the IAM provider (needs AWS credentials)\n"
    "      --region REGION         the bucket's and the account's region (picks the partition)\n"
    "      --allow-unknown-region  take a region newer than this saoidc\n"
    "      --fips                  AWS's FIPS endpoints\n"
    "      --ca-file FILE          trust these CAs (a private CA in front of a test issuer)\n"
    "      --connect-to HOST:PORT  dial this instead of the issuer's host\n"
    "      --json                  the report as JSON: {\"issuer\", \"links\": [{\"link\", \"verdict\",\n"
    "                              \"source\", \"kids\", \"seen\", \"fix\"}]}\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Credentials and endpoints: as for `saoidc publish` and `register`.\n" CLI_HELP_KEY_SOURCES;

enum { OPT_BUCKET = OPT_CMD_BASE, OPT_IAM };

typedef struct status_opts {
	const char *bucket;
	bool aws;
	tls_opts tls;
} status_opts;

static bool status_opt(void *ctx, int c, const char *arg, int *code)
{
	status_opts *s = ctx;

	if (c == OPT_BUCKET) {
		if (strncmp(arg, "s3://", 5) != 0 && strncmp(arg, "azblob://", 9) != 0 && strncmp(arg, "gs://", 5) != 0)
			*code =
			    cli_usage_error("status",
					    "--bucket takes s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] "
					    "or gs://BUCKET[/PREFIX], not '%s'",
					    arg);
		s->bucket = arg;
		return true;
	}
	if (c == OPT_IAM) {
		s->aws = true;
		return true;
	}
	return cli_tls_opt(&s->tls, c, arg);
}

static void print_text(const json_t *rep)
{
	size_t i, j;
	json_t *l, *k;

	json_array_foreach(json_object_get(rep, "links"), i, l)
	{
		const char *v = json_string_value(json_object_get(l, "verdict")), *fix;
		char *seen = str_escape(json_string_value(json_object_get(l, "seen")), 800, 0);

		printf("%-10s %-6s %s\n", json_string_value(json_object_get(l, "link")), v,
		       json_string_value(json_object_get(l, "source")));
		if (json_array_size(json_object_get(l, "kids")) > 0) {
			printf("%17s", "kids");
			json_array_foreach(json_object_get(l, "kids"), j, k)
			{
				printf("%s %s", j > 0 ? "," : "", json_string_value(k));
			}
			printf("\n");
		}
		printf("%17s %s\n", "", seen != NULL ? seen : "");
		if ((fix = json_string_value(json_object_get(l, "fix"))) != NULL && strcmp(v, "ok") != 0)
			printf("%17s fix: %s\n", "", fix);
		free(seen);
	}
}

const struct option cmd_status_options[] = {CLI_OPT_ISSUER,
					    CLI_OPT_KEY,
					    CLI_OPT_JWKS_PATH,
					    {"bucket", required_argument, NULL, OPT_BUCKET},
					    {"aws", no_argument, NULL, OPT_IAM},
					    CLI_OPT_AWS,
					    CLI_OPT_CA_FILE,
					    CLI_OPT_CONNECT_TO,
					    CLI_OPT_JSON,
					    CLI_OPT_HELP,
					    CLI_OPT_END};

int cmd_status(int argc, char **argv)
{
	status_opts s = {0};
	cli_opts o = {0};
	sao_err err = {""};
	key_set *keys = NULL;
	json_t *rep = NULL;
	int rc = cli_parse("status", cmd_status_help, argc, argv, cmd_status_options, &o, status_opt, &s, 0,
			   CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	if (o.nkeys > 0 && (keys = cli_load_keys(&o, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	{
		chain_cfg c = {.issuer = o.docs.issuer,
			       .keys = keys,
			       .bucket = s.bucket,
			       .jwks_path = o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json",
			       .aws = s.aws,
			       .region = o.region,
			       .fips = o.fips,
			       .allow_unknown_region = o.allow_unknown_region,
			       .tls = s.tls};

		if (!chain_run(&c, &rep, &err)) {
			rc = cli_fail(&err);
			goto out;
		}
	}
	if (o.json) {
		char *j = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (j != NULL)
			printf("%s\n", j);
		free(j);
	} else {
		print_text(rep);
	}
	rc = !cli_flush(&err) ? cli_fail(&err) : chain_problems(rep) > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	json_decref(rep);
	key_set_free(keys);
	cli_opts_free(&o);
	return rc;
}
