#include "config.h"

#include "aws/s3.h"

#include "aws/sigv4.h"
#include "util/url.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_target_clear(s3_target *t)
{
	free(t->bucket);
	free(t->prefix);
	t->bucket = t->prefix = NULL;
}

bool s3_parse_uri(const char *uri, s3_target *t, sao_err *err)
{
	const char *b, *slash;
	size_t blen;

	memset(t, 0, sizeof(*t));
	if (strncmp(uri, "s3://", 5) != 0)
		return err_set(err, "\"%s\" is not an s3:// URI (expected s3://BUCKET[/PREFIX])", uri);
	b = uri + 5;
	slash = strchr(b, '/');
	blen = slash != NULL ? (size_t)(slash - b) : strlen(b);
	if (blen < 3 || blen > 63)
		return err_set(err, "bucket name in \"%s\" must be 3 to 63 characters", uri);
	for (size_t i = 0; i < blen; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-' || b[i] == '.'))
			return err_set(
			    err, "bucket name in \"%s\" may only hold lower-case letters, digits, '-' and '.'", uri);
	t->bucket = strndup(b, blen);
	t->prefix = url_store_prefix(uri, slash != NULL ? slash + 1 : b + blen, err);
	if (t->bucket == NULL || t->prefix == NULL) {
		if (t->bucket == NULL && t->prefix != NULL)
			err_set(err, "out of memory");
		s3_target_clear(t);
		return false;
	}
	return true;
}

char *s3_issuer_url(const s3_target *t, const aws_endpoint *ep, sao_err *err)
{
	const char *sep = t->prefix[0] != '\0' ? "/" : "";
	char *s = NULL;
	int r = aws_s3_virtual_host_ok(t->bucket)
		    ? asprintf(&s, "https://%s.%s%s%s", t->bucket, ep->host, sep, t->prefix)
		    : asprintf(&s, "https://%s/%s%s%s", ep->host, t->bucket, sep, t->prefix);

	if (r < 0) {
		err_set(err, "out of memory");
		return NULL;
	}
	return s;
}

char *s3_object_key(const s3_target *t, const char *path)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s", t->prefix, t->prefix[0] ? path : path + 1) < 0)
		return NULL;
	return s;
}

char *s3_object_url(const aws_endpoint *ep, const char *bucket, const char *key)
{
	char *enc = sigv4_uri_encode(key, true), *s = NULL;
	int r;

	if (enc == NULL)
		return NULL;
	/* An override (a local S3, a proxy) is always addressed path-style. */
	if (ep->overridden || !aws_s3_virtual_host_ok(bucket))
		r = asprintf(&s, "%s/%s/%s", ep->url, bucket, enc);
	else
		r = asprintf(&s, "https://%s.%s/%s", bucket, ep->host, enc);
	free(enc);
	return r < 0 ? NULL : s;
}

char *s3_public_policy(const s3_target *t, const aws_partition *part)
{
	char *res = NULL, *out;
	json_t *p;

	if (asprintf(&res, "arn:%s:s3:::%s/%s%s*", part->id, t->bucket, t->prefix, t->prefix[0] ? "/" : "") < 0)
		return NULL;
	/* Everything under the prefix: keep that prefix for the issuer documents alone. */
	p = json_pack("{s:s, s:[{s:s, s:s, s:s, s:s, s:s}]}", "Version", "2012-10-17", "Statement", "Sid",
		      "SaoidcPublicIssuerDocuments", "Effect", "Allow", "Principal", "*", "Action", "s3:GetObject",
		      "Resource", res);
	free(res);
	out = p != NULL ? json_dumps(p, JSON_INDENT(2)) : NULL;
	json_decref(p);
	return out;
}
