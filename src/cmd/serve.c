#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "jose/discovery.h"
#include "util/cpus.h"
#include "util/log.h"
#include "util/sigs.h"
#include "server/certwatch.h"
#include "server/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/kube.h"
#include "kube/kwatch.h"

const char cmd_serve_help[] =
    "Usage: saoidc serve --issuer URL --key PATH [--key PATH ...] [OPTIONS]\n"
    "       saoidc serve --issuers FILE [OPTIONS]\n"
    "\n"
    "Serve the issuer documents over HTTP(S): the long-running issuer service.\n"
    "  /.well-known/openid-configuration   discovery document (application/json)\n"
    "  <jwks-path> and /openid/v1/jwks     JWKS (application/jwk-set+json)\n"
    "  /healthz, /readyz, /metrics         liveness, readiness, Prometheus metrics\n"
    "Only GET and HEAD are answered (405 otherwise); ETag and If-None-Match give 304.\n"
    "Keys are reloaded on SIGHUP and when a key file changes (including the ..data swap of a\n"
    "mounted Secret); a reload that fails keeps serving the previous documents. SIGTERM and\n"
    "SIGINT stop gracefully.\n"
    "\n"
    "  -i, --issuer URL            the service-account issuer (https://HOST[/PATH])\n"
    "      --issuers FILE          serve several issuers from one process, told apart by Host and\n"
    "                              path; FILE (JSON or YAML) lists them:\n"
    "                                issuers:\n"
    "                                - issuer: https://oidc.example.com/cluster-a\n"
    "                                  keys: [/etc/saoidc/a/sa.pub, kube://kube-system/a-sa]\n"
    "                                  jwks_path: /keys.json        (optional, as --jwks-path)\n"
    "                                  jwks_uri: URL                (optional, as --jwks-uri)\n"
    "                                  discovery_style: kube|eks    (optional)\n"
    "                              An unknown host or path is 404. SIGHUP or a change to FILE or\n"
    "                              to a key file reads them all again; a broken file or key keeps\n"
    "                              every issuer as it was, and says why. Instead of --issuer,\n"
    "                              --key and the document options\n"
    "  -k, --key PATH              signing key(s), as for `saoidc jwks`\n"
    "  -l, --listen ADDR:PORT      listen address, repeatable (default 127.0.0.1:8080;\n"
    "                              [::]:8080 for all IPv6 and IPv4 addresses)\n"
    "      --jwks-path PATH        JWKS path (default /keys.json)\n"
    "      --jwks-uri URL          publish this jwks_uri in the discovery document instead\n"
    "      --legacy-empty-kid      also publish each key with \"kid\": \"\"\n"
    "      --discovery-style kube|eks\n"
    "                              kube (default): kube-apiserver's five-member discovery\n"
    "                              document, byte for byte; eks: with EKS's authorization_endpoint\n"
    "                              and claims_supported\n"
    "      --cache-max-age SECONDS Cache-Control max-age (default 3600)\n"
    "      --cors                  add Access-Control-Allow-Origin: * to the documents\n"
    "      --tls-cert FILE         serve HTTPS with this certificate chain (PEM)...\n"
    "      --tls-key FILE          ...and this private key (PEM)\n"
    "      --watch-interval MS     how often key files are checked for changes (default 2000;\n"
    "                              0: only on SIGHUP)\n"
    "      --max-connections N     concurrent connections per listener (default 4096)\n"
    "      --max-per-ip N          concurrent connections per client address (default 128; 0: no\n"
    "                              cap). Behind a proxy that connects from one address, raise it\n"
    "      --timeout SECONDS       idle connection timeout (default 10)\n"
    "      --request-timeout SECONDS  a whole request, headers included, must arrive within this\n"
    "                              (default 10): a client that trickles bytes is cut off\n"
    "      --max-request-size N    bytes for the request line and headers (default 8192)\n"
    "      --threads N             worker threads per listener (default: the CPUs this process\n"
    "                              may use: affinity mask and cgroup CPU limit, rounded up)\n"
    "      --shutdown-grace MS     how long in-flight requests may finish on stop (default 5000)\n"
    "      --log-format text|json  log line format on stderr (default text)\n"
    "      --status-listen HOST:PORT  serve /healthz, /readyz and /metrics there (plain HTTP, e.g.\n"
    "                              127.0.0.1:9090) instead of on the issuer's listeners\n"
    "      --access-log            log every request: client, method, path, status, User-Agent\n"
    "                              (to see whether and how STS fetches the documents)\n"
    "      --from-apiserver        serve the API server's own JWKS (/openid/v1/jwks) instead of --key,\n"
    "                              polled; needs the system:service-account-issuer-discovery role.\n"
    "                              With an ExternalJWTSigner (Kubernetes 1.32+) the signer picks the\n"
    "                              kids, so this is the only correct source\n"
    "      --kube-poll-interval S  how often kube:// Secrets or the API server are read again as a\n"
    "                              safety net (default 30); kube:// Secrets are also watched (RBAC:\n"
    "                              list and watch on that Secret, by name), so a key change is\n"
    "                              served within about a second\n"
    "      --kube-api URL, --kube-token-file F, --kube-ca F\n"
    "                              the Kubernetes API for kube://NAMESPACE/SECRET keys outside a pod\n"
    "                              (in a pod: its service account)\n"
    "  -h, --help                  show this help\n" CLI_HELP_KEY_SOURCES;

