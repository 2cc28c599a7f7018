#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/retention.h"
#include "util/fsio.h"
#include "util/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cmd_render_help[] =
    "Usage: saoidc render --issuer URL --key PATH [--key PATH ...] --out DIR\n"
    "                     [--jwks-path PATH | --jwks-uri URL] [--legacy-empty-kid]\n"
    "                     [--cluster NAME | --retire-cluster NAME]\n"
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
    "      --discovery-style kube|eks\n"
    "                           kube (default): kube-apiserver's five-member discovery document,\n"
    "                           byte for byte; eks: with EKS's authorization_endpoint and\n"
    "                           claims_supported\n"
    "      --retain DURATION    keep publishing a key for DURATION after it leaves the source\n"
    "                           (default 25h; 0: drop it at once); the state is DIR/.saoidc/\n"
    "                           retention.json, next to the documents, as publish keeps it in S3\n"
    "      --revoke KID         withdraw this published key now and for good (repeatable): it\n"
    "                           leaves the JWKS and the retention state, and a later run refuses a\n"
    "                           source that holds it again. Refused while the source still holds\n"
    "                           it (rotate first). For a compromised or mistaken key\n"
    "      --cluster NAME       one issuer shared by several clusters: these keys are cluster\n"
    "                           NAME's, and the run keeps every other cluster's (see publish)\n"
    "      --retire-cluster NAME\n"
    "                           every key of cluster NAME enters retention (no --key)\n"
    "      --dry-run            say what would change (keys added, kept, dropped, revoked) and\n"
    "                           write nothing\n"
    "      --allow-certificate  accept a certificate's public key as a signing key\n"
    "      --from-apiserver     republish the API server's own discovery document and JWKS\n"
    "                           (/openid/v1/jwks) instead of --key: needs the\n"
    "                           system:service-account-issuer-discovery ClusterRole; with an\n"
    "                           ExternalJWTSigner (1.32+) it is the only correct source\n"
    "  -h, --help               show this help\n" CLI_HELP_KEY_SOURCES;

enum { OPT_RETAIN = OPT_CMD_BASE, OPT_DRY_RUN };

typedef struct render_opts {
	const char *outdir;
	long retain_s;
	bool dry_run;
} render_opts;

static bool render_opt(void *ctx, int c, const char *arg, int *code)
{
	render_opts *r = ctx;

	if (c == 'o') {
		r->outdir = arg;
		return true;
	}
	if (c == OPT_DRY_RUN) {
		r->dry_run = true;
		return true;
	}
	if (c == OPT_RETAIN) {
		if (!retain_parse_duration(arg, &r->retain_s))
			*code = cli_usage_error("render",
						"--retain takes a duration such as 25h, 90m, 30s or 0, not '%s'", arg);
		return true;
	}
	return false;
}

/* The documents to write: the source's, plus the keys the state in the output directory
 * retains; *state_text is the new state (NULL when it did not change). */
static bool retained_docs(const char *state_path, const cli_opts *o, const docs *src, long retain_s, docs *out,
			  char **state_text, sao_err *err)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	json_t *state = NULL, *nstate = NULL, *jwks = NULL, *sj = json_loadb(src->jwks, src->jwks_len, 0, NULL);
	retain_report rep = {0};
	bool ok = false;

	*state_text = NULL;
	if (access(state_path, F_OK) == 0) {
		json_error_t je;

		if (!fs_read_file(state_path, 4 * 1024 * 1024, &buf, &len, err)) {
			err_prefix(err, "retention state %s: ", state_path);
			goto out;
		}
		if ((state = json_loadb((const char *)buf, len, 0, &je)) == NULL) {
			err_set(err,
				"%s: corrupt retention state (%s); nothing was written: restore it, or delete it to "
				"start over",
				state_path, je.text);
			goto out;
		}
	}
	if (!retain_merge(state, sj, time(NULL),
			  &(retain_policy){.retain_s = retain_s,
					   .revoke = &o->revoke,
					   .max_keys = DOCS_MAX_KEYS,
					   .cluster = o->cluster,
					   .retire = o->retire_cluster},
			  &nstate, &jwks, &rep, err)) {
		err_prefix(err, "%s: ", state_path);
		goto out;
	}
	if (!docs_render_jwks(&o->docs, jwks, out, err))
		goto out;
	rtn_report_log(&rep);
	if ((state == NULL || !json_equal(state, nstate)) &&
	    (*state_text = json_dumps(nstate, JSON_INDENT(2))) == NULL) {
		docs_clear(out);
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	free(buf);
	retain_report_clear(&rep);
	json_decref(state);
	json_decref(nstate);
	json_decref(jwks);
	json_decref(sj);
	return ok;
}

