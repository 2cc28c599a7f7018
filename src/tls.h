/* tls: the certificate chain a server presents, and the thumbprint IAM pins for an OpenID
 * Connect provider: SHA-1 of the last certificate presented (the top intermediate CA). */
#ifndef SAOIDC_TLS_H
#define SAOIDC_TLS_H

#include "aws.h"
#include "err.h"

#include <stdbool.h>

typedef struct tls_opts {
	const char *connect_to; /* "HOST:PORT" to dial instead of the URL's host (SNI and checks stay) */
	const char *ca_file;    /* trust these CAs instead of the system store */
	bool insecure;          /* skip chain and host name verification (not for production) */
} tls_opts;

typedef struct tls_thumb {
	char sha1[41];      /* lower-case hex, no colons: what IAM's ThumbprintList wants */
	char subject[256];  /* of the certificate the thumbprint is of */
	int depth;          /* certificates the server presented */
} tls_thumb;

/* Connects to host:port (default 443) with TLS, verifies chain and host name unless insecure,
 * and computes the thumbprint of the last certificate presented. */
bool tls_thumbprint(const char *host, int port, const tls_opts *o, tls_thumb *out, sao_err *err);

/* Thumbprints IAM needs for an issuer: its host's, and the jwks_uri host's when the discovery
 * document names another host. `hosts` gets "host:port" for each. *discovered is false when
 * the discovery document could not be read (then only the issuer's host was checked). */
bool tls_issuer_thumbprints(const char *issuer, const tls_opts *o, strlist *thumbs, strlist *hosts, bool *discovered,
			    sao_err *err);

/* Host and port of an https:// URL (port 443 when absent); host is malloc'd. */
bool tls_url_host(const char *url, char **host, int *port, sao_err *err);

#endif
