/* tap: a minimal Test Anything Protocol producer for the unit tests (read by automake's
 * tap-driver.sh). Header-only: each test program is one .c file with a main(). */
#ifndef SAOIDC_TAP_H
#define SAOIDC_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok((cond), __VA_ARGS__)
#define is_str(got, want, ...)                                                                                         \
	do {                                                                                                           \
		const char *g_ = (got), *w_ = (want);                                                                  \
		if (!tap_ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__))                             \
			printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");                \
	} while (0)
#define is_int(got, want, ...)                                                                                         \
	do {                                                                                                           \
		long long g_ = (long long)(got), w_ = (long long)(want);                                               \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                                                                    \
			printf("#   got:  %lld\n#   want: %lld\n", g_, w_);                                            \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
