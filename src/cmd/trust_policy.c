#include "config.h"

#include "cmd/accounts.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "pod/federation.h"
#include "aws/iam.h"
#include "aws/iam_role.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_trust_policy_help[] =
    "Usage: saoidc trust-policy aws --issuer URL [--account ID] --namespace NS [--namespace NS ...]\n"
    "                               --service-account SA|'*' [--audience AUD]\n"
    "                               [--region REGION] [--create-role NAME [--policy-arn ARN ...]\n"
    "                               [--replace-trust] [--dry-run]]\n"
    "                               [--assume-role ARN ... | --profile NAME ...]\n"
    "       saoidc trust-policy azure --issuer URL --namespace NS --service-account SA [--name N]\n"
    "                                 [--identity-name ID --resource-group RG]\n"
    "       saoidc trust-policy gcp --issuer URL --project-number N --pool P --provider V\n"
    "                               --service-account-email E --namespace NS --service-account SA\n"
    "                               [--token-path PATH]\n"
    "\n"
    "Print what each cloud needs to trust the issuer's tokens for a service account:\n"
    "  aws    the IAM role trust policy (sts:AssumeRoleWithWebIdentity, conditions on :sub and :aud;\n"
    "         StringLike for --service-account '*' or several namespaces); --create-role creates the\n"
    "         role through IAM, or adds the statements to an existing role's trust policy (its other\n"
    "         statements stay; --replace-trust makes it exactly the printed policy, saying what goes;\n"
    "         --dry-run says what would change), and attaches --policy-arn policies.\n"
    "         The ARNs carry the partition of --region (default: AWS_REGION, AWS_DEFAULT_REGION, the\n"
    "         profile; without one, the commercial partition, arn:aws): give it for GovCloud\n"
    "         (arn:aws-us-gov) and China (arn:aws-cn), whatever the issuer's host. --fips: IAM's\n"
    "         FIPS endpoint for --create-role. Without --account, the account is that of the AWS\n"
    "         credentials in use (sts:GetCallerIdentity). --assume-role ARN (repeatable, with\n"
    "         --external-id) or --profile NAME (repeatable): once per account, each with its own ID\n"
    "         and, with --create-role, its own role; a failing account does not stop the others\n"
    "  azure  the federated identity credential JSON (audience api://AzureADTokenExchange); the az\n"
    "         command that applies it goes to stderr\n"
    "  gcp    the external_account credential configuration; the gcloud commands for the pool\n"
    "         provider (also the variant that uploads the JWKS, --jwk-json-path) go to stderr\n"
    "--allow-unknown-region takes a --region newer than this saoidc (the partition from its prefix).\n"
    "  -h, --help  show this help\n";

enum {
	OPT_ACCOUNT = OPT_CMD_BASE,
	OPT_NS,
	OPT_SA,
	OPT_AUD,
	OPT_NAME,
	OPT_IDENTITY,
	OPT_RG,
	OPT_PROJECT,
	OPT_POOL,
	OPT_PROVIDER,
	OPT_EMAIL,
	OPT_TOKEN_PATH,
	OPT_CREATE_ROLE,
	OPT_POLICY_ARN,
	OPT_REPLACE_TRUST,
	OPT_TP_DRY_RUN
};

typedef struct tp_opts {
	strlist namespaces;
	strlist policy_arns;
	iam_role_opts role; /* --replace-trust, --dry-run */
	const char *v[16];  /* indexed by option - OPT_CMD_BASE */
} tp_opts;

static bool tp_opt(void *ctx, int c, const char *arg, int *code)
{
	tp_opts *t = ctx;

	if (c == OPT_NS || c == OPT_POLICY_ARN) {
		if (!strlist_add(c == OPT_NS ? &t->namespaces : &t->policy_arns, arg))
			*code = EXIT_FAILURE;
		return true;
	}
	if (c == OPT_REPLACE_TRUST || c == OPT_TP_DRY_RUN) {
		*(c == OPT_REPLACE_TRUST ? &t->role.replace : &t->role.dry_run) = true;
		return true;
	}
	if (c < OPT_ACCOUNT || c > OPT_CREATE_ROLE)
		return false;
	t->v[c - OPT_CMD_BASE] = arg;
	return true;
}

