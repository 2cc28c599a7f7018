/* issuers: the file of `serve --issuers FILE`, the issuers one serve process hosts. JSON or
 * YAML, a list (or {"issuers": [...]}) of
 *   {issuer: URL, keys: [SOURCE...], jwks_path?: PATH, jwks_uri?: URL, discovery_style?: kube|eks}
 * Every entry is checked as serve checks --issuer and its options; an unknown member, a
 * duplicate issuer (same host and path) or an empty list is refused, naming the entry. */
#ifndef SAOIDC_ISSUERS_H
#define SAOIDC_ISSUERS_H

#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

#define ISS_MAX 1000

typedef struct iss_entry {
	char *issuer;
	char *host;		    /* lower case, without port */
	char *prefix;		    /* the issuer's path: "" or "/cluster" */
	char *jwks_path, *jwks_uri; /* jwks_uri NULL: issuer + jwks_path */
	bool eks_discovery;
	strlist keys;
} iss_entry;

typedef struct iss_list {
	iss_entry *v;
	size_t n;
} iss_list;

/* Parses the text of the file called `name` (for the errors). On failure *out is untouched. */
bool iss_parse(const char *text, size_t len, const char *name, iss_list *out, sao_err *err);
/* Reads and parses the file. */
bool iss_load(const char *path, iss_list *out, sao_err *err);
void iss_list_clear(iss_list *l);

#endif
