/* b64: base64url (RFC 4648 §5, unpadded) encoding for JWK members and kids, and strict
 * standard base64 decoding for Kubernetes Secret data. Wraps OpenSSL's codec. */
#ifndef SAOIDC_B64_H
#define SAOIDC_B64_H

#include <stdbool.h>
#include <stddef.h>

/* Returns a malloc'd NUL-terminated string, or NULL on allocation failure. */
char *b64url_encode(const unsigned char *data, size_t len);
/* Standard, padded base64 (Kubernetes' []byte fields); malloc'd or NULL. */
char *b64_std_encode(const unsigned char *data, size_t len);
/* Decodes standard, padded base64 exactly as RFC 4648 §4 has it (no whitespace, no stray '=',
 * canonical final character). Returns false on anything else.
 * *out is malloc'd; the caller frees (and cleanses, if secret). */
bool b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);
/* Decodes unpadded base64url (RFC 4648 §5), as in JWS segments, as strictly. */
bool b64url_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen);

#endif
