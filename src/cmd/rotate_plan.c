#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/origin.h"
#include "jose/retain_fleet.h"
#include "issuer/rotation.h"
#include "net/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_rotate_plan_help[] =
    "Usage: saoidc rotate-plan --issuer URL --key PATH... [--signer PATH] [--state STORE]\n"
    "                          [--region REGION]] [--retain DURATION] [--cluster NAME]\n"
    "                          [--ca-file F] [--connect-to H:P]\n"
    "\n"
    "Say the safe next step of a key rotation. It compares the JWKS the issuer publishes now (fetched\n"
    "as STS fetches it), the keys the API server holds (--key: every --service-account-key-file,\n"
    "new ones included), the key it signs with (--signer), and the retention state that\n"
    "`saoidc publish` keeps next to the documents (--state). The rule: a key is published before\n"
    "it signs, and stays published until every token it signed has expired.\n"
    "\n"
    "  -i, --issuer URL        the issuer\n"
    "  -k, --key PATH          the keys the API server holds (repeatable)\n"
    "      --signer PATH       the key it signs with now (--service-account-signing-key-file's;\n"
    "                          private or public)\n"
    "      --state STORE       where publish keeps the retention state: s3://BUCKET[/PREFIX],\n"
    "                          azblob://ACCOUNT/CONTAINER[/PREFIX] or gs://BUCKET[/PREFIX] (with\n"
    "                          that cloud's credentials)\n"
    "      --region REGION     the bucket's region\n"
    "      --allow-unknown-region\n"
    "                          take a region newer than this saoidc (partition from its prefix)\n"
    "      --retain DURATION   the retention publish uses (default 25h)\n"
    "      --cluster NAME      on an issuer several clusters share (publish --cluster): plan for\n"
    "                          this one; the keys the state says are other clusters' are left out\n"
    "      --ca-file, --connect-to  as for verify\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 when no valid token can fail now, 1 when one can (a key signs or is held that is\n"
    "not published) or on error. The runbook: doc/guide-key-rotation.md.\n" CLI_HELP_KEY_SOURCES;

enum { OPT_SIGNER = OPT_CMD_BASE, OPT_STATE, OPT_RETAIN };

typedef struct rp_opts {
	const char *signer, *state;
	long retain_s;
	tls_opts tls;
} rp_opts;

static bool rp_opt(void *ctx, int c, const char *arg, int *code)
{
	rp_opts *r = ctx;

	switch (c) {
	case OPT_SIGNER:
		r->signer = arg;
		return true;
	case OPT_STATE:
		r->state = arg;
		return true;
	case OPT_RETAIN:
		if (!retain_parse_duration(arg, &r->retain_s))
			*code = cli_usage_error("rotate-plan", "--retain takes a duration such as 25h, not '%s'", arg);
		return true;
	default:
		return cli_tls_opt(&r->tls, c, arg);
	}
}

/* GETs a JSON document; NULL with the reason. */
static json_t *get(const char *url, const tls_opts *tls, sao_err *err)
{
	fetch_result r;
	json_t *j = NULL;

	if (!fetch_get(url, tls, 5000, &r, err))
		return NULL;
	if (r.status != 200)
		err_set(err, "GET %s answered HTTP %ld", url, r.status);
	else if ((j = json_loadb(r.body != NULL ? r.body : "", r.len, 0, NULL)) == NULL)
		err_set(err, "GET %s: not JSON", url);
	fetch_result_clear(&r);
	return j;
}

static bool published_kids(const char *issuer, const tls_opts *tls, strlist *kids, sao_err *err)
{
	char *url = NULL;
	json_t *disc = NULL, *jwks = NULL, *k;
	const char *ju;
	size_t i;
	bool ok = false;

	if (asprintf(&url, "%s/.well-known/openid-configuration", issuer) < 0)
		return err_set(err, "out of memory");
	if ((disc = get(url, tls, err)) == NULL)
		goto out;
	if ((ju = json_string_value(json_object_get(disc, "jwks_uri"))) == NULL) {
		err_set(err, "%s has no jwks_uri", url);
		goto out;
	}
	{
		tls_opts jo = fetch_opts_for(tls, issuer, ju);

		if ((jwks = get(ju, &jo, err)) == NULL)
			goto out;
	}
	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "kid"));

		if (kid != NULL && !strlist_has(kids, kid) && !strlist_add(kids, kid)) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	ok = true;
out:
	free(url);
	json_decref(disc);
	json_decref(jwks);
	return ok;
}

