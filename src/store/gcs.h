/* store/gcs: a Cloud Storage bucket as an issuer store (store.h), gs://BUCKET[/PREFIX], issuer
 * https://storage.googleapis.com/BUCKET[/PREFIX]. Before any write it finds out whether anyone
 * may read the documents -- uniform bucket-level access with allUsers as objectViewer, or
 * per-object publicRead ACLs (--acl public-read) on a bucket with fine-grained access -- and
 * refuses, saying how, rather than guess. Conditional writes with ifGenerationMatch. */
#ifndef SAOIDC_STORE_GCS_H
#define SAOIDC_STORE_GCS_H

#include "store/store.h"
#include "util/str.h"

typedef struct gcs_target {
	char *bucket;
	char *prefix; /* without leading or trailing '/'; "" for the bucket's root */
} gcs_target;

bool gcs_parse_uri(const char *uri, gcs_target *t, sao_err *err);
void gcs_target_clear(gcs_target *t);

typedef struct gcs_cfg {
	const char *issuer; /* --issuer, or NULL */
	bool public_acl;    /* --acl public-read: each document publicRead */
	bool dry_run;	    /* credentials are not required */
} gcs_cfg;

/* As store_azblob_open. */
bool store_gcs_open(store *st, const gcs_target *t, const gcs_cfg *cfg, char **issuer, const char **source,
		    strlist *notes, sao_err *err);

#endif
