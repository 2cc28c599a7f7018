#include "config.h"

#include "admission/webhook.h"

#include "admission/lookup.h"
#include "server/certwatch.h"
#include "server/deadline.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/tlsfront.h"
#include "util/clock.h"
#include "util/fsio.h"
#include "util/log.h"
#include "util/sigs.h"
#include "util/watch.h"

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

/* Memory bounds, under the 64 Mi the shipped Deployment allows (doc/SECURITY.md): one body at
 * most 3 MiB (the API server's own request limit), all bodies held at once at most 12 MiB (40
 * clients each trickling a 3 MB body reached 137 MB), JSON values per review capped before
 * parsing (WH_MAX_VALUES), a whole request within REQUEST_MS. */
#define BODY_MAX (3u * 1024u * 1024u)
#define INFLIGHT_MAX (12u * 1024u * 1024u)
#define REQUEST_MS 15000u
/* Well under the admission timeout (5 s in the shipped configuration, 10 s by default): a
 * ServiceAccount the API is slow to give gets the pod admitted, with a warning. */
#define SA_LOOKUP_MS 3000L

typedef struct adm {
	const adm_cfg *cfg;
	lk_service *lk;
	pthread_mutex_t lock;
	json_t *cm_config; /* the ConfigMap's data.config, parsed; under lock */
	long cm_at;	   /* clock_mono_ms() of the last poll (main thread) */
	/* /metrics */
	atomic_ulong mutated, unchanged, denied, lookup_failed, refused_large, refused_complex, refused_busy;
	tf_counters tls;	   /* the TLS front's */
	_Atomic(tf_front *) front; /* to wake its workers after a resume */
	atomic_size_t inflight;	   /* body bytes held over every connection */
	dl_reaper *reaper;
} adm;

/* One POST /mutate. */
typedef struct request {
	adm *a;
	char *p;
	size_t n;     /* bytes held, and counted in adm.inflight */
	bool too_big; /* over BODY_MAX */
	bool busy;    /* over INFLIGHT_MAX */
	/* the ServiceAccount lookup, when the copy could not answer */
	bool need_lookup; /* the review asked for one: run it, then review again */
	bool looked_up;	  /* job holds the answer */
	struct MHD_Connection *conn;
	lk_job job;
} request;

/* The answer to a review's ServiceAccount question: from the lookup this request made, else
 * from the copy; a miss is noted (need_lookup) and answered after the lookup. */
static json_t *lookup_sa(void *ctx, const char *ns, const char *name, char *err, size_t errlen)
{
	request *b = ctx;
	adm *a = b->a;
	json_t *ann = NULL, *out;

	if (b->looked_up && strcmp(b->job.ns, ns) == 0 && strcmp(b->job.name, name) == 0) {
		ann = json_incref(b->job.annotations);
		if (ann == NULL) {
			snprintf(err, errlen, "%s", b->job.err);
			atomic_fetch_add(&a->lookup_failed, 1);
		}
	} else if (!lk_cached(a->lk, ns, name, &ann)) {
		if (b->looked_up || strlen(ns) >= sizeof(b->job.ns) || strlen(name) >= sizeof(b->job.name)) {
			snprintf(err, errlen, "ServiceAccount %s/%s could not be looked up", ns, name);
			atomic_fetch_add(&a->lookup_failed, 1);
			return NULL;
		}
		b->need_lookup = true;
		snprintf(b->job.ns, sizeof(b->job.ns), "%s", ns);
		snprintf(b->job.name, sizeof(b->job.name), "%s", name);
		snprintf(err, errlen, "lookup pending");
		return NULL;
	}
	if (ann == NULL || !a->cfg->watch_cm)
		return ann;
	pthread_mutex_lock(&a->lock);
	out = wh_config_map_merge(ann, a->cm_config, ns, name, &a->cfg->wh);
	pthread_mutex_unlock(&a->lock);
	json_decref(ann);
	return out;
}

