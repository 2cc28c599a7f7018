/* tlsfront: HTTPS for libmicrohttpd servers, with TLS done by OpenSSL.
 *
 * libmicrohttpd speaks TLS only through GnuTLS, whose full handshakes (nettle's elliptic
 * curves) cost about three times OpenSSL's on the same machine (doc/PERFORMANCE.md). The
 * front accepts connections itself and runs the handshake and the records with OpenSSL
 * (net/tls.h holds the one TLS configuration); each decrypted connection is handed to
 * libmicrohttpd as one end of a socket pair. Every worker thread runs its own event loop and
 * its own libmicrohttpd daemon (no listening socket, no thread of its own), so a request goes
 * from TLS record to handler and back on one thread, without a wake-up of another.
 *
 * Bounds: connections per listener (handshakes included), per client address (an IPv6 client
 * is its /64), handshakes in progress (half the connections: past that, a new connection
 * closes the oldest handshake, so that a flood of half-open handshakes never locks everyone
 * out for the whole handshake deadline), a deadline for
 * the handshake, and one for a stall (a client that does not read its answers holds at most one
 * record's worth of memory, for stall_ms); after the handshake libmicrohttpd's idle timeout and
 * the caller's request deadline apply to the decrypted side, and closing either side closes the
 * other.
 *
 * Linux only (epoll). */
#ifndef SAOIDC_TLSFRONT_H
#define SAOIDC_TLSFRONT_H

#include "util/err.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

typedef struct tf_front tf_front;

/* What the front counts, for the caller's metrics (relaxed atomics). */
typedef struct tf_counters {
	atomic_ullong handshakes;	  /* completed */
	atomic_ullong handshake_failures; /* not TLS, nothing shared, or the client went away */
	atomic_ullong handshake_timeouts; /* past handshake_ms */
	atomic_ullong refused_per_ip;	  /* the address was at its per_ip cap */
	atomic_ullong refused_full;	  /* max_connections reached, or out of memory */
	atomic_ullong stalls;		  /* closed after stall_ms without the bytes moving */
	atomic_ullong handshakes_evicted; /* the oldest handshake, closed to make room for a new one */
} tf_counters;

typedef struct tf_cfg {
	const struct sockaddr *sa; /* where to listen ([::] takes IPv4 too) */
	socklen_t salen;
	unsigned threads;	  /* worker threads, each with its own daemon */
	unsigned max_connections; /* open connections, handshakes included; beyond, closed at once */
	unsigned per_ip;	  /* per client address; 0: no cap */
	unsigned handshake_ms;	  /* a handshake must complete within this */
	unsigned stall_ms;	  /* bytes one side does not take are given this long */
	tf_counters *counters;	  /* NULL: not counted */
} tf_cfg;

/* Makes one worker's daemon. The caller adds its own options and flags to `flags`, which
 * holds what the front needs (no listening socket, external epoll loop). */
typedef struct MHD_Daemon *(*tf_daemon_fn)(void *ctx, unsigned flags, sao_err *err);

/* Binds, loads the certificate chain and key (PEM), starts the workers. */
tf_front *tf_start(const tf_cfg *cfg, const char *cert_pem, const char *key_pem, tf_daemon_fn make, void *ctx,
		   sao_err *err);

/* Replaces the certificate and key: new handshakes use them, open connections go on. On
 * failure the previous pair stays and err says why. */
bool tf_set_cert(tf_front *f, const char *cert_pem, const char *key_pem, sao_err *err);

/* The listening socket (to tell the bound address), or -1 once quiesced. */
int tf_listen_fd(const tf_front *f);

/* Connections open now, handshakes included. */
unsigned tf_connections(const tf_front *f);

/* The most connections open at once since the last call (or the start); resets the mark to
 * the connections open now. */
unsigned tf_peak_take(tf_front *f);

/* Makes every worker run its daemon once more, from any thread: after MHD_resume_connection
 * (libmicrohttpd wakes no external event loop itself). NULL is allowed. */
void tf_kick(tf_front *f);

/* Stops accepting; open connections go on. */
void tf_quiesce(tf_front *f);

/* Stops the workers, closes every connection and frees f. NULL is allowed. */
void tf_stop(tf_front *f);

#endif
