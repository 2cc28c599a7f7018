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
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

/* The documents of the source as it is now (read again), rendered; *nkeys: keys in them. */
typedef bool (*serve_source_fn)(void *ctx, docs *d, size_t *nkeys, sao_err *err);

/* serve --issuers: one issuer's documents as they are now. */
typedef struct serve_site {
	char *issuer, *host, *prefix, *jwks_path;
	docs d;
	size_t nkeys;
} serve_site;
void serve_sites_free(serve_site *sites, size_t n);

/* serve --issuers: every issuer's documents, the file read again; *files gets the files to
 * watch for changes (the file itself and the key files). On failure nothing is returned. */
typedef bool (*serve_sites_fn)(void *ctx, serve_site **sites, size_t *n, strlist *files, sao_err *err);

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
	serve_sites_fn sites; /* set: several issuers (source is not used), reloaded together */
	void *sites_ctx;
	metrics_watch_fn watch_stats; /* kube:// watches' figures for /metrics; NULL: none */
	void *watch_ctx;
} serve_cfg;

/* Serves until SIGTERM or SIGINT, which the caller has blocked (with SIGHUP) in every thread
 * before calling. False (with err) when it could not start. */
bool serve_run(const serve_cfg *cfg, sao_err *err);

#endif
