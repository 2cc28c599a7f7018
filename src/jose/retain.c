#include "config.h"

#include "jose/retain.h"
#include "jose/retain_fleet.h"

#include "util/clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void retain_report_clear(retain_report *r)
{
	strlist_clear(&r->kept);
	strlist_clear(&r->dropped);
	strlist_clear(&r->added);
	strlist_clear(&r->revoked);
	strlist_clear(&r->notes);
	strlist_clear(&r->cut);
	strlist_clear(&r->others);
}

bool retain_parse_duration(const char *s, long *seconds)
{
	char *end;
	long v, mul = 1;

	errno = 0;
	if (s == NULL || *s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (errno != 0 || v < 0)
		return false;
	if (*end != '\0') {
		if (end[1] != '\0')
			return false;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return false;
		}
	}
	if (v > 365L * 86400L / mul)
		return false;
	*seconds = v * mul;
	return true;
}

/* strlist_addf, with the error set when it fails. */
#define addf(l, err, ...) (strlist_addf((l), __VA_ARGS__) || err_set((err), "out of memory"))

/* Checks one state entry; NULL if it is well formed, else what is wrong. */
static const char *bad_entry(const json_t *e)
{
	const char *kid = json_string_value(json_object_get(e, "kid"));
	const json_t *gone = json_object_get(e, "gone_since");

	if (!json_is_object(e) || kid == NULL || kid[0] == '\0')
		return "an entry without a kid";
	if (!json_is_integer(json_object_get(e, "first_seen")) || !(json_is_null(gone) || json_is_integer(gone)))
		return "an entry without first_seen, or with a gone_since that is not a time";
	if (!json_is_object(json_object_get(e, "jwk")) ||
	    json_string_value(json_object_get(json_object_get(e, "jwk"), "kid")) == NULL ||
	    strcmp(json_string_value(json_object_get(json_object_get(e, "jwk"), "kid")), kid) != 0)
		return "an entry whose jwk does not carry its kid";
	if (json_object_get(e, "cluster") != NULL &&
	    !retain_cluster_name_ok(json_string_value(json_object_get(e, "cluster"))))
		return "an entry whose cluster is not a cluster name";
	if (json_object_get(e, "retain_s") != NULL && (!json_is_integer(json_object_get(e, "retain_s")) ||
						       json_integer_value(json_object_get(e, "retain_s")) < 0))
		return "an entry whose retain_s is not a number of seconds";
	return NULL;
}

/* A state entry; gone < 0: in the source. With --cluster it names its cluster, and a retired
 * key carries the retention of the run that retired it, which other clusters' runs keep to. */
static json_t *entry_new(const char *kid, time_t first, time_t gone, const json_t *jwk, const retain_policy *pol)
{
	json_t *e = json_pack("{s:s, s:I, s:o, s:O}", "kid", kid, "first_seen", (json_int_t)first, "gone_since",
			      gone < 0 ? json_null() : json_integer((json_int_t)gone), "jwk", jwk);

	if (e != NULL && pol->cluster != NULL &&
	    (json_object_set_new(e, "cluster", json_string(pol->cluster)) != 0 ||
	     (gone >= 0 && json_object_set_new(e, "retain_s", json_integer((json_int_t)pol->retain_s)) != 0))) {
		json_decref(e);
		e = NULL;
	}
	return e;
}

/* Checks the revocations asked for against the source and what is published, and builds the
 * revoked list of the new state (the old one plus the new ones). */
