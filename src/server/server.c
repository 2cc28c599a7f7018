#include "config.h"

#include "server/server.h"

#include "server/deadline.h"
#include "server/snapshot.h"
#include "server/tlsfront.h"

#include "util/cpus.h"
#include "net/http.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KUBE_JWKS_PATH "/openid/v1/jwks"
#define MAX_LISTENERS 16

/* A worker thread's lock, on its own cache line. The worker holds it from reading `cur` until
 * MHD has taken its reference on the response; srv_publish takes every slot's lock once after
 * swapping `cur`, so no worker can still be using the old snapshot when it is freed. Workers
 * never share a lock, so the request path does not wait on another thread. */
typedef struct slot {
	_Alignas(64) pthread_mutex_t lock;
} slot;

struct srv {
	srv_cfg cfg;
	metrics *metrics;
	/* Plain HTTP: one libmicrohttpd daemon with its own threads per listener. HTTPS: the TLS
	 * front (OpenSSL), whose workers each run a daemon of their own. */
	struct listener {
		srv *s;
		struct sockaddr_storage sa;
		unsigned salen;
		struct MHD_Daemon *d;
		MHD_socket quiesced_fd; /* closed after the daemon stops */
		tf_front *tls;
	} listeners[MAX_LISTENERS];
	size_t nlisteners;
	unsigned threads;
	unsigned long id; /* tells this server's thread-local slot numbers from a previous one's */
	slot *slots;
	size_t nslots; /* worker threads over all listeners */
	atomic_uint next_slot;
	_Atomic(snapshot *) cur; /* server/snapshot.h */
	struct MHD_Response *not_found, *not_allowed, *healthy, *not_ready, *ready;
	dl_reaper *reaper; /* NULL: no request deadline */
};

static atomic_ulong srv_ids;
static _Thread_local struct {
	unsigned long srv_id;
	size_t slot;
} tl;

/* The calling worker's slot; a worker takes the next free one on its first request. With more
 * threads than slots (not expected) two would share one, which stays correct, only slower. */
static slot *my_slot(srv *s)
{
	if (tl.srv_id != s->id) {
		tl.srv_id = s->id;
		tl.slot = atomic_fetch_add(&s->next_slot, 1) % s->nslots;
	}
	return &s->slots[tl.slot];
}

bool srv_publish_sites(srv *s, const snap_site *sites, size_t n, sao_err *err)
{
	snap_cfg sc = {s->cfg.max_age, s->cfg.cors, s->nslots};
	snapshot *sn = snap_build(&sc, sites, n, err), *old;

	if (sn == NULL)
		return false;
	snap_carry_counts(sn, atomic_load(&s->cur));
	old = atomic_exchange(&s->cur, sn);
	/* Wait out any worker that read `old` before the swap and has not yet queued it. */
	for (size_t i = 0; i < s->nslots; i++) {
		pthread_mutex_lock(&s->slots[i].lock);
		pthread_mutex_unlock(&s->slots[i].lock);
	}
	snap_free(old);
	return true;
}

bool srv_publish(srv *s, const docs *d, sao_err *err)
{
	snap_site one = {.issuer = "", .prefix = s->cfg.prefix, .jwks_path = s->cfg.jwks_path, .d = d};

	return srv_publish_sites(s, &one, 1, err);
}

/* One request as the handler sees it. */
typedef struct req {
	srv *s;
	struct MHD_Connection *c;
	metrics_route route;
	const char *method;
	const char *url; /* as requested, before the issuer's path is taken off */
} req;

/* Counts a request in the metrics and, with --access-log, logs it. Every answer goes through here. */
static void account(const req *q, unsigned status)
{
	metrics_request(q->s->metrics, q->route, status);
	if (q->s->cfg.access_log) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(q->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const char *ua = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT);
		char client[INET6_ADDRSTRLEN] = "-";

		if (ci != NULL && ci->client_addr != NULL) {
			const struct sockaddr *sa = ci->client_addr;

			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, client,
					  sizeof(client));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, client,
					  sizeof(client));
		}
		log_request(client, q->method, q->url, status, ua);
	}
}

static enum MHD_Result answer(const req *q, unsigned status, struct MHD_Response *r)
{
	dl_answered(q->s->reaper, q->c);
	account(q, status);
	return MHD_queue_response(q->c, status, r);
}