enum {
	OPT_LISTEN = 'l',
	OPT_MAX_AGE = OPT_CMD_BASE,
	OPT_CORS,
	OPT_ACCESS_LOG,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_WATCH,
	OPT_MAX_CONN,
	OPT_MAX_PER_IP,
	OPT_TIMEOUT,
	OPT_REQ_TIMEOUT,
	OPT_MAX_REQ,
	OPT_THREADS,
	OPT_GRACE,
	OPT_LOG_FORMAT,
	OPT_STATUS_LISTEN,
	OPT_KUBE_POLL,
	OPT_ISSUERS,
};

typedef struct serve_opts {
	const char **listen;
	size_t nlisten;
	unsigned max_age, watch_ms, max_conn, max_per_ip, timeout_s, req_timeout_s, threads, grace_ms, max_request,
	    kube_poll_s;
	bool cors;
	bool access_log;
	const char *tls_cert, *tls_key;
	const char *status_listen;
	const char *issuers; /* --issuers FILE */
} serve_opts;

/* A listen address refused when the options are read: a usage error (2), before anything starts. */
static bool listen_ok(const char *opt, const char *arg, int *code)
{
	struct sockaddr_storage sa;
	unsigned salen = 0;
	sao_err err = {""};

	if (srv_parse_listen(arg, &sa, &salen, &err))
		return true;
	*code = cli_usage_error("serve", "%s: %s", opt, err.msg);
	return false;
}

static bool serve_opt(void *ctx, int c, const char *arg, int *code)
{
	serve_opts *so = ctx;
	const char **nv;

	switch (c) {
	case OPT_LISTEN:
		if (!listen_ok("--listen", arg, code))
			return true;
		nv = realloc(so->listen, (so->nlisten + 1) * sizeof(*nv));
		if (nv == NULL) {
			*code = EXIT_FAILURE;
			return true;
		}
		so->listen = nv;
		so->listen[so->nlisten++] = arg;
		return true;
	case OPT_CORS:
		so->cors = true;
		return true;
	case OPT_ACCESS_LOG:
		so->access_log = true;
		return true;
	case OPT_TLS_CERT:
		so->tls_cert = arg;
		return true;
	case OPT_TLS_KEY:
		so->tls_key = arg;
		return true;
	case OPT_STATUS_LISTEN:
		if (listen_ok("--status-listen", arg, code))
			so->status_listen = arg;
		return true;
	case OPT_ISSUERS:
		so->issuers = arg;
		return true;
	case OPT_LOG_FORMAT:
		if (!log_set_format(arg))
			*code = cli_usage_error("serve", "--log-format takes text or json, not '%s'", arg);
		return true;
	case OPT_MAX_AGE:
	case OPT_WATCH:
	case OPT_MAX_CONN:
	case OPT_MAX_PER_IP:
	case OPT_TIMEOUT:
	case OPT_REQ_TIMEOUT:
	case OPT_MAX_REQ:
	case OPT_THREADS:
	case OPT_GRACE:
	case OPT_KUBE_POLL: {
		const struct {
			int opt;
			const char *name;
			unsigned long min, max;
			unsigned *dst;
		} limits[] = {
		    {OPT_MAX_AGE, "--cache-max-age", 0, 31536000, &so->max_age},
		    {OPT_WATCH, "--watch-interval", 0, 3600000, &so->watch_ms},
		    {OPT_MAX_CONN, "--max-connections", 1, 1000000, &so->max_conn},
		    {OPT_MAX_PER_IP, "--max-per-ip", 0, 1000000, &so->max_per_ip},
		    {OPT_TIMEOUT, "--timeout", 1, 3600, &so->timeout_s},
		    {OPT_REQ_TIMEOUT, "--request-timeout", 1, 3600, &so->req_timeout_s},
		    {OPT_MAX_REQ, "--max-request-size", 1024, 1048576, &so->max_request},
		    {OPT_THREADS, "--threads", 1, 256, &so->threads},
		    {OPT_GRACE, "--shutdown-grace", 0, 600000, &so->grace_ms},
		    {OPT_KUBE_POLL, "--kube-poll-interval", 1, 86400, &so->kube_poll_s},
		};

		for (size_t i = 0; i < sizeof(limits) / sizeof(*limits); i++) {
			if (limits[i].opt != c)
				continue;
			cli_uint("serve", limits[i].name, NULL, arg, limits[i].min, limits[i].max, limits[i].dst, code);
		}
		return true;
	}
	default:
		return false;
	}
}

