/* url: the pieces of a URL, parsed by libcurl's URL API: the one URL parser of the program
 * (issuer and jwks_uri checks, the hosts dialled for thumbprints, what SigV4 signs). */
#ifndef SAOIDC_URL_H
#define SAOIDC_URL_H

#include "util/err.h"

#include <stdbool.h>

/* Each piece malloc'd, NULL when the URL has none. host keeps IPv6 brackets; path is "/" when
 * empty. */
typedef struct url_parts {
	char *scheme, *user, *host, *port, *path, *query, *fragment;
} url_parts;

/* Parses an absolute URL; fails, naming it, for anything else. */
bool url_parse(const char *url, url_parts *out, sao_err *err);
void url_parts_clear(url_parts *u);

/* Host and port of an https:// URL (port 443 when absent); host is malloc'd, IPv6 without
 * brackets. */
bool url_https_host(const char *url, char **host, int *port, sao_err *err);

/* The authority ("host" or "host:port", as written) and the path ("/" when empty) of an
 * absolute http(s) URL, both malloc'd: what a SigV4 signature covers. */
bool url_authority_path(const char *url, char **authority, char **path, sao_err *err);

/* Percent-decodes s (a URL-encoded document, as IAM returns policies); malloc'd, NULL when out
 * of memory. */
char *url_decode(const char *s);
/* Percent-encodes every byte but RFC 3986's unreserved ones (and '/' with keep_slash): a path
 * segment, a query or form value; malloc'd, NULL when out of memory. */
char *url_encode(const char *s, bool keep_slash);
/* The prefix of a store URI (s3://, azblob://, gs://) from `rest`, the text after its bucket or
 * container: without leading or trailing '/', only RFC 3986 unreserved characters and '/', no
 * "//" or ".."; malloc'd, or NULL with the reason naming uri. */
char *url_store_prefix(const char *uri, const char *rest, sao_err *err);

#endif
