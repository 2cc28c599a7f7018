/* saoidc: a self-hosted OIDC issuer and JWKS publisher for Kubernetes service accounts.
 * main only dispatches to the subcommands; each lives in its own cmd_*.c. */
#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "cmd/completion.h"

#include <curl/curl.h>
#include <openssl/opensslv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The command table: main alone dispatches; the commands never look each other up. */
typedef struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *help;		 /* full usage text */
	const struct option *options[2]; /* what it parses (token: its two subcommands') */
	const char *words;		 /* its first positional words, for completion */
} cli_cmd;

static const cli_cmd commands[] = {
    {"serve",
     cmd_serve,
     "serve the issuer documents over HTTP(S), reloading on key change",
     cmd_serve_help,
     {cmd_serve_options, NULL},
     NULL},
    {"publish",
     cmd_publish,
     "upload the issuer documents to S3 (public, or private behind CloudFront)",
     cmd_publish_help,
     {cmd_publish_options, NULL},
     NULL},
    {"unpublish",
     cmd_unpublish,
     "take down a private issuer's CloudFront distribution, objects and policy",
     cmd_unpublish_help,
     {cmd_unpublish_options, NULL},
     NULL},
    {"audit",
     cmd_audit,
     "show who can assume which IAM role through the issuer, and which too broadly",
     cmd_audit_help,
     {cmd_audit_options, NULL},
     NULL},
    {"status",
     cmd_status,
     "show the issuer's chain link by link (keys, bucket, public URL, IAM) and its drift",
     cmd_status_help,
     {cmd_status_options, NULL},
     NULL},
    {"migrate",
     cmd_migrate,
     "move a cluster to a new issuer across its IAM roles: plan, trust, retire",
     cmd_migrate_help,
     {cmd_migrate_options, NULL},
     NULL},
    {"register",
     cmd_register,
     "register the issuer with AWS IAM as an OpenID Connect provider",
     cmd_register_help,
     {cmd_register_options, NULL},
     NULL},
    {"thumbprint",
     cmd_thumbprint,
     "print the TLS thumbprint IAM pins for an issuer",
     cmd_thumbprint_help,
     {cmd_thumbprint_options, NULL},
     NULL},
    {"verify",
     cmd_verify,
     "check the issuer, keys, a token and IAM the way STS will",
     cmd_verify_help,
     {cmd_verify_options, NULL},
     NULL},
    {"token",
     cmd_token,
     "decode a token, or verify it offline against a JWKS",
     cmd_token_help,
     {cmd_token_decode_options, cmd_token_verify_options},
     "decode verify"},
    {"trust-policy",
     cmd_trust_policy,
     "print the AWS/Azure/GCP trust for a service account",
     cmd_trust_policy_help,
     {cmd_trust_policy_options, NULL},
     "aws azure gcp"},
    {"pod-patch",
     cmd_pod_patch,
     "print the projected-token volume, mount and env for a workload",
     cmd_pod_patch_help,
     {cmd_pod_patch_options, NULL},
     NULL},
    {"webhook",
     cmd_webhook,
     "mutating admission webhook adding cloud identities to pods",
     cmd_webhook_help,
     {cmd_webhook_options, NULL},
     NULL},
    {"s3-policy",
     cmd_s3_policy,
     "print the bucket policy that makes the documents public",
     cmd_s3_policy_help,
     {cmd_s3_policy_options, NULL},
     NULL},
    {"render",
     cmd_render,
     "write openid-configuration and keys.json into a directory",
     cmd_render_help,
     {cmd_render_options, NULL},
     NULL},
    {"jwks", cmd_jwks, "print the JWKS for the signing keys", cmd_jwks_help, {cmd_jwks_options, NULL}, NULL},
    {"discovery",
     cmd_discovery,
     "print the OpenID discovery document",
     cmd_discovery_help,
     {cmd_discovery_options, NULL},
     NULL},
    {"rotate-plan",
     cmd_rotate_plan,
     "say the safe next step of a signing-key rotation",
     cmd_rotate_plan_help,
     {cmd_rotate_plan_options, NULL},
     NULL},
    {"keygen",
     cmd_keygen,
     "make a new service-account signing key pair (PEM files or a Secret)",
     cmd_keygen_help,
     {cmd_keygen_options, NULL},
     NULL},
    {"inspect",
     cmd_inspect,
     "list the keys read from files: kid, type, size, algorithm",
     cmd_inspect_help,
     {cmd_inspect_options, NULL},
     NULL},
};

static const cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* saoidc completion bash|zsh: the script, made from the table above. */
static int completion(int argc, char **argv)
{
	compl_cmd c[sizeof(commands) / sizeof(*commands)];
	size_t n = sizeof(commands) / sizeof(*commands);

	for (size_t i = 0; i < n; i++)
		c[i] = (compl_cmd){commands[i].name,
				   commands[i].summary,
				   {commands[i].options[0], commands[i].options[1]},
				   commands[i].words};
	if (argc == 3 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
		printf("Usage: saoidc completion bash|zsh\n\nPrint a completion script made from every command's own "
		       "options.\n  bash: source <(saoidc completion bash), or install it as\n"
		       "        /usr/share/bash-completion/completions/saoidc\n"
		       "  zsh:  install it as _saoidc in a directory of $fpath\n");
		return EXIT_SUCCESS;
	}
	if (argc != 3 || !compl_print(stdout, argv[2], c, n)) {
		fprintf(stderr, "saoidc completion: give bash or zsh\nUsage: saoidc completion bash|zsh\n");
		return EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: saoidc COMMAND [OPTIONS]\n"
		   "\n"
		   "Publish a Kubernetes service-account issuer (OpenID discovery document and JWKS) so that\n"
		   "AWS STS, Azure and GCP can verify projected service-account tokens (IRSA on any cluster).\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "  %-12s %s\n", "help", "show the help of a command");
	fprintf(f, "  %-12s %s\n", "completion", "print a bash or zsh completion script (bash|zsh)");
	fprintf(f, "\n"
		   "Options:\n"
		   "  -h, --help     show this help\n"
		   "  -V, --version  show the version\n"
		   "\n"
		   "Exit status: 0 success, 1 failure, 2 usage error.\n"
		   "Run 'saoidc help COMMAND' for a command's options; see saoidc(1).\n");
}

int main(int argc, char **argv)
{
	const cli_cmd *c;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("saoidc %s\n(%s, libcurl %s)\n", PACKAGE_VERSION, OPENSSL_VERSION_TEXT, LIBCURL_VERSION);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "completion") == 0)
		return completion(argc, argv);
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[2], "help") == 0 || strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[2], "completion") == 0)
			return completion(3, (char *[]){argv[0], "completion", "--help", NULL});
		if ((c = find(argv[2])) == NULL) {
			fprintf(stderr,
				"saoidc help: unknown command '%s'\nTry 'saoidc --help' for the list of commands.\n",
				argv[2]);
			return EXIT_USAGE;
		}
		return cli_print_help(c->help);
	}
	c = find(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "saoidc: unknown command '%s'\nTry 'saoidc --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	rc = c->run(argc - 1, argv + 1);
	return rc;
}
