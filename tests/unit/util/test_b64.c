/* Unit tests for src/b64.c: RFC 4648 vectors, url alphabet, strict decoding. */
#include "config.h"

#include "util/b64.h"
#include "../tap.h"

#include <stdlib.h>

static void enc(const char *in, const char *want)
{
	char *got = b64url_encode((const unsigned char *)in, strlen(in));

	is_str(got, want, "b64url(\"%s\")", in);
	free(got);
}

static void dec(const char *in, bool url, bool want_ok, const char *want)
{
	unsigned char *out = NULL;
	size_t len = 0;
	bool r = url ? b64url_decode(in, strlen(in), &out, &len) : b64_decode(in, strlen(in), &out, &len);

	if (!want_ok) {
		ok(!r, "%s decode rejects \"%s\"", url ? "b64url" : "b64", in);
	} else {
		ok(r && len == strlen(want) && memcmp(out, want, len) == 0, "%s decode \"%s\"", url ? "b64url" : "b64",
		   in);
	}
	free(out);
}

int main(void)
{
	unsigned char bytes[] = {0xfb, 0xff, 0xfe};
	char *s;

	enc("", "");
	enc("f", "Zg");
	enc("fo", "Zm8");
	enc("foo", "Zm9v");
	enc("foob", "Zm9vYg");
	enc("fooba", "Zm9vYmE");
	enc("foobar", "Zm9vYmFy");
	s = b64url_encode(bytes, sizeof(bytes));
	is_str(s, "-__-", "url alphabet uses - and _");
	free(s);

	dec("Zm9vYmFy", false, true, "foobar");
	dec("Zm9vYg==", false, true, "foob");
	dec("Zm9v\nYmFy\n", false, false, NULL); /* strict: no line breaks */
	dec("", false, true, "");
	dec("Zm9v!mFy", false, false, NULL);
	dec("Zm9vY", false, false, NULL);
	dec("Zm9vYg", true, true, "foob");
	dec("-__-", true, true, "\xfb\xff\xfe");
	dec("Zm9vY", true, false, NULL);
	dec("Zm9+", true, false, NULL);
	dec("Zm9vYg==", true, false, NULL);
	/* Every byte value in the last place: only the alphabet (and '=' where padding may stand)
	 * is accepted, and, where the last character carries unused bits, only the ones that leave
	 * them zero (RFC 4648 §3.5). "QUE" + c: a full quantum, or "QUE=" (E leaves its 2 bits zero);
	 * "QU" + c in base64url: two bytes, so c's low 2 bits must be zero. */
	{
		static const char url_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		int bad_std = 0, bad_url = 0;

		for (int c = 1; c < 256; c++) {
			char s4[5] = {'Q', 'U', 'E', (char)c, 0}, s3[4] = {'Q', 'U', (char)c, 0};
			const char *at = strchr(url_alpha, c);
			unsigned char *o = NULL;
			size_t ol = 0;
			bool in_std = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
				      c == '+' || c == '/' || c == '=';
			bool url_ok = at != NULL && (at - url_alpha) % 4 == 0;

			if (b64_decode(s4, 4, &o, &ol) != in_std)
				bad_std++;
			free(o);
			o = NULL;
			if (b64url_decode(s3, 3, &o, &ol) != url_ok)
				bad_url++;
			free(o);
		}
		is_int(bad_std, 0,
		       "std: of the 255 non-NUL byte values, exactly the alphabet and '=' are accepted last");
		is_int(bad_url, 0, "url: exactly the alphabet characters with zero unused bits are accepted last");
	}
	dec("Zm9=", false, false, NULL); /* non-canonical: the unused bits are not zero */
	dec("Zg==", false, true, "f");
	dec("Zh==", false, false, NULL); /* the same byte, non-canonical */
	dec("Zm9v====", false, false, NULL);
	dec("=Zm9", false, false, NULL);
	dec("Zm-v", false, false, NULL);   /* '-' is base64url's, not base64's */
	dec("Zm9vYm-", true, false, NULL); /* non-canonical in url too ('-' = 62, low bits set) */
	return tap_done();
}
