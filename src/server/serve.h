/* serve: the `saoidc serve` flow. The documents are loaded first (a bad key or issuer fails
 * before anything listens), then served by server/server.c; the main thread takes signals and
 * reloads: key files whose fingerprint changes (every watch_ms), SIGHUP, Secrets read through
 * the API (every kube_poll_s), a renewed TLS certificate; a reload that renders the same
 * documents changes nothing, a failed one keeps serving the previous documents. */
#ifndef SAOIDC_SERVE_H
#define SAOIDC_SERVE_H

#include "jose/docs.h"
#include "server/metrics.h"
#include "server/server.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The documents of the source as it is now (read again), rendered; *nkeys: keys in them. */
typedef bool (*serve_source_fn)(void *ctx, docs *d, size_t *nkeys, sao_err *err);

typedef struct serve_cfg {
	srv_cfg srv;				  /* listeners, bounds, TLS PEM */
	const char *issuer;			  /* for the log */
	const char *tls_cert_file, *tls_key_file; /* watched for renewal (with srv.tls_*_pem) */
	const char *const *key_files;		  /* watched for changes */
	size_t nkey_files;
	unsigned watch_ms; /* 0: key files only on SIGHUP */
	bool poll_source;  /* keys come through the API: reload every kube_poll_s */
	unsigned kube_poll_s;
	bool from_apiserver;	   /* for the log */
	unsigned grace_ms;	   /* in-flight requests get this at SIGTERM */
	const char *status_listen; /* NULL: /healthz, /readyz, /metrics on the listeners */
	const char *threads_from;  /* where srv.threads came from, for the log */
	serve_source_fn source;
	void *source_ctx;
	metrics_watch_fn watch_stats; /* kube:// watches' figures for /metrics; NULL: none */
	void *watch_ctx;
} serve_cfg;

/* Serves until SIGTERM or SIGINT, which the caller has blocked (with SIGHUP) in every thread
 * before calling. False (with err) when it could not start. */
bool serve_run(const serve_cfg *cfg, sao_err *err);

#endif
