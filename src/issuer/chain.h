/* chain: one issuer's chain, link by link, and where the links disagree (drift). Read-only.
 *   keys        the signing keys given (--key): their kids
 *   origin      (--bucket s3://B/P) the JWKS object in the bucket, and the retention state
 *               beside it (the keys kept after they left the source)
 *   discovery   ISSUER/.well-known/openid-configuration as the public sees it: its issuer
 *   public      the JWKS at its jwks_uri, through whatever CDN is in front: kids,
 *               Cache-Control, Age
 *   iam         (--aws) the account's OpenID Connect provider: client IDs, pinned thumbprints
 *               against the chain served now
 * A link is "ok", "drift" (it disagrees with the link before it: the fix names the command), or
 * "error" (it could not be read). */
#ifndef SAOIDC_CHAIN_H
#define SAOIDC_CHAIN_H

#include "jose/keys.h"
#include "net/tls.h"
#include "util/err.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct chain_cfg {
	const char *issuer;
	const key_set *keys; /* NULL: no keys link */
	const char *bucket;  /* s3://, azblob:// or gs:// (as publish takes it); NULL: no origin link */
	const char *jwks_path;
	bool aws; /* the iam link */
	const char *region;
	bool fips, allow_unknown_region;
	tls_opts tls;
} chain_cfg;

/* {"issuer", "links": [{"link", "verdict", "source", "kids": [...], "seen", "fix"}]} */
bool chain_run(const chain_cfg *c, json_t **report, sao_err *err);

/* Links whose verdict is not "ok". */
size_t chain_problems(const json_t *report);

#endif
