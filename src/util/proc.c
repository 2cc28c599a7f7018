#include "config.h"

#include "util/proc.h"

#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void proc_output_free(char *out, size_t len)
{
	if (out != NULL) {
		volatile char *p = out;

		for (size_t i = 0; i < len; i++)
			p[i] = 0;
	}
	free(out);
}

/* The child's side: stdin /dev/null, stdout the pipe. Only async-signal-safe calls: another
 * thread may have held a lock at fork. */
static void child(char *const argv[], char *const envp[], int wfd)
{
	static const char msg[] = "saoidc: the helper program could not be run\n";
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	/* Our blocked signals (HUP, INT, TERM: taken by sigtimedwait) and ignored SIGPIPE would be
	 * inherited through exec: the helper gets the defaults. Its own process group, so that a
	 * timeout kills whatever it started too. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(wfd, 1); /* the copy on 1 is not close-on-exec */
	execvpe(argv[0], argv, envp != NULL ? envp : environ);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

/* A stop was asked: SIGTERM or SIGINT is pending (the long-running commands block them and take
 * them in their main loop, which is waiting for this helper). */
static bool stop_asked(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1);
}

/* Waits for the child until `until` (clock_mono_ms), killing it then; its status in *status. */
static bool reap(pid_t pid, long until, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return true;
		if (clock_mono_ms() >= until) {
			kill(-pid, SIGKILL); /* its process group: what it started goes too */
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return false;
		}
		{
			struct timespec ts = {0, 10 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
	}
}

bool proc_run(const char *what, char *const argv[], char *const envp[], long deadline_ms, size_t max_out, char **out,
	      size_t *len, sao_err *err)
{
	int fd[2] = {-1, -1}, status = 0;
	long until = clock_mono_ms() + deadline_ms;
	char *buf = malloc(max_out + 1);
	size_t n = 0;
	pid_t pid;
	bool ok = false, late = false, big = false, stopping = false;

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return err_set(err, "out of memory");
	if (pipe2(fd, O_CLOEXEC) != 0) {
		err_set(err, "%s: cannot run it: %s", what, strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		err_set(err, "%s: cannot run it: %s", what, strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(argv, envp, fd[1]);
	setpgid(pid, pid); /* also here: whichever runs first, the group exists before any kill */
	close(fd[1]);
	fd[1] = -1;
	for (;;) {
		struct pollfd p = {fd[0], POLLIN, 0};
		long left = until - clock_mono_ms();
		ssize_t r;

		if (left <= 0) {
			late = true;
			break;
		}
		if ((stopping = stop_asked())) /* SIGTERM or SIGINT waits, blocked, for our main loop */
			break;
		if (poll(&p, 1, (int)(left > 200 ? 200 : left)) < 0 && errno != EINTR)
			break;
		if (p.revents == 0)
			continue;
		r = read(fd[0], buf + n, max_out + 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > max_out) {
			big = true;
			break;
		}
	}
	close(fd[0]);
	fd[0] = -1;
	if (late || big || stopping) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	if (!reap(pid, late || big || stopping ? clock_mono_ms() + 5000 : until, &status))
		late = true;
	if (stopping)
		err_set(err, "%s: stopped (saoidc is stopping)", what);
	else if (late)
		err_set(err, "%s did not finish within %ld s: killed", what, (deadline_ms + 999) / 1000);
	else if (big)
		err_set(err, "%s printed more than %zu bytes: killed", what, max_out);
	else if (WIFSIGNALED(status))
		err_set(err, "%s was killed by signal %d", what, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err_set(err, "%s could not be run (exit status 127: not found, or not executable)", what);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		err_set(err, "%s failed (exit status %d)", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else
		ok = true;
out:
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	if (!ok) {
		proc_output_free(buf, max_out + 1);
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return true;
}
