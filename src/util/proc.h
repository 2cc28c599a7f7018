/* proc: runs a helper program (a kubeconfig exec plugin, an AWS credential_process) and takes
 * what it prints: stdin is /dev/null (never interactive), stderr is the user's, our descriptors
 * are not inherited, it gets a deadline after which it is killed, and printing more than a bound
 * is an error (never a silent cut); a SIGTERM or SIGINT waiting (blocked) for the caller's main
 * loop stops it at once, its process group killed. The output may hold credentials: it is
 * cleansed when freed. */
#ifndef SAOIDC_PROC_H
#define SAOIDC_PROC_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Runs argv[0] (looked up in PATH) with argv and envp (NULL: this process's environment);
 * `what` names it in messages ("credential_process"). On success *out (NUL-terminated, malloc'd; free with
 * proc_output_free) holds its standard output and it exited 0. On failure err says which: it could not start, did not
 * finish within deadline_ms, printed more than max_out bytes, exited with a status, or was killed by a signal. */
bool proc_run(const char *what, char *const argv[], char *const envp[], long deadline_ms, size_t max_out, char **out,
	      size_t *len, sao_err *err);

/* Cleanses and frees what proc_run returned. */
void proc_output_free(char *out, size_t len);

#endif
