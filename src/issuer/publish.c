#include "config.h"

#include "issuer/publish.h"

#include "aws/bucket.h"
#include "aws/cloudfront.h"
#include "aws/endpoint.h"
#include "aws/s3.h"
#include "issuer/private.h"
#include "issuer/retention.h"
#include "store/azblob.h"
#include "store/gcs.h"
#include "store/s3.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REVOKE_DRY_NEEDS_CREDS                                                                                         \
	"--revoke with --dry-run needs credentials: the retention state must be read to say what would be "            \
	"withdrawn"

struct pub_site {
	pub_cfg cfg;
	s3_target t;
	aws_where where;
	aws_endpoint s3ep;    /* where the objects go (FIPS, dual-stack, overrides) */
	aws_endpoint s3plain; /* where STS fetches them: S3's plain regional host */
	aws_creds creds;
	cf_client cf;
	priv_site site;
	char *issuer;
	store st;	 /* where the documents and the retention state go */
	bool have_creds; /* false only in a dry run without credentials */
	bool s3;	 /* else Azure Blob or Cloud Storage: s->st alone */
};

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

/* --create-bucket without --private: a new bucket, set up so that the mode's uploads are public:
 * ACLs enabled and public ACLs allowed for public-read; ACLs disabled, public policies allowed
 * and the public-read policy statement for --acl none. An existing bucket is left alone. */
