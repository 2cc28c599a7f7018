/* iam: the IAM OpenID Connect provider for an issuer, kept right idempotently: list, get,
 * create, and reconcile client IDs, thumbprints and tags (the flow kops uses); and deleted. */
#ifndef SAOIDC_IAM_H
#define SAOIDC_IAM_H

#include "aws/iam_query.h"
#include "util/str.h"
#include "util/err.h"

#include <stdbool.h>

typedef struct iam_want {
	const char *issuer;    /* https://HOST[/PATH] */
	strlist client_ids;    /* default: sts.amazonaws.com; added when missing */
	bool prune_client_ids; /* also remove the provider's client IDs not in client_ids */
	strlist thumbprints;   /* desired list; empty with manage_thumbprints: none */
	bool manage_thumbprints;
	strlist tag_keys, tag_values; /* given tags; extra tags are removed only when some are given */
} iam_want;

/* Checks what IAM accepts before any call: https, no port, query or fragment, <= 255
 * characters, <= 100 client IDs, <= 5 thumbprints of 40 hex digits. */
bool iam_check_want(const iam_want *w, sao_err *err);

/* Finds the provider whose URL is the issuer; creates it or brings it in line: client IDs are
 * added, never removed unless prune_client_ids (the plan is reported first, removals first).
 * With dry_run the write calls are reported, not made. *arn is malloc'd (NULL in a dry run that
 * would create). */
bool iam_oidc_ensure(const iam_want *w, const iam_client *iam, bool dry_run, iam_note_fn note, char **arn,
		     sao_err *err);

/* The ARNs of every OpenID Connect provider of the account (ListOpenIDConnectProviders),
 * appended to *arns. An ARN ends in oidc-provider/HOST[/PATH], the prefix of its condition keys. */
bool iam_oidc_list(const iam_client *iam, strlist *arns, sao_err *err);

/* Reads the provider for an issuer, for `verify`: *found false when there is none. */
bool iam_oidc_find(const char *issuer, const iam_client *iam, bool *found, char **arn, strlist *client_ids,
		   strlist *thumbprints, sao_err *err);

/* Deletes the provider (DeleteOpenIDConnectProvider); a dry run notes it instead. */
bool iam_oidc_delete(const char *arn, const iam_client *iam, bool dry_run, iam_note_fn note, sao_err *err);

#endif
