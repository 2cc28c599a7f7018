/* Unit tests for src/server/tlsconn.c, the TLS front's per-connection state machine, driven
 * over socket pairs with an OpenSSL client in the same thread: the handshake, bytes both ways,
 * each direction stalling and resuming (nothing lost or reordered), the client's close_notify
 * passed on as end of input, the application's close ending the relay after its last bytes,
 * and what is refused (not TLS, a broken record). */
#include "config.h"

#include "net/tls.h"
#include "server/tlsconn.h"
#include "../tap.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SCRATCH 16384
static unsigned char scratch[SCRATCH];

/* A self-signed P-256 certificate and its key, as PEM texts. */
static void make_pair(char **cert, char **key)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"t", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_sign(x, k, EVP_sha256());
	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &p);
	*cert = strndup(p, (size_t)n);
	(void)BIO_reset(b);
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(b, &p);
	*key = strndup(p, (size_t)n);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
}

typedef struct pair {
	tc_relay r;
	SSL *client;
	int client_sock; /* the client's end of the "TCP" socket pair */
	int app_sock;	 /* the application's end of the plaintext pair */
} pair;

static void nb_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
}

/* A relay and a client, handshake done; false if it never completes. */
static bool connect_pair(pair *t, SSL_CTX *sctx, SSL_CTX *cctx)
{
	int cs[2], as[2];
	bool cdone = false, sdone = false;

	nb_pair(cs);
	tc_init(&t->r, SSL_new(sctx), cs[0]);
	t->client_sock = cs[1];
	t->client = SSL_new(cctx);
	SSL_set_fd(t->client, cs[1]);
	SSL_set_connect_state(t->client);
	for (int i = 0; i < 50 && !(cdone && sdone); i++) {
		if (!cdone)
			cdone = SSL_do_handshake(t->client) == 1;
		if (!sdone) {
			tc_hs h = tc_handshake(&t->r);

			if (h == TC_HS_FAILED)
				return false;
			sdone = h == TC_HS_DONE;
		}
	}
	if (!(cdone && sdone))
		return false;
	nb_pair(as);
	tc_attach_app(&t->r, as[0]);
	t->app_sock = as[1];
	return true;
}

static void close_pair(pair *t)
{
	tc_close(&t->r, false);
	SSL_free(t->client);
	close(t->client_sock);
	if (t->app_sock >= 0)
		close(t->app_sock);
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 131u + 7u) % 251u);
}

/* One direction of the relay: who writes into it, the relay's step, who reads out of it, and
 * the readiness the relay must then wait for (held bytes stop the source, wait on the sink). */
typedef struct direction {
	const char *name;
	long (*put)(pair *t, const unsigned char *buf, size_t n); /* <= 0: would block */
	tc_result (*step)(tc_relay *r, unsigned char *scratch, size_t len);
	long (*take)(pair *t, unsigned char *buf, size_t n);
	bool (*gated)(unsigned client_ev, unsigned app_ev);
} direction;

static long client_put(pair *t, const unsigned char *b, size_t n)
{
	return SSL_write(t->client, b, (int)n);
}
static long client_take(pair *t, unsigned char *b, size_t n)
{
	return SSL_read(t->client, b, (int)n);
}
static long app_put(pair *t, const unsigned char *b, size_t n)
{
	return (long)send(t->app_sock, b, n, 0);
}
static long app_take(pair *t, unsigned char *b, size_t n)
{
	return (long)recv(t->app_sock, b, n, 0);
}
static bool app_gated(unsigned cev, unsigned aev)
{
	return !(cev & TC_READABLE) && (aev & TC_WRITABLE);
}
static bool client_gated(unsigned cev, unsigned aev)
{
	return (cev & TC_WRITABLE) && !(aev & TC_READABLE);
}

/* total bytes through one direction, its reader not reading until the relay holds bytes; then
 * everything is read and compared. */
static void stall(pair *t, const direction *d, size_t total)
{
	size_t sent = 0, got = 0, bad = 0;
	unsigned char buf[4096];
	bool stalled = false, gated = false;
	unsigned cev, aev;

	for (int round = 0; round < 100000 && got < total; round++) {
		while (sent < total) {
			size_t n = total - sent < sizeof(buf) ? total - sent : sizeof(buf);
			long w;

			for (size_t i = 0; i < n; i++)
				buf[i] = pattern(sent + i);
			if ((w = d->put(t, buf, n)) <= 0)
				break;
			sent += (size_t)w;
		}
		if (d->step(&t->r, scratch, SCRATCH) == TC_BROKEN)
			break;
		if (!stalled && tc_stalled(&t->r)) {
			stalled = true;
			tc_interest(&t->r, &cev, &aev);
			gated = d->gated(cev, aev);
		}
		if (!stalled)
			continue; /* the reader reads nothing until the relay has had to hold bytes */
		for (long r; (r = d->take(t, buf, sizeof(buf))) > 0; got += (size_t)r)
			for (long i = 0; i < r; i++)
				bad += buf[i] != pattern(got + (size_t)i);
	}
	ok(stalled, "%s: a reader that does not read makes the relay hold bytes (stalled)", d->name);
	ok(gated, "  %s: then it waits for the reader's socket, and takes no more from the writer", d->name);
	ok(got == total && bad == 0, "  %s: once the reader reads, all %zu bytes arrive in order (got %zu, %zu wrong)",
	   d->name, total, got, bad);
	ok(!tc_stalled(&t->r), "  %s: and the relay holds nothing any more", d->name);
}

