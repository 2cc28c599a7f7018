/* register: the `register` flow shared by `saoidc register` and `saoidc publish --register`:
 * thumbprints from the live chain, credentials, then iam_oidc_ensure. */
#ifndef SAOIDC_REGISTER_H
#define SAOIDC_REGISTER_H

#include "aws/creds.h"
#include "util/str.h"
#include "util/err.h"
#include "net/tls.h"

#include <stdbool.h>

typedef struct reg_opts {
	strlist client_ids;
	bool prune;	     /* --prune: the client IDs become exactly client_ids */
	strlist thumbprints; /* "auto", "none" or hex */
	strlist tag_keys, tag_values;
	bool dry_run;
	tls_opts tls;
} reg_opts;

void reg_opts_clear(reg_opts *r);

/* Validates, computes thumbprints, loads credentials and ensures the provider in where's
 * partition (the commercial one when where has no region). */
bool reg_run(const char *issuer, const reg_opts *r, const aws_where *where, char **arn, sao_err *err);

#endif