static enum MHD_Result serve_doc(req *q)
{
	srv *s = q->s;
	const char *inm = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *host = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	slot *sl = my_slot(s);
	snapshot *sn;
	snap_doc doc;
	size_t site = 0, ul = strlen(q->url);
	struct MHD_Response *r;
	unsigned status;
	enum MHD_Result ret;

	pthread_mutex_lock(&sl->lock);
	sn = atomic_load(&s->cur);
	if (sn == NULL) {
		pthread_mutex_unlock(&sl->lock);
		return answer(q, MHD_HTTP_SERVICE_UNAVAILABLE, s->not_ready);
	}
	doc = snap_route(sn, host, q->url, &site);
	if (doc == SNAP_NONE) {
		pthread_mutex_unlock(&sl->lock);
		return answer(q, MHD_HTTP_NOT_FOUND, s->not_found);
	}
	q->route = doc == SNAP_DISCOVERY ? ROUTE_DISCOVERY
		   : ul >= strlen(KUBE_JWKS_PATH) && strcmp(q->url + ul - strlen(KUBE_JWKS_PATH), KUBE_JWKS_PATH) == 0
		       ? ROUTE_KUBE_JWKS
		       : ROUTE_JWKS;
	r = snap_answer(sn, site, doc, tl.slot, inm, &status);
	/* MHD takes its own reference here, so the snapshot may be replaced right after. */
	ret = MHD_queue_response(q->c, status, r);
	pthread_mutex_unlock(&sl->lock);
	dl_answered(s->reaper, q->c);
	account(q, status);
	return ret;
}

char *srv_metrics_render(srv *s, size_t *len)
{
	char *body = metrics_render(s->metrics, len), *sites, *all = NULL;
	slot *sl = &s->slots[0]; /* any slot's lock keeps the snapshot read under it alive */

	pthread_mutex_lock(&sl->lock);
	sites = snap_metrics_text(atomic_load(&s->cur));
	pthread_mutex_unlock(&sl->lock);
	if (body != NULL && sites != NULL && asprintf(&all, "%s%s", body, sites) >= 0)
		*len = strlen(all);
	else
		all = NULL;
	free(body);
	free(sites);
	return all;
}

static enum MHD_Result serve_metrics(const req *q)
{
	size_t len = 0;
	char *body = srv_metrics_render(q->s, &len);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (body == NULL)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = answer(q, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	srv *s = cls;
	req q = {s, c, ROUTE_OTHER, method, url};

	(void)version;
	(void)upload_data;
	/* Probes and metrics at the root only (an Ingress that publishes the issuer's path does not
	 * publish them), and not at all with --status-listen; the documents are the snapshot's to
	 * route (server/snapshot.h): by path, and with several issuers by Host too. */
	if (!s->cfg.no_status_routes)
		q.route = strcmp(url, "/healthz") == 0	 ? ROUTE_HEALTHZ
			  : strcmp(url, "/readyz") == 0	 ? ROUTE_READYZ
			  : strcmp(url, "/metrics") == 0 ? ROUTE_METRICS
							 : ROUTE_OTHER;
	/* Other methods are refused at once; MHD then closes the connection instead of reading a body. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(&q, MHD_HTTP_METHOD_NOT_ALLOWED, s->not_allowed);
	/* A response queued in the first callback, before MHD has seen the end of the request, makes
	 * libmicrohttpd close the connection; answering in the second keeps it alive. */
	if (*con_cls == NULL) {
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a GET with a body: ignore the body */
		return MHD_YES;
	}
	switch (q.route) {
	case ROUTE_HEALTHZ:
		return answer(&q, MHD_HTTP_OK, s->healthy);
	case ROUTE_READYZ:
		if (atomic_load(&s->cur) == NULL)
			return answer(&q, MHD_HTTP_SERVICE_UNAVAILABLE, s->not_ready);
		return answer(&q, MHD_HTTP_OK, s->ready);
	case ROUTE_METRICS:
		return serve_metrics(&q);
	default:
		return serve_doc(&q);
	}
}

/* MHD decodes %XX in the path before routing. A decoded NUL would end the C string early and
 * make "/keys.json%00anything" match "/keys.json"; such a path is left encoded, so it matches
 * no route and gets 404. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	for (const char *p = s; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return strlen(s);
	return MHD_http_unescape(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_debug("libmicrohttpd: %s", line);
}

struct MHD_Daemon *srv_daemon_start(unsigned flags, MHD_AccessHandlerCallback handler, void *ctx,
				    const struct MHD_OptionItem *opts, sao_err *err)
{
	struct MHD_Daemon *d;

	errno = 0;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handler, ctx, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (d == NULL)
		err_set(err, "%s", errno != 0 ? strerror(errno) : "libmicrohttpd refused the configuration");
	return d;
}

unsigned srv_event_loop(void)
{
	/* epoll is Linux's; elsewhere libmicrohttpd's poll() loop does the same job. */
	return MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL_INTERNAL_THREAD
								      : MHD_USE_POLL_INTERNAL_THREAD;
}