/* /metrics: the watches' restarts and the age of their oldest last event. */
static char *watch_stats(void *ctx)
{
	return kwatch_metrics_text(ctx);
}

/* serve --issuers' source: the file read again (issuer/source). */
typedef struct issuers_src {
	const char *path;
	const cli_opts *o; /* the --kube-* options and --allow-certificate, shared */
} issuers_src;

static bool issuers_source(void *ctx, serve_site **out, size_t *n, strlist *files, sao_err *err)
{
	const issuers_src *is = ctx;
	src_cfg base = cli_source(is->o);

	return src_sites_load(is->path, &base, out, n, files, err);
}

/* serve's source: the keys (or the API server's documents) read again. */
static bool source(void *ctx, docs *d, size_t *nkeys, sao_err *err)
{
	return cli_build_docs(ctx, d, nkeys, err);
}

/* --issuers FILE or --issuer/--key: one or the other; TLS as a pair; keys that can be read
 * again. -1: fine; else the usage exit code. */
static int mode_checks(const serve_opts *so, const cli_opts *o)
{
	if ((so->tls_cert == NULL) != (so->tls_key == NULL))
		return cli_usage_error("serve", "--tls-cert and --tls-key go together");
	for (size_t i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i], "-") == 0)
			return cli_usage_error("serve", "--key - (stdin) cannot be reloaded; give a file or directory");
	if (so->issuers == NULL) {
		if (o->docs.issuer == NULL)
			return cli_usage_error("serve", "--issuer is required (or --issuers FILE)");
		if (o->nkeys == 0 && !o->from_apiserver)
			return cli_usage_error("serve", "at least one --key is required");
		return -1;
	}
	if (o->docs.issuer != NULL || o->nkeys > 0 || o->from_apiserver || o->docs.jwks_path != NULL ||
	    o->docs.jwks_uri != NULL || o->docs.legacy_empty_kid || o->docs.eks_discovery)
		return cli_usage_error("serve",
				       "--issuers FILE names each issuer's keys and options: give no --issuer, "
				       "--key, --from-apiserver or document option with it");
	return -1;
}

