/* Unit tests for src/jose/retain.c with --cluster: several clusters' keys in one state, each run
 * replacing only its own cluster's; the order that makes an unchanged fleet write nothing; a kid
 * two clusters claim; retirement on the retiring run's schedule; the cap across clusters; keys
 * published before --cluster; and a state an older saoidc must refuse. */
#include "config.h"

#include "jose/retain.h"
#include "jose/retain_fleet.h"
#include "../fixtures.h"
#include "../tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const time_t T0 = 1800000000;
static const long H = 3600;

static json_t *key(const char *kid)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "use", "sig", "kty", "RSA", "kid", kid, "alg", "RS256", "n",
			 kid, "e", "AQAB");
}

/* {"keys": [KID...]} from a space-separated list ("" : none). */
static json_t *source(const char *kids)
{
	json_t *s = json_pack("{s:[]}", "keys");
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", kids);
	for (char *k = strtok_r(buf, " ", &save); k != NULL; k = strtok_r(NULL, " ", &save))
		json_array_append_new(json_object_get(s, "keys"), key(k));
	return s;
}

/* One run: merges cluster `cl`'s source into *state (replaced by the new one on success). */
static bool run(json_t **state, const char *cl, bool retire, const char *src_kids, time_t now, long retain_s,
		size_t cap, char *jwks_kids, retain_report *rep, sao_err *err)
{
	json_t *src = source(src_kids), *ns = NULL, *j = NULL;
	bool ok;

	retain_report_clear(rep);
	err->msg[0] = '\0';
	ok = retain_merge(*state, src, now,
			  &(retain_policy){.retain_s = retain_s, .max_keys = cap, .cluster = cl, .retire = retire}, &ns,
			  &j, rep, err);
	if (ok) {
		fx_kids(j, jwks_kids, 256);
		json_decref(*state);
		*state = ns;
	}
	json_decref(j);
	json_decref(src);
	return ok;
}

