/* thumbprints: the thumbprints IAM pins for an issuer, from the live chains of the hosts STS
 * will fetch from (the issuer's, and the jwks_uri's when the discovery document names another). */
#ifndef SAOIDC_THUMBPRINTS_H
#define SAOIDC_THUMBPRINTS_H

#include "net/tls.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>

/* Marks a host in `hosts` whose thumbprint is its own leaf certificate's (no intermediate sent):
 * it changes at every renewal, and IAM then stops trusting the issuer. */
#define THUMB_LEAF " [leaf certificate]"
#define THUMB_LEAF_WARNING                                                                                             \
	"the thumbprint is of the server's own certificate (it sends no intermediate CA): it changes "                 \
	"at every renewal, and STS then stops trusting the issuer until the thumbprint is updated; "                   \
	"serve the full chain (leaf and intermediate)"

/* Thumbprints IAM needs for an issuer: its host's, and the jwks_uri host's when the discovery
 * document names another host. `hosts` gets "host:port" for each (THUMB_LEAF appended when the
 * thumbprint is a leaf certificate's). *discovered is false when
 * the discovery document could not be read (then only the issuer's host was checked). */
bool issuer_thumbprints(const char *issuer, const tls_opts *o, strlist *thumbs, strlist *hosts, bool *discovered,
			sao_err *err);

#endif