static bool public_bucket(const pub_cfg *p, const s3_target *t, const aws_endpoint *s3ep, const aws_partition *part,
			  const aws_creds *creds, sao_err *err)
{
	bucket_client bc = {creds, *s3ep, t->bucket};
	bool exists = false, acl = strcmp(p->upload.acl, "public-read") == 0, ok;
	char *policy = NULL;

	if (p->upload.dry_run) { /* no credentials: nothing is read either */
		log_note("would create bucket %s if it does not exist, with %s", t->bucket,
			 acl ? "ACLs enabled and public ACLs allowed"
			     : "public bucket policies allowed and the s3-policy statement");
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
static bool private_site(const pub_cfg *p, const s3_target *t, const aws_where *where, const aws_endpoint *s3ep,
			 const aws_endpoint *s3plain, aws_creds *creds, cf_client *cf, priv_site *site, sao_err *err)
{
	char *origin = NULL;
	bool ok = false;
	bucket_client bc = {creds, *s3ep, t->bucket};
	priv_cfg pc = {
	    t->bucket,	      t->prefix,	 NULL,	  where->partition->id, p->domain, p->certificate_arn,
	    p->create_bucket, p->upload.dry_run, log_note};

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
	/* Made anew without a domain of its own: the issuer is not the one tokens and IAM name. */
	if (ok && site->gone_domain != NULL && site->created && p->domain == NULL)
		log_warn("the CloudFront distribution that served this issuer (%s) is gone (deleted outside saoidc): "
			 "a new one was made; the issuer becomes %s. Tokens naming the old issuer fail at STS until "
			 "the cluster's --service-account-issuer, the IAM provider and the roles' trust follow: saoidc "
			 "migrate --from https://%s%s%s --to %s (give --domain to keep an issuer across distributions)",
			 site->gone_domain, site->issuer, site->gone_domain, pc.prefix[0] ? "/" : "", pc.prefix,
			 site->issuer);
out:
	free(origin);
	return ok;
}

/* --private, after the uploads: invalidate what changed (or what a run cut short uploaded
 * without invalidating), wait if asked, and say what is left to do. */
static bool private_finish(const pub_cfg *p, const cf_client *cf, const priv_site *site, const strlist *paths,
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
			log_info(
			    "distribution %s is still deploying (a new one takes minutes): the issuer answers once "
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

/* Credentials: needed unless this is a dry run; in a dry run used when there are any, to read
 * the retention state (a --revoke dry run must read it). */
static bool load_creds(pub_site *s, sao_err *err)
{
	sao_err cerr = {""};

	if (s->creds.access_key != NULL)
		return s->have_creds = true;
	if (!s->cfg.upload.dry_run)
		return s->have_creds = aws_creds_load(&s->creds, &s->where, err);
	if (!aws_creds_load(&s->creds, &s->where, &cerr))
		aws_creds_clear(&s->creds);
	s->have_creds = s->creds.access_key != NULL;
	if (!s->have_creds && s->cfg.revoke != NULL && s->cfg.revoke->n > 0)
		return err_set(err, REVOKE_DRY_NEEDS_CREDS);
	return true;
}

/* An S3 bucket: the region and partition, --private's CloudFront site or --create-bucket's
 * public bucket, the issuer. */
static bool open_s3(pub_site *s, const char *s3_uri, const char *issuer, sao_err *err)
{
	const pub_cfg *cfg = &s->cfg;

	if (cfg->endpoint_suffix != NULL)
		return err_set(err, "--endpoint-suffix is for azblob:// (S3's hosts come from the region)");
	if (s->cfg.upload.acl == NULL)
		s->cfg.upload.acl = "public-read";
	if (!s3_parse_uri(s3_uri, &s->t, err) ||
	    !aws_where_init(&s->where, cfg->region, cfg->fips, cfg->allow_unknown_region, err))
		return false;
	if (s->where.unknown_region)
		log_warn(
		    "region %s is not one saoidc knows: taken because of --allow-unknown-region, in the %s partition "
		    "(from its name)",
		    s->where.region, s->where.partition->id);
	if (s->where.region == NULL) {
		return err_set(err, "no region: give --region or set AWS_REGION (the bucket's region, which also "
				    "picks the partition: aws, aws-cn, aws-us-gov, ...)");
	}
	if (!aws_endpoint_resolve(AWS_S3, s->where.region, &s->where.ep, &s->s3ep, err) ||
	    !aws_endpoint_resolve(AWS_S3, s->where.region, NULL, &s->s3plain, err))
		return false;
	if (cfg->private_ &&
	    !private_site(&s->cfg, &s->t, &s->where, &s->s3ep, &s->s3plain, &s->creds, &s->cf, &s->site, err))
		return false;
	if (issuer == NULL)
		issuer = s->site.issuer;
	if (issuer != NULL) {
		s->issuer = strdup(issuer);
	} else {
		if ((s->issuer = s3_issuer_url(&s->t, &s->s3plain, err)) == NULL)
			return false;
		if (!aws_s3_virtual_host_ok(s->t.bucket))
			log_info("bucket \"%s\" has dots: the issuer is path-style (%s), since the virtual-hosted "
				 "name %s.%s would not match S3's certificate (*.%s covers one label)",
				 s->t.bucket, s->issuer, s->t.bucket, s->s3plain.host, s->s3plain.host);
	}
	if (s->issuer == NULL)
		return err_set(err, "out of memory");
	if (!load_creds(s, err) ||
	    !store_s3_open(&s->st, &s->t, &s->s3ep, &s->creds, strcmp(cfg->upload.acl, "public-read") == 0, err))
		return false;
	if (!cfg->upload.dry_run)
		log_info("publishing to s3://%s/%s (region %s, partition %s, credentials from %s)", s->t.bucket,
			 s->t.prefix, s->where.region, s->where.partition->id, s->creds.source);
	return cfg->private_ || !cfg->create_bucket ||
	       public_bucket(&s->cfg, &s->t, &s->s3ep, s->where.partition, &s->creds, err);
}

static bool open_gcs(pub_site *s, const char *uri, const char *issuer, const char **source, strlist *notes,
		     sao_err *err)
{
	gcs_target t = {0};
	gcs_cfg gc = {issuer, s->cfg.upload.acl != NULL && strcmp(s->cfg.upload.acl, "public-read") == 0,
		      s->cfg.upload.dry_run};
	bool ok = gcs_parse_uri(uri, &t, err) && store_gcs_open(&s->st, &t, &gc, &s->issuer, source, notes, err);

	gcs_target_clear(&t);
	return ok;
}

/* An Azure Blob container or a Cloud Storage bucket: the options that are S3's refused, the
 * store opened (credentials, the public-read check), its notes told. */
static bool open_other(pub_site *s, const char *uri, const char *issuer, sao_err *err)
{
	const pub_cfg *cfg = &s->cfg;
	bool az = strncmp(uri, "azblob://", 9) == 0, ok = false;
	const char *source = NULL;
	strlist notes = {0};

	if (cfg->private_ || cfg->create_bucket)
		return err_set(err, "--private and --create-bucket are for s3:// (CloudFront, S3 buckets)");
	if (!az && cfg->endpoint_suffix != NULL)
		return err_set(err, "--endpoint-suffix is for azblob:// (STORAGE_EMULATOR_HOST moves gs://)");
	if (az && cfg->upload.acl != NULL && strcmp(cfg->upload.acl, "none") != 0)
		return err_set(err, "--acl public-read is for s3:// and gs://: an Azure container is public as a "
				    "whole (its access level, or $web)");
	/* IAM's partition, for --register. */
	if (!aws_where_init(&s->where, cfg->region, cfg->fips, cfg->allow_unknown_region, err))
		return false;
	if (az) {
		azblob_target t = {0};
		azblob_cfg ac = {cfg->endpoint_suffix, issuer, cfg->upload.dry_run};

		ok = azblob_parse_uri(uri, &t, err) &&
		     store_azblob_open(&s->st, &t, &ac, &s->issuer, &source, &notes, err);
		azblob_target_clear(&t);
	} else {
		ok = open_gcs(s, uri, issuer, &source, &notes, err);
	}
	for (size_t i = 0; i < notes.n; i++)
		log_note("%s", notes.v[i]);
	strlist_clear(&notes);
	if (!ok)
		return false;
	s->have_creds = strcmp(source, "none") != 0;
	if (!s->have_creds && cfg->revoke != NULL && cfg->revoke->n > 0)
		return err_set(err, REVOKE_DRY_NEEDS_CREDS);
	if (!cfg->upload.dry_run)
		log_info("publishing to %s (credentials from %s)", uri, source);
	return true;
}

pub_site *pub_open(const pub_cfg *cfg, const char *uri, const char *issuer, sao_err *err)
{
	pub_site *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return err_set(err, "out of memory"), NULL;
	s->cfg = *cfg;
	s->s3 = strncmp(uri, "azblob://", 9) != 0 && strncmp(uri, "gs://", 5) != 0;
	if (s->s3 && strncmp(uri, "s3://", 5) != 0) {
		err_set(err,
			"\"%s\" names no store: s3://BUCKET[/PREFIX], azblob://ACCOUNT/CONTAINER[/PREFIX] or "
			"gs://BUCKET[/PREFIX]",
			uri);
		pub_close(s);
		return NULL;
	}
	if (s->s3 ? open_s3(s, uri, issuer, err) : open_other(s, uri, issuer, err))
		return s;
	pub_close(s);
	return NULL;
}

const char *pub_issuer(const pub_site *s)
{
	return s->issuer;
}

const aws_where *pub_where(const pub_site *s)
{
	return &s->where;
}

bool pub_refresh_creds(pub_site *s, sao_err *err)
{
	if (!s->s3)
		return store_refresh(&s->st, err);
	aws_creds_clear(&s->creds);
	return aws_creds_load(&s->creds, &s->where, err);
}

/* The retention merge and the uploads, in rounds: a publisher racing on the same prefix may
 * write the state between our state write and our uploads; then merge its keys in and upload
 * again. Returns the objects uploaded, or -1. */
/* The JWKS of a dry run that cannot read the retention state: the source's alone, said so. */
static bool dry_source_only(const docs *source, const char *state, const char *why, docs *pub, sao_err *err)
{
	log_note("dry run: the retention state (%s) %s%s%s; the JWKS shown is the source's alone", state,
		 why != NULL ? "could not be read (" : "is not read (no credentials)", why != NULL ? why : "",
		 why != NULL ? ")" : "");
	return docs_copy(source, pub, err);
}

/* One round's documents: the source merged with the retention state (or, in a dry run that
 * cannot read it, the source's alone). */
static bool merged_docs(pub_site *s, const docs_cfg *dc, const docs *source, const char *state, docs *pub, char **etag,
			retain_report *rep, sao_err *err)
{
	const pub_cfg *p = &s->cfg;
	bool dry = p->upload.dry_run, blind = dry && !s->have_creds;
	retain_policy pol = {.retain_s = p->retain_s,
			     .revoke = p->revoke,
			     .max_keys = DOCS_MAX_KEYS,
			     .cluster = p->cluster,
			     .retire = p->retire};

	if (blind && p->cluster != NULL)
		return err_set(err,
			       "dry run without credentials: with --cluster the JWKS holds the other clusters' keys, "
			       "which only the retention state (%s) tells; give credentials that can read it",
			       state);
	if (blind)
		return dry_source_only(source, state, NULL, pub, err);
	if (rtn_merge(&s->st, dc, source, &pol, time(NULL), dry, pub, etag, rep, err))
		return true;
	if (!dry || (p->revoke != NULL && p->revoke->n > 0) || p->cluster != NULL)
		return false;
	{
		sao_err why = *err;

		err->msg[0] = '\0';
		retain_report_clear(rep);
		return dry_source_only(source, state, why.msg, pub, err);
	}
}

/* The retention merge and the uploads, in rounds: a publisher racing on the same prefix may
 * write the state between our state write and our uploads; then merge its keys in and upload
 * again. Returns the objects uploaded, or -1. */
static int merge_and_upload(pub_site *s, const docs_cfg *dc, const docs *source, time_t modified[2], size_t *keys,
			    sao_err *err)
{
	bool dry = s->cfg.upload.dry_run;
	char *state = store_name(&s->st, RTN_STATE_PATH);
	int changed = 0;

	if (state == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	for (int round = 0;; round++) {
		retain_report rep = {0};
		docs pub = {0};
		char *etag = NULL;
		bool moved = false, ok = merged_docs(s, dc, source, state, &pub, &etag, &rep, err);
		int r;

		if (ok) {
			if (round == 0)
				rtn_report_log(&rep);
			*keys = docs_key_count(&pub);
		}
		r = ok ? upl_docs(dc, &pub, &s->st, &s->cfg.upload, modified) : 0;
		if (r > 0 && !dry && round < 4)
			ok = rtn_moved(&s->st, etag, &moved, err);
		retain_report_clear(&rep);
		docs_clear(&pub);
		free(etag);
		if (!ok || r < 0) /* err set; or upl_docs logged why */
			changed = -1;
		else
			changed += r;
		if (changed < 0 || !moved)
			break;
		log_info(
		    "another publisher changed the retention state meanwhile: merging its keys and publishing again");
	}
	free(state);
	return changed;
}

bool pub_pass(pub_site *s, const docs_cfg *dc, const docs *source, int *changed, size_t *keys, sao_err *err)
{
	const pub_cfg *p = &s->cfg;
	strlist invalidate = {0};
	time_t modified[2] = {0, 0};
	bool ok = false;

	*changed = 0;
	if ((*changed = merge_and_upload(s, dc, source, modified, keys, err)) < 0)
		goto out;
	for (size_t i = 0; p->private_ && i < 2; i++)
		if (!strlist_add_path(&invalidate, s->t.prefix,
				      i == 0 ? (dc->jwks_path != NULL ? dc->jwks_path : "/keys.json")
					     : "/.well-known/openid-configuration")) {
			err_set(err, "out of memory");
			goto out;
		}
	if (p->private_ && !p->upload.dry_run && !private_finish(p, &s->cf, &s->site, &invalidate, modified, err))
		goto out;
	if (p->private_ && p->upload.dry_run && s->site.dist.id != NULL)
		log_note("would invalidate the documents that changed on distribution %s", s->site.dist.id);
	ok = true;
out:
	strlist_clear(&invalidate);
	return ok;
}

void pub_close(pub_site *s)
{
	if (s == NULL)
		return;
	aws_creds_clear(&s->creds);
	s3_target_clear(&s->t);
	aws_where_clear(&s->where);
	priv_site_clear(&s->site);
	store_close(&s->st);
	free(s->issuer);
	free(s);
}
