#include "config.h"

#include "issuer/upload.h"

#include "aws/send.h"
#include "net/http.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct object {
	const char *path; /* under the issuer */
	const char *body;
	size_t len;
	const char *content_type;
} object;

static void explain_acl(const s3_target *t, const aws_partition *part, const aws_response *r)
{
	char *policy = s3_public_policy(t, part);

	log_error("the bucket refused the public-read ACL (%s: %s).\n"
		  "Since April 2023 new buckets have ACLs disabled (Object Ownership \"Bucket owner enforced\") and\n"
		  "Block Public Access on. Two ways out:\n"
		  "  1. keep ACLs disabled and make the documents public with a bucket policy, then publish with\n"
		  "     --acl none: allow public bucket policies (s3api put-public-access-block with\n"
		  "     BlockPublicPolicy=false,RestrictPublicBuckets=false) and apply this policy\n"
		  "     (`saoidc s3-policy s3://%s%s%s` prints it):\n%s\n"
		  "  2. or serve the bucket privately through CloudFront (origin access control) and publish\n"
		  "     with --acl none --issuer https://YOUR-DISTRIBUTION",
		  r->code != NULL ? r->code : "HTTP error", r->message != NULL ? r->message : "", t->bucket,
		  t->prefix[0] ? "/" : "", t->prefix, policy != NULL ? policy : "");
	free(policy);
}

/* 1: uploaded, 0: unchanged, -1: failed (message printed). *modified gets an unchanged object's
 * Last-Modified time (0 when unknown). */
static int sync_object(const object *o, const s3_target *t, const upl_cfg *p, const aws_endpoint *ep,
		       const aws_creds *creds, time_t *modified)
{
	char *key = s3_object_key(t, o->path), *url = key != NULL ? s3_object_url(ep, t->bucket, key) : NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	aws_response r = {0};
	sao_err err = {""};
	int ret = -1;

	if (url == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (p->dry_run) {
		printf("PUT %s\n  Content-Type: %s\n  Cache-Control: %s\n%s  (%zu bytes)\n", url, o->content_type,
		       p->cache_control, strcmp(p->acl, "public-read") == 0 ? "  x-amz-acl: public-read\n" : "",
		       o->len);
		ret = 1;
		goto out;
	}
	if (!p->force) {
		aws_request get = {"GET", url, ep->signing_name, ep->signing_region, NULL, 0, NULL, 0, creds, 0, 0};

		if (!aws_send(&get, &r, &err)) {
			log_error("s3://%s/%s: %s", t->bucket, key, err.msg);
			goto out;
		}
		if (r.status == 200 && r.body_len == o->len && memcmp(r.body, o->body, o->len) == 0 &&
		    r.content_type != NULL && strcmp(r.content_type, o->content_type) == 0 && r.cache_control != NULL &&
		    strcmp(r.cache_control, p->cache_control) == 0) {
			log_info("s3://%s/%s: unchanged", t->bucket, key);
			*modified = r.last_modified != NULL ? (time_t)http_date(r.last_modified) : 0;
			ret = 0;
			goto out;
		}
		if (r.status != 200 && r.status != 404 && r.status != 403) {
			const char *hint = aws_error_hint(&r);

			log_error("s3://%s/%s: reading the current object failed: HTTP %ld %s%s%s%s", t->bucket, key,
				  r.status, r.code != NULL ? r.code : "", hint ? " (" : "", hint ? hint : "",
				  hint ? ")" : "");
			goto out;
		}
		aws_response_clear(&r);
	}
	if (!sigv4_header_add(&hs, &nh, "Content-Type", o->content_type) ||
	    !sigv4_header_add(&hs, &nh, "Cache-Control", p->cache_control) ||
	    (strcmp(p->acl, "public-read") == 0 && !sigv4_header_add(&hs, &nh, "x-amz-acl", "public-read"))) {
		log_error("out of memory");
		goto out;
	}
	{
		aws_request put = {"PUT", url, ep->signing_name, ep->signing_region, hs, nh, o->body, o->len, creds,
				   0,	  0};

		if (!aws_send(&put, &r, &err)) {
			log_error("s3://%s/%s: upload failed: %s", t->bucket, key, err.msg);
			goto out;
		}
	}
	if (r.status / 100 != 2) {
		if (strcmp(p->acl, "public-read") == 0 && r.code != NULL &&
		    strcmp(r.code, "AccessControlListNotSupported") == 0) {
			explain_acl(t, ep->partition, &r);
		} else if (strcmp(p->acl, "public-read") == 0 && r.code != NULL &&
			   strcmp(r.code, "AccessDenied") == 0) {
			/* S3 says only "Access Denied" both when Block Public Access refuses the public ACL and
			 * when the credentials lack s3:PutObject / s3:PutObjectAcl. */
			log_error("s3://%s/%s: AccessDenied with x-amz-acl: public-read. Either the credentials lack "
				  "s3:PutObject and s3:PutObjectAcl on the bucket, or Block Public Access refuses "
				  "public ACLs:",
				  t->bucket, key);
			explain_acl(t, ep->partition, &r);
		} else {
			const char *hint = aws_error_hint(&r);

			log_error("s3://%s/%s: upload failed: HTTP %ld %s%s%s%s%s%s", t->bucket, key, r.status,
				  r.code != NULL ? r.code : "", r.message != NULL ? ": " : "",
				  r.message != NULL ? r.message : "", hint ? " (" : "", hint ? hint : "",
				  hint ? ")" : "");
		}
		goto out;
	}
	log_info("s3://%s/%s: uploaded (%zu bytes, %s)", t->bucket, key, o->len, o->content_type);
	ret = 1;
out:
	aws_response_clear(&r);
	sigv4_headers_free(hs, nh);
	free(url);
	free(key);
	return ret;
}

int upl_docs(const docs_cfg *cfg, const docs *d, const s3_target *t, const upl_cfg *p, const aws_endpoint *ep,
	     const aws_creds *creds, time_t modified[2])
{
	const object objs[] = {
	    {cfg->jwks_path != NULL ? cfg->jwks_path : "/keys.json", d->jwks, d->jwks_len, "application/jwk-set+json"},
	    {"/.well-known/openid-configuration", d->discovery, d->discovery_len, "application/json"},
	};
	int n = 0;

	for (size_t i = 0; i < 2; i++) {
		time_t m = 0;
		int r = sync_object(&objs[i], t, p, ep, creds, &m);

		if (r < 0) {
			if (i == 1)
				log_error("the JWKS is up to date, the discovery document is not: run again to finish");
			return -1;
		}
		/* Uploaded now, or uploaded by a run that ended before its invalidation: modified[i] is
		 * compared with the newest invalidation. */
		if (r > 0)
			modified[i] = (time_t)-1;
		else if (modified[i] != (time_t)-1)
			modified[i] = m;
		n += r;
	}
	return n;
}
