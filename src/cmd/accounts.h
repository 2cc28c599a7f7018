/* accounts: running one command in several AWS accounts: --assume-role ARN (repeatable: STS
 * AssumeRole from the credentials in use, --external-id if the roles ask for one) and --profile
 * NAME (repeatable). Each account's run gets that account's credentials (in the environment,
 * where the credential chain looks first, for the run only); a failure in one account does not
 * stop the others, and each account gets a line saying how it went. */
#ifndef SAOIDC_ACCOUNTS_H
#define SAOIDC_ACCOUNTS_H

#include "util/str.h"

#include <getopt.h>
#include <stdbool.h>

enum { OPT_ASSUME_ROLE = 0x1a0, OPT_PROFILE, OPT_EXTERNAL_ID };

#define ACCT_OPTS                                                                                                      \
	{"assume-role", required_argument, NULL, OPT_ASSUME_ROLE}, {"profile", required_argument, NULL, OPT_PROFILE},  \
	{                                                                                                              \
		"external-id", required_argument, NULL, OPT_EXTERNAL_ID                                                \
	}

#define ACCT_HELP                                                                                                      \
	"      --assume-role ARN       run in the account of this role, assumed from the credentials in use\n"         \
	"                              (repeatable: one run per role)\n"                                               \
	"      --external-id ID        the ExternalId the roles of --assume-role ask for\n"                            \
	"      --profile NAME          run with this AWS profile (repeatable: one run per profile)\n"

typedef struct acct_opts {
	strlist roles, profiles;
	const char *external_id;
} acct_opts;

/* Takes --assume-role, --profile and --external-id; false for any other option. */
bool acct_opt(acct_opts *a, int c, const char *arg);
void acct_opts_clear(acct_opts *a);

/* One account's run: an exit code (0 success). label names the account ("" for the credentials
 * in use). */
typedef int (*acct_fn)(void *ctx, const char *label);

/* Runs fn once per account given (once with the credentials in use when none is), and says on
 * stderr how each account went when there are several. Returns 0 when every run succeeded, else
 * the first failing run's code. */
int acct_each(const acct_opts *a, const char *region, bool fips, bool allow_unknown_region, acct_fn fn, void *ctx);

#endif
