#include "config.h"

#include "admission/webhook.h"
#include "aws/endpoint.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "server/certwatch.h"
#include "net/tls.h"
#include "server/server.h"
#include "util/fsio.h"
#include "util/log.h"
#include "util/sigs.h"
#include "util/str.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_webhook_help[] =
    "Usage: saoidc webhook --tls-cert FILE --tls-key FILE [--listen ADDR:PORT] [OPTIONS]\n"
    "\n"
    "A mutating admission webhook for any cluster (POST /mutate, AdmissionReview v1; GET /healthz,\n"
    "/readyz (503 until ServiceAccounts have been listed), /metrics): pods whose\n"
    "ServiceAccount is annotated get their projected token volume, mounts and env vars:\n"
    "  eks.amazonaws.com/role-arn (audience, sts-regional-endpoints, token-expiration 600..86400;\n"
    "    pod annotations eks.amazonaws.com/skip-containers and token-expiration), exactly as\n"
    "    amazon-eks-pod-identity-webhook mutates pods (env order, region and identity pairs, the\n"
    "    Windows token path, an existing token volume or mount kept)\n"
    "  azure.workload.identity/client-id (and tenant-id)\n"
    "  saoidc.io/gcp-credential-config (ConfigMap with credential-configuration.json) and\n"
    "    saoidc.io/gcp-audience (the workload identity provider audience)\n"
    "Containers and init containers are patched; what is already there is kept. A malformed review\n"
    "is allowed unchanged (and logged) unless --deny-malformed. TLS is required.\n"
    "ServiceAccounts are kept by list + watch (as EKS's webhook keeps its informer), so a review is\n"
    "answered without asking the API; one not seen yet is read by a lookup thread while the request\n"
    "waits (never on the event loop); RBAC: get, list and watch on serviceaccounts.\n"
    "\n"
    "  -l, --listen ADDR:PORT      default [::]:8443\n"
    "      --tls-cert FILE, --tls-key FILE\n"
    "      --region REGION         AWS_REGION/AWS_DEFAULT_REGION for AWS pods (an AWS region)\n"
    "      --aws-default-region R  the same, as EKS's flag: any value is injected, with a warning\n"
    "                              when it is not an AWS region saoidc knows\n"
    "      --token-audience AUD    default audience (sts.amazonaws.com); the SA's annotation wins\n"
    "      --token-expiration S    default token lifetime (86400; 600..86400); the SA's, then the\n"
    "                              pod's eks.amazonaws.com/token-expiration win\n"
    "      --sts-regional-endpoint add AWS_STS_REGIONAL_ENDPOINTS=regional unless the SA says false\n"
    "      --token-mount-path DIR  where the token is mounted\n"
    "                              (/var/run/secrets/eks.amazonaws.com/serviceaccount)\n"
    "      --annotation-prefix P   the AWS annotations' prefix (eks.amazonaws.com)\n"
    "      --watch-config-map      also read ServiceAccounts from the ConfigMap pod-identity-webhook\n"
    "                              (data.config: {\"NS/NAME\": {\"RoleARN\": ...}}, as EKS's webhook)\n"
    "      --config-map-namespace NS  its namespace (default: the webhook's own)\n"
    "      --role-account ID       role-arn may be a bare role name: it becomes\n"
    "                              arn:PARTITION:iam::ID:role/NAME, PARTITION that of --region\n"
    "      --azure-tenant-id ID    tenant when the ServiceAccount names none\n"
    "      --deny-malformed        deny malformed reviews instead of allowing them unchanged\n"
    "      --sa-namespace NS       watch the ServiceAccounts of NS only (a Role in NS is then enough)\n"
    "      --sa-cache-seconds N    how often the ConfigMap is read again (default 60; 0: every second);\n"
    "                              ServiceAccounts themselves are watched, not polled\n"
    "      --kube-api URL, --kube-token-file F, --kube-ca F  the API (default: the pod's)\n"
    "      --kubeconfig FILE, --context NAME  the API as kubectl reaches it (outside a pod)\n"
    "      --log-format text|json\n"
    "  -h, --help                  show this help\n";

