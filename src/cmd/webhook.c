#include "config.h"

#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/clock.h"
#include "aws/endpoint.h"
#include "util/fsio.h"
#include "kube/kube.h"
#include "util/log.h"
#include "util/str.h"
#include "server/deadline.h"
#include "server/server.h"
#include "net/tls.h"
#include "server/metrics.h"
#include "server/tlsfront.h"
#include "util/watch.h"
#include "pod/webhook.h"

#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char cmd_webhook_help[] =
	"Usage: saoidc webhook --tls-cert FILE --tls-key FILE [--listen ADDR:PORT] [OPTIONS]\n"
	"\n"
	"A mutating admission webhook for any cluster (POST /mutate, AdmissionReview v1; GET /healthz,\n"
	"/readyz (503 while the Kubernetes API cannot be reached), /metrics): pods whose\n"
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
	"      --sa-cache-seconds N    how long ServiceAccount annotations are cached (default 60)\n"
	"      --kube-api URL, --kube-token-file F, --kube-ca F  the API (default: the pod's)\n"
	"      --log-format text|json\n";

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
	OPT_LOGF
};

typedef struct cache_entry {
	char *key; /* ns/name */
	json_t *annotations;
	long at; /* clock_mono_ms() when fetched */
} cache_entry;

typedef struct wh_state {
	wh_cfg cfg;
	kube_api api;
	unsigned cache_s;
	pthread_mutex_t lock;
	cache_entry *cache;
	size_t ncache;
	const char *listen, *cert_file, *key_file;
	bool region_any; /* --aws-default-region: any value */
	bool watch_cm;   /* --watch-config-map */
	const char *cm_ns;
	json_t *cm_config; /* the ConfigMap's data.config, parsed; under lock */
	atomic_bool api_ok;  /* /readyz: the API server answered the last probe */
	long api_probe_at;   /* clock_mono_ms() of the last probe (main thread) */
	char api_err[300];   /* why not, under lock */
	/* /metrics */
	atomic_ulong mutated, unchanged, denied, lookup_failed, refused_large, refused_complex, refused_busy;
	tf_counters tls; /* the TLS front's */
	long cm_at;        /* clock_mono_ms() of the last poll */
	struct sockaddr_storage sa; /* --listen */
	atomic_size_t inflight; /* body bytes held over every connection */
	dl_reaper *reaper;
} wh_state;

