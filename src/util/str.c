#include "config.h"

#include "util/str.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool strlist_add(strlist *l, const char *s)
{
	/* The capacity doubles (it is the next power of two, so it needs no field of its own): a list
	 * of 100,000 names is not copied 100,000 times. */
	if ((l->n & (l->n - 1)) == 0) {
		char **nv = realloc(l->v, (l->n == 0 ? 1 : 2 * l->n) * sizeof(*nv));

		if (nv == NULL)
			return false;
		l->v = nv;
	}
	if ((l->v[l->n] = strdup(s)) == NULL)
		return false;
	l->n++;
	return true;
}

bool strlist_has(const strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void strlist_clear(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

char *str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool strlist_addf(strlist *l, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int r;
	bool ok;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return false;
	ok = strlist_add(l, s);
	free(s);
	return ok;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes available), or 0 when the bytes there
 * are not one: no overlong forms, surrogates or code points above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if (len == 2 && cp < 0xa0) /* C1 controls */
		return 0;
	return len;
}

char *str_escape(const char *in, size_t max, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t n = strlen(in), i = 0, o = 0;
	char *out = malloc((n < max ? n : max) * 4 + 4);

	if (out == NULL)
		return NULL;
	while (i < n) {
		size_t l = utf8_len(p + i, n - i);
		bool esc = l == 0 || p[i] < 0x20 || p[i] == 0x7f || (l > 1 && (flags & STR_ESC_ASCII)) ||
			   ((flags & STR_ESC_QUOTES) && (p[i] == '"' || p[i] == '\\'));

		if (esc)
			l = 1;
		if (i + l > max)
			break;
		if (esc) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		} else {
			memcpy(out + o, p + i, l);
			o += l;
		}
		i += l;
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

void str_free_secret(char *s)
{
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

const char *str_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

void str_redact(char *msg, const char *secret, const char *mark)
{
	size_t sl = secret != NULL ? strlen(secret) : 0, ml = strlen(mark);
	char *p = msg;

	if (sl == 0)
		return;
	if (ml > sl)
		ml = sl;
	while ((p = strstr(p, secret)) != NULL) {
		memcpy(p, mark, ml);
		memmove(p + ml, p + sl, strlen(p + sl) + 1);
		p += ml;
	}
}
