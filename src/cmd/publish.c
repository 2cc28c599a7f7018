#include "config.h"

#include "aws/bucket.h"
#include "aws/cloudfront.h"
#include "aws/creds.h"
#include "aws/send.h"
#include "cmd/cli.h"
#include "cmd/cmds.h"
#include "net/http.h"
#include "util/log.h"
#include "issuer/private.h"
#include "issuer/register.h"
#include "issuer/retention.h"
#include "server/status.h"
#include "util/clock.h"
#include "util/watch.h"
#include "aws/s3.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
	"      --discovery-style kube|eks\n"
	"                             kube (default): kube-apiserver's five-member discovery\n"
	"                             document, byte for byte; eks: with EKS's authorization_endpoint\n"
	"                             and claims_supported\n"
	"      --from-apiserver       publish the API server's own JWKS (its bytes) instead of --key;\n"
	"                             with an ExternalJWTSigner (Kubernetes 1.32+) the signer picks\n"
	"                             the kids, and this is the only correct source\n"
	"      --retain DURATION      keep publishing a key for DURATION after it leaves the source\n"
	"                             (default 25h: the longest default token lifetime, 24h, plus\n"
	"                             an hour of JWKS caching; 0 drops it at once). The state lives\n"
	"                             next to the documents, in PREFIX/.saoidc/retention.json, written\n"
	"                             with S3 conditional writes so concurrent publishers agree\n"
	"      --revoke KID           withdraw this published key now and for good (repeatable): it\n"
	"                             leaves the JWKS and the retention state, and later runs (a\n"
	"                             running --watch too: SIGHUP makes it publish at once) refuse a\n"
	"                             source that holds it again. Refused while the source still\n"
	"                             holds it (rotate first). For a compromised or mistaken key\n"
	"      --allow-certificate    accept a certificate's public key as a signing key\n"
	"      --watch                keep running: read the source again when key files change (a\n"
	"                             Secret volume too), on SIGHUP and every --interval, and publish\n"
	"                             only when the documents change; retained keys expire on time;\n"
	"                             failures are retried with backoff. /healthz, /readyz (200 once a\n"
	"                             pass succeeded, 503 while failing) and /metrics on --status-listen\n"
	"      --interval DURATION    with --watch (default 60s)\n"
	"      --status-listen HOST:PORT  with --watch (default 127.0.0.1:9090)\n"
	"      --force                upload even when the objects are already up to date\n"
	"      --dry-run              print the requests that would be made and the keys that would be\n"
	"                             added, kept, dropped or revoked; writes nothing. Credentials are\n"
	"                             used, when there are any, to read the retention state\n"
	"      --private              keep the bucket private and serve it through CloudFront: the bucket\n"
	"                             gets Block Public Access and ACLs disabled, CloudFront an origin\n"
	"                             access control, a distribution (found again on later runs, never\n"
	"                             made twice) and the one bucket policy statement letting it read\n"
	"                             PREFIX; the issuer is https://DISTRIBUTION.cloudfront.net/PREFIX.\n"
	"                             Changed documents are invalidated. Needs credentials, even with\n"
	"                             --dry-run (which reads, and prints the writes it would make)\n"
	"      --domain HOST          with --private: the issuer's host instead of CloudFront's; the\n"
	"                             CNAME record to create is printed\n"
	"      --certificate-arn ARN  with --domain: an ACM certificate for HOST in us-east-1\n"
	"      --create-bucket        create the bucket when it does not exist, set up for the mode:\n"
	"                             --private: Block Public Access on, ACLs disabled; --acl none:\n"
	"                             ACLs disabled, public policies allowed, the s3-policy statement;\n"
	"                             --acl public-read: ACLs enabled (ObjectWriter), public ACLs\n"
	"                             allowed. An existing bucket's settings are left as they are\n"
	"      --wait                 with --private: wait (progress on stderr) until the distribution is\n"
	"                             deployed and the invalidation done\n"
	"      --wait-timeout SECONDS with --wait (default 1800)\n"
	"      --register             then register the issuer with IAM, as `saoidc register` does\n"
	"                             (--client-id, --thumbprint, --tag, --prune, --connect-to,\n"
	"                             --ca-file apply; client IDs are added, removed only with --prune)\n"
	"  -h, --help                 show this help\n"
	"\n"
	"Credentials, in the AWS SDKs' order: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN];\n"
	"AWS_PROFILE with ~/.aws/credentials and ~/.aws/config; AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE\n"
	"(STS AssumeRoleWithWebIdentity); container credentials; EC2 instance metadata (IMDSv2).\n"
	"Endpoints: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_IAM or AWS_ENDPOINT_URL (S3\n"
	"path-style); requests stay signed for the region's partition.\n"
	"PREFIX may hold letters, digits, '-', '.', '_', '~' and '/' only, so that the object keys, the\n"
	"issuer and jwks_uri are the same string for S3, STS and every HTTP client.\n"
	CLI_HELP_KEY_SOURCES;

