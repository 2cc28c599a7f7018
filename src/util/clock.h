/* clock: the monotonic clock every deadline, poll and backoff is measured on (the wall clock
 * jumps with NTP and with faketime in tests), and UTC times as saoidc prints them. */
#ifndef SAOIDC_CLOCK_H
#define SAOIDC_CLOCK_H

#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC. */
long clock_mono_ms(void);

/* t as "YYYY-MM-DD HH:MM:SS UTC" into out (48 bytes); "@SECONDS" outside the years 1 to 9999
 * (a token's exp may be any integer). */
void clock_utc(time_t t, char out[48]);

#endif
