/* upload: the issuer's two documents into S3 as STS must find them: each object read first and
 * compared (body, Content-Type, Cache-Control), uploaded only when it differs (or with force),
 * the JWKS before the discovery document; S3's refusals of a public-read ACL explained with the
 * two ways out. With dry_run, the requests are printed on stdout instead of made. */
#ifndef SAOIDC_UPLOAD_H
#define SAOIDC_UPLOAD_H

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/s3.h"
#include "jose/docs.h"

#include <stdbool.h>
#include <time.h>

typedef struct upl_cfg {
	const char *acl;	   /* "public-read" (x-amz-acl) or "none" */
	const char *cache_control; /* the objects' Cache-Control */
	bool force;		   /* upload even when up to date */
	bool dry_run;		   /* print the requests on stdout, send nothing */
} upl_cfg;

/* Uploads the two documents (JWKS first). Returns how many were uploaded, or -1 (the message
 * logged). modified[i] becomes -1 for an uploaded object, else its Last-Modified (0 unknown). */
int upl_docs(const docs_cfg *cfg, const docs *d, const s3_target *t, const upl_cfg *p, const aws_endpoint *ep,
	     const aws_creds *creds, time_t modified[2]);

#endif
