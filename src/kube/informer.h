/* informer: a local copy of the annotations of one collection of Kubernetes objects
 * (ServiceAccounts, cluster-wide or in one namespace), kept current by list + watch as client-go's
 * reflector keeps an informer's store: list, then watch from the list's resourceVersion; a broken
 * stream is watched again from the last version seen, 410 Gone (or an ERROR event with code 410)
 * means list again; bookmarks move the version on; a periodic re-list is the safety net. Its own
 * thread does all of it; readers only take a lock and copy, so they never wait on the network. */
#ifndef SAOIDC_INFORMER_H
#define SAOIDC_INFORMER_H

#include "kube/kube.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kinf kinf;

typedef struct kinf_cfg {
	kube_api api;		    /* where; its timeout_ms bounds each list page (0: 30 s) */
	const char *collection;	    /* "/api/v1/serviceaccounts" or "/api/v1/namespaces/NS/serviceaccounts" */
	long relist_ms;		    /* the safety-net re-list period (0: 10 minutes) */
	size_t max_objects;	    /* objects kept at most; beyond, new ones are not (0: 65536) */
	const char *field_selector; /* e.g. "metadata.name=NAME" (URL-safe), or NULL */
	void (*changed)(void *ctx); /* called on the informer's thread after each change an event
				     * brings (added, modified, deleted), and after a re-list */
	void *changed_ctx;
	const char *const *keep; /* NULL-terminated annotation key prefixes kept (NULL: all) */
	size_t max_value;	 /* a longer annotation value is not kept (0: any length) */
} kinf_cfg;

typedef struct kinf_stats {
	size_t objects;		/* kept now */
	bool synced;		/* a list has succeeded */
	unsigned long lists;	/* lists that succeeded */
	unsigned long restarts; /* watches that ended in an error and were started again */
	unsigned long events;	/* watch events applied */
	unsigned long dropped;	/* objects not kept: over max_objects */
	long last_event_age_ms; /* since the last event or list (-1: none yet) */
	char last_error[300];	/* the last failure ("" when the last request succeeded) */
} kinf_stats;

/* Starts the thread; the first list runs in it (kinf_stats says when it has synced). The strings
 * cfg->api points to must outlive f. */
kinf *kinf_start(const kinf_cfg *cfg, sao_err *err);

/* 1: found, *annotations a copy of its metadata.annotations ({} when none); 0: not in a synced
 * copy (it does not exist, or was made a moment ago and its event is on its way); -1: no list
 * has succeeded yet. */
int kinf_annotations(kinf *f, const char *ns, const char *name, json_t **annotations);

void kinf_stats_get(kinf *f, kinf_stats *out);

/* For tests and fuzzing: a copy with no thread and no API, fed pieces of a watch stream by hand.
 * kinf_feed is false when the stream would be dropped (and the collection listed again). */
kinf *kinf_new_detached(void);
bool kinf_feed(kinf *f, const char *data, size_t len);

/* Stops the thread (an open request ends within about a second) and frees f. NULL is allowed. */
void kinf_stop(kinf *f);

#endif
