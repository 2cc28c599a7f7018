/* s3: where the issuer documents live in a bucket: s3:// URIs, object URLs (virtual-hosted, or
 * path-style for dotted buckets and custom endpoints), the issuer URL of a bucket, and the
 * public-read policy for buckets whose ACLs are disabled. */
#ifndef SAOIDC_S3_H
#define SAOIDC_S3_H

#include "aws/endpoint.h"
#include "util/err.h"

#include <stdbool.h>

typedef struct s3_target {
	char *bucket;
	char *prefix; /* without leading or trailing '/'; "" for the bucket root */
} s3_target;

bool s3_parse_uri(const char *uri, s3_target *t, sao_err *err);
void s3_target_clear(s3_target *t);

/* The issuer of a bucket and prefix on S3's own host for the region (ep->host, never an
 * override): https://BUCKET.HOST[/PREFIX], or path-style https://HOST/BUCKET[/PREFIX] for a
 * bucket with dots (its virtual-hosted name would not match S3's one-label wildcard
 * certificate). */
char *s3_issuer_url(const s3_target *t, const aws_endpoint *ep, sao_err *err);

/* The object key for a path under the issuer ("/keys.json" -> "PREFIX/keys.json"). */
char *s3_object_key(const s3_target *t, const char *path);

/* The URL of an object: path-style (ENDPOINT/BUCKET/KEY) for an overridden endpoint or a bucket
 * with dots, else virtual-hosted https://BUCKET.HOST/KEY. The key is URI-encoded. */
char *s3_object_url(const aws_endpoint *ep, const char *bucket, const char *key);

/* A bucket policy granting s3:GetObject on the issuer documents to everyone (pretty JSON), with
 * the partition's ARN. */
char *s3_public_policy(const s3_target *t, const aws_partition *p);

#endif
