/* Unit tests for src/issuer/rotation.c: the plan's use of the retention state (retained keys and
 * until when), which the end-to-end test does not reach. */
#include "config.h"

#include "issuer/rotation.h"
#include "../tap.h"

#include <stdlib.h>

int main(void)
{
	strlist pub = {0}, src = {0}, steps = {0};
	sao_err err = {""};
	bool safe = false;
	json_t *state = json_pack("{s:i, s:[{s:s, s:i, s:i, s:{s:s}}]}", "saoidc_retention", 1, "keys", "kid", "OLD",
				  "first_seen", 1000, "gone_since", 1800000000, "jwk", "kid", "OLD");

	strlist_add(&pub, "NEW");
	strlist_add(&pub, "OLD");
	strlist_add(&src, "NEW");
	{
		rot_input in = {&pub, &src, "NEW", state, 3600, 1800000000 + 60, NULL};

		ok(rot_plan(&in, &steps, &safe, &err) && safe, "a plan, safe");
		ok(steps.n == 2 && strstr(steps.v[1], "OLD is published but not held any more: retained until "
						      "2027-01-15 09:00:00 UTC") != NULL,
		   "a retained key: until gone_since + retention (%s)", steps.n > 1 ? steps.v[1] : "");
	}
	strlist_clear(&steps);
	{
		rot_input in = {&pub, &src, "NEW", state, 3600, 1800000000 + 7200, NULL};

		ok(rot_plan(&in, &steps, &safe, &err) && steps.n == 2 &&
		       strstr(steps.v[1], "now (next publish)") != NULL,
		   "after the window: dropped at the next publish");
	}
	strlist_clear(&steps);
	{
		rot_input in = {&pub, &src, "NEW", NULL, 3600, 1800000000, NULL};

		ok(rot_plan(&in, &steps, &safe, &err) && steps.n == 2 &&
		       strstr(steps.v[1], "once 25 h have passed") != NULL,
		   "without the state: the rule of thumb");
	}
	strlist_clear(&steps);
	{
		/* A shared issuer: OTHER is cluster b's (by the state); planning for cluster a leaves it
		 * out, and does not tell a to retire or revoke it. */
		json_t *shared = json_pack("{s:i, s:[{s:s, s:i, s:n, s:{s:s}, s:s}, {s:s, s:i, s:n, s:{s:s}, s:s}]}",
					   "saoidc_retention", 3, "keys", "kid", "NEW", "first_seen", 1000,
					   "gone_since", "jwk", "kid", "NEW", "cluster", "a", "kid", "OTHER",
					   "first_seen", 1000, "gone_since", "jwk", "kid", "OTHER", "cluster", "b");
		strlist pub2 = {0};
		rot_input in = {&pub2, &src, "NEW", shared, 3600, 1800000000, "a"};

		strlist_add(&pub2, "NEW");
		strlist_add(&pub2, "OTHER");
		ok(rot_plan(&in, &steps, &safe, &err) && safe && steps.n == 1 && strstr(steps.v[0], "Steady") != NULL,
		   "cluster a on a shared issuer: steady, b's key left out (%s)", steps.n ? steps.v[0] : "");
		strlist_clear(&steps);
		in.cluster = NULL;
		in.state = NULL;
		ok(rot_plan(&in, &steps, &safe, &err) && steps.n == 2 &&
		       strstr(steps.v[1], "OTHER is published") != NULL,
		   "without the state, OTHER looks like a key to retire (which is why --state matters)");
		strlist_clear(&steps);
		strlist_clear(&pub2);
		json_decref(shared);
	}
	strlist_clear(&pub);
	strlist_clear(&src);
	json_decref(state);
	return tap_done();
}
