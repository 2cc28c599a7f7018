#include "config.h"

#include "issuer/upload.h"

#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* 1: uploaded, 0: unchanged, -1: failed (message logged). *modified gets an unchanged object's
 * Last-Modified time (0 when unknown). */
static int sync_object(const store *st, const store_put *o, const upl_cfg *p, time_t *modified)
{
	char *name = store_name(st, o->path), *text = NULL, *detail = NULL;
	store_obj cur = {0};
	sao_err err = {""};
	bool lost = false;
	int ret = -1;

	if (name == NULL) {
		log_error("out of memory");
		goto out;
	}
	if (p->dry_run) {
		if ((text = store_describe(st, o)) == NULL) {
			log_error("out of memory");
			goto out;
		}
		fputs(text, stdout);
		ret = 1;
		goto out;
	}
	if (!p->force) {
		if (!store_get(st, o->path, &cur, &err)) {
			log_error("%s: reading the current object failed: %s", name, err.msg);
			goto out;
		}
		if (cur.found && cur.len == o->len && memcmp(cur.body, o->body, o->len) == 0 &&
		    same(cur.content_type, o->content_type) && same(cur.cache_control, o->cache_control)) {
			log_info("%s: unchanged", name);
			*modified = cur.modified;
			ret = 0;
			goto out;
		}
	}
	if (!store_put_obj(st, o, &lost, &detail, &err)) {
		if (detail != NULL)
			log_error("%s", detail);
		log_error("%s: upload failed: %s", name, err.msg);
		goto out;
	}
	log_info("%s: uploaded (%zu bytes, %s)", name, o->len, o->content_type);
	ret = 1;
out:
	store_obj_clear(&cur);
	free(detail);
	free(text);
	free(name);
	return ret;
}

int upl_docs(const docs_cfg *cfg, const docs *d, const store *st, const upl_cfg *p, time_t modified[2])
{
	const store_put objs[] = {
	    {cfg->jwks_path != NULL ? cfg->jwks_path : "/keys.json", d->jwks, d->jwks_len, "application/jwk-set+json",
	     p->cache_control, false, NULL, true},
	    {"/.well-known/openid-configuration", d->discovery, d->discovery_len, "application/json", p->cache_control,
	     false, NULL, true},
	};
	int n = 0;

	for (size_t i = 0; i < 2; i++) {
		time_t m = 0;
		int r = sync_object(st, &objs[i], p, &m);

		if (r < 0) {
			if (i == 1)
				log_error("the JWKS is up to date, the discovery document is not: run again to finish");
			return -1;
		}
		/* Uploaded now, or uploaded by a run that ended before its invalidation: modified[i] is
		 * compared with the newest invalidation. */
		if (r > 0)
			modified[i] = (time_t)-1;
		else if (modified[i] != (time_t)-1)
			modified[i] = m;
		n += r;
	}
	return n;
}
