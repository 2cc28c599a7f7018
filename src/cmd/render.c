#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/fsio.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_render_help[] =
	"Usage: saoidc render --issuer URL --key PATH [--key PATH ...] --out DIR\n"
	"                     [--jwks-path PATH | --jwks-uri URL] [--legacy-empty-kid]\n"
	"\n"
	"Write the issuer documents into DIR, laid out as they must be served under the issuer URL:\n"
	"  DIR/.well-known/openid-configuration\n"
	"  DIR/keys.json              (or DIR/<jwks-path>)\n"
	"Both are written atomically (temporary file, then rename) and only after every key loaded:\n"
	"a failed run leaves DIR as it was.\n"
	"\n"
	"  -i, --issuer URL         the service-account issuer (https://HOST[/PATH], no trailing slash)\n"
	"  -k, --key PATH           signing key(s), as for `saoidc jwks`\n"
	"  -o, --out DIR            output directory (created if missing)\n"
	"      --jwks-path PATH     JWKS location under the issuer (default /keys.json)\n"
	"      --jwks-uri URL       publish this jwks_uri instead (the JWKS file is still written)\n"
	"      --legacy-empty-kid   also publish each key with \"kid\": \"\"\n"
	"      --discovery-style kube|ekskube (default): kube-apiserver's five-member discovery\n"
	"                           document, byte for byte; eks: with EKS's authorization_endpoint\n"
	"                           and claims_supported\n"
	"      --from-apiserver     republish the API server's own discovery document and JWKS\n"
	"                           (/openid/v1/jwks) instead of --key: needs the\n"
	"                           system:service-account-issuer-discovery ClusterRole; with an\n"
	"                           ExternalJWTSigner (1.32+) it is the only correct source\n"
	"  -h, --help               show this help\n";

static bool render_opt(void *ctx, int c, const char *arg, int *code)
{
	(void)code;
	if (c != 'o')
		return false;
	*(const char **)ctx = arg;
	return true;
}

int cmd_render(int argc, char **argv)
{
	static const struct option lo[] = {CLI_OPT_ISSUER,   CLI_OPT_KEY, CLI_OPT_FROM_APISERVER,
					   CLI_OPT_JWKS_PATH, CLI_OPT_JWKS_URI,
					   CLI_OPT_LEGACY, CLI_OPT_DISC_STYLE,   {"out", required_argument, NULL, 'o'},
					   CLI_OPT_HELP,     CLI_OPT_END};
	cli_opts o = {0};
	sao_err err = {""};
	docs d = {0};
	size_t nkeys = 0;
	fs_txn *txn = NULL;
	const char *outdir = NULL;
	char *disc_path = NULL, *jwks_path = NULL;
	int rc = cli_parse("render", cmd_render_help, argc, argv, lo, &o, render_opt, &outdir, 0,
			   CLI_NEED_KEY | CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	if (outdir == NULL || outdir[0] == '\0') {
		rc = cli_usage_error("render", "--out is required");
		goto out;
	}
	if (!cli_build_docs(&o, &d, &nkeys, &err))
		goto fail;
	if (asprintf(&disc_path, "%s/.well-known/openid-configuration", outdir) < 0 ||
	    asprintf(&jwks_path, "%s%s", outdir, o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json") < 0) {
		disc_path = jwks_path = NULL;
		err_set(&err, "out of memory");
		goto fail;
	}
	txn = fs_txn_new();
	if (txn == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	/* The JWKS first: a crash between the renames never leaves a discovery document naming keys
	 * that are not there yet. */
	if (!fs_txn_stage(txn, jwks_path, d.jwks, d.jwks_len, &err) ||
	    !fs_txn_stage(txn, disc_path, d.discovery, d.discovery_len, &err) || !fs_txn_commit(txn, &err))
		goto fail;
	log_info("wrote %s", disc_path);
	log_info("wrote %s (%zu key%s)", jwks_path, nkeys, nkeys == 1 ? "" : "s");
	log_info("issuer %s; jwks_uri %s", o.docs.issuer, d.jwks_uri);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	fs_txn_free(txn);
	free(disc_path);
	free(jwks_path);
	docs_clear(&d);
	cli_opts_free(&o);
	return rc;
}
