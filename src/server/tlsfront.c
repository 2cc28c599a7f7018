#include "config.h"

#include "server/tlsfront.h"

#include "server/ipcap.h"
#include "server/tlsconn.h"

#include "net/tls.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH 16384  /* one TLS record's plaintext */
#define ACCEPT_BATCH 8 /* accepts per wake-up: the others are left to the other workers */
#define MAX_EVENTS 64
#define MAX_GIVEN 128
#define ACCEPT_PAUSE_MS 100 /* after accept() ran out of descriptors */

enum tag_kind { TAG_LISTEN, TAG_WAKE, TAG_MHD, TAG_CLIENT, TAG_APP };

struct conn;
struct worker;

/* What an epoll event points at. */
typedef struct tag {
	enum tag_kind kind;
	struct conn *c;
} tag;

/* A connection's phase, which names the worker list it is on: handshakes are bounded by
 * handshake_ms from accept, stalls (bytes one side does not take) by stall_ms. DEAD ones wait
 * on the dead list until the round of events that may still name them is over. */
enum conn_phase { CONN_HANDSHAKE, CONN_RELAYING, CONN_STALLED, CONN_DEAD };

typedef struct conn {
	struct conn *prev, *next; /* the worker's list for the phase; `next` on the dead list */
	struct worker *w;
	enum conn_phase phase;
	tc_relay r;		    /* the TLS session and the bytes in flight (server/tlsconn.h) */
	tag t_client, t_app;	    /* epoll's pointers back, per socket */
	uint32_t ev_client, ev_app; /* the epoll events asked for now */
	long deadline;		    /* of the handshake, or of a stall (monotonic ms) */
	bool given;		    /* in the worker's `given` list this round */
	struct sockaddr_storage sa;
	socklen_t salen;
} conn;

typedef struct worker {
	tf_front *f;
	pthread_t th;
	bool started;
	bool listening;
	bool left_listener; /* has stopped watching the listening socket for good (quiesce) */
	long resume_accept; /* when listening was paused for lack of descriptors: when to resume */
	int ep, wake;
	struct MHD_Daemon *d;
	tag t_listen, t_wake, t_mhd;
	conn hs;      /* CONN_HANDSHAKE, oldest first (every deadline is accept time + the same limit) */
	unsigned nhs; /* in hs */
	conn live;    /* CONN_RELAYING: handed to libmicrohttpd, bytes flowing */
	conn stalled; /* CONN_STALLED, oldest stall first */
	conn *dead;
	conn *given[MAX_GIVEN]; /* libmicrohttpd was given their bytes in this round of events */
	size_t ngiven;
	unsigned char scratch[SCRATCH];
} worker;

struct tf_front {
	tf_cfg cfg;
	tf_counters own; /* cfg.counters points here when the caller gives none */
	int lfd;
	worker *workers;
	unsigned nworkers; /* started */
	pthread_mutex_t ctx_lock;
	SSL_CTX *ctx;
	atomic_uint conns;
	atomic_uint peak; /* the most conns since tf_peak_take */
	atomic_bool quiesce, stop;
	atomic_uint left_listener; /* workers that no longer watch the listening socket */
	atomic_long warned_per_ip; /* when the per-address cap was last logged (monotonic ms) */
	ipcap *ip;		   /* connections per client address (NULL: no cap) */
};

