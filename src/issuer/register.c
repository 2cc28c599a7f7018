#include "config.h"

#include "issuer/register.h"

#include "aws/iam.h"
#include "issuer/thumbprints.h"
#include "util/log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reg_opts_clear(reg_opts *r)
{
	strlist_clear(&r->client_ids);
	strlist_clear(&r->thumbprints);
	strlist_clear(&r->tag_keys);
	strlist_clear(&r->tag_values);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

bool reg_run(const char *issuer, const reg_opts *r, const aws_where *where, char **arn, sao_err *err)
{
	iam_want w = {.issuer = issuer, .manage_thumbprints = true, .prune_client_ids = r->prune};
	strlist live = {0}, hosts = {0};
	aws_creds creds = {0};
	iam_client iam;
	bool want_auto = r->thumbprints.n == 0, want_none = false, ok = false;

	*arn = NULL;
	for (size_t i = 0; i < r->thumbprints.n; i++) {
		if (strcmp(r->thumbprints.v[i], "auto") == 0)
			want_auto = true;
		else if (strcmp(r->thumbprints.v[i], "none") == 0)
			want_none = true;
	}
	if (want_none && (want_auto || r->thumbprints.n > 1)) {
		err_set(err, "--thumbprint none cannot be combined with other thumbprints");
		goto out;
	}
	for (size_t i = 0; i < r->client_ids.n; i++)
		if (!strlist_add(&w.client_ids, r->client_ids.v[i]))
			goto oom;
	if (w.client_ids.n == 0 && !strlist_add(&w.client_ids, "sts.amazonaws.com"))
		goto oom;
	for (size_t i = 0; i < r->thumbprints.n; i++) {
		char *t;

		if (strcmp(r->thumbprints.v[i], "auto") == 0 || strcmp(r->thumbprints.v[i], "none") == 0)
			continue;
		if ((t = strdup(r->thumbprints.v[i])) == NULL)
			goto oom;
		lower(t);
		if (!strlist_has(&w.thumbprints, t) && !strlist_add(&w.thumbprints, t)) {
			free(t);
			goto oom;
		}
		free(t);
	}
	for (size_t i = 0; i < r->tag_keys.n; i++)
		if (!strlist_add(&w.tag_keys, r->tag_keys.v[i]) || !strlist_add(&w.tag_values, r->tag_values.v[i]))
			goto oom;
	w.manage_thumbprints = !want_none;
	/* Everything IAM would refuse is refused here, before any network call. */
	if (!iam_check_want(&w, err))
		goto out;
	{
		/* IAM keeps the URL as given, STS compares a token's iss with it byte for byte, and
		 * kube-apiserver writes iss as configured: an upper-case host is legal but easily
		 * mismatched (a DNS name is case-insensitive, these comparisons are not). */
		const char *h = strncmp(issuer, "https://", 8) == 0 ? issuer + 8 : issuer;
		size_t hl = strcspn(h, "/");

		for (size_t i = 0; i < hl; i++)
			if (isupper((unsigned char)h[i])) {
				log_warn(
				    "the issuer's host %.*s has upper-case letters: STS compares the token's iss with "
				    "the provider URL byte for byte, so the API server's --service-account-issuer must "
				    "be "
				    "written exactly so (usually it is lower case)",
				    (int)hl, h);
				break;
			}
	}
	if (want_auto || w.thumbprints.n > 0) {
		sao_err terr = {""};
		bool discovered = false;

		if (issuer_thumbprints(issuer, &r->tls, &live, &hosts, &discovered, &terr)) {
			if (!discovered)
				log_warn("could not read the discovery document: thumbprint of the issuer's host only");
			for (size_t i = 0; i < live.n; i++)
				log_info("thumbprint of the chain served now: %s (hosts: %s%s%s)", live.v[i],
					 hosts.v[0], hosts.n > 1 ? ", " : "", hosts.n > 1 ? hosts.v[1] : "");
			for (size_t i = 0; i < hosts.n; i++)
				if (strstr(hosts.v[i], THUMB_LEAF) != NULL)
					log_warn("%s: %s", hosts.v[i], THUMB_LEAF_WARNING);
		} else if (want_auto) {
			*err = terr;
			err_prefix(err, "cannot compute the thumbprint (--thumbprint auto): ");
			goto out;
		} else {
			log_warn("cannot check the pinned thumbprints against the live chain: %s", terr.msg);
		}
		for (size_t i = 0; !want_auto && i < w.thumbprints.n && live.n > 0; i++)
			if (!strlist_has(&live, w.thumbprints.v[i]))
				log_warn(
				    "pinned thumbprint %s does not match the chain served now (%s): STS will refuse "
				    "tokens once IAM checks it (a CA change, like Let's Encrypt's in 2024, does this)",
				    w.thumbprints.v[i], live.v[0]);
		for (size_t i = 0; want_auto && i < live.n; i++)
			if (!strlist_has(&w.thumbprints, live.v[i]) && !strlist_add(&w.thumbprints, live.v[i]))
				goto oom;
	}
	if (!iam_check_want(&w, err) || !iam_client_init(&iam, NULL, where, err))
		goto out;
	if (where->region == NULL)
		log_info("no region given: IAM of the commercial partition (aws, %s); give --region or AWS_REGION "
			 "for GovCloud, China or another partition",
			 iam.ep.host);
	if (!aws_creds_load(&creds, where, err))
		goto out;
	iam.creds = &creds;
	ok = iam_oidc_ensure(&w, &iam, r->dry_run, log_note, arn, err);
	goto out;
oom:
	err_set(err, "out of memory");
out:
	aws_creds_clear(&creds);
	strlist_clear(&w.client_ids);
	strlist_clear(&w.thumbprints);
	strlist_clear(&w.tag_keys);
	strlist_clear(&w.tag_values);
	strlist_clear(&live);
	strlist_clear(&hosts);
	return ok;
}