#define V(o) (t->v[(o)-OPT_CMD_BASE])

/* The account of whoever runs this, as `aws sts get-caller-identity` says. */
static char *caller_account(const aws_where *where, sao_err *err)
{
	aws_creds creds = {0};
	char *account = NULL, *carn = NULL;
	bool got = aws_creds_load(&creds, where, err) && aws_caller_identity(&creds, where, &account, &carn, err);

	aws_creds_clear(&creds);
	if (!got) {
		err_prefix(err, "no --account, and it could not be looked up: ");
		free(account);
		account = NULL;
	} else {
		log_info("account %s (of %s, from sts:GetCallerIdentity)", account, carn);
	}
	free(carn);
	return account;
}

/* aws: the role's trust policy; with --create-role the role too (*role_arn, printed last). */
static json_t *tp_aws(const tp_opts *t, const cli_opts *o, char **role_arn, sao_err *err)
{
	aws_where where = {0};
	char *looked_up = NULL;
	const char *account = V(OPT_ACCOUNT);
	json_t *out = NULL;

	if (!aws_where_init(&where, o->region, o->fips, o->allow_unknown_region, err))
		goto out;
	if (account == NULL && (account = looked_up = caller_account(&where, err)) == NULL)
		goto out;
	for (size_t i = 0; i < t->policy_arns.n; i++)
		if (!aws_arn_check("--policy-arn", t->policy_arns.v[i], where.partition, where.region, err))
			goto out;
	if (where.region == NULL)
		log_info("no region given: ARNs of the commercial partition (arn:aws); give --region or "
			 "AWS_REGION for GovCloud or China");
	out = fed_aws_trust_policy(where.partition->id, o->docs.issuer, account, &t->namespaces, V(OPT_SA),
				   V(OPT_AUD) != NULL ? V(OPT_AUD) : "sts.amazonaws.com", err);
	if (out != NULL && V(OPT_CREATE_ROLE) != NULL) {
		aws_creds creds = {0};
		iam_client iam;
		bool ok =
		    iam_client_init(&iam, &creds, &where, err) && aws_creds_load(&creds, &where, err) &&
		    iam_role_ensure(V(OPT_CREATE_ROLE), out, &t->policy_arns, &t->role, &iam, log_note, role_arn, err);

		aws_creds_clear(&creds);
		if (!ok) {
			json_decref(out);
			out = NULL;
			goto out;
		}
		log_info("role %s", *role_arn != NULL ? *role_arn : V(OPT_CREATE_ROLE));
	}
out:
	free(looked_up);
	aws_where_clear(&where);
	return out;
}

/* azure: the federated identity credential, and the az command that applies it (one log line
 * per line, so that it can be pasted). */
