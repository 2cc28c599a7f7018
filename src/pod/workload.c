#include "config.h"

#include "pod/workload.h"

#include <stdio.h>
#include <string.h>

/* Where the pod spec is in a workload of this kind: the JSON path of its parent objects. */
static const char *const *spec_path(const char *kind)
{
	static const char *const pod[] = {"spec", NULL};
	static const char *const templ[] = {"spec", "template", "spec", NULL};
	static const char *const cron[] = {"spec", "jobTemplate", "spec", "template", "spec", NULL};
	static const char *const kinds[] = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", NULL};

	if (kind == NULL)
		return NULL;
	if (strcmp(kind, "Pod") == 0)
		return pod;
	if (strcmp(kind, "CronJob") == 0)
		return cron;
	for (size_t i = 0; kinds[i] != NULL; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return templ;
	return NULL;
}

/* The entries of `after` (a list of objects) whose `key` is not among `before`'s. */
static json_t *added(const json_t *before, const json_t *after, const char *key)
{
	json_t *out = json_array(), *a, *b;
	size_t i, j;

	json_array_foreach(after, i, a)
	{
		const char *k = json_string_value(json_object_get(a, key));
		bool seen = false;

		json_array_foreach(before, j, b)
		{
			const char *bk = json_string_value(json_object_get(b, key));

			seen = seen || (k != NULL && bk != NULL && strcmp(k, bk) == 0);
		}
		if (!seen)
			json_array_append(out, a);
	}
	return out;
}

/* The service account the patch sets, checked against the one the workload names: moving pods to
 * another ServiceAccount (its token, its RBAC) is done on purpose only. */
static bool check_service_account(const char *file, const json_t *spec, const char *sa, bool replace, wl_note *note,
				  sao_err *err)
{
	const char *has = json_string_value(json_object_get(spec, "serviceAccountName"));

	if (has == NULL || has[0] == '\0') {
		snprintf(note->text, sizeof(note->text),
			 "%s runs as ServiceAccount default: the patch sets serviceAccountName %s", file, sa);
		return true;
	}
	if (strcmp(has, sa) == 0 || replace) {
		if (strcmp(has, sa) != 0) {
			note->warn = true;
			snprintf(note->text, sizeof(note->text),
				 "%s: serviceAccountName %s is replaced by %s (--replace-service-account)", file, has,
				 sa);
		}
		return true;
	}
	return err_set(err,
		       "-f %s: the workload runs as ServiceAccount %s, not %s: the patch would move its pods to %s "
		       "(another token, other RBAC). Give --service-account %s to give %s the identity, or add "
		       "--replace-service-account to move the pods on purpose",
		       file, has, sa, sa, has, has);
}

json_t *wl_patch(const json_t *w, const char *file, const char *sa, bool replace_sa, pod_identity *id,
		 const strlist *only, wl_note *note, sao_err *err)
{
	json_t *spec, *pod = NULL, *after = NULL, *ops = NULL, *pspec = NULL, *out = NULL;
	const char *const *path;
	static const char *const lists[] = {"initContainers", "containers"};

	note->warn = false;
	note->text[0] = '\0';
	if ((path = spec_path(json_string_value(json_object_get(w, "kind")))) == NULL) {
		err_set(
		    err,
		    "-f %s: kind %s: expected a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob",
		    file,
		    json_string_value(json_object_get(w, "kind")) ? json_string_value(json_object_get(w, "kind"))
								  : "(none)");
		goto done;
	}
	spec = (json_t *)w;
	for (size_t i = 0; path[i] != NULL && spec != NULL; i++)
		spec = json_object_get(spec, path[i]);
	if (!json_is_object(spec) || !json_is_array(json_object_get(spec, "containers"))) {
		err_set(err, "-f %s: no pod spec with containers in this %s", file,
			json_string_value(json_object_get(w, "kind")));
		goto done;
	}
	if (!check_service_account(file, spec, sa, replace_sa, note, err))
		goto done;
	for (size_t l = 0; l < 2; l++) { /* --container: the others count as skipped */
		size_t i;
		json_t *c;

		json_array_foreach(json_object_get(spec, lists[l]), i, c)
		{
			const char *n = json_string_value(json_object_get(c, "name"));

			if (only->n > 0 && n != NULL && !strlist_has(only, n))
				strlist_add(&id->skip, n);
		}
	}
	pod = json_pack("{s:O}", "spec", spec);
	after = json_deep_copy(pod);
	ops = pod != NULL ? pod_json_patch(pod, id) : NULL;
	if (after == NULL || ops == NULL) {
		err_set(err, "out of memory");
		goto done;
	}
	pod_apply_ops(after, ops);
	pspec = json_pack("{s:s}", "serviceAccountName", sa);
	{
		json_t *vols = added(json_object_get(spec, "volumes"),
				     json_object_get(json_object_get(after, "spec"), "volumes"), "name");

		if (json_array_size(vols) > 0)
			json_object_set(pspec, "volumes", vols);
		json_decref(vols);
	}
	for (size_t l = 0; l < 2; l++) {
		const json_t *cs = json_object_get(json_object_get(after, "spec"), lists[l]);
		json_t *pcs = json_array(), *c;
		size_t i;

		json_array_foreach(cs, i, c)
		{
			const json_t *orig = json_array_get(json_object_get(spec, lists[l]), i);
			json_t *env = added(json_object_get(orig, "env"), json_object_get(c, "env"), "name");
			json_t *mnt =
			    added(json_object_get(orig, "volumeMounts"), json_object_get(c, "volumeMounts"), "name");
			json_t *pc = json_pack("{s:O}", "name", json_object_get(c, "name"));

			if (json_array_size(env) > 0)
				json_object_set(pc, "env", env);
			if (json_array_size(mnt) > 0)
				json_object_set(pc, "volumeMounts", mnt);
			if (json_object_size(pc) > 1)
				json_array_append(pcs, pc);
			json_decref(pc);
			json_decref(env);
			json_decref(mnt);
		}
		if (json_array_size(pcs) > 0)
			json_object_set(pspec, lists[l], pcs);
		json_decref(pcs);
	}
	/* Wrap the pod spec back in the workload's own nesting. */
	out = pspec;
	pspec = NULL;
	{
		size_t n = 0;

		while (path[n] != NULL)
			n++;
		while (n-- > 0)
			out = json_pack("{s:o}", path[n], out);
	}
done:
	json_decref(pspec);
	json_decref(ops);
	json_decref(after);
	json_decref(pod);
	return out;
}
