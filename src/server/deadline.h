/* deadline: a total time limit per request on a libmicrohttpd daemon. libmicrohttpd's own
 * connection timeout is an idle timeout, so a client that trickles one header byte every few
 * seconds holds its connection for ever (slowloris). Each connection gets a deadline when it
 * opens and again each time a response is queued; a reaper thread shuts down the socket of any
 * connection past its deadline, and libmicrohttpd then closes it as it would a dropped peer. */
#ifndef SAOIDC_DEADLINE_H
#define SAOIDC_DEADLINE_H

#include "util/err.h"

#include <microhttpd.h>
#include <stdbool.h>

typedef struct dl_reaper dl_reaper;

/* Starts the reaper: a request (headers, body, and the wait for it on a kept-alive
 * connection) must be complete within limit_ms. */
dl_reaper *dl_start(unsigned limit_ms, sao_err *err);
/* Stops the reaper. Call after every daemon that uses it has stopped. NULL is allowed. */
void dl_stop(dl_reaper *r);

/* Give to MHD_start_daemon as MHD_OPTION_NOTIFY_CONNECTION, dl_notify, reaper. */
void dl_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code);
/* Call when a response is queued on c: the next request gets a fresh deadline. */
void dl_answered(dl_reaper *r, struct MHD_Connection *c);
/* Connections shut down so far for running out of time. */
unsigned long dl_reaped(const dl_reaper *r);

#endif
