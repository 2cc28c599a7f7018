#include "config.h"

#include "cmd/cli.h"

#include "jose/discovery.h"
#include "jose/retain_fleet.h"
#include "util/log.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

bool cli_common_opt(cli_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_AWS_REGION:
		o->region = arg;
		return true;
	case OPT_DISC_STYLE:
		o->docs.eks_discovery = strcmp(arg, "eks") == 0;
		return true;
	case OPT_FIPS:
		o->fips = true;
		return true;
	case OPT_ALLOW_CERT:
		o->allow_certificate = true;
		return true;
	case OPT_ALLOW_UNKNOWN_REGION:
		o->allow_unknown_region = true;
		return true;
	case OPT_CLUSTER:
	case OPT_RETIRE_CLUSTER:
		if (o->cluster != NULL &&
		    (strcmp(o->cluster, arg) != 0 || o->retire_cluster != (c == OPT_RETIRE_CLUSTER)))
			o->cluster = ""; /* given twice, differently: refused in cli_parse */
		else
			o->cluster = arg;
		o->retire_cluster = c == OPT_RETIRE_CLUSTER;
		return true;
	case OPT_REVOKE:
		if (!strlist_add(&o->revoke, arg))
			o->oom = true;
		return true;
	case 'k': {
		const char **nv = realloc(o->keys, (o->nkeys + 1) * sizeof(*nv));

		if (nv == NULL) {
			o->oom = true;
			return true;
		}
		o->keys = nv;
		o->keys[o->nkeys++] = arg;
		return true;
	}
	case 'i':
		o->docs.issuer = arg;
		return true;
	case OPT_JWKS_PATH:
		o->docs.jwks_path = arg;
		return true;
	case OPT_JWKS_URI:
		o->docs.jwks_uri = arg;
		return true;
	case OPT_LEGACY_EMPTY_KID:
		o->docs.legacy_empty_kid = true;
		return true;
	case OPT_PRETTY:
		o->pretty = true;
		return true;
	case OPT_JSON:
		o->json = true;
		return true;
	case OPT_KUBE_API:
		o->kube.url = arg;
		return true;
	case OPT_KUBE_TOKEN:
		o->kube.token_file = arg;
		return true;
	case OPT_KUBE_CA:
		o->kube.ca_file = arg;
		return true;
	case OPT_KUBECONFIG:
		o->kube.kubeconfig = arg;
		return true;
	case OPT_KUBE_CONTEXT:
		o->kube.context = arg;
		return true;
	case OPT_FROM_APISERVER:
		o->from_apiserver = true;
		return true;
	default:
		return false;
	}
}

bool cli_tls_opt(tls_opts *t, int c, const char *arg)
{
	switch (c) {
	case OPT_CONNECT_TO:
		t->connect_to = arg;
		return true;
	case OPT_CA_FILE:
		t->ca_file = arg;
		return true;
	case OPT_INSECURE:
		t->insecure = true;
		return true;
	default:
		return false;
	}
}

void cli_opts_free(cli_opts *o)
{
	free(o->keys);
	o->keys = NULL;
	o->nkeys = 0;
	strlist_clear(&o->revoke);
}

