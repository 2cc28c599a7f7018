#include "config.h"

#include "util/clock.h"

#include <stdio.h>
#include <time.h>

long clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void clock_utc(time_t t, char out[48])
{
	struct tm tm;

	if (t < -62135596800LL || t > 253402300799LL || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 48, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, 48, "@%lld", (long long)t);
}
