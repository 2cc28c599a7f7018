#include "config.h"

#include "tls.h"

#include "fetch.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tls_url_host(const char *url, char **host, int *port, sao_err *err)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL, *scheme = NULL;
	bool ok = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK) {
		err_set(err, "\"%s\" is not an absolute URL", url);
		goto out;
	}
	if (strcmp(scheme, "https") != 0) {
		err_set(err, "\"%s\" is not an https:// URL", url);
		goto out;
	}
	*port = curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK ? atoi(p) : 443;
	/* curl keeps IPv6 brackets in the host part; OpenSSL wants them off. */
	if (h[0] == '[') {
		h[strlen(h) - 1] = '\0';
		*host = strdup(h + 1);
	} else {
		*host = strdup(h);
	}
	ok = *host != NULL || err_set(err, "out of memory");
out:
	curl_free(h);
	curl_free(p);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

bool tls_thumbprint(const char *host, int port, const tls_opts *o, tls_thumb *out, sao_err *err)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	BIO *bio = NULL;
	STACK_OF(X509) *chain;
	X509 *last;
	unsigned char md[20];
	unsigned int mdlen = 0;
	char target[600];
	bool ok = false;
	long vr;

	memset(out, 0, sizeof(*out));
	if (o->connect_to != NULL)
		snprintf(target, sizeof(target), "%s", o->connect_to);
	else if (strchr(host, ':') != NULL)
		snprintf(target, sizeof(target), "[%s]:%d", host, port);
	else
		snprintf(target, sizeof(target), "%s:%d", host, port);
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		err_ssl(err, "TLS setup failed");
		goto out;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (!o->insecure) {
		if (o->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1
				       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
			err_ssl(err, "cannot load CA certificates%s%s", o->ca_file ? " from " : "", o->ca_file ? o->ca_file : "");
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
	if (BIO_do_connect(bio) <= 0 || BIO_do_handshake(bio) <= 0) {
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
	ok = true;
out:
	ERR_clear_error();
	BIO_free_all(bio);
	SSL_CTX_free(ctx);
	return ok;
}

/* The jwks_uri of the issuer's discovery document, fetched as STS would; malloc'd or NULL. */
static char *fetch_jwks_uri(const char *issuer, const tls_opts *o)
{
	fetch_result r;
	char *url = NULL, *out = NULL;
	sao_err err;
	json_t *j;

	if (asprintf(&url, "%s/.well-known/openid-configuration", issuer) < 0)
		return NULL;
	if (fetch_get(url, o, 5000, &r, &err) && r.status == 200 && r.body != NULL) {
		j = json_loadb(r.body, r.len, 0, NULL);
		if (json_string_value(json_object_get(j, "jwks_uri")) != NULL)
			out = strdup(json_string_value(json_object_get(j, "jwks_uri")));
		json_decref(j);
	}
	fetch_result_clear(&r);
	free(url);
	return out;
}

static bool add_host(const char *host, int port, const tls_opts *o, strlist *thumbs, strlist *hosts, sao_err *err)
{
	tls_thumb t;
	char hp[600];

	if (!tls_thumbprint(host, port, o, &t, err))
		return false;
	snprintf(hp, sizeof(hp), "%s:%d", host, port);
	if (!strlist_add(hosts, hp) || (!strlist_has(thumbs, t.sha1) && !strlist_add(thumbs, t.sha1)))
		return err_set(err, "out of memory");
	return true;
}

bool tls_issuer_thumbprints(const char *issuer, const tls_opts *o, strlist *thumbs, strlist *hosts, bool *discovered,
			    sao_err *err)
{
	char *host = NULL, *jhost = NULL, *jwks = NULL;
	int port = 0, jport = 0;
	bool ok = false;

	if (!tls_url_host(issuer, &host, &port, err) || !add_host(host, port, o, thumbs, hosts, err))
		goto out;
	jwks = fetch_jwks_uri(issuer, o);
	*discovered = jwks != NULL;
	if (jwks != NULL && tls_url_host(jwks, &jhost, &jport, err) && (strcmp(jhost, host) != 0 || jport != port)) {
		/* --connect-to names the issuer's server; the jwks host is dialled as it is. */
		tls_opts jo = fetch_opts_for(o, issuer, jwks);

		if (!add_host(jhost, jport, &jo, thumbs, hosts, err))
			goto out;
	}
	ok = true;
out:
	free(host);
	free(jhost);
	free(jwks);
	return ok;
}
