#include "config.h"

#include "store/s3.h"

#include "aws/send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s3_store {
	s3_target t;
	aws_endpoint ep;
	const aws_creds *creds;
	bool public_acl;
} s3_store;

/* "HTTP 403 AccessDenied: message (hint)" into err, after `what`, before `then`. */
static bool answer_err(sao_err *err, const char *what, const aws_response *r, const char *then)
{
	const char *hint = aws_error_hint(r);

	return err_set(err, "%sHTTP %ld %s%s%s%s%s%s%s", what, r->status, r->code != NULL ? r->code : "",
		       r->message != NULL ? ": " : "", r->message != NULL ? r->message : "", hint ? " (" : "",
		       hint ? hint : "", hint ? ")" : "", then);
}

static char *url_of(const s3_store *s, const char *path)
{
	char *key = s3_object_key(&s->t, path), *url = key != NULL ? s3_object_url(&s->ep, s->t.bucket, key) : NULL;

	free(key);
	return url;
}

static bool s3_get(void *ctx, const char *path, store_obj *o, sao_err *err)
{
	s3_store *s = ctx;
	char *url = url_of(s, path);
	aws_response r = {0};
	bool ok = false;

	if (url == NULL)
		return err_set(err, "out of memory");
	{
		aws_request get = {"GET", url, s->ep.signing_name, s->ep.signing_region, NULL, 0, NULL, 0, s->creds,
				   0,	  0};

		if (!aws_send(&get, &r, err))
			goto out;
	}
	if (r.status == 404) {
		ok = true;
		goto out;
	}
	if (r.status != 200) {
		answer_err(err, "reading failed: ", &r,
			   r.status == 403 ? " (IAM action s3:GetObject, and s3:ListBucket for a missing object)" : "");
		goto out;
	}
	ok = store_obj_take(o, &r.body, &r.body_len, &r.etag, &r.content_type, &r.cache_control, r.last_modified) ||
	     err_set(err, "out of memory");
out:
	aws_response_clear(&r);
	free(url);
	return ok;
}

static char *explain_acl(const s3_store *s, const aws_response *r)
{
	char *policy = s3_public_policy(&s->t, s->ep.partition), *out = NULL;

	if (asprintf(
		&out,
		"the bucket refused the public-read ACL (%s: %s).\n"
		"Since April 2023 new buckets have ACLs disabled (Object Ownership \"Bucket owner enforced\") and\n"
		"Block Public Access on. Two ways out:\n"
		"  1. keep ACLs disabled and make the documents public with a bucket policy, then publish with\n"
		"     --acl none: allow public bucket policies (s3api put-public-access-block with\n"
		"     BlockPublicPolicy=false,RestrictPublicBuckets=false) and apply this policy\n"
		"     (`saoidc s3-policy s3://%s%s%s` prints it):\n%s\n"
		"  2. or serve the bucket privately through CloudFront (origin access control) and publish\n"
		"     with --acl none --issuer https://YOUR-DISTRIBUTION",
		r->code != NULL ? r->code : "HTTP error", r->message != NULL ? r->message : "", s->t.bucket,
		s->t.prefix[0] ? "/" : "", s->t.prefix, policy != NULL ? policy : "") < 0)
		out = NULL;
	free(policy);
	return out;
}

static bool s3_put(void *ctx, const store_put *p, bool *lost, char **detail, sao_err *err)
{
	s3_store *s = ctx;
	char *url = url_of(s, p->path);
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	bool ok = false, acl = s->public_acl && p->document;

	if (url == NULL || !sigv4_header_add(&hs, &nh, "Content-Type", p->content_type) ||
	    (p->cache_control != NULL && !sigv4_header_add(&hs, &nh, "Cache-Control", p->cache_control)) ||
	    (acl && !sigv4_header_add(&hs, &nh, "x-amz-acl", "public-read")) ||
	    (p->conditional && !sigv4_header_add(&hs, &nh, p->if_version != NULL ? "If-Match" : "If-None-Match",
						 p->if_version != NULL ? p->if_version : "*"))) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request put = {
		    "PUT", url, s->ep.signing_name, s->ep.signing_region, hs, nh, p->body, p->len, s->creds, 0, 0};

		if (!aws_send(&put, &r, err))
			goto out;
	}
	if (p->conditional && (r.status == 412 || r.status == 409)) {
		*lost = true;
		ok = true;
		goto out;
	}
	if (r.status / 100 == 2) {
		ok = true;
		goto out;
	}
	answer_err(err, "", &r, "");
	if (acl && r.code != NULL && strcmp(r.code, "AccessControlListNotSupported") == 0) {
		*detail = explain_acl(s, &r);
	} else if (acl && r.code != NULL && strcmp(r.code, "AccessDenied") == 0) {
		/* S3 says only "Access Denied" both when Block Public Access refuses the public ACL and
		 * when the credentials lack s3:PutObject / s3:PutObjectAcl. */
		char *why = explain_acl(s, &r);

		if (why != NULL && asprintf(detail,
					    "AccessDenied with x-amz-acl: public-read. Either the credentials lack "
					    "s3:PutObject and s3:PutObjectAcl on the bucket, or Block Public Access "
					    "refuses public ACLs:\n%s",
					    why) < 0)
			*detail = NULL;
		free(why);
	}
out:
	aws_response_clear(&r);
	sigv4_headers_free(hs, nh);
	free(url);
	return ok;
}

static char *s3_name(void *ctx, const char *path)
{
	s3_store *s = ctx;
	char *key = s3_object_key(&s->t, path), *out = NULL;

	if (key != NULL && asprintf(&out, "s3://%s/%s", s->t.bucket, key) < 0)
		out = NULL;
	free(key);
	return out;
}

static char *s3_describe(void *ctx, const store_put *p)
{
	s3_store *s = ctx;
	char *url = url_of(s, p->path), *out = NULL;

	if (url != NULL && asprintf(&out, "PUT %s\n  Content-Type: %s\n  Cache-Control: %s\n%s  (%zu bytes)\n", url,
				    p->content_type, p->cache_control != NULL ? p->cache_control : "",
				    s->public_acl && p->document ? "  x-amz-acl: public-read\n" : "", p->len) < 0)
		out = NULL;
	free(url);
	return out;
}

static void s3_close(void *ctx)
{
	s3_store *s = ctx;

	s3_target_clear(&s->t);
	free(s);
}

static const store_ops s3_ops = {s3_get, s3_put, s3_name, s3_describe, NULL, s3_close};

bool store_s3_open(store *st, const s3_target *t, const aws_endpoint *ep, const aws_creds *creds, bool public_acl,
		   sao_err *err)
{
	s3_store *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->t.bucket = strdup(t->bucket)) == NULL || (s->t.prefix = strdup(t->prefix)) == NULL) {
		if (s != NULL)
			s3_close(s);
		return err_set(err, "out of memory");
	}
	s->ep = *ep;
	s->creds = creds;
	s->public_acl = public_acl;
	st->ops = &s3_ops;
	st->ctx = s;
	return true;
}
