/* sync: `publish --watch`. Passes of issuer/publish run when the key files change (checked every
 * 2 s), on SIGHUP, every interval, and after a failure with backoff (5 s doubling, at most the
 * interval), until SIGTERM or SIGINT; each pass reads the source again through the caller's
 * callback and loads fresh credentials. The counters are for the caller's /metrics. */
#ifndef SAOIDC_SYNC_H
#define SAOIDC_SYNC_H

#include "issuer/publish.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Written by the loop, read by a status thread (relaxed atomics). */
typedef struct sync_metrics {
	atomic_ullong runs, errors, uploads;
	atomic_llong last_success;
	atomic_ullong keys;
	char *(*watch)(void *ctx); /* kube:// watches' figures as Prometheus text; NULL: none */
	void *watch_ctx;
} sync_metrics;

/* The documents of the source as it is now (read again), rendered. */
typedef bool (*sync_source_fn)(void *ctx, docs *d, sao_err *err);
/* Told after each pass whether it succeeded (/readyz). */
typedef void (*sync_ready_fn)(void *ctx, bool ready);

typedef struct sync_cfg {
	pub_site *site;
	const docs_cfg *docs;
	const char *const *files; /* the key files whose changes start a pass */
	size_t nfiles;
	long interval_s;
	sync_source_fn source;
	void *source_ctx;
	sync_ready_fn ready;
	void *ready_ctx;
	sync_metrics *metrics;
} sync_cfg;

/* Runs until SIGTERM or SIGINT (blocked here with SIGHUP, taken with sigtimedwait). */
void sync_run(const sync_cfg *cfg);

/* The counters as Prometheus text (a status_srv renderer); malloc'd, NULL when out of memory. */
char *sync_metrics_text(void *ctx, size_t *len);

#endif
