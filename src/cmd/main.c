/* saoidc: a self-hosted OIDC issuer and JWKS publisher for Kubernetes service accounts.
 * main only dispatches to the subcommands; each lives in its own cmd_*.c. */
#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"

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
	const char *help; /* full usage text */
} cli_cmd;

static const cli_cmd commands[] = {
    {"serve", cmd_serve, "serve the issuer documents over HTTP(S), reloading on key change", cmd_serve_help},
    {"publish", cmd_publish, "upload the issuer documents to S3 (public, or private behind CloudFront)",
     cmd_publish_help},
    {"unpublish", cmd_unpublish, "take down a private issuer's CloudFront distribution, objects and policy",
     cmd_unpublish_help},
    {"audit", cmd_audit, "show who can assume which IAM role through the issuer, and which too broadly",
     cmd_audit_help},
    {"status", cmd_status, "show the issuer's chain link by link (keys, bucket, public URL, IAM) and its drift",
     cmd_status_help},
    {"migrate", cmd_migrate, "move a cluster to a new issuer across its IAM roles: plan, trust, retire",
     cmd_migrate_help},
    {"register", cmd_register, "register the issuer with AWS IAM as an OpenID Connect provider", cmd_register_help},
    {"thumbprint", cmd_thumbprint, "print the TLS thumbprint IAM pins for an issuer", cmd_thumbprint_help},
    {"verify", cmd_verify, "check the issuer, keys, a token and IAM the way STS will", cmd_verify_help},
    {"token", cmd_token, "decode a token, or verify it offline against a JWKS", cmd_token_help},
    {"trust-policy", cmd_trust_policy, "print the AWS/Azure/GCP trust for a service account", cmd_trust_policy_help},
    {"pod-patch", cmd_pod_patch, "print the projected-token volume, mount and env for a workload", cmd_pod_patch_help},
    {"webhook", cmd_webhook, "mutating admission webhook adding cloud identities to pods", cmd_webhook_help},
    {"s3-policy", cmd_s3_policy, "print the bucket policy that makes the documents public", cmd_s3_policy_help},
    {"render", cmd_render, "write openid-configuration and keys.json into a directory", cmd_render_help},
    {"jwks", cmd_jwks, "print the JWKS for the signing keys", cmd_jwks_help},
    {"discovery", cmd_discovery, "print the OpenID discovery document", cmd_discovery_help},
    {"rotate-plan", cmd_rotate_plan, "say the safe next step of a signing-key rotation", cmd_rotate_plan_help},
    {"keygen", cmd_keygen, "make a new service-account signing key pair (PEM files or a Secret)", cmd_keygen_help},
    {"inspect", cmd_inspect, "list the keys read from files: kid, type, size, algorithm", cmd_inspect_help},
};

static const cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
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
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[2], "help") == 0 || strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
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