bool srv_parse_listen(const char *spec, void *sa, unsigned *salen, sao_err *err)
{
	char host[256];
	const char *colon, *port;
	struct addrinfo hints, *res = NULL;
	int r;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':')
			return err_set(err, "listen address \"%s\": expected [IPV6]:PORT", spec);
		if ((size_t)(close - spec - 1) >= sizeof(host))
			return err_set(err, "listen address \"%s\" is too long", spec);
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port = close + 2;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			return err_set(err, "listen address \"%s\": expected HOST:PORT, [IPV6]:PORT or :PORT", spec);
		if ((size_t)(colon - spec) >= sizeof(host))
			return err_set(err, "listen address \"%s\" is too long", spec);
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	if (port[0] == '\0' || strspn(port, "0123456789") != strlen(port) || atoi(port) > 65535)
		return err_set(err, "listen address \"%s\": bad port \"%s\"", spec, port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	r = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
	if (r != 0)
		return err_set(err, "listen address \"%s\": %s", spec, gai_strerror(r));
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*salen = (unsigned)res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

static struct MHD_Response *static_response(const char *body, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);

	if (r == NULL)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	return r;
}

/* Makes a daemon for listener ctx: bound to its address with a pool of threads (plain HTTP),
 * or, for the TLS front (flags from it), one without socket or thread of its own. */
static struct MHD_Daemon *make_daemon(void *ctx, unsigned front_flags, sao_err *err)
{
	struct listener *l = ctx;
	srv *s = l->s;
	const srv_cfg *cfg = &s->cfg;
	unsigned flags = MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[16];
	struct MHD_Daemon *d;
	size_t no = 0;

	if (front_flags != 0) {
		flags |= front_flags;
	} else {
		flags |= srv_event_loop() | MHD_USE_ITC | (l->sa.ss_family == AF_INET6 ? MHD_USE_DUAL_STACK : 0);
		opts[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &l->sa};
		opts[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, s->threads, NULL};
		opts[no++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
		/* The front counts clients itself, before the handshake. */
		if (cfg->per_ip_connections > 0)
			opts[no++] =
			    (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections, NULL};
	}
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->max_request, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL};
	opts[no++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL};
	if (s->reaper != NULL)
		opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)dl_notify, s->reaper};
	opts[no] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	d = srv_daemon_start(flags, handle, s, opts, err);
	return d;
}

bool srv_set_tls(srv *s, const char *cert_pem, const char *key_pem, sao_err *err)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		if (s->listeners[i].tls != NULL && !tf_set_cert(s->listeners[i].tls, cert_pem, key_pem, err)) {
			err_prefix(err, "%s: ", s->cfg.listen[i]);
			return false;
		}
	return true;
}

static int listen_fd(const struct listener *l)
{
	const union MHD_DaemonInfo *info;

	if (l->tls != NULL)
		return tf_listen_fd(l->tls);
	info = l->d != NULL ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_LISTEN_FD) : NULL;
	return info != NULL ? (int)info->listen_fd : -1;
}

bool srv_bound_address(srv *s, size_t i, char *buf, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char host[INET6_ADDRSTRLEN];
	int fd = i < s->nlisteners ? listen_fd(&s->listeners[i]) : -1;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return false;
	if (sa.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)&sa;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)&sa;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	}
	return true;
}

