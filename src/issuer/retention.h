/* retention: publishing with memory. The retention state lives next to the documents
 * (PREFIX/.saoidc/retention.json in the bucket or container), so CI jobs, CronJobs and a
 * long-running sync agree on it; it is read, merged with the source's keys (jose/retain) and
 * written back with the store's conditional writes (ETag or generation), so two publishers racing on one prefix never
 * lose each other's keys. */
#ifndef SAOIDC_RETENTION_H
#define SAOIDC_RETENTION_H

#include "jose/docs.h"
#include "jose/retain.h"
#include "store/store.h"
#include "util/err.h"

#include <stdbool.h>
#include <time.h>

#define RTN_STATE_PATH "/.saoidc/retention.json"

/* The documents to publish for `source` (rendered from the source's keys) under cfg: the
 * source's JWKS plus the keys retained by the state at `now`. Writes the new state first, when it
 * changed, conditionally on the state read (If-Match, or If-None-Match for a first state);
 * a lost race re-reads and merges again (bounded). *etag gets the state's ETag as left. With
 * dry_run nothing is written. A state that is corrupt or of a newer version is refused, and
 * nothing is changed. */
bool rtn_merge(const store *st, const docs_cfg *cfg, const docs *source, const retain_policy *pol, time_t now,
	       bool dry_run, docs *out, char **etag, retain_report *rep, sao_err *err);

/* Says which keys a merge added, kept (until when), dropped and revoked, on the log. */
void rtn_report_log(const retain_report *rep);

/* True in *moved when the state is no longer at `etag` (another publisher wrote since). */
bool rtn_moved(const store *st, const char *etag, bool *moved, sao_err *err);

#endif
