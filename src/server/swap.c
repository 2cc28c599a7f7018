#include "config.h"

#include "server/swap.h"

#include "net/tls.h"
#include "util/clock.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RETIRED 8

typedef struct generation {
	struct MHD_Daemon *d;
	char *cert, *key; /* kept while the daemon that loaded them runs */
	long retired_at;  /* clock_mono_ms() when replaced */
} generation;

struct swap_daemon {
	swap_start_fn start;
	void *ctx;
	generation cur;
	generation old[MAX_RETIRED];
	size_t nold;
	bool quiesced;
};

static void generation_free(generation *g)
{
	if (g->d != NULL)
		MHD_stop_daemon(g->d);
	if (g->key != NULL)
		OPENSSL_clear_free(g->key, strlen(g->key));
	free(g->cert);
	memset(g, 0, sizeof(*g));
}

static bool copy_pems(generation *g, const char *cert, const char *key, sao_err *err)
{
	g->cert = cert != NULL ? strdup(cert) : NULL;
	g->key = key != NULL ? strdup(key) : NULL;
	if ((cert != NULL && g->cert == NULL) || (key != NULL && g->key == NULL)) {
		generation_free(g);
		return err_set(err, "out of memory");
	}
	return true;
}

swap_daemon *swap_start(swap_start_fn start, void *ctx, const char *cert_pem, const char *key_pem, sao_err *err)
{
	swap_daemon *d = calloc(1, sizeof(*d));

	if (d == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	d->start = start;
	d->ctx = ctx;
	if ((cert_pem != NULL && !tls_check_pair(cert_pem, key_pem, err)) || !copy_pems(&d->cur, cert_pem, key_pem, err) ||
	    (d->cur.d = start(ctx, -1, d->cur.cert, d->cur.key, err)) == NULL) {
		swap_stop(d);
		return NULL;
	}
	return d;
}

bool swap_cert(swap_daemon *d, const char *cert_pem, const char *key_pem, sao_err *err)
{
	generation next = {0};
	MHD_socket fd;

	if (d->quiesced)
		return err_set(err, "the server is stopping");
	if (!tls_check_pair(cert_pem, key_pem, err) || !copy_pems(&next, cert_pem, key_pem, err))
		return false;
	if (d->nold == MAX_RETIRED) {
		/* Replaced MAX_RETIRED times within the grace: stop the oldest now. */
		generation_free(&d->old[0]);
		memmove(&d->old[0], &d->old[1], (MAX_RETIRED - 1) * sizeof(generation));
		d->nold--;
	}
	if (d->cur.d == NULL) { /* a previous swap lost the socket: bind afresh */
		if ((next.d = d->start(d->ctx, -1, next.cert, next.key, err)) == NULL) {
			generation_free(&next);
			return false;
		}
		generation_free(&d->cur);
		d->cur = next;
		return true;
	}
	fd = MHD_quiesce_daemon(d->cur.d);
	if (fd == MHD_INVALID_SOCKET) {
		generation_free(&next);
		return err_set(err, "libmicrohttpd could not hand over the listening socket");
	}
	if ((next.d = d->start(d->ctx, fd, next.cert, next.key, err)) == NULL) {
		sao_err again = {""};

		/* The pair was checked; if libmicrohttpd still refuses it, a daemon with the old
		 * certificate takes the socket back. The old daemon's PEM texts stay with cur. */
		generation_free(&next);
		d->old[d->nold++] = (generation){d->cur.d, NULL, NULL, clock_mono_ms()};
		if ((d->cur.d = d->start(d->ctx, fd, d->cur.cert, d->cur.key, &again)) == NULL)
			close(fd);
		return false;
	}
	d->cur.retired_at = clock_mono_ms();
	d->old[d->nold++] = d->cur;
	d->cur = next;
	return true;
}

static unsigned connections(struct MHD_Daemon *m)
{
	const union MHD_DaemonInfo *info = m != NULL ? MHD_get_daemon_info(m, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;

	return info != NULL ? info->num_connections : 0;
}

void swap_tick(swap_daemon *d, unsigned grace_ms)
{
	long now = clock_mono_ms();
	size_t kept = 0;

	for (size_t i = 0; i < d->nold; i++) {
		if (connections(d->old[i].d) == 0 || now - d->old[i].retired_at >= (long)grace_ms)
			generation_free(&d->old[i]);
		else
			d->old[kept++] = d->old[i];
	}
	d->nold = kept;
}

int swap_listen_fd(swap_daemon *d)
{
	const union MHD_DaemonInfo *info =
		d->cur.d != NULL ? MHD_get_daemon_info(d->cur.d, MHD_DAEMON_INFO_LISTEN_FD) : NULL;

	return info != NULL ? (int)info->listen_fd : -1;
}

unsigned swap_connections(swap_daemon *d)
{
	unsigned n = connections(d->cur.d);

	for (size_t i = 0; i < d->nold; i++)
		n += connections(d->old[i].d);
	return n;
}

void swap_quiesce(swap_daemon *d)
{
	MHD_socket fd;

	if (d->quiesced || d->cur.d == NULL)
		return;
	d->quiesced = true;
	fd = MHD_quiesce_daemon(d->cur.d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void swap_stop(swap_daemon *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nold; i++)
		generation_free(&d->old[i]);
	generation_free(&d->cur);
	free(d);
}
