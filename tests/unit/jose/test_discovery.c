/* Unit tests for src/jose/discovery.c and src/jose/docs.c: issuer rules, jwks path rules, document shape. */
#include "config.h"

#include "jose/discovery.h"
#include "jose/docs.h"
#include "../fixtures.h"
#include "jose/jwk.h"
#include "../tap.h"

static void issuer(const char *url, bool want_ok, bool want_insecure, const char *needle)
{
	sao_err err = {""};
	bool insecure = false;
	bool r = disc_check_issuer(url, &insecure, &err);

	if (want_ok)
		ok(r && insecure == want_insecure, "accepts issuer %s%s", url, want_insecure ? " (insecure)" : "");
	else if (!ok(!r && strstr(err.msg, needle) != NULL, "refuses issuer %s", url))
		printf("#   message: %s\n", err.msg);
}

int main(void)
{
	EVP_PKEY *a = fx_keygen("RSA", NULL, 2048), *b = fx_keygen("EC", "P-384", 0);
	size_t l;
	char *pa = fx_encode(a, FX_PUB_PEM, &l), *pb;
	key_set *s = key_set_new();
	sao_err err = {""};
	docs d = {0};
	docs_cfg cfg = {.issuer = "https://oidc.example.com/cluster-1"};

	issuer("https://oidc.example.com", true, false, NULL);
	issuer("https://bucket.s3.us-west-2.amazonaws.com/prefix", true, false, NULL);
	issuer("https://oidc.example.com/", false, false, "ends with a slash");
	issuer("https://oidc.example.com/a/", false, false, "byte for byte");
	issuer("http://oidc.example.com", false, false, "HTTPS only");
	issuer("http://127.0.0.1:8080", true, true, NULL);
	issuer("http://localhost:8080/x", true, true, NULL);
	issuer("HTTPS://oidc.example.com", false, false, "upper-case scheme");
	issuer("https://oidc.example.com?x=1", false, false, "query");
	issuer("https://oidc.example.com/#f", false, false, "fragment");
	issuer("https://u:p@oidc.example.com", false, false, "user info");
	issuer("oidc.example.com", false, false, "absolute URL");
	issuer("ftp://oidc.example.com", false, false, "https://");
	issuer("https://oidc.example.com/a b", false, false, "space");
	issuer("", false, false, "empty");
	issuer("https://oidc.example.com/team%20a", false, false, "percent-encoded");

	ok(disc_check_jwks_path("/keys.json", &err), "jwks path /keys.json");
	ok(disc_check_jwks_path("/openid/v1/jwks", &err), "jwks path /openid/v1/jwks");
	ok(!disc_check_jwks_path("keys.json", &err), "refuses a relative jwks path");
	ok(!disc_check_jwks_path("/../etc/passwd", &err), "refuses .. in the jwks path");
	ok(!disc_check_jwks_path("/a?b", &err), "refuses ? in the jwks path");
	ok(!disc_check_jwks_path("/.well-known/openid-configuration", &err), "refuses the discovery path");
	{
		bool ins = false;

		ok(disc_check_jwks_uri("https://192.0.2.1:80/openid/v1/jwks", &ins, &err),
		   "a jwks-uri with an address and port");
		ok(!disc_check_jwks_uri("http://issuer.example.com/openid/v1/jwks", &ins, &err) &&
		       strncmp(err.msg, "jwks-uri \"", 10) == 0,
		   "jwks-uri must be https, and the message says jwks-uri: %s", err.msg);
		ok(!disc_check_jwks_uri("issuer.example.com/openid/v1/jwks", &ins, &err), "jwks-uri without a scheme");
		ok(!disc_check_jwks_uri("https://issuer.example.com/jwks?x=1", &ins, &err) &&
		       !disc_check_jwks_uri("https://issuer.example.com/jwks#f", &ins, &err),
		   "jwks-uri without query or fragment");
	}

	key_set_add_blob(s, (unsigned char *)pa, l, "a", &err);
	pb = fx_encode(b, FX_PUB_PEM, &l);
	key_set_add_blob(s, (unsigned char *)pb, l, "b", &err);
	ok(docs_render(&cfg, s, &d, &err), "renders documents %s", err.msg);
	is_str(d.discovery,
	       "{\"issuer\":\"https://oidc.example.com/cluster-1\",\"jwks_uri\":\"https://oidc.example.com/cluster-1/"
	       "keys.json\",\"response_types_supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],"
	       "\"id_token_signing_alg_values_supported\":[\"ES384\",\"RS256\"]}",
	       "discovery document: kube-apiserver's five members in its order, byte for byte, algorithms sorted");
	docs_clear(&d);
	cfg.eks_discovery = true;
	ok(docs_render(&cfg, s, &d, &err), "renders the EKS style");
	is_str(d.discovery,
	       "{\"issuer\":\"https://oidc.example.com/cluster-1\",\"jwks_uri\":\"https://oidc.example.com/cluster-1/"
	       "keys.json\",\"authorization_endpoint\":\"urn:kubernetes:programmatic_authorization\",\"response_types_"
	       "supported\":[\"id_token\"],\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_"
	       "supported\":[\"ES384\",\"RS256\"],\"claims_supported\":[\"sub\",\"iss\"]}",
	       "EKS style: authorization_endpoint after jwks_uri, claims_supported last");
	cfg.eks_discovery = false;
	{
		const char *start = "{\"keys\":[{\"use\":\"sig\",\"kty\":\"RSA\",\"kid\":";

		ok(strncmp(d.jwks, start, strlen(start)) == 0, "JWKS is compact");
	}
	docs_clear(&d);

	cfg.jwks_path = "/openid/v1/jwks";
	ok(docs_render(&cfg, s, &d, &err) &&
	       strcmp(d.jwks_uri, "https://oidc.example.com/cluster-1/openid/v1/jwks") == 0,
	   "jwks_uri follows --jwks-path");
	docs_clear(&d);
	cfg.jwks_uri = "https://cdn.example.com/jwks";
	ok(docs_render(&cfg, s, &d, &err) &&
	       strstr(d.discovery, "\"jwks_uri\":\"https://cdn.example.com/jwks\"") != NULL,
	   "--jwks-uri overrides");
	docs_clear(&d);
	cfg.jwks_uri = NULL;
	cfg.issuer = "https://x/";
	ok(!docs_render(&cfg, s, &d, &err) && d.jwks == NULL, "a bad issuer renders nothing");

	/* A JWKS from elsewhere (the API server, the retention state): one kid naming two keys is
	 * refused, the same key twice is not. */
	cfg.issuer = "https://oidc.example.com/cluster-1";
	{
		json_t *set = jwk_set_build(s, false, &err), *k0 = json_array_get(json_object_get(set, "keys"), 0);
		json_t *twice = json_pack("{s:[O,O]}", "keys", k0, k0);
		json_t *clash = json_pack("{s:[O,O]}", "keys", k0, json_array_get(json_object_get(set, "keys"), 1));

		json_object_set(json_array_get(json_object_get(clash, "keys"), 1), "kid", json_object_get(k0, "kid"));
		ok(docs_render_jwks(&cfg, twice, &d, &err), "the same key twice is published");
		docs_clear(&d);
		ok(!docs_render_jwks(&cfg, clash, &d, &err) && strstr(err.msg, "share the kid") != NULL,
		   "one kid for two different keys is refused: %s", err.msg);
		json_decref(set);
		json_decref(twice);
		json_decref(clash);
	}

	key_set_free(s);
	free(pa);
	free(pb);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	return tap_done();
}
