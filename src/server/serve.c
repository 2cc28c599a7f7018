#include "config.h"

#include "server/serve.h"

#include "server/certwatch.h"
#include "server/metrics.h"
#include "server/snapshot.h"
#include "server/status.h"
#include "util/clock.h"
#include "util/fsio.h"
#include "util/log.h"
#include "util/sigs.h"
#include "util/watch.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What is being served, to tell whether a reload changed anything. */
typedef struct served {
	char *jwks, *disc;
	unsigned max_age; /* the source's (the API server's), 0 for none */
	char *sig;	  /* several issuers: all their documents, one after the other */
	size_t sig_len;
	strlist files; /* several issuers: the file and the key files to watch */
} served;

void serve_sites_free(serve_site *sites, size_t n)
{
	for (size_t i = 0; sites != NULL && i < n; i++) {
		free(sites[i].issuer);
		free(sites[i].host);
		free(sites[i].prefix);
		free(sites[i].jwks_path);
		docs_clear(&sites[i].d);
	}
	free(sites);
}

/* Several issuers, loaded and not yet served. */
typedef struct pending {
	serve_site *sites;
	size_t n, keys;
	strlist files;
	char *sig;
	size_t sig_len;
} pending;

static void pending_clear(pending *p)
{
	serve_sites_free(p->sites, p->n);
	strlist_clear(&p->files);
	free(p->sig);
	memset(p, 0, sizeof(*p));
}

static bool load_sites(const serve_cfg *c, pending *p, sao_err *err)
{
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (!c->sites(c->sites_ctx, &p->sites, &p->n, &p->files, err))
		return false;
	if ((f = open_memstream(&p->sig, &p->sig_len)) == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < p->n; i++) {
		const serve_site *st = &p->sites[i];

		fprintf(f, "%s\n%u\n", st->issuer, st->d.max_age);
		fwrite(st->d.discovery, 1, st->d.discovery_len, f);
		fputc('\0', f);
		fwrite(st->d.jwks, 1, st->d.jwks_len, f);
		fputc('\0', f);
		p->keys += st->nkeys;
	}
	if (fclose(f) != 0)
		return err_set(err, "out of memory");
	return true;
}

/* Serves what load_sites loaded, unless it is what is served already; takes p's contents. */
static bool apply_sites(srv *s, metrics *m, pending *p, served *sv, sao_err *err)
{
	snap_site *ss = calloc(p->n, sizeof(*ss));
	bool ok = false;

	strlist_clear(&sv->files);
	sv->files = p->files;
	memset(&p->files, 0, sizeof(p->files));
	if (sv->sig != NULL && p->sig_len == sv->sig_len && memcmp(p->sig, sv->sig, p->sig_len) == 0) {
		log_debug("issuers reloaded: documents unchanged (%zu issuers, %zu keys)", p->n, p->keys);
		metrics_reload(m, true, p->keys);
		ok = true;
		goto out;
	}
	if (ss == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++)
		ss[i] = (snap_site){p->sites[i].issuer,	   p->sites[i].host, p->sites[i].prefix,
				    p->sites[i].jwks_path, &p->sites[i].d,   p->sites[i].nkeys};
	if (!srv_publish_sites(s, ss, p->n, err))
		goto out;
	free(sv->sig);
	sv->sig = p->sig;
	sv->sig_len = p->sig_len;
	p->sig = NULL;
	metrics_reload(m, true, p->keys);
	for (size_t i = 0; i < p->n; i++)
		log_info("serving %zu key%s for %s", p->sites[i].nkeys, p->sites[i].nkeys == 1 ? "" : "s",
			 p->sites[i].issuer);
	ok = true;
out:
	free(ss);
	return ok;
}

/* Makes rendered documents current and remembers them; takes the bodies out of *d. */
static bool publish_docs(srv *s, metrics *m, docs *d, size_t nkeys, bool from_apiserver, served *sv, sao_err *err)
{
	if (!srv_publish(s, d, err))
		return false;
	free(sv->jwks);
	free(sv->disc);
	sv->jwks = d->jwks;
	sv->disc = d->discovery;
	sv->max_age = d->max_age;
	d->jwks = d->discovery = NULL;
	metrics_reload(m, true, nkeys);
	log_info("serving %zu key%s%s", nkeys, nkeys == 1 ? "" : "s", from_apiserver ? " from the API server" : "");
	return true;
}

