/* status: a small plain-HTTP endpoint for long-running commands (publish --watch, serve
 * --status-listen): /healthz, /readyz (200 once ready, 503 before or when failing) and /metrics (text the
 * command renders). Meant for loopback or a pod's own port; it serves nothing else. */
#ifndef SAOIDC_STATUS_H
#define SAOIDC_STATUS_H

#include "util/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct status_srv status_srv;

/* Renders the /metrics body (Prometheus text; malloc'd); called from the server's thread. */
typedef char *(*status_metrics_fn)(void *ctx, size_t *len);

/* Listens on "HOST:PORT" ("127.0.0.1:9090", "[::]:9090"). */
status_srv *status_start(const char *listen, status_metrics_fn render, void *ctx, sao_err *err);
void status_set_ready(status_srv *s, bool ready);
void status_stop(status_srv *s);

#endif
