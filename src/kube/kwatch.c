#include "config.h"

#include "kube/kwatch.h"

#include "kube/informer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kwatch {
	kinf **v;
	char **strings; /* the collections and field selectors the informers point to */
	size_t n, ns;
};

static char *keep(kwatch *w, char *s)
{
	char **nv;

	if (s == NULL || (nv = realloc(w->strings, (w->ns + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return NULL;
	}
	w->strings = nv;
	w->strings[w->ns++] = s;
	return s;
}

kwatch *kwatch_start(const kube_api *api, const char *const *keys, size_t n, void (*changed)(void *ctx), void *ctx,
		     sao_err *err)
{
	static const char *const none[] = {NULL}; /* the Secret's annotations are not needed */
	kwatch *w = calloc(1, sizeof(*w));

	if (w == NULL || (n > 0 && (w->v = calloc(n, sizeof(*w->v))) == NULL)) {
		free(w);
		err_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *uri = keys[i], *ns, *slash;
		char *coll = NULL, *sel = NULL;
		kinf_cfg c = {0};

		if (!kube_is_uri(uri))
			continue;
		ns = uri + strlen(KUBE_PREFIX);
		slash = strchr(ns, '/');
		if (slash == NULL || strspn(slash + 1, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(slash + 1) ||
		    strspn(ns, "abcdefghijklmnopqrstuvwxyz0123456789-") != (size_t)(slash - ns))
			continue; /* not a Kubernetes name: refused where the key is read */
		if (asprintf(&coll, "/api/v1/namespaces/%.*s/secrets", (int)(slash - ns), ns) < 0)
			coll = NULL;
		if (asprintf(&sel, "metadata.name%%3D%s", slash + 1) < 0)
			sel = NULL;
		if (keep(w, coll) == NULL || keep(w, sel) == NULL) {
			err_set(err, "out of memory");
			kwatch_stop(w);
			return NULL;
		}
		c.api = *api;
		c.collection = coll;
		c.field_selector = sel;
		c.changed = changed;
		c.changed_ctx = ctx;
		c.keep = none;
		c.max_objects = 1;
		if ((w->v[w->n] = kinf_start(&c, err)) == NULL) {
			err_prefix(err, "%s: ", uri);
			kwatch_stop(w);
			return NULL;
		}
		w->n++;
	}
	return w;
}

size_t kwatch_count(const kwatch *w)
{
	return w != NULL ? w->n : 0;
}

void kwatch_stats(kwatch *w, unsigned long *restarts, long *oldest_event_age_ms)
{
	*restarts = 0;
	*oldest_event_age_ms = -1;
	for (size_t i = 0; w != NULL && i < w->n; i++) {
		kinf_stats st;

		kinf_stats_get(w->v[i], &st);
		*restarts += st.restarts;
		if (st.last_event_age_ms > *oldest_event_age_ms)
			*oldest_event_age_ms = st.last_event_age_ms;
	}
}

unsigned long kwatch_restarts(kwatch *w)
{
	unsigned long r;
	long age;

	kwatch_stats(w, &r, &age);
	return r;
}

void kwatch_stop(kwatch *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		kinf_stop(w->v[i]);
	for (size_t i = 0; i < w->ns; i++)
		free(w->strings[i]);
	free(w->strings);
	free(w->v);
	free(w);
}

char *kwatch_metrics_text(kwatch *w)
{
	unsigned long restarts = 0;
	long age = -1;
	char *s = NULL;

	kwatch_stats(w, &restarts, &age);
	if (asprintf(&s,
		     "# HELP saoidc_kube_watch_restarts_total Watches of kube:// Secrets started again after a "
		     "broken stream, a 410 Gone or an error.\n"
		     "# TYPE saoidc_kube_watch_restarts_total counter\n"
		     "saoidc_kube_watch_restarts_total %lu\n"
		     "# HELP saoidc_kube_watch_last_event_age_seconds Since the oldest of the watches' last event or "
		     "list (-1: none yet).\n"
		     "# TYPE saoidc_kube_watch_last_event_age_seconds gauge\n"
		     "saoidc_kube_watch_last_event_age_seconds %.3f\n",
		     restarts, age < 0 ? -1.0 : (double)age / 1000.0) < 0)
		return NULL;
	return s;
}
