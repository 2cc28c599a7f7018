/* lookup: the webhook's ServiceAccounts, never read on an event loop. A copy kept by list +
 * watch (kube/informer) answers nearly every review at once, as EKS's webhook answers from its
 * informer; a ServiceAccount the copy does not have yet (made a moment ago, or before the first
 * list) is read by a small pool of threads that may block, and the caller is told when the
 * answer is there (it suspends its request meanwhile). A failed or malformed answer is never
 * taken for "no annotations". */
#ifndef SAOIDC_LOOKUP_H
#define SAOIDC_LOOKUP_H

#include "kube/kube.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct lk_service lk_service;

typedef struct lk_cfg {
	kube_api api;		/* the API; its strings must outlive the service */
	const char *namespace;	/* watch this namespace only; NULL: every namespace */
	unsigned threads;	/* lookup threads for misses (0: 2) */
	long lookup_ms;		/* one lookup's deadline (0: 3000) */
	long relist_ms;		/* the informer's safety-net re-list (0: its default) */
	const char *aws_prefix; /* the AWS annotations' prefix (NULL: eks.amazonaws.com): with the
				 * Azure and saoidc ones, the only annotations the copy keeps */
} lk_cfg;

/* One lookup handed to the pool. The caller owns it and must keep it alive until done runs. */
typedef struct lk_job {
	char ns[64], name[254];
	json_t *annotations; /* the result (new reference), or NULL with err set */
	char err[600];
	void (*done)(struct lk_job *job); /* called on a pool thread once the result is set */
	void *ctx;
	struct lk_job *next; /* the queue's */
	long queued_at;	     /* the queue's: a job that waited past the deadline is not run */
} lk_job;

typedef struct lk_stats {
	size_t cached; /* ServiceAccounts in the copy */
	bool synced;   /* the first list has succeeded */
	unsigned long watch_restarts, relists, events;
	long last_event_age_ms; /* -1: none yet */
	unsigned long hits, misses, found, not_found, failed, queue_full;
	char why_not[300]; /* while not synced: the last failure */
} lk_stats;

lk_service *lk_start(const lk_cfg *cfg, sao_err *err);

/* From the copy: 1 with *annotations (new reference), 0 when the copy cannot answer (not
 * synced, or the ServiceAccount is not in it): submit a job. */
int lk_cached(lk_service *s, const char *ns, const char *name, json_t **annotations);

/* Queues a lookup; false (nothing queued) when the queue is full. */
bool lk_submit(lk_service *s, lk_job *job);

void lk_stats_get(lk_service *s, lk_stats *out);

/* Stops the pool: queued jobs are finished as failed ("stopping"), their done called, a lookup
 * in progress is cut short. The copy goes on answering lk_cached until lk_free. */
void lk_drain(lk_service *s);

/* Drains, stops the informer and frees s. NULL is allowed. */
void lk_free(lk_service *s);

#endif