const struct option cmd_serve_options[] = {CLI_OPTS_DOCS,
					   CLI_OPT_JWKS_URI,
					   {"listen", required_argument, NULL, OPT_LISTEN},
					   {"cache-max-age", required_argument, NULL, OPT_MAX_AGE},
					   {"cors", no_argument, NULL, OPT_CORS},
					   {"access-log", no_argument, NULL, OPT_ACCESS_LOG},
					   {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
					   {"tls-key", required_argument, NULL, OPT_TLS_KEY},
					   {"watch-interval", required_argument, NULL, OPT_WATCH},
					   {"max-connections", required_argument, NULL, OPT_MAX_CONN},
					   {"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
					   {"timeout", required_argument, NULL, OPT_TIMEOUT},
					   {"request-timeout", required_argument, NULL, OPT_REQ_TIMEOUT},
					   {"max-request-size", required_argument, NULL, OPT_MAX_REQ},
					   {"threads", required_argument, NULL, OPT_THREADS},
					   {"shutdown-grace", required_argument, NULL, OPT_GRACE},
					   {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
					   {"status-listen", required_argument, NULL, OPT_STATUS_LISTEN},
					   {"kube-poll-interval", required_argument, NULL, OPT_KUBE_POLL},
					   {"issuers", required_argument, NULL, OPT_ISSUERS},
					   CLI_OPT_HELP,
					   CLI_OPT_END};

int cmd_serve(int argc, char **argv)
{
	static const char *const default_listen[] = {"127.0.0.1:8080"};
	serve_opts so = {.max_age = 3600,
			 .watch_ms = 2000,
			 .max_conn = 4096,
			 .max_per_ip = 128,
			 .timeout_s = 10,
			 .req_timeout_s = 10,
			 .grace_ms = 5000,
			 .max_request = 8192,
			 .kube_poll_s = 30};
	bool kube_keys = false;
	cli_opts o = {0};
	sao_err err = {""};
	char *cert = NULL, *key = NULL, *prefix = NULL;
	kwatch *kw = NULL;
	strlist kube = {0};
	issuers_src isrc = {NULL, &o};
	int rc = cli_parse("serve", cmd_serve_help, argc, argv, cmd_serve_options, &o, serve_opt, &so, 0, 0);

	if (rc >= 0 || (rc = mode_checks(&so, &o)) >= 0)
		goto out;
	rc = EXIT_FAILURE;
	isrc.path = so.issuers;
	prefix = so.issuers != NULL ? strdup("") : disc_issuer_path(o.docs.issuer);
	if (so.issuers != NULL && !src_sites_kube(so.issuers, &kube, &err))
		goto fail;
	if (prefix == NULL) {
		rc = cli_usage_error("serve", "--issuer \"%s\" is not a URL", o.docs.issuer);
		goto out;
	}
	kube_keys = o.from_apiserver || kube.n > 0;
	for (size_t i = 0; i < o.nkeys; i++)
		kube_keys = kube_keys || kube_is_uri(o.keys[i]);
	/* Signals are taken synchronously by the main thread; block them before any worker starts. */
	sigs_block_service();
	if (so.tls_cert != NULL && !certwatch_read(so.tls_cert, so.tls_key, &cert, &key, &err))
		goto fail;
	{
		const char *threads_from = "--threads";
		serve_cfg sc = {
		    .srv = {.listen = so.nlisten > 0 ? so.listen : default_listen,
			    .nlisten = so.nlisten > 0 ? so.nlisten : 1,
			    .prefix = prefix,
			    .jwks_path = o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json",
			    .max_age = so.max_age,
			    .cors = so.cors,
			    .access_log = so.access_log,
			    .max_connections = so.max_conn,
			    .per_ip_connections = so.max_per_ip,
			    .timeout_s = so.timeout_s,
			    .request_timeout_ms = so.req_timeout_s * 1000u,
			    .max_request = so.max_request,
			    .threads = so.threads != 0 ? so.threads : cpus_usable(&threads_from),
			    .tls_cert_pem = cert,
			    .tls_key_pem = key,
			    .no_status_routes = so.status_listen != NULL},
		    .issuer = so.issuers != NULL ? so.issuers : o.docs.issuer,
		    .tls_cert_file = so.tls_cert,
		    .tls_key_file = so.tls_key,
		    .key_files = o.keys,
		    .nkey_files = o.nkeys,
		    .watch_ms = so.watch_ms,
		    .poll_source = kube_keys,
		    .kube_poll_s = so.kube_poll_s,
		    .from_apiserver = o.from_apiserver,
		    .grace_ms = so.grace_ms,
		    .status_listen = so.status_listen,
		    .source = source,
		    .source_ctx = &o,
		    .sites = so.issuers != NULL ? issuers_source : NULL,
		    .sites_ctx = &isrc,
		};

		sc.threads_from = threads_from;
		/* kube:// Secrets are watched: a key change is served in about a second; the poll stays
		 * as the safety net. */
		if (kube_keys && !o.from_apiserver &&
		    (kw = kwatch_start(&o.kube, so.issuers != NULL ? (const char **)kube.v : o.keys,
				       so.issuers != NULL ? kube.n : o.nkeys, sigs_usr1_self, NULL, &err)) == NULL)
			goto fail;
		if (kwatch_count(kw) > 0) {
			log_info("watching %zu Secret%s through the Kubernetes API (poll every %us as a safety net)",
				 kwatch_count(kw), kwatch_count(kw) == 1 ? "" : "s", so.kube_poll_s);
			sc.watch_stats = watch_stats;
			sc.watch_ctx = kw;
		}
		if (!serve_run(&sc, &err))
			goto fail;
	}
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	kwatch_stop(kw);
	certwatch_pair_free(cert, key);
	free(prefix);
	free(so.listen);
	strlist_clear(&kube);
	cli_opts_free(&o);
	return rc;
}
