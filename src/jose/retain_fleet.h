/* retain_fleet: the parts of the retention merge (jose/retain) that know about clusters: who
 * owns a state entry, which entries a run manages, the fleet's refusals, the cap across
 * clusters and what a run says about the other clusters' keys (the rf_ functions, for
 * jose/retain); and what rotate-plan and status read from a shared state. */
#ifndef SAOIDC_RETAIN_FLEET_H
#define SAOIDC_RETAIN_FLEET_H

#include "util/err.h"
#include "jose/retain_types.h"

#include <jansson.h>

/* The cluster that owns a state entry; "" for a key published without --cluster. */
const char *rf_cluster_of(const json_t *e);
/* The state entry, or source key, with this kid; NULL when none. */
const json_t *rf_find(const json_t *entries, const char *kid);
/* Whether a run of pol manages entry e (see retain_merge). */
bool rf_is_own(const json_t *e, const json_t *skeys, const retain_policy *pol);
/* This run's cluster name and the other clusters' in entries, sorted, each once. */
bool rf_cluster_names(const json_t *entries, const json_t *skeys, const retain_policy *pol, strlist *names);
/* "a, b, c" (malloc'd); "(no --cluster)" for "". */
char *rf_names_text(const strlist *names);
/* The fleet's refusals before a merge (nothing is changed by one); notes what a run takes. */
bool rf_check(const json_t *old, const json_t *skeys, const retain_policy *pol, retain_report *rep, sao_err *err);
/* Per other cluster, how many of its keys a run keeps as they are. */
bool rf_report_others(const json_t *entries, const json_t *skeys, const retain_policy *pol, retain_report *rep,
		      sao_err *err);
/* The keys still in some cluster's source, over pol->max_keys: refused, per cluster. */
bool rf_cap_live(const json_t *entries, const retain_policy *pol, sao_err *err);

/* A cluster name: 1 to 63 of [A-Za-z0-9._-], starting with a letter or digit. */
bool retain_cluster_name_ok(const char *name);

/* The clusters a state holds keys for, one line each: "NAME: N keys (M retained)", in name
 * order; keys published without --cluster count under "(no --cluster)". */
bool retain_state_clusters(const json_t *state, strlist *lines);

/* The cluster that owns kid in the state; "" when none is recorded or kid is not there. */
const char *retain_kid_cluster(const json_t *state, const char *kid);

#endif
