#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "azure/arm.h"
#include "gcp/iam.h"
#include "issuer/audit.h"
#include "util/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_audit_help[] =
    "Usage: saoidc audit [--issuer URL] [--json] [--region REGION] [--fips]\n"
    "                    [--azure-identity ID ...] [--gcp-provider NAME ...] [--aws]\n"
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
    "\n"
    "With --azure-identity, a user-assigned managed identity's federated identity credentials are\n"
    "judged too (Azure Resource Manager, read-only); with --gcp-provider, a workload identity pool\n"
    "provider (Google IAM, read-only). Then the AWS account is audited only with --aws.\n"
    "  Azure  FAIL an issuer that differs from --issuer only by a trailing slash or letter case (Entra\n"
    "         compares it exactly), a subject with '*' or not system:serviceaccount:NS:NAME; WARN an\n"
    "         audience other than api://AzureADTokenExchange, an identity at Azure's 20 credentials\n"
    "  Google FAIL an issuer URI that differs that way, no google.subject mapping; WARN no attribute\n"
    "         condition (every token of the issuer is exchanged), google.subject not from\n"
    "         assertion.sub, a disabled provider, another issuer's\n"
    "Exit status: 0 nothing fails; 1 something fails or the audit could not run; 2 a usage error.\n"
    "\n"
    "  -i, --issuer URL            only the provider of this issuer (https://HOST[/PATH])\n"
    "      --json                  the report as JSON: {\"roles\": [{\"role\", \"arn\", \"provider\",\n"
    "                              \"verdict\", \"subjects\", \"audiences\", \"findings\": [{\"code\",\n"
    "                              \"message\"}]}], \"providers\": [...], \"dangling\": [...]};\n"
    "                              \"azure\": [{\"identity\", \"credentials\": [{\"name\", \"issuer\",\n"
    "                              \"subject\", \"audiences\", \"verdict\", \"findings\"}], \"others\",\n"
    "                              \"findings\"}], \"gcp\": [{\"provider\", \"issuer\", \"condition\",\n"
    "                              \"subject_mapping\", \"audiences\", \"verdict\", \"findings\"}]\n"
    "      --region REGION         the account's region: picks the partition's IAM endpoint\n"
    "      --allow-unknown-region  take a region newer than this saoidc (partition from its prefix)\n"
    "      --fips                  IAM's FIPS endpoint (also AWS_USE_FIPS_ENDPOINT=true)\n"
    "      --azure-identity ID     a user-assigned managed identity (repeatable): /subscriptions/SUB/\n"
    "                              resourceGroups/RG/providers/Microsoft.ManagedIdentity/\n"
    "                              userAssignedIdentities/NAME\n"
    "      --azure-endpoint URL    Azure Resource Manager (default https://management.azure.com; a\n"
    "                              sovereign cloud's, such as https://management.chinacloudapi.cn)\n"
    "      --gcp-provider NAME     a workload identity pool provider (repeatable): projects/PROJECT/\n"
    "                              locations/global/workloadIdentityPools/POOL/providers/PROVIDER\n"
    "      --aws                   audit the AWS account as well (the default without the two above)\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Credentials and endpoint: as for `saoidc register` (AWS_ENDPOINT_URL_IAM overrides). Needs\n"
    "iam:ListOpenIDConnectProviders and iam:ListRoles. Azure: Microsoft Entra ID as for azblob://\n"
    "(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE), Reader on\n"
    "the identity. Google: Application Default Credentials as for gs:// (scope cloud-platform),\n"
    "iam.workloadIdentityPoolProviders.get; CLOUDSDK_API_ENDPOINT_OVERRIDES_IAM overrides.\n";

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

/* The label of a verdict, counted in n (ok, warn, fail). */
static const char *tally(const char *v, size_t n[3])
{
	int k = v == NULL ? 0 : strcmp(v, "fail") == 0 ? 2 : strcmp(v, "warn") == 0 ? 1 : 0;

	n[k]++;
	return k == 2 ? "FAIL" : k == 1 ? "WARN" : " OK ";
}

