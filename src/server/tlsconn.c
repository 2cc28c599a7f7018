#include "config.h"

#include "server/tlsconn.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool tc_init(tc_relay *r, SSL *ssl, int client_fd)
{
	memset(r, 0, sizeof(*r));
	r->ssl = ssl;
	r->client_fd = client_fd;
	r->app_fd = -1;
	if (ssl == NULL || SSL_set_fd(ssl, client_fd) != 1)
		return false;
	SSL_set_accept_state(ssl);
	return true;
}

tc_hs tc_handshake(tc_relay *r)
{
	int n, e;

	ERR_clear_error();
	n = SSL_do_handshake(r->ssl);
	if (n == 1)
		return TC_HS_DONE;
	e = SSL_get_error(r->ssl, n);
	if (e == SSL_ERROR_WANT_READ)
		return TC_HS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TC_HS_WANT_WRITE;
	return TC_HS_FAILED; /* not TLS, or nothing we share: OpenSSL has sent its alert */
}

void tc_attach_app(tc_relay *r, int app_fd)
{
	r->app_fd = app_fd;
}

static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Gives the application what it did not take before (to_app is freed once all is taken).
 * false: the socket failed; would-block is not a failure. */
static bool flush_to_app(tc_relay *r)
{
	ssize_t s = send(r->app_fd, r->to_app + r->to_app_off, r->to_app_len - r->to_app_off, MSG_NOSIGNAL);

	if (s < 0)
		return would_block();
	if ((r->to_app_off += (size_t)s) < r->to_app_len)
		return true;
	free(r->to_app);
	r->to_app = NULL;
	return true;
}

/* Keeps buf[0..n) for the application, which did not take it. */
static bool hold_to_app(tc_relay *r, const unsigned char *buf, size_t n)
{
	if ((r->to_app = malloc(n)) == NULL)
		return false;
	memcpy(r->to_app, buf, n);
	r->to_app_len = n;
	r->to_app_off = 0;
	return true;
}

tc_result tc_client_to_app(tc_relay *r, unsigned char *scratch, size_t scratch_len)
{
	tc_result res = TC_WAITING;
	int cap = scratch_len > 1 << 30 ? 1 << 30 : (int)scratch_len;

	if (r->to_app != NULL) {
		size_t before = r->to_app_off;

		if (!flush_to_app(r))
			return TC_BROKEN;
		if (r->to_app != NULL)
			return r->to_app_off > before ? TC_FED : TC_WAITING;
		res = TC_FED;
	}
	while (!r->client_done) {
		int n, e;
		ssize_t s;

		ERR_clear_error();
		n = SSL_read(r->ssl, scratch, cap);
		if (n <= 0) {
			e = SSL_get_error(r->ssl, n);
			r->read_needs_write = e == SSL_ERROR_WANT_WRITE;
			if (e == SSL_ERROR_ZERO_RETURN) {
				/* The client is done sending (SSL_OP_IGNORE_UNEXPECTED_EOF makes a bare FIN look
				 * the same) but may still read: the application sees the end of its input and
				 * may answer what it has; the answer still goes out. */
				r->client_done = true;
				shutdown(r->app_fd, SHUT_WR);
				return res;
			}
			return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? res : TC_BROKEN;
		}
		r->read_needs_write = false;
		s = send(r->app_fd, scratch, (size_t)n, MSG_NOSIGNAL);
		if (s < 0 && !would_block())
			return TC_BROKEN;
		s = s < 0 ? 0 : s;
		if (s > 0)
			res = TC_FED;
		if (s < n) /* the application is not reading (answering, or its buffer is full) */
			return hold_to_app(r, scratch + s, (size_t)n - (size_t)s) ? res : TC_BROKEN;
		/* Level-triggered readiness tells when the socket has more; only what OpenSSL has
		 * already read is taken now (saves a recv that would say EAGAIN). */
		if (!SSL_has_pending(r->ssl))
			return res;
	}
	return res;
}

/* SSL_write of buf[0..n); false: broken. A write that would block keeps the bytes to give
 * SSL_write again (*held). */
static bool write_client(tc_relay *r, const unsigned char *buf, size_t n, bool *held)
{
	int w, e;

	ERR_clear_error();
	w = SSL_write(r->ssl, buf, (int)n);
	*held = false;
	if (w > 0) {
		r->write_needs_read = false;
		return true;
	}
	e = SSL_get_error(r->ssl, w);
	if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
		return false;
	r->write_needs_read = e == SSL_ERROR_WANT_READ;
	*held = true;
	return true;
}

tc_result tc_app_to_client(tc_relay *r, unsigned char *scratch, size_t scratch_len)
{
	bool held;

	if (r->to_client != NULL) {
		if (!write_client(r, r->to_client, r->to_client_len, &held))
			return TC_BROKEN;
		if (held)
			return TC_WAITING;
		free(r->to_client);
		r->to_client = NULL;
	}
	for (;;) {
		ssize_t n = recv(r->app_fd, scratch, scratch_len, 0);

		if (n == 0)
			return TC_FINISHED;
		if (n < 0)
			return would_block() ? TC_WAITING : TC_BROKEN;
		if (!write_client(r, scratch, (size_t)n, &held))
			return TC_BROKEN;
		if (held) {
			if ((r->to_client = malloc((size_t)n)) == NULL)
				return TC_BROKEN;
			memcpy(r->to_client, scratch, (size_t)n);
			r->to_client_len = (size_t)n;
			return TC_WAITING;
		}
		if ((size_t)n < scratch_len)
			return TC_WAITING; /* most likely all there was; readiness says if not */
	}
}

void tc_interest(const tc_relay *r, unsigned *client_ev, unsigned *app_ev)
{
	unsigned c = 0, a = 0;

	if ((r->to_app == NULL && !r->read_needs_write && !r->client_done) || r->write_needs_read)
		c |= TC_READABLE;
	if (r->read_needs_write || (r->to_client != NULL && !r->write_needs_read))
		c |= TC_WRITABLE;
	if (r->to_client == NULL)
		a |= TC_READABLE;
	if (r->to_app != NULL)
		a |= TC_WRITABLE;
	*client_ev = c;
	*app_ev = r->app_closed ? 0 : a;
}

bool tc_stalled(const tc_relay *r)
{
	return r->to_app != NULL || r->to_client != NULL;
}

void tc_close(tc_relay *r, bool graceful)
{
	if (graceful && r->app_fd >= 0) {
		ERR_clear_error();
		(void)SSL_shutdown(r->ssl); /* one try: the answer is complete without it */
	}
	ERR_clear_error();
	if (r->client_fd >= 0)
		close(r->client_fd);
	if (r->app_fd >= 0)
		close(r->app_fd);
	SSL_free(r->ssl);
	free(r->to_app);
	free(r->to_client);
	memset(r, 0, sizeof(*r));
	r->client_fd = r->app_fd = -1;
}
