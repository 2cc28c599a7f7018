/* iam_query: IAM's Query API as saoidc calls it: the client (credentials and the partition's one
 * endpoint), a form body being built, one signed call whose errors name the call and explain
 * IAM's codes, and a write call that a dry run reports instead of making. Used by the provider
 * (iam.c) and role (iam_role.c) code. */
#ifndef SAOIDC_IAM_QUERY_H
#define SAOIDC_IAM_QUERY_H

#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/send.h"
#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

/* Who calls IAM, and where: the credentials and the partition's IAM endpoint. */
typedef struct iam_client {
	const aws_creds *creds;
	aws_endpoint ep;
	char url[sizeof(((aws_endpoint *)0)->url) + 1]; /* ep.url with the path "/" */
} iam_client;

/* IAM's endpoint for where's partition (the commercial one without a region). */
bool iam_client_init(iam_client *c, const aws_creds *creds, const aws_where *where, sao_err *err);

/* Reports one change or observation, for the command to print. */
typedef void (*iam_note_fn)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A Query API form body being built: "Name=Value&...", values URI-encoded; oom is sticky and
 * makes the call fail. */
typedef struct iam_form {
	char *s;
	size_t len;
	bool oom;
} iam_form;

void iam_form_add(iam_form *f, const char *name, const char *value);
void iam_form_addf(iam_form *f, const char *value, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* POSTs Action=action&Version=...&params, signed; a non-2xx answer is an error naming the call,
 * IAM's code and message, and what the code usually means. resp holds the answer either way. */
bool iam_call(const char *action, iam_form *params, const iam_client *iam, aws_response *resp, sao_err *err);

/* A call that changes something: with dry_run, note("would call ACTION: what") instead. Frees
 * f->s; notes "ACTION: what" after it succeeded. */
bool iam_write_call(const char *action, iam_form *f, const iam_client *iam, bool dry_run, iam_note_fn note,
		    const char *what, sao_err *err);

#endif
