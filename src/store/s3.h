/* store/s3: an S3 bucket as an issuer store (store.h): objects read and written with SigV4
 * (aws/send), a conditional write with If-Match / If-None-Match: *, public-read ACLs on the
 * documents when asked, and S3's refusals of them explained with the two ways out. */
#ifndef SAOIDC_STORE_S3_H
#define SAOIDC_STORE_S3_H

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/s3.h"
#include "store/store.h"

/* The store for t's bucket and prefix at ep. creds may be NULL (a dry run without credentials:
 * only describe works) and must outlive the store; public_acl sends x-amz-acl: public-read with
 * each document (not with the retention state). */
bool store_s3_open(store *st, const s3_target *t, const aws_endpoint *ep, const aws_creds *creds, bool public_acl,
		   sao_err *err);

#endif
