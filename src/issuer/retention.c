#include "config.h"

#include "issuer/retention.h"

#include "util/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 8

bool rtn_merge(const bucket_client *b, const char *state_key, const docs_cfg *cfg, const docs *source,
	       const retain_policy *pol, time_t now, bool dry_run, docs *out, char **etag, retain_report *rep,
	       sao_err *err)
{
	json_t *src = json_loadb(source->jwks, source->jwks_len, 0, NULL);
	bool ok = false;

	*etag = NULL;
	if (src == NULL)
		return err_set(err, "the rendered JWKS does not parse (a bug)");
	for (int round = 0; round < MAX_ROUNDS && !ok; round++) {
		char *body = NULL, *text = NULL;
		size_t len = 0;
		bool found = false, lost = false;
		json_t *state = NULL, *nstate = NULL, *jwks = NULL;
		json_error_t je;

		retain_report_clear(rep);
		free(*etag);
		*etag = NULL;
		if (!bucket_object_get(b, state_key, &body, &len, etag, &found, err))
			goto round_out;
		if (found && (state = json_loadb(body != NULL ? body : "", len, 0, &je)) == NULL) {
			err_set(
			    err,
			    "s3://%s/%s: corrupt retention state (%s); nothing was changed: restore it, or delete it "
			    "to start over (retained keys are then forgotten)",
			    b->bucket, state_key, je.text);
			goto round_out;
		}
		if (!retain_merge(state, src, now, pol, &nstate, &jwks, rep, err)) {
			err_prefix(err, "s3://%s/%s: ", b->bucket, state_key);
			goto round_out;
		}
		if (!docs_render_jwks(cfg, jwks, out, err))
			goto round_out;
		if (dry_run || (state != NULL && json_equal(state, nstate))) {
			ok = true;
			goto round_out;
		}
		if ((text = json_dumps(nstate, JSON_INDENT(2))) == NULL) {
			err_set(err, "out of memory");
			goto round_out;
		}
		if (!bucket_object_put_if(b, state_key, text, "application/json", found ? *etag : NULL, &lost, err))
			goto round_out;
		if (lost) { /* someone wrote first: read theirs, merge again */
			docs_clear(out);
			goto round_out;
		}
		free(*etag);
		*etag = NULL;
		{
			/* The ETag now: read back, so that rtn_moved compares with what we left. */
			char *b2 = NULL;
			size_t l2 = 0;
			bool f2 = false;

			ok = bucket_object_get(b, state_key, &b2, &l2, etag, &f2, err);
			free(b2);
		}
	round_out:
		free(body);
		free(text);
		json_decref(state);
		json_decref(nstate);
		json_decref(jwks);
		if (!ok && err->msg[0] != '\0')
			break;
	}
	if (!ok && err->msg[0] == '\0')
		err_set(err, "s3://%s/%s: other publishers kept writing the retention state; run again", b->bucket,
			state_key);
	json_decref(src);
	return ok;
}

bool rtn_moved(const bucket_client *b, const char *state_key, const char *etag, bool *moved, sao_err *err)
{
	char *body = NULL, *now = NULL;
	size_t len = 0;
	bool found = false, ok = bucket_object_get(b, state_key, &body, &len, &now, &found, err);

	*moved = ok && (!found || now == NULL || etag == NULL || strcmp(now, etag) != 0);
	free(body);
	free(now);
	return ok;
}

void rtn_report_log(const retain_report *rep)
{
	for (size_t i = 0; i < rep->added.n; i++)
		log_info("key %s: new in the source", rep->added.v[i]);
	for (size_t i = 0; i < rep->kept.n; i++)
		log_info("key %s: retained", rep->kept.v[i]);
	for (size_t i = 0; i < rep->dropped.n; i++)
		log_info("key %s: its retention ended, dropped from the JWKS", rep->dropped.v[i]);
	for (size_t i = 0; i < rep->revoked.n; i++)
		log_note("key %s: revoked", rep->revoked.v[i]);
	for (size_t i = 0; i < rep->cut.n; i++)
		log_warn("key %s: dropped early to make room (the oldest retained keys give way, never the source's); "
			 "tokens it signed that are still valid fail at STS",
			 rep->cut.v[i]);
	for (size_t i = 0; i < rep->others.n; i++)
		log_info("%s", rep->others.v[i]);
	for (size_t i = 0; i < rep->notes.n; i++)
		log_warn("retention state: %s", rep->notes.v[i]);
}
