/* sharedkey: Azure Storage's Shared Key authorization (learn.microsoft.com, "Authorize with
 * Shared Key", version 2015-02-21 and later): the string to sign -- the verb, eleven standard
 * headers, the x-ms-* headers canonicalized, the account and path, the query parameters --
 * signed with HMAC-SHA256 under the account key. */
#ifndef SAOIDC_AZ_SHAREDKEY_H
#define SAOIDC_AZ_SHAREDKEY_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct az_header {
	const char *name, *value;
} az_header;

/* The string to sign for a request (malloc'd): path is the URL's path as sent (the emulator's
 * includes the account: /devstoreaccount1/CONTAINER/BLOB), query its raw query without '?'. */
char *az_string_to_sign(const char *account, const char *method, const char *path, const char *query,
			const az_header *h, size_t nh, size_t content_length);

/* "SharedKey ACCOUNT:SIGNATURE" (malloc'd), key being the decoded account key. */
char *az_sharedkey(const char *account, const unsigned char *key, size_t key_len, const char *method, const char *path,
		   const char *query, const az_header *h, size_t nh, size_t content_length, sao_err *err);

#endif
