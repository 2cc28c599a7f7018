#include "config.h"

#include "issuer/cloudcompat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STS_KEY_CAP 100	    /* per key type: the IAM user guide's 100 RSA + 100 EC */
#define STS_BUDGET_MS 5000L /* STS gives up on the identity provider after about 5 s */

bool cc_parse(const char *list, unsigned *mask, sao_err *err)
{
	char *copy = strdup(list != NULL ? list : ""), *save = NULL;
	bool ok = copy != NULL;

	*mask = 0;
	for (char *t = ok ? strtok_r(copy, ",", &save) : NULL; ok && t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "aws") == 0)
			*mask |= CC_AWS;
		else if (strcmp(t, "azure") == 0)
			*mask |= CC_AZURE;
		else if (strcmp(t, "gcp") == 0)
			*mask |= CC_GCP;
		else
			ok = err_set(err, "--for: \"%s\" is not a cloud saoidc knows (aws, azure, gcp)", t);
	}
	if (ok && *mask == 0)
		ok = err_set(err, "--for takes aws, azure or gcp, comma-separated");
	free(copy);
	return ok;
}

static void set(cc_result *r, cc_status st, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set(cc_result *r, cc_status st, const char *fix, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	snprintf(r->fix, sizeof(r->fix), "%s", fix != NULL ? fix : "");
	va_start(ap, fmt);
	vsnprintf(r->seen, sizeof(r->seen), fmt, ap);
	va_end(ap);
}

/* A key's algorithm: its "alg", else what its kty implies ("RS*", "ES*", the kty itself). */
static const char *alg_of(const json_t *k)
{
	const char *alg = json_string_value(json_object_get(k, "alg")),
		   *kty = json_string_value(json_object_get(k, "kty"));

	if (alg != NULL)
		return alg;
	return kty == NULL ? "?" : strcmp(kty, "RSA") == 0 ? "RS*" : strcmp(kty, "EC") == 0 ? "ES*" : kty;
}

typedef struct tally {
	size_t n, rsa, ec, other, no_kid, not_sig;
	char first_other[96], first_not_sig[96];
} tally;

/* Whether a key may verify signatures: "use" absent or "sig", "key_ops" absent or naming "verify". */
static bool for_signatures(const json_t *k)
{
	const char *use = json_string_value(json_object_get(k, "use"));
	const json_t *ops = json_object_get(k, "key_ops"), *op;
	size_t i;

	if (json_object_get(k, "use") != NULL && (use == NULL || strcmp(use, "sig") != 0))
		return false;
	if (ops == NULL)
		return true;
	json_array_foreach(ops, i, op)
	{
		if (json_is_string(op) && strcmp(json_string_value(op), "verify") == 0)
			return true;
	}
	return false;
}

static void count(const json_t *jwks, tally *t)
{
	size_t i;
	json_t *k;

	memset(t, 0, sizeof(*t));
	json_array_foreach(json_object_get(jwks, "keys"), i, k)
	{
		const char *alg = alg_of(k), *kid = json_string_value(json_object_get(k, "kid"));

		t->n++;
		if (strncmp(alg, "RS", 2) == 0)
			t->rsa++;
		else if (strncmp(alg, "ES", 2) == 0)
			t->ec++;
		else if (t->other++ == 0)
			snprintf(t->first_other, sizeof(t->first_other), "%.40s (kid \"%.40s\")", alg, kid ? kid : "");
		t->no_kid += kid == NULL || kid[0] == '\0';
		if (!for_signatures(k) && t->not_sig++ == 0)
			snprintf(t->first_not_sig, sizeof(t->first_not_sig), "kid \"%.60s\"", kid ? kid : "");
	}
}

/* What every cloud requires of a JWKS; true when it holds (else r is set). */
static bool common(const tally *t, cc_result *r)
{
	if (t->n == 0) {
		set(r, CC_FAIL, "publish the output of `saoidc jwks --key ...`", "the JWKS has no keys");
		return false;
	}
	if (t->n > 1 && t->no_kid > 0) {
		set(r, CC_FAIL, "publish the keys with saoidc, which gives each its Kubernetes kid",
		    "%zu of %zu keys have no kid: with more than one key, the key of a token is found by its kid",
		    t->no_kid, t->n);
		return false;
	}
	if (t->not_sig > 0) {
		set(r, CC_WARN, "publish signing keys without \"use\" or with \"use\": \"sig\", and no key_ops",
		    "%zu key%s not for signatures (\"use\" or \"key_ops\"), first %s: never used to verify a token",
		    t->not_sig, t->not_sig == 1 ? " is" : "s are", t->first_not_sig);
		return false;
	}
	return true;
}

void cc_check(unsigned cloud, const json_t *jwks, const char *issuer, cc_result *out)
{
	tally t;

	count(jwks, &t);
	if (!common(&t, out))
		return;
	if (cloud == CC_AWS) {
		if (t.other > 0)
			set(out, CC_FAIL, "sign with RS256/384/512 or ES256/384/512 keys",
			    "STS takes RS* and ES* only; %zu key%s not, first %s", t.other,
			    t.other == 1 ? " is" : "s are", t.first_other);
		else if (t.rsa > STS_KEY_CAP || t.ec > STS_KEY_CAP)
			set(out, CC_FAIL, "drop the keys whose tokens have expired (saoidc publish --retain)",
			    "%zu RSA and %zu EC keys: STS reads at most %d of each", t.rsa, t.ec, STS_KEY_CAP);
		else
			set(out, CC_PASS, NULL,
			    "%zu RSA and %zu EC key%s: STS takes RS*/ES* (ES* since 2024-11-20), up to %d "
			    "of each",
			    t.rsa, t.ec, t.ec == 1 ? "" : "s", STS_KEY_CAP);
	} else if (cloud == CC_AZURE) {
		if (t.rsa == 0)
			set(out, CC_FAIL, "sign with an RSA key (saoidc keygen --type rsa) for Azure",
			    "no RSA key: Microsoft Entra refuses ES* and other algorithms (AADSTS5002738)");
		else if (t.rsa < t.n)
			set(out, CC_WARN, "sign with the RSA key for Azure",
			    "%zu of %zu keys are not RSA: Entra refuses tokens they sign (AADSTS5002738)", t.n - t.rsa,
			    t.n);
		else
			set(out, CC_PASS, NULL,
			    "%zu RSA key%s; the federated credential's issuer must be exactly \"%s\" (Entra compares "
			    "it byte "
			    "for byte, a trailing slash included)",
			    t.rsa, t.rsa == 1 ? "" : "s", issuer);
	} else {
		if (t.other > 0)
			set(out, CC_FAIL, "sign with RSA or EC keys for GCP",
			    "GCP workload identity federation takes RSA and EC keys; %zu key%s not, first %s", t.other,
			    t.other == 1 ? " is" : "s are", t.first_other);
		else
			set(out, CC_PASS, NULL, "%zu RSA and %zu EC key%s: GCP takes both", t.rsa, t.ec,
			    t.ec == 1 ? "" : "s");
	}
}

void cc_cache(const char *cc, cc_result *out)
{
	const char *m;

	if (cc == NULL) {
		set(out, CC_PASS, NULL, "no Cache-Control on the JWKS: STS caches it by its own rules");
		return;
	}
	m = strcasestr(cc, "max-age=");
	if (strcasestr(cc, "no-cache") != NULL || strcasestr(cc, "no-store") != NULL || (m != NULL && atol(m + 8) == 0))
		set(out, CC_WARN,
		    "serve the JWKS with Cache-Control: max-age=300 or more (saoidc publish --cache-control, serve "
		    "--cache-max-age); a CDN in front must not add no-cache",
		    "Cache-Control \"%.200s\" keeps STS from caching the JWKS: it fetches it for every token and may "
		    "be "
		    "throttled (\"Couldn't retrieve verification key\")",
		    cc);
	else
		set(out, CC_PASS, NULL, "Cache-Control \"%.200s\" lets STS cache the JWKS", cc);
}

void cc_fetch_time(long disc_ms, long jwks_ms, cc_result *out)
{
	long total = disc_ms + jwks_ms;

	if (total >= STS_BUDGET_MS)
		set(out, CC_FAIL, "put a CDN or S3 in front: STS gives up after about 5 s",
		    "discovery %ld ms + JWKS %ld ms = %ld ms, over STS's ~5 s", disc_ms, jwks_ms, total);
	else if (total >= STS_BUDGET_MS / 2)
		set(out, CC_WARN, "put a CDN or S3 in front: STS gives up after about 5 s",
		    "discovery %ld ms + JWKS %ld ms = %ld ms, half of STS's ~5 s or more (from here)", disc_ms, jwks_ms,
		    total);
	else
		set(out, CC_PASS, NULL, "discovery %ld ms + JWKS %ld ms = %ld ms of STS's ~5 s (from here)", disc_ms,
		    jwks_ms, total);
}
