/* Unit tests for src/net/http.c: If-None-Match as RFC 9110 compares it, strong ETags, HTTP
 * dates. */
#include "config.h"

#include "net/http.h"
#include "../tap.h"

#include <string.h>

int main(void)
{
	char etag[35], other[35];

	http_etag("{\"keys\":[]}", 11, etag);
	ok(strlen(etag) == 34 && etag[0] == '"' && etag[33] == '"', "http_etag: 32 hex digits, quoted (%s)", etag);
	http_etag("{\"keys\":[] }", 12, other);
	ok(strcmp(etag, other) != 0, "  another body, another tag");
	ok(http_if_none_match(etag, etag), "If-None-Match: the same tag matches");
	ok(http_if_none_match("*", etag), "  * matches");
	ok(http_if_none_match("\"x\", W/\"y\"", "\"y\""), "  a weak tag in a list matches (weak comparison)");
	ok(!http_if_none_match("\"x\", \"z\"", "\"y\""), "  a list without it does not");
	ok(!http_if_none_match("\"y", "\"y\""), "  a malformed list matches nothing");
	ok(!http_if_none_match("", etag), "  an empty value matches nothing");
	is_int(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777, "http_date: the IMF-fixdate of RFC 9110");
	is_int(http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777, "  the obsolete RFC 850 form");
	is_int(http_date("Sun Nov  6 08:49:37 1994"), 784111777, "  asctime's form");
	is_int(http_date("yesterday"), 0, "  anything else: 0");
	is_int(http_date(""), 0, "  empty: 0");
	return tap_done();
}