static bool revocations(const json_t *old_revoked, const json_t *old, const json_t *skeys, const retain_policy *pol,
			time_t now, json_t *revoked, retain_report *rep, sao_err *err)
{
	size_t i;
	const json_t *e;
	char t[48];

	json_array_foreach(old_revoked, i, e)
	{
		const char *kid = json_string_value(json_object_get(e, "kid"));

		if (kid == NULL || !json_is_integer(json_object_get(e, "revoked_at")))
			return err_set(
			    err, "corrupt retention state: a revoked entry without kid or revoked_at (entry %zu)", i);
		if (rf_find(skeys, kid) != NULL) {
			clock_utc((time_t)json_integer_value(json_object_get(e, "revoked_at")), t);
			return err_set(
			    err,
			    "key %s was revoked on %s and the source holds it again: refusing to publish it. "
			    "Remove it from the cluster's signing keys; if it really must come back, delete its "
			    "entry from the state's \"revoked\" list",
			    kid, t);
		}
		if (json_array_append(revoked, (json_t *)e) != 0)
			return err_set(err, "out of memory");
	}
	for (size_t r = 0; pol->revoke != NULL && r < pol->revoke->n; r++) {
		const char *kid = pol->revoke->v[r];

		const json_t *was = old != NULL ? rf_find(old, kid) : NULL;

		if (rf_find(skeys, kid) != NULL)
			return err_set(
			    err,
			    "--revoke %s: the source still holds this key, so the cluster still signs tokens "
			    "with it (they would all fail once it is gone): rotate to a new key first (see "
			    "rotate-plan), then revoke it; nothing was changed",
			    kid);
		if (was != NULL && rf_cluster_of(was)[0] != '\0' && !rf_is_own(was, skeys, pol) &&
		    json_is_null(json_object_get(was, "gone_since")))
			return err_set(err,
				       "--revoke %s: cluster %s's source held this key when it last published, so it "
				       "may still sign with it: rotate it there, publish that cluster, then revoke; "
				       "nothing was changed",
				       kid, rf_cluster_of(was));
		if (rf_find(revoked, kid) != NULL) {
			if (!addf(&rep->revoked, err, "%s (revoked before; stays out)", kid))
				return false;
			continue;
		}
		if (was == NULL)
			return err_set(err,
				       "--revoke %s: no published key has this kid (check the JWKS: saoidc inspect, or "
				       "curl ISSUER/keys.json); nothing was changed",
				       kid);
		if (json_array_append_new(revoked,
					  json_pack("{s:s, s:I}", "kid", kid, "revoked_at", (json_int_t)now)) != 0 ||
		    !addf(&rep->revoked, err, "%s (withdrawn from the JWKS now, for good)", kid))
			return err_set(err, "out of memory");
	}
	return true;
}

/* A time the state holds, within [floor, now]: a run under a clock far ahead (or an edit) must
 * not keep a retired key for years, nor drop retained keys for good; said in a note. */
static time_t state_time(const json_t *v, time_t floor, time_t now, const char *kid, const char *what,
			 retain_report *rep)
{
	time_t t = json_is_integer(v) ? (time_t)json_integer_value(v) : now;
	char when[48];

	if (t > now) {
		clock_utc(now, when);
		strlist_addf(&rep->notes, "key %s: its %s is in the future; taken as now (%s)", kid, what, when);
		return now;
	}
	return t < floor ? floor : t;
}

/* When a retired key stops being published: its own retention (recorded by the run that retired
 * it) for other clusters' keys, this run's for its own. */
static time_t retained_until(const json_t *e, time_t gone, const json_t *skeys, const retain_policy *pol)
{
	const json_t *rs = json_object_get(e, "retain_s");

	if (!rf_is_own(e, skeys, pol) && json_is_integer(rs))
		return gone + (time_t)json_integer_value(rs);
	return gone + pol->retain_s;
}

/* The keys of `old` that left the source (this run's own: `own`) or another cluster's source
 * (!own): kept until their retention ends. Another cluster's keys still in its source are
 * kept as they are. */
static bool keep_group(const json_t *old, const json_t *skeys, const json_t *revoked, time_t now,
		       const retain_policy *pol, const char *group, json_t *entries, json_t *out, retain_report *rep,
		       sao_err *err)
{
	size_t i;
	const json_t *e;

	json_array_foreach(old, i, e)
	{
		const char *kid = json_string_value(json_object_get(e, "kid"));
		time_t first = state_time(json_object_get(e, "first_seen"), 0, now, kid, "first_seen", rep);
		time_t gone, until;
		bool own = rf_is_own(e, skeys, pol);
		char t1[48], t2[48];

		if ((group == NULL) != own || (group != NULL && strcmp(rf_cluster_of(e), group) != 0) ||
		    rf_find(entries, kid) != NULL || rf_find(revoked, kid) != NULL)
			continue;
		if (!own && json_is_null(json_object_get(e, "gone_since"))) { /* live in its cluster */
			if (json_array_append(entries, (json_t *)e) != 0 ||
			    json_array_append(out, json_object_get(e, "jwk")) != 0)
				return err_set(err, "out of memory");
			continue;
		}
		gone = state_time(json_object_get(e, "gone_since"), first, now, kid, "gone_since", rep);
		until = retained_until(e, gone, skeys, pol);
		clock_utc(gone, t1);
		clock_utc(until, t2);
		if (until <= gone || now >= until) {
			if (rf_cluster_of(e)[0] != '\0'
				? !addf(&rep->dropped, err, "%s (gone from cluster %s's source since %s)", kid,
					rf_cluster_of(e), t1)
				: !addf(&rep->dropped, err, "%s (gone from the source since %s)", kid, t1))
				return false;
			continue;
		}
		if (!own) {
			if (json_array_append(entries, (json_t *)e) != 0 ||
			    json_array_append(out, json_object_get(e, "jwk")) != 0)
				return err_set(err, "out of memory");
			continue;
		}
		if (json_array_append_new(entries, entry_new(kid, first, gone, json_object_get(e, "jwk"), pol)) != 0 ||
		    json_array_append(out, json_object_get(e, "jwk")) != 0 ||
		    !addf(&rep->kept, err, "%s (gone from the source since %s; kept until %s)", kid, t1, t2))
			return false;
	}
	return true;
}

