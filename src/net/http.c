#include "config.h"

#include "net/http.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void http_etag(const void *body, size_t len, char out[35])
{
	unsigned char md[32];
	static const char hex[] = "0123456789abcdef";

	EVP_Digest(body, len, md, NULL, EVP_sha256(), NULL);
	out[0] = '"';
	for (int i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[33] = '"';
	out[34] = '\0';
}

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool http_if_none_match(const char *value, const char *etag)
{
	const char *p = skip_ows(value);
	size_t elen = strlen(etag);

	if (*p == '*')
		return *skip_ows(p + 1) == '\0';
	while (*p != '\0') {
		const char *start;

		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false;
		start = p;
		p++;
		/* etagc = %x21 / %x23-7E / obs-text: anything visible but DQUOTE */
		while (*p != '\0' && *p != '"') {
			if ((unsigned char)*p < 0x21 || *p == 0x7f)
				return false;
			p++;
		}
		if (*p != '"')
			return false;
		p++;
		if ((size_t)(p - start) == elen && memcmp(start, etag, elen) == 0)
			return true;
		p = skip_ows(p);
		if (*p == '\0')
			break;
		if (*p != ',')
			return false;
		/* empty list elements are allowed: "a", , "b" */
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
	}
	return false;
}

long long http_date(const char *value)
{
	time_t t = curl_getdate(value, NULL);

	return t < 0 ? 0 : (long long)t;
}
