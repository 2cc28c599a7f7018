/* http: small pieces of HTTP semantics the server needs and that libmicrohttpd leaves to the
 * application: conditional requests (If-None-Match against a strong ETag). */
#ifndef SAOIDC_HTTP_H
#define SAOIDC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* True if an If-None-Match field value (a list of entity tags, or "*") matches `etag`
 * (a quoted strong tag such as "\"abc\""), using the weak comparison RFC 9110 §13.1.2 asks for.
 * A malformed list matches nothing: the client then simply gets the full document. */
bool http_if_none_match(const char *value, const char *etag);

/* Writes a strong ETag for a body: a quoted, 32-hex-digit prefix of its SHA-256. */
void http_etag(const void *body, size_t len, char out[35]);

/* An HTTP date (Last-Modified, RFC 9110 §5.6.7) as seconds since the epoch; 0 if unreadable. */
long long http_date(const char *value);

#endif
