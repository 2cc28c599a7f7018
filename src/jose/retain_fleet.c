#include "config.h"

#include "jose/retain_fleet.h"

#include "util/jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strlist_addf, with the error set when it fails. */
#define addf(l, err, ...) (strlist_addf((l), __VA_ARGS__) || err_set((err), "out of memory"))

bool retain_cluster_name_ok(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > 63 || name[0] == '.' || name[0] == '-' || name[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '.' || name[i] == '-' || name[i] == '_'))
			return false;
	return true;
}

/* The cluster that owns a state entry; "" for a key published without --cluster. */
const char *rf_cluster_of(const json_t *e)
{
	const char *c = json_string_value(json_object_get(e, "cluster"));

	return c != NULL ? c : "";
}

const json_t *rf_find(const json_t *entries, const char *kid)
{
	return jsonx_find(entries, "kid", kid);
}

/* Whether this run manages entry e: every entry without --cluster; with it, the cluster's own,
 * and the keys published without --cluster that its source holds (it takes them). */
bool rf_is_own(const json_t *e, const json_t *skeys, const retain_policy *pol)
{
	const char *c = rf_cluster_of(e);

	if (pol->cluster == NULL)
		return true;
	if (c[0] == '\0')
		return rf_find(skeys, json_string_value(json_object_get(e, "kid"))) != NULL;
	return strcmp(c, pol->cluster) == 0;
}

/* The names of this run's cluster and of the other clusters in `entries`, sorted, each once
 * ("" for keys published without --cluster that this run does not take). */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool rf_cluster_names(const json_t *entries, const json_t *skeys, const retain_policy *pol, strlist *names)
{
	size_t i;
	const json_t *e;

	if (!strlist_add(names, pol->cluster != NULL ? pol->cluster : ""))
		return false;
	json_array_foreach(entries, i, e)
	{
		if (rf_is_own(e, skeys, pol))
			continue;
		if (!strlist_has(names, rf_cluster_of(e)) && !strlist_add(names, rf_cluster_of(e)))
			return false;
	}
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), by_name);
	return true;
}

/* "a, b, c" (malloc'd); "(no --cluster)" for "". */
char *rf_names_text(const strlist *names)
{
	size_t len = 1;
	char *t;

	for (size_t i = 0; i < names->n; i++)
		len += strlen(names->v[i]) + 16;
	if ((t = calloc(1, len)) == NULL)
		return NULL;
	for (size_t i = 0; i < names->n; i++) {
		strcat(t, i > 0 ? ", " : "");
		strcat(t, names->v[i][0] != '\0' ? names->v[i] : "(no --cluster)");
	}
	return t;
}

/* The fleet's rules, before anything is merged: without --cluster a state that names clusters
 * is refused; a kid another cluster owns is refused; --retire-cluster needs keys of that
 * cluster. Nothing is changed by a refusal. */
bool rf_check(const json_t *old, const json_t *skeys, const retain_policy *pol, retain_report *rep, sao_err *err)
{
	strlist names = {0};
	char *list = NULL;
	size_t i, taken = 0;
	const json_t *e;
	bool ok = false, mine = false;

	json_array_foreach(old, i, e) if (rf_cluster_of(e)[0] != '\0' && !strlist_has(&names, rf_cluster_of(e)) &&
					  !strlist_add(&names, rf_cluster_of(e)))
	{
		err_set(err, "out of memory");
		goto out;
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), by_name);
	list = rf_names_text(&names);
	if (list == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (pol->cluster == NULL) {
		if (names.n > 0) {
			err_set(err,
				"the state holds keys published with --cluster (clusters: %s): without --cluster this "
				"source would be taken as the whole set and every other cluster's keys retired. Give "
				"--cluster NAME (this cluster's); nothing was changed",
				list);
			goto out;
		}
		ok = true;
		goto out;
	}
	json_array_foreach(old, i, e)
	{
		const char *c = rf_cluster_of(e), *kid = json_string_value(json_object_get(e, "kid"));

		if (c[0] != '\0' && strcmp(c, pol->cluster) != 0 && rf_find(skeys, kid) != NULL) {
			err_set(err,
				"key %s is cluster %s's (in the retention state) and cluster %s's source holds it too: "
				"one key must sign for one cluster. If the key moved, retire it from %s first "
				"(--retire-cluster %s --retain 0, once its tokens have expired); nothing was changed",
				kid, c, pol->cluster, c, c);
			goto out;
		}
		mine = mine || strcmp(c, pol->cluster) == 0;
		taken += c[0] == '\0' && rf_find(skeys, kid) != NULL;
	}
	if (pol->retire && !mine) {
		err_set(err,
			"--retire-cluster %s: the retention state holds no key of this cluster (clusters: %s); "
			"nothing was changed",
			pol->cluster, names.n > 0 ? list : "none");
		goto out;
	}
	if (taken > 0 &&
	    !addf(&rep->notes, err, "%zu key%s published without --cluster %s now cluster %s's (its source holds them)",
		  taken, taken == 1 ? "" : "s", taken == 1 ? "is" : "are", pol->cluster))
		goto out;
	ok = true;
out:
	free(list);
	strlist_clear(&names);
	return ok;
}

