#include "config.h"

#include "aws/iam.h"

#include "aws/xml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_hex40(const char *s)
{
	if (strlen(s) != 40)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

bool iam_check_want(const iam_want *w, sao_err *err)
{
	const char *host = w->issuer + 8;

	if (strncmp(w->issuer, "https://", 8) != 0)
		return err_set(err, "IAM needs an https:// issuer, not \"%s\"", w->issuer);
	if (strlen(w->issuer) > 255)
		return err_set(err, "issuer is %zu characters; IAM accepts at most 255", strlen(w->issuer));
	if (strpbrk(w->issuer, "?#") != NULL)
		return err_set(err, "issuer \"%s\" has a query or fragment; IAM refuses it", w->issuer);
	{
		size_t hl = strcspn(host, "/");
		const char *colon = memchr(host, ':', hl);

		if (hl == 0)
			return err_set(err, "issuer \"%s\" has no host", w->issuer);
		if (colon != NULL)
			return err_set(err, "issuer \"%s\" has a port; IAM providers cannot have one (serve on 443)",
				       w->issuer);
	}
	if (w->issuer[strlen(w->issuer) - 1] == '/')
		return err_set(err,
			       "issuer \"%s\" ends with a slash: remove it (it must equal the token's iss byte for "
			       "byte)",
			       w->issuer);
	if (w->client_ids.n == 0 || w->client_ids.n > 100)
		return err_set(err, "give 1 to 100 client IDs (audiences), not %zu", w->client_ids.n);
	if (w->thumbprints.n > 5)
		return err_set(err, "IAM keeps at most 5 thumbprints, not %zu", w->thumbprints.n);
	for (size_t i = 0; i < w->thumbprints.n; i++)
		if (!is_hex40(w->thumbprints.v[i]))
			return err_set(err, "thumbprint \"%s\" is not 40 hex digits (a SHA-1)", w->thumbprints.v[i]);
	for (size_t i = 0; i < w->tag_keys.n; i++)
		if (w->tag_keys.v[i][0] == '\0' || strlen(w->tag_keys.v[i]) > 128 || strlen(w->tag_values.v[i]) > 256)
			return err_set(err, "tag \"%s\": keys are 1 to 128 characters, values up to 256",
				       w->tag_keys.v[i]);
	return true;
}

typedef struct provider {
	char *arn;
	strlist client_ids, thumbprints, tag_keys, tag_values;
} provider;

static void provider_clear(provider *p)
{
	free(p->arn);
	strlist_clear(&p->client_ids);
	strlist_clear(&p->thumbprints);
	strlist_clear(&p->tag_keys);
	strlist_clear(&p->tag_values);
	memset(p, 0, sizeof(*p));
}

bool iam_oidc_list(const iam_client *iam, strlist *arns, sao_err *err)
{
	aws_response r = {0};
	bool ok = iam_call("ListOpenIDConnectProviders", NULL, iam, &r, err);

	if (ok && !(ok = aws_xml_members(r.body, r.body_len, "OpenIDConnectProviderList", "Arn", arns)))
		err_set(err, "IAM ListOpenIDConnectProviders: unreadable answer");
	aws_response_clear(&r);
	return ok;
}

/* Lists the providers and gets the one whose ARN names the issuer, checking its Url. Returns 1
 * found (p filled), 0 none, -1 error. */
static int find_provider(const char *issuer, const iam_client *iam, provider *p, sao_err *err)
{
	aws_response r = {0};
	strlist arns = {0};
	int ret = -1;
	const char *bare = strncmp(issuer, "https://", 8) == 0 ? issuer + 8 : issuer;

	memset(p, 0, sizeof(*p));
	if (!iam_oidc_list(iam, &arns, err))
		goto out;
	ret = 0;
	/* A provider's ARN ends with its URL without the scheme (IAM builds it so): the one to read
	 * is known from the list, and an account of many providers costs one Get, not one each. */
	for (size_t i = 0; i < arns.n; i++) {
		iam_form f = {0};
		const char *res = strstr(arns.v[i], ":oidc-provider/");
		char *url;

		if (res == NULL || strcmp(res + strlen(":oidc-provider/"), bare) != 0)
			continue;

		iam_form_add(&f, "OpenIDConnectProviderArn", arns.v[i]);
		if (!iam_call("GetOpenIDConnectProvider", &f, iam, &r, err)) {
			free(f.s);
			ret = -1;
			goto out;
		}
		free(f.s);
		url = aws_xml_text(r.body, r.body_len, "Url");
		/* IAM returns the URL without its scheme. */
		if (url != NULL && (strcmp(url, bare) == 0 || strcmp(url, issuer) == 0)) {
			free(url);
			p->arn = strdup(arns.v[i]);
			if (p->arn == NULL ||
			    !aws_xml_members(r.body, r.body_len, "ClientIDList", NULL, &p->client_ids) ||
			    !aws_xml_members(r.body, r.body_len, "ThumbprintList", NULL, &p->thumbprints) ||
			    !aws_xml_members(r.body, r.body_len, "Tags", "Key", &p->tag_keys) ||
			    !aws_xml_members(r.body, r.body_len, "Tags", "Value", &p->tag_values)) {
				/* empty lists make aws_xml_members return true; false means an unreadable body */
				err_set(err, "IAM GetOpenIDConnectProvider: unreadable answer");
				ret = -1;
				goto out;
			}
			ret = 1;
			goto out;
		}
		free(url);
		aws_response_clear(&r);
	}
out:
	if (ret < 0)
		provider_clear(p);
	aws_response_clear(&r);
	strlist_clear(&arns);
	return ret;
}

bool iam_oidc_find(const char *issuer, const iam_client *iam, bool *found, char **arn, strlist *client_ids,
		   strlist *thumbprints, sao_err *err)
{
	provider p;
	int r = find_provider(issuer, iam, &p, err);

	*found = r > 0;
	if (r > 0) {
		*arn = p.arn;
		*client_ids = p.client_ids;
		*thumbprints = p.thumbprints;
		p.arn = NULL;
		memset(&p.client_ids, 0, sizeof(p.client_ids));
		memset(&p.thumbprints, 0, sizeof(p.thumbprints));
		provider_clear(&p);
	}
	return r >= 0;
}

static const char *tag_value(const strlist *keys, const strlist *values, const char *k)
{
	for (size_t i = 0; i < keys->n && i < values->n; i++)
		if (strcmp(keys->v[i], k) == 0)
			return values->v[i];
	return NULL;
}

static bool same_set(const strlist *a, const strlist *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strlist_has(b, a->v[i]))
			return false;
	for (size_t i = 0; i < b->n; i++)
		if (!strlist_has(a, b->v[i]))
			return false;
	return true;
}

