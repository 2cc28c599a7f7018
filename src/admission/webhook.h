/* webhook (admission): the `saoidc webhook` service. HTTPS through the TLS front, POST /mutate
 * answered by pod/webhook's decision with ServiceAccounts from admission/lookup (a watched copy;
 * a miss is read off the event loop while its request is suspended), GET /healthz at once,
 * /readyz (200 once the first list of ServiceAccounts succeeded), /metrics; the certificate
 * reloaded when its files change, the pod-identity-webhook ConfigMap polled. Bounds on bodies,
 * values per review and request time keep it inside the shipped Deployment's memory limit. */
#ifndef SAOIDC_ADMISSION_WEBHOOK_H
#define SAOIDC_ADMISSION_WEBHOOK_H

#include "kube/kube.h"
#include "pod/webhook.h"
#include "util/err.h"

#include <stdbool.h>
#include <sys/socket.h>

typedef struct adm_cfg {
	wh_cfg wh;	    /* the mutation's settings */
	kube_api api;	    /* where ServiceAccounts and the ConfigMap are read */
	const char *listen; /* for messages */
	const struct sockaddr *sa;
	socklen_t salen;
	const char *cert_file, *key_file; /* watched for renewal */
	const char *sa_namespace;	  /* watch ServiceAccounts of this namespace only; NULL: all */
	bool watch_cm;			  /* --watch-config-map */
	const char *cm_ns;		  /* its namespace */
	unsigned cm_poll_s;		  /* how often it is read again (0: every second) */
} adm_cfg;

/* Serves until SIGTERM or SIGINT, which the caller has blocked (with SIGHUP: read the ConfigMap
 * now) in every thread (the services' threads are started here and inherit the mask). cert and
 * key are the PEM the caller checked. */
bool adm_run(const adm_cfg *cfg, const char *cert_pem, const char *key_pem, sao_err *err);

#endif
