#include "config.h"

#include "aws/bucket.h"

#include "aws/send.h"
#include "aws/xml.h"
#include "util/b64.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

/* URL of the bucket (path-style for overrides and dotted names), with a sub-resource and key. */
static char *url_of(const bucket_client *c, const char *key, const char *query)
{
	char *enc = sigv4_uri_encode(key != NULL ? key : "", true), *s = NULL;
	int r;

	if (enc == NULL)
		return NULL;
	if (c->ep.overridden || !aws_s3_virtual_host_ok(c->bucket))
		r = asprintf(&s, "%s/%s/%s%s%s", c->ep.url, c->bucket, enc, query ? "?" : "", query ? query : "");
	else
		r = asprintf(&s, "https://%s.%s/%s%s%s", c->bucket, c->ep.host, enc, query ? "?" : "",
			     query ? query : "");
	free(enc);
	return r < 0 ? NULL : s;
}

/* One S3 call named `action` (the IAM action it needs, for the message). A 2xx, or a status in
 * `ok_status` (e.g. 404), is success; resp then holds the answer. */
static bool call_h(const bucket_client *c, const char *method, const char *key, const char *query, const char *body,
		   const char *ctype, const char *cond_name, const char *cond_value, const char *action, long ok_status,
		   long ok_status2, aws_response *resp, sao_err *err)
{
	char *url = url_of(c, key, query), *md5 = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0, blen = body != NULL ? strlen(body) : 0;
	bool ok = false;

	if (url == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (cond_name != NULL && !sigv4_header_add(&hs, &nh, cond_name, cond_value)) {
		err_set(err, "out of memory");
		goto out;
	}
	if (body != NULL) {
		/* Bucket configuration calls require Content-MD5 (objects take it as well). */
		unsigned char d[16];
		unsigned dl = 0;

		if (!EVP_Digest(body, blen, d, &dl, EVP_md5(), NULL) || (md5 = b64_std_encode(d, dl)) == NULL ||
		    !sigv4_header_add(&hs, &nh, "Content-MD5", md5) ||
		    !sigv4_header_add(&hs, &nh, "Content-Type",
				      ctype != NULL    ? ctype
				      : body[0] == '{' ? "application/json"
						       : "application/xml")) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	{
		aws_request req = {method, url, c->ep.signing_name, c->ep.signing_region, hs, nh, body, blen, c->creds,
				   0,	   0};

		if (!aws_send(&req, resp, err)) {
			err_prefix(err, "S3 %s (s3://%s): ", action, c->bucket);
			goto out;
		}
	}
	if (resp->status / 100 == 2 || resp->status == ok_status || resp->status == ok_status2) {
		ok = true;
		goto out;
	}
	{
		const char *hint = aws_error_hint(resp);

		if (hint == NULL && resp->code != NULL && strcmp(resp->code, "AccessDenied") == 0)
			hint = "the credentials lack this permission: add it to the policy in doc/private-hosting.md";
		err_set(err, "S3 %s on s3://%s failed: HTTP %ld %s%s%s (IAM action s3:%s)%s%s", action, c->bucket,
			resp->status, resp->code != NULL ? resp->code : "", resp->message != NULL ? ": " : "",
			resp->message != NULL ? resp->message : "", action, hint ? " -- " : "", hint ? hint : "");
	}
out:
	free(md5);
	free(url);
	sigv4_headers_free(hs, nh);
	return ok;
}

static bool call(const bucket_client *c, const char *method, const char *key, const char *query, const char *body,
		 const char *action, long ok_status, aws_response *resp, sao_err *err)
{
	return call_h(c, method, key, query, body, NULL, NULL, NULL, action, ok_status, 0, resp, err);
}

bool bucket_exists(const bucket_client *c, bool *exists, sao_err *err)
{
	aws_response r = {0};
	bool ok = call(c, "HEAD", NULL, NULL, NULL, "ListBucket", 404, &r, err);

	*exists = ok && r.status != 404;
	aws_response_clear(&r);
	return ok;
}

bool bucket_create(const bucket_client *c, sao_err *err)
{
	aws_response r = {0};
	char *body = NULL;
	bool ok;

	/* us-east-1 takes no LocationConstraint (S3 refuses one naming it). */
	if (strcmp(c->ep.signing_region, "us-east-1") != 0 &&
	    asprintf(&body,
		     "<CreateBucketConfiguration xmlns=\"" S3_NS "\"><LocationConstraint>%s</LocationConstraint>"
		     "</CreateBucketConfiguration>",
		     c->ep.signing_region) < 0)
		return err_set(err, "out of memory");
	ok = call(c, "PUT", NULL, NULL, body, "CreateBucket", 0, &r, err);
	free(body);
	aws_response_clear(&r);
	return ok;
}

bool bucket_public_access_blocked(const bucket_client *c, bool *all_on, sao_err *err)
{
	static const char *const names[] = {"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
					    "RestrictPublicBuckets"};
	aws_response r = {0};
	bool ok = call(c, "GET", NULL, "publicAccessBlock=", NULL, "GetBucketPublicAccessBlock", 404, &r, err);

	*all_on = ok && r.status == 200;
	for (size_t i = 0; *all_on && i < sizeof(names) / sizeof(*names); i++) {
		char *v = aws_xml_text(r.body, r.body_len, names[i]);

		*all_on = v != NULL && strcmp(v, "true") == 0;
		free(v);
	}
	aws_response_clear(&r);
	return ok;
}

bool bucket_block_public_access(const bucket_client *c, bool acls, bool policies, sao_err *err)
{
	const char *a = acls ? "true" : "false", *p = policies ? "true" : "false";
	aws_response r = {0};
	char *body = NULL;
	bool ok;

	if (asprintf(&body,
		     "<PublicAccessBlockConfiguration xmlns=\"" S3_NS "\"><BlockPublicAcls>%s</BlockPublicAcls>"
		     "<IgnorePublicAcls>%s</IgnorePublicAcls><BlockPublicPolicy>%s</BlockPublicPolicy>"
		     "<RestrictPublicBuckets>%s</RestrictPublicBuckets></PublicAccessBlockConfiguration>",
		     a, a, p, p) < 0)
		return err_set(err, "out of memory");
	ok = call(c, "PUT", NULL, "publicAccessBlock=", body, "PutBucketPublicAccessBlock", 0, &r, err);
	free(body);
	aws_response_clear(&r);
	return ok;
}

bool bucket_owner_enforced(const bucket_client *c, bool *enforced, sao_err *err)
{
	aws_response r = {0};
	bool ok = call(c, "GET", NULL, "ownershipControls=", NULL, "GetBucketOwnershipControls", 404, &r, err);
	char *v = ok && r.status == 200 ? aws_xml_text(r.body, r.body_len, "ObjectOwnership") : NULL;

	*enforced = v != NULL && strcmp(v, "BucketOwnerEnforced") == 0;
	free(v);
	aws_response_clear(&r);
	return ok;
}

bool bucket_set_ownership(const bucket_client *c, const char *ownership, sao_err *err)
{
	aws_response r = {0};
	char *body = NULL;
	bool ok;

	if (asprintf(&body,
		     "<OwnershipControls xmlns=\"" S3_NS "\"><Rule><ObjectOwnership>%s</ObjectOwnership></Rule>"
		     "</OwnershipControls>",
		     ownership) < 0)
		return err_set(err, "out of memory");
	ok = call(c, "PUT", NULL, "ownershipControls=", body, "PutBucketOwnershipControls", 0, &r, err);
	free(body);
	aws_response_clear(&r);
	return ok;
}

bool bucket_policy_get(const bucket_client *c, char **policy, sao_err *err)
{
	aws_response r = {0};
	bool ok = call(c, "GET", NULL, "policy=", NULL, "GetBucketPolicy", 404, &r, err);

	*policy = NULL;
	if (ok && r.status == 200) {
		if ((*policy = strndup(r.body != NULL ? r.body : "", r.body_len)) == NULL)
			ok = err_set(err, "out of memory");
	}
	aws_response_clear(&r);
	return ok;
}

bool bucket_policy_put(const bucket_client *c, const char *policy, sao_err *err)
{
	aws_response r = {0};
	bool ok = policy != NULL ? call(c, "PUT", NULL, "policy=", policy, "PutBucketPolicy", 0, &r, err)
				 : call(c, "DELETE", NULL, "policy=", NULL, "DeleteBucketPolicy", 404, &r, err);

	aws_response_clear(&r);
	return ok;
}

bool bucket_object_delete(const bucket_client *c, const char *key, sao_err *err)
{
	aws_response r = {0};
	bool ok = call(c, "DELETE", key, NULL, NULL, "DeleteObject", 404, &r, err);

	aws_response_clear(&r);
	return ok;
}

bool bucket_object_get(const bucket_client *c, const char *key, char **body, size_t *len, char **etag, bool *found,
		       sao_err *err)
{
	aws_response r = {0};
	bool ok = call(c, "GET", key, NULL, NULL, "GetObject", 404, &r, err);

	*body = *etag = NULL;
	*len = 0;
	*found = ok && r.status != 404;
	if (*found) {
		*body = r.body;
		*len = r.body_len;
		*etag = r.etag;
		r.body = r.etag = NULL;
		r.body_len = 0;
	}
	aws_response_clear(&r);
	return ok;
}

bool bucket_object_put_if(const bucket_client *c, const char *key, const char *body, const char *content_type,
			  const char *if_match, bool *lost, sao_err *err)
{
	aws_response r = {0};
	bool ok = call_h(c, "PUT", key, NULL, body, content_type, if_match != NULL ? "If-Match" : "If-None-Match",
			 if_match != NULL ? if_match : "*", "PutObject", 412, 409, &r, err);

	*lost = ok && (r.status == 412 || r.status == 409);
	aws_response_clear(&r);
	return ok;
}
