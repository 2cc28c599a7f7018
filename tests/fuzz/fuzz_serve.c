/* libFuzzer target: raw HTTP requests against the serve module's request handling. A server
 * with the demo documents listens on loopback once; each input is written to a fresh
 * connection and the answer read until the server closes it or 100 ms pass in silence. Any crash,
 * sanitizer report or hang in the server fails the run. */
#include "config.h"

#include "jose/docs.h"
#include "jose/keys.h"
#include "util/log.h"
#include "server/metrics.h"
#include "server/server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int port;
static const char *listen_spec[1];

static void start(void)
{
	const char *keyfile = getenv("SAOIDC_FUZZ_KEY");
	srv_cfg cfg = {
	    .nlisten = 1,
	    .prefix = "",
	    .jwks_path = "/keys.json",
	    .max_age = 60,
	    .cors = true,
	    .access_log = true, /* its path runs; the lines themselves stay below LOG_ERROR */
	    .max_connections = 256,
	    .timeout_s = 1,
	    .max_request = 8192,
	    .threads = 1,
	};
	key_set *keys = key_set_new();
	docs d = {0};
	docs_cfg dc = {.issuer = "https://oidc.example.com"};
	sao_err err;
	srv *s;
	int fd;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	log_setup(LOG_ERROR, false);
	/* Find a free port: bind to 0, read it back, release it for the server. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	port = ntohs(sa.sin_port);
	close(fd);
	{
		static char spec[32];

		snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
		listen_spec[0] = spec;
		cfg.listen = listen_spec;
	}
	if (keyfile == NULL || !key_set_add_path(keys, keyfile, &err) || !docs_render(&dc, keys, &d, &err) ||
	    (s = srv_start(&cfg, metrics_new(), &err)) == NULL || !srv_publish(s, &d, &err)) {
		fprintf(stderr, "fuzz_serve: set SAOIDC_FUZZ_KEY to a key file (%s)\n", err.msg);
		abort();
	}
	docs_clear(&d);
	key_set_free(keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa;
	char buf[4096];
	int fd;

	if (port == 0)
		start();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Thousands of short connections a second: close with RST (no TIME_WAIT), and ride out a
	 * moment without a free local port (another test on the machine may hold many); only a
	 * server that stays unreachable is a finding. */
	for (int attempt = 0;; attempt++) {
		struct linger lg = {1, 0};

		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		if (attempt == 50 || (errno != EADDRNOTAVAIL && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "fuzz_serve: the server went away: %s\n", strerror(errno));
			abort();
		}
		poll(NULL, 0, 20);
	}
	(void)!write(fd, data, size);
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};

		if (poll(&p, 1, 100) <= 0 || read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	close(fd);
	return 0;
}