static bool read_state(const rp_opts *r, const cli_opts *o, json_t **state, sao_err *err)
{
	origin_cfg oc = {r->state, o->docs.issuer, o->region, o->fips, o->allow_unknown_region};
	origin *org = origin_open(&oc, err);
	bool ok = org != NULL && origin_state(org, state, err);

	origin_close(org);
	return ok;
}

/* On a shared issuer, the keys per cluster (the state's), this one marked. */
static bool print_clusters(const json_t *state, const char *cluster, sao_err *err)
{
	strlist lines = {0};
	size_t named = 0;

	if (!retain_state_clusters(state, &lines)) {
		strlist_clear(&lines);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < lines.n; i++)
		named += lines.v[i][0] != '(';
	for (size_t i = 0; named > 0 && i < lines.n; i++) {
		size_t n = strcspn(lines.v[i], ":");

		printf("  cluster %s%s\n", lines.v[i],
		       cluster != NULL && strlen(cluster) == n && strncmp(lines.v[i], cluster, n) == 0 ? "  <- this one"
												       : "");
	}
	if (named > 0 && cluster == NULL)
		printf("  (the issuer is shared: give --cluster NAME to plan for one cluster; the others' keys are "
		       "left out)\n");
	strlist_clear(&lines);
	return true;
}

const struct option cmd_rotate_plan_options[] = {CLI_OPT_ISSUER,
						 CLI_OPT_KEY,
						 {"signer", required_argument, NULL, OPT_SIGNER},
						 {"state", required_argument, NULL, OPT_STATE},
						 {"retain", required_argument, NULL, OPT_RETAIN},
						 {"cluster", required_argument, NULL, OPT_CLUSTER},
						 CLI_OPT_REGION,
						 CLI_OPT_CA_FILE,
						 CLI_OPT_CONNECT_TO,
						 CLI_OPT_HELP,
						 CLI_OPT_END};

int cmd_rotate_plan(int argc, char **argv)
{
	rp_opts r = {.retain_s = RETAIN_DEFAULT_S};
	cli_opts o = {0};
	sao_err err = {""};
	key_set *keys = NULL, *signer = NULL;
	strlist published = {0}, source = {0}, steps = {0};
	json_t *state = NULL;
	bool safe = true;
	int rc = cli_parse("rotate-plan", cmd_rotate_plan_help, argc, argv, cmd_rotate_plan_options, &o, rp_opt, &r, 0,
			   CLI_NEED_KEY | CLI_NEED_ISSUER);

	if (rc >= 0)
		goto out;
	if ((keys = cli_load_keys(&o, &err)) == NULL)
		goto fail;
	for (size_t i = 0; i < key_set_count(keys); i++)
		if (!strlist_add(&source, key_set_get(keys, i)->kid)) {
			err_set(&err, "out of memory");
			goto fail;
		}
	if (r.signer != NULL) {
		if ((signer = key_set_new()) == NULL || !key_set_add_path(signer, r.signer, &err))
			goto fail;
		if (key_set_count(signer) != 1) {
			err_set(&err, "--signer %s: one key expected, found %zu", r.signer, key_set_count(signer));
			goto fail;
		}
	}
	if (!published_kids(o.docs.issuer, &r.tls, &published, &err)) {
		err_prefix(&err, "reading the published JWKS: ");
		goto fail;
	}
	if (r.state != NULL && !read_state(&r, &o, &state, &err))
		goto fail;
	{
		rot_input in = {.published = &published,
				.source = &source,
				.signer = signer != NULL ? key_set_get(signer, 0)->kid : NULL,
				.state = state,
				.retain_s = r.retain_s,
				.now = time(NULL),
				.cluster = o.cluster};

		if (!rot_plan(&in, &steps, &safe, &err))
			goto fail;
	}
	printf("published: %zu key(s); held by the API server: %zu\n", published.n, source.n);
	if (state != NULL && !print_clusters(state, o.cluster, &err))
		goto fail;
	for (size_t i = 0; i < steps.n; i++)
		printf("%zu. %s\n", i + 1, steps.v[i]);
	rc = !cli_flush(&err) ? cli_fail(&err) : safe ? EXIT_SUCCESS : EXIT_FAILURE;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	json_decref(state);
	strlist_clear(&published);
	strlist_clear(&source);
	strlist_clear(&steps);
	key_set_free(keys);
	key_set_free(signer);
	cli_opts_free(&o);
	return rc;
}