static json_t *sa_annotations(wh_state *w, const char *ns, const char *name, char *err, size_t errlen)
{
	char key[600], *path = NULL, *body = NULL;
	size_t len = 0;
	sao_err e = {""};
	json_t *sa, *ann = NULL;
	long now = clock_mono_ms();

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->ncache; i++) {
		if (strcmp(w->cache[i].key, key) == 0 && now - w->cache[i].at < (long)w->cache_s * 1000) {
			ann = json_incref(w->cache[i].annotations);
			pthread_mutex_unlock(&w->lock);
			return ann;
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (asprintf(&path, "/api/v1/namespaces/%s/serviceaccounts/%s", ns, name) < 0)
		return NULL;
	if (!kube_get(&w->api, path, &body, &len, NULL, &e)) {
		snprintf(err, errlen, "%s", e.msg);
		free(path);
		return NULL;
	}
	free(path);
	sa = json_loadb(body, len, 0, NULL);
	free(body);
	ann = json_incref(json_object_get(json_object_get(sa, "metadata"), "annotations"));
	json_decref(sa);
	if (ann == NULL)
		ann = json_object();
	pthread_mutex_lock(&w->lock);
	{
		size_t slot = w->ncache;

		for (size_t i = 0; i < w->ncache; i++)
			if (strcmp(w->cache[i].key, key) == 0)
				slot = i;
		if (slot == w->ncache && w->ncache < 4096) {
			cache_entry *nv = realloc(w->cache, (w->ncache + 1) * sizeof(*nv));

			if (nv != NULL) {
				w->cache = nv;
				w->cache[slot].key = strdup(key);
				w->cache[slot].annotations = NULL;
				if (w->cache[slot].key != NULL)
					w->ncache++;
			}
		}
		if (slot < w->ncache) {
			json_decref(w->cache[slot].annotations);
			w->cache[slot].annotations = json_incref(ann);
			w->cache[slot].at = now;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return ann;
}

/* A ServiceAccount's annotations, with its entry in the pod-identity-webhook ConfigMap
 * (--watch-config-map) when the annotations name no role (wh_sa_lookup). */
static json_t *lookup_sa(void *ctx, const char *ns, const char *name, char *err, size_t errlen)
{
	wh_state *w = ctx;
	json_t *ann = sa_annotations(w, ns, name, err, errlen), *out;

	if (ann == NULL && err[0] != '\0')
		atomic_fetch_add(&w->lookup_failed, 1);
	if (ann == NULL || !w->watch_cm)
		return ann;
	pthread_mutex_lock(&w->lock);
	out = wh_config_map_merge(ann, w->cm_config, ns, name, &w->cfg);
	pthread_mutex_unlock(&w->lock);
	json_decref(ann);
	return out;
}

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

/* Asks the API server for /version every 10 s (main thread): the webhook is ready only while
 * it can read ServiceAccounts, so a Service does not send reviews it would answer unchanged. */
static void probe_api(wh_state *w, bool force)
{
	char *body = NULL;
	size_t len = 0;
	sao_err e = {""};
	long now = clock_mono_ms();
	bool ok;

	if (!force && now - w->api_probe_at < 10000)
		return;
	w->api_probe_at = now;
	ok = kube_get(&w->api, "/version", &body, &len, NULL, &e);
	free(body);
	pthread_mutex_lock(&w->lock);
	snprintf(w->api_err, sizeof(w->api_err), "%s", ok ? "" : e.msg);
	pthread_mutex_unlock(&w->lock);
	if (ok != atomic_load(&w->api_ok))
		log_msg(ok ? LOG_INFO : LOG_WARN, "%s", ok ? "the Kubernetes API answers: ready" : e.msg);
	atomic_store(&w->api_ok, ok);
}

/* Re-reads the ConfigMap every --sa-cache-seconds (at least 1 s), from the main loop, so a
 * review never waits for it. A failed read keeps the previous contents. */
static void poll_config_map(wh_state *w, bool force)
{
	char *path = NULL, *body = NULL;
	size_t len = 0;
	sao_err e = {""};
	json_t *cm = NULL, *config = NULL;
	long now = clock_mono_ms(), every = w->cache_s > 0 ? (long)w->cache_s * 1000 : 1000;

	if (!w->watch_cm || (!force && now - w->cm_at < every))
		return;
	w->cm_at = now;
	if (asprintf(&path, "/api/v1/namespaces/%s/configmaps/pod-identity-webhook", w->cm_ns) < 0)
		return;
	if (!kube_get(&w->api, path, &body, &len, NULL, &e)) {
		log_warn("--watch-config-map: %s; keeping what was read before", e.msg);
	} else if ((cm = json_loadb(body, len, 0, NULL)) == NULL ||
		   (config = json_loads(json_string_value(json_object_get(json_object_get(cm, "data"), "config")) != NULL
						? json_string_value(json_object_get(json_object_get(cm, "data"), "config"))
						: "{}",
					0, NULL)) == NULL ||
		   !json_is_object(config)) {
		log_warn("--watch-config-map: %s/pod-identity-webhook: data.config is not a JSON object; keeping what was "
			 "read before",
			 w->cm_ns);
	} else {
		pthread_mutex_lock(&w->lock);
		json_decref(w->cm_config);
		w->cm_config = json_incref(config);
		pthread_mutex_unlock(&w->lock);
	}
	json_decref(config);
	json_decref(cm);
	free(body);
	free(path);
}

typedef struct body {
	char *p;
	size_t n;       /* bytes held, and counted in wh_state.inflight */
	bool too_big;   /* over BODY_MAX */
	bool busy;      /* over INFLIGHT_MAX */
} body;

/* Memory bounds, under the 64 Mi the shipped Deployment allows (doc/THREAT-MODEL.md): one body
 * at most 3 MiB (the API server's own request limit), all bodies held at once at most 12 MiB
 * (40 clients each trickling a 3 MB body reached 137 MB), JSON values per review capped before
 * parsing (WH_MAX_VALUES), a whole request within REQUEST_MS. */
#define BODY_MAX (3u * 1024u * 1024u)
#define INFLIGHT_MAX (12u * 1024u * 1024u)
#define REQUEST_MS 15000u
#define SA_LOOKUP_MS 3000L

/* Returns freed heap to the system (glibc keeps it in its arenas otherwise; RSS then stays
 * at the peak of the largest review ever seen). */
static void trim_heap(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Bodies and parse trees of large reviews come and go: a fixed mmap threshold keeps every
 * buffer over 128 KiB in its own mapping, returned to the system when freed (glibc's dynamic
 * threshold would otherwise move them into the arenas after the first one), and two arenas
 * are enough for the two worker threads. */
static void tune_heap(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 2);
#endif
}

static enum MHD_Result reply(wh_state *w, struct MHD_Connection *c, unsigned status, const char *ctype, char *text,
			     bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text,
								  owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	dl_answered(w->reaper, c);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	wh_state *w = cls;
	body *b = *con_cls;

	(void)version;
	if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0) {
		if (b == NULL) {
			*con_cls = (void *)1;
			return MHD_YES;
		}
		return reply(w, c, 200, "text/plain", "ok\n", false);
	}
	if (strcmp(url, "/readyz") == 0 && strcmp(method, "GET") == 0) {
		char *text = NULL;

		if (b == NULL) {
			*con_cls = (void *)1;
			return MHD_YES;
		}
		if (atomic_load(&w->api_ok))
			return reply(w, c, 200, "text/plain", "ready\n", false);
		pthread_mutex_lock(&w->lock);
		if (asprintf(&text, "not ready: the Kubernetes API cannot be reached: %s\n", w->api_err) < 0)
			text = NULL;
		pthread_mutex_unlock(&w->lock);
		return text != NULL ? reply(w, c, 503, "text/plain", text, true) : MHD_NO;
	}
	if (strcmp(url, "/metrics") == 0 && strcmp(method, "GET") == 0) {
		char *text = NULL;

		if (b == NULL) {
			*con_cls = (void *)1;
			return MHD_YES;
		}
		char *tls = metrics_tls_text(&w->tls);

		if (tls == NULL)
			return MHD_NO;
		if (asprintf(&text,
			     "# HELP saoidc_webhook_reviews_total AdmissionReviews answered, by outcome.\n"
			     "# TYPE saoidc_webhook_reviews_total counter\n"
			     "saoidc_webhook_reviews_total{outcome=\"mutated\"} %lu\n"
			     "saoidc_webhook_reviews_total{outcome=\"unchanged\"} %lu\n"
			     "saoidc_webhook_reviews_total{outcome=\"denied\"} %lu\n"
			     "# HELP saoidc_webhook_sa_lookup_failures_total ServiceAccounts that could not be read "
			     "(the pod was admitted unchanged).\n"
			     "# TYPE saoidc_webhook_sa_lookup_failures_total counter\n"
			     "saoidc_webhook_sa_lookup_failures_total %lu\n"
			     "# HELP saoidc_webhook_refused_total Requests refused before review, by reason.\n"
			     "# TYPE saoidc_webhook_refused_total counter\n"
			     "saoidc_webhook_refused_total{reason=\"too_large\"} %lu\n"
			     "saoidc_webhook_refused_total{reason=\"too_complex\"} %lu\n"
			     "saoidc_webhook_refused_total{reason=\"busy\"} %lu\n%s",
			     atomic_load(&w->mutated), atomic_load(&w->unchanged), atomic_load(&w->denied),
			     atomic_load(&w->lookup_failed), atomic_load(&w->refused_large), atomic_load(&w->refused_complex),
			     atomic_load(&w->refused_busy), tls) < 0)
			text = NULL;
		free(tls);
		if (text == NULL)
			return MHD_NO;
		return reply(w, c, 200, "text/plain; version=0.0.4", text, true);
	}
	if (strcmp(url, "/mutate") != 0)
		return reply(w, c, 404, "text/plain", "not found\n", false);
	if (strcmp(method, "POST") != 0)
		return reply(w, c, 405, "text/plain", "method not allowed\n", false);
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		*con_cls = b;
		return b != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		if (b->too_big || b->busy) {
			/* discard the rest */
		} else if (b->n + *upload_size > BODY_MAX) {
			b->too_big = true;
			log_warn("refusing a review larger than %u bytes", BODY_MAX);
		} else if (atomic_fetch_add(&w->inflight, *upload_size) + *upload_size > INFLIGHT_MAX) {
			atomic_fetch_sub(&w->inflight, *upload_size);
			b->busy = true;
			log_warn("refusing a review: %u bytes of request bodies already held", INFLIGHT_MAX);
		} else {
			char *np = realloc(b->p, b->n + *upload_size + 1);

			if (np == NULL) {
				atomic_fetch_sub(&w->inflight, *upload_size);
				return MHD_NO;
			}
			memcpy(np + b->n, upload, *upload_size);
			b->p = np;
			b->n += *upload_size;
			b->p[b->n] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->too_big) {
		atomic_fetch_add(&w->refused_large, 1);
		return reply(w, c, 413, "text/plain", "request too large\n", false);
	}
	if (b->busy) {
		atomic_fetch_add(&w->refused_busy, 1);
		return reply(w, c, 503, "text/plain", "busy: too many request bodies in flight\n", false);
	}
	{
		char warning[512];
		json_t *out = NULL;
		char *s;

		if (!wh_body_bounded(b->p != NULL ? b->p : "", b->n, warning, sizeof(warning))) {
			log_warn("refused: %s", warning);
			atomic_fetch_add(&w->refused_complex, 1);
			return reply(w, c, 413, "text/plain", "request too complex\n", false);
		}
		out = wh_review(b->p != NULL ? b->p : "", b->n, &w->cfg, lookup_sa, w, warning, sizeof(warning));
		{
			const json_t *r = json_object_get(out, "response");

			atomic_fetch_add(!json_is_true(json_object_get(r, "allowed")) ? &w->denied
					 : json_object_get(r, "patch") != NULL  ? &w->mutated
										: &w->unchanged,
					 1);
		}
		s = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
		json_decref(out);
		if (warning[0] != '\0')
			log_warn("%s", warning);
		if (s == NULL)
			return reply(w, c, 500, "text/plain", "internal error\n", false);
		return reply(w, c, 200, "application/json", s, true);
	}
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	wh_state *w = cls;
	body *b = *con_cls;

	(void)c;
	(void)toe;
	if (b != NULL && b != (void *)1) {
		bool large = b->n > 256 * 1024;

		atomic_fetch_sub(&w->inflight, b->n);
		free(b->p);
		if (large)
			trim_heap(); /* the review's body and parse tree are gone: give the memory back */
		free(b);
	}
	*con_cls = NULL;
}

/* Makes one of the TLS front's daemons (tf_daemon_fn). */
static struct MHD_Daemon *make_daemon(void *ctx, unsigned flags, sao_err *err)
{
	wh_state *w = ctx;
	struct MHD_Daemon *d;

	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, 1024, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)done, w},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)dl_notify, w->reaper},
		{MHD_OPTION_END, 0, NULL},
	};

	errno = 0;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, w, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (d == NULL)
		err_set(err, "%s", errno != 0 ? strerror(errno) : "libmicrohttpd refused the configuration");
	return d;
}