int cli_parse(const char *cmd, const char *help, int argc, char **argv, const struct option *lo, cli_opts *o,
	      cli_extra_fn extra, void *ctx, int positionals, unsigned need)
{
	char shorts[64] = ":";
	size_t ns = 1;
	int c, code = -1;

	for (const struct option *p = lo; p->name != NULL && ns + 3 < sizeof(shorts); p++) {
		if (p->val > 0 && p->val < 0x80) {
			shorts[ns++] = (char)p->val;
			if (p->has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	optind = 0; /* glibc: 0 also re-initialises getopt's state for this new argument list */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == 'h')
			return cli_print_help(help);
		if (c == '?')
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
		if (c == OPT_DISC_STYLE && strcmp(optarg, "kube") != 0 && strcmp(optarg, "eks") != 0)
			return cli_usage_error(cmd, "--discovery-style takes kube or eks, not '%s'", optarg);
		if (cli_common_opt(o, c, optarg)) {
			if (o->oom) {
				sao_err err = {"out of memory"};

				return cli_fail(&err);
			}
			continue;
		}
		if (extra != NULL && extra(ctx, c, optarg, &code)) {
			if (code >= 0)
				return code;
			continue;
		}
		return cli_usage_error(cmd, "unexpected option '%s'", argv[optind - 1]);
	}
	o->argi = optind;
	if (positionals == 0 && optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (positionals > 0 && argc - optind != positionals) {
		if (o->positional != NULL)
			return cli_usage_error(
			    cmd, argc - optind < positionals ? "%s is missing" : "give %s once, and nothing more",
			    o->positional);
		return cli_usage_error(cmd, "give exactly %d argument%s", positionals, positionals == 1 ? "" : "s");
	}
	if ((need & CLI_NEED_ISSUER) && o->docs.issuer == NULL)
		return cli_usage_error(cmd, "--issuer is required");
	if (o->cluster != NULL && !retain_cluster_name_ok(o->cluster))
		return cli_usage_error(
		    cmd,
		    o->cluster[0] == '\0'
			? "give one --cluster or one --retire-cluster"
			: "--cluster and --retire-cluster take a name of 1 to 63 letters, digits, '.', "
			  "'-' or '_' (the cluster's, as it should appear in the retention state), not '%s'",
		    o->cluster);
	if (o->retire_cluster && (o->nkeys > 0 || o->from_apiserver))
		return cli_usage_error(cmd, "--retire-cluster %s retires every key of that cluster: give no --key",
				       o->cluster);
	if (o->cluster != NULL && o->docs.legacy_empty_kid)
		return cli_usage_error(cmd,
				       "--legacy-empty-kid cannot go with --cluster: a key without a kid cannot be "
				       "told apart from the other clusters' keys");
	if ((need & CLI_NEED_KEY) && o->nkeys == 0 && !o->from_apiserver && !o->retire_cluster)
		return cli_usage_error(cmd, "at least one --key is required");
	if (o->from_apiserver && o->nkeys > 0)
		return cli_usage_error(cmd, "--from-apiserver takes the keys from the API server: give no --key");
	if (o->docs.issuer != NULL) {
		sao_err err = {""};

		if (!disc_check_sts_issuer(o->docs.issuer, &err)) {
			if (strcmp(cmd, "discovery") != 0)
				return cli_fail(&err);
			log_warn("%s (kube-apiserver accepts it: the document is printed)", err.msg);
		}
	}
	return -1;
}

bool cli_uint(const char *cmd, const char *opt, const char *unit, const char *arg, unsigned long min, unsigned long max,
	      unsigned *out, int *code)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno == 0 && arg[0] >= '0' && arg[0] <= '9' && *end == '\0' && v >= min && v <= max) {
		*out = (unsigned)v;
		return true;
	}
	*code = unit != NULL
		    ? cli_usage_error(cmd, "%s takes whole %s from %lu to %lu, not '%s'", opt, unit, min, max, arg)
		    : cli_usage_error(cmd, "%s takes a whole number from %lu to %lu, not '%s'", opt, min, max, arg);
	return false;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "saoidc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'saoidc help %s' for more information.\n", cmd);
	return EXIT_USAGE;
}

int cli_fail(const sao_err *err)
{
	log_error("%s", err->msg[0] != '\0' ? err->msg : "failed (no reason recorded)");
	return EXIT_FAILURE;
}

int cli_print_help(const char *help)
{
	fputs(help, stdout);
	return EXIT_SUCCESS;
}

bool cli_print(const char *s, sao_err *err)
{
	if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
		return err_set(err, "cannot write to standard output: %s", strerror(errno));
	return cli_flush(err);
}

bool cli_flush(sao_err *err)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		return err_set(err, "cannot write to standard output: %s", strerror(errno));
	return true;
}

src_cfg cli_source(const cli_opts *o)
{
	return (src_cfg){(const char *const *)o->keys, o->nkeys,	  &o->kube, o->from_apiserver,
			 o->allow_certificate,	       o->retire_cluster, &o->docs};
}

key_set *cli_load_keys(const cli_opts *o, sao_err *err)
{
	src_cfg s = cli_source(o);

	return src_load_keys(&s, err);
}

bool cli_render_docs(const cli_opts *o, const key_set *keys, docs *d, sao_err *err)
{
	src_cfg s = cli_source(o);

	return src_render_docs(&s, keys, d, err);
}

bool cli_build_docs(const cli_opts *o, docs *d, size_t *nkeys, sao_err *err)
{
	src_cfg s = cli_source(o);

	return src_build_docs(&s, d, nkeys, err);
}

void cli_warn_no_retention(void)
{
	log_warn("--retain 0: a key that leaves the source leaves the JWKS at once, and STS refuses the tokens it "
		 "signed until they expire");
}