static void count(atomic_ullong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static void list_init(conn *head)
{
	head->prev = head->next = head;
}

static void list_add_tail(conn *head, conn *c)
{
	c->prev = head->prev;
	c->next = head;
	head->prev->next = c;
	head->prev = c;
}

static void list_del(conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Asks epoll for exactly these events on fd (no call when they are already asked for). */
static void want(conn *c, int fd, uint32_t *cur, tag *t, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = t};

	if (*cur != ev && epoll_ctl(c->w->ep, EPOLL_CTL_MOD, fd, &e) == 0)
		*cur = ev;
}

static uint32_t epoll_events(unsigned tc_ev)
{
	return ((tc_ev & TC_READABLE) ? EPOLLIN : 0) | ((tc_ev & TC_WRITABLE) ? EPOLLOUT : 0);
}

/* Moves c to the list of phase p. */
static void enter(conn *c, enum conn_phase p)
{
	worker *w = c->w;

	list_del(c);
	c->phase = p;
	list_add_tail(p == CONN_HANDSHAKE ? &w->hs : p == CONN_STALLED ? &w->stalled : &w->live, c);
}

/* Closes both sides (graceful: libmicrohttpd closed its end after its last answer, so the
 * client gets a close_notify; otherwise the session is broken or the client is gone). */
static void conn_close(conn *c, bool graceful)
{
	worker *w = c->w;

	if (c->phase == CONN_DEAD)
		return;
	/* The slots first: a client that sees the close and connects again at once finds them free. */
	ipcap_give(w->f->ip, &c->sa);
	atomic_fetch_sub(&w->f->conns, 1);
	tc_close(&c->r, graceful); /* the client's socket also leaves the epoll set */
	if (c->phase == CONN_HANDSHAKE)
		w->nhs--;
	list_del(c);
	c->phase = CONN_DEAD; /* freed after this round of events, which may still name it */
	c->next = w->dead;
	w->dead = c;
}

/* Remembers that libmicrohttpd was given bytes for c: its answer is read right after MHD_run. */
static void note_given(conn *c)
{
	worker *w = c->w;

	if (!c->given && w->ngiven < MAX_GIVEN) {
		c->given = true;
		w->given[w->ngiven++] = c;
	}
}

/* Moves what can be moved (from the client only if from_client: after MHD_run only the answers
 * are new), then asks epoll for what the relay waits for. A relay holding bytes is stalled: it
 * gets stall_ms to move again. */
static void pump(conn *c, bool from_client)
{
	worker *w = c->w;
	tc_result in = TC_WAITING, out;
	unsigned ev_client, ev_app;

	if (from_client && (in = tc_client_to_app(&c->r, w->scratch, SCRATCH)) == TC_BROKEN) {
		conn_close(c, false);
		return;
	}
	if (in == TC_FED)
		note_given(c);
	if ((out = tc_app_to_client(&c->r, w->scratch, SCRATCH)) == TC_BROKEN || out == TC_FINISHED) {
		conn_close(c, out == TC_FINISHED);
		return;
	}
	tc_interest(&c->r, &ev_client, &ev_app);
	want(c, c->r.client_fd, &c->ev_client, &c->t_client, epoll_events(ev_client));
	if (!c->r.app_closed)
		want(c, c->r.app_fd, &c->ev_app, &c->t_app, epoll_events(ev_app));
	if (tc_stalled(&c->r) != (c->phase == CONN_STALLED)) {
		enter(c, tc_stalled(&c->r) ? CONN_STALLED : CONN_RELAYING);
		c->deadline = clock_mono_ms() + (long)w->f->cfg.stall_ms;
	}
}

static void handshake(conn *c);

/* An event on one of c's sockets. */
static void on_event(conn *c, bool client_side, uint32_t ev)
{
	if (c->phase == CONN_HANDSHAKE) {
		handshake(c); /* an error or hang-up makes it fail */
		return;
	}
	if (client_side && (ev & (EPOLLERR | EPOLLHUP))) {
		conn_close(c, false); /* reset, or closed both ways: nothing more can reach the client */
		return;
	}
	if (!client_side && (ev & (EPOLLERR | EPOLLHUP)) && !c->r.app_closed) {
		/* libmicrohttpd closed its end; what it wrote before is still to be read. epoll would
		 * report the hang-up on every wait while the client is slow to take the rest. */
		epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->r.app_fd, NULL);
		c->r.app_closed = true;
	}
	/* Both ways: the pair becoming writable lets the client's held bytes through, and then
	 * more of the client's may be read. */
	pump(c, true);
}

/* The handshake is done: a socket pair, one end to libmicrohttpd. */
static void established(conn *c)
{
	worker *w = c->w;
	int sv[2];
	struct epoll_event e = {.events = EPOLLIN, .data.ptr = &c->t_app};

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
		conn_close(c, false);
		return;
	}
	tc_attach_app(&c->r, sv[0]);
	w->nhs--;
	enter(c, CONN_RELAYING);
	/* libmicrohttpd sees the client's address: its limits and the access log name the client. */
	if (MHD_add_connection(w->d, sv[1], (const struct sockaddr *)&c->sa, c->salen) != MHD_YES ||
	    epoll_ctl(w->ep, EPOLL_CTL_ADD, sv[0], &e) != 0) {
		conn_close(c, false); /* libmicrohttpd closed sv[1] either way */
		return;
	}
	c->ev_app = EPOLLIN;
	pump(c, true); /* the request may have come with the handshake's last flight */
}

static void handshake(conn *c)
{
	switch (tc_handshake(&c->r)) {
	case TC_HS_DONE:
		count(&c->w->f->cfg.counters->handshakes);
		established(c);
		break;
	case TC_HS_WANT_READ:
		want(c, c->r.client_fd, &c->ev_client, &c->t_client, EPOLLIN);
		break;
	case TC_HS_WANT_WRITE:
		want(c, c->r.client_fd, &c->ev_client, &c->t_client, EPOLLOUT);
		break;
	case TC_HS_FAILED:
		count(&c->w->f->cfg.counters->handshake_failures);
		conn_close(c, false);
		break;
	}
}

