/* url: the pieces of a URL the modules need, parsed by libcurl's URL API (one parser for the
 * whole program). */
#ifndef SAOIDC_URL_H
#define SAOIDC_URL_H

#include "util/err.h"

#include <stdbool.h>

/* Host and port of an https:// URL (port 443 when absent); host is malloc'd, IPv6 without
 * brackets. */
bool url_https_host(const char *url, char **host, int *port, sao_err *err);

#endif
