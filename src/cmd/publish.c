#include "config.h"

#include "aws/creds.h"
#include "aws/send.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "util/log.h"
#include "issuer/register.h"
#include "aws/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_publish_help[] =
	"Usage: saoidc publish --key PATH [--key PATH ...] s3://BUCKET[/PREFIX] [OPTIONS]\n"
	"\n"
	"Upload the issuer documents to S3 so that STS can fetch them:\n"
	"  PREFIX/keys.json (or PREFIX/<jwks-path>) and PREFIX/.well-known/openid-configuration,\n"
	"the JWKS first, so the discovery document never points at a missing key set. Objects whose\n"
	"content and headers are already right are not uploaded again. The issuer is printed on\n"
	"stdout: it is what goes into the API server's --service-account-issuer.\n"
	"\n"
	"  -k, --key PATH             signing key(s), as for `saoidc jwks`\n"
	"  -i, --issuer URL           issuer (default https://BUCKET.s3.REGION.DNS-SUFFIX[/PREFIX], or\n"
	"                             path-style https://s3.REGION.DNS-SUFFIX/BUCKET[/PREFIX] for a bucket\n"
	"                             with dots; DNS-SUFFIX is the partition's, e.g. amazonaws.com.cn)\n"
	"      --region REGION        bucket region (default: AWS_REGION, AWS_DEFAULT_REGION, profile);\n"
	"                             it picks the partition: aws, aws-cn, aws-us-gov, aws-iso, ...\n"
	"      --fips                 FIPS endpoints for S3, STS and IAM (also AWS_USE_FIPS_ENDPOINT=true;\n"
	"                             AWS_USE_DUALSTACK_ENDPOINT=true picks dual-stack S3 and STS)\n"
	"      --acl public-read|none public-read (default) sends x-amz-acl: public-read; use none for\n"
	"                             buckets with ACLs disabled and a bucket policy (saoidc s3-policy)\n"
	"      --cache-control VALUE  Cache-Control of the objects (default \"public, max-age=3600\")\n"
	"      --jwks-path PATH       JWKS path under the issuer (default /keys.json)\n"
	"      --legacy-empty-kid     also publish each key with \"kid\": \"\"\n"
	"      --from-apiserver       publish the API server's own JWKS instead of --key\n"
	"      --force                upload even when the objects are already up to date\n"
	"      --dry-run              print the requests that would be made; needs no credentials\n"
	"      --register             then register the issuer with IAM, as `saoidc register` does\n"
	"                             (--client-id, --thumbprint, --tag, --connect-to, --ca-file apply)\n"
	"  -h, --help                 show this help\n"
	"\n"
	"Credentials, in the AWS SDKs' order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN];\n"
	"AWS_PROFILE with ~/.aws/credentials and ~/.aws/config; AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE\n"
	"(STS AssumeRoleWithWebIdentity); container credentials; EC2 instance metadata (IMDSv2).\n"
	"Endpoints: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM or AWS_ENDPOINT_URL (S3\n"
	"path-style); requests stay signed for the region's partition.\n"
	"PREFIX may hold letters, digits, '-', '.', '_', '~' and '/' only, so that the object keys, the\n"
	"issuer and jwks_uri are the same string for S3, STS and every HTTP client.\n";

enum { OPT_ACL = OPT_CMD_BASE, OPT_CACHE, OPT_FORCE, OPT_DRY, OPT_REGISTER };

typedef struct pub_opts {
	const char *acl, *cache_control;
	bool force, dry_run, do_register;
	reg_opts reg; /* --register's options */
} pub_opts;