/* Says, per other cluster, how many of its keys this run keeps as they are. */
bool rf_report_others(const json_t *entries, const json_t *skeys, const retain_policy *pol, retain_report *rep,
		      sao_err *err)
{
	strlist names = {0};
	bool ok = rf_cluster_names(entries, skeys, pol, &names);

	for (size_t n = 0; ok && n < names.n; n++) {
		size_t i, all = 0, gone = 0;
		const json_t *e;

		if (pol->cluster != NULL && strcmp(names.v[n], pol->cluster) == 0)
			continue;
		json_array_foreach(entries, i,
				   e) if (!rf_is_own(e, skeys, pol) && strcmp(rf_cluster_of(e), names.v[n]) == 0)
		{
			all++;
			gone += !json_is_null(json_object_get(e, "gone_since"));
		}
		if (all == 0)
			continue;
		ok = names.v[n][0] != '\0'
			 ? strlist_addf(&rep->others, "cluster %s: %zu key%s (%zu retained), kept as they are",
					names.v[n], all, all == 1 ? "" : "s", gone)
			 : strlist_addf(&rep->others,
					"%zu key%s published without --cluster that this source does not hold, kept "
					"(the cluster whose source holds them takes them; --revoke withdraws one)",
					all, all == 1 ? "" : "s");
	}
	strlist_clear(&names);
	return ok || err_set(err, "out of memory");
}

/* The keys still in some cluster's source count against the cap whoever holds them: over it,
 * refused, naming the clusters (retained keys give way below, never these). */
bool rf_cap_live(const json_t *entries, const retain_policy *pol, sao_err *err)
{
	strlist names = {0}, counts = {0};
	size_t i, live = 0;
	const json_t *e;
	char *list = NULL;
	bool ok;

	json_array_foreach(entries, i, e) live += json_is_null(json_object_get(e, "gone_since"));
	if (pol->cluster == NULL || pol->max_keys == 0 || live <= pol->max_keys)
		return true;
	ok = rf_cluster_names(entries, NULL, &(retain_policy){.cluster = ""}, &names);
	for (size_t n = 0; ok && n < names.n; n++) {
		size_t c = 0;

		json_array_foreach(entries, i, e) c +=
		    json_is_null(json_object_get(e, "gone_since")) && strcmp(rf_cluster_of(e), names.v[n]) == 0;
		if (c > 0)
			ok = strlist_addf(&counts, "%s %zu", names.v[n][0] != '\0' ? names.v[n] : "(no --cluster)", c);
	}
	if (ok && (list = rf_names_text(&counts)) != NULL)
		err_set(err,
			"the clusters' keys (%zu) are over the JWKS cap of %zu (STS takes at most 100 RSA and 100 EC "
			"keys; saoidc stops at %zu to leave room for rotations): %s. Retire a cluster "
			"(--retire-cluster NAME) or give some clusters an issuer of their own; nothing was changed",
			live, pol->max_keys, pol->max_keys, list);
	else
		err_set(err, "out of memory");
	free(list);
	strlist_clear(&names);
	strlist_clear(&counts);
	return false;
}

bool retain_state_clusters(const json_t *state, strlist *lines)
{
	strlist names = {0};
	const json_t *keys = json_object_get(state, "keys"), *e;
	bool ok = rf_cluster_names(keys, NULL, &(retain_policy){.cluster = ""}, &names);
	size_t i;

	for (size_t n = 0; ok && n < names.n; n++) {
		size_t all = 0, gone = 0;

		json_array_foreach(keys, i, e) if (strcmp(rf_cluster_of(e), names.v[n]) == 0)
		{
			all++;
			gone += !json_is_null(json_object_get(e, "gone_since"));
		}
		if (all > 0)
			ok = strlist_addf(lines, "%s: %zu key%s (%zu retained)",
					  names.v[n][0] != '\0' ? names.v[n] : "(no --cluster)", all,
					  all == 1 ? "" : "s", gone);
	}
	strlist_clear(&names);
	return ok;
}

const char *retain_kid_cluster(const json_t *state, const char *kid)
{
	const json_t *e = kid != NULL ? rf_find(json_object_get(state, "keys"), kid) : NULL;

	return e != NULL ? rf_cluster_of(e) : "";
}
