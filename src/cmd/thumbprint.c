#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/log.h"
#include "issuer/thumbprints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_thumbprint_help[] =
    "Usage: saoidc thumbprint URL [--connect-to HOST:PORT] [--ca-file FILE] [--insecure]\n"
    "\n"
    "Print the thumbprint IAM pins for an OpenID Connect provider: the SHA-1 of the last\n"
    "certificate the server presents (the top intermediate CA), 40 lower-case hex digits, one\n"
    "line per host: the URL's host, and the jwks_uri host of its discovery document when that\n"
    "differs. The same as `openssl s_client -showcerts` then `openssl x509 -fingerprint -sha1`\n"
    "on the last certificate. The chain and host name are verified unless --insecure.\n"
    "\n"
    "      --connect-to HOST:PORT  dial this address instead of the URL's host (SNI unchanged)\n"
    "      --ca-file FILE          trust the CAs in FILE instead of the system store\n"
    "      --insecure              do not verify the chain (the thumbprint is still computed)\n"
    "  -h, --help                  show this help\n";

static bool thumb_opt(void *ctx, int c, const char *arg, int *code)
{
	(void)code;
	return cli_tls_opt(ctx, c, arg);
}

const struct option cmd_thumbprint_options[] = {CLI_OPT_CONNECT_TO, CLI_OPT_CA_FILE, CLI_OPT_INSECURE, CLI_OPT_HELP,
						CLI_OPT_END};

int cmd_thumbprint(int argc, char **argv)
{
	tls_opts t = {0};
	cli_opts o = {.positional = "the issuer URL"};
	sao_err err = {""};
	strlist thumbs = {0}, hosts = {0};
	bool discovered = false;
	int rc =
	    cli_parse("thumbprint", cmd_thumbprint_help, argc, argv, cmd_thumbprint_options, &o, thumb_opt, &t, 1, 0);

	if (rc >= 0)
		goto out;
	if (!issuer_thumbprints(argv[o.argi], &t, &thumbs, &hosts, &discovered, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!discovered)
		log_warn("could not read %s/.well-known/openid-configuration: only the URL's own host was checked",
			 argv[o.argi]);
	for (size_t i = 0; i < hosts.n; i++) {
		log_info("%s", hosts.v[i]);
		if (strstr(hosts.v[i], THUMB_LEAF) != NULL)
			log_warn("%s", THUMB_LEAF_WARNING);
	}
	for (size_t i = 0; i < thumbs.n; i++)
		printf("%s\n", thumbs.v[i]);
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	strlist_clear(&thumbs);
	strlist_clear(&hosts);
	cli_opts_free(&o);
	return rc;
}
