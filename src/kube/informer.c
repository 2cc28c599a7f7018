#include "config.h"

#include "kube/informer.h"

#include "util/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 4096u
#define LINE_MAX_BYTES (4u * 1024u * 1024u) /* one watch event; the API's object limit is 1.5 MB */
#define WATCH_S 300L			    /* timeoutSeconds asked of each watch */
#define LIST_PAGE 500

typedef struct entry {
	struct entry *next;
	char *key; /* namespace/name */
	json_t *annotations;
} entry;

struct kinf {
	kinf_cfg cfg;
	char *collection;
	pthread_t thread;
	pthread_mutex_t lock; /* the table, the stats, the wake-up */
	pthread_cond_t wake;
	atomic_bool stop;
	entry *table[BUCKETS];
	kinf_stats st;
	long last_event_at; /* clock_mono_ms() */
	/* the watch in progress (thread only) */
	char *rv;
	char *line;
	size_t line_len, line_cap;
	bool relist;  /* the stream said 410 Gone, or a line was too long */
	bool started; /* the thread runs (not a detached copy) */
};

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % BUCKETS;
}

static void table_clear(entry **table)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		while (table[b] != NULL) {
			entry *e = table[b];

			table[b] = e->next;
			free(e->key);
			json_decref(e->annotations);
			free(e);
		}
}

/* "ns/name" of an object, or false when it has no name. */
static bool object_key(const json_t *obj, char *key, size_t len)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace")),
		   *name = json_string_value(json_object_get(md, "name"));

	if (name == NULL || name[0] == '\0')
		return false;
	return (size_t)snprintf(key, len, "%s/%s", ns != NULL ? ns : "", name) < len;
}

/* The annotations worth keeping: those under the configured prefixes, of a bounded length (the
 * copy's memory is then bounded by the object count, whatever else the objects carry). */
static json_t *kept_annotations(const kinf_cfg *cfg, const json_t *ann)
{
	json_t *out = json_object(), *v;
	const char *k;

	if (out == NULL || !json_is_object(ann))
		return out;
	json_object_foreach((json_t *)ann, k, v)
	{
		bool keep = cfg->keep == NULL;

		for (size_t i = 0; !keep && cfg->keep[i] != NULL; i++)
			keep = strncmp(k, cfg->keep[i], strlen(cfg->keep[i])) == 0;
		if (keep && json_is_string(v) && (cfg->max_value == 0 || json_string_length(v) <= cfg->max_value))
			json_object_set(out, k, v);
	}
	return out;
}

/* Puts (or with remove, takes out) one object in a table; under the lock for the live table. */
static void table_put(kinf *f, entry **table, const json_t *obj, bool remove)
{
	char key[600];
	entry **pp, *e = NULL;
	json_t *ann;

	if (!object_key(obj, key, sizeof(key)))
		return;
	for (pp = &table[hash(key)]; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->key, key) == 0)
			break;
	if (remove) {
		if ((e = *pp) != NULL) {
			*pp = e->next;
			free(e->key);
			json_decref(e->annotations);
			free(e);
			f->st.objects--;
		}
		return;
	}
	if ((ann = kept_annotations(&f->cfg, json_object_get(json_object_get(obj, "metadata"), "annotations"))) == NULL)
		return;
	if (*pp != NULL) {
		json_decref((*pp)->annotations);
		(*pp)->annotations = ann;
		return;
	}
	if (f->st.objects >= f->cfg.max_objects || (e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL) {
		free(e);
		json_decref(ann);
		f->st.dropped++;
		return;
	}
	e->annotations = ann;
	e->next = table[hash(key)];
	table[hash(key)] = e;
	f->st.objects++;
}

static void set_error(kinf *f, const char *msg)
{
	pthread_mutex_lock(&f->lock);
	snprintf(f->st.last_error, sizeof(f->st.last_error), "%.290s", msg); /* a longer reason is cut */
	pthread_mutex_unlock(&f->lock);
}

