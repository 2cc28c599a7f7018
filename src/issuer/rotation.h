/* rotation: the safe next step of a key rotation, from what is published (the issuer's JWKS),
 * what the API server holds (the source keys), which key signs now, and the retention state.
 * The rule it enforces: a key is published before it signs, and stays published until every
 * token it signed has expired. */
#ifndef SAOIDC_ROTATION_H
#define SAOIDC_ROTATION_H

#include "util/err.h"
#include "util/str.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

typedef struct rot_input {
	const strlist *published; /* kids in the issuer's JWKS */
	const strlist *source;	  /* kids of the keys the API server holds (--key) */
	const char *signer;	  /* kid the API server signs with now, or NULL when unknown */
	const json_t *state;	  /* the retention state, or NULL when not read */
	long retain_s;		  /* the retention publish applies */
	time_t now;
	const char *cluster; /* --cluster: the published keys other clusters own (by the state) are theirs */
} rot_input;

/* Appends the steps, in order, each a sentence; *safe is false when tokens can fail right now
 * (a key signs, or is held, that is not published). */
bool rot_plan(const rot_input *in, strlist *steps, bool *safe, sao_err *err);

#endif
