#include "config.h"

#include "issuer/sync.h"

#include "kube/kwatch.h"
#include "server/status.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/sigs.h"
#include "util/watch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Written by the loop, read by the status thread (relaxed atomics). */
typedef struct sync_metrics {
	atomic_ullong runs, errors, uploads;
	atomic_llong last_success;
	atomic_ullong keys;
	kwatch *kw; /* the kube:// watches' figures; NULL: none */
} sync_metrics;

/* /metrics of the status listener. */
static char *metrics_text(void *ctx, size_t *len)
{
	sync_metrics *m = ctx;
	char *s = NULL;
	int n = asprintf(
	    &s,
	    "# HELP saoidc_sync_runs_total Publishing passes run.\n# TYPE saoidc_sync_runs_total counter\n"
	    "saoidc_sync_runs_total %llu\n"
	    "# HELP saoidc_sync_errors_total Publishing passes that failed.\n# TYPE saoidc_sync_errors_total counter\n"
	    "saoidc_sync_errors_total %llu\n"
	    "# HELP saoidc_sync_uploads_total Documents uploaded.\n# TYPE saoidc_sync_uploads_total counter\n"
	    "saoidc_sync_uploads_total %llu\n"
	    "# HELP saoidc_sync_last_success_timestamp_seconds When a pass last succeeded.\n"
	    "# TYPE saoidc_sync_last_success_timestamp_seconds gauge\n"
	    "saoidc_sync_last_success_timestamp_seconds %lld\n"
	    "# HELP saoidc_sync_published_keys Keys in the published JWKS (retained ones included).\n"
	    "# TYPE saoidc_sync_published_keys gauge\nsaoidc_sync_published_keys %llu\n",
	    (unsigned long long)atomic_load(&m->runs), (unsigned long long)atomic_load(&m->errors),
	    (unsigned long long)atomic_load(&m->uploads), (long long)atomic_load(&m->last_success),
	    (unsigned long long)atomic_load(&m->keys));

	if (n < 0)
		return NULL;
	if (m->kw != NULL) {
		char *w = kwatch_metrics_text(m->kw), *all = NULL;

		n = w != NULL ? asprintf(&all, "%s%s", s, w) : -1;
		free(w);
		free(s);
		if (n < 0)
			return NULL;
		s = all;
	}
	*len = (size_t)n;
	return s;
}

/* One pass: fresh credentials, the source read again, publish. -1 with err on failure. */
static int one_pass(const sync_cfg *c, size_t *keys, sao_err *err)
{
	docs d = {0};
	int changed = -1;

	/* Temporary credentials (web identity, container, instance) expire: load them anew. */
	if (pub_refresh_creds(c->site, err) && c->source(c->source_ctx, &d, err) &&
	    !pub_pass(c->site, c->docs, &d, &changed, keys, err))
		changed = -1;
	docs_clear(&d);
	return changed;
}

/* Passes until SIGTERM or SIGINT; /readyz follows the last pass. */
static void run(const sync_cfg *c, sync_metrics *m, status_srv *st)
{
	sigset_t sigs;
	unsigned char fp[WATCH_FP_LEN] = {0}, nfp[WATCH_FP_LEN] = {0};
	long next, backoff = 0;

	sigs_service_set(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	watch_fingerprint(c->keys, c->nkeys, fp);
	next = clock_mono_ms() + c->interval_s * 1000L;
	for (;;) {
		struct timespec ts = {2, 0};
		siginfo_t si;
		int sig = sigtimedwait(&sigs, &si, &ts), changed;
		sao_err err = {""};
		size_t keys = 0;

		if (sig == SIGTERM || sig == SIGINT)
			break;
		memcpy(nfp, fp, sizeof(fp)); /* unchanged unless a fingerprint is made */
		watch_fingerprint(c->keys, c->nkeys, nfp);
		if (sig != SIGHUP && sig != SIGUSR1 && clock_mono_ms() < next && memcmp(fp, nfp, sizeof(fp)) == 0)
			continue;
		if (sig == SIGUSR1)
			log_info("a watched Secret changed: publishing");
		memcpy(fp, nfp, sizeof(fp));
		atomic_fetch_add(&m->runs, 1);
		if ((changed = one_pass(c, &keys, &err)) < 0) {
			atomic_fetch_add(&m->errors, 1);
			status_set_ready(st, false);
			backoff = backoff == 0 ? 5 : backoff * 2 > c->interval_s ? c->interval_s : backoff * 2;
			log_error("publishing failed%s%s; retrying in %lds", err.msg[0] ? ": " : "", err.msg, backoff);
			next = clock_mono_ms() + backoff * 1000L;
			continue;
		}
		backoff = 0;
		atomic_fetch_add(&m->uploads, (unsigned long long)changed);
		atomic_store(&m->last_success, (long long)time(NULL));
		atomic_store(&m->keys, keys);
		status_set_ready(st, true);
		if (changed > 0)
			log_info("published: %d document(s) changed, %zu key(s) in the JWKS", changed, keys);
		next = clock_mono_ms() + c->interval_s * 1000L;
	}
	log_info("stopping");
}

bool sync_watch(const sync_cfg *c, sao_err *err)
{
	sync_metrics m;
	status_srv *st;

	/* Blocked before the status thread starts, so that it inherits the mask: a signal is then
	 * taken by the loop's sigtimedwait, never by that thread (SIGHUP's default kills). */
	sigs_block_service();
	memset(&m, 0, sizeof(m));
	atomic_store(&m.runs, 1);
	atomic_store(&m.last_success, (long long)time(NULL));
	atomic_store(&m.keys, c->published);
	/* kube:// Secrets are watched: a key change is published within seconds, not at the next
	 * interval. Started first, so that /metrics has their figures from the first render. */
	if (!c->from_apiserver && (m.kw = kwatch_start(c->kube, c->keys, c->nkeys, sigs_usr1_self, NULL, err)) == NULL)
		return false;
	if (kwatch_count(m.kw) > 0) {
		log_info("watching %zu Secret%s through the Kubernetes API", kwatch_count(m.kw),
			 kwatch_count(m.kw) == 1 ? "" : "s");
	} else {
		kwatch_stop(m.kw); /* nothing to watch */
		m.kw = NULL;
	}
	if ((st = status_start(c->status_listen, metrics_text, &m, err)) == NULL) {
		kwatch_stop(m.kw);
		return false;
	}
	status_set_ready(st, true);
	log_info("watching: every %lds and on key file changes; /healthz /readyz /metrics on %s", c->interval_s,
		 c->status_listen);
	run(c, &m, st);
	status_stop(st); /* first: its /metrics reads the watches */
	kwatch_stop(m.kw);
	return true;
}
