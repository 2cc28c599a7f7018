#include "config.h"

#include "docs.h"

#include "discovery.h"
#include "jwk.h"

#include <stdlib.h>
#include <string.h>

char *docs_dump(const json_t *v, bool pretty)
{
	/* Go's encoding/json escapes neither '/' nor non-ASCII; neither does this. */
	return json_dumps(v, pretty ? JSON_INDENT(2) : JSON_COMPACT);
}

bool docs_render(const docs_cfg *cfg, const key_set *keys, docs *out, sao_err *err)
{
	const char *path = cfg->jwks_path != NULL ? cfg->jwks_path : DISC_DEFAULT_JWKS_PATH;
	json_t *jwks = NULL, *disc = NULL;
	docs d;
	bool insecure = false, ok = false;

	memset(&d, 0, sizeof(d));
	if (key_set_count(keys) == 0)
		return err_set(err, "no signing keys given (use --key FILE)");
	if (!disc_check_issuer(cfg->issuer, &insecure, err) || !disc_check_jwks_path(path, err))
		return false;
	if (cfg->jwks_uri != NULL) {
		bool uri_insecure;

		if (!disc_check_issuer(cfg->jwks_uri, &uri_insecure, err)) {
			err_prefix(err, "--jwks-uri: ");
			return false;
		}
		d.jwks_uri = strdup(cfg->jwks_uri);
	} else {
		d.jwks_uri = disc_jwks_uri(cfg->issuer, path);
	}
	if (d.jwks_uri == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	jwks = jwk_set_build(keys, cfg->legacy_empty_kid, err);
	if (jwks == NULL)
		goto out;
	disc = disc_build(cfg->issuer, d.jwks_uri, keys, err);
	if (disc == NULL)
		goto out;
	d.jwks = docs_dump(jwks, false);
	d.discovery = docs_dump(disc, false);
	if (d.jwks == NULL || d.discovery == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	d.insecure_issuer = insecure;
	d.jwks_len = strlen(d.jwks);
	d.discovery_len = strlen(d.discovery);
	*out = d;
	memset(&d, 0, sizeof(d));
	ok = true;
out:
	docs_clear(&d);
	json_decref(jwks);
	json_decref(disc);
	return ok;
}

void docs_clear(docs *d)
{
	free(d->discovery);
	free(d->jwks);
	free(d->jwks_uri);
	memset(d, 0, sizeof(*d));
}