/* Over the cap, the retained keys give way, the longest gone first; a source key never does
 * (a source over the cap is refused where the documents are rendered). */
static bool cap_retained(size_t max, json_t *entries, json_t *out, retain_report *rep, sao_err *err)
{
	while (max > 0 && json_array_size(out) > max) {
		size_t i, oldest = (size_t)-1;
		json_int_t when = 0;
		const json_t *e;
		const char *kid;

		json_array_foreach(entries, i, e)
		{
			const json_t *g = json_object_get(e, "gone_since");

			if (json_is_integer(g) && (oldest == (size_t)-1 || json_integer_value(g) < when)) {
				oldest = i;
				when = json_integer_value(g);
			}
		}
		if (oldest == (size_t)-1)
			return true; /* only source keys left */
		kid = json_string_value(json_object_get(json_array_get(entries, oldest), "kid"));
		json_array_foreach(out, i, e)
		{
			if (strcmp(json_string_value(json_object_get(e, "kid"))
				       ? json_string_value(json_object_get(e, "kid"))
				       : "",
				   kid) == 0) {
				json_array_remove(out, i);
				break;
			}
		}
		if (!addf(&rep->cut, err, "%s (retained until its tokens expire, but the JWKS holds at most %zu keys)",
			  kid, max))
			return false;
		json_array_remove(entries, oldest);
	}
	return true;
}

/* The state's entries and revocations, checked; both NULL when there is no state yet. */
static bool state_parts(const json_t *state, const json_t **old, const json_t **old_revoked, sao_err *err)
{
	const json_t *ver = json_object_get(state, "saoidc_retention"), *e;
	const char *why;
	size_t i;

	*old = *old_revoked = NULL;
	if (state == NULL)
		return true;
	if (!json_is_object(state) || !json_is_integer(ver) || !json_is_array(json_object_get(state, "keys")))
		return err_set(err, "not a saoidc retention state (no saoidc_retention version and keys list)");
	if (json_integer_value(ver) > RETAIN_VERSION)
		return err_set(err, "written by a newer saoidc (format %lld; this one reads %d): upgrade saoidc",
			       (long long)json_integer_value(ver), RETAIN_VERSION);
	*old = json_object_get(state, "keys");
	*old_revoked = json_object_get(state, "revoked");
	if (*old_revoked != NULL && !json_is_array(*old_revoked))
		return err_set(err, "corrupt retention state: \"revoked\" is not a list");
	json_array_foreach(*old, i, e) if ((why = bad_entry(e)) !=
					   NULL) return err_set(err, "corrupt retention state: %s (entry %zu)", why, i);
	return true;
}

/* The source's keys, in its order; each is (again) present, so gone_since is cleared. */
static bool source_entries(const json_t *old, const json_t *skeys, time_t now, const retain_policy *pol,
			   json_t *entries, json_t *out, retain_report *rep, sao_err *err)
{
	size_t i;
	const json_t *k;

	json_array_foreach(skeys, i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "kid"));
		const json_t *was;

		if (pol->cluster != NULL && (kid == NULL || kid[0] == '\0'))
			return err_set(err, "a key without a kid (--legacy-empty-kid) cannot be one cluster's among "
					    "several: drop --legacy-empty-kid or --cluster");
		if (json_array_append(out, (json_t *)k) != 0)
			return err_set(err, "out of memory");
		if (kid == NULL || kid[0] == '\0' || rf_find(entries, kid) != NULL)
			continue; /* the legacy empty-kid copy, or a kid already recorded */
		was = old != NULL ? rf_find(old, kid) : NULL;
		if (was != NULL && !json_equal(json_object_get(was, "jwk"), (json_t *)k))
			return err_set(err,
				       "kid %s names two different keys (the source's and a retained one): refusing to "
				       "publish either; find out where the other key came from",
				       kid);
		if (was == NULL && !addf(&rep->added, err, "%s", kid))
			return false;
		if (json_array_append_new(
			entries,
			entry_new(kid,
				  was != NULL ? (time_t)json_integer_value(json_object_get(was, "first_seen")) : now,
				  -1, k, pol)) != 0)
			return err_set(err, "out of memory");
	}
	return true;
}

