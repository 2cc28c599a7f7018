#include "config.h"

#include "aws/cloudfront.h"

#include "aws/send.h"
#include "aws/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CF_NS "http://cloudfront.amazonaws.com/doc/2020-05-31/"
#define CF_API "/2020-05-31"
/* The managed cache policy CachingOptimized: it honours the origin's Cache-Control (between 1 s
 * and a year), so CloudFront keeps the documents as long as their max-age says. */
#define CF_CACHING_OPTIMIZED "658327ea-f89d-4fab-a63d-7e88639e58f6"

void cf_distribution_clear(cf_distribution *d)
{
	free(d->id);
	free(d->arn);
	free(d->domain);
	free(d->status);
	free(d->comment);
	free(d->etag);
	strlist_clear(&d->aliases);
	strlist_clear(&d->origins);
	memset(d, 0, sizeof(*d));
}

void cf_distributions_free(cf_distribution *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cf_distribution_clear(&v[i]);
	free(v);
}

/* One CloudFront call; `action` is also its IAM action. `path` is under /2020-05-31. */
static bool call(const cf_client *c, const char *method, const char *path, const char *body, const char *if_match,
		 const char *action, aws_response *resp, sao_err *err)
{
	char *url = NULL;
	sigv4_header *hs = NULL;
	size_t nh = 0;
	bool ok = false;

	if (asprintf(&url, "%s" CF_API "%s", c->ep.url, path) < 0 ||
	    (body != NULL && !sigv4_header_add(&hs, &nh, "Content-Type", "application/xml")) ||
	    (if_match != NULL && !sigv4_header_add(&hs, &nh, "If-Match", if_match))) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		aws_request req = {method,
				   url,
				   c->ep.signing_name,
				   c->ep.signing_region,
				   hs,
				   nh,
				   body,
				   body != NULL ? strlen(body) : 0,
				   c->creds,
				   0,
				   0};

		if (!aws_send(&req, resp, err)) {
			err_prefix(err, "CloudFront %s: ", action);
			goto out;
		}
	}
	if (resp->status / 100 == 2) {
		ok = true;
		goto out;
	}
	{
		const char *hint = aws_error_hint(resp);

		if (hint == NULL && resp->code != NULL && strcmp(resp->code, "AccessDenied") == 0)
			hint = "the credentials lack this permission: add it to the policy in doc/private-hosting.md";
		err_set(err, "CloudFront %s failed: HTTP %ld %s%s%s (IAM action cloudfront:%s)%s%s", action,
			resp->status, resp->code != NULL ? resp->code : "", resp->message != NULL ? ": " : "",
			resp->message != NULL ? resp->message : "", action, hint ? " -- " : "", hint ? hint : "");
	}
out:
	free(url);
	sigv4_headers_free(hs, nh);
	return ok;
}

static bool texts(const aws_xml_node *list, const char *item, strlist *out)
{
	for (aws_xml_node *n = aws_xml_get(list, item); n != NULL; n = aws_xml_next(n)) {
		char *t = aws_xml_text_at(n, "");

		if (t == NULL || !strlist_add(out, t)) {
			free(t);
			return false;
		}
		free(t);
	}
	return true;
}

/* A Distribution or DistributionSummary element. */
static bool read_distribution(const aws_xml_node *n, cf_distribution *d)
{
	const aws_xml_node *cfg = aws_xml_get(n, "DistributionConfig");
	const aws_xml_node *src = cfg != NULL ? cfg : n; /* Distribution nests its config */
	char *enabled = aws_xml_text_at(src, "Enabled");
	bool ok;

	d->id = aws_xml_text_at(n, "Id");
	d->arn = aws_xml_text_at(n, "ARN");
	d->domain = aws_xml_text_at(n, "DomainName");
	d->status = aws_xml_text_at(n, "Status");
	d->comment = aws_xml_text_at(src, "Comment");
	d->enabled = enabled != NULL && strcmp(enabled, "true") == 0;
	free(enabled);
	ok = d->id != NULL && d->domain != NULL && d->status != NULL &&
	     texts(aws_xml_get(src, "Aliases/Items"), "CNAME", &d->aliases);
	for (aws_xml_node *o = aws_xml_get(src, "Origins/Items/Origin"); ok && o != NULL; o = aws_xml_next(o)) {
		char *dn = aws_xml_text_at(o, "DomainName");

		ok = dn != NULL && strlist_add(&d->origins, dn);
		free(dn);
	}
	return ok;
}

