/* libFuzzer target: the HTTP semantics saoidc parses itself: If-None-Match lists against an
 * ETag, issuer / jwks-path validation (URLs come from operators and from fetched documents), and
 * the escaping every log line and access-log field goes through (str_escape, log_request and
 * log_msg in text and JSON, with stderr discarded): the escaped text must be valid UTF-8 without
 * control characters, and never longer than its bound. */
#include "config.h"

#include "jose/discovery.h"
#include "net/http.h"
#include "util/log.h"
#include "util/str.h"

#include <jansson.h>

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
	(void)disc_check_sts_issuer(s, &err);
	{
		char *e = str_escape(s, 512, (unsigned)(size & 3));
		json_t *j;

		if (e == NULL)
			abort();
		for (const char *p = e; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort(); /* no control character survives */
		if (strlen(e) > 512 * 4 + 3)
			abort();
		j = json_string(e); /* NULL: not valid UTF-8 */
		if (j == NULL)
			abort();
		json_decref(j);
		free(e);
	}
	log_setup(LOG_INFO, (size & 4) != 0);
	log_request("192.0.2.1", s, s, 200, s);
	log_warn("%s", s);
	free(s);
	return 0;
}
