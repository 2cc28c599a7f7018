/* private: an issuer in a private S3 bucket behind CloudFront. The bucket (created when asked;
 * Block Public Access on; ACLs disabled), an origin access control, a distribution found again
 * by its comment or created (with a custom domain and ACM certificate when given), and the one
 * bucket policy statement that lets only that distribution read the prefix; and the way back
 * down. Every step reads first and writes only what is missing, so a second run writes nothing
 * and a run cut short is completed by the next. */
#ifndef SAOIDC_PRIVATE_H
#define SAOIDC_PRIVATE_H

/* Next to the documents: the ids of the distribution and origin access control a run found or
 * made, so that the next run checks them with one call each instead of listing the account. */
#define PRIV_SITE_OBJECT ".saoidc/site.json"

#include "aws/bucket.h"
#include "aws/cloudfront.h"
#include "util/err.h"

#include <stdbool.h>

/* Reports one change or observation, for the command to print. */
typedef void (*priv_note_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

typedef struct priv_cfg {
	const char *bucket;
	const char *prefix;	     /* "" or "a/b" */
	const char *origin_domain;   /* BUCKET.s3.REGION.DNS-SUFFIX: S3's regular host */
	const char *partition;	     /* for the policy's resource ARN */
	const char *domain;	     /* custom domain (Aliases), or NULL */
	const char *certificate_arn; /* ACM certificate in us-east-1, with domain */
	bool create_bucket;
	bool dry_run; /* read, report the writes */
	priv_note_fn note;
} priv_cfg;

typedef struct priv_site {
	cf_distribution dist; /* id, arn, domain, status; id NULL in a dry run that would create it */
	char *issuer;	      /* https://(domain or distribution domain)[/PREFIX] */
	bool created;	      /* the distribution was created by this run */
	char *gone_domain;    /* the remembered distribution (its domain) was found gone; NULL: not */
} priv_site;

void priv_site_clear(priv_site *s);

/* Checks what can be checked before any call: the domain is a DNS name, the certificate an ACM
 * certificate in us-east-1 of the commercial partition (CloudFront reads certificates there). */
bool priv_check(const priv_cfg *cfg, sao_err *err);

/* Makes the bucket, origin access control, distribution and policy statement right. Refuses,
 * before any write, a bucket that another distribution (not made by saoidc) already serves. */
bool priv_ensure(const priv_cfg *cfg, const bucket_client *b, const cf_client *cf, priv_site *out, sao_err *err);

/* Polls until the distribution is deployed (progress through note), for at most timeout_s. */
bool priv_wait_deployed(const cf_client *cf, const char *id, unsigned timeout_s, priv_note_fn note, sao_err *err);
bool priv_wait_invalidated(const cf_client *cf, const char *dist_id, const char *inv_id, unsigned timeout_s,
			   priv_note_fn note, sao_err *err);

/* Takes down what priv_ensure made for this bucket and prefix, in order: disable the
 * distribution, wait for it, delete it; the origin access control when no other saoidc
 * distribution of the bucket uses it; the objects `keys`; the policy statement. Nothing else:
 * the bucket and other statements stay. */
bool priv_teardown(const priv_cfg *cfg, const bucket_client *b, const cf_client *cf, const strlist *keys,
		   unsigned timeout_s, sao_err *err);

#endif