enum {
	OPT_ACL = OPT_CMD_BASE,
	OPT_CACHE,
	OPT_FORCE,
	OPT_DRY,
	OPT_REGISTER,
	OPT_PRIVATE,
	OPT_DOMAIN,
	OPT_CERT_ARN,
	OPT_CREATE_BUCKET,
	OPT_WAIT,
	OPT_WAIT_TIMEOUT,
	OPT_RETAIN,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_STATUS_LISTEN
};

typedef struct pub_opts {
	const char *acl, *cache_control;
	const char *domain, *certificate_arn;
	bool force, dry_run, do_register, private_, create_bucket, wait, acl_given;
	unsigned wait_timeout;
	long retain_s;
	bool watch;
	long interval_s;
	const char *status_listen;
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
		p->acl_given = true;
		return true;
	case OPT_PRIVATE:
		p->private_ = true;
		return true;
	case OPT_DOMAIN:
		p->domain = arg;
		return true;
	case OPT_CERT_ARN:
		p->certificate_arn = arg;
		return true;
	case OPT_CREATE_BUCKET:
		p->create_bucket = true;
		return true;
	case OPT_WAIT:
		p->wait = true;
		return true;
	case OPT_RETAIN:
		if (!retain_parse_duration(arg, &p->retain_s))
			*code = cli_usage_error("publish", "--retain takes a duration such as 25h, 90m, 30s or 0, not '%s'",
						arg);
		return true;
	case OPT_WATCH:
		p->watch = true;
		return true;
	case OPT_INTERVAL:
		if (!retain_parse_duration(arg, &p->interval_s) || p->interval_s < 1)
			*code = cli_usage_error("publish", "--interval takes a duration of at least 1s (e.g. 60s, 5m), not '%s'",
						arg);
		return true;
	case OPT_STATUS_LISTEN:
		p->status_listen = arg;
		return true;
	case OPT_WAIT_TIMEOUT: {
		char *end;
		unsigned long v = strtoul(arg, &end, 10);

		if (*arg == '\0' || *end != '\0' || v < 1 || v > 86400)
			*code = cli_usage_error("publish", "--wait-timeout takes 1 to 86400 seconds, not '%s'", arg);
		p->wait_timeout = (unsigned)v;
		return true;
	}
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

/* 1: uploaded, 0: unchanged, -1: failed (message printed). *modified gets an unchanged object's
 * Last-Modified time (0 when unknown). */
static int sync_object(const object *o, const s3_target *t, const pub_opts *p, const aws_endpoint *ep,
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
			*modified = r.last_modified != NULL ? (time_t)http_date(r.last_modified) : 0;
			ret = 0;
			goto out;
		}
		if (r.status != 200 && r.status != 404 && r.status != 403) {
			const char *hint = aws_error_hint(&r);

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
			const char *hint = aws_error_hint(&r);

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

/* "/PREFIX/PATH": an object's path on the distribution, for invalidations. */
static bool strlist_add_path(strlist *l, const char *prefix, const char *path)
{
	char *s = NULL;
	bool ok;

	if (asprintf(&s, "%s%s%s", prefix[0] ? "/" : "", prefix, path) < 0)
		return false;
	ok = strlist_add(l, s);
	free(s);
	return ok;
}

/* Uploads the two documents (JWKS first). Returns how many were uploaded, or -1 (message
 * printed). modified[i] becomes -1 for an uploaded object, else its Last-Modified. */
static int sync_docs(const docs_cfg *cfg, const docs *d, const s3_target *t, const pub_opts *p, const aws_endpoint *ep,
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

/* --create-bucket without --private: a new bucket, set up so that the mode's uploads are public:
 * ACLs enabled and public ACLs allowed for public-read; ACLs disabled, public policies allowed
 * and the public-read policy statement for --acl none. An existing bucket is left alone. */
static bool public_bucket(const pub_opts *p, const s3_target *t, const aws_endpoint *s3ep,
			  const aws_partition *part, const aws_creds *creds, sao_err *err)
{
	bucket_client bc = {creds, *s3ep, t->bucket};
	bool exists = false, acl = strcmp(p->acl, "public-read") == 0, ok;
	char *policy = NULL;

	if (p->dry_run) { /* no credentials: nothing is read either */
		log_note("would create bucket %s if it does not exist, with %s", t->bucket,
			 acl ? "ACLs enabled and public ACLs allowed" : "public bucket policies allowed and the s3-policy statement");
		return true;
	}
	if (!bucket_exists(&bc, &exists, err))
		return false;
	if (exists) {
		log_info("bucket %s exists: its settings are left as they are (--create-bucket)", t->bucket);
		return true;
	}
	log_note("creating bucket %s (%s)", t->bucket, acl ? "public-read ACLs" : "public through its bucket policy");
	if (!bucket_create(&bc, err) || !bucket_set_ownership(&bc, acl ? "ObjectWriter" : "BucketOwnerEnforced", err) ||
	    !bucket_block_public_access(&bc, !acl, acl, err))
		return false;
	if (acl)
		return true;
	if ((policy = s3_public_policy(t, part)) == NULL)
		return err_set(err, "out of memory");
	ok = bucket_policy_put(&bc, policy, err);
	free(policy);
	return ok;
}

/* --private, before the documents: the bucket, origin access control, distribution and policy. */
static bool private_site(const pub_opts *p, const s3_target *t, const aws_where *where, const aws_endpoint *s3ep,
			 const aws_endpoint *s3plain, aws_creds *creds, cf_client *cf, priv_site *site, sao_err *err)
{
	char *origin = NULL;
	bool ok = false;
	bucket_client bc = {creds, *s3ep, t->bucket};
	priv_cfg pc = {t->bucket, t->prefix, NULL, where->partition->id, p->domain, p->certificate_arn,
		       p->create_bucket, p->dry_run, log_note};

	if (asprintf(&origin, "%s.%s", t->bucket, s3plain->host) < 0)
		return err_set(err, "out of memory");
	pc.origin_domain = origin;
	/* Everything that can be refused is refused before the first call. */
	if (!priv_check(&pc, err) || !aws_endpoint_resolve(AWS_CLOUDFRONT, where->region, &where->ep, &cf->ep, err) ||
	    !aws_creds_load(creds, where, err))
		goto out;
	cf->creds = creds;
	log_info("private issuer: s3://%s/%s behind CloudFront (credentials from %s)", t->bucket, t->prefix,
		 creds->source);
	ok = priv_ensure(&pc, &bc, cf, site, err);
out:
	free(origin);
	return ok;
}

/* --private, after the uploads: invalidate what changed (or what a run cut short uploaded
 * without invalidating), wait if asked, and say what is left to do. */
static bool private_finish(const pub_opts *p, const cf_client *cf, const priv_site *site, const strlist *paths,
			   const time_t modified[2], sao_err *err)
{
	strlist stale = {0};
	time_t last = 0;
	char *inv = NULL, ref[64];
	bool ok = false;

	if (site->dist.id == NULL)
		return true;
	if (!cf_last_invalidation(cf, site->dist.id, &last, err))
		goto out;
	for (size_t i = 0; i < paths->n && i < 2; i++)
		if ((modified[i] == (time_t)-1 || modified[i] > last) && !strlist_add(&stale, paths->v[i])) {
			err_set(err, "out of memory");
			goto out;
		}
	if (stale.n > 0) {
		snprintf(ref, sizeof(ref), "saoidc-%ld-%zu", (long)time(NULL), stale.n);
		if (!cf_invalidate(cf, site->dist.id, &stale, ref, &inv, err))
			goto out;
		log_info("invalidation %s of %s%s%s on distribution %s", inv, stale.v[0], stale.n > 1 ? " and " : "",
			 stale.n > 1 ? stale.v[1] : "", site->dist.id);
		if (p->wait && !priv_wait_invalidated(cf, site->dist.id, inv, p->wait_timeout, log_note, err))
			goto out;
	}
	if (strcmp(site->dist.status, "Deployed") != 0) {
		if (p->wait) {
			if (!priv_wait_deployed(cf, site->dist.id, p->wait_timeout, log_note, err))
				goto out;
		} else {
			log_info("distribution %s is still deploying (a new one takes minutes): the issuer answers once "
				 "it is Deployed; --wait waits, `saoidc verify --issuer %s` tells",
				 site->dist.id, site->issuer);
		}
	}
	if (p->domain != NULL)
		log_info("DNS: create the record  %s. CNAME %s.  (the issuer is https://%s/...)", p->domain,
			 site->dist.domain, p->domain);
	ok = true;
out:
	free(inv);
	strlist_clear(&stale);
	return ok;
}

/* What one publishing pass needs; the watch loop runs passes over the same context. */
typedef struct pass_ctx {
	pub_opts *p;
	cli_opts *o;
	const s3_target *t;
	const aws_where *where;
	const aws_endpoint *s3ep;
	aws_creds *creds;
	const cf_client *cf;
	const priv_site *site;
	char *state_key;
	size_t keys;     /* published by the last pass */
	key_set *loaded; /* the keys read before any AWS call, for the first pass; then NULL */
} pass_ctx;

/* Reads the source, merges the retention state, uploads what changed and invalidates it.
 * Returns the number of objects uploaded, or -1 (with err set, or the message printed). */
static int publish_pass(pass_ctx *c, sao_err *err)
{
	pub_opts *pp = c->p;
	docs d = {0};
	size_t nkeys = 0;
	strlist invalidate = {0};
	time_t modified[2] = {0, 0};
	int changed = 0, ret = -1;

	/* The first pass renders the keys already read and checked before any AWS call (read once);
	 * later passes (--watch) read the source again. */
	if (c->loaded != NULL) {
		bool rendered = cli_render_docs(c->o, c->loaded, &d, err);

		nkeys = key_set_count(c->loaded);
		key_set_free(c->loaded);
		c->loaded = NULL;
		if (!rendered)
			goto out;
	} else if (!cli_build_docs(c->o, &d, &nkeys, err)) {
		goto out;
	}
	/* Rounds: a publisher racing on the same prefix may write the state between our state write
	 * and our uploads; then merge its keys in and upload again. */
	for (int round = 0;; round++) {
		bucket_client bc = {c->creds, *c->s3ep, c->t->bucket};
		retain_report rep = {0};
		docs pub = {0};
		char *etag = NULL;
		bool moved = false, ok;
		int r;

		if (pp->dry_run && c->creds->access_key == NULL) {
			log_note("dry run without credentials: the retention state (s3://%s/%s) is not read; the JWKS "
				 "shown is the source's alone", c->t->bucket, c->state_key);
			ok = docs_copy(&d, &pub, err);
		} else {
			ok = rtn_merge(&bc, c->state_key, &c->o->docs, &d, &(retain_policy){pp->retain_s, &c->o->revoke},
				       time(NULL), pp->dry_run, &pub, &etag, &rep, err);
			if (!ok && pp->dry_run && c->o->revoke.n == 0) {
				log_note("dry run: the retention state (s3://%s/%s) could not be read (%s); the JWKS shown is "
					 "the source's alone", c->t->bucket, c->state_key, err->msg);
				err->msg[0] = '\0';
				retain_report_clear(&rep);
				ok = docs_copy(&d, &pub, err);
			}
		}
		if (ok) {
			if (round == 0)
				cli_report_retention(&rep);
			c->keys = docs_key_count(&pub);
		}
		r = ok ? sync_docs(&c->o->docs, &pub, c->t, pp, c->s3ep, pp->dry_run ? NULL : c->creds, modified) : 0;
		if (r > 0 && !pp->dry_run && round < 4)
			ok = rtn_moved(&bc, c->state_key, etag, &moved, err);
		retain_report_clear(&rep);
		docs_clear(&pub);
		free(etag);
		if (!ok || r < 0) /* err set; or sync_docs printed why */
			goto out;
		changed += r;
		if (!moved)
			break;
		log_info("another publisher changed the retention state meanwhile: merging its keys and publishing again");
	}
	for (size_t i = 0; pp->private_ && i < 2; i++)
		if (!strlist_add_path(&invalidate, c->t->prefix,
				      i == 0 ? (c->o->docs.jwks_path != NULL ? c->o->docs.jwks_path : "/keys.json")
					     : "/.well-known/openid-configuration")) {
			err_set(err, "out of memory");
			goto out;
		}
	if (pp->private_ && !pp->dry_run && !private_finish(pp, c->cf, c->site, &invalidate, modified, err))
		goto out;
	if (pp->private_ && pp->dry_run && c->site->dist.id != NULL)
		log_note("would invalidate the documents that changed on distribution %s", c->site->dist.id);
	ret = changed;
out:
	docs_clear(&d);
	strlist_clear(&invalidate);
	return ret;
}

/* publish --watch: counters for /metrics, written by the loop, read by the status thread. */
typedef struct watch_metrics {
	atomic_ullong runs, errors, uploads;
	atomic_llong last_success;
	atomic_ullong keys;
} watch_metrics;

static char *render_metrics(void *ctx, size_t *len)
{
	watch_metrics *m = ctx;
	char *s = NULL;
	int n = asprintf(&s,
			 "# HELP saoidc_sync_runs_total Publishing passes run.\n# TYPE saoidc_sync_runs_total counter\n"
			 "saoidc_sync_runs_total %llu\n"
			 "# HELP saoidc_sync_errors_total Publishing passes that failed.\n# TYPE saoidc_sync_errors_total counter\n"
			 "saoidc_sync_errors_total %llu\n"
			 "# HELP saoidc_sync_uploads_total Documents uploaded.\n# TYPE saoidc_sync_uploads_total counter\n"
			 "saoidc_sync_uploads_total %llu\n"
			 "# HELP saoidc_sync_last_success_timestamp_seconds When a pass last succeeded.\n"
			 "# TYPE saoidc_sync_last_success_timestamp_seconds gauge\n"
			 "saoidc_sync_last_success_timestamp_seconds %lld\n"
			 "# HELP saoidc_sync_published_keys Keys in the published JWKS (retained ones included).\n"
			 "# TYPE saoidc_sync_published_keys gauge\nsaoidc_sync_published_keys %llu\n",
			 (unsigned long long)atomic_load(&m->runs), (unsigned long long)atomic_load(&m->errors),
			 (unsigned long long)atomic_load(&m->uploads), (long long)atomic_load(&m->last_success),
			 (unsigned long long)atomic_load(&m->keys));

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return s;
}

/* Runs passes until SIGTERM or SIGINT: when the key files change (checked every 2 s), on SIGHUP,
 * every interval, and after a failure with backoff (5 s doubling, at most the interval). */
static int watch_loop(pass_ctx *c, sao_err *err)
{
	watch_metrics m;
	status_srv *st;
	sigset_t sigs;
	unsigned char fp[WATCH_FP_LEN], nfp[WATCH_FP_LEN];
	long next, backoff = 0;

	memset(&m, 0, sizeof(m));
	atomic_store(&m.runs, 1);
	atomic_store(&m.last_success, (long long)time(NULL));
	atomic_store(&m.keys, c->keys);
	if ((st = status_start(c->p->status_listen, render_metrics, &m, err)) == NULL)
		return cli_fail(err);
	status_set_ready(st, true);
	log_info("watching: every %lds and on key file changes; /healthz /readyz /metrics on %s", c->p->interval_s,
		 c->p->status_listen);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	watch_fingerprint((const char *const *)c->o->keys, c->o->nkeys, fp);
	next = clock_mono_ms() + c->p->interval_s * 1000L;
	for (;;) {
		struct timespec ts = {2, 0};
		siginfo_t si;
		int sig = sigtimedwait(&sigs, &si, &ts);
		bool due;

		if (sig == SIGTERM || sig == SIGINT)
			break;
		watch_fingerprint((const char *const *)c->o->keys, c->o->nkeys, nfp);
		due = sig == SIGHUP || clock_mono_ms() >= next || memcmp(fp, nfp, sizeof(fp)) != 0;
		if (!due)
			continue;
		memcpy(fp, nfp, sizeof(fp));
		{
			sao_err perr = {""};
			int changed;

			atomic_fetch_add(&m.runs, 1);
			/* Temporary credentials (web identity, container, instance) expire: load them anew. */
			aws_creds_clear(c->creds);
			changed = aws_creds_load(c->creds, c->where, &perr) ? publish_pass(c, &perr) : -1;
			if (changed < 0) {
				atomic_fetch_add(&m.errors, 1);
				status_set_ready(st, false);
				backoff = backoff == 0 ? 5 : backoff * 2 > c->p->interval_s ? c->p->interval_s : backoff * 2;
				log_error("publishing failed%s%s; retrying in %lds", perr.msg[0] ? ": " : "", perr.msg, backoff);
				next = clock_mono_ms() + backoff * 1000L;
				continue;
			}
			backoff = 0;
			atomic_fetch_add(&m.uploads, (unsigned long long)changed);
			atomic_store(&m.last_success, (long long)time(NULL));
			atomic_store(&m.keys, c->keys);
			status_set_ready(st, true);
			if (changed > 0)
				log_info("published: %d document(s) changed, %zu key(s) in the JWKS", changed, c->keys);
			next = clock_mono_ms() + c->p->interval_s * 1000L;
		}
	}
	log_info("stopping");
	status_stop(st);
	return EXIT_SUCCESS;
}

int cmd_publish(int argc, char **argv)
{
	static const struct option lo[] = {CLI_OPT_ISSUER,
					   CLI_OPT_KEY,
					   CLI_OPT_FROM_APISERVER,
					   CLI_OPT_JWKS_PATH,
					   CLI_OPT_LEGACY, CLI_OPT_DISC_STYLE,
					   {"acl", required_argument, NULL, OPT_ACL},
					   {"cache-control", required_argument, NULL, OPT_CACHE},
					   {"force", no_argument, NULL, OPT_FORCE},
					   {"dry-run", no_argument, NULL, OPT_DRY},
					   {"register", no_argument, NULL, OPT_REGISTER},
					   {"private", no_argument, NULL, OPT_PRIVATE},
					   {"domain", required_argument, NULL, OPT_DOMAIN},
					   {"certificate-arn", required_argument, NULL, OPT_CERT_ARN},
					   {"create-bucket", no_argument, NULL, OPT_CREATE_BUCKET},
					   {"wait", no_argument, NULL, OPT_WAIT},
					   {"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
					   {"retain", required_argument, NULL, OPT_RETAIN},
					   CLI_OPT_REVOKE,
					   {"watch", no_argument, NULL, OPT_WATCH},
					   {"interval", required_argument, NULL, OPT_INTERVAL},
					   {"status-listen", required_argument, NULL, OPT_STATUS_LISTEN},
					   REG_OPTS_CORE,
					   CLI_OPT_CONNECT_TO,
					   CLI_OPT_CA_FILE,
					   CLI_OPT_AWS,
					   CLI_OPT_HELP,
					   CLI_OPT_END};
	pub_opts p = {.acl = "public-read", .cache_control = "public, max-age=3600", .wait_timeout = 1800,
		      .retain_s = RETAIN_DEFAULT_S, .interval_s = 60, .status_listen = "127.0.0.1:9090"};
	cli_opts o = {0};
	sao_err err = {""};
	s3_target t = {0};
	aws_creds creds = {0};
	char *issuer = NULL;
	aws_where where = {0};
	aws_endpoint s3ep, s3plain;
	priv_site site = {0};
	cf_client cf = {0};
	pass_ctx pc = {&p, &o, &t, &where, &s3ep, &creds, &cf, &site, NULL, 0, NULL};
	int rc = cli_parse("publish", cmd_publish_help, argc, argv, lo, &o, pub_opt, &p, 1, CLI_NEED_KEY), changed = 0;

	if (rc >= 0)
		goto out;
	rc = EXIT_FAILURE;
	if (!s3_parse_uri(argv[o.argi], &t, &err))
		goto fail;
	/* Bad keys are refused before anything is read from, or made in, AWS. */
	if (!o.from_apiserver && (pc.loaded = cli_load_keys(&o, &err)) == NULL)
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
	if (p.private_) {
		if (o.docs.issuer != NULL) {
			rc = cli_usage_error("publish", "--private makes the issuer (the distribution's domain, or --domain): "
							"drop --issuer");
			goto out;
		}
		if (p.acl_given && strcmp(p.acl, "none") != 0) {
			rc = cli_usage_error("publish", "--private uploads without ACLs (the bucket has them disabled): "
							"drop --acl %s", p.acl);
			goto out;
		}
		p.acl = "none";
	}
	if (p.watch && (p.dry_run || p.do_register)) {
		rc = cli_usage_error("publish", "--watch runs until stopped: without --dry-run, and without --register "
						"(register once with `saoidc register`)");
		goto out;
	}
	if (p.private_) {
	} else if (p.domain != NULL || p.certificate_arn != NULL || p.wait) {
		rc = cli_usage_error("publish", "--domain, --certificate-arn and --wait go with --private");
		goto out;
	}
	if (p.private_ && !private_site(&p, &t, &where, &s3ep, &s3plain, &creds, &cf, &site, &err))
		goto fail;
	if (site.issuer != NULL)
		o.docs.issuer = site.issuer;
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
	if (!p.dry_run && creds.access_key == NULL && !aws_creds_load(&creds, &where, &err))
		goto fail;
	if (p.dry_run && creds.access_key == NULL) {
		sao_err cerr = {""};

		/* Read-only, and only when credentials are there: the retention state shows what would change. */
		if (!aws_creds_load(&creds, &where, &cerr))
			aws_creds_clear(&creds);
	}
	if (p.dry_run && creds.access_key == NULL && o.revoke.n > 0) {
		err_set(&err, "--revoke with --dry-run needs credentials: the retention state must be read to say what "
			      "would be withdrawn");
		goto fail;
	}
	if (!p.dry_run)
		log_info("publishing to s3://%s/%s (region %s, partition %s, credentials from %s)", t.bucket, t.prefix,
			 where.region, where.partition->id, creds.source);
	if (!p.private_ && p.create_bucket && !public_bucket(&p, &t, &s3ep, where.partition, &creds, &err))
		goto fail;
	if (p.retain_s == 0)
		cli_warn_no_retention();
	if ((pc.state_key = s3_object_key(&t, RTN_STATE_PATH)) == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	if ((changed = publish_pass(&pc, &err)) < 0) {
		if (err.msg[0] != '\0')
			goto fail;
		rc = EXIT_FAILURE; /* printed already */
		goto out;
	}
	if (!p.dry_run)
		log_info("%s; issuer %s", changed > 0 ? "published" : "already up to date", o.docs.issuer);
	/* The issuer, then the provider ARN with --register; with --private the issuer comes last,
	 * so that scripts take the last line as the (new, CloudFront) issuer. */
	if (!p.private_)
		printf("%s\n", o.docs.issuer);
	if (p.watch) {
		if (!cli_flush(&err))
			goto fail;
		rc = watch_loop(&pc, &err);
		goto out;
	}
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
	if (p.private_)
		printf("%s\n", o.docs.issuer);
	rc = cli_flush(&err) ? EXIT_SUCCESS : cli_fail(&err);
	goto out;
fail:
	rc = cli_fail(&err);
out:
	reg_opts_clear(&p.reg);
	aws_creds_clear(&creds);
	s3_target_clear(&t);
	aws_where_clear(&where);
	priv_site_clear(&site);
	free(pc.state_key);
	key_set_free(pc.loaded);
	free(issuer);
	cli_opts_free(&o);
	return rc;
}