const struct option cmd_render_options[] = {CLI_OPTS_DOCS,
					    CLI_OPT_JWKS_URI,
					    {"out", required_argument, NULL, 'o'},
					    {"retain", required_argument, NULL, OPT_RETAIN},
					    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
					    CLI_OPT_REVOKE,
					    CLI_OPT_FLEET,
					    CLI_OPT_HELP,
					    CLI_OPT_END};

int cmd_render(int argc, char **argv)
{
	cli_opts o = {0};
	sao_err err = {""};
	docs src = {0}, d = {0};
	size_t nkeys = 0;
	fs_txn *txn = NULL;
	render_opts ro = {NULL, RETAIN_DEFAULT_S, false};
	const char *outdir;
	char *disc_path = NULL, *jwks_path = NULL, *state_path = NULL, *state_text = NULL;
	int rc = cli_parse("render", cmd_render_help, argc, argv, cmd_render_options, &o, render_opt, &ro, 0,
			   CLI_NEED_KEY | CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	outdir = ro.outdir;
	if (outdir == NULL || outdir[0] == '\0') {
		rc = cli_usage_error("render", "--out is required");
		goto out;
	}
	if (asprintf(&disc_path, "%s/.well-known/openid-configuration", outdir) < 0 ||
	    asprintf(&jwks_path, "%s%s", outdir, o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json") < 0 ||
	    asprintf(&state_path, "%s/.saoidc/retention.json", outdir) < 0) {
		disc_path = jwks_path = state_path = NULL;
		err_set(&err, "out of memory");
		goto fail;
	}
	/* Nothing is read or written through a link below DIR: a linked .saoidc could bring in
	 * another state's keys, a linked .well-known write outside DIR. */
	if (!fs_check_no_links(outdir, jwks_path, &err) || !fs_check_no_links(outdir, disc_path, &err) ||
	    !fs_check_no_links(outdir, state_path, &err))
		goto fail;
	if (ro.retain_s == 0)
		cli_warn_no_retention();
	if (!cli_build_docs(&o, &src, &nkeys, &err) ||
	    !retained_docs(state_path, &o, &src, ro.retain_s, &d, &state_text, &err))
		goto fail;
	if (ro.dry_run) {
		log_note("dry run: would write %s and %s (%zu key%s in the JWKS)%s; nothing was written", jwks_path,
			 disc_path, docs_key_count(&d), docs_key_count(&d) == 1 ? "" : "s",
			 state_text != NULL ? ", and update the retention state" : "");
		rc = EXIT_SUCCESS;
		goto out;
	}
	txn = fs_txn_new();
	if (txn == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	/* The JWKS first: a crash between the renames never leaves a discovery document naming keys
	 * that are not there yet. */
	if (!fs_txn_stage(txn, jwks_path, d.jwks, d.jwks_len, &err) ||
	    !fs_txn_stage(txn, disc_path, d.discovery, d.discovery_len, &err) ||
	    (state_text != NULL && !fs_txn_stage(txn, state_path, state_text, strlen(state_text), &err)) ||
	    !fs_txn_commit(txn, &err))
		goto fail;
	if (state_text != NULL && access(state_path, F_OK) == 0)
		log_info("retention state %s: keep it beside the documents (serving it does no harm: it holds only "
			 "public keys and times)",
			 state_path);
	log_info("wrote %s", disc_path);
	log_info("wrote %s (%zu key%s)", jwks_path, docs_key_count(&d), docs_key_count(&d) == 1 ? "" : "s");
	log_info("issuer %s; jwks_uri %s", o.docs.issuer, d.jwks_uri);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	fs_txn_free(txn);
	free(disc_path);
	free(jwks_path);
	free(state_path);
	free(state_text);
	docs_clear(&src);
	docs_clear(&d);
	cli_opts_free(&o);
	return rc;
}
