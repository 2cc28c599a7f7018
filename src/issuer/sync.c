#include "config.h"

#include "issuer/sync.h"

#include "util/clock.h"
#include "util/log.h"
#include "util/sigs.h"
#include "util/watch.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *sync_metrics_text(void *ctx, size_t *len)
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
	if (m->watch != NULL) {
		char *w = m->watch(m->watch_ctx), *all = NULL;

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

void sync_run(const sync_cfg *c)
{
	sync_metrics *m = c->metrics;
	sigset_t sigs;
	unsigned char fp[WATCH_FP_LEN] = {0}, nfp[WATCH_FP_LEN] = {0};
	long next, backoff = 0;

	sigs_service_set(&sigs);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	watch_fingerprint(c->files, c->nfiles, fp);
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
		watch_fingerprint(c->files, c->nfiles, nfp);
		if (sig != SIGHUP && sig != SIGUSR1 && clock_mono_ms() < next && memcmp(fp, nfp, sizeof(fp)) == 0)
			continue;
		if (sig == SIGUSR1)
			log_info("a watched Secret changed: publishing");
		memcpy(fp, nfp, sizeof(fp));
		atomic_fetch_add(&m->runs, 1);
		if ((changed = one_pass(c, &keys, &err)) < 0) {
			atomic_fetch_add(&m->errors, 1);
			c->ready(c->ready_ctx, false);
			backoff = backoff == 0 ? 5 : backoff * 2 > c->interval_s ? c->interval_s : backoff * 2;
			log_error("publishing failed%s%s; retrying in %lds", err.msg[0] ? ": " : "", err.msg, backoff);
			next = clock_mono_ms() + backoff * 1000L;
			continue;
		}
		backoff = 0;
		atomic_fetch_add(&m->uploads, (unsigned long long)changed);
		atomic_store(&m->last_success, (long long)time(NULL));
		atomic_store(&m->keys, keys);
		c->ready(c->ready_ctx, true);
		if (changed > 0)
			log_info("published: %d document(s) changed, %zu key(s) in the JWKS", changed, keys);
		next = clock_mono_ms() + c->interval_s * 1000L;
	}
	log_info("stopping");
}
