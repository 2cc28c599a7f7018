#include "config.h"

#include "aws/sigv4.h"

#include "util/url.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aws_creds_clear(aws_creds *c)
{
	if (c->secret_key != NULL)
		OPENSSL_cleanse(c->secret_key, strlen(c->secret_key));
	if (c->token != NULL)
		OPENSSL_cleanse(c->token, strlen(c->token));
	free(c->access_key);
	free(c->secret_key);
	free(c->token);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

bool sigv4_header_add(sigv4_header **headers, size_t *n, const char *name, const char *value)
{
	sigv4_header *nv = realloc(*headers, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return false;
	*headers = nv;
	nv[*n].name = strdup(name);
	nv[*n].value = strdup(value);
	if (nv[*n].name == NULL || nv[*n].value == NULL) {
		free(nv[*n].name);
		free(nv[*n].value);
		return false;
	}
	(*n)++;
	return true;
}

void sigv4_headers_free(sigv4_header *headers, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* Authorization and the session token are secrets-adjacent: wipe them. */
		OPENSSL_cleanse(headers[i].value, strlen(headers[i].value));
		free(headers[i].name);
		free(headers[i].value);
	}
	free(headers);
}

char *sigv4_uri_encode(const char *s, bool keep_slash)
{
	return url_encode(s, keep_slash);
}

static void hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];

	EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

static bool hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned int olen = 32;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &olen) != NULL;
}

static int cmp_header(const void *a, const void *b)
{
	return strcasecmp(((const sigv4_header *)a)->name, ((const sigv4_header *)b)->name);
}

/* Lower-cases in place. */
static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Trims and folds inner runs of spaces, as the canonical header value requires. */
static char *canon_value(const char *v)
{
	char *out = malloc(strlen(v) + 1), *p = out;
	bool space = false;

	if (out == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space && p != out)
			*p++ = ' ';
		space = false;
		*p++ = *v;
	}
	*p = '\0';
	return out;
}

bool sigv4_sign(const sigv4_req *req, const aws_creds *creds, sigv4_header **headers, size_t *n, sao_err *err)
{
	char amzdate[17], date[9], payload[65], creq_hash[65], sig[65];
	char *canon = NULL, *signed_names = NULL, *creq = NULL, *sts = NULL, *auth = NULL, *ksecret = NULL;
	size_t clen = 0, slen = 0;
	FILE *cf = NULL, *sf = NULL;
	unsigned char k1[32], k2[32], k3[32], k4[32], s[32];
	struct tm tm;
	bool ok = false, s3 = strcmp(req->service, "s3") == 0;

	gmtime_r(&req->now, &tm);
	strftime(amzdate, sizeof(amzdate), "%Y%m%dT%H%M%SZ", &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	sha256_hex(req->body != NULL ? req->body : "", req->body_len, payload);
	if (!sigv4_header_add(headers, n, "Host", req->host) || !sigv4_header_add(headers, n, "X-Amz-Date", amzdate) ||
	    (s3 && !sigv4_header_add(headers, n, "X-Amz-Content-Sha256", payload)) ||
	    (creds->token != NULL && !sigv4_header_add(headers, n, "X-Amz-Security-Token", creds->token))) {
		err_set(err, "out of memory");
		goto out;
	}
	qsort(*headers, *n, sizeof(**headers), cmp_header);
	cf = open_memstream(&canon, &clen);
	sf = open_memstream(&signed_names, &slen);
	if (cf == NULL || sf == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++) {
		char *name = strdup((*headers)[i].name), *value = canon_value((*headers)[i].value);

		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			err_set(err, "out of memory");
			goto out;
		}
		lower(name);
		fprintf(cf, "%s:%s\n", name, value);
		fprintf(sf, "%s%s", i > 0 ? ";" : "", name);
		free(name);
		free(value);
	}
	fclose(cf);
	fclose(sf);
	cf = sf = NULL;
	if (asprintf(&creq, "%s\n%s\n%s\n%s\n%s\n%s", req->method, req->path, req->query, canon, signed_names,
		     payload) < 0) {
		creq = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	sha256_hex(creq, strlen(creq), creq_hash);
	if (asprintf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amzdate, date, req->region, req->service,
		     creq_hash) < 0 ||
	    asprintf(&ksecret, "AWS4%s", creds->secret_key) < 0) {
		sts = ksecret = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!hmac(ksecret, strlen(ksecret), date, k1) || !hmac(k1, 32, req->region, k2) ||
	    !hmac(k2, 32, req->service, k3) || !hmac(k3, 32, "aws4_request", k4) || !hmac(k4, 32, sts, s)) {
		err_ssl(err, "HMAC-SHA256 failed");
		goto out;
	}
	hex_encode(s, 32, sig);
	if (asprintf(&auth, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
		     creds->access_key, date, req->region, req->service, signed_names, sig) < 0) {
		auth = NULL;
		err_set(err, "out of memory");
		goto out;
	}
	if (!sigv4_header_add(headers, n, "Authorization", auth)) {
		err_set(err, "out of memory");
		goto out;
	}
	ok = true;
out:
	if (cf != NULL)
		fclose(cf);
	if (sf != NULL)
		fclose(sf);
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	OPENSSL_cleanse(k4, sizeof(k4));
	if (ksecret != NULL)
		OPENSSL_clear_free(ksecret, strlen(ksecret));
	free(canon);
	free(signed_names);
	free(creq);
	free(sts);
	free(auth);
	return ok;
}

bool aws_creds_set(aws_creds *c, const char *ak, const char *sk, const char *tok, const char *source, sao_err *err)
{
	c->access_key = strdup(ak);
	c->secret_key = strdup(sk);
	c->token = tok != NULL && tok[0] != '\0' ? strdup(tok) : NULL;
	c->source = strdup(source);
	if (c->access_key == NULL || c->secret_key == NULL || c->source == NULL ||
	    (tok != NULL && tok[0] != '\0' && c->token == NULL)) {
		aws_creds_clear(c);
		return err_set(err, "out of memory");
	}
	return true;
}
