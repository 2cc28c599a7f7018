#include "config.h"

#include "server/snapshot.h"

#include "net/http.h"
#include "util/str.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KUBE_JWKS_PATH "/openid/v1/jwks"
#define DISCOVERY_PATH "/.well-known/openid-configuration"

/* One document's two prebuilt answers. */
typedef struct doc_resp {
	struct MHD_Response *full, *not_modified;
} doc_resp;

typedef struct site {
	char *issuer, *host, *prefix, *jwks_path;
	size_t nkeys;
	char etag[2][35]; /* [SNAP_DISCOVERY], [SNAP_JWKS] */
	doc_resp *resp;	  /* [slot * 2 + doc] */
	atomic_ulong requests[2];
} site;

struct snapshot {
	size_t nslots, nsites;
	site sites[];
};

static void doc_resp_free(doc_resp *d)
{
	/* MHD counts references: connections still sending a response keep it alive. */
	if (d->full != NULL)
		MHD_destroy_response(d->full);
	if (d->not_modified != NULL)
		MHD_destroy_response(d->not_modified);
}

void snap_free(snapshot *sn)
{
	if (sn == NULL)
		return;
	for (size_t i = 0; i < sn->nsites; i++) {
		site *st = &sn->sites[i];

		for (size_t r = 0; st->resp != NULL && r < sn->nslots * 2; r++)
			doc_resp_free(&st->resp[r]);
		free(st->resp);
		free(st->issuer);
		free(st->host);
		free(st->prefix);
		free(st->jwks_path);
	}
	free(sn);
}

static bool add_headers(struct MHD_Response *r, const snap_cfg *cfg, unsigned max_age, const char *ctype,
			const char *etag)
{
	char cc[64];

	snprintf(cc, sizeof(cc), "public, max-age=%u", max_age);
	if ((ctype != NULL && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES) ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cc) != MHD_YES ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag) != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES)
		return false;
	if (cfg->cors && MHD_add_response_header(r, "Access-Control-Allow-Origin", "*") != MHD_YES)
		return false;
	return true;
}

static bool doc_responses(const snap_cfg *cfg, unsigned max_age, const char *body, size_t len, const char *ctype,
			  const char *etag, doc_resp *out)
{
	out->full = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	out->not_modified = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	return out->full != NULL && out->not_modified != NULL && add_headers(out->full, cfg, max_age, ctype, etag) &&
	       add_headers(out->not_modified, cfg, max_age, NULL, etag);
}