/* Says, at most once a minute, that an address hit its cap: behind a proxy that connects from
 * one address, every client is refused, and the counter alone is easy to miss. */
static void warn_per_ip(tf_front *f, const struct sockaddr_storage *sa)
{
	long now = clock_mono_ms(), last = atomic_load(&f->warned_per_ip);
	char host[INET6_ADDRSTRLEN] = "?";

	if ((last != 0 && now - last < 60000) || !atomic_compare_exchange_strong(&f->warned_per_ip, &last, now))
		return;
	if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host, sizeof(host));
	log_warn("refusing connections from %s: it has %u open (--max-per-ip); behind a proxy or Ingress that "
		 "connects from one address, raise it or set 0 (counted in saoidc_connections_refused_total)",
		 host, f->cfg.per_ip);
}

static void note_peak(tf_front *f, unsigned n)
{
	unsigned p = atomic_load(&f->peak);

	while (n > p && !atomic_compare_exchange_weak(&f->peak, &p, n)) {
	}
}

/* Handshakes one worker may have in progress: half the connection limit, shared by the workers. */
static unsigned hs_max(const tf_front *f)
{
	unsigned n = f->cfg.max_connections / 2 / (f->cfg.threads > 0 ? f->cfg.threads : 1);

	return n < 8 ? 8 : n;
}

static void accept_some(worker *w)
{
	tf_front *f = w->f;

	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(f->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event e;
		SSL *ssl;
		conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors or memory: the listening socket stays readable, so stop
				 * watching it for a while instead of spinning on it. */
				epoll_ctl(w->ep, EPOLL_CTL_DEL, f->lfd, NULL);
				w->listening = false;
				w->resume_accept = clock_mono_ms() + ACCEPT_PAUSE_MS;
			}
			return; /* EAGAIN: another worker took it */
		}
		if (atomic_load(&f->conns) >= f->cfg.max_connections) {
			count(&f->cfg.counters->refused_full);
			close(fd);
			continue;
		}
		if (!ipcap_take(f->ip, &sa)) {
			count(&f->cfg.counters->refused_per_ip);
			warn_per_ip(f, &sa);
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			count(&f->cfg.counters->refused_full);
			ipcap_give(f->ip, &sa);
			close(fd);
			continue;
		}
		note_peak(f, atomic_fetch_add(&f->conns, 1) + 1);
		c->w = w;
		c->sa = sa;
		c->salen = sl;
		c->t_client = (tag){TAG_CLIENT, c};
		c->t_app = (tag){TAG_APP, c};
		c->deadline = clock_mono_ms() + (long)f->cfg.handshake_ms;
		/* Handshakes in progress are bounded below the connection limit: the oldest gives way. */
		if (w->nhs >= hs_max(f) && w->hs.next != &w->hs) {
			count(&f->cfg.counters->handshakes_evicted);
			conn_close(w->hs.next, false);
		}
		list_add_tail(&w->hs, c);
		w->nhs++;
		pthread_mutex_lock(&f->ctx_lock);
		ssl = SSL_new(f->ctx);
		pthread_mutex_unlock(&f->ctx_lock);
		e = (struct epoll_event){.events = EPOLLIN, .data.ptr = &c->t_client};
		if (!tc_init(&c->r, ssl, fd) || epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &e) != 0) {
			conn_close(c, false);
			continue;
		}
		c->ev_client = EPOLLIN;
		handshake(c); /* TCP_DEFER_ACCEPT: the ClientHello is usually here already */
	}
}

/* How long epoll may wait: until the next handshake or stall deadline or libmicrohttpd's next
 * timeout, whichever comes first; -1 for no limit. */
static int next_timeout(worker *w)
{
	long ms = -1, now = clock_mono_ms(), due[3] = {-1, -1, w->resume_accept > 0 ? w->resume_accept : -1};
	MHD_UNSIGNED_LONG_LONG mt;

	if (w->hs.next != &w->hs)
		due[0] = w->hs.next->deadline;
	if (w->stalled.next != &w->stalled)
		due[1] = w->stalled.next->deadline;
	for (int i = 0; i < 3; i++)
		if (due[i] >= 0 && (ms < 0 || due[i] - now < ms))
			ms = due[i] - now < 0 ? 0 : due[i] - now;
	if (MHD_get_timeout(w->d, &mt) == MHD_YES && (ms < 0 || mt < (MHD_UNSIGNED_LONG_LONG)ms))
		ms = (long)mt;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Adds the listening socket to w's epoll set. EPOLLEXCLUSIVE: a new connection wakes one
 * worker, not all of them. */
static bool watch_listener(worker *w)
{
	struct epoll_event e = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &w->t_listen};

	return epoll_ctl(w->ep, EPOLL_CTL_ADD, w->f->lfd, &e) == 0;
}

