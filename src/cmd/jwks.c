#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "jose/jwk.h"

#include <stdlib.h>

const char cmd_jwks_help[] =
    "Usage: saoidc jwks --key PATH [--key PATH ...] [--legacy-empty-kid] [--pretty]\n"
    "\n"
    "Print the JSON Web Key Set for the signing keys, exactly as kube-apiserver serves it at\n"
    "/openid/v1/jwks. Only public keys are ever printed, even when private keys are given.\n"
    "\n"
    "  -k, --key PATH          key file (PEM, DER, Kubernetes Secret JSON), directory, or - for\n"
    "                          stdin; repeat for rotation (every key that signed live tokens)\n"
    "      --legacy-empty-kid  also publish each key with \"kid\": \"\" for tokens minted before\n"
    "                          Kubernetes 1.16, which carry no kid\n"
    "      --pretty            indent the JSON (the published form is compact)\n"
    "  -h, --help              show this help\n" CLI_HELP_KEY_SOURCES;

const struct option cmd_jwks_options[] = {CLI_OPT_KEY, CLI_OPT_LEGACY, CLI_OPT_PRETTY, CLI_OPT_HELP, CLI_OPT_END};

int cmd_jwks(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	key_set *keys = NULL;
	json_t *jwks = NULL;
	char *s = NULL;
	int rc = cli_parse("jwks", cmd_jwks_help, argc, argv, cmd_jwks_options, &o, NULL, NULL, 0, CLI_NEED_KEY);

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	keys = cli_load_keys(&o, &err);
	if (keys == NULL || (jwks = jwk_set_build(keys, o.docs.legacy_empty_kid, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	s = docs_dump(jwks, o.pretty);
	if (s == NULL ? !err_set(&err, "out of memory") : !cli_print(s, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	rc = EXIT_SUCCESS;
out:
	free(s);
	json_decref(jwks);
	key_set_free(keys);
	cli_opts_free(&o);
	return rc;
}
