/* store/azblob: an Azure Blob container as an issuer store (store.h), azblob://ACCOUNT/
 * CONTAINER[/PREFIX]. The static website container $web (public by design; its host
 * https://ACCOUNT.zNN.web.SUFFIX depends on the account's zone, so the issuer is given), or a
 * container whose public access level lets anyone read blobs (the issuer
 * https://ACCOUNT.blob.SUFFIX/CONTAINER[/PREFIX]); a private container is refused with the way
 * to make it public, before any write. Conditional writes with ETags (If-Match, If-None-Match). */
#ifndef SAOIDC_STORE_AZBLOB_H
#define SAOIDC_STORE_AZBLOB_H

#include "store/store.h"
#include "util/str.h"

typedef struct azblob_target {
	char *account, *container;
	char *prefix; /* without leading or trailing '/'; "" for the container's root */
} azblob_target;

bool azblob_parse_uri(const char *uri, azblob_target *t, sao_err *err);
void azblob_target_clear(azblob_target *t);

typedef struct azblob_cfg {
	const char *suffix; /* the cloud's endpoint suffix; NULL: the connection string's, or core.windows.net */
	const char *issuer; /* --issuer, or NULL */
	bool dry_run;	    /* credentials are not required; nothing is checked that needs them */
} azblob_cfg;

/* The store, with the credentials loaded and the container checked; *issuer (malloc'd) the
 * issuer the documents are for; *source where the credentials came from (in the store, valid
 * while it is open); notes get what the caller should tell. */
bool store_azblob_open(store *st, const azblob_target *t, const azblob_cfg *cfg, char **issuer, const char **source,
		       strlist *notes, sao_err *err);

#endif