/* A pool thread has the answer: the suspended request goes on. */
static void lookup_done(lk_job *job)
{
	request *b = job->ctx;

	adm *a = b->a;

	b->looked_up = true;
	MHD_resume_connection(b->conn);
	/* libmicrohttpd runs resumed requests at its next MHD_run; with an external loop, nothing
	 * wakes the loop for it. */
	tf_kick(atomic_load(&a->front));
}

/* Re-reads the ConfigMap every cm_poll_s (at least 1 s) from the main thread, so a review never
 * waits for it. A failed read keeps the previous contents. */
static void poll_config_map(adm *a, bool force)
{
	const adm_cfg *cfg = a->cfg;
	char *path = NULL, *body = NULL;
	size_t len = 0;
	sao_err e = {""};
	json_t *cm = NULL, *config = NULL;
	const char *text;
	long now = clock_mono_ms(), every = cfg->cm_poll_s > 0 ? (long)cfg->cm_poll_s * 1000 : 1000;

	if (!cfg->watch_cm || (!force && now - a->cm_at < every))
		return;
	a->cm_at = now;
	if (asprintf(&path, "/api/v1/namespaces/%s/configmaps/pod-identity-webhook", cfg->cm_ns) < 0)
		return;
	if (!kube_get(&cfg->api, path, &body, &len, NULL, &e)) {
		log_warn("--watch-config-map: %s; keeping what was read before", e.msg);
		goto out;
	}
	cm = json_loadb(body, len, 0, NULL);
	text = json_string_value(json_object_get(json_object_get(cm, "data"), "config"));
	if (cm == NULL || (config = json_loads(text != NULL ? text : "{}", 0, NULL)) == NULL ||
	    !json_is_object(config)) {
		log_warn(
		    "--watch-config-map: %s/pod-identity-webhook: data.config is not a JSON object; keeping what was "
		    "read before",
		    cfg->cm_ns);
		goto out;
	}
	pthread_mutex_lock(&a->lock);
	json_decref(a->cm_config);
	a->cm_config = json_incref(config);
	pthread_mutex_unlock(&a->lock);
out:
	json_decref(config);
	json_decref(cm);
	free(body);
	free(path);
}

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

