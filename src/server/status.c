#include "config.h"

#include "server/status.h"

#include "server/deadline.h"
#include "server/server.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A whole request within this (a client trickling a byte every few seconds no longer holds a
 * connection: the probes must always get through), and few connections per address. */
#define STATUS_REQUEST_MS 3000u
#define STATUS_PER_IP 4u

struct status_srv {
	struct MHD_Daemon *d;
	dl_reaper *reaper;
	status_metrics_fn metrics;
	void *ctx;
	atomic_bool ready;
};

static enum MHD_Result answer(status_srv *s, struct MHD_Connection *c, unsigned code, const char *type, char *body,
			      size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	dl_answered(s->reaper, c);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *size, void **state)
{
	status_srv *s = cls;
	static int first;

	(void)version;
	(void)data;
	(void)size;
	if (*state == NULL) { /* answer on the second call, once the headers are in */
		*state = &first;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(s, c, 405, "text/plain", (char *)"method not allowed\n", 19, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/healthz") == 0)
		return answer(s, c, 200, "text/plain", (char *)"ok\n", 3, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/readyz") == 0)
		return atomic_load(&s->ready)
			   ? answer(s, c, 200, "text/plain", (char *)"ready\n", 6, MHD_RESPMEM_PERSISTENT)
			   : answer(s, c, 503, "text/plain", (char *)"not ready\n", 10, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") == 0) {
		size_t len = 0;
		char *body = s->metrics(s->ctx, &len);

		if (body == NULL)
			return answer(s, c, 500, "text/plain", (char *)"out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
		return answer(s, c, 200, "text/plain; version=0.0.4", body, len, MHD_RESPMEM_MUST_FREE);
	}
	return answer(s, c, 404, "text/plain", (char *)"not found\n", 10, MHD_RESPMEM_PERSISTENT);
}

status_srv *status_start(const char *listen, status_metrics_fn render, void *ctx, sao_err *err)
{
	struct sockaddr_storage sa;
	unsigned salen = 0;
	status_srv *s;

	if (!srv_parse_listen(listen, &sa, &salen, err))
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	s->metrics = render;
	s->ctx = ctx;
	atomic_init(&s->ready, false);
	if ((s->reaper = dl_start(STATUS_REQUEST_MS, err)) == NULL) {
		free(s);
		return NULL;
	}
	{
		const struct MHD_OptionItem opts[] = {
		    {MHD_OPTION_SOCK_ADDR, 0, &sa},
		    {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
		    {MHD_OPTION_CONNECTION_LIMIT, 64, NULL},
		    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, STATUS_PER_IP, NULL},
		    {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)dl_notify, s->reaper},
		    {MHD_OPTION_END, 0, NULL},
		};

		s->d = srv_daemon_start(srv_event_loop() | (sa.ss_family == AF_INET6 ? MHD_USE_DUAL_STACK : 0), handle,
					s, opts, err);
	}
	if (s->d == NULL) {
		dl_stop(s->reaper);
		free(s);
		err_set(err, "cannot listen on %s (in use, or not an address of this host)", listen);
		return NULL;
	}
	return s;
}

void status_set_ready(status_srv *s, bool ready)
{
	if (s != NULL)
		atomic_store(&s->ready, ready);
}

void status_stop(status_srv *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	dl_stop(s->reaper);
	free(s);
}
