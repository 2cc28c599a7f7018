#include "config.h"

#include "issuer/rotation.h"

#include "jose/retain_fleet.h"
#include "util/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A step, with the error set when it cannot be added. */
#define step(steps, err, ...) (strlist_addf((steps), __VA_ARGS__) || err_set((err), "out of memory"))

/* When the state says a retained key stops being published; 0 if the state does not know it. */
static time_t retained_until(const rot_input *in, const char *kid)
{
	size_t i;
	const json_t *e;

	json_array_foreach(json_object_get(in->state, "keys"), i, e)
	{
		const json_t *g = json_object_get(e, "gone_since");

		if (strcmp(json_string_value(json_object_get(e, "kid")) ? json_string_value(json_object_get(e, "kid"))
									: "",
			   kid) == 0 &&
		    json_is_integer(g))
			return (time_t)json_integer_value(g) + in->retain_s;
	}
	return 0;
}

bool rot_plan(const rot_input *in, strlist *steps, bool *safe, sao_err *err)
{
	strlist missing = {0}, held = {0}, extra = {0};
	bool ok = false;
	char when[48];

	*safe = true;
	for (size_t i = 0; i < in->source->n; i++)
		if (!strlist_has(in->published, in->source->v[i]) && !strlist_add(&missing, in->source->v[i]))
			goto oom;
	for (size_t i = 0; i < in->published->n; i++) {
		const char *owner = in->state != NULL ? retain_kid_cluster(in->state, in->published->v[i]) : "";

		/* another cluster's key on a shared issuer: not this cluster's to retire */
		if (owner[0] != '\0' && (in->cluster == NULL || strcmp(owner, in->cluster) != 0))
			continue;
		if (in->published->v[i][0] != '\0' && !strlist_has(in->source, in->published->v[i]) &&
		    !strlist_add(&extra, in->published->v[i]))
			goto oom;
	}
	if (in->signer != NULL && !strlist_has(in->source, in->signer)) {
		err_set(err, "the signing key %s is not among the --key given: give every key the API server holds",
			in->signer);
		goto out;
	}
	for (size_t i = 0; i < in->source->n; i++)
		if ((in->signer == NULL || strcmp(in->source->v[i], in->signer) != 0) &&
		    !strlist_add(&held, in->source->v[i]))
			goto oom;

	if (missing.n > 0) {
		bool signer_missing = in->signer != NULL && strlist_has(&missing, in->signer);

		*safe = !signer_missing;
		for (size_t i = 0; i < missing.n; i++)
			if (!step(steps, err,
				  "%sPublish %s first: `saoidc publish` with every --key the API server holds. A key "
				  "must be in the published JWKS (and past the JWKS caches, max-age 1 h) before the "
				  "API server signs with it.",
				  signer_missing && strcmp(missing.v[i], in->signer) == 0 ? "NOW: tokens fail at STS. "
											  : "",
				  missing.v[i]))
				goto out;
		if (!signer_missing && !step(steps, err,
					     "Then switch the API server's signing key "
					     "(--service-account-signing-key-file) to the new key, keeping the old "
					     "public key in --service-account-key-file."))
			goto out;
		ok = true;
		goto out;
	}
	if (in->signer == NULL) {
		if (!step(steps, err,
			  "Every key given is published (%zu). Give --signer (the public key the API server signs "
			  "with now) for the next step.",
			  in->source->n))
			goto out;
	} else if (held.n == 0) {
		if (!step(steps, err,
			  "Steady: %s signs and is published. To rotate: `saoidc keygen --out new`, then "
			  "`saoidc publish --key CURRENT.pub --key new.pub`, then run rotate-plan again.",
			  in->signer))
			goto out;
	} else {
		for (size_t i = 0; i < held.n; i++)
			if (!step(steps, err,
				  "%s no longer signs, but tokens it signed live until they expire (24 h at most by "
				  "default): keep it in the API server's --service-account-key-file and published "
				  "until then; then drop it from the source and publish (retention keeps it %ld h "
				  "longer).",
				  held.v[i], in->retain_s / 3600))
				goto out;
		if (!step(steps, err,
			  "If %s was added just now, make sure it signs only after the published JWKS shows it "
			  "(saoidc verify --issuer ISSUER --key ...).",
			  in->signer))
			goto out;
	}
	for (size_t i = 0; i < extra.n; i++) {
		time_t until = in->state != NULL ? retained_until(in, extra.v[i]) : 0;

		clock_utc(until, when);
		if (until > 0
			? !step(steps, err,
				"%s is published but not held any more: retained until %s, when publish drops "
				"it. Nothing to do, unless it is compromised or was published by mistake: then "
				"`saoidc publish --revoke %s` withdraws it now.",
				extra.v[i], until > in->now ? when : "now (next publish)", extra.v[i])
			: !step(steps, err,
				"%s is published but not held any more%s: once 25 h have passed since it "
				"last signed, publish without it (retention drops it on its own); if it is "
				"compromised or was published by mistake, `saoidc publish --revoke %s` now.",
				extra.v[i], in->state != NULL ? " and not in the retention state" : "", extra.v[i]))
			goto out;
	}
	ok = true;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	strlist_clear(&missing);
	strlist_clear(&held);
	strlist_clear(&extra);
	return ok;
}
