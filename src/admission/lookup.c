#include "config.h"

#include "admission/lookup.h"

#include "kube/informer.h"
#include "util/clock.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 256u /* lookups waiting; beyond, the review is answered without one */
#define MAX_THREADS 8u

/* An annotation value longer than this is not kept in the copy: a role ARN, a client ID or a
 * ConfigMap name are far shorter (the copy's memory is then bounded by the ServiceAccount count). */
#define KEEP_VALUE_MAX 4096

struct lk_service {
	lk_cfg cfg;
	char aws_prefix[260];
	const char *keep[4];
	kinf *inf;
	pthread_t threads[MAX_THREADS];
	unsigned nthreads;
	pthread_mutex_t lock;
	pthread_cond_t more;
	lk_job *head, *tail;
	unsigned queued;
	bool stop;
	atomic_bool cancel; /* cuts a lookup in progress short */
	atomic_ulong hits, misses, found, not_found, failed, queue_full;
};

/* One GET of the ServiceAccount, on a pool thread. */
static void lookup(lk_service *s, lk_job *job)
{
	char *path = NULL, *body = NULL;
	size_t len = 0;
	sao_err e = {""};
	json_t *sa = NULL, *ann;

	job->annotations = NULL;
	job->err[0] = '\0';
	if (asprintf(&path, "/api/v1/namespaces/%s/serviceaccounts/%s", job->ns, job->name) < 0) {
		snprintf(job->err, sizeof(job->err), "out of memory");
		goto out;
	}
	if (!kube_get(&s->cfg.api, path, &body, &len, NULL, &e)) {
		if (strstr(e.msg, "404 Not Found") != NULL) {
			atomic_fetch_add(&s->not_found, 1);
			snprintf(job->err, sizeof(job->err), "ServiceAccount %s/%s does not exist", job->ns, job->name);
		} else {
			atomic_fetch_add(&s->failed, 1);
			snprintf(job->err, sizeof(job->err), "%.590s", e.msg); /* a longer reason is cut */
		}
		goto out;
	}
	sa = json_loadb(body, len, 0, NULL);
	ann = json_object_get(json_object_get(sa, "metadata"), "annotations");
	if (!json_is_object(sa) || !json_is_object(json_object_get(sa, "metadata")) ||
	    (ann != NULL && !json_is_object(ann))) {
		/* Never "no annotations": that would admit the pod without its identity, silently. */
		atomic_fetch_add(&s->failed, 1);
		snprintf(job->err, sizeof(job->err),
			 "the Kubernetes API's answer for ServiceAccount %s/%s is not a "
			 "ServiceAccount (not JSON, or no metadata)",
			 job->ns, job->name);
		goto out;
	}
	job->annotations = ann != NULL ? json_deep_copy(ann) : json_object();
	if (job->annotations == NULL)
		snprintf(job->err, sizeof(job->err), "out of memory");
	else
		atomic_fetch_add(&s->found, 1);
out:
	json_decref(sa);
	free(body);
	free(path);
}

static void *worker(void *arg)
{
	lk_service *s = arg;

	for (;;) {
		lk_job *job;
		bool stopping;

		pthread_mutex_lock(&s->lock);
		while (s->head == NULL && !s->stop)
			pthread_cond_wait(&s->more, &s->lock);
		if (s->head == NULL) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		job = s->head;
		s->head = job->next;
		if (s->head == NULL)
			s->tail = NULL;
		s->queued--;
		stopping = s->stop;
		pthread_mutex_unlock(&s->lock);
		job->annotations = NULL;
		if (stopping) {
			snprintf(job->err, sizeof(job->err), "the webhook is stopping");
		} else if (clock_mono_ms() - job->queued_at > s->cfg.lookup_ms) {
			atomic_fetch_add(&s->queue_full, 1);
			snprintf(job->err, sizeof(job->err),
				 "no ServiceAccount lookup could start within %ld ms (too many waiting)",
				 s->cfg.lookup_ms);
		} else {
			lookup(s, job);
		}
		job->done(job);
	}
}

