#include "config.h"

#include "issuer/unpublish.h"

#include "aws/bucket.h"
#include "aws/cloudfront.h"
#include "aws/creds.h"
#include "aws/iam.h"
#include "aws/iam_role.h"
#include "aws/s3.h"
#include "issuer/private.h"
#include "issuer/retention.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

/* With --deregister: the provider of the issuer (NULL in *arn when there is none) and that no
 * role trusts it. */
static bool deregister_check(const unpub_cfg *c, const iam_client *iam, const char *issuer, char **arn, sao_err *err)
{
	strlist ids = {0}, thumbs = {0}, roles = {0};
	bool found = false, ok = false;

	*arn = NULL;
	if (!iam_oidc_find(issuer, iam, &found, arn, &ids, &thumbs, err))
		goto out;
	if (!found) {
		log_warn("--deregister: IAM has no OpenID Connect provider for %s: nothing to deregister (for a "
			 "--private issuer, or one published under another name, give --issuer with its URL)",
			 issuer);
		ok = true;
		goto out;
	}
	if (!iam_roles_trusting(*arn, iam, &roles, err))
		goto out;
	if (roles.n > 0) {
		char list[1024];
		size_t used = 0;

		/* The first roles by name, then how many more: the message stays one readable line. */
		list[0] = '\0';
		for (size_t i = 0; i < roles.n && used < sizeof(list); i++) {
			int w = i < 8
				    ? snprintf(list + used, sizeof(list) - used, "%s%s", i > 0 ? ", " : "", roles.v[i])
				    : snprintf(list + used, sizeof(list) - used, " and %zu more", roles.n - i);

			used += w > 0 ? (size_t)w : 0;
			if (i >= 8)
				break;
		}
		err_set(err,
			"--deregister: %zu role%s still trust%s %s: %s. Deleting the provider would break them; "
			"change their trust policies (or delete them) first, or unpublish without --deregister. "
			"Nothing was removed",
			roles.n, roles.n == 1 ? "" : "s", roles.n == 1 ? "s" : "", *arn, list);
		goto out;
	}
	log_note("%s the IAM OpenID Connect provider %s (no role trusts it) after the documents",
		 c->dry_run ? "would delete" : "will delete", *arn);
	ok = true;
out:
	if (!ok) {
		free(*arn);
		*arn = NULL;
	}
	strlist_clear(&ids);
	strlist_clear(&thumbs);
	strlist_clear(&roles);
	return ok;
}

bool unpub_run(const unpub_cfg *c, sao_err *err)
{
	s3_target t = {0};
	aws_where where = {0};
	aws_creds creds = {0};
	aws_endpoint s3ep, s3plain;
	cf_client cf = {0};
	iam_client iam;
	strlist keys = {0};
	char *k1 = NULL, *k2 = NULL, *k3 = NULL, *k4 = NULL, *issuer = NULL, *arn = NULL;
	bool ok = false;

	if (!s3_parse_uri(c->uri, &t, err) || !aws_where_init(&where, c->region, false, c->allow_unknown_region, err))
		goto out;
	if (where.region == NULL) {
		err_set(err, "no region: give --region or set AWS_REGION (the bucket's region)");
		goto out;
	}
	if (!aws_endpoint_resolve(AWS_S3, where.region, &where.ep, &s3ep, err) ||
	    !aws_endpoint_resolve(AWS_S3, where.region, NULL, &s3plain, err) ||
	    !aws_endpoint_resolve(AWS_CLOUDFRONT, where.region, &where.ep, &cf.ep, err))
		goto out;
	k1 = s3_object_key(&t, c->jwks_path != NULL ? c->jwks_path : "/keys.json");
	k2 = s3_object_key(&t, "/.well-known/openid-configuration");
	k3 = s3_object_key(&t, RTN_STATE_PATH);
	k4 = s3_object_key(&t, "/" PRIV_SITE_OBJECT);
	if (k1 == NULL || k2 == NULL || k3 == NULL || k4 == NULL || !strlist_add(&keys, k1) ||
	    !strlist_add(&keys, k2) || !strlist_add(&keys, k3) || !strlist_add(&keys, k4)) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!aws_creds_load(&creds, &where, err))
		goto out;
	cf.creds = &creds;
	if (c->deregister) {
		issuer = c->issuer != NULL ? strdup(c->issuer) : s3_issuer_url(&t, &s3plain, err);
		if (issuer == NULL) {
			if (err->msg[0] == '\0')
				err_set(err, "out of memory");
			goto out;
		}
		if (!iam_client_init(&iam, &creds, &where, err) || !deregister_check(c, &iam, issuer, &arn, err))
			goto out;
	}
	{
		bucket_client bc = {&creds, s3ep, t.bucket};
		priv_cfg pc = {t.bucket, t.prefix, NULL, where.partition->id, NULL, NULL, false, c->dry_run, log_note};

		if (!priv_teardown(&pc, &bc, &cf, &keys, c->wait_timeout_s, err))
			goto out;
	}
	if (arn != NULL && !iam_oidc_delete(arn, &iam, c->dry_run, log_note, err))
		goto out;
	log_info("%s s3://%s/%s", c->dry_run ? "would unpublish" : "unpublished", t.bucket, t.prefix);
	ok = true;
out:
	free(k1);
	free(k2);
	free(k3);
	free(k4);
	free(issuer);
	free(arn);
	strlist_clear(&keys);
	aws_creds_clear(&creds);
	aws_where_clear(&where);
	s3_target_clear(&t);
	return ok;
}