static char *dup_lower(const char *s)
{
	char *d = s != NULL ? strdup(s) : NULL;

	for (char *p = d; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return d;
}

static bool build_site(const snap_cfg *cfg, const snap_site *in, site *st)
{
	const docs *d = in->d;
	/* The JWKS may be cached as long as its source says (an external signer's refresh hint),
	 * never longer than configured; the discovery document as configured. */
	unsigned jmax = d->max_age > 0 && d->max_age < cfg->max_age ? d->max_age : cfg->max_age;

	st->nkeys = in->nkeys;
	st->issuer = strdup(in->issuer != NULL ? in->issuer : "");
	st->host = in->host != NULL ? dup_lower(in->host) : NULL;
	st->prefix = strdup(in->prefix != NULL ? in->prefix : "");
	st->jwks_path = strdup(in->jwks_path != NULL ? in->jwks_path : "/keys.json");
	st->resp = calloc(cfg->nslots * 2, sizeof(*st->resp));
	if (st->issuer == NULL || (in->host != NULL && st->host == NULL) || st->prefix == NULL ||
	    st->jwks_path == NULL || st->resp == NULL)
		return false;
	http_etag(d->discovery, d->discovery_len, st->etag[SNAP_DISCOVERY]);
	http_etag(d->jwks, d->jwks_len, st->etag[SNAP_JWKS]);
	for (size_t i = 0; i < cfg->nslots; i++)
		if (!doc_responses(cfg, cfg->max_age, d->discovery, d->discovery_len, "application/json",
				   st->etag[SNAP_DISCOVERY], &st->resp[i * 2 + SNAP_DISCOVERY]) ||
		    !doc_responses(cfg, jmax, d->jwks, d->jwks_len, "application/jwk-set+json", st->etag[SNAP_JWKS],
				   &st->resp[i * 2 + SNAP_JWKS]))
			return false;
	return true;
}

snapshot *snap_build(const snap_cfg *cfg, const snap_site *sites, size_t n, sao_err *err)
{
	snapshot *sn = calloc(1, sizeof(*sn) + n * sizeof(sn->sites[0]));

	if (sn == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	sn->nslots = cfg->nslots;
	sn->nsites = n;
	for (size_t i = 0; i < n; i++) {
		atomic_init(&sn->sites[i].requests[0], 0);
		atomic_init(&sn->sites[i].requests[1], 0);
	}
	for (size_t i = 0; i < n; i++)
		if (!build_site(cfg, &sites[i], &sn->sites[i])) {
			snap_free(sn);
			err_set(err, "cannot build the HTTP responses (out of memory)");
			return NULL;
		}
	return sn;
}

/* Whether the request's Host names this host: compared without case and without a port. */
static bool host_is(const char *want, const char *host)
{
	size_t wl = strcspn(want, ":"), hl;

	if (host == NULL)
		return false;
	hl = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
	if (want[0] == '[')
		wl = strcspn(want, "]") + 1;
	return wl == hl && strncasecmp(want, host, wl) == 0;
}

snap_doc snap_route(const snapshot *sn, const char *host, const char *url, size_t *site_i)
{
	const char *rest = NULL;
	size_t best = 0;
	bool found = false;

	for (size_t i = 0; i < sn->nsites; i++) {
		const site *st = &sn->sites[i];
		size_t pl = strlen(st->prefix);

		if (st->host != NULL && !host_is(st->host, host))
			continue;
		if (pl > 0 && strncmp(url, st->prefix, pl) == 0 && url[pl] == '/' && (!found || pl > best)) {
			*site_i = i;
			rest = url + pl;
			best = pl;
			found = true;
		} else if (!found && (pl == 0 || st->host == NULL)) {
			/* an issuer at the host's root; or the one issuer, also at the root */
			*site_i = i;
			rest = url;
			found = true;
		}
	}
	if (!found)
		return SNAP_NONE;
	if (strcmp(rest, DISCOVERY_PATH) == 0)
		return SNAP_DISCOVERY;
	if (strcmp(rest, sn->sites[*site_i].jwks_path) == 0 || strcmp(rest, KUBE_JWKS_PATH) == 0)
		return SNAP_JWKS;
	return SNAP_NONE;
}

struct MHD_Response *snap_answer(snapshot *sn, size_t site_i, snap_doc doc, size_t slot, const char *inm,
				 unsigned *status)
{
	site *st = &sn->sites[site_i];
	const doc_resp *dr = &st->resp[(slot % sn->nslots) * 2 + doc];

	atomic_fetch_add_explicit(&st->requests[doc], 1, memory_order_relaxed);
	if (inm != NULL && http_if_none_match(inm, st->etag[doc])) {
		*status = MHD_HTTP_NOT_MODIFIED;
		return dr->not_modified;
	}
	*status = MHD_HTTP_OK;
	return dr->full;
}

void snap_carry_counts(snapshot *to, const snapshot *from)
{
	for (size_t i = 0; to != NULL && from != NULL && i < to->nsites; i++)
		for (size_t j = 0; j < from->nsites; j++)
			if (strcmp(to->sites[i].issuer, from->sites[j].issuer) == 0)
				for (int d = 0; d < 2; d++)
					atomic_fetch_add(&to->sites[i].requests[d],
							 atomic_load((atomic_ulong *)&from->sites[j].requests[d]));
}

char *snap_metrics_text(const snapshot *sn)
{
	strlist lines = {0};
	char *out = NULL, *issuer = NULL;
	size_t len = 1, at = 0;
	bool ok = true;

	if (sn == NULL || sn->nsites < 2)
		return strdup("");
	/* each family's lines together, as the exposition format wants */
	ok = strlist_add(&lines, "# HELP saoidc_issuer_keys Keys in each issuer's JWKS.\n"
				 "# TYPE saoidc_issuer_keys gauge\n");
	for (size_t i = 0; ok && i < sn->nsites; i++) {
		free(issuer);
		ok = (issuer = str_escape(sn->sites[i].issuer, 512, STR_ESC_ASCII | STR_ESC_QUOTES)) != NULL &&
		     strlist_addf(&lines, "saoidc_issuer_keys{issuer=\"%s\"} %zu\n", issuer, sn->sites[i].nkeys);
	}
	ok = ok && strlist_add(&lines, "# HELP saoidc_issuer_requests_total Documents served, by issuer.\n"
				       "# TYPE saoidc_issuer_requests_total counter\n");
	for (size_t i = 0; ok && i < sn->nsites; i++) {
		const site *st = &sn->sites[i];

		free(issuer);
		ok = (issuer = str_escape(st->issuer, 512, STR_ESC_ASCII | STR_ESC_QUOTES)) != NULL &&
		     strlist_addf(&lines, "saoidc_issuer_requests_total{issuer=\"%s\",document=\"discovery\"} %lu\n",
				  issuer, atomic_load((atomic_ulong *)&st->requests[SNAP_DISCOVERY])) &&
		     strlist_addf(&lines, "saoidc_issuer_requests_total{issuer=\"%s\",document=\"jwks\"} %lu\n", issuer,
				  atomic_load((atomic_ulong *)&st->requests[SNAP_JWKS]));
	}
	for (size_t i = 0; ok && i < lines.n; i++)
		len += strlen(lines.v[i]);
	if (ok && (out = malloc(len)) != NULL)
		for (size_t i = 0; i < lines.n; i++) {
			memcpy(out + at, lines.v[i], strlen(lines.v[i]));
			at += strlen(lines.v[i]);
		}
	if (out != NULL)
		out[at] = '\0';
	free(issuer);
	strlist_clear(&lines);
	return out;
}
