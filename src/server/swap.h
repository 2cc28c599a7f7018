/* swap: a libmicrohttpd daemon whose TLS certificate can be replaced while it serves, without
 * dropping a connection. libmicrohttpd loads its certificate once, at start; a renewed one
 * (cert-manager rewriting a Secret volume) needs a new daemon. The old daemon is quiesced: it
 * hands back its listening socket, which the new daemon, started with the new certificate,
 * takes over, so connections waiting in the kernel's accept queue are accepted by the new one;
 * the old one finishes its in-flight requests and is stopped once drained (swap_tick). */
#ifndef SAOIDC_SWAP_H
#define SAOIDC_SWAP_H

#include "util/err.h"

#include <microhttpd.h>
#include <stdbool.h>

typedef struct swap_daemon swap_daemon;

/* Starts one daemon: on listen_fd when it is >= 0 (a socket handed over), else binding its
 * address; with the certificate and key (PEM) when not NULL. */
typedef struct MHD_Daemon *(*swap_start_fn)(void *ctx, int listen_fd, const char *cert_pem, const char *key_pem,
					     sao_err *err);

/* Starts the first daemon. The PEM texts are copied. */
swap_daemon *swap_start(swap_start_fn start, void *ctx, const char *cert_pem, const char *key_pem, sao_err *err);

/* Replaces the certificate: checks that the key matches it, then hands the listening socket to
 * a new daemon. On failure the current daemon keeps serving and err says why. */
bool swap_cert(swap_daemon *d, const char *cert_pem, const char *key_pem, sao_err *err);

/* Stops replaced daemons that have drained, or that still hold connections past grace_ms. */
void swap_tick(swap_daemon *d, unsigned grace_ms);

/* The current daemon's listening socket, or -1. */
int swap_listen_fd(swap_daemon *d);

/* Connections open on the current and the replaced daemons. */
unsigned swap_connections(swap_daemon *d);

/* Stops accepting (the listening socket is closed); in-flight requests go on. */
void swap_quiesce(swap_daemon *d);

/* Stops every daemon and frees d. NULL is allowed. */
void swap_stop(swap_daemon *d);

#endif