enum {
	OPT_LISTEN = 'l',
	OPT_CERT = OPT_CMD_BASE,
	OPT_KEY,
	OPT_REGION,
	OPT_DEFAULT_REGION,
	OPT_AUDIENCE,
	OPT_EXPIRATION,
	OPT_REGIONAL,
	OPT_MOUNT,
	OPT_PREFIX,
	OPT_ROLE_ACCOUNT,
	OPT_WATCH_CM,
	OPT_CM_NS,
	OPT_TENANT,
	OPT_DENY,
	OPT_CACHE,
	OPT_LOGF,
	OPT_SA_NS
};

typedef struct wh_opts {
	adm_cfg a;
	const char *cert_file, *key_file;
	bool region_any; /* --aws-default-region: any value */
} wh_opts;

/* The namespace this pod runs in (the service-account mount says), or "default". */
static const char *own_namespace(char *buf, size_t len)
{
	unsigned char *text = NULL;
	size_t n = 0;

	if (fs_read_file("/var/run/secrets/kubernetes.io/serviceaccount/namespace", 256, &text, &n, NULL) && n > 0) {
		snprintf(buf, len, "%s", str_trim((char *)text));
		free(text);
		return buf;
	}
	free(text);
	return "default";
}

static bool dns_label(const char *s)
{
	return s[0] != '\0' && strlen(s) <= 63 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

static bool wh_opt(void *ctx, int c, const char *arg, int *code)
{
	wh_opts *w = ctx;

	switch (c) {
	case OPT_LISTEN:
		w->a.listen = arg;
		return true;
	case OPT_CERT:
		w->cert_file = arg;
		return true;
	case OPT_KEY:
		w->key_file = arg;
		return true;
	case OPT_REGION:
	case OPT_DEFAULT_REGION:
		w->a.wh.region = arg;
		w->region_any = c == OPT_DEFAULT_REGION;
		return true;
	case OPT_AUDIENCE:
		w->a.wh.token_audience = arg;
		return true;
	case OPT_EXPIRATION: {
		unsigned v = 0;

		if (cli_uint("webhook", "--token-expiration", "seconds", arg, 600, 86400, &v, code))
			w->a.wh.token_expiration = v;
		return true;
	}
	case OPT_REGIONAL:
		w->a.wh.regional_sts = true;
		return true;
	case OPT_MOUNT:
		if (arg[0] != '/' || strchr(arg, '\\') != NULL)
			*code = cli_usage_error("webhook", "--token-mount-path takes an absolute Unix path");
		w->a.wh.mount_path = arg;
		return true;
	case OPT_WATCH_CM:
		w->a.watch_cm = true;
		return true;
	case OPT_CM_NS:
	case OPT_SA_NS:
		if (!dns_label(arg))
			*code = cli_usage_error("webhook", "%s takes a namespace name, not '%s'",
						c == OPT_CM_NS ? "--config-map-namespace" : "--sa-namespace", arg);
		*(c == OPT_CM_NS ? &w->a.cm_ns : &w->a.sa_namespace) = arg;
		return true;
	case OPT_ROLE_ACCOUNT:
		if (strlen(arg) != 12 || strspn(arg, "0123456789") != 12)
			*code = cli_usage_error("webhook", "--role-account takes a 12-digit AWS account ID");
		w->a.wh.role_account = arg;
		return true;
	case OPT_PREFIX:
		if (arg[0] == '\0' || strchr(arg, '/') != NULL)
			*code = cli_usage_error("webhook",
						"--annotation-prefix takes a DNS prefix such as eks.amazonaws.com");
		w->a.wh.annotation_prefix = arg;
		return true;
	case OPT_TENANT:
		w->a.wh.azure_tenant = arg;
		return true;
	case OPT_DENY:
		w->a.wh.deny_malformed = true;
		return true;
	case OPT_CACHE:
		cli_uint("webhook", "--sa-cache-seconds", "seconds", arg, 0, 86400, &w->a.cm_poll_s, code);
		return true;
	case OPT_LOGF:
		if (!log_set_format(arg))
			*code = cli_usage_error("webhook", "--log-format takes text or json");
		return true;
	default:
		return false;
	}
}

const struct option cmd_webhook_options[] = {{"listen", required_argument, NULL, OPT_LISTEN},
					     {"tls-cert", required_argument, NULL, OPT_CERT},
					     {"tls-key", required_argument, NULL, OPT_KEY},
					     {"region", required_argument, NULL, OPT_REGION},
					     {"aws-default-region", required_argument, NULL, OPT_DEFAULT_REGION},
					     {"token-audience", required_argument, NULL, OPT_AUDIENCE},
					     {"token-expiration", required_argument, NULL, OPT_EXPIRATION},
					     {"sts-regional-endpoint", no_argument, NULL, OPT_REGIONAL},
					     {"token-mount-path", required_argument, NULL, OPT_MOUNT},
					     {"annotation-prefix", required_argument, NULL, OPT_PREFIX},
					     {"role-account", required_argument, NULL, OPT_ROLE_ACCOUNT},
					     {"watch-config-map", no_argument, NULL, OPT_WATCH_CM},
					     {"config-map-namespace", required_argument, NULL, OPT_CM_NS},
					     {"sa-namespace", required_argument, NULL, OPT_SA_NS},
					     {"azure-tenant-id", required_argument, NULL, OPT_TENANT},
					     {"deny-malformed", no_argument, NULL, OPT_DENY},
					     {"sa-cache-seconds", required_argument, NULL, OPT_CACHE},
					     {"log-format", required_argument, NULL, OPT_LOGF},
					     CLI_OPT_KUBE,
					     CLI_OPT_HELP,
					     CLI_OPT_END};

int cmd_webhook(int argc, char **argv)
{
	wh_opts w = {.a = {.listen = "[::]:8443", .cm_poll_s = 60}};
	cli_opts o = {0};
	sao_err err = {""};
	char *cert = NULL, *key = NULL;
	struct sockaddr_storage sa;
	char ns_buf[256];
	unsigned salen = 0;
	int rc = cli_parse("webhook", cmd_webhook_help, argc, argv, cmd_webhook_options, &o, wh_opt, &w, 0, 0);

	if (rc >= 0)
		goto out;
	w.a.api = o.kube;
	if (w.cert_file == NULL || w.key_file == NULL) {
		rc = cli_usage_error("webhook", "--tls-cert and --tls-key are required: the API server only calls "
						"webhooks over HTTPS");
		goto out;
	}
	if (!certwatch_read(w.cert_file, w.key_file, &cert, &key, &err))
		goto fail;
	if (!srv_parse_listen(w.a.listen, &sa, &salen, &err))
		goto fail;
	w.a.sa = (const struct sockaddr *)&sa;
	w.a.salen = salen;
	w.a.cert_file = w.cert_file;
	w.a.key_file = w.key_file;
	if (w.a.wh.region != NULL && aws_partition_of(w.a.wh.region, &err) == NULL) {
		if (!w.region_any) {
			err_prefix(&err, "--region: ");
			goto fail;
		}
		log_warn("--aws-default-region %s: %s; injected as given", w.a.wh.region, err.msg);
		err.msg[0] = '\0';
	} else if (w.a.wh.region != NULL && !aws_region_known(w.a.wh.region) && !w.region_any) {
		const char *near = aws_region_suggest(w.a.wh.region);

		/* Every pod would get it as AWS_REGION: a typo is caught here. */
		err_set(&err, "--region %s is not a region saoidc knows%s%s%s; --aws-default-region takes any value",
			w.a.wh.region, near != NULL ? " (did you mean " : "", near != NULL ? near : "",
			near != NULL ? "?)" : "");
		goto fail;
	}
	if (w.a.watch_cm && w.a.cm_ns == NULL)
		w.a.cm_ns = own_namespace(ns_buf, sizeof(ns_buf));
	/* Blocked in every thread the service starts: the main loop takes them with sigtimedwait. */
	sigs_block_service();
	if (!adm_run(&w.a, cert, key, &err))
		goto fail;
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	certwatch_pair_free(cert, key);
	cli_opts_free(&o);
	return rc;
}