/* Every cluster's keys, in name order: this run's (`mine`), and the others' as the state has them. */
static bool assemble(const json_t *old, const json_t *skeys, const json_t *revoked, time_t now,
		     const retain_policy *pol, const json_t *mine, const json_t *mine_out, json_t *entries, json_t *out,
		     retain_report *rep, sao_err *err)
{
	strlist names = {0};
	bool ok = rf_cluster_names(old, skeys, pol, &names) || err_set(err, "out of memory");

	for (size_t n = 0; ok && n < names.n; n++)
		if (strcmp(names.v[n], pol->cluster != NULL ? pol->cluster : "") == 0)
			ok = (json_array_extend(entries, (json_t *)mine) == 0 &&
			      json_array_extend(out, (json_t *)mine_out) == 0) ||
			     err_set(err, "out of memory");
		else
			ok = keep_group(old, skeys, revoked, now, pol, names.v[n], entries, out, rep, err);
	strlist_clear(&names);
	return ok;
}

/* The oldest format that holds the state: 3 when it names clusters, 2 with revocations, else 1. */
static int state_version(const json_t *entries, const json_t *revoked)
{
	size_t i;
	const json_t *e;

	json_array_foreach(entries, i, e) if (json_object_get(e, "cluster") != NULL) return 3;
	return json_array_size(revoked) > 0 ? 2 : 1;
}

bool retain_merge(const json_t *state, const json_t *source, time_t now, const retain_policy *pol, json_t **state_out,
		  json_t **jwks, retain_report *rep, sao_err *err)
{
	const json_t *old = NULL, *old_revoked = NULL, *skeys = json_object_get(source, "keys");
	json_t *entries = json_array(), *out = json_array(), *revoked = json_array(), *mine = json_array(),
	       *mine_out = json_array();
	bool ok = false;
	int ver;

	*state_out = *jwks = NULL;
	if (entries == NULL || out == NULL || revoked == NULL || mine == NULL || mine_out == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	if (!state_parts(state, &old, &old_revoked, err) || !rf_check(old, skeys, pol, rep, err) ||
	    !revocations(old_revoked, old, skeys, pol, now, revoked, rep, err) ||
	    !source_entries(old, skeys, now, pol, mine, mine_out, rep, err) ||
	    !keep_group(old, skeys, revoked, now, pol, NULL, mine, mine_out, rep, err) ||
	    !assemble(old, skeys, revoked, now, pol, mine, mine_out, entries, out, rep, err) ||
	    !rf_report_others(entries, skeys, pol, rep, err) || !rf_cap_live(entries, pol, err) ||
	    !cap_retained(pol->max_keys, entries, out, rep, err))
		goto done;
	if (json_array_size(out) == 0) {
		err_set(err, "no key would be left in the JWKS (every cluster's keys retired, with no retention): "
			     "to take the issuer down, use unpublish; nothing was changed");
		goto done;
	}
	ver = state_version(entries, revoked);
	*state_out = ver > 1
			 ? json_pack("{s:i, s:O, s:O}", "saoidc_retention", ver, "keys", entries, "revoked", revoked)
			 : json_pack("{s:i, s:O}", "saoidc_retention", 1, "keys", entries);
	*jwks = json_pack("{s:O}", "keys", out);
	ok = *state_out != NULL && *jwks != NULL;
	if (!ok)
		err_set(err, "out of memory");
done:
	if (!ok) {
		json_decref(*state_out);
		json_decref(*jwks);
		*state_out = *jwks = NULL;
	}
	json_decref(entries);
	json_decref(out);
	json_decref(revoked);
	json_decref(mine);
	json_decref(mine_out);
	return ok;
}