int main(void)
{
	json_t *st = NULL, *before;
	retain_report rep = {0};
	sao_err err = {""};
	char j[256];
	strlist lines = {0};

	/* Three clusters publish one key each, in the order c, a, b: the JWKS is in name order. */
	ok(run(&st, "c", false, "C1 ", T0, 25 * H, 64, j, &rep, &err), "cluster c publishes C1");
	ok(run(&st, "a", false, "A1 ", T0, 25 * H, 64, j, &rep, &err), "cluster a publishes A1");
	ok(run(&st, "b", false, "B1 ", T0, 25 * H, 64, j, &rep, &err), "cluster b publishes B1");
	is_str(j, "A1 B1 C1 ", "the JWKS holds every cluster's key, by cluster name");
	is_int(json_integer_value(json_object_get(st, "saoidc_retention")), 3,
	       "a state naming clusters is version 3 (an older saoidc refuses it)");
	is_int(rep.others.n, 2, "b's run says it kept a's and c's keys as they are");

	/* Any cluster's unchanged run leaves the state and the JWKS as they were. */
	before = json_deep_copy(st);
	ok(run(&st, "a", false, "A1 ", T0 + H, 25 * H, 64, j, &rep, &err) && json_equal(before, st) &&
	       strcmp(j, "A1 B1 C1 ") == 0,
	   "a's unchanged run: same state, same JWKS");
	ok(run(&st, "c", false, "C1 ", T0 + H, 25 * H, 64, j, &rep, &err) && json_equal(before, st),
	   "c's unchanged run: same state");
	json_decref(before);

	/* b rotates to B2: B1 is retained (b's retention), a's and c's keys untouched. */
	ok(run(&st, "b", false, "B2 ", T0 + 2 * H, 2 * H, 64, j, &rep, &err), "b rotates to B2 (--retain 2h)");
	is_str(j, "A1 B2 B1 C1 ", "B2 published, B1 retained after it, the others' as they were");
	ok(rep.kept.n == 1 && strncmp(rep.kept.v[0], "B1 ", 3) == 0, "B1 is reported kept");
	/* a's run with a long retention keeps to B1's own (2 h, recorded by b's run). */
	ok(run(&st, "a", false, "A1 ", T0 + 3 * H, 25 * H, 64, j, &rep, &err) && strcmp(j, "A1 B2 B1 C1 ") == 0,
	   "1 h later, a's run keeps B1");
	ok(run(&st, "a", false, "A1 ", T0 + 4 * H + 1, 25 * H, 64, j, &rep, &err) && strcmp(j, "A1 B2 C1 ") == 0,
	   "after b's 2 h, a's run (--retain 25h) drops B1: %s", j);
	ok(rep.dropped.n == 1 && strstr(rep.dropped.v[0], "gone from cluster b's source") != NULL,
	   "and says whose it was: %s", rep.dropped.n ? rep.dropped.v[0] : "");

	/* One kid claimed by two clusters: refused, nothing changed. */
	before = json_deep_copy(st);
	ok(!run(&st, "c", false, "C1 A1 ", T0 + 5 * H, 25 * H, 64, j, &rep, &err) &&
	       strstr(err.msg, "key A1 is cluster a's") != NULL && json_equal(before, st),
	   "c's source holding a's key is refused: %s", err.msg);
	/* Without --cluster, a state that names clusters is refused. */
	ok(!run(&st, NULL, false, "A1 ", T0 + 5 * H, 25 * H, 64, j, &rep, &err) &&
	       strstr(err.msg, "clusters: a, b, c") != NULL,
	   "a run without --cluster is refused, naming the clusters: %s", err.msg);
	/* A key another cluster still signs with is not revoked from here. */
	{
		strlist rv = {0};
		json_t *src = source("A1 "), *ns = NULL, *jj = NULL;

		strlist_add(&rv, "C1");
		ok(!retain_merge(st, src, T0 + 5 * H,
				 &(retain_policy){.retain_s = 25 * H, .revoke = &rv, .max_keys = 64, .cluster = "a"},
				 &ns, &jj, &rep, &err) &&
		       strstr(err.msg, "cluster c's source held this key") != NULL,
		   "a's run cannot revoke c's live key: %s", err.msg);
		strlist_clear(&rv);
		json_decref(src);
	}
	ok(json_equal(before, st), "none of the refusals changed the state");
	json_decref(before);

	/* Retire c: its key enters retention (1 h), then goes; with --retain 0 at once. */
	ok(!run(&st, "x", true, "", T0 + 5 * H, H, 64, j, &rep, &err) &&
	       strstr(err.msg, "no key of this cluster") != NULL,
	   "--retire-cluster of a cluster the state does not hold is refused: %s", err.msg);
	ok(run(&st, "c", true, "", T0 + 5 * H, H, 64, j, &rep, &err) && strcmp(j, "A1 B2 C1 ") == 0,
	   "--retire-cluster c: C1 still published, retained");
	ok(run(&st, "b", false, "B2 ", T0 + 6 * H + 1, 25 * H, 64, j, &rep, &err) && strcmp(j, "A1 B2 ") == 0,
	   "an hour later b's run drops C1: %s", j);
	ok(run(&st, "c", false, "C2 ", T0 + 7 * H, 25 * H, 64, j, &rep, &err) &&
	       run(&st, "c", true, "", T0 + 7 * H, 0, 64, j, &rep, &err) && strcmp(j, "A1 B2 ") == 0,
	   "--retire-cluster c --retain 0: gone at once");

	/* The cap counts every cluster's keys, and the refusal names them. */
	ok(!run(&st, "c", false, "C3 C4 C5 ", T0 + 8 * H, 25 * H, 4, j, &rep, &err) &&
	       strstr(err.msg, "keys (5) are over the JWKS cap of 4") != NULL &&
	       strstr(err.msg, "a 1, b 1, c 3") != NULL,
	   "cap 4: c's three keys with a's and b's are refused, per cluster: %s", err.msg);
	/* Retained keys give way to other clusters' live ones, oldest first. */
	ok(run(&st, "b", false, "B3 ", T0 + 8 * H, 25 * H, 3, j, &rep, &err) && strcmp(j, "A1 B3 B2 ") == 0 &&
	       rep.cut.n == 0,
	   "b rotates: B2 retained (%s)", j);
	ok(!run(&st, "c", false, "C3 C4 ", T0 + 9 * H, 25 * H, 3, j, &rep, &err) &&
	       strstr(err.msg, "over the JWKS cap") != NULL,
	   "cap 3 with a's, b's and two of c's keys is refused (four live keys)");
	ok(run(&st, "c", false, "C3 ", T0 + 9 * H, 25 * H, 3, j, &rep, &err) && strcmp(j, "A1 B3 C3 ") == 0 &&
	       rep.cut.n == 1,
	   "cap 3: c's new key pushes b's retained B2 out early (%s), with a warning", j);

	/* Per-cluster counts, for rotate-plan and status. */
	ok(retain_state_clusters(st, &lines) && lines.n == 3 && strcmp(lines.v[0], "a: 1 key (0 retained)") == 0,
	   "the state's clusters, one line each: %s", lines.n ? lines.v[0] : "");
	is_str(retain_kid_cluster(st, "C3"), "c", "the cluster owning a kid");
	strlist_clear(&lines);
	json_decref(st);
	st = NULL;

	/* Keys published before --cluster: the cluster whose source holds one takes it; the others
	 * are kept as they are, until their cluster takes them. */
	ok(run(&st, NULL, false, "A1 B1 ", T0, 25 * H, 64, j, &rep, &err), "one publisher, no --cluster: A1 B1");
	ok(run(&st, "a", false, "A1 ", T0 + H, 25 * H, 64, j, &rep, &err) && strcmp(j, "B1 A1 ") == 0,
	   "a's first --cluster run takes A1 and keeps B1 (%s)", j);
	ok(rep.notes.n == 1 && strstr(rep.notes.v[0], "1 key published without --cluster is now cluster a's") != NULL,
	   "saying so: %s", rep.notes.n ? rep.notes.v[0] : "");
	ok(run(&st, "b", false, "B1 ", T0 + H, 25 * H, 64, j, &rep, &err) && strcmp(j, "A1 B1 ") == 0,
	   "b's first run takes B1 (%s)", j);
	is_str(retain_kid_cluster(st, "B1"), "b", "B1 is b's now");

	/* A corrupt cluster name is refused. */
	json_object_set_new(json_array_get(json_object_get(st, "keys"), 0), "cluster", json_string("a b"));
	ok(!run(&st, "a", false, "A1 ", T0 + H, 25 * H, 64, j, &rep, &err) && strstr(err.msg, "cluster is not") != NULL,
	   "a state entry whose cluster is not a name is refused: %s", err.msg);
	ok(retain_cluster_name_ok("eks-a_prod.1") && !retain_cluster_name_ok("") && !retain_cluster_name_ok("-a") &&
	       !retain_cluster_name_ok("a/b"),
	   "cluster names: letters, digits, . - _");
	json_decref(st);
	retain_report_clear(&rep);
	return tap_done();
}
