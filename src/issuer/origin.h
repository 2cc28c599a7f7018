/* origin: the store publish wrote to, named by its URI (s3://, azblob://, gs://), opened to read
 * back what is there: the retention state and the JWKS, for status and rotate-plan. S3 needs a
 * region (the flag, or the environment's) and AWS credentials; Azure and Google their own
 * (store/azblob.c, store/gcs.c). Read-only: given the issuer, no store refuses to open for being
 * private. */
#ifndef SAOIDC_ORIGIN_H
#define SAOIDC_ORIGIN_H

#include "store/store.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct origin_cfg {
	const char *uri;
	const char *issuer; /* the issuer the documents are served as (checked against $web's path) */
	const char *region; /* s3://: NULL for the environment's */
	bool fips, allow_unknown_region;
} origin_cfg;

typedef struct origin origin;

origin *origin_open(const origin_cfg *c, sao_err *err);
const store *origin_store(const origin *o);
/* An object as JSON; NULL (with err naming it) when missing, unreadable or not JSON.
 * *version (may be NULL) gets its ETag or generation. */
json_t *origin_json(const origin *o, const char *path, char **version, sao_err *err);
/* The retention state; true with NULL in *state when there is none. */
bool origin_state(const origin *o, json_t **state, sao_err *err);
void origin_close(origin *o);

#endif
