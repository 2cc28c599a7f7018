/* kwatch: the Secrets that --key kube://NAMESPACE/NAME reads, watched (list + watch of that one
 * object by field selector, kube/informer) so that a key change is noticed in about a second
 * instead of at the next poll. Each change calls the caller back, on the watch's thread; the
 * caller reads the Secret again as it always does. A watch the API refuses (RBAC without list
 * and watch on that Secret) leaves the caller's poll as it was. */
#ifndef SAOIDC_KWATCH_H
#define SAOIDC_KWATCH_H

#include "kube/kube.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct kwatch kwatch;

/* Watches every kube:// URI among keys[] (none: a watch of nothing, never NULL for that).
 * api's strings must outlive the watch. */
kwatch *kwatch_start(const kube_api *api, const char *const *keys, size_t n, void (*changed)(void *ctx), void *ctx,
		     sao_err *err);

/* Watches running now, and their restarts so far (for /metrics and the log). */
size_t kwatch_count(const kwatch *w);
unsigned long kwatch_restarts(kwatch *w);
/* The watches' restarts and the age of their oldest last event as Prometheus text, for serve's
 * and publish --watch's /metrics (malloc'd; NULL when out of memory). */
char *kwatch_metrics_text(kwatch *w);
/* The watches' restarts so far and the age of the oldest last event (ms; -1 before any). */
void kwatch_stats(kwatch *w, unsigned long *restarts, long *oldest_event_age_ms);

/* Stops every watch (within about a second) and frees w. NULL is allowed. */
void kwatch_stop(kwatch *w);

#endif
