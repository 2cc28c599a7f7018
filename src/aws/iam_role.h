/* iam_role: the IAM roles an issuer's pods assume: one created or brought in line with a trust
 * policy, and the roles whose trust policy names a given OpenID Connect provider. */
#ifndef SAOIDC_IAM_ROLE_H
#define SAOIDC_IAM_ROLE_H

#include "aws/iam_query.h"
#include "util/str.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct iam_role_opts {
	bool replace; /* make an existing role's trust policy exactly `trust` (else: add to it) */
	bool dry_run; /* read, and say what would be written */
} iam_role_opts;

/* Creates the IAM role with this trust policy; an existing role gets the statements of `trust`
 * it lacks added to its own (other statements stay) unless o->replace, said before it is
 * written; attaches the managed policies not attached yet (none is detached). *arn is malloc'd
 * (NULL in a dry run that would create the role). */
bool iam_role_ensure(const char *name, const json_t *trust, const strlist *policy_arns, const iam_role_opts *o,
		     const iam_client *iam, iam_note_fn note, char **arn, sao_err *err);

/* UpdateAssumeRolePolicy: the role's trust policy becomes `trust` (noted as it is made). */
bool iam_role_set_trust(const char *name, const json_t *trust, const iam_client *iam, iam_note_fn note, sao_err *err);

/* One role of the account: its ARN, name and trust policy (IAM's JSON, URL-decoded; NULL when
 * unreadable). Returns false (with err set) to stop. */
typedef bool (*iam_role_fn)(void *ctx, const char *arn, const char *name, const json_t *trust, sao_err *err);

/* Calls fn for every role of the account (ListRoles, every page; at most 100 pages). */
bool iam_roles_each(const iam_client *iam, iam_role_fn fn, void *ctx, sao_err *err);

/* Appends to *out the ARN of every role (ListRoles, all pages) whose trust policy has a
 * statement with provider_arn as (one of) its Principal.Federated. */
bool iam_roles_trusting(const char *provider_arn, const iam_client *iam, strlist *out, sao_err *err);

#endif
