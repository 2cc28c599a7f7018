#include "config.h"

#include "issuer/retention.h"

#include "util/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 8

/* One round: read the state, merge, write it back if it changed. *lost (and true): another
 * publisher wrote first; read and merge again. */
static bool merge_round(const store *st, const char *name, json_t *src, const docs_cfg *cfg, const retain_policy *pol,
			time_t now, bool dry_run, docs *out, char **etag, retain_report *rep, bool *lost, sao_err *err)
{
	store_obj cur = {0}, back = {0};
	json_t *state = NULL, *nstate = NULL, *jwks = NULL;
	json_error_t je;
	char *text = NULL, *detail = NULL;
	bool ok = false;

	*lost = false;
	if (!store_get(st, RTN_STATE_PATH, &cur, err)) {
		err_prefix(err, "%s: ", name);
		goto out;
	}
	if (cur.found && (state = json_loadb(cur.body != NULL ? cur.body : "", cur.len, 0, &je)) == NULL) {
		err_set(err,
			"%s: corrupt retention state (%s); nothing was changed: restore it, or delete it to start over "
			"(retained keys are then forgotten)",
			name, je.text);
		goto out;
	}
	if (!retain_merge(state, src, now, pol, &nstate, &jwks, rep, err)) {
		err_prefix(err, "%s: ", name);
		goto out;
	}
	if (!docs_render_jwks(cfg, jwks, out, err))
		goto out;
	if (dry_run || (state != NULL && json_equal(state, nstate))) {
		*etag = cur.version;
		cur.version = NULL;
		ok = true;
		goto out;
	}
	if ((text = json_dumps(nstate, JSON_INDENT(2))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		store_put put = {
		    RTN_STATE_PATH, text, strlen(text), "application/json", NULL, true, cur.found ? cur.version : NULL,
		    false};

		if (!store_put_obj(st, &put, lost, &detail, err)) {
			err_prefix(err, "%s: writing the retention state failed: ", name);
			goto out;
		}
	}
	if (*lost) { /* someone wrote first: read theirs, merge again */
		docs_clear(out);
		ok = true;
		goto out;
	}
	/* The version now: read back, so that rtn_moved compares with what we left. */
	if (!store_get(st, RTN_STATE_PATH, &back, err)) {
		err_prefix(err, "%s: ", name);
		goto out;
	}
	*etag = back.version;
	back.version = NULL;
	ok = true;
out:
	store_obj_clear(&cur);
	store_obj_clear(&back);
	free(text);
	free(detail);
	json_decref(state);
	json_decref(nstate);
	json_decref(jwks);
	return ok;
}

bool rtn_merge(const store *st, const docs_cfg *cfg, const docs *source, const retain_policy *pol, time_t now,
	       bool dry_run, docs *out, char **etag, retain_report *rep, sao_err *err)
{
	json_t *src = json_loadb(source->jwks, source->jwks_len, 0, NULL);
	char *name = store_name(st, RTN_STATE_PATH);
	bool ok = false, lost = true;

	*etag = NULL;
	if (src == NULL || name == NULL) {
		err_set(err, src == NULL ? "the rendered JWKS does not parse (a bug)" : "out of memory");
		goto out;
	}
	for (int round = 0; round < MAX_ROUNDS && lost; round++) {
		retain_report_clear(rep);
		free(*etag);
		*etag = NULL;
		if (!merge_round(st, name, src, cfg, pol, now, dry_run, out, etag, rep, &lost, err))
			goto out;
	}
	if (lost) {
		err_set(err, "%s: other publishers kept writing the retention state; run again", name);
		goto out;
	}
	ok = true;
out:
	free(name);
	json_decref(src);
	return ok;
}

bool rtn_moved(const store *st, const char *etag, bool *moved, sao_err *err)
{
	store_obj now = {0};
	bool ok = store_get(st, RTN_STATE_PATH, &now, err);

	*moved = ok && (!now.found || now.version == NULL || etag == NULL || strcmp(now.version, etag) != 0);
	store_obj_clear(&now);
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