static void request_answer_close(pair *t)
{
	char buf[256];
	unsigned cev, aev;
	ssize_t n;
	int r;

	ok(SSL_write(t->client, "GET / HTTP/1.1\r\n\r\n", 18) == 18, "the client sends a request");
	ok(tc_client_to_app(&t->r, scratch, SCRATCH) == TC_FED, "  the relay hands it to the application (TC_FED)");
	n = recv(t->app_sock, buf, sizeof(buf), 0);
	ok(n == 18 && memcmp(buf, "GET / HTTP/1.1\r\n\r\n", 18) == 0, "  which reads exactly those bytes");
	ok(tc_client_to_app(&t->r, scratch, SCRATCH) == TC_WAITING, "  nothing more: TC_WAITING");
	tc_interest(&t->r, &cev, &aev);
	ok(cev == TC_READABLE && aev == TC_READABLE, "  and it waits for either side to have bytes (%u, %u)", cev, aev);
	ok(send(t->app_sock, "HTTP/1.1 200 OK\r\n", 17, 0) == 17, "the application answers");
	ok(tc_app_to_client(&t->r, scratch, SCRATCH) == TC_WAITING, "  the relay encrypts it");
	r = SSL_read(t->client, buf, sizeof(buf));
	ok(r == 17 && memcmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0, "  and the client reads it");

	ok(SSL_shutdown(t->client) == 0, "the client sends close_notify (done sending, still reading)");
	ok(tc_client_to_app(&t->r, scratch, SCRATCH) == TC_WAITING && t->r.client_done, "  the relay sees the end");
	ok(recv(t->app_sock, buf, sizeof(buf), 0) == 0, "  and passes it on: the application reads end of input");
	tc_interest(&t->r, &cev, &aev);
	ok(!(cev & TC_READABLE), "  nothing more is read from the client");
	ok(send(t->app_sock, "bye", 3, 0) == 3 && shutdown(t->app_sock, SHUT_WR) == 0,
	   "the application writes its last bytes and closes its end");
	ok(tc_app_to_client(&t->r, scratch, SCRATCH) == TC_WAITING, "  the relay passes the last bytes on");
	ok(tc_app_to_client(&t->r, scratch, SCRATCH) == TC_FINISHED,
	   "  and, at the next readiness of the application's socket, it is finished (TC_FINISHED)");
	r = SSL_read(t->client, buf, sizeof(buf));
	ok(r == 3 && memcmp(buf, "bye", 3) == 0, "  after the client got everything written before the close");
}

int main(void)
{
	char *cert, *key;
	sao_err err = {0};
	SSL_CTX *sctx, *cctx = SSL_CTX_new(TLS_client_method());
	pair t = {0};
	int cs[2];
	tc_relay r;

	make_pair(&cert, &key);
	sctx = tls_server_ctx(cert, key, &err);
	ok(sctx != NULL, "a server context from a fresh certificate (%s)", err.msg);

	ok(connect_pair(&t, sctx, cctx), "the handshake completes over a socket pair");
	request_answer_close(&t);
	close_pair(&t);

	memset(&t, 0, sizeof(t));
	ok(connect_pair(&t, sctx, cctx), "a second connection");
	stall(&t, &(direction){"client -> app", client_put, tc_client_to_app, app_take, app_gated}, 1u << 20);
	stall(&t, &(direction){"app -> client", app_put, tc_app_to_client, client_take, client_gated}, 1u << 20);
	/* A record the client did not encrypt: the session is broken. */
	ok(send(t.client_sock, "\x17\x03\x03\x00\x05hello", 10, 0) == 10, "garbage in place of a record");
	ok(tc_client_to_app(&t.r, scratch, SCRATCH) == TC_BROKEN, "  breaks the relay (TC_BROKEN)");
	close_pair(&t);

	nb_pair(cs);
	ok(tc_init(&r, SSL_new(sctx), cs[0]), "a relay for a client that does not speak TLS");
	ok(tc_handshake(&r) == TC_HS_WANT_READ, "  before any byte, the handshake waits to read");
	ok(send(cs[1], "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 0) == 27, "  plain HTTP arrives");
	ok(tc_handshake(&r) == TC_HS_FAILED, "  the handshake fails");
	tc_close(&r, false);
	close(cs[1]);

	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	free(cert);
	free(key);
	return tap_done();
}
