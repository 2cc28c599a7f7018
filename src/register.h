/* register: the `register` flow shared by `saoidc register` and `saoidc publish --register`:
 * its options, thumbprints from the live chain, credentials, then iam_oidc_ensure. */
#ifndef SAOIDC_REGISTER_H
#define SAOIDC_REGISTER_H

#include "aws.h"
#include "cli.h"
#include "err.h"
#include "tls.h"

#include <stdbool.h>

enum { OPT_CLIENT_ID = 0x180, OPT_THUMBPRINT, OPT_TAG, OPT_REG_DRY_RUN };

/* The options register shares with publish --register ... */
#define REG_OPTS_CORE                                                                                   \
	{"client-id", required_argument, NULL, OPT_CLIENT_ID},                                          \
	    {"thumbprint", required_argument, NULL, OPT_THUMBPRINT}, {"tag", required_argument, NULL, OPT_TAG}
/* ... and register's own --dry-run (publish has one already). */
#define REG_OPTS REG_OPTS_CORE, {"dry-run", no_argument, NULL, OPT_REG_DRY_RUN}

typedef struct reg_opts {
	strlist client_ids;
	strlist thumbprints; /* "auto", "none" or hex */
	strlist tag_keys, tag_values;
	bool dry_run;
	tls_opts tls;
} reg_opts;

/* A cli_extra_fn for REG_OPTS and the TLS options; ctx is a reg_opts. */
bool reg_opt(void *ctx, int c, const char *arg, int *code);
void reg_opts_clear(reg_opts *r);

/* Validates, computes thumbprints, loads credentials and ensures the provider. */
bool reg_run(const char *issuer, const reg_opts *r, char **arn, sao_err *err);

#endif
