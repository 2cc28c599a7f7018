#include "config.h"

#include "util/sigs.h"

#include <pthread.h>
#include <unistd.h>

void sigs_service_set(sigset_t *s)
{
	sigemptyset(s);
	sigaddset(s, SIGTERM);
	sigaddset(s, SIGINT);
	sigaddset(s, SIGHUP);
	sigaddset(s, SIGUSR1);
}

void sigs_block_service(void)
{
	sigset_t s;

	sigs_service_set(&s);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void sigs_usr1_self(void *ctx)
{
	(void)ctx;
	kill(getpid(), SIGUSR1);
}