static bool pub_opt(void *ctx, int c, const char *arg, int *code)
{
	pub_opts *p = ctx;

	switch (c) {
	case OPT_ACL:
		if (strcmp(arg, "public-read") != 0 && strcmp(arg, "none") != 0)
			*code = cli_usage_error("publish", "--acl takes public-read or none, not '%s'", arg);
		p->acl = arg;
		return true;
	case OPT_CACHE:
		p->cache_control = arg;
		return true;
	case OPT_FORCE:
		p->force = true;
		return true;
	case OPT_DRY:
		p->dry_run = true;
		return true;
	case OPT_REGISTER:
		p->do_register = true;
		return true;
	default:
		return cli_reg_opt(&p->reg, c, arg, code);
	}
}

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

/* What to do about an S3 error answer, or NULL. */
static const char *hint_for(const aws_response *r)
{
	const char *clock = aws_clock_hint(r);

	if (clock != NULL || r->code == NULL)
		return clock;
	if (strcmp(r->code, "SignatureDoesNotMatch") == 0)
		return "the secret access key does not match the access key ID";
	if (strcmp(r->code, "InvalidAccessKeyId") == 0)
		return "the access key ID is unknown to this endpoint";
	if (strcmp(r->code, "NoSuchBucket") == 0)
		return "create the bucket first, in the region given";
	if (strcmp(r->code, "ExpiredToken") == 0)
		return "the session token has expired";
	return NULL;
}

