/* Unit tests for src/jose/retain.c: the retention arithmetic with a fake clock, state changes
 * only when the key set changes, refusals (corrupt, newer, one kid for two keys), durations. */
#include "config.h"

#include "jose/retain.h"
#include "../fixtures.h"
#include "../tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *key(const char *kid, const char *n)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "use", "sig", "kty", "RSA", "kid", kid, "alg", "RS256", "n",
			 n, "e", "AQAB");
}

static json_t *set2(json_t *a, json_t *b)
{
	json_t *s = json_pack("{s:[]}", "keys");

	if (a)
		json_array_append_new(json_object_get(s, "keys"), a);
	if (b)
		json_array_append_new(json_object_get(s, "keys"), b);
	return s;
}

int main(void)
{
	json_t *a = key("A", "nA"), *b = key("B", "nB"), *s1, *s2, *s3, *s4, *j, *src;
	retain_report rep = {0};
	sao_err err = {""};
	char buf[256];
	long d;
	const long H = 3600;
	time_t t0 = 1800000000;

	/* Publish A at t0: state {A}, JWKS {A}. */
	src = set2(json_incref(a), NULL);
	ok(retain_merge(NULL, src, t0, &(retain_policy){3, NULL, 0, NULL, false}, &s1, &j, &rep, &err), "first merge");
	is_str(fx_kids(j, buf, sizeof(buf)), "A ", "JWKS: the source's key");
	is_int(rep.added.n, 1, "A is reported as added");
	json_decref(j);
	json_decref(src);
	retain_report_clear(&rep);

	/* The same source later: the state does not change (no write). */
	src = set2(json_incref(a), NULL);
	ok(retain_merge(s1, src, t0 + 10 * H, &(retain_policy){3, NULL, 0, NULL, false}, &s2, &j, &rep, &err) &&
	       json_equal(s1, s2),
	   "an unchanged source leaves the state as it was, hours later");
	json_decref(s2);
	json_decref(j);
	json_decref(src);
	retain_report_clear(&rep);

	/* B replaces A at t0+100 with 3 s retention: JWKS {B, A}, A gone since t0+100. */
	src = set2(json_incref(b), NULL);
	ok(retain_merge(s1, src, t0 + 100, &(retain_policy){3, NULL, 0, NULL, false}, &s2, &j, &rep, &err),
	   "B replaces A");
	is_str(fx_kids(j, buf, sizeof(buf)), "B A ", "JWKS: B, and A retained after it");
	is_int(rep.kept.n, 1, "A is reported kept: %s", rep.kept.n ? rep.kept.v[0] : "");
	ok(rep.kept.n && strstr(rep.kept.v[0], "kept until 2027-01-15 08:01:43 UTC") != NULL, "until gone + 3 s");
	is_int(json_integer_value(json_object_get(json_array_get(json_object_get(s2, "keys"), 1), "gone_since")),
	       t0 + 100, "A's gone_since is when it left the source");
	json_decref(j);
	retain_report_clear(&rep);

	/* 2 s later (inside the window) nothing changes; 3 s later A is dropped. */
	ok(retain_merge(s2, src, t0 + 102, &(retain_policy){3, NULL, 0, NULL, false}, &s3, &j, &rep, &err) &&
	       json_equal(s2, s3) && strcmp(fx_kids(j, buf, sizeof(buf)), "B A ") == 0,
	   "within the window: A still published, state unchanged");
	json_decref(s3);
	json_decref(j);
	retain_report_clear(&rep);
	ok(retain_merge(s2, src, t0 + 103, &(retain_policy){3, NULL, 0, NULL, false}, &s3, &j, &rep, &err) &&
	       strcmp(fx_kids(j, buf, sizeof(buf)), "B ") == 0,
	   "at gone + retention: A is dropped");
	is_int(rep.dropped.n, 1, "and reported dropped");
	is_int(json_array_size(json_object_get(s3, "keys")), 1, "the state forgets it");
	json_decref(s3);
	json_decref(j);
	retain_report_clear(&rep);

	/* --retain 0 drops at once. */
	ok(retain_merge(s1, src, t0 + 100, &(retain_policy){0, NULL, 0, NULL, false}, &s3, &j, &rep, &err) &&
	       strcmp(fx_kids(j, buf, sizeof(buf)), "B ") == 0,
	   "retention 0: a key leaving the source is dropped at once");
	json_decref(s3);
	json_decref(j);
	retain_report_clear(&rep);

	/* A comes back: gone_since is cleared, first_seen kept. */
	json_decref(src);
	src = set2(json_incref(a), json_incref(b));
	ok(retain_merge(s2, src, t0 + 101, &(retain_policy){3, NULL, 0, NULL, false}, &s4, &j, &rep, &err),
	   "A back in the source");
	ok(json_is_null(json_object_get(json_array_get(json_object_get(s4, "keys"), 0), "gone_since")) &&
	       json_integer_value(json_object_get(json_array_get(json_object_get(s4, "keys"), 0), "first_seen")) == t0,
	   "gone_since cleared, first_seen kept");
	is_str(fx_kids(j, buf, sizeof(buf)), "A B ", "each key once");
	json_decref(s4);
	json_decref(j);
	json_decref(src);
	retain_report_clear(&rep);

	/* Refusals. */
	src = set2(key("A", "other"), NULL);
	ok(!retain_merge(s2, src, t0, &(retain_policy){3, NULL, 0, NULL, false}, &s4, &j, &rep, &err) &&
	       strstr(err.msg, "kid A names two different keys"),
	   "one kid for two keys is refused: %s", err.msg);
	json_decref(src);
	src = set2(json_incref(a), NULL);
	{
		json_t *newer = json_pack("{s:i, s:[]}", "saoidc_retention", RETAIN_VERSION + 1, "keys");
		json_t *bad = json_pack("{s:i, s:[{s:s}]}", "saoidc_retention", 1, "keys", "kid", "A");
		json_t *alien = json_pack("{s:s}", "hello", "world");

		ok(!retain_merge(newer, src, t0, &(retain_policy){3, NULL, 0, NULL, false}, &s4, &j, &rep, &err) &&
		       strstr(err.msg, "newer saoidc"),
		   "a state of a newer version is refused: %s", err.msg);
		ok(!retain_merge(bad, src, t0, &(retain_policy){3, NULL, 0, NULL, false}, &s4, &j, &rep, &err) &&
		       strstr(err.msg, "corrupt"),
		   "a corrupt entry is refused: %s", err.msg);
		ok(!retain_merge(alien, src, t0, &(retain_policy){3, NULL, 0, NULL, false}, &s4, &j, &rep, &err) &&
		       strstr(err.msg, "not a saoidc retention state"),
		   "another JSON document is refused: %s", err.msg);
		ok(s4 == NULL && j == NULL, "and nothing is returned");
		json_decref(newer);
		json_decref(bad);
		json_decref(alien);
	}
	json_decref(src);
	retain_report_clear(&rep);

	/* Revocation: A is retained (gone from the source), B is the source's. */
	{
		strlist rv = {0}, rz = {0}, rb = {0};
		json_t *st, *st2, *st3;

		strlist_add(&rv, "A");
		strlist_add(&rz, "Z");
		strlist_add(&rb, "B");
		src = set2(json_incref(a), NULL);
		retain_merge(NULL, src, t0, &(retain_policy){25 * H, NULL, 0, NULL, false}, &st, &j, &rep, &err);
		json_decref(j);
		json_decref(src);
		retain_report_clear(&rep);
		src = set2(json_incref(b), NULL);
		ok(retain_merge(st, src, t0 + 10, &(retain_policy){25 * H, NULL, 0, NULL, false}, &st2, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "B A ") == 0,
		   "without --revoke, A is retained");
		json_decref(j);
		json_decref(st);
		retain_report_clear(&rep);
		ok(retain_merge(st2, src, t0 + 20, &(retain_policy){25 * H, &rv, 0, NULL, false}, &st3, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "B ") == 0,
		   "--revoke A withdraws it from the JWKS at once: %s", err.msg);
		is_int(rep.revoked.n, 1, "and reports it");
		is_int(json_integer_value(json_object_get(st3, "saoidc_retention")), 2,
		       "a state with revocations is version 2");
		is_str(json_string_value(json_object_get(json_array_get(json_object_get(st3, "revoked"), 0), "kid")),
		       "A", "which records A as revoked");
		is_int(json_array_size(json_object_get(st3, "keys")), 1, "and keeps no entry for A");
		json_decref(j);
		retain_report_clear(&rep);
		ok(retain_merge(st3, src, t0 + 30, &(retain_policy){25 * H, NULL, 0, NULL, false}, &s4, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "B ") == 0 && json_equal(s4, st3),
		   "a later run without --revoke does not bring A back, and changes nothing");
		json_decref(j);
		json_decref(s4);
		retain_report_clear(&rep);
		ok(retain_merge(st3, src, t0 + 30, &(retain_policy){25 * H, &rv, 0, NULL, false}, &s4, &j, &rep,
				&err) &&
		       json_equal(s4, st3),
		   "revoking A again changes nothing");
		json_decref(j);
		json_decref(s4);
		retain_report_clear(&rep);
		ok(!retain_merge(st2, src, t0 + 20, &(retain_policy){25 * H, &rb, 0, NULL, false}, &s4, &j, &rep,
				 &err) &&
		       strstr(err.msg, "still holds this key") != NULL && s4 == NULL && j == NULL,
		   "revoking a key the source holds is refused: %s", err.msg);
		ok(!retain_merge(st2, src, t0 + 20, &(retain_policy){25 * H, &rz, 0, NULL, false}, &s4, &j, &rep,
				 &err) &&
		       strstr(err.msg, "no published key has this kid") != NULL,
		   "revoking an unknown kid is refused: %s", err.msg);
		json_decref(src);
		src = set2(json_incref(a), json_incref(b));
		ok(!retain_merge(st3, src, t0 + 40, &(retain_policy){25 * H, NULL, 0, NULL, false}, &s4, &j, &rep,
				 &err) &&
		       strstr(err.msg, "was revoked on") != NULL,
		   "a source holding a revoked key again is refused: %s", err.msg);
		json_decref(src);
		retain_report_clear(&rep);
		json_decref(st2);
		json_decref(st3);
		strlist_clear(&rv);
		strlist_clear(&rz);
		strlist_clear(&rb);
	}

	/* Times from a run under a clock far ahead, or edited: clamped to now, said, no overflow. */
	{
		json_t *st = json_pack("{s:i, s:[{s:s, s:I, s:I, s:O}]}", "saoidc_retention", 1, "keys", "kid", "A",
				       "first_seen", (json_int_t)t0, "gone_since", (json_int_t)INT64_MAX, "jwk", a);
		json_t *st2 =
		    json_pack("{s:i, s:[{s:s, s:I, s:I, s:O}]}", "saoidc_retention", 1, "keys", "kid", "A",
			      "first_seen", (json_int_t)t0, "gone_since", (json_int_t)(t0 + 3650 * 24 * H), "jwk", a);

		src = set2(json_incref(b), NULL);
		ok(retain_merge(st, src, t0 + 10, &(retain_policy){25 * H, NULL, 0, NULL, false}, &s4, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "B A ") == 0 && rep.notes.n == 1 &&
		       strstr(rep.notes.v[0], "gone_since is in the future") != NULL,
		   "gone_since = INT64_MAX: taken as now, kept for the window, with a note (no overflow)");
		is_int(
		    json_integer_value(json_object_get(json_array_get(json_object_get(s4, "keys"), 1), "gone_since")),
		    t0 + 10, "and the state now says when it really left");
		json_decref(s4);
		json_decref(j);
		retain_report_clear(&rep);
		ok(retain_merge(st2, src, t0 + 26 * H, &(retain_policy){25 * H, NULL, 0, NULL, false}, &s4, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "B A ") == 0,
		   "a gone_since ten years ahead does not keep the key ten years: the window starts now");
		json_decref(s4);
		json_decref(j);
		retain_report_clear(&rep);
		json_decref(src);
		json_decref(st);
		json_decref(st2);
	}
	/* Over the cap, the oldest retained keys give way; never the source's. */
	{
		json_t *st = json_pack("{s:i, s:[]}", "saoidc_retention", 1, "keys");
		char n[8];

		for (int i = 0; i < 5; i++) {
			snprintf(n, sizeof(n), "n%d", i);
			json_array_append_new(json_object_get(st, "keys"),
					      json_pack("{s:s, s:I, s:I, s:o}", "kid", n + 1, "first_seen",
							(json_int_t)t0, "gone_since", (json_int_t)(t0 + i), "jwk",
							key(n + 1, n)));
		}
		src = set2(json_incref(a), json_incref(b));
		ok(retain_merge(st, src, t0 + 10, &(retain_policy){25 * H, NULL, 4, NULL, false}, &s4, &j, &rep,
				&err) &&
		       strcmp(fx_kids(j, buf, sizeof(buf)), "A B 3 4 ") == 0,
		   "cap 4, two source keys and five retained: the two newest retained stay (%s)", buf);
		is_int(rep.cut.n, 3, "the three oldest are reported cut early (a warning)");
		ok(rep.cut.n > 0 && strstr(rep.cut.v[0], "at most 4 keys") != NULL, "saying why: %s",
		   rep.cut.n > 0 ? rep.cut.v[0] : "");
		json_decref(s4);
		json_decref(j);
		retain_report_clear(&rep);
		json_decref(src);
		json_decref(st);
	}

	/* Durations. */
	ok(retain_parse_duration("25h", &d) && d == 25 * H, "25h");
	ok(retain_parse_duration("90m", &d) && d == 5400, "90m");
	ok(retain_parse_duration("3s", &d) && d == 3 && retain_parse_duration("3", &d) && d == 3, "3s, 3");
	ok(retain_parse_duration("2d", &d) && d == 172800 && retain_parse_duration("0", &d) && d == 0, "2d, 0");
	ok(!retain_parse_duration("-1h", &d) && !retain_parse_duration("1x", &d) && !retain_parse_duration("h", &d) &&
	       !retain_parse_duration("1hh", &d) && !retain_parse_duration("999999d", &d) &&
	       !retain_parse_duration("", &d),
	   "garbage, negatives and more than a year are refused");
	json_decref(s1);
	json_decref(s2);
	json_decref(a);
	json_decref(b);
	return tap_done();
}