/* Waits ms, or until stopped; false when stopped. */
static bool pause_ms(kinf *f, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!atomic_load(&f->stop) && pthread_cond_timedwait(&f->wake, &f->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&f->lock);
	return !atomic_load(&f->stop);
}

/* Lists the collection, page by page, into a new table that replaces the live one at the end. */
static bool list(kinf *f, sao_err *err)
{
	entry **fresh = calloc(BUCKETS, sizeof(*fresh));
	char *cont = NULL, *path = NULL, *body = NULL, *rv = NULL;
	size_t len = 0, kept = 0;
	json_t *doc = NULL;
	bool ok = false;
	kinf scratch; /* counts for the fresh table */

	memset(&scratch, 0, sizeof(scratch));
	scratch.cfg.max_objects = f->cfg.max_objects;
	if (fresh == NULL)
		return err_set(err, "out of memory");
	do {
		const json_t *items, *it;
		size_t i;

		free(path);
		if (asprintf(&path, "%s?limit=%d%s%s%s%s", f->collection, LIST_PAGE, cont != NULL ? "&continue=" : "",
			     cont != NULL ? cont : "", f->cfg.field_selector != NULL ? "&fieldSelector=" : "",
			     f->cfg.field_selector != NULL ? f->cfg.field_selector : "") < 0) {
			path = NULL;
			err_set(err, "out of memory");
			goto out;
		}
		if (!kube_get(&f->cfg.api, path, &body, &len, NULL, err))
			goto out;
		json_decref(doc);
		doc = json_loadb(body, len, 0, NULL);
		free(body);
		body = NULL;
		items = json_object_get(doc, "items");
		if (!json_is_array(items)) {
			err_set(err, "Kubernetes API: the list of %s is not a list (no items)", f->collection);
			goto out;
		}
		json_array_foreach(items, i, it) table_put(&scratch, fresh, it, false);
		free(rv);
		rv = json_string_value(json_object_get(json_object_get(doc, "metadata"), "resourceVersion")) != NULL
			 ? strdup(
			       json_string_value(json_object_get(json_object_get(doc, "metadata"), "resourceVersion")))
			 : NULL;
		free(cont);
		cont =
		    json_string_value(json_object_get(json_object_get(doc, "metadata"), "continue")) != NULL &&
			    json_string_value(json_object_get(json_object_get(doc, "metadata"), "continue"))[0] != '\0'
			? strdup(json_string_value(json_object_get(json_object_get(doc, "metadata"), "continue")))
			: NULL;
		/* A continue token is URL-safe base64; anything else is not followed. */
		if (cont != NULL &&
		    strspn(cont, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != strlen(cont)) {
			err_set(err, "Kubernetes API: the list of %s has a malformed continue token", f->collection);
			goto out;
		}
	} while (cont != NULL && !atomic_load(&f->stop));
	if (rv == NULL) {
		err_set(err, "Kubernetes API: the list of %s has no resourceVersion", f->collection);
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	table_clear(f->table);
	memcpy(f->table, fresh, BUCKETS * sizeof(*fresh));
	memset(fresh, 0, BUCKETS * sizeof(*fresh));
	kept = scratch.st.objects;
	f->st.objects = kept;
	f->st.dropped += scratch.st.dropped;
	f->st.synced = true;
	f->st.lists++;
	f->st.last_error[0] = '\0';
	f->last_event_at = clock_mono_ms();
	pthread_mutex_unlock(&f->lock);
	free(f->rv);
	f->rv = rv;
	rv = NULL;
	ok = true;
out:
	table_clear(fresh);
	free(fresh);
	json_decref(doc);
	free(body);
	free(path);
	free(cont);
	free(rv);
	return ok;
}

/* Applies one watch event (one JSON line). False stops the stream (410: list again). */
static bool apply_event(kinf *f, const char *line, size_t len)
{
	json_t *ev = json_loadb(line, len, 0, NULL);
	const char *type = json_string_value(json_object_get(ev, "type"));
	const json_t *obj = json_object_get(ev, "object");
	const char *rv = json_string_value(json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
	bool go_on = true;

	if (type == NULL || !json_is_object(obj)) {
		/* Not an event: the stream is not what a watch sends; list again rather than guess. */
		f->relist = true;
		go_on = false;
	} else if (strcmp(type, "ERROR") == 0) {
		/* 410 Expired (the version is too old) or any other error: list again, as the reflector does. */
		f->relist = true;
		go_on = false;
	} else {
		pthread_mutex_lock(&f->lock);
		if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0)
			table_put(f, f->table, obj, false);
		else if (strcmp(type, "DELETED") == 0)
			table_put(f, f->table, obj, true);
		f->st.events++;
		f->last_event_at = clock_mono_ms();
		pthread_mutex_unlock(&f->lock);
		if (f->cfg.changed != NULL && strcmp(type, "BOOKMARK") != 0)
			f->cfg.changed(f->cfg.changed_ctx);
		if (rv != NULL && rv[0] != '\0') {
			char *n = strdup(rv);

			if (n != NULL) {
				free(f->rv);
				f->rv = n;
			}
		}
	}
	json_decref(ev);
	return go_on;
}

/* kube_stream's chunk callback: cuts the stream into lines, one event each. */
static bool on_chunk(void *ctx, const char *data, size_t len)
{
	kinf *f = ctx;

	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			bool go_on = f->line_len == 0 || apply_event(f, f->line, f->line_len);

			f->line_len = 0;
			if (!go_on)
				return false;
			continue;
		}
		if (f->line_len + 1 >= f->line_cap) {
			size_t ncap = f->line_cap == 0 ? 4096 : f->line_cap * 2;
			char *nl;

			if (ncap > LINE_MAX_BYTES || (nl = realloc(f->line, ncap)) == NULL) {
				f->relist = true; /* an event too large to hold: start over from a list */
				return false;
			}
			f->line = nl;
			f->line_cap = ncap;
		}
		f->line[f->line_len++] = data[i];
	}
	return !atomic_load(&f->stop);
}

