/* retain_types: what a retention merge is asked (retain_policy) and what it says it did
 * (retain_report), shared by jose/retain and jose/retain_fleet. */
#ifndef SAOIDC_RETAIN_TYPES_H
#define SAOIDC_RETAIN_TYPES_H

#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct retain_report {
	strlist kept;	 /* "KID (gone from the source since T; kept until T')" */
	strlist dropped; /* "KID (gone since T)" */
	strlist added;	 /* kids new in the source */
	strlist revoked; /* "KID (...)": withdrawn by this merge */
	strlist notes;	 /* what was odd in the state (times in the future), for a warning */
	strlist cut;	 /* "KID (...)": retained keys dropped early, over the JWKS cap */
	strlist others;	 /* other clusters' keys, kept as they are: "cluster NAME: N keys (M retained)" */
} retain_report;

/* What a merge keeps and withdraws. */
typedef struct retain_policy {
	long retain_s;	       /* how long a key stays after it leaves the source */
	const strlist *revoke; /* kids to withdraw now and for good (--revoke); NULL: none */
	size_t max_keys;       /* the JWKS's cap: retained keys give way, oldest first (0: none) */
	/* --cluster NAME: the source is this cluster's keys only; other clusters' keys are kept as
	 * they are, and the cap counts them all. NULL: the source is the whole set (a state that
	 * names clusters is then refused). */
	const char *cluster;
	bool retire; /* --retire-cluster: every key of `cluster` enters retention (the source is empty) */
} retain_policy;

#endif