/* Serves a renewed certificate when the files' fingerprint changes (cert-manager renewing the
 * Secret): new connections get it, in-flight ones finish on the old one. */
static void reload_tls(tf_front *d, wh_state *w, unsigned char fp[WATCH_FP_LEN])
{
	const char *paths[] = {w->cert_file, w->key_file};
	unsigned char nfp[WATCH_FP_LEN];
	unsigned char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	sao_err err = {""};

	watch_fingerprint(paths, 2, nfp);
	if (memcmp(fp, nfp, WATCH_FP_LEN) == 0)
		return;
	memcpy(fp, nfp, WATCH_FP_LEN);
	if (fs_read_file(w->cert_file, 1024 * 1024, &cert, &clen, &err) &&
	    fs_read_file(w->key_file, 1024 * 1024, &key, &klen, &err) &&
	    tf_set_cert(d, (char *)cert, (char *)key, &err))
		log_info("TLS certificate files changed: serving the new certificate");
	else
		log_error("TLS certificate reload failed, still serving the previous certificate: %s", err.msg);
	if (key != NULL)
		OPENSSL_clear_free(key, klen);
	free(cert);
}

static bool wh_opt(void *ctx, int c, const char *arg, int *code)
{
	wh_state *w = ctx;

	switch (c) {
	case OPT_LISTEN:
		w->listen = arg;
		return true;
	case OPT_CERT:
		w->cert_file = arg;
		return true;
	case OPT_KEY:
		w->key_file = arg;
		return true;
	case OPT_REGION:
	case OPT_DEFAULT_REGION:
		w->cfg.region = arg;
		w->region_any = c == OPT_DEFAULT_REGION;
		return true;
	case OPT_AUDIENCE:
		w->cfg.token_audience = arg;
		return true;
	case OPT_EXPIRATION: {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*arg == '\0' || *end != '\0' || v < 600 || v > 86400)
			*code = cli_usage_error("webhook", "--token-expiration takes whole seconds from 600 to 86400");
		w->cfg.token_expiration = v;
		return true;
	}
	case OPT_REGIONAL:
		w->cfg.regional_sts = true;
		return true;
	case OPT_MOUNT:
		if (arg[0] != '/' || strchr(arg, '\\') != NULL)
			*code = cli_usage_error("webhook", "--token-mount-path takes an absolute Unix path");
		w->cfg.mount_path = arg;
		return true;
	case OPT_WATCH_CM:
		w->watch_cm = true;
		return true;
	case OPT_CM_NS:
		if (arg[0] == '\0' || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(arg))
			*code = cli_usage_error("webhook", "--config-map-namespace takes a namespace name");
		w->cm_ns = arg;
		return true;
	case OPT_ROLE_ACCOUNT:
		if (strlen(arg) != 12 || strspn(arg, "0123456789") != 12)
			*code = cli_usage_error("webhook", "--role-account takes a 12-digit AWS account ID");
		w->cfg.role_account = arg;
		return true;
	case OPT_PREFIX:
		if (arg[0] == '\0' || strchr(arg, '/') != NULL)
			*code = cli_usage_error("webhook", "--annotation-prefix takes a DNS prefix such as eks.amazonaws.com");
		w->cfg.annotation_prefix = arg;
		return true;
	case OPT_TENANT:
		w->cfg.azure_tenant = arg;
		return true;
	case OPT_DENY:
		w->cfg.deny_malformed = true;
		return true;
	case OPT_CACHE:
		w->cache_s = (unsigned)strtoul(arg, NULL, 10);
		return true;
	case OPT_LOGF:
		if (!log_set_format(arg))
			*code = cli_usage_error("webhook", "--log-format takes text or json");
		return true;
	default:
		return false;
	}
}

