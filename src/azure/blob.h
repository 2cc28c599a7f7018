/* blob: the Azure Blob service calls publishing needs, authorized by azure/creds (Shared Key
 * signature, SAS query, or Entra bearer token), x-ms-version 2021-08-06: Get Blob, Put Blob
 * (block blob, x-ms-blob-content-type and x-ms-blob-cache-control, If-Match / If-None-Match: *),
 * Get Container Properties (its public access level) and the static website setting. A SAS or
 * a bearer token is never sent over plain http. */
#ifndef SAOIDC_AZ_BLOB_H
#define SAOIDC_AZ_BLOB_H

#include "azure/creds.h"
#include "net/fetch.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct az_put {
	const char *body;
	size_t len;
	const char *content_type, *cache_control; /* cache_control NULL: none */
	const char *if_match;			  /* an ETag, or NULL */
	bool if_none_match;			  /* only if the blob does not exist */
} az_put;

/* The blob's URL (malloc'd), without credentials. */
char *az_blob_url(const az_creds *c, const char *container, const char *blob);
/* Get Blob: any answer is returned in r (200, 404 BlobNotFound, ...). */
bool az_blob_get(const az_creds *c, const char *container, const char *blob, fetch_result *r, sao_err *err);
/* Put Blob: any answer is returned in r (201, 412 ConditionNotMet, 409 BlobAlreadyExists, ...). */
bool az_blob_put(const az_creds *c, const char *container, const char *blob, const az_put *p, fetch_result *r,
		 sao_err *err);
/* Get Container Properties: r->kept is its x-ms-blob-public-access ("blob", "container", or
 * NULL when private). */
bool az_container_props(const az_creds *c, const char *container, fetch_result *r, sao_err *err);
/* The error code of an answer (x-ms-error-code, else the XML <Code>); malloc'd or NULL. */
char *az_error_code(const fetch_result *r);
/* What to do about an error code, or NULL. */
const char *az_error_hint(const char *code, long status, az_auth auth);

#endif
