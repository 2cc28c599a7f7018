/* trust_audit: who an IAM role's trust policy lets assume it through an OpenID Connect
 * provider, and how broadly. Pure: a policy document in, a verdict and findings out.
 *
 * For each statement that allows sts:AssumeRoleWithWebIdentity to the provider (Principal
 * Federated), the conditions on HOST/PATH:sub and HOST/PATH:aud are read as IAM evaluates
 * them (StringEquals, StringLike, their IgnoreCase/IfExists/ForAnyValue forms; key names
 * compared without case, as IAM does):
 *   fail  no :sub condition, or a :sub pattern matching every namespace: any ServiceAccount of
 *         the cluster can assume the role; a condition key naming another host/path (or with
 *         https://): it never matches, the role cannot be used through this provider; a
 *         wildcard in a StringEquals value (matched literally: almost surely a mistake);
 *   warn  a whole namespace (system:serviceaccount:NS:*) or another pattern within one
 *         namespace; no :aud condition;
 *   ok    otherwise. */
#ifndef SAOIDC_TRUST_AUDIT_H
#define SAOIDC_TRUST_AUDIT_H

#include "util/str.h"

#include <jansson.h>
#include <stdbool.h>

typedef enum ta_verdict { TA_OK, TA_WARN, TA_FAIL } ta_verdict;

const char *ta_verdict_name(ta_verdict v);

/* The OpenID Connect provider ARNs the policy's web-identity statements name, appended once. */
bool ta_providers(const json_t *trust, strlist *out);

/* The audit of one role's trust policy for one provider (its ARN; its URL is what follows
 * "oidc-provider/"): {"verdict", "subjects": [...], "audiences": [...], "findings":
 * [{"code", "message"}]}, or NULL when no statement of the policy trusts the provider (or out
 * of memory: *oom says which). */
json_t *ta_role(const json_t *trust, const char *provider_arn, bool *oom);

#endif
