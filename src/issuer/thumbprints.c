#include "config.h"

#include "issuer/thumbprints.h"

#include "net/fetch.h"
#include "util/url.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The jwks_uri of the issuer's discovery document, fetched as STS would; malloc'd or NULL. */
static char *fetch_jwks_uri(const char *issuer, const tls_opts *o)
{
	fetch_result r;
	char *url = NULL, *out = NULL;
	sao_err err;
	json_t *j;

	if (asprintf(&url, "%s/.well-known/openid-configuration", issuer) < 0)
		return NULL;
	if (fetch_get(url, o, 5000, &r, &err) && r.status == 200 && r.body != NULL) {
		j = json_loadb(r.body, r.len, 0, NULL);
		if (json_string_value(json_object_get(j, "jwks_uri")) != NULL)
			out = strdup(json_string_value(json_object_get(j, "jwks_uri")));
		json_decref(j);
	}
	fetch_result_clear(&r);
	free(url);
	return out;
}

static bool add_host(const char *host, int port, const tls_opts *o, strlist *thumbs, strlist *hosts, sao_err *err)
{
	tls_thumb t;
	char hp[600];

	if (!tls_thumbprint(host, port, o, &t, err))
		return false;
	snprintf(hp, sizeof(hp), "%s:%d%s", host, port, t.leaf ? THUMB_LEAF : "");
	if (!strlist_add(hosts, hp) || (!strlist_has(thumbs, t.sha1) && !strlist_add(thumbs, t.sha1)))
		return err_set(err, "out of memory");
	return true;
}

bool issuer_thumbprints(const char *issuer, const tls_opts *o, strlist *thumbs, strlist *hosts, bool *discovered,
			sao_err *err)
{
	char *host = NULL, *jhost = NULL, *jwks = NULL;
	int port = 0, jport = 0;
	bool ok = false;

	if (!url_https_host(issuer, &host, &port, err) || !add_host(host, port, o, thumbs, hosts, err))
		goto out;
	jwks = fetch_jwks_uri(issuer, o);
	*discovered = jwks != NULL;
	if (jwks != NULL && url_https_host(jwks, &jhost, &jport, err) && (strcmp(jhost, host) != 0 || jport != port)) {
		/* --connect-to names the issuer's server; the jwks host is dialled as it is. */
		tls_opts jo = fetch_opts_for(o, issuer, jwks);

		if (!add_host(jhost, jport, &jo, thumbs, hosts, err))
			goto out;
	}
	ok = true;
out:
	free(host);
	free(jhost);
	free(jwks);
	return ok;
}
