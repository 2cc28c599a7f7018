/* s3: where the issuer documents live in a bucket: s3:// URIs, object URLs (virtual-hosted,
 * or path-style for custom endpoints), the issuer URL of a bucket, and the public-read policy
 * for buckets whose ACLs are disabled. */
#ifndef SAOIDC_S3_H
#define SAOIDC_S3_H

#include "util/err.h"

#include <stdbool.h>

typedef struct s3_target {
	char *bucket;
	char *prefix; /* without leading or trailing '/'; "" for the bucket root */
} s3_target;

bool s3_parse_uri(const char *uri, s3_target *t, sao_err *err);
void s3_target_clear(s3_target *t);

/* https://BUCKET.s3.REGION.amazonaws.com[/PREFIX]; refuses bucket names with dots, whose
 * virtual-hosted name does not match the *.s3.REGION.amazonaws.com certificate. */
char *s3_issuer_url(const s3_target *t, const char *region, sao_err *err);

/* The object key for a path under the issuer ("/keys.json" -> "PREFIX/keys.json"). */
char *s3_object_key(const s3_target *t, const char *path);

/* The URL of an object: ENDPOINT/BUCKET/KEY (path-style) when endpoint is set, else
 * https://BUCKET.s3.REGION.amazonaws.com/KEY. The key is URI-encoded. */
char *s3_object_url(const char *endpoint, const char *region, const char *bucket, const char *key);

/* A bucket policy granting s3:GetObject on the issuer documents to everyone (pretty JSON). */
char *s3_public_policy(const s3_target *t);

#endif
