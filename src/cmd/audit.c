#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/audit.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_audit_help[] =
    "Usage: saoidc audit [--issuer URL] [--json] [--region REGION] [--fips]\n"
    "\n"
    "Show who can assume which IAM role through the account's OpenID Connect providers (only the\n"
    "issuer's with --issuer), and which roles are too broad. Read-only: IAM ListOpenIDConnectProviders\n"
    "and ListRoles (every page; each role's trust policy comes with it). Per role, a verdict:\n"
    "  FAIL  any ServiceAccount of the cluster can assume it (no condition on HOST/PATH:sub, or a\n"
    "        StringLike pattern matching every namespace); a condition key that does not name the\n"
    "        provider exactly (https:// in it, another host or path: the role cannot be used); a\n"
    "        wildcard in a StringEquals value (matched literally)\n"
    "  WARN  a whole namespace (system:serviceaccount:NS:*) or another pattern; no :aud condition\n"
    "  OK    named ServiceAccounts and audiences\n"
    "Then the providers with how many roles trust each (none: a leftover, or not used yet), and\n"
    "the roles that trust a provider the account does not have (dangling: after a migration or a\n"
    "deregistration; without --issuer). Fix a role with the statement `saoidc trust-policy aws\n"
    "--issuer URL --namespace NS --service-account SA` prints (--create-role NAME applies it).\n"
    "Exit status: 0 no role fails; 1 a role fails or the audit could not run; 2 a usage error.\n"
    "\n"
    "  -i, --issuer URL            only the provider of this issuer (https://HOST[/PATH])\n"
    "      --json                  the report as JSON: {\"roles\": [{\"role\", \"arn\", \"provider\",\n"
    "                              \"verdict\", \"subjects\", \"audiences\", \"findings\": [{\"code\",\n"
    "                              \"message\"}]}], \"providers\": [...], \"dangling\": [...]}\n"
    "      --region REGION         the account's region: picks the partition's IAM endpoint\n"
    "      --allow-unknown-region  take a region newer than this saoidc (partition from its prefix)\n"
    "      --fips                  IAM's FIPS endpoint (also AWS_USE_FIPS_ENDPOINT=true)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Credentials and endpoint: as for `saoidc register` (AWS_ENDPOINT_URL_IAM overrides). Needs\n"
    "iam:ListOpenIDConnectProviders and iam:ListRoles.\n";

static void print_list(const char *label, const json_t *a, const char *none)
{
	size_t i;
	json_t *v;

	printf("       %-10s", label);
	if (json_array_size(a) == 0)
		printf(" %s", none);
	json_array_foreach(a, i, v)
	{
		char *e = str_escape(json_string_value(v), 300, 0);

		printf("%s %s", i > 0 ? "," : "", e != NULL ? e : "?");
		free(e);
	}
	printf("\n");
}

static bool has_finding(const json_t *role, const char *code)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_object_get(role, "findings"), i, f)
	{
		if (strcmp(json_string_value(json_object_get(f, "code")), code) == 0)
			return true;
	}
	return false;
}

static void print_text(const json_t *rep, const char *issuer)
{
	size_t i, n[3] = {0, 0, 0};
	json_t *r;

	json_array_foreach(json_object_get(rep, "roles"), i, r)
	{
		const char *v = json_string_value(json_object_get(r, "verdict"));
		size_t j;
		json_t *f;

		n[strcmp(v, "fail") == 0 ? 2 : strcmp(v, "warn") == 0 ? 1 : 0]++;
		printf("[%s] %s  (%s)\n",
		       strcmp(v, "fail") == 0	? "FAIL"
		       : strcmp(v, "warn") == 0 ? "WARN"
						: " OK ",
		       json_string_value(json_object_get(r, "arn")), json_string_value(json_object_get(r, "provider")));
		bool never = has_finding(r, "condition-key-mismatch");

		print_list("subjects", json_object_get(r, "subjects"),
			   never ? "(none: the conditions never match)" : "(any: no :sub condition)");
		print_list("audiences", json_object_get(r, "audiences"),
			   never ? "(none: the conditions never match)" : "(any: no :aud condition)");
		json_array_foreach(json_object_get(r, "findings"), j, f)
		{
			printf("       %s: %s\n", json_string_value(json_object_get(f, "code")),
			       json_string_value(json_object_get(f, "message")));
		}
	}
	printf("\nproviders:\n");
	json_array_foreach(json_object_get(rep, "providers"), i, r)
	{
		json_int_t k = json_integer_value(json_object_get(r, "roles"));

		printf("  %s: trusted by %lld role%s%s\n", json_string_value(json_object_get(r, "arn")), (long long)k,
		       k == 1 ? "" : "s", k == 0 ? " (a leftover, or not used yet)" : "");
	}
	if (issuer == NULL) {
		printf("\ndangling (roles trusting a provider this account does not have):%s\n",
		       json_array_size(json_object_get(rep, "dangling")) == 0 ? " none" : "");
		json_array_foreach(json_object_get(rep, "dangling"), i, r)
		{
			printf("  %s trusts %s\n", json_string_value(json_object_get(r, "arn")),
			       json_string_value(json_object_get(r, "provider")));
		}
	}
	printf("\n%zu role%s: %zu fail, %zu warn, %zu ok\n", n[0] + n[1] + n[2], n[0] + n[1] + n[2] == 1 ? "" : "s",
	       n[2], n[1], n[0]);
}

const struct option cmd_audit_options[] = {CLI_OPT_ISSUER, CLI_OPT_JSON, CLI_OPT_AWS, CLI_OPT_HELP, CLI_OPT_END};

int cmd_audit(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	json_t *rep = NULL;
	audit_cfg c;
	int rc = cli_parse("audit", cmd_audit_help, argc, argv, cmd_audit_options, &o, NULL, NULL, 0, 0);

	if (rc >= 0)
		goto out;
	if (o.docs.issuer != NULL && strncmp(o.docs.issuer, "https://", 8) != 0) {
		rc = cli_usage_error("audit", "--issuer %s: an issuer is an https:// URL", o.docs.issuer);
		goto out;
	}
	c = (audit_cfg){o.docs.issuer, o.region, o.fips, o.allow_unknown_region};
	if (!audit_run(&c, &rep, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o.json) {
		char *s = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		print_text(rep, o.docs.issuer);
	}
	if (!cli_flush(&err))
		rc = cli_fail(&err);
	else
		rc = audit_failures(rep) > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	json_decref(rep);
	cli_opts_free(&o);
	return rc;
}
