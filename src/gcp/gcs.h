/* gcs: the Cloud Storage JSON API calls publishing needs (storage v1, as its discovery document
 * describes them): objects.get (metadata, then the media of that generation), objects.insert by
 * multipart upload with contentType, cacheControl, ifGenerationMatch and predefinedAcl,
 * buckets.get and buckets.getIamPolicy (is the bucket public?), and an anonymous read of an
 * object's public URL. STORAGE_EMULATOR_HOST, as Google's libraries read it, points every call
 * elsewhere; a bearer token is never sent over plain http. */
#ifndef SAOIDC_GCS_H
#define SAOIDC_GCS_H

#include "net/fetch.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct gcs_client {
	const char *base;  /* https://storage.googleapis.com, or STORAGE_EMULATOR_HOST's */
	const char *token; /* NULL: anonymous */
	const char *bucket;
} gcs_client;

/* The API's base URL (malloc'd). */
char *gcs_base(sao_err *err);

typedef struct gcs_insert {
	const char *body;
	size_t len;
	const char *content_type, *cache_control; /* cache_control NULL: none */
	const char *if_generation;		  /* NULL: unconditional; "0": only if absent */
	bool public_read;			  /* predefinedAcl=publicRead */
} gcs_insert;

/* Each returns any answer in r (the caller reads r->status); false only when none came. */
bool gcs_object_meta(const gcs_client *c, const char *name, fetch_result *r, sao_err *err);
bool gcs_object_media(const gcs_client *c, const char *name, const char *generation, fetch_result *r, sao_err *err);
bool gcs_object_insert(const gcs_client *c, const char *name, const gcs_insert *in, fetch_result *r, sao_err *err);
bool gcs_bucket_get(const gcs_client *c, fetch_result *r, sao_err *err);
bool gcs_bucket_iam(const gcs_client *c, fetch_result *r, sao_err *err);
/* GET BASE/BUCKET/NAME without credentials: what STS sees. */
bool gcs_public_get(const gcs_client *c, const char *name, fetch_result *r, sao_err *err);

#endif
