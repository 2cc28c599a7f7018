/* Unit tests for src/util/proc.c: a helper program's output, exit status, deadline, output
 * bound, and the descriptors it does (not) inherit. */
#include "config.h"

#include "util/proc.h"
#include "util/clock.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <time.h>
#include "util/str.h"
#include <stdio.h>

static bool sh(const char *script, long deadline_ms, size_t max, char **out, size_t *len, sao_err *err)
{
	char *const argv[] = {"/bin/sh", "-c", (char *)script, NULL};

	return proc_run("helper", argv, NULL, deadline_ms, max, out, len, err);
}

int main(void)
{
	char *out = NULL;
	size_t len = 0;
	sao_err err = {""};
	long t0;

	ok(sh("printf 'hello'", 5000, 100, &out, &len, &err) && len == 5 && strcmp(out, "hello") == 0,
	   "its standard output, NUL-terminated");
	proc_output_free(out, len);
	out = NULL;
	ok(sh("printf '%0100d' 0", 5000, 100, &out, &len, &err) && len == 100, "exactly the bound is fine");
	proc_output_free(out, len);
	out = NULL;
	ok(!sh("printf '%0101d' 0", 5000, 100, &out, &len, &err) && out == NULL &&
	       strcmp(err.msg, "helper printed more than 100 bytes: killed") == 0,
	   "one byte more is an error, not a silent cut: %s", err.msg);
	t0 = clock_mono_ms();
	ok(!sh("yes", 5000, 4096, &out, &len, &err) && strstr(err.msg, "printed more than 4096 bytes") != NULL &&
	       clock_mono_ms() - t0 < 4000,
	   "a helper that never stops printing is killed at the bound: %s", err.msg);
	ok(!sh("exit 3", 5000, 100, &out, &len, &err) && strcmp(err.msg, "helper failed (exit status 3)") == 0,
	   "its exit status: %s", err.msg);
	ok(!sh("kill -TERM $$", 5000, 100, &out, &len, &err) && strcmp(err.msg, "helper was killed by signal 15") == 0,
	   "a signal, named: %s", err.msg);
	t0 = clock_mono_ms();
	ok(!sh("sleep 30", 300, 100, &out, &len, &err) && strstr(err.msg, "did not finish within 1 s: killed") != NULL,
	   "past the deadline it is killed: %s", err.msg);
	ok(clock_mono_ms() - t0 < 5000, "and the call returns soon after the deadline (not after 30 s)");
	t0 = clock_mono_ms();
	ok(!sh("exec >&-; sleep 30", 300, 100, &out, &len, &err) && strstr(err.msg, "did not finish") != NULL &&
	       clock_mono_ms() - t0 < 5000,
	   "one that closes its output and goes on running is killed at the deadline too");
	{
		char *const argv[] = {"saoidc-no-such-helper", NULL};

		ok(!proc_run("helper", argv, NULL, 5000, 100, &out, &len, &err) &&
		       strstr(err.msg, "exit status 127") != NULL,
		   "a program that is not there: %s", err.msg);
	}
	ok(sh("read x; echo \"[$x]\"", 5000, 100, &out, &len, &err) && strcmp(out, "[]\n") == 0,
	   "its standard input is /dev/null (never interactive)");
	proc_output_free(out, len);
	out = NULL;
	/* Signals this process blocks (as the long-running commands block HUP, INT and TERM) are not
	 * blocked in the helper. */
	{
		sigset_t hup, old;

		sigemptyset(&hup);
		sigaddset(&hup, SIGHUP);
		sigaddset(&hup, SIGTERM);
		sigprocmask(SIG_BLOCK, &hup, &old);
		bool none = sh("grep SigBlk /proc/self/status", 5000, 200, &out, &len, &err) &&
			    strstr(out, "0000000000000000") != NULL;

		ok(none, "the helper starts with no signal blocked (%s)", out != NULL ? str_trim(out) : "?");
		proc_output_free(out, len);
		out = NULL;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	/* A SIGTERM waiting for the caller's main loop (blocked, pending) stops the helper at once:
	 * serve or publish --watch does not wait out a hanging plugin's deadline to stop. */
	{
		sigset_t term, old;
		struct timespec zero = {0, 0};
		long began = clock_mono_ms();
		bool stopped;

		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, &old);
		raise(SIGTERM);
		stopped = !sh("sleep 30", 60000, 100, &out, &len, &err) && strstr(err.msg, "stopped") != NULL;
		ok(stopped && clock_mono_ms() - began < 5000,
		   "a pending SIGTERM stops a 30 s helper at once: %s (%ld ms)", err.msg, clock_mono_ms() - began);
		sigtimedwait(&term, NULL, &zero);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	/* Past the deadline, what the helper started is killed with it (its process group). */
	{
		char pidfile[] = "/tmp/saoidc-proc-pid-XXXXXX", cmd[200];
		int fd = mkstemp(pidfile), gone = 0;
		long pid = 0;
		FILE *f;

		if (fd >= 0)
			close(fd);
		snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! >%s; wait", pidfile);
		ok(!sh(cmd, 500, 100, &out, &len, &err) && strstr(err.msg, "did not finish") != NULL,
		   "a helper whose child sleeps on is stopped at the deadline");
		if ((f = fopen(pidfile, "r")) != NULL) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		for (int i = 0; pid > 0 && i < 200 && !gone; i++) {
			struct timespec ts = {0, 10 * 1000 * 1000};

			gone = kill((pid_t)pid, 0) != 0;
			if (!gone)
				nanosleep(&ts, NULL);
		}
		ok(pid > 0 && gone, "and so is the sleep it started (pid %ld)", pid);
		unlink(pidfile);
	}
	/* As many descriptors as a child started by system(3) has (what this test inherited, 0-2
	 * and ls's own): the pipe's read end is not inherited. */
	{
		char tmpl[] = "/tmp/saoidc-proc-XXXXXX", cmd[128];
		int fd = mkstemp(tmpl), base = -1;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "ls /proc/self/fd | wc -l >%s", tmpl);
		if (fd >= 0 && system(cmd) == 0 && (f = fopen(tmpl, "r")) != NULL) {
			if (fscanf(f, "%d", &base) != 1)
				base = -1;
			fclose(f);
		}
		if (fd >= 0)
			close(fd);
		unlink(tmpl);
		bool same =
		    sh("ls /proc/self/fd | wc -l", 5000, 100, &out, &len, &err) && base > 0 && atoi(out) == base - 1;

		ok(same,
		   "no descriptor of ours leaks into it (%d open; system(3)'s child: %d, with the temporary file)",
		   out != NULL ? atoi(out) : -1, base);
		proc_output_free(out, len);
		out = NULL;
	}
	return tap_done();
}
