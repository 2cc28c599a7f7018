#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

const char cmd_inspect_help[] =
    "Usage: saoidc inspect --key PATH [--key PATH ...] [--json]\n"
    "\n"
    "List the signing keys saoidc reads from the given files: key ID (kid), type, size or curve,\n"
    "JWS algorithm and where each came from. Keys given twice are listed once.\n"
    "\n"
    "  -k, --key PATH   key file, directory, Secret JSON, or - for stdin\n"
    "      --json       print a JSON array instead of a table\n"
    "  -h, --help       show this help\n" CLI_HELP_KEY_SOURCES;

const struct option cmd_inspect_options[] = {CLI_OPT_KEY, CLI_OPT_JSON, CLI_OPT_HELP, CLI_OPT_END};

int cmd_inspect(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	key_set *keys = NULL;
	json_t *arr = NULL;
	char *s = NULL;
	int rc =
	    cli_parse("inspect", cmd_inspect_help, argc, argv, cmd_inspect_options, &o, NULL, NULL, 0, CLI_NEED_KEY);

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	keys = cli_load_keys(&o, &err);
	if (keys == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	if (o.json) {
		arr = json_array();
		for (size_t i = 0; arr != NULL && i < key_set_count(keys); i++) {
			const key_info *k = key_set_get(keys, i);

			json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s*, s:s, s:s}", "kid", k->kid, "type",
							     k->type == KEY_RSA ? "RSA" : "EC", "bits", k->bits,
							     "curve", k->curve, "alg", k->alg, "source", k->source));
		}
		s = arr != NULL ? docs_dump(arr, true) : NULL;
		if (s == NULL ? !err_set(&err, "out of memory") : !cli_print(s, &err)) {
			rc = cli_fail(&err);
			goto out;
		}
		rc = EXIT_SUCCESS;
		goto out;
	}
	printf("%-43s  %-4s  %-5s  %-5s  %s\n", "KID", "TYPE", "SIZE", "ALG", "SOURCE");
	for (size_t i = 0; i < key_set_count(keys); i++) {
		const key_info *k = key_set_get(keys, i);
		char size[16];

		if (k->type == KEY_RSA)
			snprintf(size, sizeof(size), "%d", k->bits);
		else
			snprintf(size, sizeof(size), "%s", k->curve);
		printf("%-43s  %-4s  %-5s  %-5s  %s\n", k->kid, k->type == KEY_RSA ? "RSA" : "EC", size, k->alg,
		       k->source);
	}
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
out:
	free(s);
	json_decref(arr);
	key_set_free(keys);
	cli_opts_free(&o);
	return rc;
}
