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

/* The value of an alphabet character (RFC 4648 table 1, or table 2 with `url`), or -1. */
static int value(unsigned char c, bool url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* RFC 4648 exactly: §4 (padded to a multiple of 4 with at most two '=', at the end) or §5
 * unpadded; nothing outside the alphabet (no whitespace, no line breaks), and the unused bits of
 * the last character zero (§3.5: one encoding per byte string). */
static bool strict(const char *in, size_t len, bool url)
{
	size_t pad = 0, data;
	int last;

	if (!url && len % 4 != 0)
		return false;
	if (url && len % 4 == 1)
		return false;
	while (!url && pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	data = len - pad;
	for (size_t i = 0; i < data; i++)
		if (value((unsigned char)in[i], url) < 0)
			return false;
	if (data == 0)
		return true;
	last = value((unsigned char)in[data - 1], url);
	switch (data % 4) {
	case 2: /* one byte: 4 unused bits */
		return (last & 0x0f) == 0;
	case 3: /* two bytes: 2 unused bits */
		return (last & 0x03) == 0;
	default:
		return pad == 0;
	}
}

bool b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	int n = 0, fin = 0;
	bool ok = false;

	*out = NULL;
	*outlen = 0;
	if (inlen > (size_t)INT32_MAX / 2 || !strict(in, inlen, false))
		goto out;
	ctx = EVP_ENCODE_CTX_new();
	buf = malloc(inlen / 4 * 3 + 4);
	if (ctx == NULL || buf == NULL)
		goto out;
	/* The text is strict base64 by now; OpenSSL only decodes it. */
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
	if (!strict(in, inlen, true))
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