/* Client IDs (audiences): the plan first (removals first, only with prune_client_ids; the
 * others kept and said so), then the additions, then the removals: at no moment does the
 * provider lack an audience that is to stay. */
static bool client_ids_ensure(const iam_want *w, const provider *p, const iam_client *iam, bool dry_run,
			      iam_note_fn note, sao_err *err)
{
	for (size_t i = 0; i < p->client_ids.n; i++)
		if (!strlist_has(&w->client_ids, p->client_ids.v[i])) {
			if (w->prune_client_ids)
				note("client ID %s: to be removed (--prune): tokens with this audience stop working",
				     p->client_ids.v[i]);
			else
				note("client ID %s: kept (not given; --prune would remove it)", p->client_ids.v[i]);
		}
	for (size_t i = 0; i < w->client_ids.n; i++)
		if (!strlist_has(&p->client_ids, w->client_ids.v[i]))
			note("client ID %s: to be added", w->client_ids.v[i]);
	for (size_t i = 0; i < w->client_ids.n; i++) {
		if (!strlist_has(&p->client_ids, w->client_ids.v[i])) {
			iam_form f = {0};

			iam_form_add(&f, "OpenIDConnectProviderArn", p->arn);
			iam_form_add(&f, "ClientID", w->client_ids.v[i]);
			if (!iam_write_call("AddClientIDToOpenIDConnectProvider", &f, iam, dry_run, note,
					    w->client_ids.v[i], err))
				return false;
		}
	}
	for (size_t i = 0; w->prune_client_ids && i < p->client_ids.n; i++) {
		if (!strlist_has(&w->client_ids, p->client_ids.v[i])) {
			iam_form f = {0};

			iam_form_add(&f, "OpenIDConnectProviderArn", p->arn);
			iam_form_add(&f, "ClientID", p->client_ids.v[i]);
			if (!iam_write_call("RemoveClientIDFromOpenIDConnectProvider", &f, iam, dry_run, note,
					    p->client_ids.v[i], err))
				return false;
		}
	}
	return true;
}

