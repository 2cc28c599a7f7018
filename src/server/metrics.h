/* metrics: the serve command's counters (requests by route and status, reloads, keys served)
 * and their Prometheus text exposition. Counters are lock-free; rendering is on request. */
#ifndef SAOIDC_METRICS_H
#define SAOIDC_METRICS_H

#include "server/tlsfront.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	ROUTE_DISCOVERY,
	ROUTE_JWKS,
	ROUTE_KUBE_JWKS,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_METRICS,
	ROUTE_OTHER,
	ROUTE_COUNT
} metrics_route;

typedef struct metrics metrics;

metrics *metrics_new(void);
void metrics_free(metrics *m);
void metrics_request(metrics *m, metrics_route route, unsigned status);
void metrics_reload(metrics *m, bool ok, size_t keys);
/* The TLS front's counters, rendered from the first call on (serve --tls-cert). */
tf_counters *metrics_tls(metrics *m);
/* The TLS front's counters as Prometheus text (malloc'd; NULL when out of memory): serve's
 * /metrics and the webhook's. */
char *metrics_tls_text(const tf_counters *t);
/* Prometheus text format 0.0.4; malloc'd. */
char *metrics_render(metrics *m, size_t *len);

/* Where keys come through API watches: their figures as Prometheus text (malloc'd; NULL when out
 * of memory), asked for at each render (kube/kwatch.h kwatch_metrics_text). */
typedef char *(*metrics_watch_fn)(void *ctx);
void metrics_set_watch(metrics *m, metrics_watch_fn fn, void *ctx);

#endif