/* One watch from f->rv; returns when the stream ends. False when it ended in an error. */
static bool watch_once(kinf *f, sao_err *err)
{
	char *path = NULL;
	long status = 0;
	bool ok;

	if (f->rv == NULL ||
	    strspn(f->rv, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") != strlen(f->rv)) {
		f->relist = true;
		return err_set(err, "Kubernetes API: a resourceVersion that is not URL-safe; listing again");
	}
	if (asprintf(&path, "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%ld&resourceVersion=%s%s%s",
		     f->collection, WATCH_S, f->rv, f->cfg.field_selector != NULL ? "&fieldSelector=" : "",
		     f->cfg.field_selector != NULL ? f->cfg.field_selector : "") < 0)
		return err_set(err, "out of memory");
	f->line_len = 0;
	ok = kube_stream(&f->cfg.api, path, on_chunk, f, &f->stop, (WATCH_S + 30) * 1000L, &status, err);
	if (status == 410)
		f->relist = true;
	free(path);
	return ok;
}

static void *run(void *arg)
{
	kinf *f = arg;
	long backoff = 0;
	long listed_at = -1;

	while (!atomic_load(&f->stop)) {
		sao_err err = {""};
		long relist_at;

		/* A server that answers every watch with 410 must not make this a busy loop. */
		if (listed_at >= 0 && clock_mono_ms() - listed_at < 1000 && !pause_ms(f, 1000))
			break;
		listed_at = clock_mono_ms();
		if (!list(f, &err)) {
			if (atomic_load(&f->stop))
				break;
			set_error(f, err.msg);
			backoff = backoff == 0 ? 500 : backoff * 2 > 30000 ? 30000 : backoff * 2;
			pause_ms(f, backoff);
			continue;
		}
		backoff = 0;
		/* A re-list may hold changes no event brought (a watch that broke for long). */
		if (listed_at >= 0 && f->st.lists > 1 && f->cfg.changed != NULL)
			f->cfg.changed(f->cfg.changed_ctx);
		relist_at = clock_mono_ms() + f->cfg.relist_ms;
		f->relist = false;
		while (!atomic_load(&f->stop) && !f->relist && clock_mono_ms() < relist_at) {
			sao_err werr = {""};

			if (watch_once(f, &werr) || atomic_load(&f->stop) || f->relist) {
				if (f->relist) { /* 410 Gone: listed again (below), a restart all the same */
					pthread_mutex_lock(&f->lock);
					f->st.restarts++;
					pthread_mutex_unlock(&f->lock);
				}
				backoff = 0;
				continue; /* the server's timeout ended it: watch again from the version reached */
			}
			set_error(f, werr.msg);
			pthread_mutex_lock(&f->lock);
			f->st.restarts++;
			pthread_mutex_unlock(&f->lock);
			backoff = backoff == 0 ? 250 : backoff * 2 > 10000 ? 10000 : backoff * 2;
			if (!pause_ms(f, backoff))
				break;
		}
	}
	return NULL;
}

kinf *kinf_start(const kinf_cfg *cfg, sao_err *err)
{
	kinf *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	if (f == NULL || (f->collection = strdup(cfg->collection)) == NULL) {
		free(f);
		err_set(err, "out of memory");
		return NULL;
	}
	f->cfg = *cfg;
	f->cfg.collection = f->collection;
	if (f->cfg.api.timeout_ms <= 0)
		f->cfg.api.timeout_ms = 30000;
	if (f->cfg.relist_ms <= 0)
		f->cfg.relist_ms = 600000;
	if (f->cfg.max_objects == 0)
		f->cfg.max_objects = 65536;
	f->cfg.api.cancel = &f->stop;
	f->last_event_at = -1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	f->started = true;
	if ((errno = pthread_create(&f->thread, NULL, run, f)) != 0) {
		err_set(err, "cannot start the watch thread: %s", strerror(errno));
		pthread_cond_destroy(&f->wake);
		pthread_mutex_destroy(&f->lock);
		free(f->collection);
		free(f);
		return NULL;
	}
	return f;
}

kinf *kinf_new_detached(void)
{
	kinf *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->collection = strdup("/api/v1/serviceaccounts")) == NULL || (f->rv = strdup("1")) == NULL) {
		if (f != NULL)
			free(f->collection);
		free(f);
		return NULL;
	}
	f->cfg.max_objects = 65536;
	f->last_event_at = -1;
	f->st.synced = true;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	return f;
}