bool cf_list_distributions(const cf_client *c, cf_distribution **out, size_t *n, sao_err *err)
{
	char *marker = NULL;
	bool ok = true;

	*out = NULL;
	*n = 0;
	for (int page = 0; ok && page < 1000; page++) {
		aws_response r = {0};
		aws_xml *doc = NULL;
		char *path = NULL, *enc = marker != NULL ? sigv4_uri_encode(marker, false) : NULL, *truncated;

		if (asprintf(&path, "/distribution%s%s", enc != NULL ? "?Marker=" : "", enc != NULL ? enc : "") < 0)
			path = NULL;
		free(enc);
		ok = path != NULL ? call(c, "GET", path, NULL, NULL, "ListDistributions", &r, err)
				  : err_set(err, "out of memory");
		free(path);
		if (ok && (doc = aws_xml_parse(r.body, r.body_len)) == NULL)
			ok = err_set(err, "CloudFront ListDistributions: the answer is not XML");
		for (aws_xml_node *s = ok ? aws_xml_get(aws_xml_root(doc), "Items/DistributionSummary") : NULL; ok && s;
		     s = aws_xml_next(s)) {
			cf_distribution *nv = realloc(*out, (*n + 1) * sizeof(**out));

			if (nv == NULL) {
				ok = err_set(err, "out of memory");
				break;
			}
			*out = nv;
			memset(&nv[*n], 0, sizeof(nv[*n]));
			ok =
			    read_distribution(s, &nv[(*n)++]) || err_set(err, "CloudFront ListDistributions: a summary "
									      "lacks Id, DomainName or Status");
		}
		truncated = ok ? aws_xml_text_at(aws_xml_root(doc), "IsTruncated") : NULL;
		free(marker);
		marker = truncated != NULL && strcmp(truncated, "true") == 0
			     ? aws_xml_text_at(aws_xml_root(doc), "NextMarker")
			     : NULL;
		free(truncated);
		aws_xml_free(doc);
		aws_response_clear(&r);
		if (marker == NULL)
			break;
	}
	free(marker);
	if (!ok) {
		cf_distributions_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ok;
}

/* Reads a Distribution answer (GetDistribution, CreateDistribution) into d. */
static bool distribution_answer(const aws_response *r, const char *action, cf_distribution *d, sao_err *err)
{
	aws_xml *doc = aws_xml_parse(r->body, r->body_len);
	bool ok = doc != NULL && read_distribution(aws_xml_root(doc), d);

	aws_xml_free(doc);
	if (ok && r->etag != NULL && (d->etag = strdup(r->etag)) == NULL)
		ok = false;
	return ok || err_set(err, "CloudFront %s: the answer is not a Distribution", action);
}

/* GET path; *found false (and no error) when CloudFront answers `missing`. */
static bool lookup(const cf_client *c, const char *path, const char *action, const char *missing, aws_response *r,
		   bool *found, sao_err *err)
{
	*found = false;
	if (call(c, "GET", path, NULL, NULL, action, r, err))
		return *found = true;
	if (r->code != NULL && strcmp(r->code, missing) == 0) {
		err->msg[0] = '\0';
		return true;
	}
	return false;
}

bool cf_lookup_distribution(const cf_client *c, const char *id, cf_distribution *out, bool *found, sao_err *err)
{
	aws_response r = {0};
	char *path = NULL;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (asprintf(&path, "/distribution/%s", id) < 0)
		return err_set(err, "out of memory");
	ok = lookup(c, path, "GetDistribution", "NoSuchDistribution", &r, found, err) &&
	     (!*found || distribution_answer(&r, "GetDistribution", out, err));
	free(path);
	aws_response_clear(&r);
	return ok;
}

bool cf_oac_exists(const cf_client *c, const char *id, bool *found, sao_err *err)
{
	aws_response r = {0};
	char *path = NULL;
	bool ok;

	if (asprintf(&path, "/origin-access-control/%s", id) < 0)
		return err_set(err, "out of memory");
	ok = lookup(c, path, "GetOriginAccessControl", "NoSuchOriginAccessControl", &r, found, err);
	free(path);
	aws_response_clear(&r);
	return ok;
}

bool cf_get_distribution(const cf_client *c, const char *id, cf_distribution *out, sao_err *err)
{
	bool found;

	return cf_lookup_distribution(c, id, out, &found, err) &&
	       (found ||
		err_set(err, "CloudFront GetDistribution: distribution %s does not exist (NoSuchDistribution)", id));
}

char *cf_distribution_config(const cf_want *w)
{
	char *comment = aws_xml_escape(w->comment), *ref = aws_xml_escape(w->caller_reference);
	char *origin = aws_xml_escape(w->origin_domain), *alias = w->alias ? aws_xml_escape(w->alias) : NULL;
	char *cert = w->certificate_arn ? aws_xml_escape(w->certificate_arn) : NULL, *aliases = NULL, *viewer = NULL;
	char *out = NULL;

	if (comment == NULL || ref == NULL || origin == NULL || (w->alias && alias == NULL) ||
	    (w->certificate_arn && cert == NULL))
		goto done;
	if (alias != NULL
		? asprintf(&aliases, "<Aliases><Quantity>1</Quantity><Items><CNAME>%s</CNAME></Items></Aliases>",
			   alias) < 0
		: (aliases = strdup("<Aliases><Quantity>0</Quantity></Aliases>")) == NULL)
		goto done;
	/* TLSv1.2_2021: TLS 1.2 and 1.3 with modern ciphers only; SNI, no dedicated-IP fee. */
	if (cert != NULL ? asprintf(&viewer,
				    "<ViewerCertificate><ACMCertificateArn>%s</ACMCertificateArn>"
				    "<SSLSupportMethod>sni-only</SSLSupportMethod>"
				    "<MinimumProtocolVersion>TLSv1.2_2021</MinimumProtocolVersion></ViewerCertificate>",
				    cert) < 0
			 : (viewer = strdup("<ViewerCertificate><CloudFrontDefaultCertificate>true"
					    "</CloudFrontDefaultCertificate></ViewerCertificate>")) == NULL)
		goto done;
	/* Members in the model's order: CloudFront validates the body against its schema. */
	if (asprintf(&out,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DistributionConfig xmlns=\"" CF_NS "\">"
		     "<CallerReference>%s</CallerReference>%s"
		     "<Origins><Quantity>1</Quantity><Items><Origin><Id>issuer-bucket</Id><DomainName>%s</DomainName>"
		     "<OriginPath></OriginPath><S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></"
		     "S3OriginConfig>"
		     "<OriginAccessControlId>%s</OriginAccessControlId></Origin></Items></Origins>"
		     "<DefaultCacheBehavior><TargetOriginId>issuer-bucket</TargetOriginId>"
		     "<ViewerProtocolPolicy>https-only</ViewerProtocolPolicy>"
		     "<AllowedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items>"
		     "<CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items>"
		     "</CachedMethods></AllowedMethods><Compress>true</Compress>"
		     "<CachePolicyId>" CF_CACHING_OPTIMIZED "</CachePolicyId></DefaultCacheBehavior>"
		     "<Comment>%s</Comment><PriceClass>PriceClass_100</PriceClass><Enabled>true</Enabled>%s"
		     "<HttpVersion>http2and3</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled></DistributionConfig>",
		     ref, aliases, origin, w->oac_id, comment, viewer) < 0)
		out = NULL;
done:
	free(comment);
	free(ref);
	free(origin);
	free(alias);
	free(cert);
	free(aliases);
	free(viewer);
	return out;
}

bool cf_create_distribution(const cf_client *c, const cf_want *w, cf_distribution *out, sao_err *err)
{
	aws_response r = {0};
	char *body = cf_distribution_config(w);
	bool ok;

	memset(out, 0, sizeof(*out));
	if (body == NULL)
		return err_set(err, "out of memory");
	ok = call(c, "POST", "/distribution", body, NULL, "CreateDistribution", &r, err) &&
	     distribution_answer(&r, "CreateDistribution", out, err);
	free(body);
	aws_response_clear(&r);
	return ok;
}

bool cf_disable_distribution(const cf_client *c, const char *id, sao_err *err)
{
	aws_response r = {0}, u = {0};
	aws_xml *doc = NULL;
	char *path = NULL, *enabled = NULL, *body = NULL;
	size_t blen = 0;
	bool ok = false;

	if (asprintf(&path, "/distribution/%s/config", id) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!call(c, "GET", path, NULL, NULL, "GetDistributionConfig", &r, err))
		goto out;
	if ((doc = aws_xml_parse(r.body, r.body_len)) == NULL || r.etag == NULL) {
		err_set(err, "CloudFront GetDistributionConfig: the answer is not a DistributionConfig with an ETag");
		goto out;
	}
	enabled = aws_xml_text_at(aws_xml_root(doc), "Enabled");
	if (enabled != NULL && strcmp(enabled, "false") == 0) {
		ok = true;
		goto out;
	}
	/* The whole configuration goes back, as read, with Enabled false. */
	if (!aws_xml_set_text(aws_xml_root(doc), "Enabled", "false") || (body = aws_xml_dump(doc, &blen)) == NULL) {
		err_set(err, "CloudFront GetDistributionConfig: no Enabled member to change");
		goto out;
	}
	ok = call(c, "PUT", path, body, r.etag, "UpdateDistribution", &u, err);
out:
	free(path);
	free(enabled);
	free(body);
	aws_xml_free(doc);
	aws_response_clear(&r);
	aws_response_clear(&u);
	return ok;
}

bool cf_delete_distribution(const cf_client *c, const char *id, sao_err *err)
{
	cf_distribution d;
	aws_response r = {0};
	char *path = NULL;
	bool ok = false;

	if (!cf_get_distribution(c, id, &d, err))
		return false;
	if (d.enabled || strcmp(d.status, "Deployed") != 0) {
		err_set(err,
			"CloudFront distribution %s is %s and %s: it can be deleted once disabled and deployed "
			"(run again later, or with --wait)",
			id, d.enabled ? "enabled" : "disabled", d.status);
		goto out;
	}
	if (asprintf(&path, "/distribution/%s", id) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = call(c, "DELETE", path, NULL, d.etag, "DeleteDistribution", &r, err);
out:
	free(path);
	cf_distribution_clear(&d);
	aws_response_clear(&r);
	return ok;
}

bool cf_find_oac(const cf_client *c, const char *name, char **id, sao_err *err)
{
	char *marker = NULL;
	bool ok = true;

	*id = NULL;
	for (int page = 0; ok && *id == NULL && page < 1000; page++) {
		aws_response r = {0};
		aws_xml *doc = NULL;
		char *path = NULL, *enc = marker != NULL ? sigv4_uri_encode(marker, false) : NULL, *more;

		if (asprintf(&path, "/origin-access-control%s%s", enc ? "?Marker=" : "", enc ? enc : "") < 0)
			path = NULL;
		free(enc);
		ok = path != NULL ? call(c, "GET", path, NULL, NULL, "ListOriginAccessControls", &r, err)
				  : err_set(err, "out of memory");
		free(path);
		if (ok && (doc = aws_xml_parse(r.body, r.body_len)) == NULL)
			ok = err_set(err, "CloudFront ListOriginAccessControls: the answer is not XML");
		for (aws_xml_node *s = ok ? aws_xml_get(aws_xml_root(doc), "Items/OriginAccessControlSummary") : NULL;
		     s != NULL && *id == NULL; s = aws_xml_next(s)) {
			char *n = aws_xml_text_at(s, "Name");

			if (n != NULL && strcmp(n, name) == 0)
				*id = aws_xml_text_at(s, "Id");
			free(n);
		}
		more = ok ? aws_xml_text_at(aws_xml_root(doc), "IsTruncated") : NULL;
		free(marker);
		marker =
		    more != NULL && strcmp(more, "true") == 0 ? aws_xml_text_at(aws_xml_root(doc), "NextMarker") : NULL;
		free(more);
		aws_xml_free(doc);
		aws_response_clear(&r);
		if (marker == NULL)
			break;
	}
	free(marker);
	return ok;
}

bool cf_create_oac(const cf_client *c, const char *name, char **id, sao_err *err)
{
	aws_response r = {0};
	char *ename = aws_xml_escape(name), *body = NULL;
	bool ok = false;

	*id = NULL;
	if (ename == NULL ||
	    asprintf(
		&body,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OriginAccessControlConfig xmlns=\"" CF_NS "\">"
		"<Name>%s</Name><Description>saoidc: CloudFront reads the issuer documents from the private "
		"bucket</Description><SigningProtocol>sigv4</SigningProtocol><SigningBehavior>always</SigningBehavior>"
		"<OriginAccessControlOriginType>s3</OriginAccessControlOriginType></OriginAccessControlConfig>",
		ename) < 0) {
		body = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!call(c, "POST", "/origin-access-control", body, NULL, "CreateOriginAccessControl", &r, err))
		goto out;
	if ((*id = aws_xml_text(r.body, r.body_len, "Id")) == NULL) {
		err_set(err, "CloudFront CreateOriginAccessControl: no Id in the answer");
		goto out;
	}
	ok = true;
out:
	free(ename);
	free(body);
	aws_response_clear(&r);
	return ok;
}

bool cf_delete_oac(const cf_client *c, const char *id, sao_err *err)
{
	aws_response r = {0}, d = {0};
	char *path = NULL;
	bool ok = false;

	if (asprintf(&path, "/origin-access-control/%s", id) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!call(c, "GET", path, NULL, NULL, "GetOriginAccessControl", &r, err))
		goto out;
	ok = call(c, "DELETE", path, NULL, r.etag, "DeleteOriginAccessControl", &d, err);
out:
	free(path);
	aws_response_clear(&r);
	aws_response_clear(&d);
	return ok;
}

bool cf_invalidate(const cf_client *c, const char *dist_id, const strlist *paths, const char *caller_reference,
		   char **inv_id, sao_err *err)
{
	aws_response r = {0};
	char *items = strdup(""), *body = NULL, *path = NULL, *ref = aws_xml_escape(caller_reference);
	bool ok = false;

	*inv_id = NULL;
	for (size_t i = 0; items != NULL && i < paths->n; i++) {
		char *p = aws_xml_escape(paths->v[i]), *n = NULL;

		if (p == NULL || asprintf(&n, "%s<Path>%s</Path>", items, p) < 0)
			n = NULL;
		free(p);
		free(items);
		items = n;
	}
	if (items == NULL || ref == NULL || asprintf(&path, "/distribution/%s/invalidation", dist_id) < 0 ||
	    asprintf(&body,
		     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InvalidationBatch xmlns=\"" CF_NS "\"><Paths>"
		     "<Quantity>%zu</Quantity><Items>%s</Items></Paths><CallerReference>%s</CallerReference>"
		     "</InvalidationBatch>",
		     paths->n, items, ref) < 0) {
		body = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!call(c, "POST", path, body, NULL, "CreateInvalidation", &r, err))
		goto out;
	if ((*inv_id = aws_xml_text(r.body, r.body_len, "Id")) == NULL) {
		err_set(err, "CloudFront CreateInvalidation: no Id in the answer");
		goto out;
	}
	ok = true;
out:
	free(items);
	free(body);
	free(path);
	free(ref);
	aws_response_clear(&r);
	return ok;
}

bool cf_invalidation_status(const cf_client *c, const char *dist_id, const char *inv_id, char **status, sao_err *err)
{
	aws_response r = {0};
	char *path = NULL;
	bool ok = false;

	*status = NULL;
	if (asprintf(&path, "/distribution/%s/invalidation/%s", dist_id, inv_id) < 0)
		return err_set(err, "out of memory");
	if (call(c, "GET", path, NULL, NULL, "GetInvalidation", &r, err))
		ok = (*status = aws_xml_text(r.body, r.body_len, "Status")) != NULL ||
		     err_set(err, "CloudFront GetInvalidation: no Status in the answer");
	free(path);
	aws_response_clear(&r);
	return ok;
}

/* "2026-12-02T06:30:00.123Z" (CloudFront's timestamps) as seconds since the epoch; 0 if not. */
static time_t iso8601(const char *s)
{
	struct tm tm;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	return timegm(&tm);
}

bool cf_last_invalidation(const cf_client *c, const char *dist_id, time_t *when, sao_err *err)
{
	aws_response r = {0};
	aws_xml *doc = NULL;
	char *path = NULL;
	bool ok = false;

	*when = 0;
	if (asprintf(&path, "/distribution/%s/invalidation", dist_id) < 0)
		return err_set(err, "out of memory");
	if (!call(c, "GET", path, NULL, NULL, "ListInvalidations", &r, err))
		goto out;
	if ((doc = aws_xml_parse(r.body, r.body_len)) == NULL) {
		err_set(err, "CloudFront ListInvalidations: the answer is not XML");
		goto out;
	}
	for (aws_xml_node *s = aws_xml_get(aws_xml_root(doc), "Items/InvalidationSummary"); s; s = aws_xml_next(s)) {
		char *t = aws_xml_text_at(s, "CreateTime");
		time_t v = iso8601(t);

		if (v > *when)
			*when = v;
		free(t);
	}
	ok = true;
out:
	free(path);
	aws_xml_free(doc);
	aws_response_clear(&r);
	return ok;
}
