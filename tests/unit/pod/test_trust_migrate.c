/* Unit tests for src/pod/trust_migrate.c: a trust policy moved from OLD's provider to NEW's in
 * two steps, in the shapes IAM accepts. */
#include "config.h"

#include "pod/trust_migrate.h"
#include "../tap.h"

#include <stdlib.h>
#include <string.h>

#define OLD "arn:aws:iam::1:oidc-provider/oidc.test/old"
#define NEW "arn:aws:iam::1:oidc-provider/oidc.test/new"
#define ST(fed, cond)                                                                                                  \
	"{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":" fed                                                      \
	"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":" cond "}"

static json_t *J(const char *s)
{
	return json_loads(s, 0, NULL);
}

int main(void)
{
	char why[400];
	json_t *p, *out = NULL, *added = NULL, *again = NULL, *back = NULL;
	char *s;

	p = J("{\"Version\":\"2012-10-17\",\"Statement\":" ST(
	    "\"" OLD "\"", "{\"StringEquals\":{\"oidc.test/old:sub\":\"system:serviceaccount:a:b\","
			   "\"OIDC.test/old:aud\":\"sts.amazonaws.com\"},"
			   "\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}") "}");
	ok(tm_add(p, OLD, NEW, &out, &added, why, sizeof(why)) == TM_CHANGED,
	   "Statement as one object: a twin is added");
	ok(json_array_size(json_object_get(out, "Statement")) == 2, "  the policy now has two statements");
	s = json_dumps(json_array_get(json_object_get(out, "Statement"), 1), JSON_COMPACT | JSON_SORT_KEYS);
	ok(s != NULL && strstr(s, "\"Federated\":\"" NEW "\"") != NULL, "  the twin trusts NEW");
	ok(s != NULL && strstr(s, "\"oidc.test/new:sub\":\"system:serviceaccount:a:b\"") != NULL &&
	       strstr(s, "\"oidc.test/new:aud\":\"sts.amazonaws.com\"") != NULL,
	   "  its :sub and :aud re-keyed to NEW (key case ignored), values kept");
	ok(s != NULL && strstr(s, "\"aws:SourceIp\":\"10.0.0.0/8\"") != NULL, "  a global condition key kept as it is");
	free(s);
	ok(json_array_size(added) == 1, "  and the added statements are returned");
	ok(tm_add(out, OLD, NEW, &again, NULL, why, sizeof(why)) == TM_SAME && again == NULL,
	   "a second add changes nothing");
	ok(tm_remove(out, OLD, NEW, &back, why, sizeof(why)) == TM_CHANGED &&
	       json_array_size(json_object_get(back, "Statement")) == 1,
	   "remove leaves NEW's statement alone");
	ok(tm_remove(p, OLD, NEW, &again, why, sizeof(why)) == TM_CANNOT && strstr(why, "trusts only the old") != NULL,
	   "remove refuses a policy that would trust no issuer (%s)", why);
	json_decref(out);
	json_decref(added);
	json_decref(back);
	json_decref(p);

	p = J("{\"Statement\":[" ST("\"" OLD "\"", "{\"StringEquals\":{\"oidc.other/x:sub\":\"s\"}}") "]}");
	ok(tm_add(p, OLD, NEW, &out, NULL, why, sizeof(why)) == TM_CANNOT && strstr(why, "oidc.other/x:sub") != NULL,
	   "a condition keyed on another provider is not rewritten (%s)", why);
	json_decref(p);
	p = J("{\"Statement\":[" ST("[\"" OLD "\",\"arn:aws:iam::1:oidc-provider/x\"]", "{}") "]}");
	ok(tm_add(p, OLD, NEW, &out, NULL, why, sizeof(why)) == TM_CANNOT && strstr(why, "several providers") != NULL,
	   "a statement naming several providers is not rewritten");
	json_decref(p);
	p = J("{\"Statement\":[{\"Sid\":\"S\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},"
	      "\"Action\":\"sts:AssumeRole\"}]}");
	ok(tm_add(p, OLD, NEW, &out, NULL, why, sizeof(why)) == TM_SAME, "a policy not trusting OLD: nothing to add");
	ok(tm_remove(p, OLD, NEW, &out, why, sizeof(why)) == TM_SAME, "  nor to remove");
	json_decref(p);
	p = J("{\"Statement\":[" ST("\"" OLD "\"", "{}") "," ST("\"" NEW "\"", "{}") "]}");
	ok(tm_add(p, OLD, NEW, &out, NULL, why, sizeof(why)) == TM_SAME,
	   "a twin already there (written by hand): not added");
	json_decref(p);
	return tap_done();
}