bool kinf_feed(kinf *f, const char *data, size_t len)
{
	return on_chunk(f, data, len) && !f->relist;
}

int kinf_annotations(kinf *f, const char *ns, const char *name, json_t **annotations)
{
	char key[600];
	int r = 0;

	*annotations = NULL;
	if ((size_t)snprintf(key, sizeof(key), "%s/%s", ns, name) >= sizeof(key))
		return 0;
	pthread_mutex_lock(&f->lock);
	if (!f->st.synced) {
		r = -1;
	} else {
		for (const entry *e = f->table[hash(key)]; e != NULL; e = e->next)
			if (strcmp(e->key, key) == 0) {
				*annotations = json_deep_copy(e->annotations);
				r = *annotations != NULL ? 1 : -1;
				break;
			}
	}
	pthread_mutex_unlock(&f->lock);
	return r;
}

void kinf_stats_get(kinf *f, kinf_stats *out)
{
	pthread_mutex_lock(&f->lock);
	*out = f->st;
	out->last_event_age_ms = f->last_event_at < 0 ? -1 : clock_mono_ms() - f->last_event_at;
	pthread_mutex_unlock(&f->lock);
}

void kinf_stop(kinf *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->stop, true);
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	if (f->started)
		pthread_join(f->thread, NULL);
	table_clear(f->table);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f->rv);
	free(f->line);
	free(f->collection);
	free(f);
}