static void print_findings(const json_t *findings)
{
	size_t j;
	json_t *f;

	json_array_foreach(findings, j, f)
	{
		printf("       %s: %s\n", json_string_value(json_object_get(f, "code")),
		       json_string_value(json_object_get(f, "message")));
	}
}

/* The AWS part: each role with its verdict, the providers, the dangling roles. */
static void print_aws(const json_t *rep, const char *issuer, size_t n[3])
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(rep, "roles"), i, r)
	{
		const char *v = json_string_value(json_object_get(r, "verdict"));
		printf("[%s] %s  (%s)\n", tally(v, n), json_string_value(json_object_get(r, "arn")),
		       json_string_value(json_object_get(r, "provider")));
		bool never = has_finding(r, "condition-key-mismatch");

		print_list("subjects", json_object_get(r, "subjects"),
			   never ? "(none: the conditions never match)" : "(any: no :sub condition)");
		print_list("audiences", json_object_get(r, "audiences"),
			   never ? "(none: the conditions never match)" : "(any: no :aud condition)");
		print_findings(json_object_get(r, "findings"));
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
}

/* The Azure part: each identity, then each of its credentials of this issuer with its verdict. */
static void print_azure(const json_t *rep, size_t n[3])
{
	size_t i, k;
	json_t *id, *r;

	json_array_foreach(json_object_get(rep, "azure"), i, id)
	{
		json_int_t others = json_integer_value(json_object_get(id, "others"));

		printf("\nAzure identity %s:\n", json_string_value(json_object_get(id, "identity")));
		print_findings(json_object_get(id, "findings"));
		json_array_foreach(json_object_get(id, "credentials"), k, r)
		{
			printf("[%s] %s  (issuer %s)\n", tally(json_string_value(json_object_get(r, "verdict")), n),
			       json_string_value(json_object_get(r, "name")),
			       json_string_value(json_object_get(r, "issuer")));
			printf("       %-10s %s\n", "subject", json_string_value(json_object_get(r, "subject")));
			print_list("audiences", json_object_get(r, "audiences"), "(none)");
			print_findings(json_object_get(r, "findings"));
		}
		if (others > 0)
			printf("       (%lld credential%s of other issuers left out)\n", (long long)others,
			       others == 1 ? "" : "s");
	}
}

/* The Google part: each provider with its verdict. */
static void print_gcp(const json_t *rep, size_t n[3])
{
	size_t i;
	json_t *r;

	if (json_array_size(json_object_get(rep, "gcp")) > 0)
		printf("\nGoogle workload identity pool providers:\n");
	json_array_foreach(json_object_get(rep, "gcp"), i, r)
	{
		const char *cond = json_string_value(json_object_get(r, "condition"));
		const char *iss = json_string_value(json_object_get(r, "issuer"));

		printf("[%s] %s  (issuer %s)\n", tally(json_string_value(json_object_get(r, "verdict")), n),
		       json_string_value(json_object_get(r, "provider")), iss != NULL ? iss : "none");
		printf("       %-10s %s\n", "condition", cond != NULL ? cond : "(none: every token is exchanged)");
		print_list("audiences", json_object_get(r, "audiences"), "(none)");
		print_findings(json_object_get(r, "findings"));
	}
}

static void print_text(const json_t *rep, const char *issuer)
{
	size_t n[3] = {0, 0, 0}, all;

	if (json_object_get(rep, "roles") != NULL)
		print_aws(rep, issuer, n);
	print_azure(rep, n);
	print_gcp(rep, n);
	all = n[0] + n[1] + n[2];
	/* "roles" when only roles were judged, as before the other clouds joined. */
	printf("\n%zu %s: %zu fail, %zu warn, %zu ok\n", all,
	       json_object_get(rep, "azure") == NULL && json_object_get(rep, "gcp") == NULL
		   ? (all == 1 ? "role" : "roles")
		   : "judged",
	       n[2], n[1], n[0]);
}

