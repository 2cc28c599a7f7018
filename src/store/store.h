/* store: where an issuer's documents and its retention state are kept -- an S3 bucket
 * (store/s3.c), an Azure Blob container (store/azblob.c) or a Cloud Storage bucket
 * (store/gcs.c) -- behind the calls publishing needs: read an object with its version, write
 * one (conditionally on a version, for the retention state), name it, and say what a dry run
 * would send. Paths are under the issuer ("/keys.json"); each store adds its prefix. */
#ifndef SAOIDC_STORE_H
#define SAOIDC_STORE_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct store_obj {
	bool found;
	char *body; /* NUL-terminated */
	size_t len;
	char *version; /* S3's and Azure's ETag, Cloud Storage's generation: for a conditional write */
	char *content_type, *cache_control;
	time_t modified; /* 0: unknown */
} store_obj;

typedef struct store_put {
	const char *path; /* under the issuer: "/keys.json" */
	const char *body;
	size_t len;
	const char *content_type;
	const char *cache_control; /* NULL: none */
	bool conditional;	   /* only if the object is still if_version, or (NULL) does not exist */
	const char *if_version;
	bool document; /* a public document (a store that makes objects public one by one does) */
} store_put;

typedef struct store_ops {
	bool (*get)(void *ctx, const char *path, store_obj *o, sao_err *err);
	/* *lost: a conditional write found someone else's version (the call otherwise succeeded).
	 * *detail (malloc'd, may stay NULL): a longer explanation of a refusal, for the log. */
	bool (*put)(void *ctx, const store_put *p, bool *lost, char **detail, sao_err *err);
	char *(*name)(void *ctx, const char *path);	  /* "s3://BUCKET/KEY" */
	char *(*describe)(void *ctx, const store_put *p); /* the request a dry run prints */
	bool (*refresh)(void *ctx, sao_err *err);	  /* fresh credentials (NULL: the caller's) */
	void (*close)(void *ctx);
} store_ops;

typedef struct store {
	const store_ops *ops;
	void *ctx;
} store;

bool store_get(const store *s, const char *path, store_obj *o, sao_err *err);
bool store_put_obj(const store *s, const store_put *p, bool *lost, char **detail, sao_err *err);
/* The object's name for messages, "s3://BUCKET/KEY" (malloc'd; NULL when out of memory). */
char *store_name(const store *s, const char *path);
char *store_describe(const store *s, const store_put *p);
/* Loads the store's own credentials anew (tokens expire); true when it has none of its own. */
bool store_refresh(const store *s, sao_err *err);
void store_obj_clear(store_obj *o);
/* Fills o as found from an HTTP answer's parts, which it takes: each pointer is moved into o and
 * set to NULL in the caller (a missing body becomes ""). False only when out of memory. */
bool store_obj_take(store_obj *o, char **body, size_t *len, char **version, char **content_type, char **cache_control,
		    const char *last_modified);
void store_close(store *s);

#endif
