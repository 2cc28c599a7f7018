/* tls: the certificate chain a server presents, and the thumbprint IAM pins for an OpenID
 * Connect provider: SHA-1 of the last certificate presented (the top intermediate CA). */
#ifndef SAOIDC_TLS_H
#define SAOIDC_TLS_H

#include "util/err.h"

#include <openssl/types.h>

#include <stdbool.h>

typedef struct tls_opts {
	const char *connect_to; /* "HOST:PORT" to dial instead of the URL's host (SNI and checks stay) */
	const char *ca_file;	/* trust these CAs instead of the system store */
	bool insecure;		/* skip chain and host name verification (not for production) */
	/* HTTP client only (net/fetch): CAs, and a client certificate and key, as PEM text (a
	 * kubeconfig's *-data). */
	const char *ca_pem;
	const char *client_cert_pem;
	const char *client_key_pem;
} tls_opts;

typedef struct tls_thumb {
	char sha1[41];	   /* lower-case hex, no colons: what IAM's ThumbprintList wants */
	char subject[256]; /* of the certificate the thumbprint is of */
	int depth;	   /* certificates the server presented */
	bool leaf;	   /* the last one is not a CA: the server sends no intermediate, and the
			    * thumbprint changes at every renewal of its certificate */
} tls_thumb;

/* Connects to host:port (default 443) with TLS, verifies chain and host name unless insecure,
 * and computes the thumbprint of the last certificate presented. */
bool tls_thumbprint(const char *host, int port, const tls_opts *o, tls_thumb *out, sao_err *err);

/* Checks a serving certificate chain and private key (PEM texts) before a server loads them:
 * each parses, and the key is the first certificate's. The errors say which. */
bool tls_check_pair(const char *cert_pem, const char *key_pem, sao_err *err);

/* The one TLS configuration of saoidc's servers (serve --tls-cert, the webhook): a server
 * context with the certificate chain and key (PEM texts, checked as tls_check_pair does),
 * TLS 1.2 and 1.3 at OpenSSL's default ciphers and security level, no renegotiation,
 * stateless session tickets and no server-side session cache (nothing grows per client).
 * Free with SSL_CTX_free. */
SSL_CTX *tls_server_ctx(const char *cert_pem, const char *key_pem, sao_err *err);

#endif
