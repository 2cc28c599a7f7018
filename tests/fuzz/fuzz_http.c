/* libFuzzer target: the HTTP semantics saoidc parses itself: If-None-Match lists against an
 * ETag, and issuer / jwks-path validation (URLs come from operators and from fetched documents). */
#include "config.h"

#include "jose/discovery.h"
#include "net/http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char etag[35];
	sao_err err;
	bool insecure;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	http_etag(data, size, etag);
	(void)http_if_none_match(s, "\"0123456789abcdef0123456789abcdef\"");
	if (http_if_none_match(s, etag) && strchr(s, '"') == NULL && strchr(s, '*') == NULL)
		abort(); /* a match needs a quoted tag or "*" */
	(void)disc_check_issuer(s, &insecure, &err);
	(void)disc_check_jwks_path(s, &err);
	free(s);
	return 0;
}
