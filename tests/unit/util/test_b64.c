/* Unit tests for src/b64.c: RFC 4648 vectors, url alphabet, strict decoding. */
#include "config.h"

#include "util/b64.h"
#include "tap.h"

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
	dec("Zm9v\nYmFy\n", false, true, "foobar");
	dec("", false, true, "");
	dec("Zm9v!mFy", false, false, NULL);
	dec("Zm9vY", false, false, NULL);
	dec("Zm9vYg", true, true, "foob");
	dec("-__-", true, true, "\xfb\xff\xfe");
	dec("Zm9vY", true, false, NULL);
	dec("Zm9+", true, false, NULL);
	dec("Zm9vYg==", true, false, NULL);
	return tap_done();
}