srv *srv_start(const srv_cfg *cfg, metrics *m, sao_err *err)
{
	srv *s = calloc(1, sizeof(*s));
	unsigned threads = cfg->threads != 0 ? cfg->threads : cpus_usable(NULL);

	if (s == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	s->metrics = m;
	s->id = atomic_fetch_add(&srv_ids, 1) + 1;
	if (cfg->nlisten > MAX_LISTENERS) {
		err_set(err, "at most %d --listen addresses", MAX_LISTENERS);
		goto fail;
	}
	s->nslots = (cfg->nlisten > 0 ? cfg->nlisten : 1) * threads;
	s->slots = aligned_alloc(_Alignof(slot), s->nslots * sizeof(slot));
	if (s->slots == NULL) {
		s->nslots = 0;
		err_set(err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < s->nslots; i++)
		pthread_mutex_init(&s->slots[i].lock, NULL);
	s->not_found = static_response("not found\n", NULL);
	s->not_allowed = static_response("method not allowed\n", "GET, HEAD");
	s->healthy = static_response("ok\n", NULL);
	s->ready = static_response("ready\n", NULL);
	s->not_ready = static_response("not ready: no documents loaded yet\n", NULL);
	if (s->not_found == NULL || s->not_allowed == NULL || s->healthy == NULL || s->ready == NULL ||
	    s->not_ready == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if (cfg->request_timeout_ms > 0 && (s->reaper = dl_start(cfg->request_timeout_ms, err)) == NULL)
		goto fail;
	s->threads = threads;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		struct listener *l = &s->listeners[i];

		l->s = s;
		l->quiesced_fd = MHD_INVALID_SOCKET;
		s->nlisteners = i + 1;
		if (!srv_parse_listen(cfg->listen[i], &l->sa, &l->salen, err))
			goto fail;
		if (cfg->tls_cert_pem != NULL) {
			tf_cfg tc = {.sa = (const struct sockaddr *)&l->sa,
				     .salen = l->salen,
				     .threads = threads,
				     .max_connections = cfg->max_connections,
				     .per_ip = cfg->per_ip_connections,
				     .handshake_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 10000,
				     .stall_ms = cfg->timeout_s * 1000u,
				     .counters = metrics_tls(s->metrics)};

			l->tls = tf_start(&tc, cfg->tls_cert_pem, cfg->tls_key_pem, make_daemon, l, err);
		} else {
			l->d = make_daemon(l, 0, err);
		}
		if (l->tls == NULL && l->d == NULL) {
			err_prefix(err, "cannot listen on %s: ", cfg->listen[i]);
			goto fail;
		}
	}
	return s;
fail:
	srv_stop(s, 0);
	return NULL;
}

static unsigned active_connections(srv *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->nlisteners; i++) {
		const struct listener *l = &s->listeners[i];
		const union MHD_DaemonInfo *info =
		    l->d != NULL ? MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;

		n += l->tls != NULL ? tf_connections(l->tls) : info != NULL ? info->num_connections : 0;
	}
	return n;
}

void srv_stop(srv *s, unsigned grace_ms)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];

		if (l->tls != NULL)
			tf_quiesce(l->tls);
		else if (l->d != NULL)
			l->quiesced_fd = MHD_quiesce_daemon(l->d);
	}
	for (unsigned waited = 0; waited < grace_ms && active_connections(s) > 0; waited += 20) {
		struct timespec ts = {0, 20 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < s->nlisteners; i++) {
		struct listener *l = &s->listeners[i];

		tf_stop(l->tls);
		if (l->d != NULL)
			MHD_stop_daemon(l->d);
		if (l->quiesced_fd != MHD_INVALID_SOCKET)
			close(l->quiesced_fd);
	}
	dl_stop(s->reaper);
	snap_free(atomic_load(&s->cur));
	struct MHD_Response *statics[] = {s->not_found, s->not_allowed, s->healthy, s->ready, s->not_ready};
	for (size_t i = 0; i < sizeof(statics) / sizeof(*statics); i++)
		if (statics[i] != NULL)
			MHD_destroy_response(statics[i]);
	for (size_t i = 0; i < s->nslots; i++)
		pthread_mutex_destroy(&s->slots[i].lock);
	free(s->slots);
	free(s);
}