static json_t *tp_azure(const tp_opts *t, const cli_opts *o, sao_err *err)
{
	char name[256];
	json_t *out;

	snprintf(name, sizeof(name), "%s", V(OPT_NAME) != NULL ? V(OPT_NAME) : "");
	if (name[0] == '\0')
		snprintf(name, sizeof(name), "saoidc-%.100s-%.100s", t->namespaces.v[0], V(OPT_SA));
	if ((out = fed_azure_credential(o->docs.issuer, t->namespaces.v[0], V(OPT_SA), name)) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	log_info("apply with:");
	log_info("  az identity federated-credential create --name %s --identity-name %s --resource-group %s "
		 "--issuer %s --subject system:serviceaccount:%s:%s --audiences %s",
		 name, V(OPT_IDENTITY) ? V(OPT_IDENTITY) : "IDENTITY_NAME", V(OPT_RG) ? V(OPT_RG) : "RESOURCE_GROUP",
		 o->docs.issuer, t->namespaces.v[0], V(OPT_SA), FED_AZURE_AUDIENCE);
	return out;
}

/* gcp: the credential configuration, and the gcloud commands for the provider and binding. */
static json_t *tp_gcp(const tp_opts *t, const cli_opts *o, sao_err *err)
{
	const char *tp = V(OPT_TOKEN_PATH) != NULL ? V(OPT_TOKEN_PATH) : FED_GCP_TOKEN_DIR "/token";
	char *aud = fed_gcp_audience(V(OPT_PROJECT), V(OPT_POOL), V(OPT_PROVIDER));
	json_t *out = aud != NULL ? fed_gcp_credential_config(aud, V(OPT_EMAIL), tp) : NULL;

	if (out == NULL) {
		free(aud);
		err_set(err, "out of memory");
		return NULL;
	}
	log_info("create the provider (the issuer must be public):");
	log_info("  gcloud iam workload-identity-pools providers create-oidc %s --location=global "
		 "--workload-identity-pool=%s --issuer-uri=%s --allowed-audiences=%s "
		 "--attribute-mapping=google.subject=assertion.sub",
		 V(OPT_PROVIDER), V(OPT_POOL), o->docs.issuer, aud);
	log_info("or, with no public hosting, upload the JWKS itself (saoidc jwks --key ... > jwks.json):");
	log_info("  gcloud iam workload-identity-pools providers create-oidc %s --location=global "
		 "--workload-identity-pool=%s --issuer-uri=%s --allowed-audiences=%s "
		 "--attribute-mapping=google.subject=assertion.sub --jwk-json-path=jwks.json",
		 V(OPT_PROVIDER), V(OPT_POOL), o->docs.issuer, aud);
	log_info("then let the service account be used:");
	log_info("  gcloud iam service-accounts add-iam-policy-binding %s --role=roles/iam.workloadIdentityUser "
		 "--member=principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/%s/"
		 "subject/system:serviceaccount:%s:%s",
		 V(OPT_EMAIL), V(OPT_PROJECT), V(OPT_POOL), t->namespaces.v[0], V(OPT_SA));
	free(aud);
	return out;
}

const struct option cmd_trust_policy_options[] = {CLI_OPT_ISSUER,
						  {"account", required_argument, NULL, OPT_ACCOUNT},
						  {"namespace", required_argument, NULL, OPT_NS},
						  {"service-account", required_argument, NULL, OPT_SA},
						  {"audience", required_argument, NULL, OPT_AUD},
						  {"name", required_argument, NULL, OPT_NAME},
						  {"identity-name", required_argument, NULL, OPT_IDENTITY},
						  {"resource-group", required_argument, NULL, OPT_RG},
						  {"project-number", required_argument, NULL, OPT_PROJECT},
						  {"pool", required_argument, NULL, OPT_POOL},
						  {"provider", required_argument, NULL, OPT_PROVIDER},
						  {"service-account-email", required_argument, NULL, OPT_EMAIL},
						  {"token-path", required_argument, NULL, OPT_TOKEN_PATH},
						  {"create-role", required_argument, NULL, OPT_CREATE_ROLE},
						  {"replace-trust", no_argument, NULL, OPT_REPLACE_TRUST},
						  {"dry-run", no_argument, NULL, OPT_TP_DRY_RUN},
						  ACCT_OPTS,
						  {"policy-arn", required_argument, NULL, OPT_POLICY_ARN},
						  CLI_OPT_AWS,
						  CLI_OPT_HELP,
						  CLI_OPT_END};

/* What each cloud needs that the option table cannot say. -1: fine; else the exit code. */
static int cloud_checks(const tp_opts *t, const char *cloud)
{
	if (V(OPT_SA) == NULL || t->namespaces.n == 0)
		return cli_usage_error("trust-policy", "--namespace and --service-account are required");
	if (strcmp(cloud, "azure") == 0 && (t->namespaces.n != 1 || strcmp(V(OPT_SA), "*") == 0))
		return cli_usage_error("trust-policy", "azure federates one namespace and one service account");
	if (strcmp(cloud, "gcp") == 0) {
		if (V(OPT_PROJECT) == NULL || V(OPT_POOL) == NULL || V(OPT_PROVIDER) == NULL || V(OPT_EMAIL) == NULL)
			return cli_usage_error("trust-policy", "gcp needs --project-number, --pool, --provider and "
							       "--service-account-email");
		if (strspn(V(OPT_PROJECT), "0123456789") != strlen(V(OPT_PROJECT)))
			return cli_usage_error("trust-policy",
					       "--project-number is the numeric project number, not the ID");
	}
	if (strcmp(cloud, "aws") != 0 && strcmp(cloud, "azure") != 0 && strcmp(cloud, "gcp") != 0)
		return cli_usage_error("trust-policy", "the cloud is aws, azure or gcp, not '%s'", cloud);
	return -1;
}

typedef struct tp_cmd {
	tp_opts t;
	acct_opts a;
	cli_opts o;
	const char *cloud;
} tp_cmd;

static bool tp_cmd_opt(void *ctx, int c, const char *arg, int *code)
{
	tp_cmd *tc = ctx;

	return acct_opt(&tc->a, c, arg) || tp_opt(&tc->t, c, arg, code);
}

/* One account's run (the only one for azure and gcp): the document, then the role's ARN. */
static int tp_one(void *ctx, const char *label)
{
	tp_cmd *tc = ctx;
	sao_err err = {""};
	json_t *out;
	char *s = NULL, *role_arn = NULL;
	int rc;

	(void)label;
	if (strcmp(tc->cloud, "aws") == 0)
		out = tp_aws(&tc->t, &tc->o, &role_arn, &err);
	else if (strcmp(tc->cloud, "azure") == 0)
		out = tp_azure(&tc->t, &tc->o, &err);
	else
		out = tp_gcp(&tc->t, &tc->o, &err);
	if (out == NULL)
		return cli_fail(&err);
	s = docs_dump(out, true);
	rc = s != NULL && cli_print(s, &err) && (role_arn == NULL || (printf("%s\n", role_arn), cli_flush(&err)))
		 ? EXIT_SUCCESS
		 : cli_fail(&err);
	free(role_arn);
	free(s);
	json_decref(out);
	return rc;
}

int cmd_trust_policy(int argc, char **argv)
{
	tp_cmd c = {.o = {.positional = "the cloud (aws, azure or gcp)"}};
	sao_err err = {""};
	char *hp = NULL;
	int rc = cli_parse("trust-policy", cmd_trust_policy_help, argc, argv, cmd_trust_policy_options, &c.o,
			   tp_cmd_opt, &c, 1, CLI_NEED_ISSUER);

	if (rc >= 0 || (rc = cloud_checks(&c.t, c.cloud = argv[c.o.argi])) >= 0)
		goto out;
	if (c.a.roles.n + c.a.profiles.n > 0 &&
	    (strcmp(c.cloud, "aws") != 0 || c.t.v[OPT_ACCOUNT - OPT_CMD_BASE] != NULL)) {
		rc = cli_usage_error("trust-policy", "--assume-role and --profile are for aws, without --account (each "
						     "account's ID is looked up)");
		goto out;
	}
	if ((hp = fed_issuer_hostpath(c.o.docs.issuer, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	rc = acct_each(&c.a, c.o.region, c.o.fips, c.o.allow_unknown_region, tp_one, &c);
out:
	free(hp);
	strlist_clear(&c.t.namespaces);
	strlist_clear(&c.t.policy_arns);
	acct_opts_clear(&c.a);
	cli_opts_free(&c.o);
	return rc;
}
