/* publish: the S3 publishing flow of `publish` and `publish --watch`. pub_open resolves where
 * (region, partition, S3's endpoints), refuses what must be refused before any write, sets up a
 * private site (bucket, origin access control, CloudFront distribution: issuer/private.c) or a
 * bucket made public for --create-bucket, and loads credentials; pub_pass merges the source's
 * documents with the retention state next to them (issuer/retention.c), uploads what changed
 * (issuer/upload.c), and invalidates it on CloudFront. */
#ifndef SAOIDC_PUBLISH_H
#define SAOIDC_PUBLISH_H

#include "aws/creds.h"
#include "issuer/upload.h"
#include "jose/docs.h"
#include "util/err.h"
#include "util/str.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct pub_cfg {
	upl_cfg upload;			      /* acl, cache_control, force, dry_run */
	bool private_;			      /* CloudFront in front of a private bucket */
	const char *domain, *certificate_arn; /* with private_ */
	bool create_bucket;
	bool wait;	       /* with private_: until deployed and invalidated */
	unsigned wait_timeout; /* seconds */
	long retain_s;
	const strlist *revoke; /* kids to withdraw now and for good */
	const char *cluster;   /* --cluster / --retire-cluster NAME: this source is one cluster's (NULL: all) */
	bool retire;	       /* --retire-cluster: the source is empty, every key of `cluster` retires */
	const char *region;    /* NULL: the environment's */
	bool fips;
	bool allow_unknown_region;   /* a region saoidc does not know is taken (its partition from its name) */
	const char *endpoint_suffix; /* azblob://: the cloud's (core.chinacloudapi.cn); NULL: the default */
} pub_cfg;

typedef struct pub_site pub_site;

/* Everything before the documents. `issuer` NULL: the bucket's (or with private_ the
 * distribution's) URL. Progress is logged; the issuer chosen is pub_issuer's. */
pub_site *pub_open(const pub_cfg *cfg, const char *s3_uri, const char *issuer, sao_err *err);

/* The issuer the documents are published for. */
const char *pub_issuer(const pub_site *s);
/* Where IAM is, for publish --register. */
const aws_where *pub_where(const pub_site *s);

/* One pass: `source` (rendered for the issuer, with cfg) merged with the retention state,
 * uploaded where it changed, invalidated. *changed: objects uploaded; *keys: keys in the
 * published JWKS. On failure err is set, or left empty when the reason was logged. */
bool pub_pass(pub_site *s, const docs_cfg *cfg, const docs *source, int *changed, size_t *keys, sao_err *err);

/* Loads the credentials anew (temporary ones expire; for each pass of a watch). */
bool pub_refresh_creds(pub_site *s, sao_err *err);

void pub_close(pub_site *s);

#endif
