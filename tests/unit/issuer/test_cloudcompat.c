/* Unit tests for src/issuer/cloudcompat.c: what each cloud takes of a JWKS, STS's caching and
 * fetch budget. */
#include "config.h"

#include "issuer/cloudcompat.h"
#include "../tap.h"

#include <string.h>

#define RSA "{\"kty\":\"RSA\",\"alg\":\"RS256\",\"use\":\"sig\",\"kid\":\"r\",\"n\":\"AQAB\",\"e\":\"AQAB\"}"
#define EC                                                                                                             \
	"{\"kty\":\"EC\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}"

static cc_status judge(unsigned cloud, const char *keys, char *seen, size_t n)
{
	char doc[4096];
	json_t *j;
	cc_result r;

	snprintf(doc, sizeof(doc), "{\"keys\":[%s]}", keys);
	j = json_loads(doc, 0, NULL);
	cc_check(cloud, j, "https://oidc.test/c", &r);
	json_decref(j);
	snprintf(seen, n, "%s", r.seen);
	return r.status;
}

int main(void)
{
	char seen[600], many[4096 * 4] = "";
	unsigned m;
	sao_err err = {""};
	cc_result r;

	ok(cc_parse("aws,azure,gcp", &m, &err) && m == (CC_AWS | CC_AZURE | CC_GCP), "--for aws,azure,gcp");
	ok(!cc_parse("aws,,oracle", &m, &err) && strstr(err.msg, "oracle") != NULL, "an unknown cloud is named (%s)",
	   err.msg);
	ok(!cc_parse("", &m, &err), "an empty list is refused");

	ok(judge(CC_AWS, RSA "," EC, seen, sizeof(seen)) == CC_PASS, "aws: RSA and EC pass (%s)", seen);
	ok(judge(CC_AWS, "{\"kty\":\"OKP\",\"alg\":\"EdDSA\",\"kid\":\"o\",\"crv\":\"Ed25519\",\"x\":\"AA\"}", seen,
		 sizeof(seen)) == CC_FAIL &&
	       strstr(seen, "EdDSA") != NULL,
	   "aws: EdDSA fails, named (%s)", seen);
	ok(judge(CC_AWS, "{\"kty\":\"RSA\",\"alg\":\"PS256\",\"kid\":\"p\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", seen,
		 sizeof(seen)) == CC_FAIL,
	   "aws: PS256 fails");
	for (int i = 0; i < 101; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s{\"kty\":\"EC\",\"kid\":\"k%d\"}",
			 i ? "," : "", i);
	ok(judge(CC_AWS, many, seen, sizeof(seen)) == CC_FAIL && strstr(seen, "101 EC") != NULL,
	   "aws: 101 EC keys are over STS's 100 (%s)", seen);
	ok(judge(CC_AZURE, EC, seen, sizeof(seen)) == CC_FAIL && strstr(seen, "AADSTS5002738") != NULL,
	   "azure: an EC-only JWKS fails (%s)", seen);
	ok(judge(CC_AZURE, RSA "," EC, seen, sizeof(seen)) == CC_WARN, "azure: RSA and EC: a warning (%s)", seen);
	ok(judge(CC_AZURE, RSA, seen, sizeof(seen)) == CC_PASS && strstr(seen, "\"https://oidc.test/c\"") != NULL,
	   "azure: RSA passes, with the exact issuer to use (%s)", seen);
	ok(judge(CC_GCP, RSA "," EC, seen, sizeof(seen)) == CC_PASS, "gcp: RSA and EC pass");
	ok(judge(CC_GCP, "{\"kty\":\"OKP\",\"kid\":\"o\"}", seen, sizeof(seen)) == CC_FAIL, "gcp: OKP fails");
	ok(judge(CC_GCP, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}," EC, seen, sizeof(seen)) == CC_FAIL &&
	       strstr(seen, "no kid") != NULL,
	   "every cloud: two keys, one without kid, fail (%s)", seen);
	ok(judge(CC_AWS, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", seen, sizeof(seen)) == CC_PASS,
	   "one key may go without kid");
	ok(judge(CC_AWS, RSA ",{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":\"x\"}", seen, sizeof(seen)) == CC_WARN,
	   "a key for encryption is a warning (%s)", seen);
	ok(judge(CC_AWS, RSA ",{\"kty\":\"RSA\",\"key_ops\":[\"encrypt\"],\"kid\":\"x\"}", seen, sizeof(seen)) ==
	       CC_WARN,
	   "key_ops without verify too");
	ok(judge(CC_AWS, "", seen, sizeof(seen)) == CC_FAIL, "an empty JWKS fails");

	cc_cache(NULL, &r);
	ok(r.status == CC_PASS, "no Cache-Control: pass");
	cc_cache("public, max-age=3600", &r);
	ok(r.status == CC_PASS, "max-age=3600: pass");
	cc_cache("no-cache", &r);
	ok(r.status == CC_WARN, "no-cache: warn");
	cc_cache("public, MAX-AGE=0", &r);
	ok(r.status == CC_WARN, "max-age=0 (any case): warn");
	cc_cache("no-store", &r);
	ok(r.status == CC_WARN, "no-store: warn");
	cc_fetch_time(100, 200, &r);
	ok(r.status == CC_PASS && strstr(r.seen, "300 ms") != NULL, "300 ms: pass (%s)", r.seen);
	cc_fetch_time(2000, 1000, &r);
	ok(r.status == CC_WARN, "3 s: warn");
	cc_fetch_time(4000, 1500, &r);
	ok(r.status == CC_FAIL, "5.5 s: fail");
	return tap_done();
}
