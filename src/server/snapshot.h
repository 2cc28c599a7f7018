/* snapshot: the documents as served, built once per change and never modified afterwards: for
 * each issuer served (one; or one per entry of serve --issuers) its discovery document and JWKS
 * as prebuilt libmicrohttpd responses with their ETags, one copy per worker slot (MHD guards a
 * response's reference count with a mutex: threads sharing one would contend on it for every
 * request); and which issuer and document a request names, by its Host and path. */
#ifndef SAOIDC_SNAPSHOT_H
#define SAOIDC_SNAPSHOT_H

#include "jose/docs.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

struct MHD_Response;

/* One issuer to build: host NULL serves it whatever the Host (the one issuer of serve --issuer),
 * also at the root for proxies that strip its path; else only for that host (the port aside),
 * under its path. */
typedef struct snap_site {
	const char *issuer;
	const char *host;
	const char *prefix;    /* the issuer's path: "" or "/cluster" */
	const char *jwks_path; /* "/keys.json" */
	const docs *d;
	size_t nkeys;
} snap_site;

typedef struct snap_cfg {
	unsigned max_age; /* Cache-Control max-age; the JWKS's is lower when its source says so */
	bool cors;
	size_t nslots;
} snap_cfg;

typedef enum { SNAP_DISCOVERY, SNAP_JWKS, SNAP_NONE } snap_doc;

typedef struct snapshot snapshot;

snapshot *snap_build(const snap_cfg *cfg, const snap_site *sites, size_t n, sao_err *err);
void snap_free(snapshot *sn);

/* The document a request names and its issuer (*site); SNAP_NONE when none: an unknown host,
 * an unknown path. `host` is the request's Host header (NULL: none). */
snap_doc snap_route(const snapshot *sn, const char *host, const char *url, size_t *site);

/* The answer for a document at worker slot `slot`: the full response, or the 304 one when
 * If-None-Match (inm, may be NULL) names its ETag; *status says which. Counts the request. */
struct MHD_Response *snap_answer(snapshot *sn, size_t site, snap_doc doc, size_t slot, const char *inm,
				 unsigned *status);

/* Per-issuer request counts carried from the previous snapshot (matched by issuer), so that a
 * reload does not reset them. */
void snap_carry_counts(snapshot *to, const snapshot *from);

/* With more than one issuer: saoidc_issuer_keys and saoidc_issuer_requests_total, labelled by
 * issuer, as Prometheus text (malloc'd; "" with one issuer; NULL when out of memory). */
char *snap_metrics_text(const snapshot *sn);

#endif
