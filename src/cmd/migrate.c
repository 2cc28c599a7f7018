#include "config.h"

#include "cmd/accounts.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "issuer/migrate.h"
#include "jose/retain.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_migrate_help[] =
    "Usage: saoidc migrate --from OLD --to NEW [--key SOURCE ...] [--apply --phase trust|retire]\n"
    "                      [--switched-at TIME] [--max-token-lifetime DURATION] [--thumbprint auto|none|HEX]\n"
    "                      [--force] [--region REGION] [--ca-file F] [--connect-to HOST:PORT] [--json]\n"
    "\n"
    "Move a cluster from issuer OLD to issuer NEW in this IAM account, with no pod losing its\n"
    "credentials. Without --apply: the plan, read-only (the provider to register, each role trusting\n"
    "OLD with the statement it will gain or lose, the roles that cannot be moved mechanically, the\n"
    "kube-apiserver flags for the transition, what retire checks). Then:\n"
    "  1. publish NEW with the cluster's keys (saoidc publish or serve --issuer NEW)\n"
    "  2. --apply --phase trust: checks NEW serves the keys (--key, else every key OLD serves),\n"
    "     registers NEW (additive, as register), and gives each role a twin of each statement\n"
    "     trusting OLD, keyed to NEW (sub and aud kept; other statements untouched); a second run\n"
    "     writes nothing\n"
    "  3. kube-apiserver --service-account-issuer=NEW --service-account-issuer=OLD (NEW signs,\n"
    "     both are accepted); wait the longest token lifetime\n"
    "  4. --apply --phase retire --switched-at TIME: once OLD and NEW serve the same keys and no\n"
    "     token naming OLD can be valid, removes OLD's statements and deletes OLD's provider; a role\n"
    "     that would trust no issuer is refused by name\n"
    "Every write goes to stderr as it is made; what is refused is refused before the first write.\n"
    "Exit status: 0 done (or planned); 1 refused or failed; 2 a usage error.\n"
    "\n"
    "      --from URL              the issuer the cluster uses now\n"
    "      --to URL                the issuer it moves to\n"
    "  -k, --key SOURCE            the cluster's signing keys, which NEW must publish\n"
    "      --apply                 carry out --phase (default: only the plan)\n"
    "      --dry-run               only the plan, even with --apply\n"
    "      --phase trust|retire    which phase the plan shows and --apply carries out (default trust)\n"
    "      --switched-at TIME      when the API server began signing with NEW: seconds since 1970\n"
    "                              or YYYY-MM-DDTHH:MM:SSZ (retire)\n"
    "      --max-token-lifetime D  the longest token lifetime (default 25h: the EKS webhook's 24 h\n"
    "                              tokens and an hour of JWKS caching)\n"
    "      --thumbprint auto|none|HEX  for registering NEW, as register (default auto)\n"
    "      --client-id ID          NEW's audiences (repeatable; default: those OLD's provider has)\n"
    "      --force                 retire without its checks (tokens naming OLD then fail at once);\n"
    "                              trust leaving the roles that cannot be moved as they are\n"
    "      --region REGION         the account's region (picks the partition's IAM)\n"
    "      --allow-unknown-region  take a region newer than this saoidc\n"
    "      --fips                  IAM's FIPS endpoint (also AWS_USE_FIPS_ENDPOINT=true)\n"
    "      --ca-file FILE          trust these CAs for the issuers' fetches\n"
    "      --connect-to HOST:PORT  dial this instead of NEW's host\n"
    "      --json                  print the plan as JSON\n" ACCT_HELP "  -h, --help                  show this help\n"
    "\n"
    "Credentials and endpoint: as for `saoidc register` (AWS_ENDPOINT_URL_IAM overrides). With\n"
    "--assume-role or --profile, one run per account, each under a heading; a failing account does\n"
    "not stop the others, and makes the exit status 1.\n" CLI_HELP_KEY_SOURCES;

enum { OPT_FROM = OPT_CMD_BASE, OPT_TO, OPT_APPLY, OPT_PHASE, OPT_SWITCHED, OPT_LIFETIME, OPT_FORCE, OPT_DRY };

