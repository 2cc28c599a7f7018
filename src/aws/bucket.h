/* bucket: the S3 bucket-level calls private hosting needs: does the bucket exist, create it,
 * Block Public Access, Object Ownership, the bucket policy, deleting an object. Each returns
 * false with a message naming the call and, for AccessDenied, the IAM action that is missing. */
#ifndef SAOIDC_BUCKET_H
#define SAOIDC_BUCKET_H

#include "aws/endpoint.h"
#include "aws/sigv4.h"
#include "util/err.h"

#include <stdbool.h>

typedef struct bucket_client {
	const aws_creds *creds;
	aws_endpoint ep; /* S3's, for the bucket's region */
	const char *bucket;
} bucket_client;

/* HeadBucket: *exists is false on 404; a 403 means it exists and belongs to someone else. */
bool bucket_exists(const bucket_client *c, bool *exists, sao_err *err);
/* CreateBucket in ep's region (LocationConstraint unless us-east-1). */
bool bucket_create(const bucket_client *c, sao_err *err);
/* Block Public Access: *all_on when the bucket blocks all four. */
bool bucket_public_access_blocked(const bucket_client *c, bool *all_on, sao_err *err);
/* Block Public Access: public ACLs blocked and ignored when `acls`, public policies blocked and
 * restricted when `policies`. */
bool bucket_block_public_access(const bucket_client *c, bool acls, bool policies, sao_err *err);
/* Object Ownership: *enforced when it is BucketOwnerEnforced (ACLs disabled). */
bool bucket_owner_enforced(const bucket_client *c, bool *enforced, sao_err *err);
/* Object Ownership: "BucketOwnerEnforced" (ACLs disabled) or "ObjectWriter" (ACLs work). */
bool bucket_set_ownership(const bucket_client *c, const char *ownership, sao_err *err);
/* The bucket policy (malloc'd JSON), or NULL in *policy when there is none. */
bool bucket_policy_get(const bucket_client *c, char **policy, sao_err *err);
/* Puts the policy, or deletes it when policy is NULL. */
bool bucket_policy_put(const bucket_client *c, const char *policy, sao_err *err);
/* GetObject: *found false on 404 (then *body is NULL); *etag (malloc'd) for a conditional put. */
bool bucket_object_get(const bucket_client *c, const char *key, char **body, size_t *len, char **etag, bool *found,
		       sao_err *err);
/* PutObject only if the object is still `if_match` (its ETag), or, with if_match NULL, only if
 * it does not exist (If-None-Match: *): S3's conditional writes. *lost is true, and the call
 * otherwise successful, when someone else wrote first (412, or 409 for a racing create). */
bool bucket_object_put_if(const bucket_client *c, const char *key, const char *body, const char *content_type,
			  const char *if_match, bool *lost, sao_err *err);
/* DeleteObject (missing objects are not an error). */
bool bucket_object_delete(const bucket_client *c, const char *key, sao_err *err);

#endif
