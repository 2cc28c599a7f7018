#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "jose/discovery.h"

#include <stdlib.h>

const char cmd_discovery_help[] =
    "Usage: saoidc discovery --issuer URL --key PATH [--key PATH ...] [--jwks-path PATH | --jwks-uri URL]\n"
    "                        [--discovery-style kube|eks] [--pretty]\n"
    "\n"
    "Print the OpenID discovery document (/.well-known/openid-configuration) for the issuer.\n"
    "\n"
    "  -i, --issuer URL     the service-account issuer: https://HOST[/PATH], no trailing slash; it must\n"
    "                       equal the API server's --service-account-issuer byte for byte\n"
    "  -k, --key PATH       signing key(s), as for `saoidc jwks`; they set the algorithms listed\n"
    "      --jwks-path PATH where the JWKS lives under the issuer (default /keys.json)\n"
    "      --jwks-uri URL   publish this jwks_uri instead of ISSUER + --jwks-path\n"
    "      --discovery-style kube|eks\n"
    "                       kube (default): kube-apiserver's five members, byte for byte; eks: also\n"
    "                       authorization_endpoint and claims_supported, as EKS's issuer serves\n"
    "      --pretty         indent the JSON\n"
    "  -h, --help           show this help\n" CLI_HELP_KEY_SOURCES;

const struct option cmd_discovery_options[] = {CLI_OPT_ISSUER, CLI_OPT_KEY,	   CLI_OPT_JWKS_PATH, CLI_OPT_JWKS_URI,
					       CLI_OPT_PRETTY, CLI_OPT_DISC_STYLE, CLI_OPT_HELP,      CLI_OPT_END};

int cmd_discovery(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	docs d = {0};
	size_t nkeys = 0;
	json_t *doc = NULL;
	char *s = NULL;
	int rc = cli_parse("discovery", cmd_discovery_help, argc, argv, cmd_discovery_options, &o, NULL, NULL, 0,
			   CLI_NEED_KEY | CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	if (!cli_build_docs(&o, &d, &nkeys, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o.pretty) {
		doc = json_loads(d.discovery, 0, NULL);
		s = doc != NULL ? docs_dump(doc, true) : NULL;
	}
	if (!cli_print(s != NULL ? s : d.discovery, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	free(s);
	json_decref(doc);
	docs_clear(&d);
	cli_opts_free(&o);
	return rc;
}
