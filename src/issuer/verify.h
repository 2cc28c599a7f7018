/* verify: the whole chain checked the way STS will (discovery, issuer, JWKS, local keys,
 * a token, the IAM provider), as a checklist with what was seen and, for a failure, the fix. */
#ifndef SAOIDC_VERIFY_H
#define SAOIDC_VERIFY_H

#include "aws/iam.h"
#include "jose/keys.h"
#include "net/tls.h"

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

typedef enum { CHECK_PASS, CHECK_WARN, CHECK_FAIL, CHECK_SKIP } check_status;

typedef struct check {
	char *name;
	check_status status;
	char *seen; /* what was observed */
	char *fix;  /* for WARN and FAIL: what to do */
	bool unrun; /* SKIP of a check that was asked for (--aws, --token, --key) but could not run */
} check;

typedef struct verify_report {
	check *v;
	size_t n;
	bool lost; /* a check could not be recorded (out of memory): the report fails */
} verify_report;

typedef struct verify_cfg {
	const char *issuer;
	const key_set *keys; /* NULL: skip the local-key check */
	const char *token;   /* NULL: skip the token checks */
	size_t token_len;
	const char *audience;  /* default sts.amazonaws.com */
	const iam_client *iam; /* non-NULL: check the IAM provider */
	tls_opts tls;
	time_t now;
	const char *iam_skipped; /* with iam NULL: why the IAM checks could not run (reported SKIP) */
	unsigned clouds;	 /* issuer/cloudcompat's CC_* of the clouds to check for (0: none) */
} verify_cfg;

void verify_run(const verify_cfg *cfg, verify_report *rep);

/* The token checks alone, against a JWKS in hand (for `token verify`). */
void verify_token(verify_report *rep, const char *token, size_t len, const json_t *jwks, const char *issuer,
		  const char *audience, time_t now);

/* Exit codes: every check asked for ran and none failed; a check failed; or none failed but a
 * check that was asked for could not run (a CI gate must not read that as success). */
enum { VERIFY_OK = 0, VERIFY_FAILED = 1, VERIFY_INCOMPLETE = 3 };
int verify_outcome(const verify_report *rep);
/* No check failed (some asked for may not have run: see verify_outcome). */
bool verify_passed(const verify_report *rep);
json_t *verify_report_json(const verify_report *rep);
void verify_report_clear(verify_report *rep);
const char *verify_status_name(check_status s);

#endif
