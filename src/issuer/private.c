#include "config.h"

#include "issuer/private.h"

#include "util/clock.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_S 2

void priv_site_clear(priv_site *s)
{
	cf_distribution_clear(&s->dist);
	free(s->issuer);
	free(s->gone_domain);
	memset(s, 0, sizeof(*s));
}

static bool dns_name(const char *s)
{
	size_t label = 0, n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

bool priv_check(const priv_cfg *cfg, sao_err *err)
{
	static const char acm[] = "arn:aws:acm:us-east-1:";

	if ((cfg->domain == NULL) != (cfg->certificate_arn == NULL))
		return err_set(err,
			       "--domain and --certificate-arn go together: CloudFront serves a custom domain only "
			       "with a certificate for it");
	if (cfg->domain == NULL)
		return true;
	if (!dns_name(cfg->domain))
		return err_set(err,
			       "--domain \"%.100s\" is not a DNS name (a host such as oidc.example.com: no scheme, "
			       "port or path)",
			       cfg->domain);
	if (strcmp(cfg->partition, "aws") != 0)
		return err_set(err,
			       "--domain: CloudFront in the %s partition takes no ACM certificate; host the custom "
			       "domain on the commercial partition's CloudFront",
			       cfg->partition);
	if (strncmp(cfg->certificate_arn, acm, sizeof(acm) - 1) != 0 ||
	    strstr(cfg->certificate_arn + sizeof(acm) - 1, ":certificate/") == NULL)
		return err_set(err,
			       "--certificate-arn %.200s: CloudFront takes ACM certificates from us-east-1 only "
			       "(arn:aws:acm:us-east-1:ACCOUNT:certificate/ID); request or import the certificate "
			       "for %s there",
			       cfg->certificate_arn, cfg->domain);
	return true;
}

/* A short, stable hex tag of the bucket and prefix (for names with length limits). */
static void tag_of(const priv_cfg *cfg, char out[17])
{
	unsigned char d[32];
	unsigned dl = 0;
	char *s = NULL;

	memset(d, 0, sizeof(d));
	if (asprintf(&s, "%s/%s", cfg->bucket, cfg->prefix) >= 0)
		EVP_Digest(s, strlen(s), d, &dl, EVP_sha256(), NULL);
	free(s);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* How saoidc recognises its distribution: the comment (at most 128 characters). */
static char *comment_of(const priv_cfg *cfg)
{
	char tag[17], *s = NULL;

	tag_of(cfg, tag);
	if (asprintf(&s, "saoidc issuer s3://%s/%s", cfg->bucket, cfg->prefix) < 0)
		return NULL;
	if (strlen(s) > 128) {
		free(s);
		if (asprintf(&s, "saoidc issuer s3://%s %s", cfg->bucket, tag) < 0)
			return NULL;
	}
	return s;
}

static char *oac_name(const priv_cfg *cfg)
{
	char *s = NULL;

	return asprintf(&s, "saoidc-%.56s", cfg->bucket) < 0 ? NULL : s;
}

static char *resource_of(const priv_cfg *cfg)
{
	char *s = NULL;

	return asprintf(&s, "arn:%s:s3:::%s/%s%s*", cfg->partition, cfg->bucket, cfg->prefix,
			cfg->prefix[0] ? "/" : "") < 0
		   ? NULL
		   : s;
}

/* What saoidc calls its things for a bucket and prefix, and finds them by again. */
typedef struct names {
	char *comment;	/* the distribution's */
	char *oac;	/* the origin access control's */
	char *resource; /* the bucket policy statement's */
	char *site;	/* the object remembering the distribution's and OAC's ids */
} names;

static bool names_init(const priv_cfg *cfg, names *n, sao_err *err)
{
	if (asprintf(&n->site, "%s%s" PRIV_SITE_OBJECT, cfg->prefix, cfg->prefix[0] ? "/" : "") < 0)
		n->site = NULL;
	n->comment = comment_of(cfg);
	n->oac = oac_name(cfg);
	n->resource = resource_of(cfg);
	return (n->comment != NULL && n->oac != NULL && n->resource != NULL) || err_set(err, "out of memory");
}

static void names_clear(names *n)
{
	free(n->site);
	free(n->comment);
	free(n->oac);
	free(n->resource);
}

static bool is_saoidc(const cf_distribution *d)
{
	return d->comment != NULL && strncmp(d->comment, "saoidc issuer s3://", 19) == 0;
}

/* The policy with saoidc's statement for this prefix set to `want` (NULL: removed). Statements
 * are saoidc's when their Sid starts with SaoidcCloudFront and their Resource is this prefix's;
 * every other statement stays as it is. *changed tells whether anything differs; *out is the new
 * policy (NULL when no statement is left). */
static bool merge_policy(const char *current, const char *resource, json_t *want, char **out, bool *changed,
			 sao_err *err)
{
	json_t *doc =
	    current != NULL ? json_loads(current, 0, NULL) : json_pack("{s:s, s:[]}", "Version", "2012-10-17");
	json_t *st = json_object_get(doc, "Statement"), *kept;
	bool had = false;

	*out = NULL;
	*changed = false;
	if (doc == NULL || (current != NULL && !json_is_array(st) && !json_is_object(st))) {
		json_decref(doc);
		return err_set(err, "the bucket's policy is not a JSON policy document; saoidc will not rewrite it");
	}
	if (json_is_object(st)) { /* a single statement may stand alone */
		json_t *a = json_array();

		json_array_append(a, st);
		json_object_set_new(doc, "Statement", a);
		st = a;
	}
	kept = json_array();
	for (size_t i = 0; i < json_array_size(st); i++) {
		json_t *s = json_array_get(st, i);
		const char *sid = json_string_value(json_object_get(s, "Sid"));
		const char *res = json_string_value(json_object_get(s, "Resource"));

		if (sid != NULL && strncmp(sid, "SaoidcCloudFront", 16) == 0 && res != NULL &&
		    strcmp(res, resource) == 0) {
			had = true;
			if (want != NULL && json_equal(s, want))
				json_array_append(kept, s);
			else
				*changed = true;
			continue;
		}
		json_array_append(kept, s);
	}
	if (want != NULL && (!had || *changed)) {
		json_array_append(kept, want);
		*changed = true;
	}
	json_object_set_new(doc, "Statement", kept);
	if (*changed && json_array_size(kept) > 0 &&
	    (*out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		json_decref(doc);
		return err_set(err, "out of memory");
	}
	json_decref(doc);
	return true;
}

static json_t *statement_for(const priv_cfg *cfg, const char *resource, const char *dist_arn)
{
	char tag[17], sid[40];

	tag_of(cfg, tag);
	snprintf(sid, sizeof(sid), "SaoidcCloudFront%s", tag);
	return json_pack("{s:s, s:s, s:{s:s}, s:s, s:s, s:{s:{s:s}}}", "Sid", sid, "Effect", "Allow", "Principal",
			 "Service", "cloudfront.amazonaws.com", "Action", "s3:GetObject", "Resource", resource,
			 "Condition", "StringEquals", "AWS:SourceArn", dist_arn);
}

/* The bucket, private: created when asked and missing, then Block Public Access on and ACLs
 * disabled, each written only when needed (with dry_run, only said). Reads come first. */
static bool private_bucket(const priv_cfg *cfg, const bucket_client *b, bool exists, sao_err *err)
{
	bool blocked = false, enforced = false;

	if (!exists && !cfg->create_bucket)
		return err_set(err, "bucket %s does not exist: create it, or add --create-bucket", cfg->bucket);
	if (exists && (!bucket_public_access_blocked(b, &blocked, err) || !bucket_owner_enforced(b, &enforced, err)))
		return false;
	if (!exists) {
		cfg->note("%s bucket %s (private)", cfg->dry_run ? "would create" : "creating", cfg->bucket);
		if (!cfg->dry_run && !bucket_create(b, err))
			return false;
	}
	if (!blocked) {
		cfg->note("%s Block Public Access (all four settings) on bucket %s",
			  cfg->dry_run ? "would turn on" : "turning on", cfg->bucket);
		if (!cfg->dry_run && !bucket_block_public_access(b, true, true, err))
			return false;
	}
	if (!enforced) {
		cfg->note("%s Object Ownership BucketOwnerEnforced (ACLs disabled) on bucket %s",
			  cfg->dry_run ? "would set" : "setting", cfg->bucket);
		if (!cfg->dry_run && !bucket_set_ownership(b, "BucketOwnerEnforced", err))
			return false;
	}
	return true;
}

/* The ids a previous run remembered, checked with one GET each: *hit when the distribution is
 * still ours and the OAC still there (a re-run then lists nothing, whatever the account's size). */
static bool recall(const bucket_client *b, const cf_client *cf, const names *nm, cf_distribution *d, char **oac_id,
		   bool *hit, char **gone, sao_err *err)
{
	char *body = NULL, *etag = NULL;
	size_t len = 0;
	bool found = false, dist_ok = false, oac_ok = false, ok = true;
	json_t *j = NULL;
	const char *did, *oid;

	*hit = false;
	if (!bucket_object_get(b, nm->site, &body, &len, &etag, &found, err))
		return false;
	if (found && (j = json_loadb(body != NULL ? body : "", len, 0, NULL)) != NULL &&
	    (did = json_string_value(json_object_get(j, "distribution"))) != NULL &&
	    (oid = json_string_value(json_object_get(j, "origin_access_control"))) != NULL) {
		ok = cf_lookup_distribution(cf, did, d, &dist_ok, err) &&
		     (!dist_ok || cf_oac_exists(cf, oid, &oac_ok, err));
		/* the distribution that served the issuer is gone: whatever is made now has another domain */
		if (ok && !dist_ok) {
			const char *dom = json_string_value(json_object_get(j, "domain"));

			if (asprintf(gone, "%s%s", dom != NULL ? dom : "distribution ", dom != NULL ? "" : did) < 0)
				*gone = NULL;
		}
		dist_ok = ok && dist_ok && d->comment != NULL && strcmp(d->comment, nm->comment) == 0;
		if (ok && dist_ok && oac_ok && (*oac_id = strdup(oid)) != NULL)
			*hit = true;
		else if (ok)
			cf_distribution_clear(d);
	}
	json_decref(j);
	free(body);
	free(etag);
	return ok;
}

/* Writes the ids down next to the documents for the next run (only when they changed). */
static bool remember(const bucket_client *b, const names *nm, const cf_distribution *dist, const char *oac_id,
		     sao_err *err)
{
	char *doc = NULL, *have = NULL, *etag = NULL;
	size_t len = 0;
	bool lost = false, found = false, ok;

	if (asprintf(&doc, "{\"distribution\":\"%s\",\"origin_access_control\":\"%s\",\"domain\":\"%s\"}\n", dist->id,
		     oac_id, dist->domain != NULL ? dist->domain : "") < 0)
		return err_set(err, "out of memory");
	ok = bucket_object_get(b, nm->site, &have, &len, &etag, &found, err) &&
	     ((found && have != NULL && strcmp(have, doc) == 0) ||
	      bucket_object_put_if(b, nm->site, doc, "application/json", found ? etag : NULL, &lost, err));
	free(doc);
	free(have);
	free(etag);
	return ok; /* a lost race: another publisher wrote the same site down */
}

/* Without remembered ids: every distribution and OAC of the account, read to find ours and to
 * refuse, before any write, a bucket that a distribution saoidc did not make already serves. */
static bool survey(const priv_cfg *cfg, const cf_client *cf, const names *nm, cf_distribution **all, size_t *n,
		   cf_distribution **ours, char **oac_id, sao_err *err)
{
	cf_distribution *foreign = NULL;

	/* Slow in a large account (100 a page): said first, and the count after. */
	cfg->note("reading the account's CloudFront distributions and origin access controls (no distribution "
		  "remembered for this prefix)");
	if (!cf_list_distributions(cf, all, n, err) || !cf_find_oac(cf, nm->oac, oac_id, err))
		return false;
	cfg->note("%zu distribution%s read", *n, *n == 1 ? "" : "s");
	for (size_t i = 0; i < *n; i++) {
		if ((*all)[i].comment != NULL && strcmp((*all)[i].comment, nm->comment) == 0)
			*ours = &(*all)[i];
		else if (!is_saoidc(&(*all)[i]) && strlist_has(&(*all)[i].origins, cfg->origin_domain))
			foreign = &(*all)[i];
	}
	if (*ours == NULL && foreign != NULL)
		return err_set(
		    err,
		    "CloudFront distribution %s (%s) already serves bucket %s, and saoidc did not make it, so "
		    "saoidc leaves it alone. Either give that distribution an origin access control and publish with "
		    "--acl none --issuer https://%s%s%s, or remove it and run again",
		    foreign->id, foreign->domain, cfg->bucket, foreign->domain, cfg->prefix[0] ? "/" : "", cfg->prefix);
	return true;
}

bool priv_ensure(const priv_cfg *cfg, const bucket_client *b, const cf_client *cf, priv_site *out, sao_err *err)
{
	cf_distribution *all = NULL, *ours = NULL, mem = {0};
	size_t n = 0;
	names nm = {0};
	char *oac_id = NULL;
	char *policy = NULL, *merged = NULL, ref[64];
	bool exists = false, changed = false, ok = false, hit = false;
	json_t *want = NULL;

	memset(out, 0, sizeof(*out));
	if (!names_init(cfg, &nm, err))
		goto out;
	/* Read everything first: a refusal must come before the first write. What a previous run
	 * remembered is checked first; only without it (or when it is gone) is the account listed. */
	if (!bucket_exists(b, &exists, err) ||
	    (exists && !recall(b, cf, &nm, &mem, &oac_id, &hit, &out->gone_domain, err)))
		goto out;
	if (hit)
		ours = &mem;
	else if (!survey(cfg, cf, &nm, &all, &n, &ours, &oac_id, err))
		goto out;
	if (ours != NULL && cfg->domain != NULL && !strlist_has(&ours->aliases, cfg->domain)) {
		err_set(err,
			"CloudFront distribution %s serves this issuer without the alias %s; saoidc does not change "
			"the domain of a live issuer (every token's iss would change): run saoidc unpublish first",
			ours->id, cfg->domain);
		goto out;
	}
	if (!private_bucket(cfg, b, exists, err))
		goto out;
	if (oac_id == NULL) {
		cfg->note("%s origin access control %s", cfg->dry_run ? "would create" : "creating", nm.oac);
		if (!cfg->dry_run && !cf_create_oac(cf, nm.oac, &oac_id, err))
			goto out;
	} else {
		cfg->note("origin access control %s (%s)", nm.oac, oac_id);
	}
	if (ours != NULL) {
		out->dist = *ours;
		memset(ours, 0, sizeof(*ours));
		cfg->note("distribution %s (%s): %s", out->dist.id, out->dist.domain, out->dist.status);
	} else if (cfg->dry_run) {
		cfg->note("would create a CloudFront distribution for s3://%s/%s%s%s", cfg->bucket, cfg->prefix,
			  cfg->domain ? " with alias " : "", cfg->domain ? cfg->domain : "");
	} else {
		cf_want w = {nm.comment, ref, cfg->origin_domain, oac_id, cfg->domain, cfg->certificate_arn};
		char tag[17];

		/* Unique per issuer and time: CloudFront refuses a reference used before. */
		tag_of(cfg, tag);
		snprintf(ref, sizeof(ref), "saoidc-%s-%ld", tag, (long)time(NULL));
		if (!cf_create_distribution(cf, &w, &out->dist, err))
			goto out;
		out->created = true;
		cfg->note("created distribution %s (%s); a new distribution takes minutes to deploy", out->dist.id,
			  out->dist.domain);
	}
	if (out->dist.arn != NULL) {
		if ((want = statement_for(cfg, nm.resource, out->dist.arn)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		if (!bucket_policy_get(b, &policy, err) ||
		    !merge_policy(policy, nm.resource, want, &merged, &changed, err))
			goto out;
		if (changed) {
			cfg->note("%s the bucket policy statement letting distribution %s read %s",
				  cfg->dry_run ? "would add" : "adding", out->dist.id, nm.resource);
			if (!cfg->dry_run && !bucket_policy_put(b, merged, err))
				goto out;
		}
	}
	{
		const char *host = cfg->domain != NULL	      ? cfg->domain
				   : out->dist.domain != NULL ? out->dist.domain
							      : NULL;

		if (asprintf(&out->issuer, "https://%s%s%s", host != NULL ? host : "NEW-DISTRIBUTION.cloudfront.net",
			     cfg->prefix[0] ? "/" : "", cfg->prefix) < 0) {
			out->issuer = NULL;
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (!cfg->dry_run && !hit && out->dist.id != NULL && oac_id != NULL &&
	    !remember(b, &nm, &out->dist, oac_id, err))
		goto out;
	ok = true;
out:
	cf_distributions_free(all, n);
	cf_distribution_clear(&mem);
	names_clear(&nm);
	free(oac_id);
	free(policy);
	free(merged);
	json_decref(want);
	if (!ok)
		priv_site_clear(out);
	return ok;
}

/* Polls `status` every POLL_S until it says `want`, with progress through note ("what: busy...",
 * then "what: done"); at most timeout_s. */
typedef bool (*status_fn)(const cf_client *cf, const char *a, const char *b, char **status, sao_err *err);

static bool poll_status(const cf_client *cf, status_fn status, const char *a, const char *b, const char *want,
			const char *what, const char *busy, const char *done_word, unsigned timeout_s,
			priv_note_fn note, sao_err *err)
{
	long start = clock_mono_ms();

	for (;;) {
		char *now = NULL;
		bool done;
		long secs;

		if (!status(cf, a, b, &now, err))
			return false;
		done = strcmp(now, want) == 0;
		free(now);
		secs = (clock_mono_ms() - start) / 1000;
		if (done) {
			note("%s %s (%lds)", what, done_word, secs);
			return true;
		}
		if (secs >= (long)timeout_s)
			return err_set(err, "%s still %s after %us; run again later (nothing is lost)", what, busy,
				       timeout_s);
		note("%s: %s... (%lds)", what, busy, secs);
		sleep(POLL_S);
	}
}

static bool distribution_status(const cf_client *cf, const char *id, const char *unused, char **status, sao_err *err)
{
	cf_distribution d;

	(void)unused;
	if (!cf_get_distribution(cf, id, &d, err))
		return false;
	*status = d.status;
	d.status = NULL;
	cf_distribution_clear(&d);
	return true;
}

bool priv_wait_deployed(const cf_client *cf, const char *id, unsigned timeout_s, priv_note_fn note, sao_err *err)
{
	char what[96];

	snprintf(what, sizeof(what), "distribution %s", id);
	return poll_status(cf, distribution_status, id, NULL, "Deployed", what, "deploying", "deployed", timeout_s,
			   note, err);
}

bool priv_wait_invalidated(const cf_client *cf, const char *dist_id, const char *inv_id, unsigned timeout_s,
			   priv_note_fn note, sao_err *err)
{
	char what[96];

	snprintf(what, sizeof(what), "invalidation %s", inv_id);
	return poll_status(cf, cf_invalidation_status, dist_id, inv_id, "Completed", what, "in progress", "completed",
			   timeout_s, note, err);
}

bool priv_teardown(const priv_cfg *cfg, const bucket_client *b, const cf_client *cf, const strlist *keys,
		   unsigned timeout_s, sao_err *err)
{
	cf_distribution *all = NULL;
	size_t n = 0;
	names nm = {0};
	char *oac_id = NULL;
	char *policy = NULL, *merged = NULL;
	const cf_distribution *ours = NULL;
	bool others = false, changed = false, ok = false;

	if (!names_init(cfg, &nm, err))
		goto out;
	if (!cf_list_distributions(cf, &all, &n, err) || !cf_find_oac(cf, nm.oac, &oac_id, err))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *mine = NULL;

		if (all[i].comment != NULL && strcmp(all[i].comment, nm.comment) == 0)
			ours = &all[i];
		else if (asprintf(&mine, "saoidc issuer s3://%s", cfg->bucket) >= 0 && all[i].comment != NULL &&
			 strncmp(all[i].comment, mine, strlen(mine)) == 0 &&
			 (all[i].comment[strlen(mine)] == '/' || all[i].comment[strlen(mine)] == ' '))
			others = true;
		free(mine);
	}
	if (ours != NULL) {
		if (ours->enabled) {
			cfg->note("%s distribution %s", cfg->dry_run ? "would disable" : "disabling", ours->id);
			if (!cfg->dry_run && !cf_disable_distribution(cf, ours->id, err))
				goto out;
		}
		if (!cfg->dry_run && !priv_wait_deployed(cf, ours->id, timeout_s, cfg->note, err))
			goto out;
		cfg->note("%s distribution %s", cfg->dry_run ? "would delete" : "deleting", ours->id);
		if (!cfg->dry_run && !cf_delete_distribution(cf, ours->id, err))
			goto out;
	} else {
		cfg->note("no distribution of saoidc's for s3://%s/%s", cfg->bucket, cfg->prefix);
	}
	if (oac_id != NULL && !others) {
		cfg->note("%s origin access control %s", cfg->dry_run ? "would delete" : "deleting", nm.oac);
		if (!cfg->dry_run && !cf_delete_oac(cf, oac_id, err))
			goto out;
	}
	for (size_t i = 0; i < keys->n; i++) {
		cfg->note("%s s3://%s/%s", cfg->dry_run ? "would delete" : "deleting", cfg->bucket, keys->v[i]);
		if (!cfg->dry_run && !bucket_object_delete(b, keys->v[i], err))
			goto out;
	}
	if (!bucket_policy_get(b, &policy, err))
		goto out;
	if (policy != NULL && !merge_policy(policy, nm.resource, NULL, &merged, &changed, err))
		goto out;
	if (changed) {
		cfg->note("%s saoidc's statement from the bucket policy%s", cfg->dry_run ? "would remove" : "removing",
			  merged == NULL ? " (no statement is left: the policy is deleted)" : "");
		if (!cfg->dry_run && !bucket_policy_put(b, merged, err))
			goto out;
	}
	ok = true;
out:
	cf_distributions_free(all, n);
	names_clear(&nm);
	free(oac_id);
	free(policy);
	free(merged);
	return ok;
}
