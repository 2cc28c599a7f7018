/* Unit tests for src/azure/sharedkey.c: the string to sign as "Authorize with Shared Key"
 * (learn.microsoft.com) lays it out -- the eleven standard header lines with Content-Length empty
 * when zero, the x-ms-* headers lower-cased and sorted, the canonicalized resource with the
 * account, the path as sent and the query parameters lower-cased, sorted and decoded (the
 * document's own example, ?restype=container&comp=metadata) -- and the signature's form.
 * Azurite checks real signatures end to end in tests/e2e/azblob.sh. */
#include "config.h"

#include "azure/sharedkey.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	az_header h[] = {{"x-ms-version", "2021-08-06"},
			 {"X-MS-Date", "Mon, 07 Dec 2026 05:00:00 GMT"},
			 {"Content-Type", "application/json"},
			 {"If-Match", "\"0x8D\""},
			 {"x-ms-blob-type", "BlockBlob"}};
	char *s = az_string_to_sign("myaccount", "PUT", "/mycontainer/a/keys.json", NULL, h, 5, 12);
	sao_err err = {""};
	unsigned char key[] = "0123456789abcdef";
	char *auth;

	ok(s != NULL && strcmp(s, "PUT\n\n\n12\n\napplication/json\n\n\n\"0x8D\"\n\n\n\n"
				  "x-ms-blob-type:BlockBlob\nx-ms-date:Mon, 07 Dec 2026 05:00:00 GMT\n"
				  "x-ms-version:2021-08-06\n/myaccount/mycontainer/a/keys.json") == 0,
	   "a Put Blob: standard headers by position, x-ms-* lower-cased and sorted, then the resource");
	free(s);
	s = az_string_to_sign("myaccount", "GET", "/mycontainer", "restype=container&comp=metadata", h, 1, 0);
	ok(s != NULL && strcmp(s, "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-version:2021-08-06\n"
				  "/myaccount/mycontainer\ncomp:metadata\nrestype:container") == 0,
	   "the documentation's example: Content-Length empty when zero, query parameters sorted");
	free(s);
	s = az_string_to_sign("devstoreaccount1", "HEAD", "/devstoreaccount1/pub", "ResType=container&x=a%2Fb", NULL, 0,
			      0);
	ok(s != NULL && strstr(s, "\n/devstoreaccount1/devstoreaccount1/pub\nrestype:container\nx:a/b") != NULL,
	   "the emulator's path keeps the account; query names lower-cased, values decoded");
	free(s);
	auth = az_sharedkey("myaccount", key, 16, "GET", "/c", NULL, h, 1, 0, &err);
	ok(auth != NULL && strncmp(auth, "SharedKey myaccount:", 20) == 0 && strlen(auth) == 20 + 44,
	   "the Authorization value: SharedKey ACCOUNT:base64(HMAC-SHA256)");
	free(auth);
	return tap_done();
}
