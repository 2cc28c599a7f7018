#include "config.h"

#include "net/tls.h"

#include "util/clock.h"

#include <limits.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#define TLS_TIMEOUT_S 10

/* Waits until the BIO's socket can make progress or the deadline (monotonic ms) passes: 1 to
 * go on, 0 when the time is up. Polls the socket as OpenSSL's BIO_wait does, but on the
 * monotonic clock (BIO_wait takes a wall-clock deadline, which jumps). */
static int wait_io(BIO *bio, long deadline)
{
	long left = deadline - clock_mono_ms();
	int fd = -1, r;
	struct pollfd p;

	if (left <= 0)
		return 0;
	if (BIO_get_fd(bio, &fd) <= 0 || fd < 0) { /* no socket yet: nap briefly */
		struct timespec ts = {0, 10 * 1000000L};

		nanosleep(&ts, NULL);
		return 1;
	}
	p.fd = fd;
	p.events = BIO_should_read(bio) ? POLLIN : POLLOUT;
	p.revents = 0;
	r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
	return r == 0 ? 0 : 1; /* an error or EINTR: BIO_do_connect says what happened */
}

bool tls_thumbprint(const char *host, int port, const tls_opts *o, tls_thumb *out, sao_err *err)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	BIO *bio = NULL;
	STACK_OF(X509) * chain;
	X509 *last;
	unsigned char md[20];
	unsigned int mdlen = 0;
	char target[600];
	bool ok = false, connected;
	long vr;

	memset(out, 0, sizeof(*out));
	if (o->connect_to != NULL)
		snprintf(target, sizeof(target), "%s", o->connect_to);
	else if (strchr(host, ':') != NULL)
		snprintf(target, sizeof(target), "[%s]:%d", host, port);
	else
		snprintf(target, sizeof(target), "%s:%d", host, port);
	{
		/* Resolve first, to tell a DNS failure from a TLS one (OpenSSL says "system lib"). */
		char h[600];
		const char *colon;
		struct addrinfo hints = {0}, *res = NULL;
		int gr;

		snprintf(h, sizeof(h), "%s", target[0] == '[' ? target + 1 : target);
		colon = strrchr(h, target[0] == '[' ? ']' : ':');
		if (colon != NULL)
			h[colon - h] = '\0';
		hints.ai_socktype = SOCK_STREAM;
		if ((gr = getaddrinfo(h, NULL, &hints, &res)) != 0) {
			err_set(err, "DNS: %s does not resolve (%s)", h, gai_strerror(gr));
			goto out;
		}
		freeaddrinfo(res);
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		err_ssl(err, "TLS setup failed");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (!o->insecure) {
		if (o->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1
				       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
			err_ssl(err, "cannot load CA certificates%s%s", o->ca_file ? " from " : "",
				o->ca_file ? o->ca_file : "");
			goto out;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	bio = BIO_new_ssl_connect(ctx);
	if (bio == NULL || BIO_get_ssl(bio, &ssl) != 1 || ssl == NULL) {
		err_ssl(err, "TLS setup failed");
		goto out;
	}
	BIO_set_conn_hostname(bio, target);
	SSL_set_tlsext_host_name(ssl, host);
	if (!o->insecure && SSL_set1_host(ssl, host) != 1) {
		err_ssl(err, "TLS setup failed");
		goto out;
	}
	/* Non-blocking, with one deadline for connect and handshake: a host that accepts TCP and
	 * never speaks TLS (or never answers) must not hang register or verify. */
	BIO_set_nbio(bio, 1);
	{
		long deadline = clock_mono_ms() + TLS_TIMEOUT_S * 1000L;
		int r;

		while ((r = (int)BIO_do_connect(bio)) <= 0 && BIO_should_retry(bio)) {
			if (wait_io(bio, deadline) == 0) {
				r = -2;
				break;
			}
			ERR_clear_error();
		}
		if (r == -2) {
			err_set(err, "TLS to %s (%s): no answer within %d s", host, target, TLS_TIMEOUT_S);
			goto out;
		}
		connected = r > 0;
	}
	if (!connected) {
		vr = SSL_get_verify_result(ssl);
		if (vr != X509_V_OK)
			err_set(err, "TLS to %s (%s): certificate verification failed: %s%s", host, target,
				X509_verify_cert_error_string(vr),
				o->ca_file == NULL ? " (a private CA? give --ca-file)" : "");
		else
			err_ssl(err, "TLS connection to %s (%s) failed", host, target);
		goto out;
	}
	chain = SSL_get_peer_cert_chain(ssl);
	if (chain == NULL || sk_X509_num(chain) == 0) {
		err_set(err, "%s presented no certificate", host);
		goto out;
	}
	out->depth = sk_X509_num(chain);
	last = sk_X509_value(chain, out->depth - 1);
	if (X509_digest(last, EVP_sha1(), md, &mdlen) != 1 || mdlen != 20) {
		err_ssl(err, "SHA-1 of the certificate failed");
		goto out;
	}
	for (unsigned i = 0; i < 20; i++)
		snprintf(out->sha1 + 2 * i, 3, "%02x", md[i]);
	X509_NAME_oneline(X509_get_subject_name(last), out->subject, sizeof(out->subject));
	out->leaf = X509_check_ca(last) == 0;
	ok = true;
out:
	ERR_clear_error();
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return ok;
}

/* Reads the PEM certificate chain and key, and checks that the key is the first
 * certificate's. On success *cert is the leaf, *chain the rest (possibly empty). */
static bool read_pair(const char *cert_pem, const char *key_pem, X509 **cert, STACK_OF(X509) * *chain, EVP_PKEY **key,
		      sao_err *err)
{
	BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem != NULL ? key_pem : "", -1);
	X509 *x;
	bool ok = false;

	*cert = NULL;
	*key = NULL;
	*chain = sk_X509_new_null();
	if (cb == NULL || kb == NULL || *chain == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if ((*cert = PEM_read_bio_X509(cb, NULL, NULL, NULL)) == NULL) {
		err_ssl(err, "the TLS certificate is not a PEM certificate");
		goto out;
	}
	while ((x = PEM_read_bio_X509(cb, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*chain, x)) {
			X509_free(x);
			err_set(err, "out of memory");
			goto out;
		}
	ERR_clear_error(); /* the end of the chain */
	if ((*key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)) == NULL) {
		err_ssl(err, "the TLS key is not a PEM private key");
		goto out;
	}
	if (X509_check_private_key(*cert, *key) != 1) {
		ERR_clear_error();
		err_set(err, "the TLS key does not match the certificate (the key is not the first certificate's)");
		goto out;
	}
	ok = true;
out:
	if (!ok) {
		EVP_PKEY_free(*key);
		X509_free(*cert);
		sk_X509_pop_free(*chain, X509_free);
		*key = NULL;
		*cert = NULL;
		*chain = NULL;
	}
	BIO_free(cb);
	BIO_free(kb);
	return ok;
}

bool tls_check_pair(const char *cert_pem, const char *key_pem, sao_err *err)
{
	X509 *cert;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;

	if (!read_pair(cert_pem, key_pem, &cert, &chain, &key, err))
		return false;
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return true;
}

SSL_CTX *tls_server_ctx(const char *cert_pem, const char *key_pem, sao_err *err)
{
	X509 *cert;
	STACK_OF(X509) * chain;
	EVP_PKEY *key;
	SSL_CTX *ctx = NULL;

	if (!read_pair(cert_pem, key_pem, &cert, &chain, &key, err))
		return NULL;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_set1_chain(ctx, chain) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		err_ssl(err, "cannot set up TLS with this certificate and key");
		SSL_CTX_free(ctx);
		ctx = NULL;
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
				     SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* TLS 1.3: AES-128-GCM first (Mozilla's order). Its key schedule and transcript hash are
	 * SHA-256, which CPUs do in hardware (SHA-384 is SHA-512, in software); all three of
	 * OpenSSL's suites stay. One session ticket per handshake instead of two: an HTTP/1.1
	 * client resumes one connection at a time. */
	/* TLS 1.2: forward secrecy and AEAD only (ECDHE with AES-GCM or ChaCha20-Poly1305), AES-128
	 * first as for 1.3: Mozilla's "intermediate" profile without its DHE suites (a client that
	 * has no ECDHE is long gone) and, unlike OpenSSL's default, no static-RSA key exchange and
	 * no CBC suites. Every STS, browser and SDK client of the last decade offers these. */
	if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
					 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
					 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1 ||
	    SSL_CTX_set_ciphersuites(
		ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 1) != 1) {
		err_ssl(err, "cannot set up TLS 1.3");
		SSL_CTX_free(ctx);
		ctx = NULL;
		goto out;
	}
	/* Resumption by session tickets, which the client keeps; nothing is stored per client on
	 * the server (as nginx's default "ssl_session_cache none"). TLS 1.3 resumption still does
	 * an ECDHE exchange (OpenSSL's clients offer only psk_dhe_ke). */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	/* One recv per TLS record instead of two (header, then body). */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	return ctx;
}
