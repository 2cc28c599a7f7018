/* server: the HTTP(S) side of `saoidc serve` on libmicrohttpd (TLS by the OpenSSL front,
 * server/tlsfront.h). Documents are prebuilt into an immutable snapshot per key change; a
 * request only picks the current snapshot's response. */
#ifndef SAOIDC_SERVER_H
#define SAOIDC_SERVER_H

#include "jose/docs.h"
#include "util/err.h"
#include "server/metrics.h"
#include "server/snapshot.h"

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct srv_cfg {
	const char *const *listen; /* "127.0.0.1:8080", "[::]:8443" */
	size_t nlisten;
	const char *prefix;	     /* the issuer's path ("" or "/cluster"): every route is served under it
				      * too, where STS looks, and at the root, for proxies that strip it */
	const char *jwks_path;	     /* also served at /openid/v1/jwks */
	unsigned max_age;	     /* Cache-Control: public, max-age=N */
	bool cors;		     /* Access-Control-Allow-Origin: * on the documents */
	bool access_log;	     /* one log line per request (client, method, path, status, User-Agent) */
	unsigned max_connections;    /* per listener */
	unsigned per_ip_connections; /* 0: no per-client cap */
	unsigned timeout_s;	     /* idle timeout per connection */
	unsigned request_timeout_ms; /* a whole request must arrive within this (slowloris); 0: none */
	size_t max_request;	     /* bytes of request line + headers */
	unsigned threads;	     /* per listener; 0: cpus_usable() */
	bool no_status_routes;	     /* /healthz, /readyz, /metrics are served elsewhere (--status-listen) */
	const char *tls_cert_pem;    /* both NULL: plain HTTP */
	const char *tls_key_pem;
} srv_cfg;

typedef struct srv srv;

/* Binds every listener and starts serving (503 until the first srv_publish). */
srv *srv_start(const srv_cfg *cfg, metrics *m, sao_err *err);

/* Builds a snapshot from the documents and makes it current; the previous one is released
 * once no request holds it. */
bool srv_publish(srv *s, const docs *d, sao_err *err);

/* The same for several issuers (serve --issuers), told apart by Host and path. */
bool srv_publish_sites(srv *s, const snap_site *sites, size_t n, sao_err *err);

/* /metrics: the counters, and with several issuers each one's keys and requests (malloc'd). */
char *srv_metrics_render(srv *s, size_t *len);

/* Replaces the TLS certificate and key (PEM) on every listener without dropping a connection
 * (server/tlsfront.h); on failure the previous pair keeps serving and err says why. */
bool srv_set_tls(srv *s, const char *cert_pem, const char *key_pem, sao_err *err);

/* The address listener i is bound to, as "127.0.0.1:8080" or "[::]:8080" (what ":8080" and
 * port 0 became). False if it cannot be told. */
bool srv_bound_address(srv *s, size_t i, char *buf, size_t len);

/* Stops accepting, lets in-flight requests finish for up to grace_ms, then stops. */
void srv_stop(srv *s, unsigned grace_ms);

/* libmicrohttpd's event loop flags for this system: its own thread(s) on epoll where there is
 * epoll (Linux), on poll() elsewhere. */
unsigned srv_event_loop(void);

/* Starts a libmicrohttpd daemon with `flags`, `handler` and its `ctx`, configured by `opts` (ended
 * by MHD_OPTION_END): the one place a daemon is made (serve's listeners, the status listener, the
 * webhook), so each says why it failed the same way. NULL, with err set, on failure. */
struct MHD_Daemon *srv_daemon_start(unsigned flags, MHD_AccessHandlerCallback handler, void *ctx,
				    const struct MHD_OptionItem *opts, sao_err *err);

/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT" into a socket address. */
bool srv_parse_listen(const char *spec, void *sa, unsigned *salen, sao_err *err);

#endif