lk_service *lk_start(const lk_cfg *cfg, sao_err *err)
{
	lk_service *s = calloc(1, sizeof(*s));
	char *collection = NULL;
	kinf_cfg ic = {0};

	if (s == NULL)
		return err_set(err, "out of memory"), NULL;
	s->cfg = *cfg;
	if (s->cfg.threads == 0)
		s->cfg.threads = 2;
	if (s->cfg.threads > MAX_THREADS)
		s->cfg.threads = MAX_THREADS;
	if (s->cfg.lookup_ms <= 0)
		s->cfg.lookup_ms = 3000;
	s->cfg.api.timeout_ms = s->cfg.lookup_ms;
	s->cfg.api.cancel = &s->cancel;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->more, NULL);
	if (cfg->namespace != NULL ? asprintf(&collection, "/api/v1/namespaces/%s/serviceaccounts", cfg->namespace) < 0
				   : (collection = strdup("/api/v1/serviceaccounts")) == NULL) {
		collection = NULL;
		err_set(err, "out of memory");
		goto fail;
	}
	snprintf(s->aws_prefix, sizeof(s->aws_prefix), "%.250s/",
		 cfg->aws_prefix != NULL ? cfg->aws_prefix : "eks.amazonaws.com");
	s->keep[0] = s->aws_prefix;
	s->keep[1] = "azure.workload.identity/";
	s->keep[2] = "saoidc.io/";
	s->keep[3] = NULL;
	ic.keep = s->keep;
	ic.max_value = KEEP_VALUE_MAX;
	ic.api = cfg->api;
	ic.api.timeout_ms = 30000; /* a list of a large cluster's ServiceAccounts takes longer than one GET */
	ic.collection = collection;
	ic.relist_ms = cfg->relist_ms;
	if ((s->inf = kinf_start(&ic, err)) == NULL)
		goto fail;
	for (; s->nthreads < s->cfg.threads; s->nthreads++)
		if ((errno = pthread_create(&s->threads[s->nthreads], NULL, worker, s)) != 0) {
			err_set(err, "cannot start a lookup thread: %s", strerror(errno));
			goto fail;
		}
	free(collection);
	return s;
fail:
	free(collection);
	lk_free(s);
	return NULL;
}

int lk_cached(lk_service *s, const char *ns, const char *name, json_t **annotations)
{
	int r = kinf_annotations(s->inf, ns, name, annotations);

	atomic_fetch_add(r == 1 ? &s->hits : &s->misses, 1);
	return r == 1;
}

bool lk_submit(lk_service *s, lk_job *job)
{
	bool ok;

	job->next = NULL;
	job->queued_at = clock_mono_ms();
	pthread_mutex_lock(&s->lock);
	ok = !s->stop && s->queued < QUEUE_MAX;
	if (ok) {
		if (s->tail != NULL)
			s->tail->next = job;
		else
			s->head = job;
		s->tail = job;
		s->queued++;
		pthread_cond_signal(&s->more);
	}
	pthread_mutex_unlock(&s->lock);
	if (!ok)
		atomic_fetch_add(&s->queue_full, 1);
	return ok;
}

void lk_stats_get(lk_service *s, lk_stats *out)
{
	kinf_stats is;

	memset(out, 0, sizeof(*out));
	kinf_stats_get(s->inf, &is);
	out->cached = is.objects;
	out->synced = is.synced;
	out->watch_restarts = is.restarts;
	out->relists = is.lists > 0 ? is.lists - 1 : 0;
	out->events = is.events;
	out->last_event_age_ms = is.last_event_age_ms;
	snprintf(out->why_not, sizeof(out->why_not), "%s",
		 is.last_error[0] != '\0' ? is.last_error : "the first list has not answered yet");
	out->hits = atomic_load(&s->hits);
	out->misses = atomic_load(&s->misses);
	out->found = atomic_load(&s->found);
	out->not_found = atomic_load(&s->not_found);
	out->failed = atomic_load(&s->failed);
	out->queue_full = atomic_load(&s->queue_full);
}

void lk_drain(lk_service *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	atomic_store(&s->cancel, true);
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	s->nthreads = 0;
}

void lk_free(lk_service *s)
{
	if (s == NULL)
		return;
	lk_drain(s);
	kinf_stop(s->inf);
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
