/* err: the one error type passed down through saoidc.
 * Filled where a failure happens (with the OpenSSL or library reason), printed once by the command. */
#ifndef SAOIDC_ERR_H
#define SAOIDC_ERR_H

#include <stdbool.h>

#define ERR_MSG_MAX 1024

typedef struct sao_err {
	char msg[ERR_MSG_MAX];
} sao_err;

/* Sets the message; always returns false so callers can `return err_set(...)`. NULL err is allowed. */
bool err_set(sao_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_set, then appends ": <reason>" from the OpenSSL error queue and clears the queue. */
bool err_ssl(sao_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends context ("keys/a.pem: ") to an already set message. */
void err_prefix(sao_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
