/* unpublish: take down an issuer saoidc published to a bucket and prefix: the CloudFront
 * distribution and origin access control `publish --private` made, the documents and the
 * retention state, saoidc's bucket-policy statement; and, only when asked, the IAM OpenID
 * Connect provider, refused while any role trusts it. */
#ifndef SAOIDC_UNPUBLISH_H
#define SAOIDC_UNPUBLISH_H

#include "util/err.h"

#include <stdbool.h>

typedef struct unpub_cfg {
	const char *uri;    /* s3://BUCKET[/PREFIX] */
	const char *region; /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile */
	bool allow_unknown_region;
	const char *jwks_path; /* NULL: /keys.json */
	bool deregister;       /* also delete the IAM provider of issuer */
	const char *issuer;    /* the provider's issuer; NULL: the bucket's own S3 issuer URL */
	bool dry_run;
	unsigned wait_timeout_s; /* for the disabled distribution */
} unpub_cfg;

/* Everything it would remove is checked first (with deregister, that no role trusts the
 * provider: they are named otherwise, and nothing is removed), then removed in order, each step
 * said; a re-run after an interruption skips what is done. */
bool unpub_run(const unpub_cfg *c, sao_err *err);

#endif