bool iam_oidc_ensure(const iam_want *w, const iam_client *iam, bool dry_run, iam_note_fn note, char **arn, sao_err *err)
{
	provider p;
	int found;
	bool ok = false;

	*arn = NULL;
	if (!iam_check_want(w, err))
		return false;
	found = find_provider(w->issuer, iam, &p, err);
	if (found < 0)
		return false;
	if (found == 0) {
		iam_form f = {0};
		aws_response r = {0};

		iam_form_add(&f, "Url", w->issuer);
		for (size_t i = 0; i < w->client_ids.n; i++)
			iam_form_addf(&f, w->client_ids.v[i], "ClientIDList.member.%zu", i + 1);
		for (size_t i = 0; i < w->thumbprints.n; i++)
			iam_form_addf(&f, w->thumbprints.v[i], "ThumbprintList.member.%zu", i + 1);
		for (size_t i = 0; i < w->tag_keys.n; i++) {
			iam_form_addf(&f, w->tag_keys.v[i], "Tags.member.%zu.Key", i + 1);
			iam_form_addf(&f, w->tag_values.v[i], "Tags.member.%zu.Value", i + 1);
		}
		if (dry_run) {
			note("would call CreateOpenIDConnectProvider for %s (%zu client ID(s), %zu thumbprint(s))",
			     w->issuer, w->client_ids.n, w->thumbprints.n);
			free(f.s);
			return true;
		}
		if (!iam_call("CreateOpenIDConnectProvider", &f, iam, &r, err)) {
			free(f.s);
			aws_response_clear(&r);
			return false;
		}
		free(f.s);
		*arn = aws_xml_text(r.body, r.body_len, "OpenIDConnectProviderArn");
		aws_response_clear(&r);
		if (*arn == NULL)
			return err_set(err, "IAM CreateOpenIDConnectProvider: no ARN in the answer");
		note("created OpenID Connect provider %s", *arn);
		return true;
	}
	note("found OpenID Connect provider %s", p.arn);
	if (!client_ids_ensure(w, &p, iam, dry_run, note, err))
		goto out;
	if (w->manage_thumbprints && w->thumbprints.n > 0 && !same_set(&w->thumbprints, &p.thumbprints)) {
		iam_form f = {0};
		char what[300];

		iam_form_add(&f, "OpenIDConnectProviderArn", p.arn);
		for (size_t i = 0; i < w->thumbprints.n; i++)
			iam_form_addf(&f, w->thumbprints.v[i], "ThumbprintList.member.%zu", i + 1);
		snprintf(what, sizeof(what), "%s (was %s%s)", w->thumbprints.v[0],
			 p.thumbprints.n > 0 ? p.thumbprints.v[0] : "none", p.thumbprints.n > 1 ? ", ..." : "");
		if (!iam_write_call("UpdateOpenIDConnectProviderThumbprint", &f, iam, dry_run, note, what, err))
			goto out;
	}
	for (size_t i = 0; i < w->tag_keys.n; i++) {
		const char *have = tag_value(&p.tag_keys, &p.tag_values, w->tag_keys.v[i]);

		if (have == NULL || strcmp(have, w->tag_values.v[i]) != 0) {
			iam_form f = {0};
			char what[400];

			iam_form_add(&f, "OpenIDConnectProviderArn", p.arn);
			iam_form_add(&f, "Tags.member.1.Key", w->tag_keys.v[i]);
			iam_form_add(&f, "Tags.member.1.Value", w->tag_values.v[i]);
			snprintf(what, sizeof(what), "%s=%s", w->tag_keys.v[i], w->tag_values.v[i]);
			if (!iam_write_call("TagOpenIDConnectProvider", &f, iam, dry_run, note, what, err))
				goto out;
		}
	}
	for (size_t i = 0; w->tag_keys.n > 0 && i < p.tag_keys.n; i++) {
		if (!strlist_has(&w->tag_keys, p.tag_keys.v[i])) {
			iam_form f = {0};

			iam_form_add(&f, "OpenIDConnectProviderArn", p.arn);
			iam_form_add(&f, "TagKeys.member.1", p.tag_keys.v[i]);
			if (!iam_write_call("UntagOpenIDConnectProvider", &f, iam, dry_run, note, p.tag_keys.v[i], err))
				goto out;
		}
	}
	*arn = p.arn;
	p.arn = NULL;
	ok = true;
out:
	provider_clear(&p);
	return ok;
}

bool iam_oidc_delete(const char *arn, const iam_client *iam, bool dry_run, iam_note_fn note, sao_err *err)
{
	iam_form f = {0};

	iam_form_add(&f, "OpenIDConnectProviderArn", arn);
	return iam_write_call("DeleteOpenIDConnectProvider", &f, iam, dry_run, note, arn, err);
}
