/* trust_doc: reading an IAM trust policy document as IAM does: Statement one object or a list,
 * Action and Principal.Federated a string or a list, Action matched without case. The shared
 * ground of pod/trust_audit (judging) and pod/trust_migrate (moving a role to a new issuer). */
#ifndef SAOIDC_TRUST_DOC_H
#define SAOIDC_TRUST_DOC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The i-th statement (Statement an object counts as one); false past the end. */
bool td_statement(const json_t *trust, size_t i, const json_t **st);

/* A string or an array of strings: its i-th string, or NULL past the end. */
const char *td_nth(const json_t *v, size_t i);

/* Whether v (a string or an array) holds want. */
bool td_lists(const json_t *v, const char *want, bool ignore_case);

/* An Allow statement whose Action covers sts:AssumeRoleWithWebIdentity. */
bool td_web_identity(const json_t *st);

/* A statement's Principal.Federated (a string, an array, or NULL). */
const json_t *td_federated(const json_t *st);

/* What follows ":oidc-provider/" in a provider ARN (HOST/PATH, its condition keys' prefix). */
const char *td_provider_url(const char *arn);

#endif
