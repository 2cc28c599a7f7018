#include "config.h"

#include "server/deadline.h"

#include "util/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define SWEEP_MS 250

typedef struct tracked {
	struct tracked *prev, *next;
	int fd;
	atomic_long deadline; /* clock_mono_ms() */
} tracked;

struct dl_reaper {
	unsigned limit_ms;
	pthread_mutex_t lock; /* the list, and stopping */
	pthread_cond_t wake;
	tracked *head;
	bool stopping;
	atomic_ulong reaped;
	pthread_t thread;
};

/* Every SWEEP_MS: shuts down (never closes: libmicrohttpd owns the descriptor) each socket past
 * its deadline. A connection is unlinked under the lock before libmicrohttpd closes its
 * descriptor (the CLOSED notification comes first), so the descriptor cannot have been reused. */
static void *sweep(void *arg)
{
	dl_reaper *r = arg;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		struct timespec ts;
		long now = clock_mono_ms();

		for (tracked *t = r->head; t != NULL; t = t->next) {
			long d = atomic_load_explicit(&t->deadline, memory_order_relaxed);

			if (d != 0 && now > d) {
				shutdown(t->fd, SHUT_RDWR);
				atomic_store_explicit(&t->deadline, 0, memory_order_relaxed); /* once */
				atomic_fetch_add(&r->reaped, 1);
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += SWEEP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!r->stopping && pthread_cond_timedwait(&r->wake, &r->lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

dl_reaper *dl_start(unsigned limit_ms, sao_err *err)
{
	dl_reaper *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (r == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	r->limit_ms = limit_ms;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, sweep, r) != 0) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		err_set(err, "cannot start the request-deadline thread");
		return NULL;
	}
	return r;
}

void dl_stop(dl_reaper *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	while (r->head != NULL) { /* only if a daemon still runs: not expected */
		tracked *t = r->head;

		r->head = t->next;
		free(t);
	}
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void dl_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	dl_reaper *r = cls;
	tracked *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (fd == NULL || (t = calloc(1, sizeof(*t))) == NULL)
			return; /* untracked: the idle timeout still applies */
		t->fd = fd->connect_fd;
		atomic_init(&t->deadline, clock_mono_ms() + (long)r->limit_ms);
		pthread_mutex_lock(&r->lock);
		t->next = r->head;
		if (r->head != NULL)
			r->head->prev = t;
		r->head = t;
		pthread_mutex_unlock(&r->lock);
		*socket_context = t;
	} else if (t != NULL) {
		pthread_mutex_lock(&r->lock);
		if (t->prev != NULL)
			t->prev->next = t->next;
		else
			r->head = t->next;
		if (t->next != NULL)
			t->next->prev = t->prev;
		pthread_mutex_unlock(&r->lock);
		free(t);
		*socket_context = NULL;
	}
}

void dl_answered(dl_reaper *r, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	    r != NULL ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
	tracked *t = ci != NULL ? ci->socket_context : NULL;

	long d = t != NULL ? atomic_load_explicit(&t->deadline, memory_order_relaxed) : 0;

	/* Not once reaped: the reaper's 0 stays. */
	if (d != 0)
		atomic_compare_exchange_strong(&t->deadline, &d, clock_mono_ms() + (long)r->limit_ms);
}

unsigned long dl_reaped(const dl_reaper *r)
{
	return r != NULL ? atomic_load(&((dl_reaper *)r)->reaped) : 0;
}
