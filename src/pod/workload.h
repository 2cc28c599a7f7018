/* workload: the strategic-merge patch that gives a workload's pods their cloud identity (pod-patch -f):
 * the webhook's operations on its pod spec (pod/podspec), turned into what a merge by name adds
 * (containers, env, volumes and mounts are merged by name, so nothing the workload sets is
 * overwritten), wrapped back in the workload's own nesting (Pod, Deployment, StatefulSet,
 * DaemonSet, ReplicaSet, Job, CronJob). */
#ifndef SAOIDC_WORKLOAD_H
#define SAOIDC_WORKLOAD_H

#include "pod/podspec.h"
#include "util/err.h"
#include "util/str.h"

#include <jansson.h>
#include <stdbool.h>

/* What the caller should tell about the ServiceAccount (text empty: nothing). */
typedef struct wl_note {
	bool warn; /* a warning (the pods move to another ServiceAccount), else information */
	char text[400];
} wl_note;

/* The patch for workload w (named `file` in messages) running as ServiceAccount sa; refuses to
 * move pods from another ServiceAccount unless replace_sa. Containers not in `only` (when it
 * has any) are added to id->skip. NULL with err set on failure. */
json_t *wl_patch(const json_t *w, const char *file, const char *sa, bool replace_sa, pod_identity *id,
		 const strlist *only, wl_note *note, sao_err *err);

#endif
