/* clock: the monotonic clock every deadline, poll and backoff is measured on (the wall clock
 * jumps with NTP and with faketime in tests). */
#ifndef SAOIDC_CLOCK_H
#define SAOIDC_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
long clock_mono_ms(void);

#endif
