/* docs: the pair of issuer documents (discovery + JWKS) rendered from one configuration and
 * one key set, serialized once. render writes them, serve serves them, publish uploads them. */
#ifndef SAOIDC_DOCS_H
#define SAOIDC_DOCS_H

#include "util/err.h"
#include "jose/keys.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct docs_cfg {
	const char *issuer;
	const char *jwks_path; /* path under the issuer; default /keys.json */
	const char *jwks_uri;  /* overrides issuer + jwks_path in the discovery document */
	bool legacy_empty_kid;
	bool eks_discovery; /* EKS's seven-member discovery document instead of kube-apiserver's five */
} docs_cfg;

typedef struct docs {
	char *discovery; /* compact JSON, as kube-apiserver writes it (no trailing newline) */
	size_t discovery_len;
	char *jwks;
	size_t jwks_len;
	char *jwks_uri;
	bool insecure_issuer; /* http:// on loopback: the caller warns */
	unsigned max_age;     /* the source's Cache-Control max-age (the API server's); 0: the caller's */
} docs;

/* The most keys a published JWKS holds (STS is reported to refuse one of about 100 keys). */
#define DOCS_MAX_KEYS 64

/* Validates the configuration and renders both documents; on failure *out is untouched. */
bool docs_render(const docs_cfg *cfg, const key_set *keys, docs *out, sao_err *err);
/* The same from a JWKS fetched elsewhere (the API server's): every key must be a usable
 * RSA/EC public key with an alg; the JWKS is re-serialized compactly as it came. */
bool docs_render_jwks(const docs_cfg *cfg, const json_t *jwks, docs *out, sao_err *err);
/* A copy of the documents (all malloc'd anew). */
bool docs_copy(const docs *from, docs *to, sao_err *err);
/* The number of entries in the rendered JWKS (legacy empty-kid copies included). */
size_t docs_key_count(const docs *d);
void docs_clear(docs *d);

/* Serializes a JSON value compactly (pretty = 2-space indent); malloc'd. */
char *docs_dump(const json_t *v, bool pretty);

#endif
