/* tlsconn: one client's TLS session relayed to a plaintext socket, byte for byte. The TLS
 * front's per-connection logic, with no event loop, list or thread in it: tlsfront.c drives
 * it from epoll, and tests drive it over socket pairs.
 *
 * A relay is in one of two phases: the handshake (tc_handshake until TC_HS_DONE), then
 * relaying. While relaying each direction either flows or holds one record's worth of bytes
 * the other side has not taken yet:
 *   to_app     decrypted bytes the application's socket did not take (the client is then not
 *              read until they are);
 *   to_client  the application's bytes SSL_write must be given again once the client's socket
 *              can take them (OpenSSL's rule for a write that would block).
 * A relay holding bytes is stalled (tc_stalled); its owner bounds how long. Half-closes pass
 * through: the client's end of input (close_notify, or a bare FIN) becomes shutdown(SHUT_WR)
 * on the application's socket, which may still answer; the application closing its socket
 * ends the relay once everything it wrote is written (TC_FINISHED). */
#ifndef SAOIDC_TLSCONN_H
#define SAOIDC_TLSCONN_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct tc_relay {
	SSL *ssl;
	int client_fd; /* the client's TCP socket (SSL reads and writes it) */
	int app_fd;    /* our end of the application's plaintext socket; -1 during the handshake */
	unsigned char *to_app;
	size_t to_app_len, to_app_off;
	unsigned char *to_client;
	size_t to_client_len;
	bool client_done;      /* the client has finished sending */
	bool app_closed;       /* the application closed its end (the owner stops watching app_fd) */
	bool read_needs_write; /* SSL_read wants the client's socket writable (TLS 1.3 key update) */
	bool write_needs_read; /* SSL_write wants it readable */
} tc_relay;

typedef enum tc_hs { TC_HS_DONE, TC_HS_WANT_READ, TC_HS_WANT_WRITE, TC_HS_FAILED } tc_hs;

typedef enum tc_result {
	TC_WAITING,  /* moved what could be moved; tc_interest says what to wait for */
	TC_FED,	     /* as TC_WAITING, and the application was given new bytes */
	TC_FINISHED, /* the application closed its end and all it wrote is written */
	TC_BROKEN    /* the session is broken or a socket failed: close without close_notify */
} tc_result;

/* Readiness the relay waits for on a socket. */
enum { TC_READABLE = 1, TC_WRITABLE = 2 };

/* Starts the server side of a handshake on client_fd (non-blocking) with ssl. The relay owns
 * both from here, even when it fails (ssl NULL, or SSL_set_fd failing): tc_close frees them. */
bool tc_init(tc_relay *r, SSL *ssl, int client_fd);

/* Runs the handshake as far as the client's bytes allow. */
tc_hs tc_handshake(tc_relay *r);

/* After TC_HS_DONE: the application's end of the plaintext socket (non-blocking), owned. */
void tc_attach_app(tc_relay *r, int app_fd);

/* Client -> application: decrypts what has arrived and hands it over (first what was held).
 * scratch is one TLS record's plaintext (16 KiB) of the caller's, reused by every relay. */
tc_result tc_client_to_app(tc_relay *r, unsigned char *scratch, size_t scratch_len);

/* Application -> client: encrypts what the application wrote (first what was held). */
tc_result tc_app_to_client(tc_relay *r, unsigned char *scratch, size_t scratch_len);

/* What to wait for next: on the client's socket and on the application's. */
void tc_interest(const tc_relay *r, unsigned *client_ev, unsigned *app_ev);

/* Bytes are held in either direction. */
bool tc_stalled(const tc_relay *r);

/* Closes both sockets and frees the session. graceful: the answer is complete, so the client
 * gets a close_notify (one try); otherwise none. */
void tc_close(tc_relay *r, bool graceful);

#endif
