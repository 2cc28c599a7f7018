#include "config.h"

#include "pod/trust_migrate.h"

#include "pod/trust_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The statements as an array (a single Statement object becomes a list of one), deep-copied. */
static json_t *statements_copy(const json_t *trust)
{
	const json_t *all = json_object_get(trust, "Statement");

	json_t *a;

	if (!json_is_object(all))
		return json_is_array(all) ? json_deep_copy(all) : json_array();
	if ((a = json_array()) != NULL && json_array_append_new(a, json_deep_copy(all)) != 0) {
		json_decref(a);
		a = NULL;
	}
	return a;
}

static json_t *with_statements(const json_t *trust, json_t *sts)
{
	json_t *out = json_deep_copy(trust);

	if (out == NULL || sts == NULL) {
		json_decref(sts);
		json_decref(out);
		return NULL;
	}
	if (json_object_set_new(out, "Statement", sts) != 0) { /* it took sts either way */
		json_decref(out);
		return NULL;
	}
	return out;
}

/* A copy of condition block `cond` with OLD's keys re-keyed to NEW's; NULL (why set) when a key
 * names another provider. */
static json_t *rekey(const json_t *cond, const char *old_url, const char *new_url, char *why, size_t whylen)
{
	json_t *out = json_object(), *keys, *vals;
	const char *op, *key;
	size_t ol = strlen(old_url);

	json_object_foreach((json_t *)cond, op, keys)
	{
		json_t *nk = json_object();

		json_object_foreach(keys, key, vals)
		{
			const char *colon = strrchr(key, ':');
			char moved[600];

			if (colon != NULL && (size_t)(colon - key) == ol && strncasecmp(key, old_url, ol) == 0) {
				snprintf(moved, sizeof(moved), "%s%s", new_url, colon);
				json_object_set(nk, moved, vals);
			} else if (colon != NULL && strchr(key, '/') != NULL && strncmp(key, "aws:", 4) != 0) {
				snprintf(why, whylen, "condition key \"%s\" names another provider than %s", key,
					 old_url);
				json_decref(nk);
				json_decref(out);
				return NULL;
			} else {
				json_object_set(nk, key, vals); /* aws:SourceIp and the like apply to both */
			}
		}
		json_object_set_new(out, op, nk);
	}
	return out;
}

/* The twin of st for NEW; NULL with why set when it cannot be made mechanically. */
static json_t *twin(const json_t *st, const char *new_arn, const char *old_url, const char *new_url, char *why,
		    size_t whylen)
{
	json_t *t = json_deep_copy(st), *cond;
	const char *sid = json_string_value(json_object_get(st, "Sid"));
	char nsid[300];

	if (t == NULL)
		return NULL;
	json_object_set_new(json_object_get(t, "Principal"), "Federated", json_string(new_arn));
	if (json_object_get(st, "Condition") != NULL) {
		if ((cond = rekey(json_object_get(st, "Condition"), old_url, new_url, why, whylen)) == NULL) {
			json_decref(t);
			return NULL;
		}
		json_object_set_new(t, "Condition", cond);
	}
	if (sid != NULL) { /* Sids are unique within a policy */
		snprintf(nsid, sizeof(nsid), "%.250sToNew", sid);
		json_object_set_new(t, "Sid", json_string(nsid));
	}
	return t;
}

int tm_add(const json_t *trust, const char *old_arn, const char *new_arn, json_t **out, json_t **added, char *why,
	   size_t whylen)
{
	json_t *sts = statements_copy(trust), *add = json_array(), *st, *t;
	const char *old_url = td_provider_url(old_arn), *new_url = td_provider_url(new_arn);
	size_t i, j;
	int ret = TM_CANNOT;

	*out = NULL;
	snprintf(why, whylen, "out of memory");
	if (sts == NULL || add == NULL)
		goto done;
	json_array_foreach(sts, i, st)
	{
		bool have = false;
		json_t *o;

		if (!td_web_identity(st) || !td_lists(td_federated(st), old_arn, false))
			continue;
		if (td_nth(td_federated(st), 1) != NULL) {
			snprintf(why, whylen, "statement %zu names several providers: split it by hand", i + 1);
			goto done;
		}
		if ((t = twin(st, new_arn, old_url, new_url, why, whylen)) == NULL)
			goto done;
		json_array_foreach(sts, j, o) /* already there, Sid or not: a re-run adds nothing */
		{
			json_t *a = json_deep_copy(o), *b = json_deep_copy(t);

			json_object_del(a, "Sid");
			json_object_del(b, "Sid");
			have = have || json_equal(a, b);
			json_decref(a);
			json_decref(b);
		}
		if (have)
			json_decref(t);
		else
			json_array_append_new(add, t);
	}
	ret = TM_SAME;
	if (json_array_size(add) > 0) {
		json_array_extend(sts, add);
		if ((*out = with_statements(trust, json_incref(sts))) == NULL) {
			ret = TM_CANNOT;
			goto done;
		}
		ret = TM_CHANGED;
		if (added != NULL)
			*added = json_incref(add);
	}
done:
	json_decref(sts);
	json_decref(add);
	return ret;
}

int tm_remove(const json_t *trust, const char *old_arn, const char *new_arn, json_t **out, char *why, size_t whylen)
{
	json_t *sts = statements_copy(trust), *kept = json_array(), *st;
	size_t i, removed = 0, to_new = 0;
	int ret = TM_CANNOT;

	*out = NULL;
	snprintf(why, whylen, "out of memory");
	if (sts == NULL || kept == NULL)
		goto done;
	json_array_foreach(sts, i, st)
	{
		bool old = td_web_identity(st) && td_lists(td_federated(st), old_arn, false);

		if (old && td_lists(td_federated(st), new_arn, false)) {
			snprintf(why, whylen, "statement %zu names both providers: split it by hand", i + 1);
			goto done;
		}
		if (old) {
			removed++;
			continue;
		}
		to_new += td_web_identity(st) && td_lists(td_federated(st), new_arn, false);
		json_array_append(kept, st);
	}
	ret = TM_SAME;
	if (removed == 0)
		goto done;
	if (to_new == 0) {
		snprintf(why, whylen,
			 "it trusts only the old provider: no statement trusts %s (run --phase trust first)",
			 td_provider_url(new_arn));
		ret = TM_CANNOT;
		goto done;
	}
	ret = (*out = with_statements(trust, json_incref(kept))) != NULL ? TM_CHANGED : TM_CANNOT;
done:
	json_decref(sts);
	json_decref(kept);
	return ret;
}