static bool parse_time(const char *s, time_t *out)
{
	struct tm tm = {0};
	char *end;
	long long v = strtoll(s, &end, 10);

	if (*s != '\0' && *end == '\0' && v > 0) {
		*out = (time_t)v;
		return true;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return false;
	*out = timegm(&tm);
	return true;
}

static bool mig_opt(void *ctx, int c, const char *arg, int *code)
{
	mig_cfg *m = ctx;

	switch (c) {
	case OPT_FROM:
	case OPT_TO:
		if (strncmp(arg, "https://", 8) != 0)
			*code = cli_usage_error("migrate", "%s %s: an issuer is an https:// URL",
						c == OPT_FROM ? "--from" : "--to", arg);
		*(c == OPT_FROM ? &m->from : &m->to) = arg;
		return true;
	case OPT_APPLY:
	case OPT_FORCE:
		*(c == OPT_APPLY ? &m->apply : &m->force) = true;
		return true;
	case OPT_DRY:
		m->dry_run = true;
		return true;
	case OPT_PHASE:
		if (strcmp(arg, "trust") != 0 && strcmp(arg, "retire") != 0)
			*code = cli_usage_error("migrate", "--phase is trust or retire, not '%s'", arg);
		m->phase = strcmp(arg, "retire") == 0 ? MIG_RETIRE : MIG_TRUST;
		return true;
	case OPT_SWITCHED:
		if (!parse_time(arg, &m->switched_at))
			*code = cli_usage_error("migrate",
						"--switched-at takes seconds or YYYY-MM-DDTHH:MM:SSZ, not '%s'", arg);
		return true;
	case OPT_LIFETIME:
		if (!retain_parse_duration(arg, &m->max_token_s) || m->max_token_s <= 0)
			*code = cli_usage_error("migrate", "--max-token-lifetime takes a duration (25h, 90m), not '%s'",
						arg);
		return true;
	default:
		return cli_reg_opt(&m->reg, c, arg, code);
	}
}

/* The plan, to stdout (to stderr when the run was refused: its output is then only the error). */
static void print_plan(FILE *f, const json_t *rep, const mig_cfg *m)
{
	size_t i;
	json_t *r, *v;

	fprintf(f, "migrate %s -> %s (%s)\n", m->from, m->to, m->phase == MIG_RETIRE ? "phase retire" : "phase trust");
	fprintf(f, "  old provider: %s\n", json_string_value(json_object_get(rep, "old_provider")));
	fprintf(f, "  new provider: %s%s\n", json_string_value(json_object_get(rep, "new_provider")),
		json_is_true(json_object_get(rep, "register")) ? " (to register)" : " (registered)");
	{
		char *ids = json_dumps(json_object_get(rep, "client_ids"), JSON_COMPACT);

		fprintf(f, "  its client IDs: %s (--client-id, else the old provider's)\n", ids != NULL ? ids : "?");
		free(ids);
	}
	fprintf(f, "  roles trusting %s: %zu\n", m->from, json_array_size(json_object_get(rep, "roles")));
	json_array_foreach(json_object_get(rep, "roles"), i, r)
	{
		const char *a = json_string_value(json_object_get(r, "action"));
		char *st = json_dumps(json_object_get(r, "statements"), JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(f, "    [%s] %s", a, json_string_value(json_object_get(r, "arn")));
		if (strcmp(a, "add") == 0)
			fprintf(f, ": gains %s", st != NULL ? st : "?");
		else if (strcmp(a, "remove") == 0)
			fprintf(f, ": loses its statements trusting the old provider");
		else if (strcmp(a, "present") == 0)
			fprintf(f, ": %s",
				m->phase == MIG_RETIRE ? "nothing to remove" : "already trusts the new provider");
		else
			fprintf(f, ": %s", json_string_value(json_object_get(r, "why")));
		fprintf(f, "\n");
		free(st);
	}
	fprintf(f, "  the transition:\n");
	json_array_foreach(json_object_get(rep, "flags"), i, v)
	{
		fprintf(f, "    %zu. %s\n", i + 1, json_string_value(v));
	}
	fprintf(f, "  before --phase retire:\n");
	json_array_foreach(json_object_get(rep, "retire_checks"), i, v)
	{
		fprintf(f, "    - %s\n", json_string_value(v));
	}
}

typedef struct mig_cmd {
	mig_cfg m;
	acct_opts a;
	cli_opts o;
} mig_cmd;

static bool mig_cmd_opt(void *ctx, int c, const char *arg, int *code)
{
	mig_cmd *mc = ctx;

	return acct_opt(&mc->a, c, arg) || mig_opt(&mc->m, c, arg, code);
}

/* With --apply: the plan, printed before the first write (the writes follow on stderr). */
static void announce(void *ctx, const json_t *plan)
{
	mig_cmd *mc = ctx;

	if (!mc->o.json) {
		print_plan(stdout, plan, &mc->m);
		fflush(stdout);
	}
}

/* One account's migration: its plan (with a heading naming the account when there are
 * several), carried out with --apply. */
static int migrate_one(void *ctx, const char *label)
{
	mig_cmd *mc = ctx;
	sao_err err = {""};
	json_t *rep = NULL;
	int rc;

	if (label[0] != '\0' && !mc->o.json)
		printf("== %s\n", label);
	if (!mig_run(&mc->m, announce, mc, log_note, &rep, &err)) {
		if (rep != NULL && !mc->o.json)
			print_plan(stderr, rep, &mc->m);
		json_decref(rep);
		return cli_fail(&err);
	}
	if (mc->o.json) {
		char *j = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (j != NULL)
			printf("%s\n", j);
		free(j);
	} else {
		if (!mc->m.apply)
			print_plan(stdout, rep, &mc->m);
		else
			printf("%s: done\n", mc->m.phase == MIG_RETIRE ? "phase retire" : "phase trust");
	}
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
	json_decref(rep);
	return rc;
}

const struct option cmd_migrate_options[] = {{"from", required_argument, NULL, OPT_FROM},
					     {"to", required_argument, NULL, OPT_TO},
					     CLI_OPT_KEY,
					     {"apply", no_argument, NULL, OPT_APPLY},
					     {"phase", required_argument, NULL, OPT_PHASE},
					     {"switched-at", required_argument, NULL, OPT_SWITCHED},
					     {"max-token-lifetime", required_argument, NULL, OPT_LIFETIME},
					     {"force", no_argument, NULL, OPT_FORCE},
					     {"dry-run", no_argument, NULL, OPT_DRY},
					     {"thumbprint", required_argument, NULL, OPT_THUMBPRINT},
					     {"client-id", required_argument, NULL, OPT_CLIENT_ID},
					     CLI_OPT_AWS,
					     ACCT_OPTS,
					     CLI_OPT_CA_FILE,
					     CLI_OPT_CONNECT_TO,
					     CLI_OPT_JSON,
					     CLI_OPT_HELP,
					     CLI_OPT_END};

int cmd_migrate(int argc, char **argv)
{
	mig_cmd c = {.m = {.phase = MIG_TRUST, .max_token_s = RETAIN_DEFAULT_S}};
	sao_err err = {""};
	key_set *keys = NULL;
	int rc = cli_parse("migrate", cmd_migrate_help, argc, argv, cmd_migrate_options, &c.o, mig_cmd_opt, &c, 0, 0);

	if (rc >= 0)
		goto out;
	if (c.m.from == NULL || c.m.to == NULL) {
		rc = cli_usage_error("migrate", "give --from OLD and --to NEW");
		goto out;
	}
	if (strcmp(c.m.from, c.m.to) == 0) {
		rc = cli_usage_error("migrate", "--from and --to are the same issuer");
		goto out;
	}
	if (c.o.nkeys > 0 && (keys = cli_load_keys(&c.o, &err)) == NULL) {
		rc = cli_fail(&err);
		goto out;
	}
	c.m.keys = keys;
	c.m.region = c.o.region;
	c.m.fips = c.o.fips;
	c.m.allow_unknown_region = c.o.allow_unknown_region;
	c.m.now = time(NULL);
	c.m.apply = c.m.apply && !c.m.dry_run;
	rc = acct_each(&c.a, c.o.region, c.o.fips, c.o.allow_unknown_region, migrate_one, &c);
out:
	key_set_free(keys);
	reg_opts_clear(&c.m.reg);
	acct_opts_clear(&c.a);
	cli_opts_free(&c.o);
	return rc;
}