/* Closes handshakes and stalls past their deadlines (each list is in deadline order), and
 * resumes accepting after a pause. */
static void expire(worker *w)
{
	long now = clock_mono_ms();

	while (w->hs.next != &w->hs && w->hs.next->deadline <= now) {
		count(&w->f->cfg.counters->handshake_timeouts);
		conn_close(w->hs.next, false);
	}
	while (w->stalled.next != &w->stalled && w->stalled.next->deadline <= now) {
		count(&w->f->cfg.counters->stalls);
		conn_close(w->stalled.next, false);
	}
	if (w->resume_accept > 0 && w->resume_accept <= now) {
		w->resume_accept = 0;
		if (!atomic_load(&w->f->quiesce) && watch_listener(w))
			w->listening = true;
	}
}

/* Frees the connections closed in this round of events. */
static void free_dead(worker *w)
{
	while (w->dead != NULL) {
		conn *c = w->dead;

		w->dead = c->next;
		free(c);
	}
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	tf_front *f = w->f;
	struct epoll_event ev[MAX_EVENTS];

	while (!atomic_load(&f->stop)) {
		int n = epoll_wait(w->ep, ev, MAX_EVENTS, next_timeout(w));

		for (int i = 0; i < n; i++) {
			tag *t = ev[i].data.ptr;
			uint64_t v;

			switch (t->kind) {
			case TAG_LISTEN:
				if (w->listening)
					accept_some(w);
				break;
			case TAG_WAKE:
				if (read(w->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
					break;
				if (atomic_load(&f->quiesce) && !w->left_listener) {
					if (w->listening)
						epoll_ctl(w->ep, EPOLL_CTL_DEL, f->lfd, NULL);
					w->listening = false;
					w->resume_accept = 0;
					w->left_listener = true;
					atomic_fetch_add(&f->left_listener, 1);
				}
				break;
			case TAG_MHD:
				break; /* MHD_run below */
			case TAG_CLIENT:
			case TAG_APP:
				if (t->c->phase != CONN_DEAD)
					on_event(t->c, t->kind == TAG_CLIENT, ev[i].events);
				break;
			}
		}
		/* libmicrohttpd reads what was just given to it and queues its answers; the answers are
		 * taken at once rather than after another epoll_wait. */
		MHD_run(w->d);
		for (size_t i = 0; i < w->ngiven; i++) {
			conn *c = w->given[i];

			c->given = false;
			if (c->phase != CONN_DEAD)
				pump(c, false);
		}
		w->ngiven = 0;
		expire(w);
		free_dead(w);
	}
	return NULL;
}

static void wake(worker *w)
{
	uint64_t one = 1;

	if (write(w->wake, &one, sizeof(one)) < 0) {
		/* the counter is full: the worker has a wake-up pending anyway */
	}
}

static bool worker_init(tf_front *f, worker *w, tf_daemon_fn make, void *ctx, sao_err *err)
{
	const union MHD_DaemonInfo *di;
	struct epoll_event e;

	w->f = f;
	w->ep = w->wake = -1;
	list_init(&w->hs);
	list_init(&w->live);
	list_init(&w->stalled);
	w->t_listen = (tag){TAG_LISTEN, NULL};
	w->t_wake = (tag){TAG_WAKE, NULL};
	w->t_mhd = (tag){TAG_MHD, NULL};
	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || (w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return err_set(err, "cannot make an event loop: %s", strerror(errno));
	if ((w->d = make(ctx, MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, err)) == NULL)
		return false;
	if ((di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		return err_set(err, "libmicrohttpd has no epoll descriptor");
	e = (struct epoll_event){.events = EPOLLIN, .data.ptr = &w->t_mhd};
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, di->epoll_fd, &e) != 0)
		return err_set(err, "epoll: %s", strerror(errno));
	e = (struct epoll_event){.events = EPOLLIN, .data.ptr = &w->t_wake};
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &e) != 0)
		return err_set(err, "epoll: %s", strerror(errno));
	if (!watch_listener(w))
		return err_set(err, "epoll: %s", strerror(errno));
	w->listening = true;
	return true;
}

static int listen_on(const tf_cfg *cfg, sao_err *err)
{
	int fd = socket(cfg->sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, zero = 0;
	int defer = (int)(cfg->handshake_ms + 999) / 1000;

	if (fd < 0) {
		err_set(err, "%s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cfg->sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, cfg->sa, cfg->salen) != 0 || listen(fd, 1024) != 0) {
		err_set(err, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	/* accept() only once the client has sent something (its ClientHello), or after this many
	 * seconds; a connection that never speaks costs no wake-up. */
	setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
	return fd;
}

tf_front *tf_start(const tf_cfg *cfg, const char *cert_pem, const char *key_pem, tf_daemon_fn make, void *ctx,
		   sao_err *err)
{
	tf_front *f = calloc(1, sizeof(*f));
	unsigned n = cfg->threads > 0 ? cfg->threads : 1;
	struct rlimit rl;

	if (f == NULL || (f->workers = calloc(n, sizeof(*f->workers))) == NULL) {
		free(f);
		err_set(err, "out of memory");
		return NULL;
	}
	f->cfg = *cfg;
	if (f->cfg.counters == NULL)
		f->cfg.counters = &f->own;
	f->lfd = -1;
	/* Three descriptors per connection (the client's socket and the pair): raise the soft limit
	 * to the hard one, as nothing here uses select(). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_mutex_init(&f->ctx_lock, NULL);
	if (cfg->per_ip > 0 && (f->ip = ipcap_new(cfg->per_ip)) == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	if ((f->ctx = tls_server_ctx(cert_pem, key_pem, err)) == NULL || (f->lfd = listen_on(cfg, err)) < 0)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		worker *w = &f->workers[i];

		f->nworkers = i + 1;
		if (!worker_init(f, w, make, ctx, err))
			goto fail;
		if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
			err_set(err, "cannot start a worker thread");
			goto fail;
		}
		w->started = true;
	}
	return f;
fail:
	tf_stop(f);
	return NULL;
}

bool tf_set_cert(tf_front *f, const char *cert_pem, const char *key_pem, sao_err *err)
{
	SSL_CTX *ctx = tls_server_ctx(cert_pem, key_pem, err), *old;

	if (ctx == NULL)
		return false;
	pthread_mutex_lock(&f->ctx_lock);
	old = f->ctx;
	f->ctx = ctx;
	pthread_mutex_unlock(&f->ctx_lock);
	SSL_CTX_free(old); /* each open connection's SSL holds its own reference */
	return true;
}

int tf_listen_fd(const tf_front *f)
{
	return f->lfd;
}

unsigned tf_connections(const tf_front *f)
{
	return atomic_load(&((tf_front *)f)->conns);
}

unsigned tf_peak_take(tf_front *f)
{
	return atomic_exchange(&f->peak, atomic_load(&f->conns));
}

void tf_kick(tf_front *f)
{
	for (unsigned i = 0; f != NULL && i < f->nworkers; i++)
		if (f->workers[i].started)
			wake(&f->workers[i]);
}

void tf_quiesce(tf_front *f)
{
	unsigned running = 0;

	if (f->lfd < 0)
		return;
	for (unsigned i = 0; i < f->nworkers; i++)
		running += f->workers[i].started;
	atomic_store(&f->quiesce, true);
	for (unsigned i = 0; i < f->nworkers; i++)
		if (f->workers[i].started)
			wake(&f->workers[i]);
	/* The socket is closed only once no worker can be about to accept on it. */
	while (atomic_load(&f->left_listener) < running) {
		struct timespec ts = {0, 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	close(f->lfd);
	f->lfd = -1;
}

void tf_stop(tf_front *f)
{
	if (f == NULL)
		return;
	atomic_store(&f->stop, true);
	for (unsigned i = 0; i < f->nworkers; i++)
		if (f->workers[i].started) {
			wake(&f->workers[i]);
			pthread_join(f->workers[i].th, NULL);
		}
	for (unsigned i = 0; i < f->nworkers; i++) {
		worker *w = &f->workers[i];

		for (conn *head = &w->hs; head != NULL; head = head == &w->hs	  ? &w->live
							       : head == &w->live ? &w->stalled
										  : NULL)
			while (head->next != NULL && head->next != head)
				conn_close(head->next, false);
		free_dead(w);
		if (w->d != NULL)
			MHD_stop_daemon(w->d);
		if (w->ep >= 0)
			close(w->ep);
		if (w->wake >= 0)
			close(w->wake);
	}
	if (f->lfd >= 0)
		close(f->lfd);
	ipcap_free(f->ip);
	SSL_CTX_free(f->ctx);
	pthread_mutex_destroy(&f->ctx_lock);
	free(f->workers);
	free(f);
}
