/* sigs: the signals a long-running command (serve, publish --watch, webhook) takes on its main
 * thread with sigtimedwait: TERM and INT stop it, HUP reloads, USR1 is its own "a watched Secret
 * changed". Blocked before any thread starts, so that every thread inherits the mask and none
 * dies of a signal meant for the main loop. */
#ifndef SAOIDC_SIGS_H
#define SAOIDC_SIGS_H

#include <signal.h>

/* The set: SIGTERM, SIGINT, SIGHUP, SIGUSR1. */
void sigs_service_set(sigset_t *s);

/* Sends this process SIGUSR1 ("a watched Secret changed"), from any thread: a kwatch callback
 * (ctx unused), which the main loop then takes with sigtimedwait. */
void sigs_usr1_self(void *ctx);

/* Blocks the set in the calling thread (call it before starting any) and ignores SIGPIPE. */
void sigs_block_service(void);

#endif
