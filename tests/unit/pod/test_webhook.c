/* Unit tests for src/pod/webhook.c: the admission decision through a ServiceAccount lookup
 * callback: a role becomes a patch, a failed lookup admits the pod with a warning, a name that is
 * not a Kubernetes name is denied before any lookup, and the container bound. */
#include "config.h"

#include "pod/webhook.h"
#include "util/b64.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lookups;

static json_t *lookup(void *ctx, const char *ns, const char *name, char *err, size_t errlen)
{
	(void)ctx;
	(void)ns;
	lookups++;
	if (strcmp(name, "broken") == 0) {
		snprintf(err, errlen, "the API answered 500");
		return NULL;
	}
	if (strcmp(name, "plain") == 0)
		return json_object();
	return json_pack("{s:s}", "eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/app");
}

static char *review(const char *sa, size_t containers)
{
	json_t *cs = json_array(), *r;
	char *s;

	for (size_t i = 0; i < containers; i++) {
		char n[32];

		snprintf(n, sizeof(n), "c%zu", i);
		json_array_append_new(cs, json_pack("{s:s, s:s}", "name", n, "image", "busybox"));
	}
	r = json_pack("{s:s, s:s, s:{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:{s:{s:s}, s:{s:s, s:o}}}}", "apiVersion",
		      "admission.k8s.io/v1", "kind", "AdmissionReview", "request", "uid", "u1", "kind", "group", "",
		      "version", "v1", "kind", "Pod", "namespace", "apps", "operation", "CREATE", "object", "metadata",
		      "name", "p", "spec", "serviceAccountName", sa, "containers", cs);
	s = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return s;
}

/* The decoded patch of a response, or NULL. */
static char *patch_of(const json_t *out)
{
	const char *p = json_string_value(json_object_get(json_object_get(out, "response"), "patch"));
	size_t len = 0;
	unsigned char *d = NULL, *z;

	if (p == NULL || !b64_decode(p, strlen(p), &d, &len) || (z = realloc(d, len + 1)) == NULL) {
		free(d);
		return NULL;
	}
	z[len] = '\0';
	return (char *)z;
}

static json_t *run(const char *sa, size_t containers, bool deny, char *warning, size_t wl)
{
	wh_cfg cfg = {0};
	char *body = review(sa, containers);
	json_t *out;

	cfg.deny_malformed = deny;
	out = wh_review(body, strlen(body), &cfg, lookup, NULL, warning, wl);
	free(body);
	return out;
}

int main(void)
{
	char warning[512];
	json_t *out;
	char *patch;

	out = run("app", 2, false, warning, sizeof(warning));
	patch = patch_of(out);
	ok(json_is_true(json_object_get(json_object_get(out, "response"), "allowed")) && patch != NULL &&
	       strstr(patch, "arn:aws:iam::123456789012:role/app") != NULL && strstr(patch, "aws-iam-token") != NULL,
	   "a role-arn annotation becomes a patch with the role and the token volume");
	ok(patch != NULL && strstr(patch, "/spec/containers/1/env") != NULL, "both containers are patched");
	free(patch);
	json_decref(out);

	out = run("plain", 1, false, warning, sizeof(warning));
	ok(json_object_get(json_object_get(out, "response"), "patch") == NULL && warning[0] == '\0',
	   "no annotation: admitted unchanged, no warning");
	json_decref(out);

	out = run("broken", 1, false, warning, sizeof(warning));
	ok(json_is_true(json_object_get(json_object_get(out, "response"), "allowed")) &&
	       json_object_get(json_object_get(out, "response"), "patch") == NULL &&
	       strstr(warning, "the API answered 500") != NULL &&
	       strstr(
		   json_string_value(json_array_get(json_object_get(json_object_get(out, "response"), "warnings"), 0)),
		   "could not be read") != NULL,
	   "a failed lookup: admitted without identity, with an admission warning saying why");
	json_decref(out);

	lookups = 0;
	out = run("UPPER", 1, false, warning, sizeof(warning));
	ok(!json_is_true(json_object_get(json_object_get(out, "response"), "allowed")) && lookups == 0,
	   "a serviceAccountName that is not a Kubernetes name is denied, and never looked up");
	json_decref(out);

	lookups = 0;
	out = run("app", WH_MAX_CONTAINERS + 1, false, warning, sizeof(warning));
	ok(json_is_true(json_object_get(json_object_get(out, "response"), "allowed")) &&
	       json_object_get(json_object_get(out, "response"), "patch") == NULL && lookups == 0 &&
	       strstr(warning, "at most 512") != NULL,
	   "513 containers: admitted unchanged with a warning, before any lookup");
	json_decref(out);
	out = run("app", WH_MAX_CONTAINERS + 1, true, warning, sizeof(warning));
	ok(!json_is_true(json_object_get(json_object_get(out, "response"), "allowed")),
	   "and denied with deny_malformed");
	json_decref(out);
	out = run("app", WH_MAX_CONTAINERS, false, warning, sizeof(warning));
	ok(json_object_get(json_object_get(out, "response"), "patch") != NULL, "512 containers are patched");
	json_decref(out);
	return tap_done();
}
