/* trust_migrate: a role's trust policy moved from one OpenID Connect provider to another, in
 * two steps that never leave the role unusable. Pure: policy documents in and out.
 *   add     every statement trusting OLD gains a twin trusting NEW: Principal.Federated NEW,
 *           the conditions keyed OLD's HOST/PATH: re-keyed to NEW's (sub, aud and the rest
 *           kept), a Sid suffixed "ToNew"; other statements untouched; a twin already there
 *           is not added again (a second run changes nothing);
 *   remove  the statements trusting OLD go; refused when none trusting NEW would be left.
 * A statement naming several providers, or conditions keyed on another provider, is not
 * rewritten mechanically: the reason says why. */
#ifndef SAOIDC_TRUST_MIGRATE_H
#define SAOIDC_TRUST_MIGRATE_H

#include <jansson.h>
#include <stddef.h>

enum { TM_CANNOT = -1, TM_SAME = 0, TM_CHANGED = 1 };

/* TM_CHANGED: *out is the new policy (and *added, if not NULL, the statements added); TM_SAME:
 * nothing to add; TM_CANNOT: why says why (or out of memory). */
int tm_add(const json_t *trust, const char *old_arn, const char *new_arn, json_t **out, json_t **added, char *why,
	   size_t whylen);

/* TM_CHANGED: *out is the policy without OLD's statements; TM_SAME: none trusts OLD;
 * TM_CANNOT: no statement would trust NEW (or a statement names both). */
int tm_remove(const json_t *trust, const char *old_arn, const char *new_arn, json_t **out, char *why, size_t whylen);

#endif