/* 1: uploaded, 0: unchanged, -1: failed (message printed). */
static int sync_object(const object *o, const s3_target *t, const pub_opts *p, const aws_endpoint *ep,
		       const aws_creds *creds)
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
		       p->cache_control, strcmp(p->acl, "public-read") == 0 ? "  x-amz-acl: public-read\n" : "", o->len);
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
			ret = 0;
			goto out;
		}
		if (r.status != 200 && r.status != 404 && r.status != 403) {
			const char *hint = hint_for(&r);

			log_error("s3://%s/%s: reading the current object failed: HTTP %ld %s%s%s%s", t->bucket, key,
				  r.status, r.code != NULL ? r.code : "", hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
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
		aws_request put = {"PUT", url, ep->signing_name, ep->signing_region, hs, nh, o->body, o->len, creds, 0, 0};

		if (!aws_send(&put, &r, &err)) {
			log_error("s3://%s/%s: upload failed: %s", t->bucket, key, err.msg);
			goto out;
		}
	}
	if (r.status / 100 != 2) {
		if (strcmp(p->acl, "public-read") == 0 && r.code != NULL &&
		    strcmp(r.code, "AccessControlListNotSupported") == 0) {
			explain_acl(t, ep->partition, &r);
		} else if (strcmp(p->acl, "public-read") == 0 && r.code != NULL && strcmp(r.code, "AccessDenied") == 0) {
			/* S3 says only "Access Denied" both when Block Public Access refuses the public ACL and
			 * when the credentials lack s3:PutObject / s3:PutObjectAcl. */
			log_error("s3://%s/%s: AccessDenied with x-amz-acl: public-read. Either the credentials lack "
				  "s3:PutObject and s3:PutObjectAcl on the bucket, or Block Public Access refuses public ACLs:",
				  t->bucket, key);
			explain_acl(t, ep->partition, &r);
		}
		else {
			const char *hint = hint_for(&r);

			log_error("s3://%s/%s: upload failed: HTTP %ld %s%s%s%s%s%s", t->bucket, key, r.status,
				  r.code != NULL ? r.code : "", r.message != NULL ? ": " : "", r.message != NULL ? r.message : "",
				  hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
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

int cmd_publish(int argc, char **argv)
{
	static const struct option lo[] = {CLI_OPT_ISSUER,
					   CLI_OPT_KEY,
					   CLI_OPT_FROM_APISERVER,
					   CLI_OPT_JWKS_PATH,
					   CLI_OPT_LEGACY,
					   {"acl", required_argument, NULL, OPT_ACL},
					   {"cache-control", required_argument, NULL, OPT_CACHE},
					   {"force", no_argument, NULL, OPT_FORCE},
					   {"dry-run", no_argument, NULL, OPT_DRY},
					   {"register", no_argument, NULL, OPT_REGISTER},
					   REG_OPTS_CORE,
					   CLI_OPT_CONNECT_TO,
					   CLI_OPT_CA_FILE,
					   CLI_OPT_AWS,
					   CLI_OPT_HELP,
					   CLI_OPT_END};
	pub_opts p = {.acl = "public-read", .cache_control = "public, max-age=3600"};
	cli_opts o = {0};
	sao_err err = {""};
	s3_target t = {0};
	docs d = {0};
	size_t nkeys = 0;
	aws_creds creds = {0};
	char *issuer = NULL;
	aws_where where = {0};
	aws_endpoint s3ep, s3plain;
	int rc = cli_parse("publish", cmd_publish_help, argc, argv, lo, &o, pub_opt, &p, 1, CLI_NEED_KEY), changed = 0;

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	if (!s3_parse_uri(argv[o.argi], &t, &err))
		goto fail;
	if (!aws_where_init(&where, o.region, o.fips, &err))
		goto fail;
	if (where.region == NULL) {
		err_set(&err, "no region: give --region or set AWS_REGION (the bucket's region, which also picks "
			      "the partition: aws, aws-cn, aws-us-gov, ...)");
		goto fail;
	}
	/* Where the objects go (with FIPS, dual-stack, overrides), and where STS will fetch them:
	 * S3's plain regional host, which every client reaches. */
	if (!aws_endpoint_resolve(AWS_S3, where.region, &where.ep, &s3ep, &err) ||
	    !aws_endpoint_resolve(AWS_S3, where.region, NULL, &s3plain, &err))
		goto fail;
	if (o.docs.issuer == NULL) {
		issuer = s3_issuer_url(&t, &s3plain, &err);
		if (issuer == NULL)
			goto fail;
		o.docs.issuer = issuer;
		if (!aws_s3_virtual_host_ok(t.bucket))
			log_info("bucket \"%s\" has dots: the issuer is path-style (%s), since the virtual-hosted "
				 "name %s.%s would not match S3's certificate (*.%s covers one label)",
				 t.bucket, issuer, t.bucket, s3plain.host, s3plain.host);
	}
	if (!cli_build_docs(&o, &d, &nkeys, &err))
		goto fail;
	if (!p.dry_run && !aws_creds_load(&creds, &where, &err))
		goto fail;
	if (!p.dry_run)
		log_info("publishing to s3://%s/%s (region %s, partition %s, credentials from %s)", t.bucket, t.prefix,
			 where.region, where.partition->id, creds.source);
	{
		const object objs[] = {
			{o.docs.jwks_path != NULL ? o.docs.jwks_path : "/keys.json", d.jwks, d.jwks_len,
			 "application/jwk-set+json"},
			{"/.well-known/openid-configuration", d.discovery, d.discovery_len, "application/json"},
		};

		for (size_t i = 0; i < 2; i++) {
			int r = sync_object(&objs[i], &t, &p, &s3ep, p.dry_run ? NULL : &creds);

			if (r < 0) {
				if (i == 1)
					log_error("the JWKS is up to date, the discovery document is not: run again to finish");
				rc = EXIT_FAILURE;
				goto out;
			}
			changed += r;
		}
	}
	if (!p.dry_run)
		log_info("%s; issuer %s", changed > 0 ? "published" : "already up to date", o.docs.issuer);
	printf("%s\n", o.docs.issuer);
	if (p.do_register) {
		char *arn = NULL;

		p.reg.dry_run = p.dry_run;
		if (!reg_run(o.docs.issuer, &p.reg, &where, &arn, &err)) {
			fflush(stdout);
			goto fail;
		}
		if (arn != NULL)
			printf("%s\n", arn);
		free(arn);
	}
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	reg_opts_clear(&p.reg);
	aws_creds_clear(&creds);
	docs_clear(&d);
	s3_target_clear(&t);
	aws_where_clear(&where);
	free(issuer);
	cli_opts_free(&o);
	return rc;
}
