#include "config.h"

#include "azure/sharedkey.h"

#include "util/b64.h"
#include "util/url.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The eleven headers the string to sign names by position (Content-Length is the 3rd). */
static const char *const standard[] = {"Content-Encoding",
				       "Content-Language",
				       NULL,
				       "Content-MD5",
				       "Content-Type",
				       "Date",
				       "If-Modified-Since",
				       "If-Match",
				       "If-None-Match",
				       "If-Unmodified-Since",
				       "Range"};

typedef struct buf {
	char *s;
	size_t len, cap;
	bool oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static const char *find(const az_header *h, size_t nh, const char *name)
{
	for (size_t i = 0; i < nh; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name:value" lines, names lower-cased, sorted; for the x-ms-* headers and the query. */
static bool sorted_lines(char **v, size_t n, buf *b, const char *sep_before, const char *sep_after)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), by_name);
	for (size_t i = 0; i < n; i++) {
		puts_(b, sep_before);
		puts_(b, v[i]);
		puts_(b, sep_after);
	}
	return !b->oom;
}

static bool ms_headers(const az_header *h, size_t nh, buf *b)
{
	char **v = calloc(nh + 1, sizeof(*v));
	size_t n = 0;
	bool ok = v != NULL;

	for (size_t i = 0; ok && i < nh; i++) {
		if (strncasecmp(h[i].name, "x-ms-", 5) != 0)
			continue;
		if (asprintf(&v[n], "%s:%s", h[i].name, h[i].value) < 0) {
			v[n] = NULL;
			ok = false;
			break;
		}
		for (char *p = v[n]; *p != ':'; p++)
			*p = (char)tolower((unsigned char)*p);
		n++;
	}
	ok = ok && sorted_lines(v, n, b, "", "\n");
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
	return ok;
}

static bool query_lines(const char *query, buf *b)
{
	char *q = strdup(query != NULL ? query : ""), *save = NULL, **v = NULL;
	size_t n = 0, cap = 0;
	bool ok = q != NULL;

	for (char *part = ok ? strtok_r(q, "&", &save) : NULL; ok && part != NULL; part = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(part, '='), *val;

		if (eq != NULL)
			*eq = '\0';
		val = url_decode(eq != NULL ? eq + 1 : "");
		if (n == cap) {
			char **nv = realloc(v, (cap = cap * 2 + 4) * sizeof(*v));

			if (nv == NULL) {
				free(val);
				ok = false;
				break;
			}
			v = nv;
		}
		for (char *p = part; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (val == NULL || asprintf(&v[n], "%s:%s", part, val) < 0) {
			free(val);
			ok = false;
			break;
		}
		free(val);
		n++;
	}
	ok = ok && sorted_lines(v, n, b, "\n", "");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	free(q);
	return ok;
}

char *az_string_to_sign(const char *account, const char *method, const char *path, const char *query,
			const az_header *h, size_t nh, size_t content_length)
{
	buf b = {0};
	char len[32];

	puts_(&b, method);
	puts_(&b, "\n");
	for (size_t i = 0; i < sizeof(standard) / sizeof(*standard); i++) {
		const char *v = standard[i] != NULL ? find(h, nh, standard[i]) : NULL;

		if (standard[i] == NULL) { /* Content-Length: empty when zero (versions since 2015-02-21) */
			snprintf(len, sizeof(len), "%zu", content_length);
			v = content_length > 0 ? len : NULL;
		}
		puts_(&b, v != NULL ? v : "");
		puts_(&b, "\n");
	}
	if (!ms_headers(h, nh, &b))
		b.oom = true;
	puts_(&b, "/");
	puts_(&b, account);
	puts_(&b, path);
	if (!b.oom && !query_lines(query, &b))
		b.oom = true;
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

char *az_sharedkey(const char *account, const unsigned char *key, size_t key_len, const char *method, const char *path,
		   const char *query, const az_header *h, size_t nh, size_t content_length, sao_err *err)
{
	char *sts = az_string_to_sign(account, method, path, query, h, nh, content_length), *sig = NULL, *out = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;

	if (sts == NULL)
		return err_set(err, "out of memory"), NULL;
	if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)sts, strlen(sts), mac, &maclen) == NULL)
		err_ssl(err, "Azure Shared Key: HMAC-SHA256 failed");
	else if ((sig = b64_std_encode(mac, maclen)) == NULL || asprintf(&out, "SharedKey %s:%s", account, sig) < 0)
		err_set(err, "out of memory"), out = NULL;
	free(sig);
	free(sts);
	return out;
}