int cmd_webhook(int argc, char **argv)
{
	static const struct option lo[] = {{"listen", required_argument, NULL, OPT_LISTEN},
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
					   {"azure-tenant-id", required_argument, NULL, OPT_TENANT},
					   {"deny-malformed", no_argument, NULL, OPT_DENY},
					   {"sa-cache-seconds", required_argument, NULL, OPT_CACHE},
					   {"log-format", required_argument, NULL, OPT_LOGF},
					   CLI_OPT_KUBE,
					   CLI_OPT_HELP,
					   CLI_OPT_END};
	wh_state w = {.cache_s = 60, .listen = "[::]:8443"};
	cli_opts o = {0};
	sao_err err = {""};
	unsigned char *cert = NULL, *key = NULL;
	size_t clen = 0, klen = 0;
	tf_front *d = NULL;
	const char *tls_paths[2];
	unsigned char tls_fp[WATCH_FP_LEN];
	char ns_buf[256];
	unsigned salen = 0;
	sigset_t sigs;
	int sig, rc = cli_parse("webhook", cmd_webhook_help, argc, argv, lo, &o, wh_opt, &w, 0, 0);

	if (rc >= 0)
		goto out;
	w.api = o.kube;
	tune_heap();
	/* Well under the admission timeout (5 s in the shipped configuration, 10 s by default):
	 * a slow API server gets the pod admitted, with a warning, not a failed call. */
	w.api.timeout_ms = SA_LOOKUP_MS;
	pthread_mutex_init(&w.lock, NULL);
	if (w.cert_file == NULL || w.key_file == NULL) {
		rc = cli_usage_error("webhook", "--tls-cert and --tls-key are required: the API server only calls "
						"webhooks over HTTPS");
		goto out;
	}
	if (!fs_read_file(w.cert_file, 1024 * 1024, &cert, &clen, &err)) {
		err_prefix(&err, "--tls-cert %s: ", w.cert_file);
		goto fail;
	}
	if (!fs_read_file(w.key_file, 1024 * 1024, &key, &klen, &err)) {
		err_prefix(&err, "--tls-key %s: ", w.key_file);
		goto fail;
	}
	if (!tls_check_pair((const char *)cert, (const char *)key, &err)) {
		err_prefix(&err, "--tls-cert %s, --tls-key %s: ", w.cert_file, w.key_file);
		goto fail;
	}
	tls_paths[0] = w.cert_file;
	tls_paths[1] = w.key_file;
	if (!srv_parse_listen(w.listen, &w.sa, &salen, &err))
		goto fail;
	if (w.cfg.region != NULL && aws_partition_of(w.cfg.region, &err) == NULL) {
		if (!w.region_any) {
			err_prefix(&err, "--region: ");
			goto fail;
		}
		log_warn("--aws-default-region %s: %s; injected as given", w.cfg.region, err.msg);
		err.msg[0] = '\0';
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((w.reaper = dl_start(REQUEST_MS, &err)) == NULL)
		goto fail;
	/* Two workers, each with its own daemon; the API server connects from few addresses, so
	 * no per-address cap. */
	tf_cfg tc = {.sa = (const struct sockaddr *)&w.sa, .salen = salen, .threads = 2, .max_connections = 1024,
		     .handshake_ms = REQUEST_MS, .stall_ms = REQUEST_MS, .counters = &w.tls};
	if ((d = tf_start(&tc, (const char *)cert, (const char *)key, make_daemon, &w, &err)) == NULL) {
		err_prefix(&err, "cannot listen on %s: ", w.listen);
		goto fail;
	}
	watch_fingerprint(tls_paths, 2, tls_fp);
	if (w.watch_cm) {
		if (w.cm_ns == NULL)
			w.cm_ns = own_namespace(ns_buf, sizeof(ns_buf));
		poll_config_map(&w, true);
	}
	probe_api(&w, true);
	log_info("admission webhook listening on https://%s/mutate", w.listen);
	for (;;) {
		struct timespec ts = {1, 0};

		sig = sigtimedwait(&sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		reload_tls(d, &w, tls_fp);
		poll_config_map(&w, false);
		probe_api(&w, false);
	}
	log_info("stopping");
	tf_quiesce(d);
	tf_stop(d);
	rc = EXIT_SUCCESS;
	goto out;
fail:
	rc = cli_fail(&err);
out:
	dl_stop(w.reaper);
	json_decref(w.cm_config);
	for (size_t i = 0; i < w.ncache; i++) {
		free(w.cache[i].key);
		json_decref(w.cache[i].annotations);
	}
	free(w.cache);
	if (key != NULL)
		OPENSSL_clear_free(key, klen + 1);
	free(cert);
	cli_opts_free(&o);
	return rc;
}
