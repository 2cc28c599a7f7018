#include "config.h"

#include "aws/s3.h"

#include "aws/sigv4.h"

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
	size_t blen, plen;

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
			return err_set(err, "bucket name in \"%s\" may only hold lower-case letters, digits, '-' and '.'",
				       uri);
	t->bucket = strndup(b, blen);
	slash = slash != NULL ? slash + 1 : b + blen;
	while (*slash == '/')
		slash++;
	plen = strlen(slash);
	while (plen > 0 && slash[plen - 1] == '/')
		plen--;
	t->prefix = strndup(slash, plen);
	if (t->bucket == NULL || t->prefix == NULL) {
		s3_target_clear(t);
		return err_set(err, "out of memory");
	}
	if (strstr(t->prefix, "//") != NULL || strstr(t->prefix, "..") != NULL || strpbrk(t->prefix, "?#\\ ") != NULL) {
		s3_target_clear(t);
		return err_set(err, "prefix in \"%s\" must be a plain path (no \"//\", \"..\", '?', '#', spaces)", uri);
	}
	return true;
}

char *s3_issuer_url(const s3_target *t, const char *region, sao_err *err)
{
	char *s = NULL;

	if (strchr(t->bucket, '.') != NULL) {
		err_set(err, "bucket \"%s\" has dots in its name: its virtual-hosted URL "
			     "https://%s.s3.%s.amazonaws.com does not match S3's TLS certificate (*.s3.%s.amazonaws.com), "
			     "so STS could not fetch from it; use a bucket without dots, or give --issuer (e.g. a "
			     "CloudFront URL in front of the bucket)",
			t->bucket, t->bucket, region, region);
		return NULL;
	}
	if (asprintf(&s, "https://%s.s3.%s.amazonaws.com%s%s", t->bucket, region, t->prefix[0] ? "/" : "", t->prefix) < 0)
		return NULL;
	return s;
}

char *s3_object_key(const s3_target *t, const char *path)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s", t->prefix, t->prefix[0] ? path : path + 1) < 0)
		return NULL;
	return s;
}

char *s3_object_url(const char *endpoint, const char *region, const char *bucket, const char *key)
{
	char *enc = sigv4_uri_encode(key, true), *s = NULL;
	size_t el;
	int r;

	if (enc == NULL)
		return NULL;
	if (endpoint != NULL) {
		el = strlen(endpoint);
		while (el > 0 && endpoint[el - 1] == '/')
			el--;
		r = asprintf(&s, "%.*s/%s/%s", (int)el, endpoint, bucket, enc);
	} else {
		r = asprintf(&s, "https://%s.s3.%s.amazonaws.com/%s", bucket, region, enc);
	}
	free(enc);
	return r < 0 ? NULL : s;
}

char *s3_public_policy(const s3_target *t)
{
	char *res = NULL, *out;
	json_t *p;

	if (asprintf(&res, "arn:aws:s3:::%s/%s%s*", t->bucket, t->prefix, t->prefix[0] ? "/" : "") < 0)
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