enum { OPT_AZURE = OPT_CMD_BASE, OPT_AZURE_ENDPOINT, OPT_GCP, OPT_WITH_AWS };

typedef struct audit_opts {
	strlist azure, gcp;
	const char *azure_endpoint;
	bool aws;
} audit_opts;

static bool audit_opt(void *ctx, int c, const char *arg, int *code)
{
	audit_opts *a = ctx;

	switch (c) {
	case OPT_AZURE:
	case OPT_GCP:
		if (!strlist_add(c == OPT_AZURE ? &a->azure : &a->gcp, arg)) {
			sao_err err = {"out of memory"};

			*code = cli_fail(&err);
		}
		return true;
	case OPT_AZURE_ENDPOINT:
		a->azure_endpoint = arg;
		return true;
	case OPT_WITH_AWS:
		a->aws = true;
		return true;
	default:
		return false;
	}
}

/* What audit refuses before anything is read. -1: nothing; else the exit code. */
static int usage_checks(const audit_opts *a, const cli_opts *o)
{
	if (o->docs.issuer != NULL && strncmp(o->docs.issuer, "https://", 8) != 0)
		return cli_usage_error("audit", "--issuer %s: an issuer is an https:// URL", o->docs.issuer);
	if (strncmp(a->azure_endpoint, "https://", 8) != 0)
		return cli_usage_error("audit", "--azure-endpoint %s: an https:// URL (it is sent a bearer token)",
				       a->azure_endpoint);
	for (size_t i = 0; i < a->azure.n; i++)
		if (!az_identity_id_ok(a->azure.v[i]))
			return cli_usage_error(
			    "audit",
			    "--azure-identity %s: not a user-assigned managed identity's resource ID "
			    "(/subscriptions/SUB/resourceGroups/RG/providers/"
			    "Microsoft.ManagedIdentity/userAssignedIdentities/NAME)",
			    a->azure.v[i]);
	for (size_t i = 0; i < a->gcp.n; i++)
		if (!gcp_provider_name_ok(a->gcp.v[i]))
			return cli_usage_error(
			    "audit",
			    "--gcp-provider %s: not a provider's full name (projects/PROJECT/locations/"
			    "global/workloadIdentityPools/POOL/providers/PROVIDER)",
			    a->gcp.v[i]);
	return -1;
}

const struct option cmd_audit_options[] = {CLI_OPT_ISSUER,
					   CLI_OPT_JSON,
					   CLI_OPT_AWS,
					   {"azure-identity", required_argument, NULL, OPT_AZURE},
					   {"azure-endpoint", required_argument, NULL, OPT_AZURE_ENDPOINT},
					   {"gcp-provider", required_argument, NULL, OPT_GCP},
					   {"aws", no_argument, NULL, OPT_WITH_AWS},
					   CLI_OPT_HELP,
					   CLI_OPT_END};

int cmd_audit(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	json_t *rep = NULL;
	audit_opts a = {.azure_endpoint = AZ_ARM_ENDPOINT};
	audit_cfg c;
	int rc = cli_parse("audit", cmd_audit_help, argc, argv, cmd_audit_options, &o, audit_opt, &a, 0, 0);

	if (rc >= 0 || (rc = usage_checks(&a, &o)) >= 0)
		goto out;
	c = (audit_cfg){.issuer = o.docs.issuer,
			.aws = a.aws || (a.azure.n == 0 && a.gcp.n == 0),
			.region = o.region,
			.fips = o.fips,
			.allow_unknown_region = o.allow_unknown_region,
			.azure_ids = (const char *const *)a.azure.v,
			.nazure = a.azure.n,
			.azure_endpoint = a.azure_endpoint,
			.gcp_providers = (const char *const *)a.gcp.v,
			.ngcp = a.gcp.n};
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
	strlist_clear(&a.azure);
	strlist_clear(&a.gcp);
	cli_opts_free(&o);
	return rc;
}