/* Loads the keys and renders the documents; publishes them if they differ from what is served.
 * Several issuers are loaded together and served together: one that fails keeps them all as
 * they were. */
static bool reload(const serve_cfg *c, srv *s, metrics *m, served *sv, sao_err *err)
{
	docs d = {0};
	size_t nkeys = 0;
	bool ok = false;

	if (c->sites != NULL) {
		pending p;

		ok = load_sites(c, &p, err) && apply_sites(s, m, &p, sv, err);
		pending_clear(&p);
		if (!ok)
			metrics_reload(m, false, 0);
		return ok;
	}
	if (!c->source(c->source_ctx, &d, &nkeys, err))
		goto out;
	if (sv->jwks != NULL && strcmp(sv->jwks, d.jwks) == 0 && strcmp(sv->disc, d.discovery) == 0 &&
	    sv->max_age == d.max_age) {
		ok = true;
		log_debug("keys reloaded: documents unchanged (%zu key%s)", nkeys, nkeys == 1 ? "" : "s");
		metrics_reload(m, true, nkeys);
		goto out;
	}
	ok = publish_docs(s, m, &d, nkeys, c->from_apiserver, sv, err);
out:
	if (!ok)
		metrics_reload(m, false, 0);
	docs_clear(&d);
	return ok;
}

/* certwatch's apply: the server's listeners take the new pair. */
static bool set_tls(void *ctx, const char *cert, const char *key, sao_err *err)
{
	return srv_set_tls(ctx, cert, key, err);
}

/* /metrics on the status listener: the server's own counters. */
static char *render_metrics(void *ctx, size_t *len)
{
	return srv_metrics_render(ctx, len);
}

/* What started, where, on the log. */
static void log_listeners(const serve_cfg *c, srv *s)
{
	const char *scheme = c->srv.tls_cert_pem != NULL ? "https" : "http";

	for (size_t i = 0; i < c->srv.nlisten; i++) {
		char bound[80];

		if (!srv_bound_address(s, i, bound, sizeof(bound)))
			snprintf(bound, sizeof(bound), "%s", c->srv.listen[i]);
		if (strcmp(bound, c->srv.listen[i]) != 0)
			log_info("listening on %s://%s (--listen %s)", scheme, bound, c->srv.listen[i]);
		else
			log_info("listening on %s://%s", scheme, bound);
		if (c->sites != NULL)
			continue;
		log_info("  %s://%s%s/.well-known/openid-configuration", scheme, bound, c->srv.prefix);
		log_info("  %s://%s%s%s", scheme, bound, c->srv.prefix, c->srv.jwks_path);
	}
	if (c->sites != NULL)
		log_info("issuers from %s, told apart by Host and path; SIGHUP (or a change to it) reads it again",
			 c->issuer);
	else
		log_info("issuer %s", c->issuer);
	log_info("%u worker thread%s per listener (%s)", c->srv.threads, c->srv.threads == 1 ? "" : "s",
		 c->threads_from);
	if (c->watch_ms == 0)
		log_info("--watch-interval 0: key files are re-read on SIGHUP only%s",
			 c->poll_source ? "; Secrets read through the API are still polled (--kube-poll-interval)"
					: "");
}

/* The files whose changes make a reload: the key files; with several issuers, the file and
 * the key files it names (as last read). */
static void fingerprint(const serve_cfg *c, const served *sv, unsigned char fp[WATCH_FP_LEN])
{
	if (c->sites != NULL)
		watch_fingerprint((const char *const *)sv->files.v, sv->files.n, fp);
	else
		watch_fingerprint(c->key_files, c->nkey_files, fp);
}

