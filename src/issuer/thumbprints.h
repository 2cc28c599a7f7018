/* thumbprints: the thumbprints IAM pins for an issuer, from the live chains of the hosts STS
 * will fetch from (the issuer's, and the jwks_uri's when the discovery document names another). */
#ifndef SAOIDC_THUMBPRINTS_H
#define SAOIDC_THUMBPRINTS_H

#include "net/tls.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>

/* Thumbprints IAM needs for an issuer: its host's, and the jwks_uri host's when the discovery
 * document names another host. `hosts` gets "host:port" for each. *discovered is false when
 * the discovery document could not be read (then only the issuer's host was checked). */
bool issuer_thumbprints(const char *issuer, const tls_opts *o, strlist *thumbs, strlist *hosts, bool *discovered,
			sao_err *err);

#endif
