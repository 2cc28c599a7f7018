#include "config.h"

#include "util/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool err_set(sao_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return false;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return false;
}

bool err_ssl(sao_err *err, const char *fmt, ...)
{
	va_list ap;
	unsigned long code;
	char reason[256] = "";

	/* The most specific reason is the first one queued. */
	code = ERR_get_error();
	if (code != 0)
		ERR_error_string_n(code, reason, sizeof(reason));
	ERR_clear_error();
	if (err == NULL)
		return false;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (reason[0] != '\0') {
		const char *r = ERR_reason_error_string(code);
		size_t used = strlen(err->msg);
		snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", r != NULL ? r : reason);
	}
	return false;
}

void err_prefix(sao_err *err, const char *fmt, ...)
{
	va_list ap;
	char prefix[ERR_MSG_MAX];
	char old[ERR_MSG_MAX];

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	{
		size_t pl = strnlen(prefix, sizeof(err->msg) - 1);
		size_t ol = strnlen(old, sizeof(err->msg) - 1 - pl);

		memcpy(err->msg, prefix, pl);
		memcpy(err->msg + pl, old, ol);
		err->msg[pl + ol] = '\0';
	}
}
