/* The floor for saoidc serve's memory and the "minimal libmicrohttpd server" of issue #3: the
 * least any JWKS server built on the project's libraries (OpenSSL 3, jansson, libmicrohttpd as
 * Debian ships them) must do. It parses one public key with OpenSSL, writes a JSON body with
 * jansson, and serves that body from one persistent response with the MHD flags and per-connection
 * memory saoidc uses by default, until SIGTERM. No reload, metrics, routing or logging.
 *
 * Built and run by serve-vs-nginx.sh: its peak RSS, measured in the same run, is the lower bound
 * saoidc's own RSS is compared with.
 *
 * usage: mhd-floor PORT THREADS KEY.pem   (listens on 127.0.0.1) */
#define _POSIX_C_SOURCE 200809L

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *resp;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
	if (*con_cls == NULL) {
		*con_cls = c;
		return MHD_YES;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, resp);
}

int main(int argc, char **argv)
{
	BIO *bio;
	char *name = NULL, *header = NULL, *body;
	unsigned char *der = NULL;
	const unsigned char *p;
	long len = 0;
	EVP_PKEY *key;
	json_t *doc;
	struct MHD_Daemon *d;
	sigset_t set;
	int sig;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	if (argc != 4) {
		fprintf(stderr, "usage: mhd-floor PORT THREADS KEY.pem\n");
		return 2;
	}
	bio = BIO_new_file(argv[3], "r");
	if (bio == NULL || !PEM_read_bio(bio, &name, &header, &der, &len)) {
		fprintf(stderr, "mhd-floor: cannot read a PEM block from %s\n", argv[3]);
		return 1;
	}
	p = der;
	key = d2i_PUBKEY(NULL, &p, len);
	if (key == NULL) {
		fprintf(stderr, "mhd-floor: %s is not a public key\n", argv[3]);
		return 1;
	}
	doc = json_pack("{s:[{s:s,s:i}]}", "keys", "kty", EVP_PKEY_get0_type_name(key), "bits", EVP_PKEY_get_bits(key));
	body = json_dumps(doc, JSON_COMPACT);
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/jwk-set+json");

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO | MHD_USE_ITC, 0, NULL, NULL, handle, NULL,
			     MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]),
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "mhd-floor: cannot listen on port %s\n", argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(resp);
	json_decref(doc);
	EVP_PKEY_free(key);
	OPENSSL_free(der);
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	return 0;
}
