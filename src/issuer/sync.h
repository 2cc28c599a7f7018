/* sync: `publish --watch`. Passes of issuer/publish run when the key files change (checked every
 * 2 s), on SIGHUP, every interval, and after a failure with backoff (5 s doubling, at most the
 * interval), and within about a second of a change to a kube:// Secret (watched through the API),
 * until SIGTERM or SIGINT; each pass reads the source again through the caller's callback and
 * loads fresh credentials. Its own status listener serves /healthz, /readyz (the last pass
 * succeeded) and /metrics (the passes' counters and the watches' figures). */
#ifndef SAOIDC_SYNC_H
#define SAOIDC_SYNC_H

#include "issuer/publish.h"
#include "kube/kube.h"

#include <stdbool.h>
#include <stddef.h>

/* The documents of the source as it is now (read again), rendered. */
typedef bool (*sync_source_fn)(void *ctx, docs *d, sao_err *err);

typedef struct sync_cfg {
	pub_site *site; /* opened, its first pass made */
	const docs_cfg *docs;
	const char *const *keys; /* the sources: key files whose changes start a pass, and */
	size_t nkeys;		 /* kube:// Secrets watched through the API */
	const kube_api *kube;
	bool from_apiserver;	   /* documents from the API server: polled, nothing watched */
	long interval_s;	   /* a pass at least this often */
	const char *status_listen; /* /healthz, /readyz and /metrics */
	size_t published;	   /* keys the first pass published */
	sync_source_fn source;
	void *source_ctx;
} sync_cfg;

/* After the first pass: starts the watches of kube:// Secrets and the status listener, then makes
 * passes until SIGTERM or SIGINT (blocked here, with SIGHUP and SIGUSR1, before any thread starts).
 * False, with err, only when it cannot start; a failed pass is logged and retried. */
bool sync_watch(const sync_cfg *cfg, sao_err *err);

#endif
