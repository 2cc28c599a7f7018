/* migrate: moving a cluster from one issuer (OLD) to another (NEW) in one IAM account, without a
 * pod losing its credentials on the way. Three runs:
 *   plan    (read-only) the provider to register, each role trusting OLD with the statements it
 *           will gain (pod/trust_migrate), the roles that cannot be moved mechanically, the
 *           kube-apiserver flags for the transition, and what retire will check;
 *   trust   checks that NEW is published with the cluster's keys, registers NEW (additive, as
 *           register is) and gives every role its NEW statements; a second run writes nothing;
 *   retire  once both issuers serve the same keys and no token naming OLD can still be valid
 *           (--switched-at + the longest token lifetime), removes OLD's statements and deletes
 *           OLD's provider; a role that would trust no issuer is refused by name.
 * Every write is noted as it is made; anything refused is refused before the first write. */
#ifndef SAOIDC_MIGRATE_H
#define SAOIDC_MIGRATE_H

#include "aws/iam_query.h"
#include "issuer/register.h"
#include "jose/keys.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

typedef enum mig_phase { MIG_TRUST, MIG_RETIRE } mig_phase;

typedef struct mig_cfg {
	const char *from, *to; /* https:// issuers */
	const key_set *keys;   /* the cluster's signing keys; NULL: every key OLD serves */
	mig_phase phase;       /* what --apply does (the plan shows both) */
	bool apply;
	bool dry_run;	    /* --dry-run: the plan only, whatever apply says */
	bool force;	    /* retire before its checks pass, or trust leaving unmovable roles out */
	time_t switched_at; /* when the API server began signing with NEW (0: not given) */
	long max_token_s;   /* the longest token lifetime */
	reg_opts reg;	    /* register's options for NEW (thumbprints; tls: NEW's fetches) */
	const char *region;
	bool fips, allow_unknown_region;
	time_t now;
} mig_cfg;

/* Told the plan once its checks have passed and before the first write (with apply). */
typedef void (*mig_announce_fn)(void *ctx, const json_t *plan);

/* The plan (always), carried out with apply: {"from", "to", "old_provider", "new_provider",
 * "register": bool, "client_ids", "roles": [{"role", "arn", "action":
 * "add|present|remove|cannot", "statements", "why"}], "flags": [...], "retire_checks": [...]}.
 * With apply, announce is called with it before anything is written; note reports each write. */
bool mig_run(const mig_cfg *c, mig_announce_fn announce, void *ctx, iam_note_fn note, json_t **report, sao_err *err);

#endif