static enum MHD_Result reply(adm *a, struct MHD_Connection *c, unsigned status, const char *ctype, char *text,
			     bool owned)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), text, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL) {
		if (owned)
			free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	dl_answered(a->reaper, c);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static char *metrics_text(adm *a)
{
	lk_stats ls;
	char *tls = metrics_tls_text(&a->tls), *text = NULL;

	if (tls == NULL)
		return NULL;
	lk_stats_get(a->lk, &ls);
	if (asprintf(
		&text,
		"# HELP saoidc_webhook_reviews_total AdmissionReviews answered, by outcome.\n"
		"# TYPE saoidc_webhook_reviews_total counter\n"
		"saoidc_webhook_reviews_total{outcome=\"mutated\"} %lu\n"
		"saoidc_webhook_reviews_total{outcome=\"unchanged\"} %lu\n"
		"saoidc_webhook_reviews_total{outcome=\"denied\"} %lu\n"
		"# HELP saoidc_webhook_sa_lookup_failures_total ServiceAccounts that could not be read "
		"(the pod was admitted unchanged).\n"
		"# TYPE saoidc_webhook_sa_lookup_failures_total counter\n"
		"saoidc_webhook_sa_lookup_failures_total %lu\n"
		"# HELP saoidc_webhook_sa_lookups_total ServiceAccount lookups, by outcome: from the watched copy, "
		"or read from the API (found, not found, failed, no lookup slot).\n"
		"# TYPE saoidc_webhook_sa_lookups_total counter\n"
		"saoidc_webhook_sa_lookups_total{outcome=\"cache\"} %lu\n"
		"saoidc_webhook_sa_lookups_total{outcome=\"found\"} %lu\n"
		"saoidc_webhook_sa_lookups_total{outcome=\"not_found\"} %lu\n"
		"saoidc_webhook_sa_lookups_total{outcome=\"failed\"} %lu\n"
		"saoidc_webhook_sa_lookups_total{outcome=\"busy\"} %lu\n"
		"# HELP saoidc_webhook_sa_cache_size ServiceAccounts in the watched copy.\n"
		"# TYPE saoidc_webhook_sa_cache_size gauge\n"
		"saoidc_webhook_sa_cache_size %zu\n"
		"# HELP saoidc_webhook_sa_watch_restarts_total Watches of ServiceAccounts that broke and were started "
		"again.\n"
		"# TYPE saoidc_webhook_sa_watch_restarts_total counter\n"
		"saoidc_webhook_sa_watch_restarts_total %lu\n"
		"# HELP saoidc_webhook_sa_relists_total Lists of ServiceAccounts after the first (410 Gone, safety "
		"net).\n"
		"# TYPE saoidc_webhook_sa_relists_total counter\n"
		"saoidc_webhook_sa_relists_total %lu\n"
		"# HELP saoidc_webhook_sa_last_event_age_seconds Since the copy last changed (list or watch event); -1 "
		"before the first list.\n"
		"# TYPE saoidc_webhook_sa_last_event_age_seconds gauge\n"
		"saoidc_webhook_sa_last_event_age_seconds %ld\n"
		"# HELP saoidc_webhook_refused_total Requests refused before review, by reason.\n"
		"# TYPE saoidc_webhook_refused_total counter\n"
		"saoidc_webhook_refused_total{reason=\"too_large\"} %lu\n"
		"saoidc_webhook_refused_total{reason=\"too_complex\"} %lu\n"
		"saoidc_webhook_refused_total{reason=\"busy\"} %lu\n%s",
		atomic_load(&a->mutated), atomic_load(&a->unchanged), atomic_load(&a->denied),
		atomic_load(&a->lookup_failed), ls.hits, ls.found, ls.not_found, ls.failed, ls.queue_full, ls.cached,
		ls.watch_restarts, ls.relists, ls.last_event_age_ms < 0 ? -1L : ls.last_event_age_ms / 1000,
		atomic_load(&a->refused_large), atomic_load(&a->refused_complex), atomic_load(&a->refused_busy),
		tls) < 0)
		text = NULL;
	free(tls);
	return text;
}

/* GET /healthz, /readyz, /metrics: answered at once, whatever the API server does. */
static enum MHD_Result status_page(adm *a, struct MHD_Connection *c, const char *url)
{
	char *text = NULL;
	lk_stats ls;

	if (strcmp(url, "/healthz") == 0)
		return reply(a, c, 200, "text/plain", "ok\n", false);
	if (strcmp(url, "/metrics") == 0)
		return (text = metrics_text(a)) != NULL ? reply(a, c, 200, "text/plain; version=0.0.4", text, true)
							: MHD_NO;
	lk_stats_get(a->lk, &ls);
	if (ls.synced)
		return reply(a, c, 200, "text/plain", "ready\n", false);
	if (asprintf(&text, "not ready: the Kubernetes API cannot be reached: %s\n", ls.why_not) < 0)
		return MHD_NO;
	return reply(a, c, 503, "text/plain", text, true);
}

/* Takes a piece of the body, within the bounds. */
static enum MHD_Result take_body(adm *a, request *b, const char *upload, size_t *upload_size)
{
	if (b->too_big || b->busy) {
		/* discard the rest */
	} else if (b->n + *upload_size > BODY_MAX) {
		b->too_big = true;
		log_warn("refusing a review larger than %u bytes", BODY_MAX);
	} else if (atomic_fetch_add(&a->inflight, *upload_size) + *upload_size > INFLIGHT_MAX) {
		atomic_fetch_sub(&a->inflight, *upload_size);
		b->busy = true;
		log_warn("refusing a review: %u bytes of request bodies already held", INFLIGHT_MAX);
	} else {
		char *np = realloc(b->p, b->n + *upload_size + 1);

		if (np == NULL) {
			atomic_fetch_sub(&a->inflight, *upload_size);
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

/* The whole review is here: decide. A ServiceAccount the copy cannot give is looked up by the
 * pool while the request is suspended; this runs again when it is resumed. */
static enum MHD_Result review(adm *a, request *b, struct MHD_Connection *c)
{
	char warning[512];
	const char *text = b->p != NULL ? b->p : "";
	json_t *out;
	const json_t *r;
	char *s;

	if (!b->looked_up && !wh_body_bounded(text, b->n, warning, sizeof(warning))) {
		log_warn("refused: %s", warning);
		atomic_fetch_add(&a->refused_complex, 1);
		return reply(a, c, 413, "text/plain", "request too complex\n", false);
	}
	b->need_lookup = false;
	out = wh_review(text, b->n, &a->cfg->wh, lookup_sa, b, warning, sizeof(warning));
	if (b->need_lookup) {
		json_decref(out);
		b->conn = c;
		b->job.done = lookup_done;
		b->job.ctx = b;
		/* Suspended before the job is queued: its answer (and the resume) can only come after. */
		MHD_suspend_connection(c);
		if (!lk_submit(a->lk, &b->job)) {
			b->job.annotations = NULL;
			snprintf(b->job.err, sizeof(b->job.err), "too many ServiceAccount lookups waiting");
			lookup_done(&b->job); /* answered at once, without identity */
		}
		return MHD_YES;
	}
	r = json_object_get(out, "response");
	atomic_fetch_add(!json_is_true(json_object_get(r, "allowed")) ? &a->denied
			 : json_object_get(r, "patch") != NULL	      ? &a->mutated
								      : &a->unchanged,
			 1);
	s = out != NULL ? json_dumps(out, JSON_COMPACT) : NULL;
	json_decref(out);
	if (warning[0] != '\0')
		log_warn("%s", warning);
	if (s == NULL)
		return reply(a, c, 500, "text/plain", "internal error\n", false);
	return reply(a, c, 200, "application/json", s, true);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	adm *a = cls;
	request *b = *con_cls;

	(void)version;
	if (strcmp(method, "GET") == 0 &&
	    (strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 || strcmp(url, "/metrics") == 0)) {
		if (b == NULL) {
			*con_cls = (void *)1;
			return MHD_YES;
		}
		return status_page(a, c, url);
	}
	if (strcmp(url, "/mutate") != 0)
		return reply(a, c, 404, "text/plain", "not found\n", false);
	if (strcmp(method, "POST") != 0)
		return reply(a, c, 405, "text/plain", "method not allowed\n", false);
	if (b == NULL) {
		b = calloc(1, sizeof(*b));
		if (b != NULL)
			b->a = a;
		*con_cls = b;
		return b != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0)
		return take_body(a, b, upload, upload_size);
	if (b->too_big) {
		atomic_fetch_add(&a->refused_large, 1);
		return reply(a, c, 413, "text/plain", "request too large\n", false);
	}
	if (b->busy) {
		atomic_fetch_add(&a->refused_busy, 1);
		return reply(a, c, 503, "text/plain", "busy: too many request bodies in flight\n", false);
	}
	return review(a, b, c);
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	adm *a = cls;
	request *b = *con_cls;

	(void)c;
	(void)toe;
	if (b != NULL && b != (void *)1) {
		bool large = b->n > 256 * 1024;

		atomic_fetch_sub(&a->inflight, b->n);
		free(b->p);
		json_decref(b->job.annotations);
		if (large)
			trim_heap(); /* the review's body and parse tree are gone: give the memory back */
		free(b);
	}
	*con_cls = NULL;
}

/* Makes one of the TLS front's daemons (tf_daemon_fn); requests may be suspended while their
 * ServiceAccount is looked up. */
static struct MHD_Daemon *make_daemon(void *ctx, unsigned flags, sao_err *err)
{
	adm *a = ctx;
	struct MHD_Daemon *d;
	struct MHD_OptionItem opts[] = {
	    {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, 1024, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)done, a},
	    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)dl_notify, a->reaper},
	    {MHD_OPTION_END, 0, NULL},
	};

	d = srv_daemon_start(flags | MHD_ALLOW_SUSPEND_RESUME, handle, a, opts, err);
	return d;
}

/* certwatch's apply: new handshakes get the new pair, open connections keep theirs. */
static bool set_cert(void *ctx, const char *cert, const char *key, sao_err *err)
{
	return tf_set_cert(ctx, cert, key, err);
}

/* The main thread's loop: signals, certificate renewal, the ConfigMap, and the first sync said once. */
static void serve_loop(adm *a, tf_front *d)
{
	certwatch cw;
	sigset_t sigs;
	bool said_ready = false, burst = false;
	unsigned peak = 0;

	sigs_service_set(&sigs);
	certwatch_init(&cw, a->cfg->cert_file, a->cfg->key_file);
	for (;;) {
		struct timespec ts = {1, 0};
		int sig = sigtimedwait(&sigs, NULL, &ts);
		lk_stats ls;

		if (sig == SIGTERM || sig == SIGINT)
			break;
		certwatch_check(&cw, set_cert, d);
		poll_config_map(a, sig == SIGHUP); /* SIGHUP: read the ConfigMap now */
		lk_stats_get(a->lk, &ls);
		if (ls.synced && !said_ready)
			log_info("ServiceAccounts listed (%zu), watching for changes: ready", ls.cached);
		said_ready = said_ready || ls.synced;
		/* After a burst of connections (their buffers, libmicrohttpd's pools), give the memory
		 * back once most of them are gone: glibc keeps it in its arenas otherwise. */
		{
			unsigned now = tf_connections(d), high = tf_peak_take(d);

			if (high > peak) /* the front's own high-water mark: a burst between two looks counts */
				peak = high;
			if (peak >= 64)
				burst = true;
			/* Once most are gone, and again when the last have gone (a sample taken while they
			 * were closing would otherwise leave their memory held). */
			if ((peak >= 64 && now < peak / 4) || (burst && now == 0)) {
				trim_heap();
				peak = now;
				burst = now > 0;
			}
		}
	}
}

bool adm_run(const adm_cfg *cfg, const char *cert_pem, const char *key_pem, sao_err *err)
{
	adm a;
	tf_front *d = NULL;
	lk_cfg lc = {cfg->api, cfg->sa_namespace, 4, SA_LOOKUP_MS, 0, cfg->wh.annotation_prefix};
	bool ok = false;

	memset(&a, 0, sizeof(a));
	a.cfg = cfg;
	pthread_mutex_init(&a.lock, NULL);
	tune_heap();
	if ((a.reaper = dl_start(REQUEST_MS, err)) == NULL || (a.lk = lk_start(&lc, err)) == NULL)
		goto out;
	/* Two workers, each with its own daemon. The API server connects from few addresses, with
	 * a connection per review in flight: a generous per-address cap, that still keeps one
	 * address from holding every connection. */
	{
		tf_cfg tc = {.sa = cfg->sa,
			     .salen = cfg->salen,
			     .threads = 2,
			     .max_connections = 1024,
			     .per_ip = 256,
			     .handshake_ms = REQUEST_MS,
			     .stall_ms = REQUEST_MS,
			     .counters = &a.tls};

		if ((d = tf_start(&tc, cert_pem, key_pem, make_daemon, &a, err)) == NULL) {
			err_prefix(err, "cannot listen on %s: ", cfg->listen);
			goto out;
		}
		atomic_store(&a.front, d);
		tf_kick(d); /* a lookup that ended before the line above */
	}
	poll_config_map(&a, true);
	log_info("admission webhook listening on https://%s/mutate", cfg->listen);
	serve_loop(&a, d);
	log_info("stopping");
	tf_quiesce(d);
	ok = true;
out:
	/* The pool first: it resumes every suspended request (as failed) before the daemons stop;
	 * the copy stays until no request can ask it any more. */
	lk_drain(a.lk);
	atomic_store(&a.front, NULL);
	tf_stop(d);
	lk_free(a.lk);
	dl_stop(a.reaper);
	json_decref(a.cm_config);
	pthread_mutex_destroy(&a.lock);
	return ok;
}
