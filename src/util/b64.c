#include "config.h"

#include "util/b64.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

char *b64_std_encode(const unsigned char *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

char *b64url_encode(const unsigned char *data, size_t len)
{
	char *out = b64_std_encode(data, len);
	size_t n;

	if (out == NULL)
		return NULL;
	n = strlen(out);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

bool b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	int n = 0, fin = 0;
	bool ok = false;

	*out = NULL;
	*outlen = 0;
	if (inlen > (size_t)INT32_MAX / 2)
		goto out;
	ctx = EVP_ENCODE_CTX_new();
	buf = malloc(inlen / 4 * 3 + 4);
	if (ctx == NULL || buf == NULL)
		goto out;
	/* EVP_DecodeUpdate skips whitespace and rejects anything outside the alphabet. */
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)in, (int)inlen) < 0)
		goto out;
	if (EVP_DecodeFinal(ctx, buf + n, &fin) < 0)
		goto out;
	/* A leftover partial quantum (length not a multiple of 4) is silently dropped by OpenSSL. */
	if (EVP_ENCODE_CTX_num(ctx) != 0)
		goto out;
	*out = buf;
	*outlen = (size_t)(n + fin);
	buf = NULL;
	ok = true;
out:
	free(buf);
	EVP_ENCODE_CTX_free(ctx);
	return ok;
}

bool b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	size_t padded = inlen + (4 - inlen % 4) % 4;
	char *tmp;
	bool ok;

	*out = NULL;
	*outlen = 0;
	if (inlen % 4 == 1)
		return false;
	tmp = malloc(padded + 1);
	if (tmp == NULL)
		return false;
	for (size_t i = 0; i < inlen; i++) {
		char c = in[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			free(tmp);
			return false;
		}
		tmp[i] = c;
	}
	memset(tmp + inlen, '=', padded - inlen);
	tmp[padded] = '\0';
	ok = b64_decode(tmp, padded, out, outlen);
	free(tmp);
	return ok;
}