/* The main thread until SIGTERM or SIGINT: signals, key files, the API poll, the certificate. */
static void loop(const serve_cfg *c, srv *s, metrics *m, served *sv)
{
	unsigned char fp[WATCH_FP_LEN] = {0}, nfp[WATCH_FP_LEN] = {0};
	certwatch cw;
	long last_poll = clock_mono_ms();
	sigset_t sigs;

	sigs_service_set(&sigs); /* USR1: a watched Secret changed (kube/kwatch) */
	fingerprint(c, sv, fp);
	if (c->srv.tls_cert_pem != NULL)
		certwatch_init(&cw, c->tls_cert_file, c->tls_key_file);
	for (;;) {
		/* Wake for the file check, or for the next API poll, whichever is first: a
		 * --watch-interval of 0 turns off the file check, never the API poll. */
		long wait_ms = c->watch_ms > 0 ? (long)c->watch_ms : -1;
		struct timespec ts;
		sao_err err = {""};
		siginfo_t si;
		bool poll;
		int sig;

		if (c->srv.tls_cert_pem != NULL && (wait_ms < 0 || wait_ms > 1000))
			wait_ms = 1000; /* listeners replaced by a certificate reload are stopped once drained */
		if (c->poll_source) {
			long due = last_poll + (long)c->kube_poll_s * 1000 - clock_mono_ms();

			due = due < 0 ? 0 : due;
			wait_ms = wait_ms < 0 || due < wait_ms ? due : wait_ms;
		}
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000L;
		sig = sigtimedwait(&sigs, &si, wait_ms >= 0 ? &ts : NULL);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("%s: stopping (in-flight requests get %u ms)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
				 c->grace_ms);
			return;
		}
		if (sig < 0 && errno != EAGAIN)
			continue;
		if (c->srv.tls_cert_pem != NULL && (c->watch_ms > 0 || sig == SIGHUP))
			certwatch_check(&cw, set_tls, s);
		memcpy(nfp, fp, sizeof(fp)); /* unchanged unless a fingerprint is made */
		if (c->watch_ms > 0)
			fingerprint(c, sv, nfp);
		/* Secrets read through the API are polled: a reload that renders the same documents
		 * changes nothing. */
		poll = c->poll_source && clock_mono_ms() - last_poll >= (long)c->kube_poll_s * 1000;
		if (sig != SIGHUP && sig != SIGUSR1 && memcmp(fp, nfp, sizeof(fp)) == 0 && !poll)
			continue;
		memcpy(fp, nfp, sizeof(fp));
		if (poll || sig == SIGUSR1)
			last_poll = clock_mono_ms();
		if (sig == SIGUSR1)
			log_info("a watched Secret changed: reloading keys");
		else if (sig == SIGHUP || !poll)
			log_info("%s: reloading keys", sig == SIGHUP ? "SIGHUP" : "key files changed");
		if (!reload(c, s, m, sv, &err))
			log_error("reload failed, still serving the previous documents: %s", err.msg);
		else if (c->sites != NULL && c->watch_ms > 0)
			fingerprint(c, sv, fp); /* the file may name other key files now */
	}
}

bool serve_run(const serve_cfg *c, sao_err *err)
{
	metrics *m = metrics_new();
	srv *s = NULL;
	status_srv *st = NULL;
	served sv = {0};
	pending p = {0};
	docs d = {0};
	size_t n = 0;
	bool ok = false;

	if (m == NULL)
		return err_set(err, "out of memory");
	if (c->watch_stats != NULL)
		metrics_set_watch(m, c->watch_stats, c->watch_ctx);
	/* Load first: a bad key or issuer must fail before anything listens. */
	if (c->sites != NULL) {
		if (!load_sites(c, &p, err) || (s = srv_start(&c->srv, m, err)) == NULL ||
		    !apply_sites(s, m, &p, &sv, err))
			goto out;
	} else if (!c->source(c->source_ctx, &d, &n, err) || (s = srv_start(&c->srv, m, err)) == NULL ||
		   !publish_docs(s, m, &d, n, c->from_apiserver, &sv, err)) {
		goto out;
	}
	if (c->status_listen != NULL) {
		if ((st = status_start(c->status_listen, render_metrics, s, err)) == NULL) {
			err_prefix(err, "--status-listen: ");
			goto out;
		}
		status_set_ready(st, true); /* the documents are loaded; a failed reload keeps them */
		log_info("status: http://%s/healthz, /readyz, /metrics", c->status_listen);
	}
	log_listeners(c, s);
	loop(c, s, m, &sv);
	ok = true;
out:
	docs_clear(&d);
	srv_stop(s, c->grace_ms);
	status_stop(st);
	metrics_free(m);
	free(sv.jwks);
	free(sv.disc);
	free(sv.sig);
	strlist_clear(&sv.files);
	pending_clear(&p);
	return ok;
}
