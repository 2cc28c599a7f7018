#include "config.h"

#include "server/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const unsigned statuses[] = {200, 304, 400, 404, 405, 413, 500};
#define NSTATUS (sizeof(statuses) / sizeof(*statuses))
static const char *const route_names[ROUTE_COUNT] = {"discovery", "jwks",    "kube_jwks", "healthz",
						     "readyz",	  "metrics", "other"};

struct metrics {
	atomic_ullong requests[ROUTE_COUNT][NSTATUS + 1]; /* last column: any other status */
	atomic_ullong reloads_ok;
	atomic_ullong reloads_failed;
	atomic_llong last_reload;
	atomic_llong last_reload_ok;
	atomic_ullong keys;
	tf_counters tls;
	atomic_bool tls_on;
	metrics_watch_fn watch; /* set before serving starts */
	void *watch_ctx;
};

void metrics_set_watch(metrics *m, metrics_watch_fn fn, void *ctx)
{
	m->watch = fn;
	m->watch_ctx = ctx;
}

char *metrics_tls_text(const tf_counters *t)
{
	char *text = NULL;

	if (asprintf(
		&text,
		"# HELP saoidc_tls_handshakes_total TLS handshakes, by result.\n"
		"# TYPE saoidc_tls_handshakes_total counter\n"
		"saoidc_tls_handshakes_total{result=\"ok\"} %llu\n"
		"saoidc_tls_handshakes_total{result=\"failed\"} %llu\n"
		"saoidc_tls_handshakes_total{result=\"timeout\"} %llu\n"
		"saoidc_tls_handshakes_total{result=\"evicted\"} %llu\n"
		"# HELP saoidc_connections_refused_total Connections closed at accept, by reason.\n"
		"# TYPE saoidc_connections_refused_total counter\n"
		"saoidc_connections_refused_total{reason=\"per_ip\"} %llu\n"
		"saoidc_connections_refused_total{reason=\"full\"} %llu\n"
		"# HELP saoidc_connections_stalled_total Connections closed because one side stopped taking bytes.\n"
		"# TYPE saoidc_connections_stalled_total counter\n"
		"saoidc_connections_stalled_total %llu\n",
		atomic_load(&t->handshakes), atomic_load(&t->handshake_failures), atomic_load(&t->handshake_timeouts),
		atomic_load(&t->handshakes_evicted), atomic_load(&t->refused_per_ip), atomic_load(&t->refused_full),
		atomic_load(&t->stalls)) < 0)
		return NULL;
	return text;
}

tf_counters *metrics_tls(metrics *m)
{
	atomic_store(&m->tls_on, true);
	return &m->tls;
}

metrics *metrics_new(void)
{
	return calloc(1, sizeof(metrics));
}

void metrics_free(metrics *m)
{
	free(m);
}

void metrics_request(metrics *m, metrics_route route, unsigned status)
{
	size_t i = 0;

	while (i < NSTATUS && statuses[i] != status)
		i++;
	atomic_fetch_add_explicit(&m->requests[route][i], 1, memory_order_relaxed);
}

void metrics_reload(metrics *m, bool ok, size_t keys)
{
	long long now = (long long)time(NULL);

	atomic_store(&m->last_reload, now);
	if (ok) {
		atomic_fetch_add(&m->reloads_ok, 1);
		atomic_store(&m->last_reload_ok, now);
		atomic_store(&m->keys, keys);
	} else {
		atomic_fetch_add(&m->reloads_failed, 1);
	}
}

/* Writes text (malloc'd, NULL when out of memory) to f and frees it. */
static bool put_text(FILE *f, char *text)
{
	bool ok = text != NULL && fputs(text, f) != EOF;

	free(text);
	return ok;
}

char *metrics_render(metrics *m, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool ok;

	if (f == NULL)
		return NULL;
	fprintf(f, "# HELP saoidc_http_requests_total HTTP requests answered, by route and status code.\n"
		   "# TYPE saoidc_http_requests_total counter\n");
	for (int r = 0; r < ROUTE_COUNT; r++) {
		for (size_t s = 0; s <= NSTATUS; s++) {
			unsigned long long v = atomic_load_explicit(&m->requests[r][s], memory_order_relaxed);

			if (v == 0)
				continue;
			if (s < NSTATUS)
				fprintf(f, "saoidc_http_requests_total{route=\"%s\",code=\"%u\"} %llu\n",
					route_names[r], statuses[s], v);
			else
				fprintf(f, "saoidc_http_requests_total{route=\"%s\",code=\"other\"} %llu\n",
					route_names[r], v);
		}
	}
	fprintf(f,
		"# HELP saoidc_reloads_total Key reloads, by result.\n"
		"# TYPE saoidc_reloads_total counter\n"
		"saoidc_reloads_total{result=\"ok\"} %llu\n"
		"saoidc_reloads_total{result=\"failed\"} %llu\n"
		"# HELP saoidc_last_reload_timestamp_seconds Time of the last reload attempt.\n"
		"# TYPE saoidc_last_reload_timestamp_seconds gauge\n"
		"saoidc_last_reload_timestamp_seconds %lld\n"
		"# HELP saoidc_last_successful_reload_timestamp_seconds Time of the last reload that succeeded.\n"
		"# TYPE saoidc_last_successful_reload_timestamp_seconds gauge\n"
		"saoidc_last_successful_reload_timestamp_seconds %lld\n"
		"# HELP saoidc_keys_served Signing keys in the published JWKS.\n"
		"# TYPE saoidc_keys_served gauge\n"
		"saoidc_keys_served %llu\n"
		"# HELP saoidc_build_info Build information.\n"
		"# TYPE saoidc_build_info gauge\n"
		"saoidc_build_info{version=\"%s\"} 1\n",
		(unsigned long long)atomic_load(&m->reloads_ok), (unsigned long long)atomic_load(&m->reloads_failed),
		(long long)atomic_load(&m->last_reload), (long long)atomic_load(&m->last_reload_ok),
		(unsigned long long)atomic_load(&m->keys), PACKAGE_VERSION);
	/* The kube:// watches' figures and the TLS front's, each rendered apart; a failure loses all. */
	ok = (m->watch == NULL || put_text(f, m->watch(m->watch_ctx))) &&
	     (!atomic_load(&m->tls_on) || put_text(f, metrics_tls_text(&m->tls)));
	if (fclose(f) != 0 || !ok) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}
