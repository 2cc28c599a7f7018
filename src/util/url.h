/* url: the pieces of a URL the modules need, parsed by libcurl's URL API (one parser for the
 * whole program). */
#ifndef SAOIDC_URL_H
#define SAOIDC_URL_H

#include "util/err.h"

#include <stdbool.h>

/* Host and port of an https:// URL (port 443 when absent); host is malloc'd, IPv6 without
 * brackets. */
bool url_https_host(const char *url, char **host, int *port, sao_err *err);

/* The authority ("host" or "host:port", as written) and the path ("/" when empty) of an
 * absolute http(s) URL, both malloc'd: what a SigV4 signature covers. */
bool url_authority_path(const char *url, char **authority, char **path, sao_err *err);

#endif
