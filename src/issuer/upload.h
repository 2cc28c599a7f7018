/* upload: the issuer's two documents into a store (store/store.h) as STS must find them: each
 * object read first and compared (body, Content-Type, Cache-Control), uploaded only when it
 * differs (or with force), the JWKS before the discovery document. With dry_run, the requests
 * are printed on stdout instead of made. */
#ifndef SAOIDC_UPLOAD_H
#define SAOIDC_UPLOAD_H

#include "jose/docs.h"
#include "store/store.h"

#include <stdbool.h>
#include <time.h>

typedef struct upl_cfg {
	const char *acl; /* "public-read" (each document public on its own) or "none"; NULL: the store's default */
	const char *cache_control; /* the objects' Cache-Control */
	bool force;		   /* upload even when up to date */
	bool dry_run;		   /* print the requests on stdout, send nothing */
} upl_cfg;

/* Uploads the two documents (JWKS first). Returns how many were uploaded, or -1 (the message
 * logged). modified[i] becomes -1 for an uploaded object, else its Last-Modified (0 unknown). */
int upl_docs(const docs_cfg *cfg, const docs *d, const store *st, const upl_cfg *p, time_t modified[2]);

#endif
